-- Agent invitations: a single-use link; only the hash of its token is kept.
CREATE TABLE invites (
  id          BIGSERIAL PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,
  email       TEXT NOT NULL,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('admin','agent')),
  invited_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  used_at     BIGINT,
  user_id     BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX invites_email ON invites(email);

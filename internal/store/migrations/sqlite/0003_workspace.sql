-- Agent invitations: a single-use link; only the hash of its token is kept.
CREATE TABLE invites (
  id          INTEGER PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,
  email       TEXT NOT NULL,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('admin','agent')),
  invited_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX invites_email ON invites(email);

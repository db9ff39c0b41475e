-- Issue 7: upstream collaborators can be invited like agents. SQLite cannot
-- change a CHECK constraint in place, so the invites table is rebuilt.
CREATE TABLE invites_new (
  id          INTEGER PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,
  email       TEXT NOT NULL,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('admin','agent','collaborator')),
  invited_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER,
  user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL
);
INSERT INTO invites_new (id, token_hash, email, name, role, invited_by, created_at, expires_at, used_at, user_id)
  SELECT id, token_hash, email, name, role, invited_by, created_at, expires_at, used_at, user_id FROM invites;
DROP TABLE invites;
ALTER TABLE invites_new RENAME TO invites;
CREATE INDEX invites_email ON invites(email);

-- Core schema: people, accounts, tickets and their timeline.
-- Times are milliseconds since the Unix epoch (UTC) on both engines.

CREATE TABLE organizations (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  created_at INTEGER NOT NULL
);

CREATE TABLE contacts (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL DEFAULT '',
  organization_id INTEGER REFERENCES organizations(id) ON DELETE SET NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX contacts_org ON contacts(organization_id);
CREATE INDEX contacts_name ON contacts(name COLLATE NOCASE);

CREATE TABLE identities (
  id         INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('email','phone','visitor')),
  value      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (kind, value)
);
CREATE INDEX identities_contact ON identities(contact_id);
CREATE INDEX identities_value ON identities(value);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  active        BOOLEAN NOT NULL DEFAULT TRUE,
  created_at    INTEGER NOT NULL
);

CREATE TABLE teams (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  created_at INTEGER NOT NULL
);

CREATE TABLE team_members (
  team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE sessions (
  id         TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- AUTOINCREMENT so a ticket number is never reused.
CREATE TABLE tickets (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  subject           TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('new','open','pending','on_hold','solved','closed')),
  priority          INTEGER NOT NULL DEFAULT 1,
  channel           TEXT NOT NULL,
  requester_id      INTEGER NOT NULL REFERENCES contacts(id),
  assignee_id       INTEGER REFERENCES users(id) ON DELETE SET NULL,
  team_id           INTEGER REFERENCES teams(id) ON DELETE SET NULL,
  preview           TEXT NOT NULL DEFAULT '',
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  first_response_at INTEGER,
  solved_at         INTEGER,
  reopen_count      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sqlite_sequence (name, seq) VALUES ('tickets', 1000);
CREATE INDEX tickets_updated ON tickets(updated_at, id);
CREATE INDEX tickets_status_updated ON tickets(status, updated_at, id);
CREATE INDEX tickets_status_priority ON tickets(status, priority, updated_at, id);
CREATE INDEX tickets_assignee_status ON tickets(assignee_id, status, updated_at, id);
CREATE INDEX tickets_team_status ON tickets(team_id, status, updated_at, id);
CREATE INDEX tickets_channel_status ON tickets(channel, status, updated_at, id);
CREATE INDEX tickets_requester ON tickets(requester_id, created_at);

CREATE TABLE tags (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE ticket_tags (
  ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  tag_id    INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  PRIMARY KEY (ticket_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_tag ON ticket_tags(tag_id, ticket_id);

CREATE TABLE entries (
  id                INTEGER PRIMARY KEY,
  ticket_id         INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  kind              TEXT NOT NULL CHECK (kind IN ('message','note','call','event')),
  channel           TEXT NOT NULL DEFAULT '',
  direction         TEXT NOT NULL DEFAULT '',
  author_user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
  author_contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
  body              TEXT NOT NULL DEFAULT '',
  meta              TEXT NOT NULL DEFAULT '{}',
  created_at        INTEGER NOT NULL
);
CREATE INDEX entries_ticket ON entries(ticket_id, id);
CREATE INDEX entries_author_contact ON entries(author_contact_id);

-- Full-text search over ticket subjects and timeline bodies. External
-- content tables: the text lives once, in tickets and entries.
CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, content='tickets', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE entries_fts USING fts5(body, content='entries', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');

CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN
  INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
END;
CREATE TRIGGER tickets_fts_au AFTER UPDATE OF subject ON tickets BEGIN
  INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
  INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER entries_fts_ai AFTER INSERT ON entries WHEN new.kind <> 'event' BEGIN
  INSERT INTO entries_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER entries_fts_ad AFTER DELETE ON entries WHEN old.kind <> 'event' BEGIN
  INSERT INTO entries_fts(entries_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER entries_fts_au AFTER UPDATE OF body ON entries WHEN old.kind <> 'event' BEGIN
  INSERT INTO entries_fts(entries_fts, rowid, body) VALUES ('delete', old.id, old.body);
  INSERT INTO entries_fts(rowid, body) VALUES (new.id, new.body);
END;

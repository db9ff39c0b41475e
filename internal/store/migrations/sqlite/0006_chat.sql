-- Live chat: visitors (a browser holding a secret token), chat sessions (one
-- per chat ticket), client message ids for de-duplicating resends, and agent
-- availability.

CREATE TABLE chat_visitors (
  id         TEXT PRIMARY KEY,               -- public visitor id, kept in the browser
  token_hash TEXT NOT NULL,                  -- sha256 of the secret token
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  team_id    INTEGER REFERENCES teams(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX chat_visitors_contact ON chat_visitors(contact_id);

CREATE TABLE chat_sessions (
  ticket_id    INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
  visitor_id   TEXT NOT NULL REFERENCES chat_visitors(id) ON DELETE CASCADE,
  offline      BOOLEAN NOT NULL DEFAULT FALSE, -- no agent was available: replies go by email
  visitor_read INTEGER NOT NULL DEFAULT 0,         -- last entry id the visitor has seen
  agent_read   INTEGER NOT NULL DEFAULT 0,         -- last entry id an agent has seen
  created_at   INTEGER NOT NULL,
  ended_at     INTEGER
);
CREATE INDEX chat_sessions_visitor ON chat_sessions(visitor_id, ticket_id);

CREATE TABLE chat_client_messages (
  visitor_id TEXT NOT NULL REFERENCES chat_visitors(id) ON DELETE CASCADE,
  client_id  TEXT NOT NULL,
  entry_id   INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (visitor_id, client_id)
);

CREATE TABLE agent_status (
  user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  status     TEXT NOT NULL CHECK (status IN ('available','away')),
  expires_at INTEGER NOT NULL
);

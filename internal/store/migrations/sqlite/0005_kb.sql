-- Knowledge base, customer portal sign-in, and file attachments.

CREATE TABLE kb_categories (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  slug        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  position    INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL
);

CREATE TABLE kb_articles (
  id               INTEGER PRIMARY KEY,
  title            TEXT NOT NULL,
  slug             TEXT NOT NULL UNIQUE,
  category_id      INTEGER REFERENCES kb_categories(id) ON DELETE SET NULL,
  tags             TEXT NOT NULL DEFAULT '',  -- space separated, normalized
  body             TEXT NOT NULL DEFAULT '',  -- Markdown
  body_text        TEXT NOT NULL DEFAULT '',  -- rendered plain text, for search and snippets
  status           TEXT NOT NULL CHECK (status IN ('draft','published')),
  author_id        INTEGER REFERENCES users(id) ON DELETE SET NULL,
  source_ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
  views            INTEGER NOT NULL DEFAULT 0,
  helpful_yes      INTEGER NOT NULL DEFAULT 0,
  helpful_no       INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  published_at     INTEGER
);
CREATE INDEX kb_articles_status ON kb_articles(status, updated_at);
CREATE INDEX kb_articles_category ON kb_articles(category_id, status);

-- Every save of an article.
CREATE TABLE kb_revisions (
  id         INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
  title      TEXT NOT NULL,
  body       TEXT NOT NULL,
  status     TEXT NOT NULL,
  author_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX kb_revisions_article ON kb_revisions(article_id, id);

-- "Did this answer your question?" answers (totals are kept on the article).
CREATE TABLE kb_votes (
  id         INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
  helpful    BOOLEAN NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX kb_votes_article ON kb_votes(article_id, created_at);

-- Every search customers and agents ran, for "searches that found nothing".
CREATE TABLE kb_searches (
  id         INTEGER PRIMARY KEY,
  query      TEXT NOT NULL,
  results    INTEGER NOT NULL,
  source     TEXT NOT NULL,  -- portal (search page), suggest (typed into the form or chat: includes fragments), agent
  created_at INTEGER NOT NULL
);
CREATE INDEX kb_searches_at ON kb_searches(created_at);
CREATE INDEX kb_searches_empty ON kb_searches(results, created_at);

-- An article opened from the ticket form. It counts as a deflection unless
-- the same browser session then submits a ticket (ticket_id is set).
CREATE TABLE kb_deflections (
  id         INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
  visitor    TEXT NOT NULL,  -- hash of the browser-session cookie
  query      TEXT NOT NULL DEFAULT '',
  ticket_id  INTEGER REFERENCES tickets(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX kb_deflections_visitor ON kb_deflections(visitor);
CREATE INDEX kb_deflections_at ON kb_deflections(created_at);

CREATE VIRTUAL TABLE kb_articles_fts USING fts5(title, tags, body_text, content='kb_articles', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER kb_articles_fts_ai AFTER INSERT ON kb_articles BEGIN
  INSERT INTO kb_articles_fts(rowid, title, tags, body_text) VALUES (new.id, new.title, new.tags, new.body_text);
END;
CREATE TRIGGER kb_articles_fts_ad AFTER DELETE ON kb_articles BEGIN
  INSERT INTO kb_articles_fts(kb_articles_fts, rowid, title, tags, body_text) VALUES ('delete', old.id, old.title, old.tags, old.body_text);
END;
CREATE TRIGGER kb_articles_fts_au AFTER UPDATE OF title, tags, body_text ON kb_articles BEGIN
  INSERT INTO kb_articles_fts(kb_articles_fts, rowid, title, tags, body_text) VALUES ('delete', old.id, old.title, old.tags, old.body_text);
  INSERT INTO kb_articles_fts(rowid, title, tags, body_text) VALUES (new.id, new.title, new.tags, new.body_text);
END;

-- Portal sign-in: one-time links (only the hash of the secret is kept).
CREATE TABLE customer_login_tokens (
  id         INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  email      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
);
CREATE INDEX customer_login_tokens_contact ON customer_login_tokens(contact_id);

-- Signed-in customers, separate from agent sessions.
CREATE TABLE customer_sessions (
  id         TEXT PRIMARY KEY,  -- hash of the cookie value
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX customer_sessions_contact ON customer_sessions(contact_id);
CREATE INDEX customer_sessions_expires ON customer_sessions(expires_at);

-- Files attached to a ticket entry, stored in the database so backups hold them.
CREATE TABLE attachments (
  id           INTEGER PRIMARY KEY,
  ticket_id    INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  entry_id     INTEGER REFERENCES entries(id) ON DELETE CASCADE,
  filename     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  data         BLOB NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX attachments_ticket ON attachments(ticket_id);
CREATE INDEX attachments_entry ON attachments(entry_id);

-- Knowledge base, customer portal sign-in, and file attachments.

CREATE TABLE kb_categories (
  id          BIGSERIAL PRIMARY KEY,
  name        TEXT NOT NULL,
  slug        TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  position    BIGINT NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL
);

CREATE TABLE kb_articles (
  id               BIGSERIAL PRIMARY KEY,
  title            TEXT NOT NULL,
  slug             TEXT NOT NULL UNIQUE,
  category_id      BIGINT REFERENCES kb_categories(id) ON DELETE SET NULL,
  tags             TEXT NOT NULL DEFAULT '',  -- space separated, normalized
  body             TEXT NOT NULL DEFAULT '',  -- Markdown
  body_text        TEXT NOT NULL DEFAULT '',  -- rendered plain text, for search and snippets
  status           TEXT NOT NULL CHECK (status IN ('draft','published')),
  author_id        BIGINT REFERENCES users(id) ON DELETE SET NULL,
  source_ticket_id BIGINT REFERENCES tickets(id) ON DELETE SET NULL,
  views            BIGINT NOT NULL DEFAULT 0,
  helpful_yes      BIGINT NOT NULL DEFAULT 0,
  helpful_no       BIGINT NOT NULL DEFAULT 0,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  published_at     BIGINT,
  search           tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', tags), 'B') ||
    setweight(to_tsvector('english', left(body_text, 200000)), 'D')) STORED
);
CREATE INDEX kb_articles_search ON kb_articles USING GIN (search);
CREATE INDEX kb_articles_status ON kb_articles(status, updated_at);
CREATE INDEX kb_articles_category ON kb_articles(category_id, status);

-- Every save of an article.
CREATE TABLE kb_revisions (
  id         BIGSERIAL PRIMARY KEY,
  article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
  title      TEXT NOT NULL,
  body       TEXT NOT NULL,
  status     TEXT NOT NULL,
  author_id  BIGINT REFERENCES users(id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX kb_revisions_article ON kb_revisions(article_id, id);

-- "Did this answer your question?" answers (totals are kept on the article).
CREATE TABLE kb_votes (
  id         BIGSERIAL PRIMARY KEY,
  article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
  helpful    BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX kb_votes_article ON kb_votes(article_id, created_at);

-- Every search customers and agents ran, for "searches that found nothing".
CREATE TABLE kb_searches (
  id         BIGSERIAL PRIMARY KEY,
  query      TEXT NOT NULL,
  results    BIGINT NOT NULL,
  source     TEXT NOT NULL,  -- portal (search page), suggest (typed into the form or chat: includes fragments), agent
  created_at BIGINT NOT NULL
);
CREATE INDEX kb_searches_at ON kb_searches(created_at);
CREATE INDEX kb_searches_empty ON kb_searches(results, created_at);

-- An article opened from the ticket form. It counts as a deflection unless
-- the same browser session then submits a ticket (ticket_id is set).
CREATE TABLE kb_deflections (
  id         BIGSERIAL PRIMARY KEY,
  article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
  visitor    TEXT NOT NULL,  -- hash of the browser-session cookie
  query      TEXT NOT NULL DEFAULT '',
  ticket_id  BIGINT REFERENCES tickets(id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX kb_deflections_visitor ON kb_deflections(visitor);
CREATE INDEX kb_deflections_at ON kb_deflections(created_at);

-- Portal sign-in: one-time links (only the hash of the secret is kept).
CREATE TABLE customer_login_tokens (
  id         BIGSERIAL PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  contact_id BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  email      TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT
);
CREATE INDEX customer_login_tokens_contact ON customer_login_tokens(contact_id);

-- Signed-in customers, separate from agent sessions.
CREATE TABLE customer_sessions (
  id         TEXT PRIMARY KEY,  -- hash of the cookie value
  contact_id BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX customer_sessions_contact ON customer_sessions(contact_id);
CREATE INDEX customer_sessions_expires ON customer_sessions(expires_at);

-- Files attached to a ticket entry, stored in the database so backups hold them.
CREATE TABLE attachments (
  id           BIGSERIAL PRIMARY KEY,
  ticket_id    BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  entry_id     BIGINT REFERENCES entries(id) ON DELETE CASCADE,
  filename     TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         BIGINT NOT NULL,
  data         BYTEA NOT NULL,
  created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_ticket ON attachments(ticket_id);
CREATE INDEX attachments_entry ON attachments(entry_id);

-- Core schema: people, accounts, tickets and their timeline.
-- Times are milliseconds since the Unix epoch (UTC) on both engines.

CREATE TABLE organizations (
  id         BIGSERIAL PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX organizations_name ON organizations(lower(name));

CREATE TABLE contacts (
  id              BIGSERIAL PRIMARY KEY,
  name            TEXT NOT NULL DEFAULT '',
  organization_id BIGINT REFERENCES organizations(id) ON DELETE SET NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
);
CREATE INDEX contacts_org ON contacts(organization_id);
CREATE INDEX contacts_name ON contacts(lower(name));

CREATE TABLE identities (
  id         BIGSERIAL PRIMARY KEY,
  contact_id BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('email','phone','visitor')),
  value      TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (kind, value)
);
CREATE INDEX identities_contact ON identities(contact_id);
CREATE INDEX identities_value ON identities(value text_pattern_ops);

CREATE TABLE users (
  id            BIGSERIAL PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  active        BOOLEAN NOT NULL DEFAULT TRUE,
  created_at    BIGINT NOT NULL
);

CREATE TABLE teams (
  id         BIGSERIAL PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams(lower(name));

CREATE TABLE team_members (
  team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE api_tokens (
  id           BIGSERIAL PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE sessions (
  id         TEXT PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf       TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE SEQUENCE tickets_id_seq START WITH 1001;
CREATE TABLE tickets (
  id                BIGINT PRIMARY KEY DEFAULT nextval('tickets_id_seq'),
  subject           TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('new','open','pending','on_hold','solved','closed')),
  priority          SMALLINT NOT NULL DEFAULT 1,
  channel           TEXT NOT NULL,
  requester_id      BIGINT NOT NULL REFERENCES contacts(id),
  assignee_id       BIGINT REFERENCES users(id) ON DELETE SET NULL,
  team_id           BIGINT REFERENCES teams(id) ON DELETE SET NULL,
  preview           TEXT NOT NULL DEFAULT '',
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL,
  first_response_at BIGINT,
  solved_at         BIGINT,
  reopen_count      INTEGER NOT NULL DEFAULT 0,
  search            tsvector GENERATED ALWAYS AS (to_tsvector('english', subject)) STORED
);
ALTER SEQUENCE tickets_id_seq OWNED BY tickets.id;
CREATE INDEX tickets_updated ON tickets(updated_at, id);
CREATE INDEX tickets_status_updated ON tickets(status, updated_at, id);
CREATE INDEX tickets_status_priority ON tickets(status, priority, updated_at, id);
CREATE INDEX tickets_assignee_status ON tickets(assignee_id, status, updated_at, id);
CREATE INDEX tickets_team_status ON tickets(team_id, status, updated_at, id);
CREATE INDEX tickets_channel_status ON tickets(channel, status, updated_at, id);
CREATE INDEX tickets_requester ON tickets(requester_id, created_at);
CREATE INDEX tickets_search ON tickets USING GIN (search);

CREATE TABLE tags (
  id   BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE ticket_tags (
  ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  tag_id    BIGINT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  PRIMARY KEY (ticket_id, tag_id)
);
CREATE INDEX ticket_tags_tag ON ticket_tags(tag_id, ticket_id);

CREATE TABLE entries (
  id                BIGSERIAL PRIMARY KEY,
  ticket_id         BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  kind              TEXT NOT NULL CHECK (kind IN ('message','note','call','event')),
  channel           TEXT NOT NULL DEFAULT '',
  direction         TEXT NOT NULL DEFAULT '',
  author_user_id    BIGINT REFERENCES users(id) ON DELETE SET NULL,
  author_contact_id BIGINT REFERENCES contacts(id) ON DELETE SET NULL,
  body              TEXT NOT NULL DEFAULT '',
  meta              TEXT NOT NULL DEFAULT '{}',
  created_at        BIGINT NOT NULL,
  search            tsvector GENERATED ALWAYS AS (CASE WHEN kind = 'event' THEN ''::tsvector ELSE to_tsvector('english', left(body, 200000)) END) STORED
);
CREATE INDEX entries_ticket ON entries(ticket_id, id);
CREATE INDEX entries_author_contact ON entries(author_contact_id);
CREATE INDEX entries_search ON entries USING GIN (search);

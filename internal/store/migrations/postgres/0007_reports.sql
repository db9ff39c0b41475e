-- Issue 8, measure what matters: survey answers and the indexes the reports
-- read by (tickets by creation and solve time, entries by ticket in order).

-- One row per ticket and question: kind 'csat' (1-5) or 'ces' (1-7). The
-- unique key is what makes a survey link single-use.
CREATE TABLE survey_responses (
  id         BIGSERIAL PRIMARY KEY,
  ticket_id  BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('csat','ces')),
  score      INTEGER NOT NULL,
  comment    TEXT NOT NULL DEFAULT '',
  contact_id BIGINT REFERENCES contacts(id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (ticket_id, kind)
);
CREATE INDEX survey_responses_at ON survey_responses(created_at);

-- A survey offered (emailed) once per ticket.
CREATE TABLE survey_offers (
  ticket_id  BIGINT PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL
);

-- Covering indexes: the reports read the tickets created or solved in a
-- period from these alone, never from the wide ticket rows.
CREATE INDEX tickets_report_created ON tickets(created_at, solved_at, updated_at, status, channel, team_id, requester_id, reopen_count, demand_type, failure_reason_id, id);
CREATE INDEX tickets_report_solved ON tickets(solved_at, created_at, updated_at, status, channel, team_id, requester_id, reopen_count, demand_type, failure_reason_id, id);
CREATE INDEX kb_votes_at ON kb_votes(created_at);

-- Per-ticket figures derived from the timeline (messages, replies,
-- transfers, channels, waiting). A row is valid while version equals the
-- ticket's updated_at; the reports recompute stale or missing rows before
-- reading, so the figures stay exact without reading every timeline.
CREATE TABLE report_ticket_facts (
  ticket_id        BIGINT PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
  version          BIGINT NOT NULL,
  customer_msgs    INTEGER NOT NULL,
  agent_replies    INTEGER NOT NULL,
  transfers        INTEGER NOT NULL,
  inbound_channels INTEGER NOT NULL,
  wait_us_ms       BIGINT NOT NULL,
  wait_us_since    BIGINT NOT NULL,
  wait_them_ms     BIGINT NOT NULL,
  wait_them_since  BIGINT NOT NULL
);

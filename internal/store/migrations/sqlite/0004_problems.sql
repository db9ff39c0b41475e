-- Issue 7, pull the andon cord: demand classification, problems, root
-- causes, countermeasures and proactive notices.

CREATE TABLE value_chain_stages (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  position   INTEGER NOT NULL DEFAULT 0,
  active     BOOLEAN NOT NULL DEFAULT TRUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE failure_reasons (
  id         INTEGER PRIMARY KEY,
  stage_id   INTEGER NOT NULL REFERENCES value_chain_stages(id),
  name       TEXT NOT NULL COLLATE NOCASE,
  active     BOOLEAN NOT NULL DEFAULT TRUE,
  created_at INTEGER NOT NULL,
  UNIQUE (stage_id, name)
);
CREATE INDEX failure_reasons_stage ON failure_reasons(stage_id);

CREATE TABLE problems (
  id            INTEGER PRIMARY KEY,
  title         TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  stage_id      INTEGER REFERENCES value_chain_stages(id) ON DELETE SET NULL,
  owner_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  owner_team_id INTEGER REFERENCES teams(id) ON DELETE SET NULL,
  status        TEXT NOT NULL CHECK (status IN ('investigating','root_cause_found','countermeasure_in_place','verified','wont_fix')),
  whys          TEXT NOT NULL DEFAULT '[]',
  root_cause    TEXT NOT NULL DEFAULT '',
  -- Title, description, root cause and linked tickets' subjects: what
  -- similarity suggestions match new tickets against.
  search_doc    TEXT NOT NULL DEFAULT '',
  created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  closed_at     INTEGER
);
CREATE INDEX problems_board ON problems(status, stage_id, updated_at);
CREATE INDEX problems_owner_user ON problems(owner_user_id, status);
CREATE INDEX problems_owner_team ON problems(owner_team_id, status);

ALTER TABLE tickets ADD COLUMN demand_type TEXT NOT NULL DEFAULT '' CHECK (demand_type IN ('', 'value', 'failure'));
ALTER TABLE tickets ADD COLUMN failure_reason_id INTEGER REFERENCES failure_reasons(id) ON DELETE SET NULL;
ALTER TABLE tickets ADD COLUMN problem_id INTEGER REFERENCES problems(id) ON DELETE SET NULL;
CREATE INDEX tickets_problem ON tickets(problem_id, created_at);
CREATE INDEX tickets_failure_reason ON tickets(failure_reason_id, created_at);
CREATE INDEX tickets_demand ON tickets(demand_type, created_at);

CREATE TABLE countermeasures (
  id                     INTEGER PRIMARY KEY,
  problem_id             INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
  what                   TEXT NOT NULL,
  owner_user_id          INTEGER REFERENCES users(id) ON DELETE SET NULL,
  due_date               TEXT NOT NULL DEFAULT '',
  status                 TEXT NOT NULL CHECK (status IN ('planned','in_progress','in_place','failed')),
  verification           TEXT NOT NULL DEFAULT '',
  recurrence_window_days INTEGER NOT NULL DEFAULT 14,
  in_place_at            INTEGER,
  created_at             INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL
);
CREATE INDEX countermeasures_problem ON countermeasures(problem_id, id);
CREATE INDEX countermeasures_owner ON countermeasures(owner_user_id, status);

CREATE TABLE problem_entries (
  id             INTEGER PRIMARY KEY,
  problem_id     INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
  kind           TEXT NOT NULL CHECK (kind IN ('event','note')),
  field          TEXT NOT NULL DEFAULT '',
  from_value     TEXT NOT NULL DEFAULT '',
  to_value       TEXT NOT NULL DEFAULT '',
  body           TEXT NOT NULL DEFAULT '',
  author_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  created_at     INTEGER NOT NULL
);
CREATE INDEX problem_entries_problem ON problem_entries(problem_id, id);

-- One row per proactive notice sent on a ticket for a countermeasure, so a
-- customer is not told twice unless an agent forces it.
CREATE TABLE problem_notices (
  id                INTEGER PRIMARY KEY,
  problem_id        INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
  countermeasure_id INTEGER NOT NULL REFERENCES countermeasures(id) ON DELETE CASCADE,
  ticket_id         INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  entry_id          INTEGER REFERENCES entries(id) ON DELETE SET NULL,
  created_at        INTEGER NOT NULL
);
CREATE INDEX problem_notices_cm ON problem_notices(countermeasure_id, ticket_id);
CREATE INDEX problem_notices_ticket ON problem_notices(ticket_id);

CREATE VIRTUAL TABLE problems_fts USING fts5(title, doc, content='problems', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER problems_fts_ai AFTER INSERT ON problems BEGIN
  INSERT INTO problems_fts(rowid, title, doc) VALUES (new.id, new.title, new.search_doc);
END;
CREATE TRIGGER problems_fts_ad AFTER DELETE ON problems BEGIN
  INSERT INTO problems_fts(problems_fts, rowid, title, doc) VALUES ('delete', old.id, old.title, old.search_doc);
END;
CREATE TRIGGER problems_fts_au AFTER UPDATE OF title, search_doc ON problems BEGIN
  INSERT INTO problems_fts(problems_fts, rowid, title, doc) VALUES ('delete', old.id, old.title, old.search_doc);
  INSERT INTO problems_fts(rowid, title, doc) VALUES (new.id, new.title, new.search_doc);
END;

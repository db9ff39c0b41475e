-- Email channel: mailboxes, raw inbound mail, failed mail, the outbox and
-- the Message-IDs that thread mail into tickets.

CREATE TABLE mailboxes (
  id            INTEGER PRIMARY KEY,
  address       TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL DEFAULT '',
  team_id       INTEGER REFERENCES teams(id) ON DELETE SET NULL,
  is_default    BOOLEAN NOT NULL DEFAULT FALSE,
  imap_host     TEXT NOT NULL DEFAULT '',
  imap_port     INTEGER NOT NULL DEFAULT 993,
  imap_user     TEXT NOT NULL DEFAULT '',
  imap_password TEXT NOT NULL DEFAULT '', -- AES-GCM sealed, base64
  imap_tls      TEXT NOT NULL DEFAULT 'tls' CHECK (imap_tls IN ('tls','starttls','none')),
  imap_folder   TEXT NOT NULL DEFAULT 'INBOX',
  smtp_host     TEXT NOT NULL DEFAULT '',
  smtp_port     INTEGER NOT NULL DEFAULT 587,
  smtp_user     TEXT NOT NULL DEFAULT '',
  smtp_password TEXT NOT NULL DEFAULT '', -- AES-GCM sealed, base64
  smtp_tls      TEXT NOT NULL DEFAULT 'starttls' CHECK (smtp_tls IN ('tls','starttls','none')),
  uid_validity  INTEGER NOT NULL DEFAULT 0,
  last_uid      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- Every accepted inbound message, raw, exactly once per Message-ID.
CREATE TABLE mail_messages (
  id          INTEGER PRIMARY KEY,
  mailbox_id  INTEGER REFERENCES mailboxes(id) ON DELETE SET NULL,
  message_id  TEXT NOT NULL UNIQUE,
  ticket_id   INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
  entry_id    INTEGER REFERENCES entries(id) ON DELETE SET NULL,
  source      TEXT NOT NULL DEFAULT '',
  raw         BLOB NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX mail_messages_ticket ON mail_messages(ticket_id);
CREATE INDEX mail_messages_entry ON mail_messages(entry_id);

-- Mail that could not be turned into a ticket entry; kept for retry.
CREATE TABLE mail_failed (
  id          INTEGER PRIMARY KEY,
  mailbox_id  INTEGER REFERENCES mailboxes(id) ON DELETE SET NULL,
  source      TEXT NOT NULL DEFAULT '',
  raw         BLOB NOT NULL,
  error       TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  retried_at  INTEGER,
  resolved_at INTEGER
);
CREATE INDEX mail_failed_open ON mail_failed(resolved_at, id);

CREATE TABLE mail_outbox (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('reply','ack','notify')),
  ticket_id       INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
  entry_id        INTEGER REFERENCES entries(id) ON DELETE SET NULL,
  mailbox_id      INTEGER REFERENCES mailboxes(id) ON DELETE SET NULL,
  to_addrs        TEXT NOT NULL,
  cc_addrs        TEXT NOT NULL DEFAULT '',
  bcc_addrs       TEXT NOT NULL DEFAULT '',
  subject         TEXT NOT NULL,
  body            TEXT NOT NULL,
  message_id      TEXT NOT NULL UNIQUE,
  in_reply_to     TEXT NOT NULL DEFAULT '',
  refs            TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL CHECK (status IN ('queued','sending','sent','failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  claimed_at      INTEGER,
  last_error      TEXT NOT NULL DEFAULT '',
  sent_at         INTEGER,
  created_at      INTEGER NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);
CREATE INDEX mail_outbox_ticket ON mail_outbox(ticket_id);
CREATE INDEX mail_outbox_to ON mail_outbox(kind, to_addrs, created_at);

-- Message-IDs that belong to a ticket, ours (outbound) and the customer's
-- (inbound), for threading by In-Reply-To / References.
CREATE TABLE mail_threads (
  message_id TEXT PRIMARY KEY,
  ticket_id  INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  entry_id   INTEGER REFERENCES entries(id) ON DELETE SET NULL,
  direction  TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX mail_threads_ticket ON mail_threads(ticket_id);

-- Email channel: mailboxes, raw inbound mail, failed mail, the outbox and
-- the Message-IDs that thread mail into tickets.

CREATE TABLE mailboxes (
  id            BIGSERIAL PRIMARY KEY,
  address       TEXT NOT NULL UNIQUE,
  display_name  TEXT NOT NULL DEFAULT '',
  team_id       BIGINT REFERENCES teams(id) ON DELETE SET NULL,
  is_default    BOOLEAN NOT NULL DEFAULT FALSE,
  imap_host     TEXT NOT NULL DEFAULT '',
  imap_port     BIGINT NOT NULL DEFAULT 993,
  imap_user     TEXT NOT NULL DEFAULT '',
  imap_password TEXT NOT NULL DEFAULT '', -- AES-GCM sealed, base64
  imap_tls      TEXT NOT NULL DEFAULT 'tls' CHECK (imap_tls IN ('tls','starttls','none')),
  imap_folder   TEXT NOT NULL DEFAULT 'INBOX',
  smtp_host     TEXT NOT NULL DEFAULT '',
  smtp_port     BIGINT NOT NULL DEFAULT 587,
  smtp_user     TEXT NOT NULL DEFAULT '',
  smtp_password TEXT NOT NULL DEFAULT '', -- AES-GCM sealed, base64
  smtp_tls      TEXT NOT NULL DEFAULT 'starttls' CHECK (smtp_tls IN ('tls','starttls','none')),
  uid_validity  BIGINT NOT NULL DEFAULT 0,
  last_uid      BIGINT NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);

-- Every accepted inbound message, raw, exactly once per Message-ID.
CREATE TABLE mail_messages (
  id          BIGSERIAL PRIMARY KEY,
  mailbox_id  BIGINT REFERENCES mailboxes(id) ON DELETE SET NULL,
  message_id  TEXT NOT NULL UNIQUE,
  ticket_id   BIGINT REFERENCES tickets(id) ON DELETE CASCADE,
  entry_id    BIGINT REFERENCES entries(id) ON DELETE SET NULL,
  source      TEXT NOT NULL DEFAULT '',
  raw         BYTEA NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE INDEX mail_messages_ticket ON mail_messages(ticket_id);
CREATE INDEX mail_messages_entry ON mail_messages(entry_id);

-- Mail that could not be turned into a ticket entry; kept for retry.
CREATE TABLE mail_failed (
  id          BIGSERIAL PRIMARY KEY,
  mailbox_id  BIGINT REFERENCES mailboxes(id) ON DELETE SET NULL,
  source      TEXT NOT NULL DEFAULT '',
  raw         BYTEA NOT NULL,
  error       TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  retried_at  BIGINT,
  resolved_at BIGINT
);
CREATE INDEX mail_failed_open ON mail_failed(resolved_at, id);

CREATE TABLE mail_outbox (
  id              BIGSERIAL PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('reply','ack','notify')),
  ticket_id       BIGINT REFERENCES tickets(id) ON DELETE CASCADE,
  entry_id        BIGINT REFERENCES entries(id) ON DELETE SET NULL,
  mailbox_id      BIGINT REFERENCES mailboxes(id) ON DELETE SET NULL,
  to_addrs        TEXT NOT NULL,
  cc_addrs        TEXT NOT NULL DEFAULT '',
  bcc_addrs       TEXT NOT NULL DEFAULT '',
  subject         TEXT NOT NULL,
  body            TEXT NOT NULL,
  message_id      TEXT NOT NULL UNIQUE,
  in_reply_to     TEXT NOT NULL DEFAULT '',
  refs            TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL CHECK (status IN ('queued','sending','sent','failed')),
  attempts        BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  claimed_at      BIGINT,
  last_error      TEXT NOT NULL DEFAULT '',
  sent_at         BIGINT,
  created_at      BIGINT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);
CREATE INDEX mail_outbox_ticket ON mail_outbox(ticket_id);
CREATE INDEX mail_outbox_to ON mail_outbox(kind, to_addrs, created_at);

-- Message-IDs that belong to a ticket, ours (outbound) and the customer's
-- (inbound), for threading by In-Reply-To / References.
CREATE TABLE mail_threads (
  message_id TEXT PRIMARY KEY,
  ticket_id  BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  entry_id   BIGINT REFERENCES entries(id) ON DELETE SET NULL,
  direction  TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX mail_threads_ticket ON mail_threads(ticket_id);

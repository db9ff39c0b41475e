-- A chat visitor's email is a claim until proven: it no longer joins the
-- visitor to the customer owning the address. A confirmation link mailed to
-- the address proves it (and sends the transcript the visitor asked for).
ALTER TABLE chat_visitors ADD COLUMN claimed_email TEXT NOT NULL DEFAULT '';

CREATE TABLE chat_email_confirmations (
  id         BIGSERIAL PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  visitor_id TEXT NOT NULL REFERENCES chat_visitors(id) ON DELETE CASCADE,
  ticket_id  BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  email      TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT
);
CREATE INDEX chat_email_confirmations_email ON chat_email_confirmations(email, created_at);
CREATE INDEX chat_email_confirmations_visitor ON chat_email_confirmations(visitor_id);

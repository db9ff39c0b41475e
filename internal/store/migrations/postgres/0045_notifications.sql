-- In-app notifications for agents (mentions, assignments, service-level
-- warnings, automation notices), written in the transaction of their cause.
CREATE TABLE notifications (
  id         BIGSERIAL PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  ticket_id  BIGINT REFERENCES tickets(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,
  body       TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  read_at    BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);

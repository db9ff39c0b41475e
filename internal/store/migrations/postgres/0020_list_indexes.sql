-- Index-backed ticket lists for the "oldest" and "newest" sorts (ticket id
-- order) under a status filter, alone or with an assignee, team or channel.
-- Lists without a status filter are read per status (see store.Tickets), so
-- these also serve them. Found with EXPLAIN QUERY PLAN at 100k tickets:
-- without them SQLite sorted every matching row in a temp B-tree.
CREATE INDEX tickets_status_id ON tickets(status, id);
CREATE INDEX tickets_assignee_status_id ON tickets(assignee_id, status, id);
CREATE INDEX tickets_team_status_id ON tickets(team_id, status, id);
CREATE INDEX tickets_channel_status_id ON tickets(channel, status, id);

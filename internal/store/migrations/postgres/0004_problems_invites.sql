-- Issue 7: upstream collaborators can be invited like agents.
ALTER TABLE invites DROP CONSTRAINT invites_role_check;
ALTER TABLE invites ADD CONSTRAINT invites_role_check CHECK (role IN ('admin','agent','collaborator'));

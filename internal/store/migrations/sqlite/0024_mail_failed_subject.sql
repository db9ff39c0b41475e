-- Failed mail keeps the subject read from its headers, for the admin list.
ALTER TABLE mail_failed ADD COLUMN subject TEXT NOT NULL DEFAULT '';

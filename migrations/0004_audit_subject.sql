-- The pause page's timeline reads a pause's audit rows by subject.
CREATE INDEX audit_subject ON audit_log (subject);

-- 0002: the symbolic links to model files that scans found (a UI folder
-- that reaches a file kept elsewhere), so that an update puts the new
-- version's link beside them and never leaves one dangling.

CREATE TABLE links (
	path   TEXT NOT NULL PRIMARY KEY,
	target TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX links_target ON links (target);

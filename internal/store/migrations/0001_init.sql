-- 0001: the library of model files, hash misses and the latest-version cache.

CREATE TABLE files (
	id            INTEGER PRIMARY KEY,
	path          TEXT    NOT NULL UNIQUE,
	size          INTEGER NOT NULL,
	mtime_ns      INTEGER NOT NULL,
	inode         INTEGER NOT NULL DEFAULT 0,
	dev           INTEGER NOT NULL DEFAULT 0,
	sha256        TEXT    NOT NULL DEFAULT '',
	autov2        TEXT    NOT NULL DEFAULT '',
	blake3        TEXT    NOT NULL DEFAULT '',
	model_id      INTEGER NOT NULL DEFAULT 0,
	version_id    INTEGER NOT NULL DEFAULT 0,
	file_id       INTEGER NOT NULL DEFAULT 0,
	model_type    TEXT    NOT NULL DEFAULT '',
	base_model    TEXT    NOT NULL DEFAULT '',
	model_name    TEXT    NOT NULL DEFAULT '',
	version_name  TEXT    NOT NULL DEFAULT '',
	file_name     TEXT    NOT NULL DEFAULT '',
	trained_words TEXT    NOT NULL DEFAULT '[]',
	source        TEXT    NOT NULL DEFAULT 'scanned',
	state         TEXT    NOT NULL DEFAULT 'unknown'
	              CHECK (state IN ('unknown', 'identified', 'not-on-civitai')),
	checked_at    INTEGER NOT NULL DEFAULT 0,
	added_at      INTEGER NOT NULL DEFAULT 0,
	updated_at    INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX files_sha256 ON files (sha256) WHERE sha256 <> '';
CREATE INDEX files_model ON files (model_id) WHERE model_id <> 0;

-- SHA-256 digests CivitAI did not know when last asked.
CREATE TABLE misses (
	sha256     TEXT    PRIMARY KEY,
	checked_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The newest published version of each model, as last fetched.
CREATE TABLE latest_versions (
	model_id          INTEGER PRIMARY KEY,
	model_name        TEXT    NOT NULL DEFAULT '',
	model_type        TEXT    NOT NULL DEFAULT '',
	versions          TEXT    NOT NULL DEFAULT '[]',
	checked_at        INTEGER NOT NULL
);

package history

// migrations are applied in order, each once, each in its own transaction;
// schema_migrations remembers how many ran. Never edit a released entry:
// append a new one, because users' databases already ran the old ones.
var migrations = []string{
	// 1: jobs, outputs and the search index.
	`
CREATE TABLE jobs (
	id              TEXT PRIMARY KEY,
	provider        TEXT NOT NULL,
	model           TEXT NOT NULL DEFAULT '',
	mode            TEXT NOT NULL DEFAULT '',
	prompt          TEXT NOT NULL DEFAULT '',
	negative_prompt TEXT NOT NULL DEFAULT '',
	params          TEXT NOT NULL DEFAULT '{}',
	state           TEXT NOT NULL,
	error           TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	started_at      INTEGER,
	finished_at     INTEGER
);
CREATE INDEX jobs_created_at ON jobs(created_at);

-- seq is the stable rowid the FTS index points at: without an INTEGER
-- PRIMARY KEY, VACUUM may renumber rowids and desynchronise the index.
CREATE TABLE outputs (
	seq             INTEGER PRIMARY KEY,
	id              TEXT NOT NULL UNIQUE,
	job_id          TEXT REFERENCES jobs(id) ON DELETE SET NULL,
	path            TEXT NOT NULL UNIQUE,
	provider        TEXT NOT NULL DEFAULT '',
	model           TEXT NOT NULL DEFAULT '',
	prompt          TEXT NOT NULL DEFAULT '',
	negative_prompt TEXT NOT NULL DEFAULT '',
	seed            INTEGER NOT NULL DEFAULT 0,
	width           INTEGER NOT NULL DEFAULT 0,
	height          INTEGER NOT NULL DEFAULT 0,
	params          TEXT NOT NULL DEFAULT '{}',
	created_at      INTEGER NOT NULL
);
CREATE INDEX outputs_created_at ON outputs(created_at, seq);
CREATE INDEX outputs_job_id ON outputs(job_id);

CREATE VIRTUAL TABLE outputs_fts USING fts5(
	prompt, negative_prompt, model,
	content='outputs', content_rowid='seq',
	tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER outputs_fts_insert AFTER INSERT ON outputs BEGIN
	INSERT INTO outputs_fts(rowid, prompt, negative_prompt, model)
	VALUES (new.seq, new.prompt, new.negative_prompt, new.model);
END;
CREATE TRIGGER outputs_fts_delete AFTER DELETE ON outputs BEGIN
	INSERT INTO outputs_fts(outputs_fts, rowid, prompt, negative_prompt, model)
	VALUES ('delete', old.seq, old.prompt, old.negative_prompt, old.model);
END;
CREATE TRIGGER outputs_fts_update AFTER UPDATE ON outputs BEGIN
	INSERT INTO outputs_fts(outputs_fts, rowid, prompt, negative_prompt, model)
	VALUES ('delete', old.seq, old.prompt, old.negative_prompt, old.model);
	INSERT INTO outputs_fts(rowid, prompt, negative_prompt, model)
	VALUES (new.seq, new.prompt, new.negative_prompt, new.model);
END;
`,
}

-- Object tagging and lifecycle.
-- Tags belong to a version: a JSON array of [key, value] pairs on its row (NULL: none). An upload keeps the
-- tags asked for at CreateMultipartUpload until Complete writes them on the new version.
ALTER TABLE objects ADD COLUMN tags TEXT;
ALTER TABLE uploads ADD COLUMN tags TEXT;

-- When a version stopped being current (the time its successor was written); NULL while it is the latest.
-- NoncurrentVersionExpiration counts from here, as S3 does.
ALTER TABLE objects ADD COLUMN noncurrent_since INTEGER;
UPDATE objects SET noncurrent_since = (
  SELECT min(n.last_modified) FROM objects n WHERE n.bucket_id = objects.bucket_id AND n.key = objects.key AND n.seq > objects.seq
) WHERE is_latest = 0;

-- The lifecycle worker finds due work through these (a range of times per bucket), never by scanning a bucket.
CREATE INDEX objects_lc_current ON objects(bucket_id, last_modified) WHERE is_latest = 1;
CREATE INDEX objects_lc_noncurrent ON objects(bucket_id, noncurrent_since) WHERE is_latest = 0;
CREATE INDEX objects_lc_markers ON objects(bucket_id, key) WHERE is_latest = 1 AND delete_marker = 1;
CREATE INDEX uploads_lc_open ON uploads(bucket_id, initiated) WHERE state = 'uploading';

-- How far the worker got per bucket and phase (a phase is one action of one rule): rows at or before
-- (pos, key, seq) were judged under the rule whose fingerprint is `rules`; a changed rule starts its phase
-- again. Kept across restarts, so the worker resumes where it stopped.
CREATE TABLE lifecycle_cursors (
  bucket_id  INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
  phase      TEXT    NOT NULL,
  rules      TEXT    NOT NULL,
  pos        INTEGER NOT NULL,
  key        BLOB    NOT NULL,
  seq        INTEGER NOT NULL,
  PRIMARY KEY (bucket_id, phase)
) WITHOUT ROWID;

-- Versions to judge again: a version a rule made due that Object Lock kept (retention or legal hold),
-- retried after retry_at; and, in buckets with lifecycle rules, a version whose tags changed or that became
-- current again (its successor deleted), which the cursors may already have passed.
CREATE TABLE lifecycle_held (
  bucket_id  INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
  key        BLOB    NOT NULL,
  version_id TEXT    NOT NULL,
  retry_at   INTEGER NOT NULL,
  PRIMARY KEY (bucket_id, key, version_id)
) WITHOUT ROWID;
CREATE INDEX lifecycle_held_due ON lifecycle_held(retry_at);

CREATE TRIGGER objects_lc_retags AFTER UPDATE OF tags ON objects
  WHEN EXISTS (SELECT 1 FROM bucket_configs WHERE bucket_id = new.bucket_id AND kind = 'lifecycle')
BEGIN
  INSERT OR REPLACE INTO lifecycle_held (bucket_id, key, version_id, retry_at)
    VALUES (new.bucket_id, new.key, new.version_id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

CREATE TRIGGER objects_lc_promoted AFTER UPDATE OF is_latest ON objects
  WHEN new.is_latest = 1 AND old.is_latest = 0 AND new.delete_marker = 0
    AND EXISTS (SELECT 1 FROM bucket_configs WHERE bucket_id = new.bucket_id AND kind = 'lifecycle')
BEGIN
  INSERT OR REPLACE INTO lifecycle_held (bucket_id, key, version_id, retry_at)
    VALUES (new.bucket_id, new.key, new.version_id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

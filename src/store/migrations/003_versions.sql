-- Versioning and Object Lock. Every object version (and delete marker) is a
-- row; seq orders a key's versions (higher is newer) and is_latest marks the
-- current one. Listings of current objects read a partial index over the
-- latest non-delete-marker rows, so they cost the same as before.
CREATE TABLE objects_v (
  bucket_id           INTEGER NOT NULL REFERENCES buckets(id),
  key                 BLOB    NOT NULL,
  seq                 INTEGER NOT NULL,
  version_id          TEXT    NOT NULL,
  is_latest           INTEGER NOT NULL,
  delete_marker       INTEGER NOT NULL DEFAULT 0,
  blob_id             TEXT,
  size                INTEGER NOT NULL DEFAULT 0,
  etag                TEXT    NOT NULL DEFAULT '',
  last_modified       INTEGER NOT NULL,
  owner_id            INTEGER NOT NULL,
  storage_class       TEXT    NOT NULL DEFAULT 'STANDARD',
  headers             TEXT,
  meta                TEXT,
  checksum_algorithm  TEXT,
  checksum            TEXT,
  parts_count         INTEGER NOT NULL DEFAULT 0,
  lock_mode           TEXT,
  lock_until          INTEGER,
  legal_hold          INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket_id, key, seq DESC)
) WITHOUT ROWID;

INSERT INTO objects_v (bucket_id, key, seq, version_id, is_latest, delete_marker, blob_id, size, etag, last_modified, owner_id,
                       storage_class, headers, meta, checksum_algorithm, checksum, parts_count)
  SELECT bucket_id, key, 1, 'null', 1, 0, blob_id, size, etag, last_modified, owner_id,
         storage_class, headers, meta, checksum_algorithm, checksum, parts_count FROM objects;

DROP TABLE objects;
ALTER TABLE objects_v RENAME TO objects;

CREATE INDEX objects_blob ON objects(blob_id);
CREATE UNIQUE INDEX objects_version ON objects(bucket_id, key, version_id);
CREATE INDEX objects_current ON objects(bucket_id, key) WHERE is_latest = 1 AND delete_marker = 0;

-- versioning: NULL (never enabled) | 'Enabled' | 'Suspended'
ALTER TABLE buckets ADD COLUMN versioning TEXT;
ALTER TABLE buckets ADD COLUMN object_lock INTEGER NOT NULL DEFAULT 0;
-- JSON {mode, days?, years?} of the default retention rule, when set
ALTER TABLE buckets ADD COLUMN lock_default TEXT;

-- Object Lock settings requested at CreateMultipartUpload (JSON {mode, until, legalHold}).
ALTER TABLE uploads ADD COLUMN lock TEXT;

-- When an upload was completed or aborted (finished uploads are forgotten a day after).
ALTER TABLE uploads ADD COLUMN ended INTEGER;

-- Multipart uploads. An upload is uploading | complete | aborted; its parts
-- are id-named blobs like objects. A completed upload keeps its parts as the
-- object's segments: the object row points at a manifest id (parts_count > 0)
-- whose segments are the part blobs, in order. Completing is one transaction
-- and copies no bytes.
ALTER TABLE objects ADD COLUMN parts_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE uploads (
  id                  TEXT    PRIMARY KEY,
  bucket_id           INTEGER NOT NULL REFERENCES buckets(id),
  key                 BLOB    NOT NULL,
  state               TEXT    NOT NULL,
  initiated           INTEGER NOT NULL,
  owner_id            INTEGER NOT NULL,
  storage_class       TEXT    NOT NULL,
  headers             TEXT,
  meta                TEXT,
  checksum_algorithm  TEXT,
  checksum_type       TEXT,
  result              TEXT
);
CREATE INDEX uploads_by_key ON uploads(bucket_id, state, key, initiated, id);

CREATE TABLE parts (
  upload_id      TEXT    NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
  part_number    INTEGER NOT NULL,
  blob_id        TEXT    NOT NULL,
  size           INTEGER NOT NULL,
  etag           TEXT    NOT NULL,
  last_modified  INTEGER NOT NULL,
  checksum       TEXT,
  PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
CREATE INDEX parts_blob ON parts(blob_id);

CREATE TABLE segments (
  manifest_id  TEXT    NOT NULL,
  part_number  INTEGER NOT NULL,
  blob_id      TEXT    NOT NULL,
  offset       INTEGER NOT NULL,
  size         INTEGER NOT NULL,
  etag         TEXT    NOT NULL,
  checksum     TEXT,
  PRIMARY KEY (manifest_id, part_number)
) WITHOUT ROWID;
CREATE INDEX segments_blob ON segments(blob_id);

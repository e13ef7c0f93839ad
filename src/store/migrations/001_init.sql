-- Users, their access keys, buckets and current objects.
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT    NOT NULL UNIQUE,
  canonical_id  TEXT    NOT NULL UNIQUE,
  is_root       INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
);

CREATE TABLE access_keys (
  access_key  TEXT    PRIMARY KEY,
  secret_key  TEXT    NOT NULL,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL
);
CREATE INDEX access_keys_user ON access_keys(user_id);

CREATE TABLE buckets (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  owner_id    INTEGER NOT NULL REFERENCES users(id),
  region      TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX buckets_owner ON buckets(owner_id);

-- One row per visible object. The key is stored as a BLOB of its UTF-8 bytes
-- so the primary key orders keys exactly as S3 lists them (by UTF-8 bytes).
CREATE TABLE objects (
  bucket_id           INTEGER NOT NULL REFERENCES buckets(id),
  key                 BLOB    NOT NULL,
  blob_id             TEXT    NOT NULL,
  size                INTEGER NOT NULL,
  etag                TEXT    NOT NULL,
  last_modified       INTEGER NOT NULL,
  owner_id            INTEGER NOT NULL,
  storage_class       TEXT    NOT NULL DEFAULT 'STANDARD',
  headers             TEXT,
  meta                TEXT,
  checksum_algorithm  TEXT,
  checksum            TEXT,
  PRIMARY KEY (bucket_id, key)
) WITHOUT ROWID;

-- Blobs no row points at any more; the sweeper unlinks them.
CREATE TABLE garbage (
  blob_id  TEXT    PRIMARY KEY,
  since    INTEGER NOT NULL
);

CREATE INDEX objects_blob ON objects(blob_id);

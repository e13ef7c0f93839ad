-- Bucket sub-resources (tagging, CORS, lifecycle, website, policy, ...): one row per (bucket, kind),
-- holding the validated configuration as JSON (never rendered XML). Deleting a bucket deletes its rows.
CREATE TABLE bucket_configs (
  bucket_id   INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
  kind        TEXT    NOT NULL,
  document    TEXT    NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (bucket_id, kind)
) WITHOUT ROWID;

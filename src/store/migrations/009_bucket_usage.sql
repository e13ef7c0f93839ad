-- Per-bucket usage, exact and cheap to read (metrics, `cairn status`): kept by
-- triggers, so it changes in the same transaction as the object rows it
-- counts. objects/bytes: current versions that are not delete markers (what a
-- listing shows); versions/version_bytes: every stored version (what the disk
-- holds), delete markers excluded.
CREATE TABLE bucket_usage (
  bucket_id     INTEGER PRIMARY KEY REFERENCES buckets(id) ON DELETE CASCADE,
  objects       INTEGER NOT NULL DEFAULT 0,
  bytes         INTEGER NOT NULL DEFAULT 0,
  versions      INTEGER NOT NULL DEFAULT 0,
  version_bytes INTEGER NOT NULL DEFAULT 0
);

INSERT INTO bucket_usage (bucket_id, objects, bytes, versions, version_bytes)
  SELECT b.id,
         COALESCE(SUM(o.is_latest = 1 AND o.delete_marker = 0), 0),
         COALESCE(SUM(CASE WHEN o.is_latest = 1 AND o.delete_marker = 0 THEN o.size ELSE 0 END), 0),
         COALESCE(SUM(o.delete_marker = 0), 0),
         COALESCE(SUM(CASE WHEN o.delete_marker = 0 THEN o.size ELSE 0 END), 0)
  FROM buckets b LEFT JOIN objects o ON o.bucket_id = b.id
  GROUP BY b.id;

CREATE TRIGGER buckets_usage_insert AFTER INSERT ON buckets BEGIN
  INSERT OR IGNORE INTO bucket_usage (bucket_id) VALUES (NEW.id);
END;

CREATE TRIGGER objects_usage_insert AFTER INSERT ON objects BEGIN
  INSERT OR IGNORE INTO bucket_usage (bucket_id) VALUES (NEW.bucket_id);
  UPDATE bucket_usage SET
    objects = objects + (NEW.is_latest = 1 AND NEW.delete_marker = 0),
    bytes = bytes + CASE WHEN NEW.is_latest = 1 AND NEW.delete_marker = 0 THEN NEW.size ELSE 0 END,
    versions = versions + (NEW.delete_marker = 0),
    version_bytes = version_bytes + CASE WHEN NEW.delete_marker = 0 THEN NEW.size ELSE 0 END
  WHERE bucket_id = NEW.bucket_id;
END;

CREATE TRIGGER objects_usage_delete AFTER DELETE ON objects BEGIN
  UPDATE bucket_usage SET
    objects = objects - (OLD.is_latest = 1 AND OLD.delete_marker = 0),
    bytes = bytes - CASE WHEN OLD.is_latest = 1 AND OLD.delete_marker = 0 THEN OLD.size ELSE 0 END,
    versions = versions - (OLD.delete_marker = 0),
    version_bytes = version_bytes - CASE WHEN OLD.delete_marker = 0 THEN OLD.size ELSE 0 END
  WHERE bucket_id = OLD.bucket_id;
END;

CREATE TRIGGER objects_usage_update AFTER UPDATE OF bucket_id, is_latest, delete_marker, size ON objects BEGIN
  UPDATE bucket_usage SET
    objects = objects - (OLD.is_latest = 1 AND OLD.delete_marker = 0),
    bytes = bytes - CASE WHEN OLD.is_latest = 1 AND OLD.delete_marker = 0 THEN OLD.size ELSE 0 END,
    versions = versions - (OLD.delete_marker = 0),
    version_bytes = version_bytes - CASE WHEN OLD.delete_marker = 0 THEN OLD.size ELSE 0 END
  WHERE bucket_id = OLD.bucket_id;
  INSERT OR IGNORE INTO bucket_usage (bucket_id) VALUES (NEW.bucket_id);
  UPDATE bucket_usage SET
    objects = objects + (NEW.is_latest = 1 AND NEW.delete_marker = 0),
    bytes = bytes + CASE WHEN NEW.is_latest = 1 AND NEW.delete_marker = 0 THEN NEW.size ELSE 0 END,
    versions = versions + (NEW.delete_marker = 0),
    version_bytes = version_bytes + CASE WHEN NEW.delete_marker = 0 THEN NEW.size ELSE 0 END
  WHERE bucket_id = NEW.bucket_id;
END;

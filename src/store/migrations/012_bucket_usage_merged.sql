-- One usage row per bucket instead of two. Migrations 009 (bucket_usage: metrics, `cairn status`) and 011
-- (bucket_quota_usage: quotas) kept overlapping counters by two sets of triggers, so every object row written
-- ran three or four counter statements. One table now holds both, kept by one trigger per change:
--   objects, bytes:         current versions that are not delete markers (what a listing shows);
--   versions, version_bytes: every stored version, delete markers excluded (what the disk holds);
--   part_bytes:             parts of multipart uploads (what quotas count besides versions).
-- Quota usage is bytes = version_bytes + part_bytes, objects = versions (delete markers have no bytes).
CREATE TABLE bucket_usage_v (
  bucket_id     INTEGER PRIMARY KEY,
  objects       INTEGER NOT NULL DEFAULT 0,
  bytes         INTEGER NOT NULL DEFAULT 0,
  versions      INTEGER NOT NULL DEFAULT 0,
  version_bytes INTEGER NOT NULL DEFAULT 0,
  part_bytes    INTEGER NOT NULL DEFAULT 0
);

-- The figures carry over as they stand: part_bytes is what quotas counted beyond the versions, so
-- version_bytes + part_bytes is the old quota bytes exactly.
INSERT INTO bucket_usage_v (bucket_id, objects, bytes, versions, version_bytes, part_bytes)
  SELECT b.id,
         COALESCE(u.objects, 0),
         COALESCE(u.bytes, 0),
         COALESCE(u.versions, 0),
         COALESCE(u.version_bytes, 0),
         CASE WHEN q.bucket_id IS NULL
              THEN (SELECT COALESCE(SUM(p.size), 0) FROM parts p JOIN uploads up ON up.id = p.upload_id WHERE up.bucket_id = b.id)
              ELSE q.bytes - COALESCE(u.version_bytes, 0) END
  FROM buckets b
  LEFT JOIN bucket_usage u ON u.bucket_id = b.id
  LEFT JOIN bucket_quota_usage q ON q.bucket_id = b.id;

DROP TRIGGER buckets_usage_insert;
DROP TRIGGER objects_usage_insert;
DROP TRIGGER objects_usage_delete;
DROP TRIGGER objects_usage_update;
DROP TRIGGER buckets_quota_usage_insert;
DROP TRIGGER buckets_quota_usage_delete;
DROP TRIGGER objects_quota_usage_insert;
DROP TRIGGER objects_quota_usage_delete;
DROP TRIGGER objects_quota_usage_update;
DROP TRIGGER parts_quota_usage_insert;
DROP TRIGGER parts_quota_usage_delete;
DROP TRIGGER parts_quota_usage_update;
DROP TABLE bucket_quota_usage;
DROP TABLE bucket_usage;
ALTER TABLE bucket_usage_v RENAME TO bucket_usage;

-- Every bucket has its row from creation on (so the object triggers only update it) until it is deleted.
CREATE TRIGGER buckets_usage_insert AFTER INSERT ON buckets
BEGIN
  INSERT OR IGNORE INTO bucket_usage (bucket_id) VALUES (new.id);
END;
CREATE TRIGGER buckets_usage_delete AFTER DELETE ON buckets
BEGIN
  DELETE FROM bucket_usage WHERE bucket_id = old.id;
END;

CREATE TRIGGER objects_usage_insert AFTER INSERT ON objects
BEGIN
  UPDATE bucket_usage SET
    objects = objects + (new.is_latest = 1 AND new.delete_marker = 0),
    bytes = bytes + CASE WHEN new.is_latest = 1 AND new.delete_marker = 0 THEN new.size ELSE 0 END,
    versions = versions + (new.delete_marker = 0),
    version_bytes = version_bytes + CASE WHEN new.delete_marker = 0 THEN new.size ELSE 0 END
  WHERE bucket_id = new.bucket_id;
END;

CREATE TRIGGER objects_usage_delete AFTER DELETE ON objects
BEGIN
  UPDATE bucket_usage SET
    objects = objects - (old.is_latest = 1 AND old.delete_marker = 0),
    bytes = bytes - CASE WHEN old.is_latest = 1 AND old.delete_marker = 0 THEN old.size ELSE 0 END,
    versions = versions - (old.delete_marker = 0),
    version_bytes = version_bytes - CASE WHEN old.delete_marker = 0 THEN old.size ELSE 0 END
  WHERE bucket_id = old.bucket_id;
END;

-- An update that changes nothing counted (a version becoming noncurrent is the common one: only objects/bytes
-- move) is one statement; a row moving between buckets (nothing does that today) is two.
CREATE TRIGGER objects_usage_update AFTER UPDATE OF bucket_id, is_latest, delete_marker, size ON objects
  WHEN old.bucket_id = new.bucket_id
BEGIN
  UPDATE bucket_usage SET
    objects = objects - (old.is_latest = 1 AND old.delete_marker = 0) + (new.is_latest = 1 AND new.delete_marker = 0),
    bytes = bytes - CASE WHEN old.is_latest = 1 AND old.delete_marker = 0 THEN old.size ELSE 0 END
                  + CASE WHEN new.is_latest = 1 AND new.delete_marker = 0 THEN new.size ELSE 0 END,
    versions = versions - (old.delete_marker = 0) + (new.delete_marker = 0),
    version_bytes = version_bytes - CASE WHEN old.delete_marker = 0 THEN old.size ELSE 0 END
                                  + CASE WHEN new.delete_marker = 0 THEN new.size ELSE 0 END
  WHERE bucket_id = new.bucket_id;
END;
CREATE TRIGGER objects_usage_move AFTER UPDATE OF bucket_id ON objects
  WHEN old.bucket_id <> new.bucket_id
BEGIN
  UPDATE bucket_usage SET
    objects = objects - (old.is_latest = 1 AND old.delete_marker = 0),
    bytes = bytes - CASE WHEN old.is_latest = 1 AND old.delete_marker = 0 THEN old.size ELSE 0 END,
    versions = versions - (old.delete_marker = 0),
    version_bytes = version_bytes - CASE WHEN old.delete_marker = 0 THEN old.size ELSE 0 END
  WHERE bucket_id = old.bucket_id;
  INSERT OR IGNORE INTO bucket_usage (bucket_id) VALUES (new.bucket_id);
  UPDATE bucket_usage SET
    objects = objects + (new.is_latest = 1 AND new.delete_marker = 0),
    bytes = bytes + CASE WHEN new.is_latest = 1 AND new.delete_marker = 0 THEN new.size ELSE 0 END,
    versions = versions + (new.delete_marker = 0),
    version_bytes = version_bytes + CASE WHEN new.delete_marker = 0 THEN new.size ELSE 0 END
  WHERE bucket_id = new.bucket_id;
END;

-- Parts count toward their upload's bucket, as in migration 011.
CREATE TRIGGER parts_usage_insert AFTER INSERT ON parts
BEGIN
  UPDATE bucket_usage SET part_bytes = part_bytes + new.size WHERE bucket_id = (SELECT bucket_id FROM uploads WHERE id = new.upload_id);
END;
CREATE TRIGGER parts_usage_delete AFTER DELETE ON parts
BEGIN
  UPDATE bucket_usage SET part_bytes = part_bytes - old.size WHERE bucket_id = (SELECT bucket_id FROM uploads WHERE id = old.upload_id);
END;
CREATE TRIGGER parts_usage_update AFTER UPDATE OF size ON parts
BEGIN
  UPDATE bucket_usage SET part_bytes = part_bytes - old.size + new.size WHERE bucket_id = (SELECT bucket_id FROM uploads WHERE id = new.upload_id);
END;

-- No query reads objects_current (listings walk the primary key, which already orders a bucket's keys; EXPLAIN
-- QUERY PLAN of every statement the repositories prepare names it nowhere), yet every PUT and DELETE of a
-- current object paid for its upkeep.
DROP INDEX objects_current;

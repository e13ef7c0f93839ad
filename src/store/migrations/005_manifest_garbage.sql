-- A multipart object's manifest becomes garbage in the same statement that removes its last row, so any
-- delete or overwrite of a version is one statement, atomic by itself (a single-part blob needs no record:
-- one left behind by a crash is an orphan the start-up sweep removes).
CREATE TRIGGER objects_manifest_garbage AFTER DELETE ON objects
  WHEN old.parts_count > 0 AND old.blob_id IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO garbage (blob_id, since) VALUES (old.blob_id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

-- Notifications: a durable outbox, written in the transaction of the change it reports,
-- drained by the notification worker (at-least-once, in order per key and target).
CREATE TABLE notification_outbox (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  target      TEXT    NOT NULL,
  order_key   TEXT    NOT NULL,
  event_id    INTEGER NOT NULL,
  message     TEXT    NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX notification_outbox_target ON notification_outbox(target, seq);

-- Per target: messages waiting (kept by triggers) and messages refused because the queue was full.
CREATE TABLE notification_targets (
  target    TEXT    PRIMARY KEY,
  pending   INTEGER NOT NULL DEFAULT 0,
  overflow  INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER notification_outbox_insert AFTER INSERT ON notification_outbox
BEGIN
  INSERT INTO notification_targets (target, pending) VALUES (new.target, 1)
    ON CONFLICT (target) DO UPDATE SET pending = pending + 1;
END;
CREATE TRIGGER notification_outbox_delete AFTER DELETE ON notification_outbox
BEGIN
  UPDATE notification_targets SET pending = pending - 1 WHERE target = old.target;
END;

-- The event sequence (sequencer and de-duplication id of each change), never reused.
CREATE TABLE notification_sequence (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  value  INTEGER NOT NULL
);
INSERT INTO notification_sequence (id, value) VALUES (1, 0);

-- Quotas: exact usage per bucket as quotas count it (migration 009's bucket_usage counts what listings and the disk show) (every version's bytes and the parts of open multipart uploads;
-- objects = versions that are not delete markers), kept by triggers in the writing transaction.
CREATE TABLE bucket_quota_usage (
  bucket_id  INTEGER PRIMARY KEY,
  bytes      INTEGER NOT NULL DEFAULT 0,
  objects    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO bucket_quota_usage (bucket_id, bytes, objects)
  SELECT b.id,
         (SELECT coalesce(sum(o.size), 0) FROM objects o WHERE o.bucket_id = b.id)
           + (SELECT coalesce(sum(p.size), 0) FROM parts p JOIN uploads u ON u.id = p.upload_id WHERE u.bucket_id = b.id),
         (SELECT count(*) FROM objects o WHERE o.bucket_id = b.id AND o.delete_marker = 0)
  FROM buckets b;

CREATE TRIGGER buckets_quota_usage_insert AFTER INSERT ON buckets
BEGIN
  INSERT OR IGNORE INTO bucket_quota_usage (bucket_id) VALUES (new.id);
END;
CREATE TRIGGER buckets_quota_usage_delete AFTER DELETE ON buckets
BEGIN
  DELETE FROM bucket_quota_usage WHERE bucket_id = old.id;
END;
CREATE TRIGGER objects_quota_usage_insert AFTER INSERT ON objects
BEGIN
  UPDATE bucket_quota_usage SET bytes = bytes + new.size, objects = objects + (new.delete_marker = 0) WHERE bucket_id = new.bucket_id;
END;
CREATE TRIGGER objects_quota_usage_delete AFTER DELETE ON objects
BEGIN
  UPDATE bucket_quota_usage SET bytes = bytes - old.size, objects = objects - (old.delete_marker = 0) WHERE bucket_id = old.bucket_id;
END;
CREATE TRIGGER objects_quota_usage_update AFTER UPDATE OF size, delete_marker ON objects
BEGIN
  UPDATE bucket_quota_usage SET bytes = bytes - old.size + new.size, objects = objects - (old.delete_marker = 0) + (new.delete_marker = 0)
    WHERE bucket_id = new.bucket_id;
END;
CREATE TRIGGER parts_quota_usage_insert AFTER INSERT ON parts
BEGIN
  UPDATE bucket_quota_usage SET bytes = bytes + new.size WHERE bucket_id = (SELECT bucket_id FROM uploads WHERE id = new.upload_id);
END;
CREATE TRIGGER parts_quota_usage_delete AFTER DELETE ON parts
BEGIN
  UPDATE bucket_quota_usage SET bytes = bytes - old.size WHERE bucket_id = (SELECT bucket_id FROM uploads WHERE id = old.upload_id);
END;
CREATE TRIGGER parts_quota_usage_update AFTER UPDATE OF size ON parts
BEGIN
  UPDATE bucket_quota_usage SET bytes = bytes - old.size + new.size WHERE bucket_id = (SELECT bucket_id FROM uploads WHERE id = new.upload_id);
END;

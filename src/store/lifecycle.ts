import type { Db } from './db.js';

/** Where a lifecycle phase stands: rows ordered by (pos, key, seq) up to this one were judged. */
export interface LifecycleCursor {
  rules: string;
  pos: number;
  key: Buffer;
  seq: number;
}

/** A version as the lifecycle worker judges it. */
export interface LifecycleRow {
  key: Buffer;
  seq: number;
  versionId: string;
  blobId: string;
  size: number;
  deleteMarker: boolean;
  lastModified: number;
  noncurrentSince?: number;
  tags?: Array<[string, string]>;
}

interface Row {
  key: Buffer;
  seq: number;
  version_id: string;
  blob_id: string | null;
  size: number;
  delete_marker: number;
  last_modified: number;
  noncurrent_since: number | null;
  tags: string | null;
}

const COLS = 'key, seq, version_id, blob_id, size, delete_marker, last_modified, noncurrent_since, tags';
const toRow = (r: Row): LifecycleRow => ({
  key: r.key,
  seq: r.seq,
  versionId: r.version_id,
  blobId: r.blob_id ?? '',
  size: r.size,
  deleteMarker: r.delete_marker === 1,
  lastModified: r.last_modified,
  noncurrentSince: r.noncurrent_since ?? undefined,
  tags: r.tags ? (JSON.parse(r.tags) as Array<[string, string]>) : undefined,
});

/**
 * The lifecycle worker's queries: due work as ranges of the time indexes of
 * migration 010 (current versions by creation time, noncurrent ones by the
 * time they stopped being current, open uploads by initiation), each read
 * after a cursor kept in the database; and the versions Object Lock kept.
 */
export class LifecycleRepo {
  private readonly bucketsStmt;
  private readonly cursorStmt;
  private readonly setCursorStmt;
  private readonly currentStmt;
  private readonly noncurrentStmt;
  private readonly keyNoncurrentStmt;
  private readonly markersStmt;
  private readonly countStmt;
  private readonly uploadsStmt;
  private readonly holdStmt;
  private readonly heldStmt;
  private readonly heldCountStmt;
  private readonly unholdStmt;

  constructor(db: Db) {
    this.bucketsStmt = db.prepare<[], { name: string }>(
      "SELECT b.name AS name FROM bucket_configs c JOIN buckets b ON b.id = c.bucket_id WHERE c.kind = 'lifecycle' ORDER BY b.id",
    );
    this.cursorStmt = db.prepare<[number, string], { rules: string; pos: number; key: Buffer; seq: number }>(
      'SELECT rules, pos, key, seq FROM lifecycle_cursors WHERE bucket_id = ? AND phase = ?',
    );
    this.setCursorStmt = db.prepare(
      `INSERT INTO lifecycle_cursors (bucket_id, phase, rules, pos, key, seq) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (bucket_id, phase) DO UPDATE SET rules = excluded.rules, pos = excluded.pos, key = excluded.key, seq = excluded.seq`,
    );
    this.currentStmt = db.prepare<[number, number, number, Buffer, number, number], Row>(
      `SELECT ${COLS} FROM objects INDEXED BY objects_lc_current
       WHERE bucket_id = ? AND is_latest = 1 AND last_modified < ? AND (last_modified, key, seq) > (?, ?, ?) AND delete_marker = 0
       ORDER BY last_modified, key, seq LIMIT ?`,
    );
    this.noncurrentStmt = db.prepare<[number, number, number, Buffer, number, number], Row>(
      `SELECT ${COLS} FROM objects INDEXED BY objects_lc_noncurrent
       WHERE bucket_id = ? AND is_latest = 0 AND noncurrent_since < ? AND (noncurrent_since, key, seq) > (?, ?, ?)
       ORDER BY noncurrent_since, key, seq LIMIT ?`,
    );
    this.keyNoncurrentStmt = db.prepare<[number, Buffer], Row>(
      `SELECT ${COLS} FROM objects WHERE bucket_id = ? AND key = ? AND is_latest = 0 ORDER BY seq DESC`,
    );
    this.markersStmt = db.prepare<[number, Buffer, number], Row>(
      `SELECT ${COLS} FROM objects INDEXED BY objects_lc_markers WHERE bucket_id = ? AND is_latest = 1 AND delete_marker = 1 AND key > ? ORDER BY key LIMIT ?`,
    );
    this.countStmt = db.prepare<[number, Buffer], { n: number }>('SELECT count(*) AS n FROM objects WHERE bucket_id = ? AND key = ?');
    this.uploadsStmt = db.prepare<[number, number, number, string, number], { id: string; key: Buffer; initiated: number }>(
      `SELECT id, key, initiated FROM uploads INDEXED BY uploads_lc_open
       WHERE bucket_id = ? AND state = 'uploading' AND initiated < ? AND (initiated, id) > (?, ?) ORDER BY initiated, id LIMIT ?`,
    );
    this.holdStmt = db.prepare(
      `INSERT INTO lifecycle_held (bucket_id, key, version_id, retry_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (bucket_id, key, version_id) DO UPDATE SET retry_at = excluded.retry_at`,
    );
    this.heldStmt = db.prepare<[number, number, number], { key: Buffer; version_id: string }>(
      'SELECT key, version_id FROM lifecycle_held WHERE bucket_id = ? AND retry_at <= ? ORDER BY retry_at LIMIT ?',
    );
    this.unholdStmt = db.prepare('DELETE FROM lifecycle_held WHERE bucket_id = ? AND key = ? AND version_id = ?');
    this.heldCountStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM lifecycle_held');
  }

  /** Versions Object Lock keeps from an expiration, waiting to be judged again (for metrics). */
  heldCount(): number {
    return this.heldCountStmt.get()!.n;
  }

  /** Names of the buckets that have a lifecycle configuration. */
  buckets(): string[] {
    return this.bucketsStmt.all().map((r) => r.name);
  }

  cursor(bucketId: number, phase: string): LifecycleCursor | undefined {
    return this.cursorStmt.get(bucketId, phase);
  }

  setCursor(bucketId: number, phase: string, c: LifecycleCursor): void {
    this.setCursorStmt.run(bucketId, phase, c.rules, c.pos, c.key, c.seq);
  }

  /** Current (non-delete-marker) versions created before `cutoff`, after the cursor, oldest first. */
  current(bucketId: number, cutoff: number, after: LifecycleCursor, limit: number): LifecycleRow[] {
    return this.currentStmt.all(bucketId, cutoff, after.pos, after.key, after.seq, limit).map(toRow);
  }

  /** Noncurrent versions (delete markers included) noncurrent since before `cutoff`, after the cursor. */
  noncurrent(bucketId: number, cutoff: number, after: LifecycleCursor, limit: number): LifecycleRow[] {
    return this.noncurrentStmt.all(bucketId, cutoff, after.pos, after.key, after.seq, limit).map(toRow);
  }

  /** A key's noncurrent versions, newest first. */
  noncurrentOf(bucketId: number, key: Buffer): LifecycleRow[] {
    return this.keyNoncurrentStmt.all(bucketId, key).map(toRow);
  }

  /** Delete markers that are their key's latest version, in key order after `afterKey`. */
  currentMarkers(bucketId: number, afterKey: Buffer, limit: number): LifecycleRow[] {
    return this.markersStmt.all(bucketId, afterKey, limit).map(toRow);
  }

  versionCount(bucketId: number, key: Buffer): number {
    return this.countStmt.get(bucketId, key)?.n ?? 0;
  }

  /** Open uploads initiated before `cutoff`, after (pos, id) in (initiated, id) order. */
  openUploads(bucketId: number, cutoff: number, afterPos: number, afterId: string, limit: number): Array<{ id: string; key: string; initiated: number }> {
    return this.uploadsStmt.all(bucketId, cutoff, afterPos, afterId, limit).map((r) => ({ id: r.id, key: r.key.toString('utf8'), initiated: r.initiated }));
  }

  hold(bucketId: number, key: Buffer, versionId: string, retryAt: number): void {
    this.holdStmt.run(bucketId, key, versionId, retryAt);
  }

  heldDue(bucketId: number, now: number, limit: number): Array<{ key: Buffer; versionId: string }> {
    return this.heldStmt.all(bucketId, now, limit).map((r) => ({ key: r.key, versionId: r.version_id }));
  }

  unhold(bucketId: number, key: Buffer, versionId: string): void {
    this.unholdStmt.run(bucketId, key, versionId);
  }
}

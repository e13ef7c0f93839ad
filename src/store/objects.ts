import type { Db } from './db.js';
import type { SseRecord } from './encryption.js';

/** Standard headers stored with an object and returned on GET/HEAD. */
export const STORED_HEADERS = [
  'content-type',
  'content-encoding',
  'content-disposition',
  'content-language',
  'cache-control',
  'expires',
  'x-amz-website-redirect-location',
] as const;
export type StoredHeader = (typeof STORED_HEADERS)[number];

export interface ObjectRecord {
  bucketId: number;
  key: string;
  blobId: string;
  size: number;
  /** Hex MD5 (or the multipart form `hex-N`), unquoted. */
  etag: string;
  /** Milliseconds since the epoch. */
  lastModified: number;
  ownerId: number;
  storageClass: string;
  headers: Partial<Record<StoredHeader, string>>;
  /** x-amz-meta-* pairs, names lower-cased without the prefix, in the order received. */
  meta: Array<[string, string]>;
  checksumAlgorithm?: string;
  checksum?: string;
  /** 0 for a single-part object; else the part count, and blobId is a manifest id whose segments hold the bytes. */
  partsCount?: number;
  /** 'null' for objects written while versioning was off or suspended. Set by the repository. */
  versionId?: string;
  /** A delete marker (no data). */
  deleteMarker?: boolean;
  isLatest?: boolean;
  lockMode?: 'GOVERNANCE' | 'COMPLIANCE';
  /** Retain-until date, milliseconds since the epoch. */
  lockUntil?: number;
  /** undefined: never set (stored 0); true: ON (1); false: set OFF (2). */
  legalHold?: boolean;
  /** The version's ACL grants as JSON text (interpreted by the protocol layer); undefined: the owner's FULL_CONTROL only. */
  acl?: string;
  /** The version's tags as [key, value] pairs, in the order set (none: undefined or empty). */
  tags?: Array<[string, string]>;
  /** Server-side encryption (undefined: plaintext on disk). */
  encryption?: SseRecord;
}

/** A bucket's versioning state: never enabled (undefined), Enabled or Suspended. */
export type Versioning = 'Enabled' | 'Suspended' | undefined;

/** How many keys' latest versions ObjectsRepo keeps in memory. */
const RECENT_MAX = 10_000;

type WellFormed = { isWellFormed(): boolean; toWellFormed(): string };

/**
 * The cache key of an object key: keys are stored as UTF-8, which turns a
 * lone surrogate (possible from an XML character reference) into U+FFFD, so
 * two strings can name one row; the key is normalised the same way.
 */
function recentKey(bucketId: number, key: string): string {
  const k = key as unknown as WellFormed;
  return `${bucketId}/${k.isWellFormed() ? key : k.toWellFormed()}`;
}

const COUNTER_SPACE = 36 ** 4;
const VERSION_ID_FORM = /^[0-9a-z]{22}$/;
/**
 * Version ids: unique and time-ordered (never 'null'): 10 base-36 digits of
 * milliseconds, a 4-digit counter, 8 random digits. One issuer per store.
 */
export class VersionIds {
  /** The (time, counter) of the last id issued: ids only grow, even when writes commit out of clock order. */
  private last = { time: 0, counter: 0 };

  /**
   * The next id. Called inside the write transaction, so ids grow in commit
   * order; `floor` (the key's newest id) keeps them growing across restarts
   * and clock steps back.
   */
  next(now: number, floor?: string): string {
    let time = Math.max(now, this.last.time);
    let counter = time === this.last.time ? this.last.counter + 1 : 0;
    if (floor !== undefined && VERSION_ID_FORM.test(floor)) {
      const ft = parseInt(floor.slice(0, 10), 36);
      const fc = parseInt(floor.slice(10, 14), 36);
      if (time < ft || (time === ft && counter <= fc)) {
        time = ft;
        counter = fc + 1;
      }
    }
    if (counter >= COUNTER_SPACE) {
      time += 1;
      counter = 0;
    }
    this.last = { time, counter };
    const rnd = Math.floor(Math.random() * 36 ** 8);
    return time.toString(36).padStart(10, '0') + counter.toString(36).padStart(4, '0') + rnd.toString(36).padStart(8, '0');
  }
}

/** One part of a multipart object: a blob holding bytes [offset, offset + size). */
export interface Segment {
  partNumber: number;
  blobId: string;
  offset: number;
  size: number;
  etag: string;
  checksum?: string;
}

/** What a listing needs of an object (no headers or metadata). */
export interface ListEntry {
  key: Buffer;
  size: number;
  etag: string;
  lastModified: number;
  ownerId: number;
  storageClass: string;
  checksumAlgorithm?: string;
}

interface Row {
  bucket_id: number;
  key: Buffer;
  seq: number;
  version_id: string;
  is_latest: number;
  delete_marker: number;
  lock_mode: string | null;
  lock_until: number | null;
  legal_hold: number;
  blob_id: string | null;
  size: number;
  etag: string;
  last_modified: number;
  owner_id: number;
  storage_class: string;
  headers: string | null;
  meta: string | null;
  checksum_algorithm: string | null;
  checksum: string | null;
  parts_count: number;
  acl: string | null;
  tags: string | null;
  encryption: string | null;
}

interface ListRow {
  key: Buffer;
  size: number;
  etag: string;
  last_modified: number;
  owner_id: number;
  storage_class: string;
  checksum_algorithm: string | null;
}

const toRecord = (r: Row): ObjectRecord => ({
  bucketId: r.bucket_id,
  key: r.key.toString('utf8'),
  blobId: r.blob_id ?? '',
  size: r.size,
  etag: r.etag,
  lastModified: r.last_modified,
  ownerId: r.owner_id,
  storageClass: r.storage_class,
  headers: r.headers ? (JSON.parse(r.headers) as ObjectRecord['headers']) : {},
  meta: r.meta ? (JSON.parse(r.meta) as Array<[string, string]>) : [],
  checksumAlgorithm: r.checksum_algorithm ?? undefined,
  checksum: r.checksum ?? undefined,
  partsCount: r.parts_count,
  versionId: r.version_id,
  deleteMarker: r.delete_marker === 1,
  isLatest: r.is_latest === 1,
  lockMode: (r.lock_mode as ObjectRecord['lockMode']) ?? undefined,
  lockUntil: r.lock_until ?? undefined,
  legalHold: r.legal_hold === 0 ? undefined : r.legal_hold === 1,
  acl: r.acl ?? undefined,
  tags: r.tags ? (JSON.parse(r.tags) as Array<[string, string]>) : undefined,
  encryption: r.encryption ? (JSON.parse(r.encryption) as SseRecord) : undefined,
});

const toEntry = (r: ListRow): ListEntry => ({
  key: r.key,
  size: r.size,
  etag: r.etag,
  lastModified: r.last_modified,
  ownerId: r.owner_id,
  storageClass: r.storage_class,
  checksumAlgorithm: r.checksum_algorithm ?? undefined,
});

const LIST_COLUMNS = 'key, size, etag, last_modified, owner_id, storage_class, checksum_algorithm';

/** A version as ListObjectVersions shows it. */
export interface VersionEntry extends ListEntry {
  seq: number;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
}

/**
 * A blob a transaction let go of, to unlink once the transaction is durable.
 * A single-part blob needs no record: if the process dies before the unlink,
 * the start-up sweep removes it as an orphan. A multipart manifest is
 * `recorded` as garbage (its part blobs and segment rows go with it, and a
 * read may still have it pinned).
 */
export interface Released {
  blobId: string;
  recorded: boolean;
}

/** Thrown by a guard to refuse removing a version (e.g. Object Lock); the repository rethrows it. */
export type VersionGuard = (v: ObjectRecord) => void;

/**
 * Object versions of buckets. Keys travel as UTF-8 Buffers to the database
 * so order is byte order. Each key's versions are ordered by seq (higher is
 * newer); exactly one of them (or none) is the latest.
 */
export class ObjectsRepo {
  private readonly latestStmt;
  private readonly byVersion;
  private readonly newestId;
  private readonly newerSeq;
  private readonly insert;
  private readonly delRow;
  private readonly delNull;
  private readonly clearLatest;
  private readonly promote;
  private readonly scanOpen;
  private readonly scanBounded;
  private readonly versionsScan;
  private readonly refByBlob;
  private readonly refBySegment;
  private readonly segmentsOf;
  private readonly segmentsInRange;
  private readonly insertSegment;
  private readonly deleteSegmentsOf;
  private readonly setRetentionStmt;
  private readonly setHoldStmt;
  private readonly setAclStmt;
  private readonly setTagsStmt;

  private readonly versionIds = new VersionIds();

  constructor(private readonly db: Db) {
    this.latestStmt = db.prepare<[number, Buffer], Row>('SELECT * FROM objects WHERE bucket_id = ? AND key = ? ORDER BY seq DESC LIMIT 1');
    this.byVersion = db.prepare<[number, Buffer, string], Row>('SELECT * FROM objects WHERE bucket_id = ? AND key = ? AND version_id = ?');
    this.newerSeq = db.prepare<[number, Buffer, string], { s: number | null }>(
      "SELECT min(seq) AS s FROM objects WHERE bucket_id = ? AND key = ? AND version_id <> 'null' AND version_id > ?",
    );
    this.newestId = db.prepare<[number, Buffer], { v: string | null }>(
      "SELECT max(version_id) AS v FROM objects WHERE bucket_id = ? AND key = ? AND version_id <> 'null'",
    );
    this.insert = db.prepare(
      `INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, delete_marker, blob_id, size, etag, last_modified, owner_id, storage_class,
         headers, meta, checksum_algorithm, checksum, parts_count, lock_mode, lock_until, legal_hold, acl, tags, encryption)
       VALUES (@bucketId, @key, @seq, @versionId, 1, @deleteMarker, @blobId, @size, @etag, @lastModified, @ownerId, @storageClass,
         @headers, @meta, @checksumAlgorithm, @checksum, @partsCount, @lockMode, @lockUntil, @legalHold, @acl, @tags, @encryption)`,
    );
    this.delRow = db.prepare('DELETE FROM objects WHERE bucket_id = ? AND key = ? AND seq = ?');
    this.delNull = db.prepare<[number, Buffer], Pick<Row, 'blob_id' | 'parts_count'>>(
      "DELETE FROM objects WHERE bucket_id = ? AND key = ? AND version_id = 'null' RETURNING blob_id, parts_count",
    );
    this.clearLatest = db.prepare('UPDATE objects SET is_latest = 0, noncurrent_since = ? WHERE bucket_id = ? AND key = ? AND is_latest = 1');
    this.promote = db.prepare(
      'UPDATE objects SET is_latest = 1, noncurrent_since = NULL WHERE bucket_id = @b AND key = @k AND seq = (SELECT max(seq) FROM objects WHERE bucket_id = @b AND key = @k)',
    );
    this.scanOpen = db.prepare<[number, Buffer, number], ListRow>(
      `SELECT ${LIST_COLUMNS} FROM objects WHERE bucket_id = ? AND key >= ? AND is_latest = 1 AND delete_marker = 0 ORDER BY key LIMIT ?`,
    );
    this.scanBounded = db.prepare<[number, Buffer, Buffer, number], ListRow>(
      `SELECT ${LIST_COLUMNS} FROM objects WHERE bucket_id = ? AND key >= ? AND key < ? AND is_latest = 1 AND delete_marker = 0 ORDER BY key LIMIT ?`,
    );
    this.versionsScan = db.prepare<
      [number, Buffer, Buffer, Buffer, Buffer, number, number],
      ListRow & { seq: number; version_id: string; is_latest: number; delete_marker: number }
    >(
      `SELECT ${LIST_COLUMNS}, seq, version_id, is_latest, delete_marker FROM objects
       WHERE bucket_id = ? AND key >= ? AND key < ? AND (key > ? OR (key = ? AND seq < ?))
       ORDER BY key, seq DESC LIMIT ?`,
    );
    this.refByBlob = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM objects WHERE blob_id = ? LIMIT 1');
    this.refBySegment = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM segments WHERE blob_id = ? LIMIT 1');
    this.segmentsOf = db.prepare<[string], { part_number: number; blob_id: string; offset: number; size: number; etag: string; checksum: string | null }>(
      'SELECT part_number, blob_id, offset, size, etag, checksum FROM segments WHERE manifest_id = ? ORDER BY part_number',
    );
    // Offsets grow with part numbers: the segments a byte range touches, without reading the rest of a large manifest.
    this.segmentsInRange = db.prepare<
      [string, number, number],
      { part_number: number; blob_id: string; offset: number; size: number; etag: string; checksum: string | null }
    >(
      'SELECT part_number, blob_id, offset, size, etag, checksum FROM segments WHERE manifest_id = ? AND offset <= ? AND offset + size > ? AND size > 0 ORDER BY part_number',
    );
    this.insertSegment = db.prepare('INSERT INTO segments (manifest_id, part_number, blob_id, offset, size, etag, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.deleteSegmentsOf = db.prepare('DELETE FROM segments WHERE manifest_id = ?');
    this.setRetentionStmt = db.prepare('UPDATE objects SET lock_mode = ?, lock_until = ? WHERE bucket_id = ? AND key = ? AND seq = ?');
    this.setHoldStmt = db.prepare('UPDATE objects SET legal_hold = ? WHERE bucket_id = ? AND key = ? AND seq = ?');
    this.setAclStmt = db.prepare('UPDATE objects SET acl = ? WHERE bucket_id = ? AND key = ? AND seq = ?');
    this.setTagsStmt = db.prepare('UPDATE objects SET tags = ? WHERE bucket_id = ? AND key = ? AND seq = ?');
  }

  /** Does any object version (or multipart object segment) point at this blob? */
  references(blobId: string): boolean {
    return this.refByBlob.get(blobId) !== undefined || this.refBySegment.get(blobId) !== undefined;
  }

  /**
   * The latest version of recently read keys (GET/HEAD read it on every
   * request; the SQLite lookup was ~7% of a small GET). Only this process
   * writes objects, and every method below that changes a key's versions
   * drops its entry first (inside the write transaction, so no reader can
   * see the old row cached after the commit); rows read inside a write
   * transaction are never kept. Records are frozen: callers share them.
   * Only found keys are kept; FIFO-bounded.
   */
  private readonly recent = new Map<string, ObjectRecord>();

  /** Forgets every cached version (another process changed the database). */
  invalidate(): void {
    this.recent.clear();
  }

  private forgetRecent(bucketId: number, key: string): void {
    this.recent.delete(recentKey(bucketId, key));
  }

  /** The current object of a key: its latest version, unless that is a delete marker. */
  get(bucketId: number, key: string): ObjectRecord | undefined {
    const o = this.latest(bucketId, key);
    return o && !o.deleteMarker ? o : undefined;
  }

  /** The latest version of a key, delete markers included. */
  latest(bucketId: number, key: string): ObjectRecord | undefined {
    const ck = recentKey(bucketId, key);
    const hit = this.recent.get(ck);
    if (hit) return hit;
    const r = this.latestStmt.get(bucketId, Buffer.from(key, 'utf8'));
    if (!r) return undefined;
    const rec = toRecord(r);
    // Inside a write transaction the row may not be committed yet (and may roll back): not kept.
    if (this.db.inTransaction) return rec;
    Object.freeze(rec.headers);
    for (const pair of rec.meta) Object.freeze(pair);
    Object.freeze(rec.meta);
    Object.freeze(rec);
    if (this.recent.size >= RECENT_MAX) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(ck, rec);
    return rec;
  }

  /** The ordering seq of a version (for paging), or undefined. */
  versionSeq(bucketId: number, key: string, versionId: string): number | undefined {
    return this.byVersion.get(bucketId, Buffer.from(key, 'utf8'), versionId)?.seq;
  }

  /**
   * Where a version that no longer exists stood, for paging: every version
   * of the key with seq below the answer is older than it. Non-null ids grow
   * with seq, so that is the oldest remaining version with a larger id; the
   * null version's place is unknown, so it and an id with no newer version
   * left answer MAX_SAFE_INTEGER (resume at the key's newest version: a page
   * may repeat a version, never skip one).
   */
  resumeSeq(bucketId: number, key: string, versionId: string): number {
    if (versionId === 'null') return Number.MAX_SAFE_INTEGER;
    return this.newerSeq.get(bucketId, Buffer.from(key, 'utf8'), versionId)?.s ?? Number.MAX_SAFE_INTEGER;
  }

  /** One version by id ('null' for the null version). */
  version(bucketId: number, key: string, versionId: string): ObjectRecord | undefined {
    const r = this.byVersion.get(bucketId, Buffer.from(key, 'utf8'), versionId);
    return r ? toRecord(r) : undefined;
  }

  /**
   * What a removed row lets go of: a multipart manifest was recorded as
   * garbage by the statement that removed it (trigger objects_manifest_garbage,
   * migration 005); a plain blob is only returned, to be unlinked.
   */
  private release(row: Pick<Row, 'blob_id' | 'parts_count'>): Released | undefined {
    if (!row.blob_id) return undefined;
    return { blobId: row.blob_id, recorded: row.parts_count > 0 };
  }

  /**
   * Runs a change atomically: in its own transaction, or as part of the
   * caller's (the group commit runs each change in a savepoint of its batch,
   * so a second savepoint per call would only cost two statements).
   */
  private atomic<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn).immediate();
  }

  /** Inserts a new latest version (inside a transaction); the null version it replaces, if any, is released. */
  private addVersion(rec: ObjectRecord, keyBuf: Buffer, versioning: Versioning, latest: Row | undefined): { versionId: string; released?: Released } {
    let released: Released | undefined;
    const versionId = versioning === 'Enabled' ? this.versionIds.next(rec.lastModified, this.newestId.get(rec.bucketId, keyBuf)?.v ?? undefined) : 'null';
    if (versioning === undefined) {
      // Versioning never enabled: the latest row is the null version and the key's only row, so replacing it
      // leaves no other version to mark noncurrent (two statements fewer per small PUT).
      if (latest) {
        this.delRow.run(rec.bucketId, keyBuf, latest.seq);
        released = this.release(latest);
      }
    } else {
      if (versionId === 'null') {
        const old = this.delNull.get(rec.bucketId, keyBuf);
        if (old) released = this.release(old);
      }
      this.clearLatest.run(rec.lastModified, rec.bucketId, keyBuf);
    }
    this.insert.run({
      bucketId: rec.bucketId,
      key: keyBuf,
      seq: (latest?.seq ?? 0) + 1,
      versionId,
      deleteMarker: rec.deleteMarker ? 1 : 0,
      blobId: rec.deleteMarker ? null : rec.blobId,
      size: rec.size,
      etag: rec.etag,
      lastModified: rec.lastModified,
      ownerId: rec.ownerId,
      storageClass: rec.storageClass,
      headers: Object.keys(rec.headers).length ? JSON.stringify(rec.headers) : null,
      meta: rec.meta.length ? JSON.stringify(rec.meta) : null,
      checksumAlgorithm: rec.checksumAlgorithm ?? null,
      checksum: rec.checksum ?? null,
      partsCount: rec.partsCount ?? 0,
      lockMode: rec.lockMode ?? null,
      lockUntil: rec.lockUntil ?? null,
      legalHold: rec.legalHold === undefined ? 0 : rec.legalHold ? 1 : 2,
      acl: rec.deleteMarker ? null : (rec.acl ?? null),
      tags: rec.tags?.length && !rec.deleteMarker ? JSON.stringify(rec.tags) : null,
      encryption: rec.encryption && !rec.deleteMarker ? JSON.stringify(rec.encryption) : null,
    });
    return { versionId, released };
  }

  /**
   * Makes `rec` the current version of its key in one transaction. `check`
   * runs inside the transaction with the current object (conditional
   * writes) and may throw to abort. Unversioned and suspended buckets
   * replace the null version, whose blob is released (returned so the
   * caller can unlink it once the commit is durable); enabled buckets keep
   * every version.
   */
  put(rec: ObjectRecord, check?: (current: ObjectRecord | undefined) => void, versioning?: Versioning): { released?: Released; versionId: string } {
    return this.atomic(() => {
      this.forgetRecent(rec.bucketId, rec.key);
      const keyBuf = Buffer.from(rec.key, 'utf8');
      const latest = this.latestStmt.get(rec.bucketId, keyBuf);
      if (check) check(latest && latest.delete_marker === 0 ? toRecord(latest) : undefined);
      return this.addVersion(rec, keyBuf, versioning, latest);
    });
  }

  /**
   * Does delete() in this bucket write with one statement (a bucket that
   * never had versioning: the null version goes, and with it, by trigger, a
   * manifest's garbage record)? Then it needs no savepoint of its own.
   */
  deleteIsOneStatement(versioning: Versioning): boolean {
    return versioning === undefined;
  }

  /**
   * DeleteObject without a version id. Unversioned: the object is removed.
   * Enabled: a delete marker becomes the latest version. Suspended: the null
   * version is removed and a null delete marker becomes the latest.
   */
  delete(bucketId: number, key: string, now: number, versioning?: Versioning, ownerId = 0): { released?: Released; deleteMarkerVersionId?: string } {
    return this.atomic(() => {
      this.forgetRecent(bucketId, key);
      const keyBuf = Buffer.from(key, 'utf8');
      if (versioning === undefined) {
        // Versioning never enabled: the null version is the key's only row, so nothing is left to promote.
        // One statement (the caller may commit it without a savepoint: see deleteIsOneStatement).
        const old = this.delNull.get(bucketId, keyBuf);
        return old ? { released: this.release(old) } : {};
      }
      const latest = this.latestStmt.get(bucketId, keyBuf);
      const marker: ObjectRecord = {
        bucketId,
        key,
        blobId: '',
        size: 0,
        etag: '',
        lastModified: now,
        ownerId,
        storageClass: 'STANDARD',
        headers: {},
        meta: [],
        deleteMarker: true,
      };
      const { versionId, released } = this.addVersion(marker, keyBuf, versioning, latest);
      return { released, deleteMarkerVersionId: versionId };
    });
  }

  /**
   * Removes one version permanently; the previous version becomes the latest.
   * `guard` may throw to refuse (Object Lock). `found` is false when there is
   * no such version.
   */
  deleteVersion(
    bucketId: number,
    key: string,
    versionId: string,
    now: number,
    guard?: VersionGuard,
  ): { found: boolean; released?: Released; wasDeleteMarker?: boolean } {
    return this.atomic(() => {
      this.forgetRecent(bucketId, key);
      const keyBuf = Buffer.from(key, 'utf8');
      const row = this.byVersion.get(bucketId, keyBuf, versionId);
      if (!row) return { found: false };
      guard?.(toRecord(row));
      this.delRow.run(bucketId, keyBuf, row.seq);
      if (row.is_latest === 1) this.promote.run({ b: bucketId, k: keyBuf });
      return { found: true, released: this.release(row), wasDeleteMarker: row.delete_marker === 1 };
    });
  }

  /** Sets or clears a version's retention. */
  setRetention(v: ObjectRecord, mode: ObjectRecord['lockMode'], until: number | undefined): void {
    this.forgetRecent(v.bucketId, v.key);
    const row = this.byVersion.get(v.bucketId, Buffer.from(v.key, 'utf8'), v.versionId ?? 'null');
    if (row) this.setRetentionStmt.run(mode ?? null, until ?? null, v.bucketId, row.key, row.seq);
  }

  setLegalHold(v: ObjectRecord, on: boolean): void {
    this.forgetRecent(v.bucketId, v.key);
    const row = this.byVersion.get(v.bucketId, Buffer.from(v.key, 'utf8'), v.versionId ?? 'null');
    if (row) this.setHoldStmt.run(on ? 1 : 2, v.bucketId, row.key, row.seq);
  }

  /** Replaces a version's ACL (JSON text; undefined: the default). */
  setAcl(v: ObjectRecord, acl: string | undefined): void {
    this.forgetRecent(v.bucketId, v.key);
    const row = this.byVersion.get(v.bucketId, Buffer.from(v.key, 'utf8'), v.versionId ?? 'null');
    if (row) this.setAclStmt.run(acl ?? null, v.bucketId, row.key, row.seq);
  }

  /** Replaces a version's tags (empty: removes them). */
  setTags(v: ObjectRecord, tags: ReadonlyArray<[string, string]>): void {
    this.forgetRecent(v.bucketId, v.key);
    const row = this.byVersion.get(v.bucketId, Buffer.from(v.key, 'utf8'), v.versionId ?? 'null');
    if (row) this.setTagsStmt.run(tags.length ? JSON.stringify(tags) : null, v.bucketId, row.key, row.seq);
  }

  /** Up to `limit` current objects with from <= key < to (to undefined: no upper bound), in key order. */
  scan(bucketId: number, from: Buffer, to: Buffer | undefined, limit: number): ListEntry[] {
    const rows = to === undefined ? this.scanOpen.all(bucketId, from, limit) : this.scanBounded.all(bucketId, from, to, limit);
    return rows.map(toEntry);
  }

  /** Versions with from <= key < to, in (key, newest first) order, strictly after (afterKey, afterSeq). */
  scanVersions(bucketId: number, from: Buffer, to: Buffer, afterKey: Buffer, afterSeq: number, limit: number): VersionEntry[] {
    return this.versionsScan.all(bucketId, from, to, afterKey, afterKey, afterSeq, limit).map((r) => ({
      ...toEntry(r),
      seq: r.seq,
      versionId: r.version_id,
      isLatest: r.is_latest === 1,
      deleteMarker: r.delete_marker === 1,
    }));
  }

  /** The segments of a multipart object's manifest, by part number (empty for a plain blob id). */
  segments(manifestId: string): Segment[] {
    return this.segmentsOf.all(manifestId).map((r) => ({
      partNumber: r.part_number,
      blobId: r.blob_id ?? '',
      offset: r.offset,
      size: r.size,
      etag: r.etag,
      checksum: r.checksum ?? undefined,
    }));
  }

  /** The non-empty segments of a manifest that hold bytes of [start, end], by part number. */
  segmentsIn(manifestId: string, start: number, end: number): Segment[] {
    return this.segmentsInRange.all(manifestId, end, start).map((r) => ({
      partNumber: r.part_number,
      blobId: r.blob_id,
      offset: r.offset,
      size: r.size,
      etag: r.etag,
      checksum: r.checksum ?? undefined,
    }));
  }

  /** Records a manifest's segments (inside the caller's transaction). */
  addSegments(manifestId: string, segments: readonly Segment[]): void {
    for (const g of segments) this.insertSegment.run(manifestId, g.partNumber, g.blobId, g.offset, g.size, g.etag, g.checksum ?? null);
  }

  /** Forgets a manifest's segments (their blobs are the caller's to remove). */
  dropSegments(manifestId: string): void {
    this.deleteSegmentsOf.run(manifestId);
  }
}

import type { Db } from './db.js';

/** Standard headers stored with an object and returned on GET/HEAD. */
export const STORED_HEADERS = ['content-type', 'content-encoding', 'content-disposition', 'content-language', 'cache-control', 'expires'] as const;
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
  blob_id: string;
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
  blobId: r.blob_id,
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

/** Current objects of buckets. Keys travel as UTF-8 Buffers to the database so order is byte order. */
export class ObjectsRepo {
  private readonly getStmt;
  private readonly upsert;
  private readonly del;
  private readonly addGarbage;
  private readonly scanOpen;
  private readonly scanBounded;
  private readonly refByBlob;
  private readonly refBySegment;
  private readonly segmentsOf;
  private readonly insertSegment;
  private readonly deleteSegmentsOf;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[number, Buffer], Row>('SELECT * FROM objects WHERE bucket_id = ? AND key = ?');
    this.upsert = db.prepare(
      `INSERT INTO objects (bucket_id, key, blob_id, size, etag, last_modified, owner_id, storage_class, headers, meta, checksum_algorithm, checksum, parts_count)
       VALUES (@bucketId, @key, @blobId, @size, @etag, @lastModified, @ownerId, @storageClass, @headers, @meta, @checksumAlgorithm, @checksum, @partsCount)
       ON CONFLICT (bucket_id, key) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size, etag = excluded.etag,
         last_modified = excluded.last_modified, owner_id = excluded.owner_id, storage_class = excluded.storage_class,
         headers = excluded.headers, meta = excluded.meta, checksum_algorithm = excluded.checksum_algorithm, checksum = excluded.checksum,
         parts_count = excluded.parts_count`,
    );
    this.del = db.prepare('DELETE FROM objects WHERE bucket_id = ? AND key = ?');
    this.addGarbage = db.prepare('INSERT OR IGNORE INTO garbage (blob_id, since) VALUES (?, ?)');
    this.scanOpen = db.prepare<[number, Buffer, number], ListRow>(
      `SELECT ${LIST_COLUMNS} FROM objects WHERE bucket_id = ? AND key >= ? ORDER BY key LIMIT ?`,
    );
    this.refByBlob = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM objects WHERE blob_id = ? LIMIT 1');
    this.refBySegment = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM segments WHERE blob_id = ? LIMIT 1');
    this.segmentsOf = db.prepare<[string], { part_number: number; blob_id: string; offset: number; size: number; etag: string; checksum: string | null }>(
      'SELECT part_number, blob_id, offset, size, etag, checksum FROM segments WHERE manifest_id = ? ORDER BY part_number',
    );
    this.insertSegment = db.prepare('INSERT INTO segments (manifest_id, part_number, blob_id, offset, size, etag, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.deleteSegmentsOf = db.prepare('DELETE FROM segments WHERE manifest_id = ?');
    this.scanBounded = db.prepare<[number, Buffer, Buffer, number], ListRow>(
      `SELECT ${LIST_COLUMNS} FROM objects WHERE bucket_id = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`,
    );
  }

  /** Does any object row (or multipart object segment) point at this blob? */
  references(blobId: string): boolean {
    return this.refByBlob.get(blobId) !== undefined || this.refBySegment.get(blobId) !== undefined;
  }

  /** The segments of a multipart object's manifest, by part number (empty for a plain blob id). */
  segments(manifestId: string): Segment[] {
    return this.segmentsOf.all(manifestId).map((r) => ({
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

  get(bucketId: number, key: string): ObjectRecord | undefined {
    const r = this.getStmt.get(bucketId, Buffer.from(key, 'utf8'));
    return r ? toRecord(r) : undefined;
  }

  /**
   * Makes `rec` the current object of its key in one transaction. `check`
   * runs inside the transaction with the current record (conditional
   * writes) and may throw to abort. The replaced blob is recorded as garbage
   * and returned so the caller can unlink it at once.
   */
  put(rec: ObjectRecord, check?: (current: ObjectRecord | undefined) => void): { replacedBlobId?: string } {
    return this.db.transaction(() => {
      const keyBuf = Buffer.from(rec.key, 'utf8');
      const old = this.getStmt.get(rec.bucketId, keyBuf);
      if (check) check(old ? toRecord(old) : undefined);
      this.upsert.run({
        bucketId: rec.bucketId,
        key: keyBuf,
        blobId: rec.blobId,
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
      });
      if (old && old.blob_id !== rec.blobId) {
        this.addGarbage.run(old.blob_id, rec.lastModified);
        return { replacedBlobId: old.blob_id };
      }
      return {};
    }).immediate();
  }

  /** Removes the current object of a key; returns its blob id (now garbage) if there was one. */
  delete(bucketId: number, key: string, now: number): { deletedBlobId?: string } {
    return this.db.transaction(() => {
      const keyBuf = Buffer.from(key, 'utf8');
      const old = this.getStmt.get(bucketId, keyBuf);
      if (!old) return {};
      this.del.run(bucketId, keyBuf);
      this.addGarbage.run(old.blob_id, now);
      return { deletedBlobId: old.blob_id };
    }).immediate();
  }

  /** Up to `limit` objects with from <= key < to (to undefined: no upper bound), in key order. */
  scan(bucketId: number, from: Buffer, to: Buffer | undefined, limit: number): ListEntry[] {
    const rows = to === undefined ? this.scanOpen.all(bucketId, from, limit) : this.scanBounded.all(bucketId, from, to, limit);
    return rows.map(toEntry);
  }
}

import type { Db } from './db.js';

/** A stored version whose bytes a scrub checks. */
export interface ScrubItem {
  bucketId: number;
  bucket: string;
  key: string;
  keyBytes: Buffer;
  versionId: string;
  seq: number;
  blobId: string;
  size: number;
  etag: string;
  partsCount: number;
  checksumAlgorithm?: string;
  checksum?: string;
}

/** One blob of a multipart object (a part). */
export interface ScrubSegment {
  partNumber: number;
  blobId: string;
  size: number;
  etag: string;
  checksum?: string;
}

interface Row {
  bucket_id: number;
  bucket: string;
  key: Buffer | string;
  version_id: string;
  seq: number;
  blob_id: string;
  size: number;
  etag: string;
  parts_count: number;
  checksum_algorithm: string | null;
  checksum: string | null;
}

/** What a scrub reads from the metadata, page by page (no read transaction held across pages), and what --repair removes. */
export class ScrubRepo {
  private readonly page;
  private readonly segs;
  private readonly countStmt;
  private readonly delStmt;
  private readonly promoteStmt;

  constructor(private readonly db: Db) {
    const cols = `o.bucket_id, b.name AS bucket, o.key, o.version_id, o.seq, o.blob_id, o.size, o.etag, o.parts_count, o.checksum_algorithm, o.checksum`;
    this.page = db.prepare<[string | null, string | null, number, Buffer | string, number, number], Row>(
      `SELECT ${cols} FROM objects o JOIN buckets b ON b.id = o.bucket_id
       WHERE o.delete_marker = 0 AND o.blob_id IS NOT NULL AND (? IS NULL OR b.name = ?)
         AND (o.bucket_id, o.key, o.seq) > (?, ?, ?)
       ORDER BY o.bucket_id, o.key, o.seq LIMIT ?`,
    );
    this.segs = db.prepare<[string], { part_number: number; blob_id: string; size: number; etag: string; checksum: string | null }>(
      'SELECT part_number, blob_id, size, etag, checksum FROM segments WHERE manifest_id = ? ORDER BY part_number',
    );
    this.countStmt = db.prepare<[string | null, string | null], { n: number; bytes: number | null }>(
      `SELECT COUNT(*) AS n, SUM(o.size) AS bytes FROM objects o JOIN buckets b ON b.id = o.bucket_id
       WHERE o.delete_marker = 0 AND o.blob_id IS NOT NULL AND (? IS NULL OR b.name = ?)`,
    );
    this.delStmt = db.prepare<[number, Buffer, string], { is_latest: number }>(
      'DELETE FROM objects WHERE bucket_id = ? AND key = ? AND version_id = ? RETURNING is_latest',
    );
    this.promoteStmt = db.prepare(
      'UPDATE objects SET is_latest = 1 WHERE bucket_id = ? AND key = ? AND seq = (SELECT MAX(seq) FROM objects WHERE bucket_id = ? AND key = ?)',
    );
  }

  /** How many versions (and bytes) a scrub of `bucket` (or everything) reads. */
  count(bucket?: string): { objects: number; bytes: number } {
    const r = this.countStmt.get(bucket ?? null, bucket ?? null)!;
    return { objects: r.n, bytes: r.bytes ?? 0 };
  }

  /** Every stored version with bytes, in (bucket, key, version) order. */
  *items(bucket?: string, pageSize = 500): Generator<ScrubItem> {
    let after: [number, Buffer | string, number] = [-1, '', -1];
    for (;;) {
      const rows = this.page.all(bucket ?? null, bucket ?? null, after[0], after[1], after[2], pageSize);
      for (const r of rows) {
        yield {
          bucketId: r.bucket_id,
          bucket: r.bucket,
          key: Buffer.isBuffer(r.key) ? r.key.toString('utf8') : r.key,
          keyBytes: Buffer.isBuffer(r.key) ? r.key : Buffer.from(r.key, 'utf8'),
          versionId: r.version_id,
          seq: r.seq,
          blobId: r.blob_id,
          size: r.size,
          etag: r.etag,
          partsCount: r.parts_count,
          checksumAlgorithm: r.checksum_algorithm ?? undefined,
          checksum: r.checksum ?? undefined,
        };
      }
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1]!;
      after = [last.bucket_id, last.key, last.seq];
    }
  }

  segments(manifestId: string): ScrubSegment[] {
    return this.segs
      .all(manifestId)
      .map((s) => ({ partNumber: s.part_number, blobId: s.blob_id, size: s.size, etag: s.etag, checksum: s.checksum ?? undefined }));
  }

  /** Removes a version's row (its blob is gone); the key's newest remaining version becomes current. True when removed. */
  forget(bucketId: number, key: Buffer, versionId: string): boolean {
    return this.db.transaction(() => {
      const r = this.delStmt.get(bucketId, key, versionId);
      if (!r) return false;
      if (r.is_latest === 1) this.promoteStmt.run(bucketId, key, bucketId, key);
      return true;
    })();
  }
}

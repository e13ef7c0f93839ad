import type { Db } from './db.js';

export interface BucketUsage {
  bucket: string;
  /** Current versions that are not delete markers, and their bytes (what a listing shows). */
  objects: number;
  bytes: number;
  /** Every stored version (delete markers excluded), and their bytes (what the disk holds). */
  versions: number;
  versionBytes: number;
}

/**
 * Per-bucket usage from the counters migration 012's triggers keep in the
 * same transaction as the object rows: exact, and one row per bucket to read.
 */
export class UsageRepo {
  private readonly allStmt;
  private readonly garbageStmt;
  private readonly uploadsStmt;

  constructor(db: Db) {
    this.allStmt = db.prepare<[], BucketUsage>(
      `SELECT b.name AS bucket, COALESCE(u.objects, 0) AS objects, COALESCE(u.bytes, 0) AS bytes,
              COALESCE(u.versions, 0) AS versions, COALESCE(u.version_bytes, 0) AS versionBytes
       FROM buckets b LEFT JOIN bucket_usage u ON u.bucket_id = b.id ORDER BY b.name`,
    );
    this.garbageStmt = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM garbage');
    this.uploadsStmt = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM uploads WHERE ended IS NULL');
  }

  buckets(): BucketUsage[] {
    return this.allStmt.all();
  }

  /** Blobs recorded for removal and not removed yet. */
  garbagePending(): number {
    return this.garbageStmt.get()!.n;
  }

  /** Multipart uploads in progress. */
  openUploads(): number {
    return this.uploadsStmt.get()!.n;
  }
}

import type { Db } from './db.js';

/** What a bucket holds: bytes of every version and of open uploads' parts; objects = versions that are not delete markers. */
export interface Usage {
  bytes: number;
  objects: number;
}

/** Bucket usage as quotas count it, from the counters migration 012's triggers keep exact inside every writing transaction. */
export class QuotaUsageRepo {
  private readonly getStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[number], { bytes: number; objects: number }>(
      'SELECT version_bytes + part_bytes AS bytes, versions AS objects FROM bucket_usage WHERE bucket_id = ?',
    );
  }

  get(bucketId: number): Usage {
    const r = this.getStmt.get(bucketId);
    return r ? { bytes: r.bytes, objects: r.objects } : { bytes: 0, objects: 0 };
  }
}

import type { Db } from './db.js';

/** What a bucket holds: bytes of every version and of open uploads' parts; objects = versions that are not delete markers. */
export interface Usage {
  bytes: number;
  objects: number;
}

/** Bucket usage, kept exact by triggers (migration 011) inside every writing transaction. */
export class QuotaUsageRepo {
  private readonly getStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[number], { bytes: number; objects: number }>('SELECT bytes, objects FROM bucket_quota_usage WHERE bucket_id = ?');
  }

  get(bucketId: number): Usage {
    const r = this.getStmt.get(bucketId);
    return r ? { bytes: r.bytes, objects: r.objects } : { bytes: 0, objects: 0 };
  }
}

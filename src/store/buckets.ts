import type { Db } from './db.js';

/** A bucket's default Object Lock retention rule. */
export interface LockDefault {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  days?: number;
  years?: number;
}

export interface Bucket {
  id: number;
  name: string;
  ownerId: number;
  region: string;
  createdAt: number;
  versioning?: 'Enabled' | 'Suspended';
  objectLock: boolean;
  lockDefault?: LockDefault;
}

interface BucketRow {
  id: number;
  name: string;
  owner_id: number;
  region: string;
  created_at: number;
  versioning: string | null;
  object_lock: number;
  lock_default: string | null;
}

const toBucket = (r: BucketRow): Bucket => ({
  id: r.id,
  name: r.name,
  ownerId: r.owner_id,
  region: r.region,
  createdAt: r.created_at,
  versioning: (r.versioning as Bucket['versioning']) ?? undefined,
  objectLock: r.object_lock === 1,
  lockDefault: r.lock_default ? (JSON.parse(r.lock_default) as LockDefault) : undefined,
});

/** Buckets. */
export class BucketsRepo {
  private readonly byName;
  private readonly all;
  private readonly ofOwner;
  private readonly insert;
  private readonly del;
  private readonly anyObject;
  private readonly setVersioningStmt;
  private readonly setLockStmt;

  constructor(private readonly db: Db) {
    this.byName = db.prepare<[string], BucketRow>('SELECT * FROM buckets WHERE name = ?');
    this.all = db.prepare<[], BucketRow>('SELECT * FROM buckets ORDER BY name');
    this.ofOwner = db.prepare<[number], BucketRow>('SELECT * FROM buckets WHERE owner_id = ? ORDER BY name');
    this.insert = db.prepare('INSERT INTO buckets (name, owner_id, region, created_at, versioning, object_lock) VALUES (?, ?, ?, ?, ?, ?)');
    this.setVersioningStmt = db.prepare('UPDATE buckets SET versioning = ? WHERE id = ?');
    this.setLockStmt = db.prepare('UPDATE buckets SET object_lock = 1, lock_default = ? WHERE id = ?');
    this.del = db.prepare('DELETE FROM buckets WHERE id = ?');
    this.anyObject = db.prepare<[number], { one: number }>('SELECT 1 AS one FROM objects WHERE bucket_id = ? LIMIT 1');
  }

  /**
   * Buckets by name, cached: every request looks its bucket up (often more
   * than once), and only this process changes buckets. Every write below
   * drops the cache.
   */
  private readonly cache = new Map<string, Bucket | null>();

  /** Forgets every cached bucket (another process changed the database). */
  invalidate(): void {
    this.cache.clear();
  }

  get(name: string): Bucket | undefined {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit ?? undefined;
    const r = this.byName.get(name);
    const b = r ? toBucket(r) : undefined;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(name, b ?? null);
    return b;
  }

  /** All buckets, or those of one owner, by name. */
  list(ownerId?: number): Bucket[] {
    return (ownerId === undefined ? this.all.all() : this.ofOwner.all(ownerId)).map(toBucket);
  }

  /** Creates a bucket; if the name is taken, returns the existing bucket with created=false. Object Lock turns versioning on. */
  create(name: string, ownerId: number, region: string, now: number, objectLock = false): { bucket: Bucket; created: boolean } {
    this.cache.clear();
    return this.db
      .transaction(() => {
        const existing = this.byName.get(name);
        if (existing) return { bucket: toBucket(existing), created: false };
        this.insert.run(name, ownerId, region, now, objectLock ? 'Enabled' : null, objectLock ? 1 : 0);
        return { bucket: toBucket(this.byName.get(name)!), created: true };
      })
      .immediate();
  }

  setVersioning(id: number, status: 'Enabled' | 'Suspended'): void {
    this.cache.clear();
    this.setVersioningStmt.run(status, id);
  }

  /** Turns Object Lock on (it cannot be turned off) and sets or clears the default retention rule. */
  setObjectLock(id: number, rule: LockDefault | undefined): void {
    this.cache.clear();
    this.setLockStmt.run(rule ? JSON.stringify(rule) : null, id);
  }

  /**
   * Deletes an empty bucket; `beforeDelete` runs in the same transaction
   * once the bucket is known to be empty (e.g. to drop its open uploads).
   */
  delete(id: number, beforeDelete?: () => void): 'deleted' | 'not-empty' | 'missing' {
    this.cache.clear();
    return this.db
      .transaction(() => {
        if (this.anyObject.get(id)) return 'not-empty' as const;
        beforeDelete?.();
        return this.del.run(id).changes > 0 ? ('deleted' as const) : ('missing' as const);
      })
      .immediate();
  }
}

import type { Db } from './db.js';

/**
 * Bucket sub-resource configurations: one JSON document per (bucket, kind).
 * Documents are the validated, typed form of a configuration; rendering them
 * as XML is the protocol layer's job.
 */
export class BucketConfigsRepo {
  private readonly getStmt;
  private readonly putStmt;
  private readonly delStmt;
  /** (bucket id, kind) -> document or null (absent); dropped on every change. */
  private readonly cache = new Map<string, unknown>();
  /** Bumped on every change (and on invalidate()): what is derived from configurations (the evaluator's per-bucket access state) is kept while it stays the same. */
  generation = 0;

  constructor(db: Db) {
    this.getStmt = db.prepare<[number, string], { document: string }>('SELECT document FROM bucket_configs WHERE bucket_id = ? AND kind = ?');
    this.putStmt = db.prepare(
      `INSERT INTO bucket_configs (bucket_id, kind, document, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (bucket_id, kind) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
    );
    this.delStmt = db.prepare('DELETE FROM bucket_configs WHERE bucket_id = ? AND kind = ?');
  }

  get<T>(bucketId: number, kind: string): T | undefined {
    const ck = `${bucketId}/${kind}`;
    if (this.cache.has(ck)) return (this.cache.get(ck) ?? undefined) as T | undefined;
    const row = this.getStmt.get(bucketId, kind);
    const doc = row ? (JSON.parse(row.document) as T) : undefined;
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(ck, doc ?? null);
    return doc;
  }

  put(bucketId: number, kind: string, document: unknown, now: number): void {
    this.cache.delete(`${bucketId}/${kind}`);
    this.generation++;
    this.putStmt.run(bucketId, kind, JSON.stringify(document), now);
  }

  /** True when there was one to delete. */
  delete(bucketId: number, kind: string): boolean {
    this.cache.delete(`${bucketId}/${kind}`);
    this.generation++;
    return this.delStmt.run(bucketId, kind).changes > 0;
  }

  /** Forgets every cached document (another process changed the database). */
  invalidate(): void {
    this.cache.clear();
    this.generation++;
  }
}

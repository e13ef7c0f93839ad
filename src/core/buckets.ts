/**
 * BucketService: buckets and their configurations. Returns data or throws
 * DomainError; the protocol layer chooses the S3 answer.
 */
import type { BucketConfigsRepo } from '../store/bucketConfigs.js';
import type { Bucket, BucketsRepo, LockDefault } from '../store/buckets.js';
import type { GroupCommit } from '../store/commits.js';
import type { Garbage } from '../store/garbage.js';
import type { UploadsRepo } from '../store/uploads.js';
import { DomainError } from './errors.js';

export type { Bucket, LockDefault };

export class BucketService {
  constructor(
    private readonly buckets: BucketsRepo,
    private readonly uploads: UploadsRepo,
    private readonly configs: BucketConfigsRepo,
    private readonly commits: GroupCommit,
    private readonly garbage: Garbage,
    private readonly clock: () => number,
  ) {}

  get(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }

  /** All buckets, or those of one owner, by name. */
  list(ownerId?: number): Bucket[] {
    return this.buckets.list(ownerId);
  }

  /**
   * Creates a bucket (Object Lock turns versioning on for good) with its
   * first configurations (`configs`: kind and document, written in the same
   * commit); a taken name is BucketAlreadyOwnedByYou or BucketAlreadyExists.
   */
  async create(name: string, ownerId: number, region: string, objectLock: boolean, configs: ReadonlyArray<readonly [string, unknown]> = []): Promise<Bucket> {
    const { bucket, created } = await this.commits.run(() => {
      const now = this.clock();
      const res = this.buckets.create(name, ownerId, region, now, objectLock);
      if (res.created) for (const [kind, doc] of configs) this.configs.put(res.bucket.id, kind, doc, now);
      return res;
    });
    if (!created) throw new DomainError(bucket.ownerId === ownerId ? 'BucketAlreadyOwnedByYou' : 'BucketAlreadyExists', undefined, { BucketName: name });
    return bucket;
  }

  /** Deletes an empty bucket; its open multipart uploads are aborted and their parts removed. */
  async delete(b: Bucket): Promise<void> {
    let garbage: string[] = [];
    const res = await this.commits.run(() =>
      this.buckets.delete(b.id, () => {
        garbage = this.uploads.removeAllIn(b.id, this.clock());
      }),
    );
    for (const g of garbage) this.garbage.release(g);
    // Its configurations went with it (ON DELETE CASCADE); a new bucket may get its id, so none may stay cached.
    if (res === 'deleted') this.configs.invalidate();
    if (res === 'not-empty') throw new DomainError('BucketNotEmpty', undefined, { BucketName: b.name });
    if (res === 'missing') throw new DomainError('NoSuchBucket', undefined, { BucketName: b.name });
  }

  /** Enabled ⇄ Suspended; a bucket with Object Lock cannot be suspended. */
  async setVersioning(b: Bucket, status: 'Enabled' | 'Suspended'): Promise<void> {
    if (status === 'Suspended' && b.objectLock) {
      throw new DomainError('InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.');
    }
    // Replication needs versioning: with a replication configuration it cannot be suspended (S3's rule).
    if (status === 'Suspended' && this.configs.get(b.id, 'replication') !== undefined) {
      throw new DomainError('InvalidBucketState', 'A replication configuration is present on this bucket, so the versioning state cannot be changed.');
    }
    await this.commits.run(() => this.buckets.setVersioning(b.id, status));
  }

  /** Turns Object Lock on (versioning must be Enabled) and sets or clears the default retention. */
  async setObjectLock(b: Bucket, rule: LockDefault | undefined): Promise<void> {
    if (!b.objectLock && b.versioning !== 'Enabled') {
      throw new DomainError('InvalidBucketState', "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration");
    }
    await this.commits.run(() => this.buckets.setObjectLock(b.id, rule));
  }

  // ---------------------------------------------------------------- sub-resource configurations

  /** Changes with every configuration write (and when another process changed the database): derived state is kept while it stays the same. */
  get configGeneration(): number {
    return this.configs.generation;
  }

  /** A bucket's configuration of one kind ('tagging', 'cors', ...), or undefined. */
  config<T>(b: Bucket, kind: string): T | undefined {
    return this.configs.get<T>(b.id, kind);
  }

  async putConfig(b: Bucket, kind: string, document: unknown): Promise<void> {
    await this.commits.run(() => this.configs.put(b.id, kind, document, this.clock()));
  }

  /**
   * Changes a configuration atomically: `change` sees the current document
   * inside the commit (no other change between its read and write) and
   * returns the new one, or undefined to remove it. Its exceptions abort the
   * change and reach the caller.
   */
  async updateConfig<T>(b: Bucket, kind: string, change: (current: T | undefined) => T | undefined): Promise<void> {
    await this.commits.run(() => {
      const next = change(this.configs.get<T>(b.id, kind));
      if (next === undefined) this.configs.delete(b.id, kind);
      else this.configs.put(b.id, kind, next, this.clock());
    });
  }

  /** Removes a configuration; false when there was none. */
  async deleteConfig(b: Bucket, kind: string): Promise<boolean> {
    return this.commits.run(() => this.configs.delete(b.id, kind));
  }
}

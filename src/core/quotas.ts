/**
 * Per-bucket hard quotas (bytes, objects), set by the administrator. Usage
 * is exact at every moment: the bytes of every version (delete markers are
 * 0) and of every part of an open multipart upload, and the number of
 * versions that are not delete markers, kept by triggers inside each
 * writing transaction (store/usage.ts). A change that would make usage
 * grow beyond a quota is refused inside the same transaction that would
 * commit it (`guard`), so concurrent writes can never overshoot; shrinking
 * changes (deletes, a Complete that turns parts into an object) always pass.
 */
import type { BucketConfigsRepo } from '../store/bucketConfigs.js';
import type { Bucket } from '../store/buckets.js';
import type { GroupCommit } from '../store/commits.js';
import type { Usage, QuotaUsageRepo } from '../store/quotaUsage.js';
import { DomainError } from './errors.js';

export type { Usage };

export interface Quota {
  /** Most bytes the bucket may hold. */
  maxBytes?: number;
  /** Most objects (versions) the bucket may hold. */
  maxObjects?: number;
}

const QUOTA_KIND = 'quota';

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  KB: 1000,
  KIB: 1024,
  M: 1024 ** 2,
  MB: 1000 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1000 ** 3,
  GIB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1000 ** 4,
  TIB: 1024 ** 4,
  P: 1024 ** 5,
  PB: 1000 ** 5,
  PIB: 1024 ** 5,
};

/** "500GiB", "1.5TB", "1048576" as bytes (binary units for KiB/MiB/… and bare K/M/G; decimal for KB/MB/…); undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toUpperCase()];
  if (unit === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Bytes in the largest binary unit that keeps it short: "500 GiB", "1.5 MiB", "12 B". */
export function formatSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const s = i === 0 ? String(v) : v.toFixed(2).replace(/\.?0+$/, '');
  return `${s} ${units[i]}`;
}

/** Which limit a change from `before` to `after` breaks: only growth beyond a limit counts. */
export function quotaBreach(q: Quota, before: Usage, after: Usage): 'bytes' | 'objects' | undefined {
  if (q.maxBytes !== undefined && after.bytes > q.maxBytes && after.bytes > before.bytes) return 'bytes';
  if (q.maxObjects !== undefined && after.objects > q.maxObjects && after.objects > before.objects) return 'objects';
  return undefined;
}

/** Would adding this many bytes and objects to `usage` break a limit? (The early check, before a body is read.) */
export function wouldExceed(q: Quota, usage: Usage, addBytes: number, addObjects: number): 'bytes' | 'objects' | undefined {
  return quotaBreach(q, usage, { bytes: usage.bytes + addBytes, objects: usage.objects + addObjects });
}

function exceeded(bucket: string, what: 'bytes' | 'objects'): DomainError {
  return new DomainError(
    'QuotaExceeded',
    what === 'bytes' ? 'The bucket quota (bytes) does not allow this write.' : 'The bucket quota (objects) does not allow this write.',
    { BucketName: bucket },
  );
}

export class QuotaService {
  constructor(
    private readonly usageRepo: QuotaUsageRepo,
    private readonly configs: BucketConfigsRepo,
    private readonly commits: GroupCommit,
    private readonly clock: () => number,
  ) {}

  quota(b: Bucket): Quota | undefined {
    return this.configs.get<Quota>(b.id, QUOTA_KIND);
  }

  usage(b: Bucket): Usage {
    return this.usageRepo.get(b.id);
  }

  /** Sets (or, with neither limit, removes) a bucket's quota. */
  async setQuota(b: Bucket, q: Quota): Promise<void> {
    if (q.maxBytes === undefined && q.maxObjects === undefined) await this.commits.run(() => this.configs.delete(b.id, QUOTA_KIND));
    else await this.commits.run(() => this.configs.put(b.id, QUOTA_KIND, q, this.clock()));
  }

  /** Refuses early a write that cannot fit (the body is not read); `guard` decides for good. */
  precheck(b: Bucket, addBytes: number, addObjects: number): void {
    const q = this.quota(b);
    if (!q) return;
    const breach = wouldExceed(q, this.usageRepo.get(b.id), addBytes, addObjects);
    if (breach) throw exceeded(b.name, breach);
  }

  /**
   * Runs a change inside the current transaction and throws QuotaExceeded
   * (rolling the change back with its savepoint) when it made the bucket's
   * usage grow beyond its quota.
   */
  guard<T>(bucketId: number, bucketName: string, fn: () => T): T {
    const q = this.configs.get<Quota>(bucketId, QUOTA_KIND);
    if (!q) return fn();
    const before = this.usageRepo.get(bucketId);
    const out = fn();
    const breach = quotaBreach(q, before, this.usageRepo.get(bucketId));
    if (breach) throw exceeded(bucketName, breach);
    return out;
  }
}

/** The x-amz-expiration header: when the bucket's lifecycle rules expire a current version, and by which rule. */
import { currentExpiry, expirationHeader, type LifecycleConfig } from '../core/lifecycle.js';
import type { Bucket } from '../core/buckets.js';
import type { ObjectRecord } from '../core/objects.js';
import type { OpContext } from './operation.js';

export const LIFECYCLE_KIND = 'lifecycle';

/** The header for a current version (undefined: no enabled rule with Days or Date matches it). */
export function expirationOf(ctx: OpContext, bucket: Bucket, o: Pick<ObjectRecord, 'key' | 'size' | 'tags' | 'lastModified'>): string | undefined {
  const cfg = ctx.services.buckets.config<LifecycleConfig>(bucket, LIFECYCLE_KIND);
  if (!cfg) return undefined;
  const e = currentExpiry(cfg, o, o.lastModified, ctx.config.lifecycleDaySeconds * 1000);
  return e && expirationHeader(e);
}

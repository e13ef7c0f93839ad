import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import type { Check } from '../ops/types.js';
import type { Identity } from './authenticate.js';

/**
 * Judges the checks an operation needs. Until bucket policies and ACLs
 * exist: anonymous callers are denied, the root user may do anything, and
 * any other user may act on buckets it owns (and create and list its own).
 * A check on a bucket that does not exist passes, so the operation can
 * answer NoSuchBucket as S3 does.
 */
export function authorize(ctx: AppContext, identity: Identity | undefined, checks: readonly Check[]): void {
  if (!identity) throw new S3Error('AccessDenied');
  if (identity.user.isRoot) return;
  for (const c of checks) {
    if (c.bucket === undefined) continue;
    const b = ctx.buckets.get(c.bucket);
    if (b && b.ownerId !== identity.user.id) throw new S3Error('AccessDenied');
  }
}

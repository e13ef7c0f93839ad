/**
 * The one place access is decided: every operation's permissions (action,
 * resource, condition keys) are judged here, after authentication and before
 * the operation runs. Required permissions that are denied answer
 * AccessDenied; optional ones are answered to the operation (Grants).
 *
 * The rules until identity and bucket policies arrive: anonymous callers are
 * denied; the root user may do anything; any other user may act on buckets it
 * owns (and create buckets and list its own). A permission on a bucket that
 * does not exist is allowed, so the operation can answer NoSuchBucket as S3
 * does. GOVERNANCE bypass (s3:BypassGovernanceRetention) is the root user's.
 */
import type { Services } from '../core/services.js';
import { S3Error } from '../errors/s3error.js';
import type { Grants, Permission } from '../s3/operation.js';
import type { Principal } from './principal.js';

export interface AuthzContext {
  readonly services: Pick<Services, 'buckets'>;
}

function decide(ctx: AuthzContext, principal: Principal | undefined, p: Permission): boolean {
  if (!principal) return false;
  if (principal.user.isRoot) return true;
  if (p.action === 's3:BypassGovernanceRetention') return false;
  // The bucket a CreateBucket names does not exist yet (or is someone else's: BucketAlreadyExists).
  if (p.bucket === undefined || p.action === 's3:CreateBucket') return true;
  const b = ctx.services.buckets.get(p.bucket);
  return !b || b.ownerId === principal.user.id;
}

class Decisions implements Grants {
  constructor(
    private readonly ctx: AuthzContext,
    private readonly principal: Principal | undefined,
  ) {}

  allowed(p: Permission): boolean {
    return decide(this.ctx, this.principal, p);
  }

  get listOwner(): number | undefined {
    const p = this.principal;
    return p === undefined ? -1 : p.user.isRoot ? undefined : p.user.id;
  }
}

/** Judges a request's permissions: throws AccessDenied for a required one denied; answers the optional ones. */
export function authorize(ctx: AuthzContext, principal: Principal | undefined, permissions: readonly Permission[]): Grants {
  for (const p of permissions) {
    if (!p.optional && !decide(ctx, principal, p)) throw new S3Error('AccessDenied');
  }
  return new Decisions(ctx, principal);
}

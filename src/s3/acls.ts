/**
 * ACLs and object ownership as the operations need them: where a bucket's
 * and an object's ACL are stored and how they read back, the bucket's
 * ObjectOwnership setting, the owner and ACL a new object gets from a
 * write's headers (one rule for PutObject, CopyObject, CreateMultipartUpload
 * and PostObject), the ACL condition keys, and Block Public Access's
 * BlockPublicAcls on ACL writes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  aclFromHeaders,
  aclFromRequest,
  cannedAcl,
  GRANT_HEADERS,
  hasAclHeaders,
  isPrivateAcl,
  isPublicAcl,
  type Acl,
  type AclOwner,
  type AclRequest,
  type Grant,
  type GranteeResolver,
} from '../auth/acl.js';
import { publicAccessBlock } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Bucket } from '../core/buckets.js';
import type { ObjectRecord } from '../core/objects.js';
import { S3Error } from '../errors/s3error.js';
import type { ConditionKeys } from './conditionKeys.js';
import type { OpContext, Permission } from './operation.js';

/** bucket_configs kinds. */
export const ACL_KIND = 'acl';
export const OWNERSHIP_KIND = 'ownership';
/** Block Public Access (H13a's PutPublicAccessBlock stores it; the 'aws' bucket defaults write it at CreateBucket). */
export const PUBLIC_ACCESS_BLOCK_KIND = 'publicAccessBlock';

export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';
export const OBJECT_OWNERSHIPS: readonly ObjectOwnership[] = ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter'];

/** The stored OwnershipControls. */
export interface StoredOwnership {
  readonly objectOwnership: ObjectOwnership;
}
/** A bucket's stored ACL (the owner is the bucket's). */
export interface StoredAcl {
  readonly grants: readonly Grant[];
}

/** The Block Public Access flags as stored (kind 'publicAccessBlock'). */
export interface StoredPublicAccessBlock {
  readonly blockPublicAcls: boolean;
  readonly ignorePublicAcls: boolean;
  readonly blockPublicPolicy: boolean;
  readonly restrictPublicBuckets: boolean;
}
export const FULL_PUBLIC_ACCESS_BLOCK: StoredPublicAccessBlock = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};

export function parseObjectOwnership(v: string | undefined, argumentName = 'x-amz-object-ownership'): ObjectOwnership | undefined {
  if (v === undefined) return undefined;
  if (!(OBJECT_OWNERSHIPS as readonly string[]).includes(v)) {
    throw new S3Error('InvalidArgument', 'Invalid x-amz-object-ownership header', { ArgumentName: argumentName, ArgumentValue: v });
  }
  return v as ObjectOwnership;
}

/** The bucket's ObjectOwnership: its OwnershipControls, or ObjectWriter (a bucket without them). */
export function objectOwnership(ctx: OpContext, bucket: Bucket): ObjectOwnership {
  return ctx.services.buckets.config<StoredOwnership>(bucket, OWNERSHIP_KIND)?.objectOwnership ?? 'ObjectWriter';
}

/** Are ACLs disabled on the bucket (BucketOwnerEnforced)? */
export function aclsDisabled(ctx: OpContext, bucket: Bucket): boolean {
  return objectOwnership(ctx, bucket) === 'BucketOwnerEnforced';
}

/** Does Block Public Access refuse public ACLs on this bucket (BlockPublicAcls; the instance-wide setting included)? */
export function blocksPublicAcls(ctx: OpContext, bucket: Bucket): boolean {
  return publicAccessBlock(ctx, bucket).blockPublicAcls;
}

/** An account as an ACL names it (canonical id, display name = the account's name). */
export function aclOwner(ctx: OpContext, accountId: number): AclOwner {
  const o = ctx.services.identities.owner(accountId);
  return { id: o?.canonicalId ?? '', displayName: o?.name ?? '' };
}

/** Grantee lookups: by e-mail address and by canonical id (accounts only). */
export function resolvers(ctx: OpContext): { email: GranteeResolver; id: GranteeResolver } {
  const of = (a: { canonicalId: string; name: string } | undefined): AclOwner | undefined => (a ? { id: a.canonicalId, displayName: a.name } : undefined);
  return {
    email: (e) => of(ctx.services.iam.accountByEmail(e)),
    id: (id) => of(ctx.services.iam.accountByCanonicalId(id)),
  };
}

/** The ACL headers of a request, resolved (undefined: none sent). */
export function aclRequestOf(ctx: OpContext, headers: IncomingHttpHeaders): AclRequest | undefined {
  const r = resolvers(ctx);
  return aclFromHeaders(headers, r.email, r.id);
}

/** The bucket's ACL: the stored grants, or the owner's FULL_CONTROL. Under BucketOwnerEnforced always the latter. */
export function bucketAcl(ctx: OpContext, bucket: Bucket): Acl {
  const owner = aclOwner(ctx, bucket.ownerId);
  if (aclsDisabled(ctx, bucket)) return cannedAcl('private', owner);
  const stored = ctx.services.buckets.config<StoredAcl>(bucket, ACL_KIND);
  return stored ? { owner, grants: stored.grants } : cannedAcl('private', owner);
}

/** An object version's ACL: its stored grants, or its owner's FULL_CONTROL. Under BucketOwnerEnforced the bucket owner's FULL_CONTROL. */
export function objectAcl(ctx: OpContext, bucket: Bucket, o: ObjectRecord): Acl {
  if (aclsDisabled(ctx, bucket)) return cannedAcl('private', aclOwner(ctx, bucket.ownerId));
  const owner = aclOwner(ctx, o.ownerId);
  return o.acl ? { owner, grants: JSON.parse(o.acl) as Grant[] } : cannedAcl('private', owner);
}

/** The stored form of an object's grants: undefined for the owner's FULL_CONTROL alone (the default). */
export function storedObjectGrants(acl: Acl): string | undefined {
  return isPrivateAcl(acl, acl.owner) ? undefined : JSON.stringify(acl.grants);
}

/**
 * Under BucketOwnerEnforced an ACL may only be the bucket owner's full
 * control (bucket-owner-full-control, private, or the same in grants);
 * anything else is AccessControlListNotSupported.
 */
export function refuseAclWhenEnforced(req: AclRequest, bucketOwner: AclOwner): void {
  if ('canned' in req) {
    if (req.canned === 'private' || req.canned === 'bucket-owner-full-control') return;
  } else if (isPrivateAcl({ owner: bucketOwner, grants: req.grants }, bucketOwner)) return;
  throw new S3Error('AccessControlListNotSupported');
}

/** BlockPublicAcls: a public ACL is refused (AccessDenied). */
export function refusePublicAcl(ctx: OpContext, bucket: Bucket, acl: Acl): void {
  if (isPublicAcl(acl) && blocksPublicAcls(ctx, bucket)) throw new S3Error('AccessDenied');
}

/** What a new object (or a multipart upload's object) gets: its owner account and its stored grants. */
export interface NewObjectAcl {
  readonly ownerId: number;
  readonly acl?: string;
}

/**
 * The owner and ACL of a new object written by `principal` with these
 * headers: ObjectWriter — the writer's account owns it; BucketOwnerPreferred
 * — the bucket owner does when the write says bucket-owner-full-control;
 * BucketOwnerEnforced — the bucket owner always, and only the bucket
 * owner's full control may be asked for. A public ACL on a bucket that
 * blocks public ACLs is AccessDenied.
 */
export function newObjectAcl(ctx: OpContext, bucket: Bucket, principal: Principal | undefined, headers: IncomingHttpHeaders): NewObjectAcl {
  const req = aclRequestOf(ctx, headers);
  const ownership = objectOwnership(ctx, bucket);
  const writer = principal?.account.id ?? bucket.ownerId;
  if (ownership === 'BucketOwnerEnforced') {
    if (req) refuseAclWhenEnforced(req, aclOwner(ctx, bucket.ownerId));
    return { ownerId: bucket.ownerId };
  }
  const ownerId = ownership === 'BucketOwnerPreferred' && req && 'canned' in req && req.canned === 'bucket-owner-full-control' ? bucket.ownerId : writer;
  if (!req) return { ownerId };
  const acl = aclFromRequest(req, aclOwner(ctx, bucket.ownerId), aclOwner(ctx, ownerId));
  refusePublicAcl(ctx, bucket, acl);
  return { ownerId, acl: storedObjectGrants(acl) };
}

/** s3:x-amz-acl and s3:x-amz-grant-* of a request, present only when sent. */
export function aclConditionKeys(headers: IncomingHttpHeaders): ConditionKeys {
  const out: ConditionKeys = {};
  const canned = headers['x-amz-acl'];
  if (typeof canned === 'string') out['s3:x-amz-acl'] = canned;
  for (const [h] of GRANT_HEADERS) {
    const v = headers[h];
    if (v !== undefined) out[`s3:${h}`] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

/**
 * The extra permission an object write that sets an ACL needs (AWS asks
 * s3:PutObjectAcl of a PutObject, CopyObject, CreateMultipartUpload or POST
 * with x-amz-acl / x-amz-grant-*), with the ACL condition keys.
 */
export function writeAclPermissions(bucket: string, key: string, headers: IncomingHttpHeaders): Permission[] {
  if (!hasAclHeaders(headers)) return [];
  return [{ action: 's3:PutObjectAcl', bucket, key, conditions: aclConditionKeys(headers), aclAction: 's3:PutObject' }];
}

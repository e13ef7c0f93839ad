/**
 * PutBucketAcl, GetBucketAcl, PutObjectAcl, GetObjectAcl: an ACL from
 * x-amz-acl / x-amz-grant-* headers or an AccessControlPolicy body; under
 * BucketOwnerEnforced only the bucket owner's full control is accepted
 * (AccessControlListNotSupported) and reads answer it; Block Public Access
 * BlockPublicAcls refuses public ACLs.
 */
import { cannedAcl, hasAclHeaders, parseAccessControlPolicy, renderAccessControlPolicy, type Acl, type AclOwner } from '../../auth/acl.js';
import type { Bucket } from '../../core/buckets.js';
import { S3Error } from '../../errors/s3error.js';
import {
  ACL_KIND,
  aclConditionKeys,
  aclOwner,
  aclRequestOf,
  aclsDisabled,
  bucketAcl,
  objectAcl,
  refuseAclWhenEnforced,
  refusePublicAcl,
  resolvers,
  storedObjectGrants,
} from '../acls.js';
import { lookupLockTarget, lookupObject, requireBucket } from '../lookup.js';
import { operation, type OpContext, type Output, type S3Request } from '../operation.js';
import { requireBucketName, requireKey, versionIdOf } from '../params.js';

const XML_HEADERS = { 'content-type': 'application/xml' };

function aclAnswer(acl: Acl, headers: Record<string, string | undefined> = {}): Output {
  const body = Buffer.from(renderAccessControlPolicy(acl), 'utf8');
  return { headers: { ...XML_HEADERS, 'content-length': body.length, ...headers }, body };
}

/** What a Put*Acl request sends: headers or a body (not both), read as far as it can be without the database. */
function aclInput(req: S3Request): { body?: Buffer } {
  const body = req.document && req.document.length > 0 ? req.document : undefined;
  const headers = hasAclHeaders(req.headers);
  if (body && headers) throw new S3Error('UnexpectedContent', 'This request does not support content when an ACL is given in headers');
  if (!body && !headers) throw new S3Error('MissingSecurityHeader', 'Your request was missing a required header', { MissingHeaderName: 'x-amz-acl' });
  return { body };
}

/**
 * The ACL a Put*Acl request asks for, on a resource owned by `owner`. A body
 * whose Owner is not the resource's owner is AccessDenied (the owner cannot
 * be changed by an ACL).
 */
function requestedAcl(ctx: OpContext, req: S3Request, body: Buffer | undefined, bucket: Bucket, owner: AclOwner, onObject: boolean): Acl {
  const bucketOwner = aclOwner(ctx, bucket.ownerId);
  if (body) {
    const r = resolvers(ctx);
    const acl = parseAccessControlPolicy(body, r.email, r.id);
    if (acl.owner.id !== owner.id) throw new S3Error('AccessDenied');
    if (aclsDisabled(ctx, bucket)) refuseAclWhenEnforced({ grants: acl.grants }, bucketOwner);
    return { owner, grants: acl.grants };
  }
  const ar = aclRequestOf(ctx, req.headers)!;
  if (aclsDisabled(ctx, bucket)) refuseAclWhenEnforced(ar, bucketOwner);
  if ('canned' in ar) {
    // An object's canned ACL names its owner and the bucket's; a bucket's only its owner.
    return onObject ? cannedAcl(ar.canned, bucketOwner, owner) : cannedAcl(ar.canned, owner);
  }
  return { owner, grants: ar.grants };
}

export const PutBucketAcl = operation({
  name: 'PutBucketAcl',
  body: { kind: 'document', max: 64 * 1024, integrity: 'verify', optional: true },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket), ...aclInput(req) }),
  permissions: (i, req) => [{ action: 's3:PutBucketAcl', bucket: i.bucket, conditions: aclConditionKeys(req.headers) }],
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const owner = aclOwner(ctx, bucket.ownerId);
    const acl = requestedAcl(ctx, req, i.body, bucket, owner, false);
    // Under BucketOwnerEnforced nothing is stored: the bucket owner's full control is all there is.
    if (aclsDisabled(ctx, bucket)) return {};
    refusePublicAcl(ctx, bucket, acl);
    const stored = storedObjectGrants(acl);
    if (stored === undefined) await ctx.services.buckets.deleteConfig(bucket, ACL_KIND);
    else await ctx.services.buckets.putConfig(bucket, ACL_KIND, { grants: acl.grants });
    return {};
  },
});

export const GetBucketAcl = operation({
  name: 'GetBucketAcl',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket) }),
  permissions: (i) => [{ action: 's3:GetBucketAcl', bucket: i.bucket }],
  async run(ctx, i) {
    return aclAnswer(bucketAcl(ctx, requireBucket(ctx, i.bucket)));
  },
});

function objectTarget(req: S3Request) {
  return { bucket: requireBucketName(req.target.bucket), key: requireKey(req.target.key), versionId: versionIdOf(req.target.query.get('versionId')) };
}

export const PutObjectAcl = operation({
  name: 'PutObjectAcl',
  body: { kind: 'document', max: 64 * 1024, integrity: 'verify', optional: true },
  parse: (req) => ({ ...objectTarget(req), ...aclInput(req) }),
  permissions: (i, req) => [
    {
      action: i.versionId !== undefined ? 's3:PutObjectVersionAcl' : 's3:PutObjectAcl',
      bucket: i.bucket,
      key: i.key,
      conditions: { ...aclConditionKeys(req.headers), ...(i.versionId !== undefined ? { 's3:VersionId': i.versionId } : {}) },
    },
  ],
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const v = lookupLockTarget(ctx, bucket, i.key, i.versionId, req.method);
    const disabled = aclsDisabled(ctx, bucket);
    const owner = aclOwner(ctx, disabled ? bucket.ownerId : v.ownerId);
    const acl = requestedAcl(ctx, req, i.body, bucket, owner, true);
    if (!disabled) {
      refusePublicAcl(ctx, bucket, acl);
      await ctx.services.objects.setAcl(v, storedObjectGrants(acl));
    }
    return { headers: { 'x-amz-version-id': bucket.versioning ? v.versionId : undefined } };
  },
});

export const GetObjectAcl = operation({
  name: 'GetObjectAcl',
  body: { kind: 'none' },
  parse: objectTarget,
  permissions: (i) => [
    {
      action: i.versionId !== undefined ? 's3:GetObjectVersionAcl' : 's3:GetObjectAcl',
      bucket: i.bucket,
      key: i.key,
      conditions: i.versionId !== undefined ? { 's3:VersionId': i.versionId } : undefined,
    },
  ],
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const v = lookupObject(ctx, bucket, i.key, i.versionId, req.method);
    return aclAnswer(objectAcl(ctx, bucket, v), { 'x-amz-version-id': bucket.versioning ? v.versionId : undefined });
  },
});

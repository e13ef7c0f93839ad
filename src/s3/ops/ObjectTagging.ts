/**
 * PutObjectTagging, GetObjectTagging, DeleteObjectTagging: the tags of one
 * version (versionId, else the latest). The version-specific IAM actions
 * (s3:PutObjectVersionTagging, ...) are asked for when a versionId is sent;
 * the version's existing tags are s3:ExistingObjectTag/<key>, the new ones
 * s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys.
 */
import { lookupObject, requireBucket } from '../lookup.js';
import { operation, type OpContext, type Permission, type S3Request } from '../operation.js';
import { requireBucketName, requireKey, versionIdOf } from '../params.js';
import { existingTagKeys, parseTaggingDocument, requestTagKeys } from '../tags.js';

interface Target {
  bucket: string;
  key: string;
  versionId?: string;
}

function targetOf(req: S3Request): Target {
  return { bucket: requireBucketName(req.target.bucket), key: requireKey(req.target.key), versionId: versionIdOf(req.target.query.get('versionId')) };
}

function permission(ctx: OpContext, i: Target, action: string, extra?: Record<string, string | string[]>): Permission[] {
  const versioned = i.versionId !== undefined;
  return [
    {
      action: versioned ? action.replace('Object', 'ObjectVersion') : action,
      bucket: i.bucket,
      key: i.key,
      conditions: { ...(versioned ? { 's3:VersionId': i.versionId } : {}), ...extra },
      conditionsLater: existingTagKeys(ctx, i.bucket, i.key, i.versionId),
    },
  ];
}

export const PutObjectTagging = operation({
  name: 'PutObjectTagging',
  body: { kind: 'document', max: 64 * 1024, integrity: 'required' },
  parse: (req) => ({ ...targetOf(req), tags: parseTaggingDocument(req.document!) }),
  permissions: (i, _req, ctx) => permission(ctx, i, 's3:PutObjectTagging', requestTagKeys(i.tags)),
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const v = lookupObject(ctx, bucket, i.key, i.versionId, req.method);
    await ctx.services.objects.setTags(v, i.tags);
    const versionId = bucket.versioning ? v.versionId : undefined;
    return {
      headers: { 'x-amz-version-id': versionId },
      events: [{ name: 'ObjectTagging:Put', bucket: bucket.name, key: i.key, versionId, size: v.size, etag: v.etag }],
    };
  },
});

export const GetObjectTagging = operation({
  name: 'GetObjectTagging',
  body: { kind: 'none' },
  parse: targetOf,
  permissions: (i, _req, ctx) => permission(ctx, i, 's3:GetObjectTagging'),
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const v = lookupObject(ctx, bucket, i.key, i.versionId, req.method);
    return {
      headers: { 'x-amz-version-id': bucket.versioning ? v.versionId : undefined },
      xml: { root: 'Tagging', body: { TagSet: { Tag: (v.tags ?? []).map(([Key, Value]) => ({ Key, Value })) } } },
    };
  },
});

export const DeleteObjectTagging = operation({
  name: 'DeleteObjectTagging',
  body: { kind: 'none' },
  parse: targetOf,
  permissions: (i, _req, ctx) => permission(ctx, i, 's3:DeleteObjectTagging'),
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const v = lookupObject(ctx, bucket, i.key, i.versionId, req.method);
    await ctx.services.objects.setTags(v, []);
    const versionId = bucket.versioning ? v.versionId : undefined;
    return {
      status: 204,
      headers: { 'x-amz-version-id': versionId },
      events: [{ name: 'ObjectTagging:Delete', bucket: bucket.name, key: i.key, versionId, size: v.size, etag: v.etag }],
    };
  },
});

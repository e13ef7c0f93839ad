import { requireBucket } from '../lookup.js';
import { operation, type Permission } from '../operation.js';
import { booleanHeader, requireBucketName, requireKey, versionIdOf } from '../params.js';
import { noticeOf } from '../events.js';
import { aclsDisabled } from '../acls.js';

/** The optional permission a request with x-amz-bypass-governance-retention: true asks about. */
export function bypassPermission(bucket: string, key: string): Permission {
  return { action: 's3:BypassGovernanceRetention', bucket, key, optional: true };
}

export const DeleteObject = operation({
  name: 'DeleteObject',
  body: { kind: 'none' },
  parse: (req) => ({
    bucket: requireBucketName(req.target.bucket),
    key: requireKey(req.target.key),
    versionId: versionIdOf(req.target.query.get('versionId')),
    bypass: booleanHeader(req.headers, 'x-amz-bypass-governance-retention'),
  }),
  permissions: (i) => {
    const p: Permission[] = [
      i.versionId === undefined
        ? { action: 's3:DeleteObject', bucket: i.bucket, key: i.key }
        : { action: 's3:DeleteObjectVersion', bucket: i.bucket, key: i.key, conditions: { 's3:VersionId': i.versionId } },
    ];
    if (i.bypass) p.push(bypassPermission(i.bucket, i.key));
    return p;
  },
  async run(ctx, i, req, grants) {
    const bucket = requireBucket(ctx, i.bucket);
    const res = await ctx.services.objects.delete({
      bucket,
      key: i.key,
      versionId: i.versionId,
      // A delete marker belongs to its writer's account, or to the bucket owner under BucketOwnerEnforced.
      ownerId: aclsDisabled(ctx, bucket) ? bucket.ownerId : (req.principal?.account.id ?? bucket.ownerId),
      mayBypassGovernance: i.bypass && grants.allowed(bypassPermission(i.bucket, i.key)),
      notice: noticeOf(req),
    });
    if (i.versionId !== undefined) {
      return { status: 204, headers: { 'x-amz-version-id': i.versionId, 'x-amz-delete-marker': res.deleteMarker ? 'true' : undefined } };
    }
    if (res.deleteMarker) {
      return {
        status: 204,
        headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': res.versionId },
        events: [{ name: 'ObjectRemoved:DeleteMarkerCreated', bucket: bucket.name, key: i.key, versionId: res.versionId }],
      };
    }
    return { status: 204, events: [{ name: 'ObjectRemoved:Delete', bucket: bucket.name, key: i.key }] };
  },
});

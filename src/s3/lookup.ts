/**
 * Looking up what a request addresses, and the S3 answer when it is not
 * there: the domain returns undefined, the protocol chooses the error.
 */
import type { Bucket } from '../core/buckets.js';
import type { ObjectRecord } from '../core/objects.js';
import type { Upload } from '../core/uploads.js';
import { isS3Error, S3Error } from '../errors/s3error.js';
import type { Grants, OpContext } from './operation.js';

export function requireBucket(ctx: OpContext, name: string): Bucket {
  const b = ctx.services.buckets.get(name);
  if (!b) throw new S3Error('NoSuchBucket', undefined, { BucketName: name });
  return b;
}

/** A bucket with Object Lock (retention and legal-hold operations). */
export function requireLockBucket(ctx: OpContext, name: string): Bucket {
  const b = requireBucket(ctx, name);
  if (!b.objectLock) throw new S3Error('InvalidRequest', 'Bucket is missing Object Lock Configuration');
  return b;
}

/**
 * The object a GET/HEAD/attributes request addresses: a version by id, else
 * the latest. A delete marker answers as S3 does: 404 NoSuchKey with
 * x-amz-delete-marker when it is the latest, 405 when named by version id.
 */
export function lookupObject(ctx: OpContext, bucket: Bucket, key: string, versionId: string | undefined, method: string): ObjectRecord {
  const objects = ctx.services.objects;
  if (versionId !== undefined) {
    const v = objects.version(bucket, key, versionId);
    if (!v) throw new S3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
    if (v.deleteMarker) {
      throw new S3Error(
        'MethodNotAllowed',
        undefined,
        { Method: method, ResourceType: 'DeleteMarker' },
        {
          'x-amz-delete-marker': 'true',
          'x-amz-version-id': v.versionId!,
          'last-modified': new Date(v.lastModified).toUTCString(),
          allow: 'DELETE',
        },
      );
    }
    return v;
  }
  const o = objects.latest(bucket, key);
  if (!o) throw new S3Error('NoSuchKey', undefined, { Key: key });
  if (o.deleteMarker) throw new S3Error('NoSuchKey', undefined, { Key: key }, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': o.versionId! });
  return o;
}

/** The version a retention / legal-hold request addresses (versionId, else the latest, which must not be a delete marker). */
export function lookupLockTarget(ctx: OpContext, bucket: Bucket, key: string, versionId: string | undefined, method: string): ObjectRecord {
  const objects = ctx.services.objects;
  const v = versionId !== undefined ? objects.version(bucket, key, versionId) : objects.latest(bucket, key);
  if (!v)
    throw new S3Error(versionId !== undefined ? 'NoSuchVersion' : 'NoSuchKey', undefined, {
      Key: key,
      ...(versionId !== undefined ? { VersionId: versionId } : {}),
    });
  if (v.deleteMarker) throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'DeleteMarker' }, { 'x-amz-delete-marker': 'true' });
  return v;
}

/** The open upload a part request names, checked against the request's bucket and key. */
export function requireUpload(ctx: OpContext, bucket: Bucket, key: string, uploadId: string): Upload {
  const u = ctx.services.uploads.open(bucket, key, uploadId);
  if (!u) throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  return u;
}

/**
 * S3's answer for a key that is not there: NoSuchKey only to a caller who may list the bucket
 * (s3:ListBucket); anyone else learns nothing and gets AccessDenied.
 */
export function missingKeyAnswer(err: unknown, grants: Grants, bucket: string): unknown {
  if (isS3Error(err) && err.code === 'NoSuchKey' && !grants.allowed({ action: 's3:ListBucket', bucket })) return new S3Error('AccessDenied');
  return err;
}

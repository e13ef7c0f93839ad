/**
 * The source of CopyObject and UploadPartCopy: parsed once (params.ts), its
 * permission, and the object it names with the x-amz-copy-source-if-*
 * conditions judged (every failure is 412, as S3 answers).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectRecord } from '../core/objects.js';
import { S3Error } from '../errors/s3error.js';
import { evaluateConditions, readConditionsOf } from './headers.js';
import type { OpContext, Permission } from './operation.js';
import type { CopySource } from './params.js';

/** Reading the source: s3:GetObject, or s3:GetObjectVersion for a version. */
export function copySourcePermission(src: CopySource): Permission {
  return src.versionId === undefined
    ? { action: 's3:GetObject', bucket: src.bucket, key: src.key }
    : { action: 's3:GetObjectVersion', bucket: src.bucket, key: src.key, conditions: { 's3:VersionId': src.versionId } };
}

export function resolveCopySource(ctx: OpContext, src: CopySource, h: IncomingHttpHeaders): ObjectRecord {
  const b = ctx.services.buckets.get(src.bucket);
  if (!b) throw new S3Error('NoSuchBucket', undefined, { BucketName: src.bucket });
  let obj: ObjectRecord | undefined;
  if (src.versionId !== undefined) {
    obj = ctx.services.objects.version(b, src.key, src.versionId);
    if (!obj) throw new S3Error('NoSuchVersion', undefined, { Key: src.key, VersionId: src.versionId });
    if (obj.deleteMarker) throw new S3Error('InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.');
  } else {
    obj = ctx.services.objects.current(b, src.key);
    if (!obj) throw new S3Error('NoSuchKey', undefined, { Key: src.key });
  }
  if (evaluateConditions(readConditionsOf(h, 'x-amz-copy-source-'), obj.etag, obj.lastModified) !== 'ok') {
    throw new S3Error('PreconditionFailed', undefined, { Condition: 'x-amz-copy-source-if-*' });
  }
  return obj;
}

/** Is the source's bucket versioned (then answers carry x-amz-copy-source-version-id)? */
export function sourceVersioned(ctx: OpContext, src: CopySource): boolean {
  return ctx.services.buckets.get(src.bucket)?.versioning !== undefined;
}

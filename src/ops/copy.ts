import { Readable } from 'node:stream';
import { S3Error } from '../errors/s3error.js';
import { decodePath } from '../http/request.js';
import type { ObjectRecord } from '../store/objects.js';
import { isoDate, toXml } from '../xml/xml.js';
import { evaluateConditions, header, requireBucket, requireKey } from './common.js';
import { commitObject, metadataOf, refuseEncryption, storageClassOf } from './write.js';
import type { AppContext } from '../context.js';
import { openObject } from './read.js';
import { lockForWrite } from './lock.js';
import { VERSION_ID_RE, checkWriteConditions, writeConditions } from './objects.js';
import type { Operation, OpRequest } from './types.js';

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

/** Parses x-amz-copy-source: `[/]bucket/key[?versionId=id]`, URL-encoded. */
export function parseCopySource(v: string | undefined): CopySource {
  if (v === undefined || v === '') throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
  let raw = v.trim();
  let versionId: string | undefined;
  const qi = raw.indexOf('?');
  if (qi >= 0) {
    const q = new URLSearchParams(raw.slice(qi + 1));
    versionId = q.get('versionId') ?? undefined;
    raw = raw.slice(0, qi);
  }
  if (raw.startsWith('/')) raw = raw.slice(1);
  const decoded = decodePath(raw);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source', ArgumentValue: v });
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId };
}

/** Reads the copy source object and checks the x-amz-copy-source-if-* conditions (all failures are 412). */
export function resolveCopySource(ctx: AppContext, r: OpRequest): { src: CopySource; obj: ObjectRecord } {
  const src = parseCopySource(header(r.headers, 'x-amz-copy-source'));
  const b = ctx.buckets.get(src.bucket);
  if (!b) throw new S3Error('NoSuchBucket', undefined, { BucketName: src.bucket });
  let obj: ObjectRecord | undefined;
  if (src.versionId !== undefined) {
    if (!VERSION_ID_RE.test(src.versionId)) throw new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'x-amz-copy-source', ArgumentValue: src.versionId });
    obj = ctx.objects.version(b.id, src.key, src.versionId);
    if (!obj) throw new S3Error('NoSuchVersion', undefined, { Key: src.key, VersionId: src.versionId });
    if (obj.deleteMarker) throw new S3Error('InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.');
  } else {
    obj = ctx.objects.get(b.id, src.key);
    if (!obj) throw new S3Error('NoSuchKey', undefined, { Key: src.key });
  }
  const cond = evaluateConditions(
    {
      ifMatch: header(r.headers, 'x-amz-copy-source-if-match'),
      ifNoneMatch: header(r.headers, 'x-amz-copy-source-if-none-match'),
      ifModifiedSince: header(r.headers, 'x-amz-copy-source-if-modified-since'),
      ifUnmodifiedSince: header(r.headers, 'x-amz-copy-source-if-unmodified-since'),
    },
    obj.etag,
    obj.lastModified,
  );
  if (cond !== 'ok') throw new S3Error('PreconditionFailed', undefined, { Condition: 'x-amz-copy-source-if-*' });
  return { src, obj };
}

const MAX_COPY = 5 * 1024 ** 3;

export const CopyObject: Operation = {
  name: 'CopyObject',
  checks(r) {
    let src: CopySource | undefined;
    try {
      src = parseCopySource(header(r.headers, 'x-amz-copy-source'));
    } catch {
      src = undefined;
    }
    const checks = [{ action: 's3:PutObject', bucket: r.target.bucket, key: r.target.key }];
    if (src) checks.push({ action: 's3:GetObject', bucket: src.bucket, key: src.key });
    return checks;
  },
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const key = requireKey(r);
    refuseEncryption(r.headers);
    const directive = (header(r.headers, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
    if (directive !== 'COPY' && directive !== 'REPLACE') {
      throw new S3Error('InvalidArgument', 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
    }
    const conditional = writeConditions(r);
    const { src, obj } = resolveCopySource(ctx, r);
    if (conditional) checkWriteConditions(conditional, ctx.objects.get(bucket.id, key), key);
    const storageClassHeader = header(r.headers, 'x-amz-storage-class');
    const storageClass = storageClassOf(r.headers);
    if (src.bucket === bucket.name && src.key === key && directive !== 'REPLACE' && storageClassHeader === undefined) {
      throw new S3Error(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    if (obj.size > MAX_COPY) {
      throw new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY}`);
    }
    const md = directive === 'REPLACE' ? metadataOf(r.headers) : { headers: obj.headers, meta: obj.meta };
    // Checked before staging: a refused lock header must not leave a staged copy behind.
    const lock = lockForWrite(ctx, bucket, r.headers);
    let staged;
    let etag = obj.etag;
    if (obj.partsCount) {
      // A multipart source: the copy is a single-part object whose ETag is the MD5 of its bytes.
      const stream = obj.size === 0 ? Readable.from([]) : await openObject(ctx, obj, 0, obj.size - 1);
      if (!stream) throw new S3Error('InternalError', 'The copy source data could not be read.');
      staged = await ctx.blobs.stage(stream, { maxSize: MAX_COPY });
      etag = staged.md5!.toString('hex');
    } else {
      staged = await ctx.blobs.stageCopy(obj.blobId, obj.size);
    }
    const now = ctx.clock();
    const versionId = await commitObject(ctx, staged, {
      bucketId: bucket.id,
      key,
      size: obj.size,
      etag,
      lastModified: now,
      ownerId: r.auth.identity!.user.id,
      storageClass,
      headers: md.headers,
      meta: md.meta,
      checksumAlgorithm: obj.checksum?.includes('-') ? undefined : obj.checksumAlgorithm,
      checksum: obj.checksum?.includes('-') ? undefined : obj.checksum,
      lockMode: lock?.mode,
      lockUntil: lock?.until,
      legalHold: lock?.legalHold,
    }, conditional ? (cur) => checkWriteConditions(conditional, cur, key) : undefined, bucket.versioning);
    const srcBucket = ctx.buckets.get(src.bucket);
    const result: Record<string, string | undefined> = { ETag: `"${etag}"`, LastModified: isoDate(now) };
    if (obj.checksumAlgorithm && obj.checksum && !obj.checksum.includes('-')) result[`Checksum${obj.checksumAlgorithm}`] = obj.checksum;
    return {
      xml: toXml('CopyObjectResult', result),
      bytes: obj.size,
      headers: {
        'x-amz-version-id': bucket.versioning ? versionId : undefined,
        'x-amz-copy-source-version-id': srcBucket?.versioning ? obj.versionId : undefined,
      },
    };
  },
};

import { S3Error } from '../../errors/s3error.js';
import { isoDate } from '../../xml/xml.js';
import { copySourcePermission, resolveCopySource, sourceVersioned } from '../copySource.js';
import { writeConditionKeys } from '../conditionKeys.js';
import { checksumElement } from '../documents.js';
import { lockRequestOf, metadataOf, quoteEtag, refuseEncryption, storageClassOf, writeConditionsOf } from '../headers.js';
import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { copySourceOf, header, requireBucketName, requireKey } from '../params.js';

const MAX_COPY = 5 * 1024 ** 3;

/** CopyObject: a new version from an existing object (same or another bucket), through the one write path. */
export const CopyObject = operation({
  name: 'CopyObject',
  body: { kind: 'none' },
  parse(req) {
    const bucket = requireBucketName(req.target.bucket);
    const key = requireKey(req.target.key);
    refuseEncryption(req.headers);
    const directive = (header(req.headers, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
    if (directive !== 'COPY' && directive !== 'REPLACE') {
      throw new S3Error('InvalidArgument', 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
    }
    return {
      bucket,
      key,
      source: copySourceOf(req.headers),
      directive,
      metadata: directive === 'REPLACE' ? metadataOf(req.headers) : undefined,
      storageClassSent: header(req.headers, 'x-amz-storage-class') !== undefined,
      storageClass: storageClassOf(req.headers),
      conditions: writeConditionsOf(req.headers),
      lock: lockRequestOf(req.headers),
    };
  },
  permissions: (i, req) => [
    {
      action: 's3:PutObject',
      bucket: i.bucket,
      key: i.key,
      conditions: {
        ...writeConditionKeys(req.headers, i.lock),
        's3:x-amz-copy-source': `${i.source.bucket}/${i.source.key}`,
        // As sent: absent when the request has no x-amz-metadata-directive (S3 then copies the metadata).
        's3:x-amz-metadata-directive': header(req.headers, 'x-amz-metadata-directive'),
      },
    },
    copySourcePermission(i.source),
  ],
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const objects = ctx.services.objects;
    const obj = resolveCopySource(ctx, i.source, req.headers);
    objects.precheck(bucket, i.key, i.conditions);
    // Copying a named version onto its own key is how S3 restores an old version; only a copy of the current object
    // onto itself that changes nothing is refused.
    if (i.source.bucket === bucket.name && i.source.key === i.key && i.source.versionId === undefined && i.directive !== 'REPLACE' && !i.storageClassSent) {
      throw new S3Error(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    if (obj.size > MAX_COPY)
      throw new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY}`);
    const md = i.metadata ?? { headers: obj.headers, meta: obj.meta };
    // A composite (multipart) checksum describes the source's parts, not the copy: it is not carried over.
    const checksum = obj.checksum?.includes('-') ? undefined : obj.checksum;
    // A multipart source becomes a single-part object whose ETag is the MD5 of its bytes; a single-part one is cloned.
    const staged = await objects.stageCopy(obj, { maxSize: MAX_COPY, md5: obj.partsCount ? true : false });
    const { record, versionId } = await objects.write({
      bucket,
      key: i.key,
      staged,
      spec: {
        ownerId: req.principal!.account.id,
        storageClass: i.storageClass,
        headers: md.headers,
        meta: md.meta,
        checksumAlgorithm: checksum ? (obj.checksumAlgorithm as never) : undefined,
        checksum,
        etag: obj.partsCount ? undefined : obj.etag,
        lock: i.lock,
      },
      conditions: i.conditions,
    });
    const result: Record<string, string> = { ETag: quoteEtag(record.etag), LastModified: isoDate(record.lastModified) };
    if (obj.checksumAlgorithm && checksum) result[checksumElement(obj.checksumAlgorithm)] = checksum;
    return {
      xml: { root: 'CopyObjectResult', body: result },
      bytes: obj.size,
      headers: {
        'x-amz-version-id': versionId,
        'x-amz-copy-source-version-id': sourceVersioned(ctx, i.source) ? obj.versionId : undefined,
      },
      events: [{ name: 'ObjectCreated:Copy', bucket: bucket.name, key: i.key, versionId, size: record.size, etag: record.etag }],
    };
  },
});

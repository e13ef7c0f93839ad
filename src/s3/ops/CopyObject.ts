import { S3Error } from '../../errors/s3error.js';
import { isoDate } from '../../xml/xml.js';
import { copySourcePermission, resolveCopySource, sourceVersioned } from '../copySource.js';
import { aclConditionKeys, newObjectAcl, writeAclPermissions } from '../acls.js';
import { writeConditionKeys } from '../conditionKeys.js';
import { checksumElement } from '../documents.js';
import type { EncryptAs } from '../../core/objects.js';
import { checkWebsiteRedirect, lockRequestOf, metadataOf, quoteEtag, storageClassOf, WEBSITE_REDIRECT, writeConditionsOf } from '../headers.js';
import { checkReadKey, customerKeyOf, sseConditionKeys, sseHeaders, withBucketDefault, writeSseOf } from '../sse.js';
import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { copySourceOf, header, requireBucketName, requireKey } from '../params.js';
import { requestTagKeys, taggingOf, taggingPermission } from '../tags.js';
import { noticeOf } from '../events.js';

const MAX_COPY = 5 * 1024 ** 3;

function websiteRedirectOf(h: Parameters<typeof header>[0]): string | undefined {
  const v = header(h, WEBSITE_REDIRECT);
  if (v !== undefined) checkWebsiteRedirect(v);
  return v;
}

/** CopyObject: a new version from an existing object (same or another bucket), through the one write path. */
export const CopyObject = operation({
  name: 'CopyObject',
  body: { kind: 'none' },
  parse(req) {
    const bucket = requireBucketName(req.target.bucket);
    const key = requireKey(req.target.key);
    const directive = (header(req.headers, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
    if (directive !== 'COPY' && directive !== 'REPLACE') {
      throw new S3Error('InvalidArgument', 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
    }
    const tagDirective = (header(req.headers, 'x-amz-tagging-directive') ?? 'COPY').toUpperCase();
    if (tagDirective !== 'COPY' && tagDirective !== 'REPLACE') {
      throw new S3Error('InvalidArgument', 'Unknown tag directive.', { ArgumentName: 'x-amz-tagging-directive', ArgumentValue: tagDirective });
    }
    // With COPY (the default) the source's tags are copied and an x-amz-tagging header is ignored, as S3 does.
    const tags = tagDirective === 'REPLACE' ? (taggingOf(req.headers) ?? []) : undefined;
    return {
      bucket,
      key,
      tagDirective,
      tags,
      source: copySourceOf(req.headers),
      directive,
      metadata: directive === 'REPLACE' ? metadataOf(req.headers) : undefined,
      // Never copied from the source (AWS): the request's own, whatever the directive.
      websiteRedirect: websiteRedirectOf(req.headers),
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
        ...aclConditionKeys(req.headers),
        ...sseConditionKeys(req.headers),
        's3:x-amz-copy-source': `${i.source.bucket}/${i.source.key}`,
        // As sent: absent when the request has no x-amz-metadata-directive (S3 then copies the metadata).
        's3:x-amz-metadata-directive': header(req.headers, 'x-amz-metadata-directive'),
        ...requestTagKeys(i.tags),
      },
    },
    copySourcePermission(i.source),
    ...writeAclPermissions(i.bucket, i.key, req.headers),
    ...taggingPermission(i),
  ],
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const objects = ctx.services.objects;
    const asked = writeSseOf(ctx, req.headers, req.secure);
    const sourceKey = customerKeyOf(ctx, req.headers, req.secure, true);
    const obj = resolveCopySource(ctx, i.source, req.headers);
    checkReadKey(ctx, obj, sourceKey);
    objects.precheck(bucket, i.key, i.conditions);
    const owned = newObjectAcl(ctx, bucket, req.principal, req.headers);
    // Copying a named version onto its own key is how S3 restores an old version; only a copy of the current object
    // onto itself that changes nothing (metadata, storage class, website redirect location) is refused.
    if (
      i.source.bucket === bucket.name &&
      i.source.key === i.key &&
      i.source.versionId === undefined &&
      i.directive !== 'REPLACE' &&
      !i.storageClassSent &&
      i.websiteRedirect === undefined &&
      asked === undefined
    ) {
      throw new S3Error(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    if (obj.size > MAX_COPY)
      throw new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_COPY}`);
    const md = i.metadata ?? { headers: { ...obj.headers, [WEBSITE_REDIRECT]: i.websiteRedirect }, meta: obj.meta };
    if (md.headers[WEBSITE_REDIRECT] === undefined) delete md.headers[WEBSITE_REDIRECT];
    // A composite (multipart) checksum describes the source's parts, not the copy: it is not carried over.
    const checksum = obj.checksum?.includes('-') ? undefined : obj.checksum;
    objects.quotaPrecheck(bucket, i.key, obj.size);
    // The copy is encrypted as asked, or as the bucket's default says (not as its source was).
    const sse = withBucketDefault(ctx, bucket, asked);
    const sourceDk = obj.encryption ? objects.dataKey(obj.encryption, sourceKey) : undefined;
    let encrypt: EncryptAs | undefined;
    if (sse) encrypt = { dataKey: sourceDk && !obj.partsCount ? objects.rewrap(sourceDk, sse) : objects.newDataKey(sse), partNumber: 0 };
    // A single-part source whose bytes can stay as they are (both plaintext, or the same data key rewrapped) is cloned
    // when its ETag can be told without reading it; anything else (a multipart source too) is read, hashed and re-encrypted.
    let cloneEtag: string | undefined;
    if (!obj.partsCount) {
      if (!obj.encryption && !encrypt) cloneEtag = obj.etag;
      else if (obj.encryption && encrypt && encrypt.dataKey.record.oid === obj.encryption.oid) {
        const srcMd5 = obj.encryption.mode === 'AES256';
        const dstMd5 = encrypt.dataKey.record.mode === 'AES256';
        if (srcMd5 === dstMd5) cloneEtag = obj.etag;
        else if (srcMd5) cloneEtag = objects.etagUnder(encrypt.dataKey, Buffer.from(obj.etag, 'hex'));
      }
    }
    const staged = await objects.stageCopy(obj, { maxSize: MAX_COPY, md5: cloneEtag === undefined, sourceKey, encrypt });
    const { record, versionId } = await objects.write({
      bucket,
      key: i.key,
      staged,
      spec: {
        ownerId: owned.ownerId,
        acl: owned.acl,
        storageClass: i.storageClass,
        headers: md.headers,
        meta: md.meta,
        checksumAlgorithm: checksum ? (obj.checksumAlgorithm as never) : undefined,
        checksum,
        etag: cloneEtag,
        lock: i.lock,
        tags: i.tags ?? obj.tags,
      },
      conditions: i.conditions,
      notice: noticeOf(req, 'ObjectCreated:Copy'),
    });
    const result: Record<string, string> = { ETag: quoteEtag(record.etag), LastModified: isoDate(record.lastModified) };
    if (obj.checksumAlgorithm && checksum) result[checksumElement(obj.checksumAlgorithm)] = checksum;
    return {
      xml: { root: 'CopyObjectResult', body: result },
      bytes: obj.size,
      headers: {
        'x-amz-version-id': versionId,
        'x-amz-copy-source-version-id': sourceVersioned(ctx, i.source) ? obj.versionId : undefined,
        ...sseHeaders(ctx, bucket, record.encryption, true),
      },
      events: [{ name: 'ObjectCreated:Copy', bucket: bucket.name, key: i.key, versionId, size: record.size, etag: record.etag }],
    };
  },
});

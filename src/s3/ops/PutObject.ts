import { S3Error } from '../../errors/s3error.js';
import { checksumHeaders, lockRequestOf, metadataOf, quoteEtag, storageClassOf, writeConditionsOf } from '../headers.js';
import { aclConditionKeys, newObjectAcl, writeAclPermissions } from '../acls.js';
import { sseConditionKeys, sseHeaders, withBucketDefault, writeSseOf } from '../sse.js';
import { writeConditionKeys } from '../conditionKeys.js';
import { expirationOf } from '../expiration.js';
import { integrityPlan, verifyIntegrity } from '../integrity.js';
import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { requireBucketName, requireKey } from '../params.js';
import { requestTagKeys, taggingOf, taggingPermission } from '../tags.js';
import { noticeOf } from '../events.js';

export const PutObject = operation({
  name: 'PutObject',
  body: { kind: 'stream' },
  parse(req) {
    const bucket = requireBucketName(req.target.bucket);
    const key = requireKey(req.target.key);
    const plan = integrityPlan(req.headers, req.trailerNames);
    const len = req.contentLength;
    // A body without Content-Length must be chunked (Transfer-Encoding): its size is learnt as it streams.
    if (len === undefined && req.headers['transfer-encoding'] === undefined) throw new S3Error('MissingContentLength');
    return {
      bucket,
      key,
      plan,
      len,
      ...metadataOf(req.headers),
      storageClass: storageClassOf(req.headers),
      conditions: writeConditionsOf(req.headers),
      lock: lockRequestOf(req.headers),
      tags: taggingOf(req.headers),
    };
  },
  permissions: (i, req) => [
    {
      action: 's3:PutObject',
      bucket: i.bucket,
      key: i.key,
      conditions: { ...writeConditionKeys(req.headers, i.lock), ...aclConditionKeys(req.headers), ...requestTagKeys(i.tags), ...sseConditionKeys(req.headers) },
    },
    ...writeAclPermissions(i.bucket, i.key, req.headers),
    ...taggingPermission(i),
  ],
  async run(ctx, i, req) {
    const maxSize = ctx.config.maxPutObjectSize;
    if (i.len !== undefined && i.len > maxSize)
      throw new S3Error('EntityTooLarge', undefined, { ProposedSize: String(i.len), MaxSizeAllowed: String(maxSize) });
    const bucket = requireBucket(ctx, i.bucket);
    const objects = ctx.services.objects;
    const sse = withBucketDefault(ctx, bucket, writeSseOf(ctx, req.headers, req.secure));
    objects.precheck(bucket, i.key, i.conditions);
    const owned = newObjectAcl(ctx, bucket, req.principal, req.headers);
    objects.quotaPrecheck(bucket, i.key, i.len ?? 0);
    if (objects.retentionApplies(bucket, i.lock) && i.plan.md5 === undefined && i.plan.algorithm === undefined) {
      throw new S3Error('InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters');
    }
    const encrypt = sse ? { dataKey: objects.newDataKey(sse), partNumber: 0 } : undefined;
    const staged = await objects.stage(req.body(), { maxSize, checksum: i.plan.algorithm, expectedSize: i.len ?? Infinity, encrypt });
    let checksum: string | undefined;
    try {
      checksum = verifyIntegrity(i.plan, staged, req.trailers());
    } catch (e) {
      await staged.discard();
      throw e;
    }
    const { record, versionId } = await objects.write({
      bucket,
      key: i.key,
      staged,
      spec: {
        ownerId: owned.ownerId,
        acl: owned.acl,
        storageClass: i.storageClass,
        headers: i.headers,
        meta: i.meta,
        checksumAlgorithm: i.plan.algorithm,
        checksum,
        lock: i.lock,
        tags: i.tags,
      },
      conditions: i.conditions,
      notice: noticeOf(req, 'ObjectCreated:Put'),
    });
    return {
      headers: {
        etag: quoteEtag(record.etag),
        'x-amz-version-id': versionId,
        ...(checksum ? checksumHeaders(i.plan.algorithm, checksum, 'FULL_OBJECT') : {}),
        'x-amz-storage-class': i.storageClass !== 'STANDARD' ? i.storageClass : undefined,
        'x-amz-expiration': expirationOf(ctx, bucket, record),
        ...sseHeaders(ctx, bucket, record.encryption, true),
      },
      bytes: record.size,
      events: [{ name: 'ObjectCreated:Put', bucket: bucket.name, key: i.key, versionId, size: record.size, etag: record.etag }],
    };
  },
});

import type { ChecksumType } from '../../core/uploads.js';
import { parseChecksumAlgorithm } from '../../digest/checksums.js';
import { S3Error } from '../../errors/s3error.js';
import { aclConditionKeys, newObjectAcl, writeAclPermissions } from '../acls.js';
import { writeConditionKeys } from '../conditionKeys.js';
import { lockRequestOf, metadataOf, storageClassOf } from '../headers.js';
import { sseConditionKeys, sseHeaders, withBucketDefault, writeSseOf } from '../sse.js';
import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { header, requireBucketName, requireKey } from '../params.js';
import { requestTagKeys, taggingOf, taggingPermission } from '../tags.js';

export const CreateMultipartUpload = operation({
  name: 'CreateMultipartUpload',
  body: { kind: 'none' },
  parse(req) {
    const bucket = requireBucketName(req.target.bucket);
    const key = requireKey(req.target.key);
    const md = metadataOf(req.headers);
    const storageClass = storageClassOf(req.headers);
    const algoRaw = header(req.headers, 'x-amz-checksum-algorithm');
    const algorithm = algoRaw === undefined ? undefined : parseChecksumAlgorithm(algoRaw);
    if (algoRaw !== undefined && !algorithm) {
      throw new S3Error(
        'InvalidRequest',
        'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]',
      );
    }
    const typeRaw = header(req.headers, 'x-amz-checksum-type')?.toUpperCase();
    if (typeRaw !== undefined && typeRaw !== 'COMPOSITE' && typeRaw !== 'FULL_OBJECT')
      throw new S3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.');
    if (typeRaw && !algorithm) throw new S3Error('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    let type: ChecksumType | undefined;
    if (algorithm) {
      type = (typeRaw as ChecksumType | undefined) ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
      if (type === 'FULL_OBJECT' && (algorithm === 'SHA1' || algorithm === 'SHA256')) {
        throw new S3Error('InvalidRequest', `The ${algorithm} checksum algorithm does not support the FULL_OBJECT checksum type.`);
      }
      if (type === 'COMPOSITE' && algorithm === 'CRC64NVME')
        throw new S3Error('InvalidRequest', 'The CRC64NVME checksum algorithm does not support the COMPOSITE checksum type.');
    }
    return { bucket, key, ...md, storageClass, algorithm, type, lock: lockRequestOf(req.headers), tags: taggingOf(req.headers) };
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
    const bucket = requireBucket(ctx, i.bucket);
    // The owner and ACL the object gets are settled now and applied when the upload completes.
    const owned = newObjectAcl(ctx, bucket, req.principal, req.headers);
    // An upload that could never complete within the bucket's quota (no room for one more object) is refused now.
    ctx.services.objects.quotaPrecheck(bucket, i.key, 0);
    const sse = withBucketDefault(ctx, bucket, writeSseOf(ctx, req.headers, req.secure));
    const encryption = sse ? ctx.services.objects.newDataKey(sse).record : undefined;
    const id = await ctx.services.uploads.create(bucket, i.key, {
      ownerId: req.principal?.account.id ?? bucket.ownerId,
      storageClass: i.storageClass,
      headers: i.headers,
      meta: i.meta,
      checksumAlgorithm: i.algorithm,
      checksumType: i.type,
      lock: i.lock,
      objectOwnerId: owned.ownerId,
      acl: owned.acl,
      tags: i.tags,
      encryption,
    });
    return {
      headers: { 'x-amz-checksum-algorithm': i.algorithm, 'x-amz-checksum-type': i.type, ...sseHeaders(ctx, bucket, encryption, true) },
      xml: { root: 'InitiateMultipartUploadResult', body: { Bucket: bucket.name, Key: i.key, UploadId: id } },
    };
  },
});

import type { ChecksumAlgorithm } from '../../digest/checksums.js';
import { MAX_PART_SIZE } from '../../core/uploads.js';
import { S3Error } from '../../errors/s3error.js';
import { isoDate, type XmlObject } from '../../xml/xml.js';
import { copySourcePermission, resolveCopySource, sourceVersioned } from '../copySource.js';
import { checksumElement } from '../documents.js';
import { quoteEtag } from '../headers.js';
import { checkReadKey, customerKeyOf, partDataKey, sseHeaders } from '../sse.js';
import { requireBucket, requireUpload } from '../lookup.js';
import { operation } from '../operation.js';
import { copySourceOf, header, requireBucketName, requireKey, requirePartNumber, uploadIdOf } from '../params.js';

/** UploadPartCopy: a part from a byte range of an existing object. */
export const UploadPartCopy = operation({
  name: 'UploadPartCopy',
  body: { kind: 'none' },
  parse(req) {
    const q = req.target.query;
    return {
      bucket: requireBucketName(req.target.bucket),
      key: requireKey(req.target.key),
      partNumber: requirePartNumber(q),
      uploadId: uploadIdOf(q),
      source: copySourceOf(req.headers),
      range: header(req.headers, 'x-amz-copy-source-range'),
    };
  },
  permissions: (i) => [
    { action: 's3:PutObject', bucket: i.bucket, key: i.key, conditions: { 's3:x-amz-copy-source': `${i.source.bucket}/${i.source.key}` } },
    copySourcePermission(i.source),
  ],
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const u = requireUpload(ctx, bucket, i.key, i.uploadId);
    const dk = partDataKey(ctx, u, req);
    const sourceKey = customerKeyOf(ctx, req.headers, req.secure, true);
    const obj = resolveCopySource(ctx, i.source, req.headers);
    checkReadKey(ctx, obj, sourceKey);
    let start = 0;
    let end = obj.size - 1;
    if (i.range !== undefined) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(i.range.trim());
      if (!m) {
        throw new S3Error(
          'InvalidArgument',
          'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
          { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: i.range },
        );
      }
      start = Number(m[1]);
      end = Number(m[2]);
      if (start > end || end >= obj.size) {
        throw new S3Error('InvalidArgument', `Range specified is not valid for source object of size: ${obj.size}`, {
          ArgumentName: 'x-amz-copy-source-range',
          ArgumentValue: i.range,
        });
      }
    }
    if (end - start + 1 > MAX_PART_SIZE)
      throw new S3Error('EntityTooLarge', undefined, { ProposedSize: String(end - start + 1), MaxSizeAllowed: String(MAX_PART_SIZE) });
    const algo = u.checksumAlgorithm as ChecksumAlgorithm | undefined;
    const encrypt = dk ? { dataKey: dk, partNumber: i.partNumber } : undefined;
    const staged = await ctx.services.objects.stageCopy(obj, { maxSize: MAX_PART_SIZE, checksum: algo, start, end, sourceKey, encrypt });
    const checksum = staged.checksum?.toString('base64');
    const part = await ctx.services.uploads.putPart(u, i.partNumber, staged, checksum);
    const result: XmlObject = { ETag: quoteEtag(part.etag), LastModified: isoDate(part.lastModified) };
    if (algo && checksum) result[checksumElement(algo)] = checksum;
    return {
      xml: { root: 'CopyPartResult', body: result },
      bytes: part.size,
      headers: { 'x-amz-copy-source-version-id': sourceVersioned(ctx, i.source) ? obj.versionId : undefined, ...sseHeaders(ctx, bucket, u.encryption) },
    };
  },
});

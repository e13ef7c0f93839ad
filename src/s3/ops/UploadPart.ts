import type { ChecksumAlgorithm } from '../../digest/checksums.js';
import { MAX_PART_SIZE } from '../../core/uploads.js';
import { CHECKSUM_HEADER } from '../../digest/checksums.js';
import { S3Error } from '../../errors/s3error.js';
import { quoteEtag } from '../headers.js';
import { partDataKey, sseHeaders } from '../sse.js';
import { integrityPlan, verifyIntegrity } from '../integrity.js';
import { requireBucket, requireUpload } from '../lookup.js';
import { operation } from '../operation.js';
import { requireBucketName, requireKey, requirePartNumber, uploadIdOf } from '../params.js';

export const UploadPart = operation({
  name: 'UploadPart',
  body: { kind: 'stream' },
  parse(req) {
    const q = req.target.query;
    return {
      bucket: requireBucketName(req.target.bucket),
      key: requireKey(req.target.key),
      partNumber: requirePartNumber(q),
      uploadId: uploadIdOf(q),
      len: req.contentLength,
      chunked: req.headers['transfer-encoding'] !== undefined,
    };
  },
  permissions: (i) => [{ action: 's3:PutObject', bucket: i.bucket, key: i.key }],
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const u = requireUpload(ctx, bucket, i.key, i.uploadId);
    const plan = integrityPlan(req.headers, req.trailerNames);
    const uploadAlgo = u.checksumAlgorithm as ChecksumAlgorithm | undefined;
    if (uploadAlgo && plan.algorithm && plan.algorithm !== uploadAlgo) {
      throw new S3Error(
        'InvalidRequest',
        `Checksum Type mismatch occurred, expected checksum Type: ${uploadAlgo.toLowerCase()}, actual checksum Type: ${plan.algorithm.toLowerCase()}`,
      );
    }
    if (i.len === undefined && !i.chunked) throw new S3Error('MissingContentLength');
    if (i.len !== undefined && i.len > MAX_PART_SIZE)
      throw new S3Error('EntityTooLarge', undefined, { ProposedSize: String(i.len), MaxSizeAllowed: String(MAX_PART_SIZE) });
    const algo = plan.algorithm ?? uploadAlgo;
    ctx.services.quotas.precheck(bucket, i.len ?? 0, 0);
    const uploads = ctx.services.uploads;
    const dk = partDataKey(ctx, u, req);
    const encrypt = dk ? { dataKey: dk, partNumber: i.partNumber } : undefined;
    const staged = await ctx.services.objects.stage(req.body(), { maxSize: MAX_PART_SIZE, checksum: algo, expectedSize: i.len ?? Infinity, encrypt });
    let checksum: string | undefined;
    try {
      checksum = verifyIntegrity(plan, staged, req.trailers()) ?? staged.checksum?.toString('base64');
    } catch (e) {
      await staged.discard();
      throw e;
    }
    const part = await uploads.putPart(u, i.partNumber, staged, checksum, bucket.name);
    const h: Record<string, string | number | undefined> = { etag: quoteEtag(part.etag), ...sseHeaders(ctx, bucket, u.encryption) };
    if (algo && checksum) h[CHECKSUM_HEADER[algo]] = checksum;
    return { headers: h, bytes: part.size };
  },
});

import { requireBucket, requireUpload } from '../lookup.js';
import { operation } from '../operation.js';
import { requireBucketName, requireKey, uploadIdOf } from '../params.js';

export const AbortMultipartUpload = operation({
  name: 'AbortMultipartUpload',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket), key: requireKey(req.target.key), uploadId: uploadIdOf(req.target.query) }),
  permissions: (i) => [{ action: 's3:AbortMultipartUpload', bucket: i.bucket, key: i.key }],
  async run(ctx, i) {
    const bucket = requireBucket(ctx, i.bucket);
    await ctx.services.uploads.abort(requireUpload(ctx, bucket, i.key, i.uploadId));
    return { status: 204 };
  },
});

import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { requireBucketName } from '../params.js';

export const DeleteBucket = operation({
  name: 'DeleteBucket',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket) }),
  permissions: (input) => [{ action: 's3:DeleteBucket', bucket: input.bucket }],
  async run(ctx, input) {
    await ctx.services.buckets.delete(requireBucket(ctx, input.bucket));
    return { status: 204 };
  },
});

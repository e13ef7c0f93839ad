import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { requireBucketName } from '../params.js';

export const HeadBucket = operation({
  name: 'HeadBucket',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket) }),
  permissions: (input) => [{ action: 's3:ListBucket', bucket: input.bucket }],
  async run(ctx, input) {
    const b = requireBucket(ctx, input.bucket);
    return { headers: { 'x-amz-bucket-region': b.region, 'x-amz-access-point-alias': 'false' } };
  },
});

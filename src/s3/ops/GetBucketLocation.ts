import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { requireBucketName } from '../params.js';

/** GetBucketLocation: an empty LocationConstraint for us-east-1, the region otherwise. */
export const GetBucketLocation = operation({
  name: 'GetBucketLocation',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket) }),
  permissions: (input) => [{ action: 's3:GetBucketLocation', bucket: input.bucket }],
  async run(ctx, input) {
    const b = requireBucket(ctx, input.bucket);
    return { xml: { root: 'LocationConstraint', body: {}, text: b.region === 'us-east-1' ? '' : b.region } };
  },
});

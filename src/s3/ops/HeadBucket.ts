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
    // The bucket's exact usage, and its quota when it has one, for whoever may list it (README "Quotas"; the console's bucket list).
    const q = ctx.services.quotas.quota(b);
    const u = ctx.services.quotas.usage(b);
    return {
      headers: {
        'x-amz-bucket-region': b.region,
        'x-amz-access-point-alias': 'false',
        'x-cairn-quota-max-size': q?.maxBytes,
        'x-cairn-quota-max-objects': q?.maxObjects,
        'x-cairn-usage-bytes': u.bytes,
        'x-cairn-usage-objects': u.objects,
      },
    };
  },
});

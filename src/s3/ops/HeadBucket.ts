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
    // A bucket with a quota shows it, and its exact usage, to whoever may list it (README "Quotas").
    const q = ctx.services.quotas.quota(b);
    const u = q ? ctx.services.quotas.usage(b) : undefined;
    return {
      headers: {
        'x-amz-bucket-region': b.region,
        'x-amz-access-point-alias': 'false',
        'x-cairn-quota-max-size': q?.maxBytes,
        'x-cairn-quota-max-objects': q?.maxObjects,
        'x-cairn-usage-bytes': u?.bytes,
        'x-cairn-usage-objects': u?.objects,
      },
    };
  },
});

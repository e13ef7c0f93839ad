import { S3Error } from '../../errors/s3error.js';
import { bucketConfig } from '../bucket-config.js';
import { oneOf } from '../configShapes.js';

/**
 * Transfer Acceleration: a state only (Cairn has no edge network; the
 * setting is kept so tools that manage it read back what they wrote). A
 * bucket never configured answers an empty document, as S3 does.
 */
export const bucketAccelerate = bucketConfig<{ status: 'Enabled' | 'Suspended' }>({
  kind: 'accelerate',
  names: { get: 'GetBucketAccelerateConfiguration', put: 'PutBucketAccelerateConfiguration' },
  actions: { get: 's3:GetAccelerateConfiguration', put: 's3:PutAccelerateConfiguration' },
  root: 'AccelerateConfiguration',
  integrity: 'verify',
  checkRequest(bucket) {
    if (bucket.includes('.')) throw new S3Error('InvalidRequest', 'S3 Transfer Acceleration is not supported for buckets with periods (.) in their names');
  },
  parse: (doc) => ({ status: oneOf(doc, 'Status', ['Enabled', 'Suspended'] as const, true)! }),
  render: (d) => ({ Status: d.status }),
  whenAbsent: {},
});

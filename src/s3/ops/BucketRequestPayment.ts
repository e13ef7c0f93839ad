import { bucketConfig } from '../bucket-config.js';
import { oneOf } from '../configShapes.js';

/**
 * Requester Pays: who pays is recorded, and with `Requester` the pipeline
 * makes requests from other accounts acknowledge it
 * (`x-amz-request-payer: requester`, see s3/requestPayment.ts). BucketOwner
 * is the default: stored as no configuration.
 */
export const bucketRequestPayment = bucketConfig<{ payer: 'Requester' }>({
  kind: 'requestPayment',
  names: { get: 'GetBucketRequestPayment', put: 'PutBucketRequestPayment' },
  actions: { get: 's3:GetBucketRequestPayment', put: 's3:PutBucketRequestPayment' },
  root: 'RequestPaymentConfiguration',
  integrity: 'required',
  parse: (doc) => ({ payer: oneOf(doc, 'Payer', ['BucketOwner', 'Requester'] as const, true)! as 'Requester' }),
  render: (d) => ({ Payer: d.payer }),
  whenAbsent: { Payer: 'BucketOwner' },
  isEmpty: (d) => (d.payer as string) === 'BucketOwner',
});

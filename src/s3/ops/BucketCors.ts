import { bucketConfig } from '../bucket-config.js';
import { CORS_KIND, CORS_LISTS, parseCors, renderCors, type CorsRule } from '../cors.js';

/** PutBucketCors, GetBucketCors, DeleteBucketCors: the rules preflights and Origin-carrying requests are matched against (src/s3/cors.ts). */
export const bucketCors = bucketConfig<CorsRule[]>({
  kind: CORS_KIND,
  names: { get: 'GetBucketCors', put: 'PutBucketCors', delete: 'DeleteBucketCors' },
  actions: { get: 's3:GetBucketCORS', put: 's3:PutBucketCORS', delete: 's3:PutBucketCORS' },
  root: 'CORSConfiguration',
  lists: CORS_LISTS,
  integrity: 'required',
  parse: parseCors,
  render: renderCors,
  notFound: 'NoSuchCORSConfiguration',
});

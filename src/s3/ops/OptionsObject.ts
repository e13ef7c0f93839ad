import { bucketCorsRules, preflightHeaders } from '../cors.js';
import { operation } from '../operation.js';
import { header, requireBucketName } from '../params.js';

/**
 * A CORS preflight (OPTIONS on a bucket or object URL): answered from the
 * bucket's CORS configuration alone. It is never authenticated (a browser
 * sends no credentials, and a presigned URL's signature is for the actual
 * method) and needs no permission; the pipeline skips authentication for it.
 */
export const OptionsObject = operation({
  name: 'OptionsObject',
  body: { kind: 'none' },
  parse: (req) => ({
    bucket: requireBucketName(req.target.bucket),
    preflight: {
      origin: header(req.headers, 'origin'),
      method: header(req.headers, 'access-control-request-method'),
      headers: header(req.headers, 'access-control-request-headers'),
      object: req.target.key !== undefined,
    },
  }),
  permissions: () => [],
  async run(ctx, i) {
    return { status: 200, headers: preflightHeaders(bucketCorsRules(ctx, i.bucket), i.preflight) };
  },
});

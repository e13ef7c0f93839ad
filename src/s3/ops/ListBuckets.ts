import { S3Error } from '../../errors/s3error.js';
import { isoDate } from '../../xml/xml.js';
import { Owners } from '../documents.js';
import { operation } from '../operation.js';

/** ListBuckets: the caller's account's buckets (every bucket for the instance administrator), paged by name, filtered by prefix and bucket-region. */
export const ListBuckets = operation({
  name: 'ListBuckets',
  body: { kind: 'none' },
  parse(req) {
    const q = req.target.query;
    let maxBuckets = 10000;
    if (q.has('max-buckets')) {
      const v = q.get('max-buckets')!;
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10000) {
        throw new S3Error('InvalidArgument', 'Argument max-buckets must be an integer between 1 and 10000', { ArgumentName: 'max-buckets', ArgumentValue: v });
      }
      maxBuckets = Number(v);
    }
    const token = q.get('continuation-token');
    return {
      prefix: q.get('prefix'),
      region: q.get('bucket-region'),
      maxBuckets,
      after: token === undefined ? '' : Buffer.from(token, 'base64url').toString('utf8'),
    };
  },
  permissions: () => [{ action: 's3:ListAllMyBuckets' }],
  async run(ctx, input, req, grants) {
    const prefix = input.prefix ?? '';
    const all = ctx.services.buckets
      .list(grants.listOwner)
      .filter((b) => b.name.startsWith(prefix) && b.name > input.after && (input.region === undefined || input.region === '' || b.region === input.region));
    const page = all.slice(0, input.maxBuckets);
    const truncated = all.length > input.maxBuckets;
    const owners = new Owners(ctx);
    return {
      xml: {
        root: 'ListAllMyBucketsResult',
        body: {
          Owner: req.principal ? owners.of(req.principal.account.id) : undefined,
          Buckets: { Bucket: page.map((b) => ({ Name: b.name, CreationDate: isoDate(b.createdAt), BucketRegion: b.region })) },
          ContinuationToken: truncated ? Buffer.from(page[page.length - 1]!.name, 'utf8').toString('base64url') : undefined,
          Prefix: input.prefix,
        },
      },
    };
  },
});

import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import { isoDate, parseXml, toXml } from '../xml/xml.js';
import { readSmallBody, requireBucket } from './common.js';
import type { Operation, OpRequest } from './types.js';

/** The AWS general-purpose bucket naming rules. Returns the reason a name is invalid, or undefined. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'Bucket names must be between 3 and 63 characters long.';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'Bucket names can consist only of lowercase letters, numbers, dots (.), and hyphens (-).';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'Bucket names must begin and end with a letter or number.';
  if (name.includes('..')) return 'Bucket names must not contain two adjacent periods.';
  // A label of a DNS name cannot start or end with a hyphen: `foo.-bar` and `foo-.bar` are refused.
  if (name.includes('.-') || name.includes('-.')) return 'Bucket names must not contain a period next to a hyphen.';
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return 'Bucket names must not be formatted as an IP address.';
  for (const p of ['xn--', 'sthree-', 'amzn-s3-demo-']) if (name.startsWith(p)) return `Bucket names must not start with the prefix "${p}".`;
  for (const s of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) if (name.endsWith(s)) return `Bucket names must not end with the suffix "${s}".`;
  return undefined;
}

function owner(ctx: AppContext, userId: number): { ID: string; DisplayName: string } {
  const u = ctx.users.get(userId);
  return { ID: u?.canonicalId ?? '', DisplayName: u?.name ?? '' };
}

export const ListBuckets: Operation = {
  name: 'ListBuckets',
  async run(ctx, r) {
    const user = r.auth.identity!.user;
    const q = r.target.query;
    const prefix = q.get('prefix') ?? '';
    let max = 10000;
    if (q.has('max-buckets')) {
      const v = q.get('max-buckets')!;
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10000) throw new S3Error('InvalidArgument', 'Argument max-buckets must be an integer between 1 and 10000', { ArgumentName: 'max-buckets', ArgumentValue: v });
      max = Number(v);
    }
    let after = '';
    if (q.has('continuation-token')) {
      after = Buffer.from(q.get('continuation-token')!, 'base64url').toString('utf8');
    }
    const all = ctx.buckets.list(user.isRoot ? undefined : user.id).filter((b) => b.name.startsWith(prefix) && b.name > after);
    const page = all.slice(0, max);
    const truncated = all.length > max;
    return {
      xml: toXml('ListAllMyBucketsResult', {
        Owner: owner(ctx, user.id),
        Buckets: { Bucket: page.map((b) => ({ Name: b.name, CreationDate: isoDate(b.createdAt), BucketRegion: b.region })) },
        ContinuationToken: truncated ? Buffer.from(page[page.length - 1]!.name, 'utf8').toString('base64url') : undefined,
        Prefix: q.has('prefix') ? prefix : undefined,
      }),
    };
  },
};

export const CreateBucket: Operation = {
  name: 'CreateBucket',
  checks: () => [{ action: 's3:CreateBucket' }],
  async run(ctx, r) {
    const name = r.target.bucket!;
    const problem = bucketNameProblem(name);
    if (problem) throw new S3Error('InvalidBucketName', problem, { BucketName: name });
    const body = await readSmallBody(r.auth.body(r.raw), 64 * 1024);
    const region = ctx.config.region;
    if (body.length > 0) {
      const doc = parseXml(body, 'CreateBucketConfiguration');
      const lc = doc.LocationConstraint;
      if (lc !== undefined && typeof lc !== 'string') throw new S3Error('MalformedXML');
      // A value that is no region name at all (S3 also knows the legacy 'EU').
      if (lc !== undefined && lc !== '' && lc !== 'EU' && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(lc)) {
        throw new S3Error('InvalidLocationConstraint', undefined, { LocationConstraint: lc });
      }
      if (lc !== undefined && lc !== '' && lc !== region && region !== 'us-east-1') {
        throw new S3Error('IllegalLocationConstraintException', `The ${lc} location constraint is incompatible for the region specific endpoint this request was sent to.`);
      }
    }
    const user = r.auth.identity!.user;
    const lockHeader = r.headers['x-amz-bucket-object-lock-enabled'];
    const objectLock = typeof lockHeader === 'string' && lockHeader.toLowerCase() === 'true';
    const { bucket, created } = await ctx.commits.run(() => ctx.buckets.create(name, user.id, region, ctx.clock(), objectLock));
    if (!created) {
      throw new S3Error(bucket.ownerId === user.id ? 'BucketAlreadyOwnedByYou' : 'BucketAlreadyExists', undefined, { BucketName: name });
    }
    ctx.log.info({ bucket: name, owner: user.name }, 'bucket created');
    return { headers: { location: `/${name}` } };
  },
};

export const DeleteBucket: Operation = {
  name: 'DeleteBucket',
  async run(ctx, r) {
    const b = requireBucket(ctx, r);
    let garbage: string[] = [];
    const res = await ctx.commits.run(() =>
      ctx.buckets.delete(b.id, () => {
        garbage = ctx.uploads.removeAllIn(b.id, ctx.clock());
      }),
    );
    for (const g of garbage) ctx.garbage.collect(g);
    if (res === 'not-empty') throw new S3Error('BucketNotEmpty', undefined, { BucketName: b.name });
    if (res === 'missing') throw new S3Error('NoSuchBucket', undefined, { BucketName: b.name });
    return { status: 204 };
  },
};

export const HeadBucket: Operation = {
  name: 'HeadBucket',
  async run(ctx, r) {
    const b = requireBucket(ctx, r);
    return { headers: { 'x-amz-bucket-region': b.region, 'x-amz-access-point-alias': 'false' } };
  },
};

export const GetBucketLocation: Operation = {
  name: 'GetBucketLocation',
  async run(ctx, r: OpRequest) {
    const b = requireBucket(ctx, r);
    return { xml: toXml('LocationConstraint', {}).replace('></LocationConstraint>', `>${b.region === 'us-east-1' ? '' : b.region}</LocationConstraint>`) };
  },
};

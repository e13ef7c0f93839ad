import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import { uriEncode } from '../auth/sigv4.js';
import { listPage } from '../store/listing.js';
import type { ListEntry } from '../store/objects.js';
import { isoDate, toXml, type XmlObject } from '../xml/xml.js';
import { quoteEtag, requireBucket } from './common.js';
import type { Operation, OpRequest } from './types.js';

/** encoding-type=url as S3 writes it: UTF-8 percent-encoding, '/' kept, space as '+'. */
export function urlEncodeKey(s: string): string {
  return uriEncode(s, false).replace(/%20/g, '+');
}

interface ListParams {
  prefix: string;
  delimiter: string;
  maxKeys: number;
  encode: (s: string) => string;
  encodingType?: string;
}

function listParams(r: OpRequest): ListParams {
  const q = r.target.query;
  const et = q.get('encoding-type');
  if (et !== undefined && et !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: et });
  let maxKeys = 1000;
  const mk = q.get('max-keys');
  if (mk !== undefined) {
    if (!/^\d+$/.test(mk)) throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: mk });
    maxKeys = Math.min(Number(mk), 1000);
  }
  return {
    prefix: q.get('prefix') ?? '',
    delimiter: q.get('delimiter') ?? '',
    maxKeys,
    encode: et === 'url' ? urlEncodeKey : (s) => s,
    encodingType: et,
  };
}

function scanner(ctx: AppContext, bucketId: number) {
  return (from: Buffer, to: Buffer | undefined, limit: number) => ctx.objects.scan(bucketId, from, to, limit);
}

/** A listing's Owner element, looked up once per user per response. */
export function ownerXml(ctx: AppContext, cache: Map<number, XmlObject>, id: number): XmlObject {
  let o = cache.get(id);
  if (!o) {
    const u = ctx.users.get(id);
    o = { ID: u?.canonicalId ?? '', DisplayName: u?.name ?? '' };
    cache.set(id, o);
  }
  return o;
}

function contentsXml(ctx: AppContext, entries: ListEntry[], p: ListParams, withOwner: boolean): XmlObject[] {
  const owners = new Map<number, XmlObject>();
  return entries.map((e) => ({
    Key: p.encode(e.key.toString('utf8')),
    LastModified: isoDate(e.lastModified),
    ETag: quoteEtag(e.etag),
    ChecksumAlgorithm: e.checksumAlgorithm,
    ChecksumType: e.checksumAlgorithm ? 'FULL_OBJECT' : undefined,
    Size: e.size,
    Owner: withOwner ? ownerXml(ctx, owners, e.ownerId) : undefined,
    StorageClass: e.storageClass,
  }));
}

export const ListObjects: Operation = {
  name: 'ListObjects',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const p = listParams(r);
    const marker = r.target.query.get('marker') ?? '';
    const page = listPage(scanner(ctx, bucket.id), { prefix: p.prefix, delimiter: p.delimiter, after: marker, maxKeys: p.maxKeys });
    return {
      xml: toXml('ListBucketResult', {
        Name: bucket.name,
        Prefix: p.encode(p.prefix),
        Marker: p.encode(marker),
        NextMarker: page.isTruncated && page.last !== undefined ? p.encode(page.last) : undefined,
        MaxKeys: p.maxKeys,
        Delimiter: p.delimiter !== '' ? p.encode(p.delimiter) : undefined,
        EncodingType: p.encodingType,
        IsTruncated: page.isTruncated,
        Contents: contentsXml(ctx, page.contents, p, true),
        CommonPrefixes: page.commonPrefixes.map((cp) => ({ Prefix: p.encode(cp) })),
      }),
    };
  },
};

function decodeToken(t: string): string {
  const s = Buffer.from(t, 'base64url').toString('utf8');
  if (!s.startsWith('1:')) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  return s.slice(2);
}

function encodeToken(last: string): string {
  return Buffer.from(`1:${last}`, 'utf8').toString('base64url');
}

export const ListObjectsV2: Operation = {
  name: 'ListObjectsV2',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const p = listParams(r);
    const q = r.target.query;
    const token = q.get('continuation-token');
    if (token === '') throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
    const startAfter = q.get('start-after');
    const after = token !== undefined ? decodeToken(token) : startAfter;
    const fetchOwner = q.get('fetch-owner') === 'true';
    const page = listPage(scanner(ctx, bucket.id), { prefix: p.prefix, delimiter: p.delimiter, after, maxKeys: p.maxKeys });
    return {
      xml: toXml('ListBucketResult', {
        Name: bucket.name,
        Prefix: p.encode(p.prefix),
        StartAfter: startAfter !== undefined ? p.encode(startAfter) : undefined,
        ContinuationToken: token,
        NextContinuationToken: page.isTruncated && page.last !== undefined ? encodeToken(page.last) : undefined,
        KeyCount: page.contents.length + page.commonPrefixes.length,
        MaxKeys: p.maxKeys,
        Delimiter: p.delimiter !== '' ? p.encode(p.delimiter) : undefined,
        EncodingType: p.encodingType,
        IsTruncated: page.isTruncated,
        Contents: contentsXml(ctx, page.contents, p, fetchOwner),
        CommonPrefixes: page.commonPrefixes.map((cp) => ({ Prefix: p.encode(cp) })),
      }),
    };
  },
};

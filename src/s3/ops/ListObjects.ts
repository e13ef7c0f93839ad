import type { ListEntry } from '../../core/objects.js';
import { isoDate, type XmlObject } from '../../xml/xml.js';
import { Owners } from '../documents.js';
import { quoteEtag } from '../headers.js';
import { requireBucket } from '../lookup.js';
import { operation, type OpContext, type S3Request } from '../operation.js';
import { decodeContinuationToken, encodeContinuationToken, encodingOf, maxKeysOf, requireBucketName, type Encoding } from '../params.js';

interface ListInput {
  bucket: string;
  prefix: string;
  delimiter: string;
  maxKeys: number;
  encoding: Encoding;
  /** Whether prefix and delimiter were sent (a condition key is absent when its parameter is). */
  prefixSent: boolean;
  delimiterSent: boolean;
}

function parseList(req: S3Request): ListInput {
  const q = req.target.query;
  return {
    bucket: requireBucketName(req.target.bucket),
    encoding: encodingOf(q),
    maxKeys: maxKeysOf(q),
    prefix: q.get('prefix') ?? '',
    delimiter: q.get('delimiter') ?? '',
    prefixSent: q.has('prefix'),
    delimiterSent: q.has('delimiter'),
  };
}

/**
 * s3:ListBucket, with the condition keys a policy may test: s3:prefix and
 * s3:delimiter as sent (absent when the request has no such parameter, so
 * AWS's `"s3:prefix": [""]` allows `prefix=` but not a listing without one),
 * s3:max-keys as the listing applies it (1000 when not sent).
 */
function listPermissions(i: ListInput) {
  return [
    {
      action: 's3:ListBucket',
      bucket: i.bucket,
      conditions: {
        's3:prefix': i.prefixSent ? i.prefix : undefined,
        's3:delimiter': i.delimiterSent ? i.delimiter : undefined,
        's3:max-keys': String(i.maxKeys),
      },
    },
  ];
}

function contents(ctx: OpContext, rows: ListEntry[], enc: Encoding, withOwner: boolean): XmlObject[] {
  const owners = new Owners(ctx);
  return rows.map((e) => ({
    Key: enc.encode(e.key.toString('utf8')),
    LastModified: isoDate(e.lastModified),
    ETag: quoteEtag(e.etag),
    ChecksumAlgorithm: e.checksumAlgorithm,
    ChecksumType: e.checksumAlgorithm ? 'FULL_OBJECT' : undefined,
    Size: e.size,
    Owner: withOwner ? owners.of(e.ownerId) : undefined,
    StorageClass: e.storageClass,
  }));
}

const lastMarker = (p: { last?: { prefix?: string; row?: ListEntry } }) =>
  p.last === undefined ? undefined : p.last.row ? p.last.row.key.toString('utf8') : p.last.prefix;

export const ListObjects = operation({
  name: 'ListObjects',
  body: { kind: 'none' },
  parse: (req) => ({ ...parseList(req), marker: req.target.query.get('marker') ?? '' }),
  permissions: (i) => listPermissions(i),
  async run(ctx, i) {
    const bucket = requireBucket(ctx, i.bucket);
    const page = await ctx.services.objects.list(bucket, { prefix: i.prefix, delimiter: i.delimiter, maxKeys: i.maxKeys, marker: i.marker });
    const enc = i.encoding.encode;
    const last = lastMarker(page);
    return {
      xml: {
        root: 'ListBucketResult',
        body: {
          Name: bucket.name,
          Prefix: enc(i.prefix),
          Marker: enc(i.marker),
          NextMarker: page.isTruncated && last !== undefined ? enc(last) : undefined,
          MaxKeys: i.maxKeys,
          Delimiter: i.delimiter !== '' ? enc(i.delimiter) : undefined,
          EncodingType: i.encoding.type,
          IsTruncated: page.isTruncated,
          Contents: contents(ctx, page.rows, i.encoding, true),
          CommonPrefixes: page.commonPrefixes.map((cp) => ({ Prefix: enc(cp) })),
        },
      },
    };
  },
});

export const ListObjectsV2 = operation({
  name: 'ListObjectsV2',
  body: { kind: 'none' },
  parse(req) {
    const q = req.target.query;
    const token = q.get('continuation-token');
    const startAfter = q.get('start-after');
    return {
      ...parseList(req),
      token,
      startAfter,
      after: token !== undefined ? decodeContinuationToken(token) : startAfter,
      fetchOwner: q.get('fetch-owner') === 'true',
    };
  },
  permissions: (i) => listPermissions(i),
  async run(ctx, i) {
    const bucket = requireBucket(ctx, i.bucket);
    const page = await ctx.services.objects.list(bucket, { prefix: i.prefix, delimiter: i.delimiter, maxKeys: i.maxKeys, marker: i.after });
    const enc = i.encoding.encode;
    const last = lastMarker(page);
    return {
      xml: {
        root: 'ListBucketResult',
        body: {
          Name: bucket.name,
          Prefix: enc(i.prefix),
          StartAfter: i.startAfter !== undefined ? enc(i.startAfter) : undefined,
          ContinuationToken: i.token,
          NextContinuationToken: page.isTruncated && last !== undefined ? encodeContinuationToken(last) : undefined,
          KeyCount: page.rows.length + page.commonPrefixes.length,
          MaxKeys: i.maxKeys,
          Delimiter: i.delimiter !== '' ? enc(i.delimiter) : undefined,
          EncodingType: i.encoding.type,
          IsTruncated: page.isTruncated,
          Contents: contents(ctx, page.rows, i.encoding, i.fetchOwner),
          CommonPrefixes: page.commonPrefixes.map((cp) => ({ Prefix: enc(cp) })),
        },
      },
    };
  },
});

import type { Readable } from 'node:stream';
import type { ObjectRecord } from '../../core/objects.js';
import { S3Error } from '../../errors/s3error.js';
import { wireHeaderValue } from '../../http/headerText.js';
import {
  evaluateConditions,
  lockHeaders,
  objectHeaders,
  parseRange,
  readConditionsOf,
  type ByteRange,
  type ReadConditions,
  type ResponseHeaders,
} from '../headers.js';
import type { Target } from '../../http/target.js';
import { expirationOf } from '../expiration.js';
import { lookupObject, missingKeyAnswer, requireBucket } from '../lookup.js';
import { operation, type Grants, type OpContext, type Output, type S3Request } from '../operation.js';
import { checkReadKey, customerKeyOf, sseHeaders } from '../sse.js';
import { header, partNumberOf, requireBucketName, requireKey, versionIdOf } from '../params.js';
import { existingTagKeys, tagCountHeader } from '../tags.js';
import { isSosapiKey, sosapiObject } from '../sosapi.js';

const RESPONSE_OVERRIDES: ReadonlyArray<readonly [string, string]> = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
];

export interface ReadInput {
  bucket: string;
  key: string;
  versionId?: string;
  partNumber?: number;
  range?: string;
  conditions: ReadConditions;
  checksumMode: boolean;
}

function parseRead(req: S3Request): ReadInput {
  const q = req.target.query;
  if (!req.principal) {
    for (const [p] of RESPONSE_OVERRIDES) {
      if (q.has(p)) throw new S3Error('InvalidRequest', 'Request specific response headers cannot be used for anonymous GET requests.');
    }
  }
  const partNumber = partNumberOf(q);
  const range = header(req.headers, 'range');
  if (partNumber !== undefined && range !== undefined) throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  return {
    bucket: requireBucketName(req.target.bucket),
    key: requireKey(req.target.key),
    versionId: versionIdOf(q.get('versionId')),
    partNumber,
    range,
    conditions: readConditionsOf(req.headers),
    checksumMode: header(req.headers, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED',
  };
}

interface Chosen {
  object: ObjectRecord;
  range?: ByteRange;
  customerKey?: Buffer;
  status: number;
  headers: ResponseHeaders;
}

/**
 * GetObject and HeadObject: look the object up, judge the conditions
 * (304/412 with S3's precedence), pick the bytes (Range or partNumber) and
 * answer with the object's headers; the body is read by the domain's one
 * read path (which looks up again if the data was replaced meanwhile).
 */
/**
 * `grants`: the request's evaluator answers, for NoSuchKey → AccessDenied to callers who may not list the bucket;
 * undefined where the caller decides that itself (website endpoints).
 */
export async function getOrHead(
  ctx: OpContext,
  i: ReadInput,
  req: Pick<S3Request, 'method' | 'headers' | 'secure'> & { target: Pick<Target, 'query'> },
  grants: Grants | undefined,
  withBody: boolean,
): Promise<Output> {
  const bucket = requireBucket(ctx, i.bucket);
  // Veeam's SOSAPI objects are virtual: answered, never stored.
  if (i.versionId === undefined && isSosapiKey(i.key)) return sosapiObject(ctx, bucket, i.key, withBody);
  const q = req.target.query;
  const customerKey = customerKeyOf(ctx, req.headers, req.secure);
  const choose = (): Chosen => {
    const o = lookupObject(ctx, bucket, i.key, i.versionId, req.method);
    checkReadKey(ctx, o, customerKey);
    const cond = evaluateConditions(i.conditions, o.etag, o.lastModified);
    if (cond === 'failed')
      throw new S3Error('PreconditionFailed', undefined, { Condition: i.conditions.ifMatch !== undefined ? 'If-Match' : 'If-Unmodified-Since' });
    // The object's checksum describes the whole object: it is not sent with a byte range; a part gets its own (below).
    const h = objectHeaders(o, i.checksumMode && i.range === undefined, ctx.dates);
    if (bucket.versioning) h['x-amz-version-id'] = o.versionId;
    Object.assign(h, lockHeaders(o), sseHeaders(ctx, bucket, o.encryption));
    h['x-amz-tagging-count'] = tagCountHeader(o.tags);
    if (o.isLatest) h['x-amz-expiration'] = expirationOf(ctx, bucket, o);
    if (cond === 'not-modified') return { object: o, status: 304, headers: { etag: h.etag, 'last-modified': h['last-modified'] } };
    let range = parseRange(i.range, o.size);
    let emptyPart = false;
    if (i.partNumber !== undefined) {
      if (o.partsCount) {
        const seg = ctx.services.objects.segments(o).find((g) => g.partNumber === i.partNumber);
        if (!seg) throw new S3Error('InvalidPartNumber', undefined, { PartNumberRequested: String(i.partNumber), ActualPartCount: String(o.partsCount) });
        range = seg.size > 0 ? { start: seg.offset, end: seg.offset + seg.size - 1 } : undefined;
        emptyPart = seg.size === 0;
        h['x-amz-mp-parts-count'] = o.partsCount;
        if (i.checksumMode && o.checksumAlgorithm && o.checksum) {
          // That part's own checksum (the object's type says how the parts' checksums combine).
          const name = `x-amz-checksum-${o.checksumAlgorithm.toLowerCase()}`;
          if (seg.checksum) h[name] = seg.checksum;
          else {
            delete h[name];
            delete h['x-amz-checksum-type'];
          }
        }
      } else if (i.partNumber !== 1) {
        // A single-part object has exactly one part: the whole object.
        throw new S3Error('InvalidPartNumber', undefined, { PartNumberRequested: String(i.partNumber), ActualPartCount: '1' });
      }
    }
    for (const [p, name] of RESPONSE_OVERRIDES) {
      const v = q.get(p);
      if (v !== undefined) h[name] = wireHeaderValue(v);
    }
    let status = 200;
    if (range) {
      status = 206;
      h['content-range'] = `bytes ${range.start}-${range.end}/${o.size}`;
      h['content-length'] = range.end - range.start + 1;
    } else h['content-length'] = emptyPart ? 0 : o.size;
    const length = Number(h['content-length']);
    // What to read: nothing for HEAD, a 304 or an empty body.
    const toRead = withBody && length > 0 ? (range ?? { start: 0, end: o.size - 1 }) : undefined;
    return { object: o, range: toRead, status, headers: h, customerKey };
  };
  let c: Chosen & { body?: Readable | Buffer };
  try {
    c = await ctx.services.objects.read(choose);
  } catch (e) {
    throw grants ? missingKeyAnswer(e, grants, i.bucket) : e;
  }
  if (c.status === 304) return { status: 304, headers: c.headers };
  if (!withBody) return { status: c.status, headers: c.headers };
  const length = Number(c.headers['content-length']);
  return { status: c.status, headers: c.headers, body: c.body ?? Buffer.alloc(0), bytes: length };
}

function readPermissions(i: ReadInput, _req: S3Request, ctx: OpContext) {
  const conditionsLater = existingTagKeys(ctx, i.bucket, i.key, i.versionId);
  return [
    i.versionId === undefined
      ? { action: 's3:GetObject', bucket: i.bucket, key: i.key, conditionsLater }
      : { action: 's3:GetObjectVersion', bucket: i.bucket, key: i.key, conditions: { 's3:VersionId': i.versionId }, conditionsLater },
  ];
}

export const GetObject = operation({
  name: 'GetObject',
  body: { kind: 'none' },
  parse: parseRead,
  permissions: readPermissions,
  run: (ctx, i, req, grants) => getOrHead(ctx, i, req, grants, true),
});

export const HeadObject = operation({
  name: 'HeadObject',
  body: { kind: 'none' },
  parse: parseRead,
  permissions: readPermissions,
  run: (ctx, i, req, grants) => getOrHead(ctx, i, req, grants, false),
});

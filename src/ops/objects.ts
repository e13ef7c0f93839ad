import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import { wireHeaderValue } from '../http/headerText.js';
import type { ObjectRecord } from '../store/objects.js';
import {
  etagMatches,
  evaluateConditions,
  header,
  objectHeaders,
  parseRange,
  quoteEtag,
  requireBucket,
  requireKey,
} from './common.js';
import { commitObject, integrityPlan, metadataOf, refuseEncryption, storageClassOf, verifyIntegrity } from './write.js';
import { guardVersionRemoval, lockForWrite, lockHeaders } from './lock.js';
import { readObject } from './read.js';
import type { Operation, OpRequest, OpResult } from './types.js';

export const PutObject: Operation = {
  name: 'PutObject',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const key = requireKey(r);
    refuseEncryption(r.headers);
    const plan = integrityPlan(r);
    const { headers, meta } = metadataOf(r.headers);
    const storageClass = storageClassOf(r.headers);
    const len = r.auth.contentLength;
    // A body without Content-Length must be chunked (Transfer-Encoding): its size is learnt as it streams.
    if (len === undefined && r.headers['transfer-encoding'] === undefined) throw new S3Error('MissingContentLength');
    if (len !== undefined && len > ctx.config.maxPutObjectSize) {
      throw new S3Error('EntityTooLarge', undefined, { ProposedSize: String(len), MaxSizeAllowed: String(ctx.config.maxPutObjectSize) });
    }
    const conditional = writeConditions(r);
    if (conditional) checkWriteConditions(conditional, ctx.objects.get(bucket.id, key), key);
    const lock = lockForWrite(ctx, bucket, r.headers);
    if (lock && plan.md5 === undefined && plan.algorithm === undefined) {
      throw new S3Error('InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters');
    }
    const staged = await ctx.blobs.stage(r.auth.body(r.raw), { maxSize: ctx.config.maxPutObjectSize, checksum: plan.algorithm, expectedSize: len ?? Infinity });
    let checksum: string | undefined;
    try {
      checksum = verifyIntegrity(plan, staged, r.auth.trailers());
    } catch (e) {
      await staged.discard();
      throw e;
    }
    const etag = staged.md5!.toString('hex');
    const versionId = await commitObject(
      ctx,
      staged,
      {
        bucketId: bucket.id,
        key,
        size: staged.size,
        etag,
        lastModified: ctx.clock(),
        ownerId: r.auth.identity!.user.id,
        storageClass,
        headers,
        meta,
        checksumAlgorithm: checksum ? plan.algorithm : undefined,
        checksum,
        lockMode: lock?.mode,
        lockUntil: lock?.until,
        legalHold: lock?.legalHold,
      },
      conditional ? (cur) => checkWriteConditions(conditional, cur, key) : undefined,
      bucket.versioning,
    );
    const out: Record<string, string> = { etag: quoteEtag(etag) };
    if (bucket.versioning) out['x-amz-version-id'] = versionId;
    if (checksum && plan.algorithm) {
      out[`x-amz-checksum-${plan.algorithm.toLowerCase()}`] = checksum;
      out['x-amz-checksum-type'] = 'FULL_OBJECT';
    }
    if (storageClass !== 'STANDARD') out['x-amz-storage-class'] = storageClass;
    return { headers: out, bytes: staged.size };
  },
};

export interface WriteConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

export function writeConditions(r: OpRequest): WriteConditions | undefined {
  const ifMatch = header(r.headers, 'if-match');
  const ifNoneMatch = header(r.headers, 'if-none-match');
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  return { ifMatch, ifNoneMatch };
}

/**
 * Conditional writes, judged inside the commit's transaction against the
 * current object (the latest version unless it is a delete marker):
 * If-Match: an ETag list or `*` — the object must exist (404 NoSuchKey) and
 * match (412); If-None-Match: `*` — the key must not exist (412); an ETag
 * list — the current object's ETag must not be among them (412). The
 * compare-and-swap that table formats (Iceberg, Delta) build on.
 */
export function checkWriteConditions(c: WriteConditions, cur: ObjectRecord | undefined, key: string): void {
  if (c.ifMatch !== undefined) {
    if (!cur) throw new S3Error('NoSuchKey', undefined, { Key: key });
    if (!etagMatches(c.ifMatch, cur.etag)) throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  }
  if (c.ifNoneMatch !== undefined && cur && etagMatches(c.ifNoneMatch, cur.etag)) {
    throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-None-Match' });
  }
}

const RESPONSE_OVERRIDES: Record<string, string> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

/** Version ids are 22 lower-case base-36 characters, or 'null'. */
export const VERSION_ID_RE = /^(null|[0-9a-z]{22})$/;

/**
 * The object a GET/HEAD/attributes request addresses: a version by
 * versionId, else the latest. A delete marker answers as S3 does: 404
 * NoSuchKey with x-amz-delete-marker when it is the latest, 405 when it is
 * named by version id.
 */
export function lookupObject(ctx: AppContext, r: OpRequest): ObjectRecord {
  const bucket = requireBucket(ctx, r);
  const key = requireKey(r);
  const versionId = r.target.query.get('versionId');
  if (versionId !== undefined) {
    if (!VERSION_ID_RE.test(versionId)) throw new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: versionId });
    const v = ctx.objects.version(bucket.id, key, versionId);
    if (!v) throw new S3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
    if (v.deleteMarker) {
      throw new S3Error('MethodNotAllowed', undefined, { Method: r.method, ResourceType: 'DeleteMarker' }, {
        'x-amz-delete-marker': 'true',
        'x-amz-version-id': v.versionId!,
        'last-modified': new Date(v.lastModified).toUTCString(),
        allow: 'DELETE',
      });
    }
    return v;
  }
  const o = ctx.objects.latest(bucket.id, key);
  if (!o) throw new S3Error('NoSuchKey', undefined, { Key: key });
  if (o.deleteMarker) throw new S3Error('NoSuchKey', undefined, { Key: key }, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': o.versionId! });
  return o;
}

async function getOrHead(ctx: AppContext, r: OpRequest, withBody: boolean): Promise<OpResult> {
  const q = r.target.query;
  for (const p of Object.keys(RESPONSE_OVERRIDES)) {
    if (q.has(p) && !r.auth.identity) throw new S3Error('InvalidRequest', 'Request specific response headers cannot be used for anonymous GET requests.');
  }
  if (q.has('partNumber')) {
    const pn = q.get('partNumber')!;
    if (!/^\d+$/.test(pn) || Number(pn) < 1 || Number(pn) > 10000) throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: pn });
    if (r.headers.range !== undefined) throw new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  }
  // A blob replaced between the lookup and the open is gone: look up again (once is enough; a new blob is immutable).
  for (let attempt = 0; ; attempt++) {
    const o = lookupObject(ctx, r);
    const cond = evaluateConditions(
      {
        ifMatch: header(r.headers, 'if-match'),
        ifNoneMatch: header(r.headers, 'if-none-match'),
        ifModifiedSince: header(r.headers, 'if-modified-since'),
        ifUnmodifiedSince: header(r.headers, 'if-unmodified-since'),
      },
      o.etag,
      o.lastModified,
    );
    if (cond === 'failed') throw new S3Error('PreconditionFailed', undefined, { Condition: header(r.headers, 'if-match') !== undefined ? 'If-Match' : 'If-Unmodified-Since' });
    const wantChecksum = header(r.headers, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';
    // The object's checksum describes the whole object: it is not sent with a byte range; a part gets its own (below).
    const h = objectHeaders(o, wantChecksum && r.headers.range === undefined);
    if (ctx.buckets.get(r.target.bucket!)?.versioning) h['x-amz-version-id'] = o.versionId;
    Object.assign(h, lockHeaders(o));
    if (cond === 'not-modified') {
      return { status: 304, headers: { etag: h.etag, 'last-modified': h['last-modified'] } };
    }
    let range = parseRange(header(r.headers, 'range'), o.size);
    let partRange = false;
    if (q.has('partNumber')) {
      const pn = Number(q.get('partNumber'));
      if (o.partsCount) {
        const seg = ctx.objects.segments(o.blobId).find((g) => g.partNumber === pn);
        if (!seg) throw new S3Error('InvalidPartNumber', undefined, { PartNumberRequested: String(pn), ActualPartCount: String(o.partsCount) });
        range = seg.size > 0 ? { start: seg.offset, end: seg.offset + seg.size - 1 } : undefined;
        partRange = true;
        h['x-amz-mp-parts-count'] = o.partsCount;
        if (wantChecksum && o.checksumAlgorithm && o.checksum) {
          // That part's own checksum (the object's type says how the parts' checksums combine).
          delete h[`x-amz-checksum-${o.checksumAlgorithm.toLowerCase()}`];
          if (seg.checksum) h[`x-amz-checksum-${o.checksumAlgorithm.toLowerCase()}`] = seg.checksum;
          else delete h['x-amz-checksum-type'];
        }
      } else {
        // A single-part object has exactly one part: the whole object.
        if (pn !== 1) throw new S3Error('InvalidPartNumber', undefined, { PartNumberRequested: String(pn), ActualPartCount: '1' });
        range = undefined;
      }
    }
    for (const [p, name] of Object.entries(RESPONSE_OVERRIDES)) {
      const v = q.get(p);
      if (v !== undefined) h[name] = wireHeaderValue(v);
    }
    let status = 200;
    if (range) {
      status = 206;
      h['content-range'] = `bytes ${range.start}-${range.end}/${o.size}`;
      h['content-length'] = range.end - range.start + 1;
    } else h['content-length'] = partRange ? 0 : o.size;
    if (!withBody) return { status, headers: h };
    const length = Number(h['content-length']);
    const stream = length === 0 ? undefined : await readObject(ctx, o, range?.start ?? 0, range?.end ?? o.size - 1);
    if (length > 0 && !stream) {
      if (attempt < 2) continue;
      throw new S3Error('InternalError', 'The object data could not be read.');
    }
    return { status, headers: h, body: stream ?? Buffer.alloc(0), bytes: Number(h['content-length']) };
  }
}

export const GetObject: Operation = {
  name: 'GetObject',
  run: (ctx, r) => getOrHead(ctx, r, true),
};

export const HeadObject: Operation = {
  name: 'HeadObject',
  run: (ctx, r) => getOrHead(ctx, r, false),
};

export const DeleteObject: Operation = {
  name: 'DeleteObject',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const key = requireKey(r);
    const versionId = r.target.query.get('versionId');
    const now = ctx.clock();
    if (versionId !== undefined) {
      if (!VERSION_ID_RE.test(versionId)) throw new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: versionId });
      const res = await ctx.commits.run(() => ctx.objects.deleteVersion(bucket.id, key, versionId, now, (v) => guardVersionRemoval(ctx, r, v)));
      ctx.garbage.collect(res.deletedBlobId);
      return { status: 204, headers: { 'x-amz-version-id': versionId, 'x-amz-delete-marker': res.wasDeleteMarker ? 'true' : undefined } };
    }
    const res = await ctx.commits.run(() => ctx.objects.delete(bucket.id, key, now, bucket.versioning, r.auth.identity!.user.id));
    ctx.garbage.collect(res.deletedBlobId);
    if (res.deleteMarkerVersionId !== undefined) {
      return { status: 204, headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': res.deleteMarkerVersionId } };
    }
    return { status: 204 };
  },
};

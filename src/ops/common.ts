import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import { metaHeaderValue, wireHeaderValue } from '../http/headerText.js';
import type { Bucket } from '../store/buckets.js';
import type { ObjectRecord } from '../store/objects.js';
import type { OpRequest } from './types.js';

export function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function requireBucket(ctx: AppContext, r: OpRequest): Bucket {
  const name = r.target.bucket;
  const b = name === undefined ? undefined : ctx.buckets.get(name);
  if (!b) throw new S3Error('NoSuchBucket', undefined, { BucketName: name ?? '' });
  return b;
}

export function requireKey(r: OpRequest): string {
  const k = r.target.key;
  if (k === undefined || k === '') throw new S3Error('InvalidRequest', 'A key is required for this operation');
  return k;
}

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

const httpDates = new Map<number, string>();

/** HTTP date (RFC 7231 IMF-fixdate); recent seconds are remembered (formatting was ~2% of a HEAD). */
export function httpDate(ms: number): string {
  const sec = Math.floor(ms / 1000);
  let s = httpDates.get(sec);
  if (s === undefined) {
    s = new Date(sec * 1000).toUTCString();
    if (httpDates.size >= 4096) httpDates.clear();
    httpDates.set(sec, s);
  }
  return s;
}

/** Parses an HTTP or ISO date header; undefined when unparseable (callers then ignore the header, as S3 does). */
export function parseDateHeader(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Does an If-Match / If-None-Match list match this ETag? (`*`, quoted or bare, weak or strong.) */
export function etagMatches(list: string, etag: string): boolean {
  for (const raw of list.split(',')) {
    let t = raw.trim();
    if (t === '*') return true;
    if (t.startsWith('W/')) t = t.slice(2);
    if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) t = t.slice(1, -1);
    if (t === etag) return true;
  }
  return false;
}

export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

/**
 * The S3 (RFC 7232) precedence: If-Match decides over If-Unmodified-Since,
 * If-None-Match over If-Modified-Since. Returns 'ok', 'not-modified' (304
 * for GET/HEAD) or 'failed' (412).
 */
export function evaluateConditions(c: Conditions, etag: string, lastModifiedMs: number): 'ok' | 'not-modified' | 'failed' {
  const lmSec = Math.floor(lastModifiedMs / 1000) * 1000;
  if (c.ifMatch !== undefined) {
    if (!etagMatches(c.ifMatch, etag)) return 'failed';
  } else if (c.ifUnmodifiedSince !== undefined) {
    const t = parseDateHeader(c.ifUnmodifiedSince);
    if (t !== undefined && lmSec > t) return 'failed';
  }
  if (c.ifNoneMatch !== undefined) {
    if (etagMatches(c.ifNoneMatch, etag)) return 'not-modified';
  } else if (c.ifModifiedSince !== undefined) {
    const t = parseDateHeader(c.ifModifiedSince);
    if (t !== undefined && lmSec <= t) return 'not-modified';
  }
  return 'ok';
}

export type ByteRange = { start: number; end: number };

/**
 * Parses a Range header against an object size. Undefined: no range, or a
 * malformed one (S3 then answers 200 with the whole object). Throws
 * InvalidRange (416) for a well-formed range that cannot be satisfied.
 */
export function parseRange(v: string | undefined, size: number): ByteRange | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(v);
  if (!m) return undefined;
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) throw rangeError(v, size);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Number(b);
    if (b !== '' && end < start) return undefined;
    if (start >= size) throw rangeError(v, size);
    end = Math.min(end, size - 1);
  }
  return { start, end };
}

function rangeError(v: string, size: number): S3Error {
  return new S3Error('InvalidRange', undefined, { RangeRequested: v, ActualObjectSize: String(size) }, { 'content-range': `bytes */${size}` });
}

/** Reads a small request body (XML) fully, capped at `max` bytes. */
export async function readSmallBody(body: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      body.destroy();
      throw new S3Error('MaxMessageLengthExceeded', undefined, { MaxMessageLengthBytes: String(max) });
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** The headers GetObject/HeadObject/PutObject answer with for an object record. */
export function objectHeaders(o: ObjectRecord, withChecksum: boolean): Record<string, string | number | undefined> {
  const h: Record<string, string | number | undefined> = {
    etag: quoteEtag(o.etag),
    'last-modified': httpDate(o.lastModified),
    'accept-ranges': 'bytes',
    'content-type': wireHeaderValue(o.headers['content-type'] ?? 'binary/octet-stream'),
  };
  for (const [k, v] of Object.entries(o.headers)) if (k !== 'content-type') h[k] = wireHeaderValue(v);
  for (const [k, v] of o.meta) h[`x-amz-meta-${k}`] = metaHeaderValue(v);
  if (o.storageClass !== 'STANDARD') h['x-amz-storage-class'] = o.storageClass;
  if (withChecksum && o.checksumAlgorithm && o.checksum) {
    h[`x-amz-checksum-${o.checksumAlgorithm.toLowerCase()}`] = o.checksum;
    h['x-amz-checksum-type'] = o.checksum.includes('-') ? 'COMPOSITE' : 'FULL_OBJECT';
  }
  return h;
}

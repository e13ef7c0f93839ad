/**
 * The HTTP headers of objects: what writes read (metadata, storage class,
 * Object Lock, conditions, encryption) and what reads answer with (ETag,
 * dates, checksums, lock state), each in one place.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { LockRequest, LockMode } from '../core/objectLock.js';
import { etagMatches, STORED_HEADERS, type ObjectRecord, type WriteConditions } from '../core/objects.js';
import { S3Error } from '../errors/s3error.js';
import { decodeEncodedWords, metaHeaderValue, wireHeaderValue } from '../http/headerText.js';
import { header } from './params.js';

export { etagMatches };

export type ResponseHeaders = Record<string, string | number | undefined>;

/** An ETag as HTTP carries it. */
export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

/** An ETag as a client sent it in XML or a header: quotes (also as &quot;) removed. */
export function unquoteEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^"|"$/g, '')
    .replace(/^&quot;|&quot;$/g, '');
}

/** HTTP dates (RFC 7231 IMF-fixdate); recent seconds are remembered (formatting was ~2% of a HEAD). One per server. */
export class HttpDates {
  private readonly cache = new Map<number, string>();

  format(ms: number): string {
    const sec = Math.floor(ms / 1000);
    let s = this.cache.get(sec);
    if (s === undefined) {
      s = new Date(sec * 1000).toUTCString();
      if (this.cache.size >= 4096) this.cache.clear();
      this.cache.set(sec, s);
    }
    return s;
  }
}

/** Parses an HTTP or ISO date header; undefined when unparseable (callers then ignore the header, as S3 does). */
export function parseDateHeader(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** The storage classes S3 names (PutObject's x-amz-storage-class, replication's StorageClass, ...). */
export const STORAGE_CLASS_NAMES = [
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'OUTPOSTS',
  'GLACIER_IR',
  'SNOW',
  'EXPRESS_ONEZONE',
] as const;

export const STORAGE_CLASSES: ReadonlySet<string> = new Set(STORAGE_CLASS_NAMES);

export function storageClassOf(h: IncomingHttpHeaders): string {
  const sc = header(h, 'x-amz-storage-class');
  if (sc === undefined || sc === '') return 'STANDARD';
  if (!STORAGE_CLASSES.has(sc)) throw new S3Error('InvalidStorageClass', undefined, { StorageClassRequested: sc });
  return sc;
}

const MAX_META_BYTES = 2048;

/** The object metadata a website endpoint answers 301 with (stored with the object, returned on GET and HEAD). */
export const WEBSITE_REDIRECT = 'x-amz-website-redirect-location';

/** x-amz-website-redirect-location as AWS checks it: '/', 'http://' or 'https://' first, at most 2 KiB. */
export function checkWebsiteRedirect(v: string): void {
  if (!(v.startsWith('/') || v.startsWith('http://') || v.startsWith('https://'))) throw new S3Error('InvalidRedirectLocation');
  if (Buffer.byteLength(v, 'utf8') > 2048)
    throw new S3Error('InvalidRedirectLocation', 'The length of website redirect location cannot exceed 2,048 characters.');
}

/** The stored standard headers and x-amz-meta-* pairs of a write request; `aws-chunked` is not a stored encoding. */
export function metadataOf(h: IncomingHttpHeaders): Pick<ObjectRecord, 'headers' | 'meta'> {
  const headers: ObjectRecord['headers'] = {};
  for (const name of STORED_HEADERS) {
    let v = header(h, name);
    if (v === undefined) continue;
    if (name === 'content-encoding') {
      v = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked')
        .join(',');
      if (v === '') continue;
    }
    if (name === WEBSITE_REDIRECT) checkWebsiteRedirect(v);
    headers[name] = v;
  }
  const meta: Array<[string, string]> = [];
  let size = 0;
  for (const [k, v] of Object.entries(h)) {
    if (!k.startsWith('x-amz-meta-') || v === undefined) continue;
    const name = k.slice('x-amz-meta-'.length);
    const value = decodeEncodedWords(Array.isArray(v) ? v.join(',') : v);
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
    meta.push([name, value]);
  }
  if (size > MAX_META_BYTES) throw new S3Error('MetadataTooLarge', undefined, { Size: String(size), MaxSizeAllowed: String(MAX_META_BYTES) });
  return { headers, meta };
}

// ---------------------------------------------------------------- conditions

/** If-Match / If-None-Match of a write (judged inside the commit by the write path). */
export function writeConditionsOf(h: IncomingHttpHeaders): WriteConditions | undefined {
  const ifMatch = header(h, 'if-match');
  const ifNoneMatch = header(h, 'if-none-match');
  if (ifMatch === undefined && ifNoneMatch === undefined) return undefined;
  return { ifMatch, ifNoneMatch };
}

export interface ReadConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

export function readConditionsOf(h: IncomingHttpHeaders, prefix = ''): ReadConditions {
  return {
    ifMatch: header(h, `${prefix}if-match`),
    ifNoneMatch: header(h, `${prefix}if-none-match`),
    ifModifiedSince: header(h, `${prefix}if-modified-since`),
    ifUnmodifiedSince: header(h, `${prefix}if-unmodified-since`),
  };
}

/**
 * The S3 (RFC 7232) precedence: If-Match decides over If-Unmodified-Since,
 * If-None-Match over If-Modified-Since. Returns 'ok', 'not-modified' (304
 * for GET/HEAD) or 'failed' (412).
 */
export function evaluateConditions(c: ReadConditions, etag: string, lastModifiedMs: number): 'ok' | 'not-modified' | 'failed' {
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

// ---------------------------------------------------------------- Object Lock

function lockModeOf(v: string, what: string): LockMode {
  if (v !== 'GOVERNANCE' && v !== 'COMPLIANCE') throw new S3Error('InvalidArgument', `Unknown wormMode directive.`, { ArgumentName: what, ArgumentValue: v });
  return v;
}

/** The Object Lock a write asks for in x-amz-object-lock-* headers (or form fields); undefined when none. */
export function lockRequestOf(h: IncomingHttpHeaders): LockRequest | undefined {
  const modeH = header(h, 'x-amz-object-lock-mode');
  const untilH = header(h, 'x-amz-object-lock-retain-until-date');
  const holdH = header(h, 'x-amz-object-lock-legal-hold');
  if (modeH === undefined && untilH === undefined && holdH === undefined) return undefined;
  if ((modeH === undefined) !== (untilH === undefined)) {
    throw new S3Error('InvalidArgument', 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied');
  }
  const out: LockRequest = {};
  if (modeH !== undefined && untilH !== undefined) {
    out.mode = lockModeOf(modeH, 'x-amz-object-lock-mode');
    const t = Date.parse(untilH);
    if (Number.isNaN(t)) {
      throw new S3Error('InvalidArgument', 'The retain until date must be provided in ISO 8601 format', {
        ArgumentName: 'x-amz-object-lock-retain-until-date',
        ArgumentValue: untilH,
      });
    }
    out.until = t;
  }
  if (holdH !== undefined) {
    if (holdH !== 'ON' && holdH !== 'OFF')
      throw new S3Error('InvalidArgument', 'Legal Hold must be either of ON or OFF', { ArgumentName: 'x-amz-object-lock-legal-hold', ArgumentValue: holdH });
    out.legalHold = holdH === 'ON';
  }
  return out;
}

/** The response headers describing a version's lock. */
export function lockHeaders(o: ObjectRecord): ResponseHeaders {
  return {
    'x-amz-object-lock-mode': o.lockMode,
    'x-amz-object-lock-retain-until-date': o.lockUntil !== undefined ? new Date(o.lockUntil).toISOString() : undefined,
    'x-amz-object-lock-legal-hold': o.legalHold ? 'ON' : undefined,
  };
}

// ---------------------------------------------------------------- answers

/** x-amz-checksum-<algorithm> and x-amz-checksum-type for a checksum value ('-N' composite values are COMPOSITE). */
export function checksumHeaders(algorithm: string | undefined, value: string | undefined, type?: string): ResponseHeaders {
  if (!algorithm || !value) return {};
  return { [`x-amz-checksum-${algorithm.toLowerCase()}`]: value, 'x-amz-checksum-type': type ?? (value.includes('-') ? 'COMPOSITE' : 'FULL_OBJECT') };
}

/** The headers GetObject/HeadObject answer with for an object record. */
export function objectHeaders(o: ObjectRecord, withChecksum: boolean, dates: HttpDates): ResponseHeaders {
  const h: ResponseHeaders = {
    etag: quoteEtag(o.etag),
    'last-modified': dates.format(o.lastModified),
    'accept-ranges': 'bytes',
    'content-type': wireHeaderValue(o.headers['content-type'] ?? 'binary/octet-stream'),
  };
  for (const [k, v] of Object.entries(o.headers)) if (k !== 'content-type') h[k] = wireHeaderValue(v);
  for (const [k, v] of o.meta) h[`x-amz-meta-${k}`] = metaHeaderValue(v);
  if (o.storageClass !== 'STANDARD') h['x-amz-storage-class'] = o.storageClass;
  if (withChecksum) Object.assign(h, checksumHeaders(o.checksumAlgorithm, o.checksum));
  return h;
}

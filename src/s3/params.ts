/**
 * Shared request helpers: the query parameters and headers several
 * operations read, each parsed and validated in exactly one place.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error } from '../errors/s3error.js';
import { decodePath } from '../http/target.js';
import { uriEncode } from '../auth/sigv4.js';

export type Query = ReadonlyMap<string, string>;

/** A header's value, repeated headers joined with ','. */
export function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The object key of an object-level request. */
export function requireKey(key: string | undefined): string {
  if (key === undefined || key === '') throw new S3Error('InvalidRequest', 'A key is required for this operation');
  return key;
}

/** The bucket of a bucket- or object-level request (the router guarantees one). */
export function requireBucketName(bucket: string | undefined): string {
  if (bucket === undefined || bucket === '') throw new S3Error('InvalidRequest', 'A bucket is required for this operation');
  return bucket;
}

/** Version ids are 22 lower-case base-36 characters, or 'null'. */
export const VERSION_ID_RE = /^(null|[0-9a-z]{22})$/;

/** A version id (query `versionId` or a copy source's), validated; undefined when absent. */
export function versionIdOf(v: string | undefined, argumentName = 'versionId'): string | undefined {
  if (v === undefined) return undefined;
  if (!VERSION_ID_RE.test(v)) throw new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: argumentName, ArgumentValue: v });
  return v;
}

export const MAX_PART_NUMBER = 10000;

/** A part number 1..10000 (query `partNumber`); undefined when absent. */
export function partNumberOf(q: Query): number | undefined {
  const v = q.get('partNumber');
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_PART_NUMBER) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: v });
  }
  return Number(v);
}

/** A required part number (UploadPart, UploadPartCopy). */
export function requirePartNumber(q: Query): number {
  const n = partNumberOf(q);
  if (n === undefined)
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: '' });
  return n;
}

/** The upload id of a multipart request ('' when absent: no upload has that id). */
export function uploadIdOf(q: Query): string {
  return q.get('uploadId') ?? '';
}

/** A non-negative integer parameter (query or header value), capped at `max`; `dflt` when absent. */
export function boundedInt(v: string | undefined, name: string, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v.trim()))
    throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: v });
  return Math.min(Number(v.trim()), max);
}

/** max-keys (ListObjects, ListObjectsV2, ListObjectVersions): 0..1000, default 1000. */
export function maxKeysOf(q: Query): number {
  return boundedInt(q.get('max-keys'), 'max-keys', 1000, 1000);
}

/** encoding-type=url as S3 writes it: UTF-8 percent-encoding, '/' kept, space as '+'. */
export function urlEncodeKey(s: string): string {
  return uriEncode(s, false).replace(/%20/g, '+');
}

export interface Encoding {
  /** The encoding-type parameter as sent ('url'), for the EncodingType element. */
  readonly type?: 'url';
  readonly encode: (s: string) => string;
}

const PLAIN: Encoding = { encode: (s) => s };
const URL_ENCODING: Encoding = { type: 'url', encode: urlEncodeKey };

/** The `encoding-type` parameter: absent or 'url' (anything else is InvalidArgument). */
export function encodingOf(q: Query): Encoding {
  const et = q.get('encoding-type');
  if (et === undefined) return PLAIN;
  if (et !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: et });
  return URL_ENCODING;
}

/** A ListObjectsV2 continuation token: the key to resume after, opaque to clients. */
export function encodeContinuationToken(last: string): string {
  return Buffer.from(`1:${last}`, 'utf8').toString('base64url');
}

export function decodeContinuationToken(t: string): string {
  const s = Buffer.from(t, 'base64url').toString('utf8');
  if (t === '' || !s.startsWith('1:'))
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  return s.slice(2);
}

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

/** x-amz-copy-source: `[/]bucket/key[?versionId=id]`, URL-encoded. */
export function copySourceOf(h: IncomingHttpHeaders): CopySource {
  const v = header(h, 'x-amz-copy-source');
  if (v === undefined || v === '') {
    throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', { ArgumentName: 'x-amz-copy-source' });
  }
  let raw = v.trim();
  let versionId: string | undefined;
  const qi = raw.indexOf('?');
  if (qi >= 0) {
    const q = new URLSearchParams(raw.slice(qi + 1));
    versionId = q.get('versionId') ?? undefined;
    raw = raw.slice(0, qi);
  }
  if (raw.startsWith('/')) raw = raw.slice(1);
  const decoded = decodePath(raw);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', {
      ArgumentName: 'x-amz-copy-source',
      ArgumentValue: v,
    });
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId: versionIdOf(versionId, 'x-amz-copy-source') };
}

/** x-amz-expected-bucket-owner style header values are compared elsewhere; this reads a boolean header ('true' in any case). */
export function booleanHeader(h: IncomingHttpHeaders, name: string): boolean {
  return header(h, name)?.trim().toLowerCase() === 'true';
}

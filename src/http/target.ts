import { S3Error } from '../errors/s3error.js';
import { parseQuery } from './query.js';

/** Where a request is addressed: parsed once from the raw URL and the Host header. */
export interface Target {
  /** Undefined for service-level requests (GET /). */
  bucket?: string;
  /** Undefined when the request is on the bucket (or service) itself. Decoded exactly once. */
  key?: string;
  style: 'path' | 'virtual';
  /** The path as sent, still percent-encoded (for signing). */
  rawPath: string;
  /** The query as sent, without '?' (for signing). */
  rawQuery: string;
  /** Decoded query parameters, first value wins; a bare `?acl` has value ''. */
  query: Map<string, string>;
  /** Every decoded query pair, in arrival order (for signing). */
  pairs: Array<[string, string]>;
  /** Host without port, lower-cased. */
  host: string;
}

export const MAX_KEY_BYTES = 1024;

/** Percent-decodes a path segment ('+' is a literal plus in paths). Invalid escapes or UTF-8 -> InvalidURI. */
export function decodePath(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error('InvalidURI');
  }
}

/** Decoded query parameters by name, first value wins; a bare `?acl` has value ''. */
export function queryMap(pairs: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  const q = new Map<string, string>();
  for (const [name, value] of pairs) if (!q.has(name)) q.set(name, value);
  return q;
}

/** Decoded query parameters of a raw query string (first value wins). */
export function parseQueryMap(rawQuery: string): Map<string, string> {
  return queryMap(parseQuery(rawQuery));
}

/** The bucket name a virtual-hosted Host names, or undefined for a path-style Host. */
export function bucketFromHost(host: string, domains: readonly string[]): string | undefined {
  for (const d of domains) {
    if (host.length > d.length + 1 && host.endsWith(d) && host[host.length - d.length - 1] === '.') {
      return host.slice(0, host.length - d.length - 1);
    }
  }
  return undefined;
}

export function hostWithoutPort(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** Splits the raw request URL and Host into bucket, key and query. */
export function parseTarget(rawUrl: string, hostHeader: string | undefined, domains: readonly string[]): Target {
  const qi = rawUrl.indexOf('?');
  let rawPath = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
  const rawQuery = qi < 0 ? '' : rawUrl.slice(qi + 1);
  // Absolute-form request targets (proxies): keep only the path.
  if (!rawPath.startsWith('/')) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(rawPath);
    rawPath = m?.[1] ?? '/';
  }
  const host = hostWithoutPort(hostHeader);
  const pairs = parseQuery(rawQuery);
  const query = queryMap(pairs);
  const vbucket = bucketFromHost(host, domains);
  let bucket: string | undefined;
  let key: string | undefined;
  let style: Target['style'];
  if (vbucket !== undefined) {
    style = 'virtual';
    bucket = vbucket;
    const k = rawPath.slice(1);
    key = k === '' ? undefined : decodePath(k);
  } else {
    style = 'path';
    const p = rawPath.slice(1);
    const slash = p.indexOf('/');
    const b = slash < 0 ? p : p.slice(0, slash);
    bucket = b === '' ? undefined : decodePath(b);
    const k = slash < 0 ? '' : p.slice(slash + 1);
    key = k === '' ? undefined : decodePath(k);
  }
  if (key !== undefined && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', undefined, { Size: String(Buffer.byteLength(key, 'utf8')), MaxSizeAllowed: String(MAX_KEY_BYTES) });
  }
  return { bucket, key, style, rawPath, rawQuery, query, pairs, host };
}

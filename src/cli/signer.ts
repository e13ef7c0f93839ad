import {
  ALGORITHM,
  UNSIGNED_PAYLOAD,
  canonicalHeaderBlock,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  formatAmzDate,
  sign,
  signingKey,
  stringToSign,
} from '../auth/sigv4.js';

export interface PresignInput {
  /** Base URL clients reach Cairn on, e.g. https://s3.example.com (CAIRN_PUBLIC_URL). */
  baseUrl: string;
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE';
  bucket: string;
  key: string;
  accessKey: string;
  secretKey: string;
  region: string;
  expiresSeconds: number;
  now: Date;
}

/** A SigV4 presigned URL (path-style) for one object, signed the way the AWS SDKs sign them. */
export function presignUrl(p: PresignInput): string {
  const base = new URL(p.baseUrl);
  const amzDate = formatAmzDate(p.now);
  const date = amzDate.slice(0, 8);
  const scope = credentialScope(date, p.region, 's3');
  const basePath = base.pathname.replace(/\/+$/, '');
  const path = `${basePath}/${p.bucket}/${p.key}`;
  const pairs: Array<[string, string]> = [
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${p.accessKey}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(p.expiresSeconds)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const query = canonicalQueryString(pairs);
  const creq = canonicalRequest({
    method: p.method,
    canonicalUri: canonicalUri(path),
    canonicalQuery: query,
    canonicalHeaders: canonicalHeaderBlock({ host: base.host }, ['host']),
    signedHeaders: ['host'],
    payloadHash: UNSIGNED_PAYLOAD,
  });
  const signature = sign(signingKey(p.secretKey, date, p.region, 's3'), stringToSign(amzDate, scope, creq));
  return `${base.protocol}//${base.host}${canonicalUri(path)}?${query}&X-Amz-Signature=${signature}`;
}

export interface SignedRequestInput {
  /** http://host:port the request goes to. */
  endpoint: string;
  method: string;
  /** The decoded path, e.g. /bucket/key. */
  path: string;
  query?: Array<[string, string]>;
  /** Extra headers to sign (content-length is sent but never signed). */
  headers?: Record<string, string>;
  accessKey: string;
  secretKey: string;
  region: string;
  now: Date;
}

/**
 * A SigV4 Authorization-header request with an UNSIGNED-PAYLOAD body: the
 * URL to send (path and query encoded exactly as signed) and its headers.
 * Used by Cairn's own load generators.
 */
export function signRequest(p: SignedRequestInput): { url: string; headers: Record<string, string> } {
  const base = new URL(p.endpoint);
  const amzDate = formatAmzDate(p.now);
  const date = amzDate.slice(0, 8);
  const scope = credentialScope(date, p.region, 's3');
  const headers: Record<string, string> = { ...p.headers, host: base.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': UNSIGNED_PAYLOAD };
  const names = Object.keys(headers)
    .filter((n) => n !== 'content-length')
    .sort();
  const query = canonicalQueryString(p.query ?? []);
  const uri = canonicalUri(p.path);
  const creq = canonicalRequest({
    method: p.method,
    canonicalUri: uri,
    canonicalQuery: query,
    canonicalHeaders: canonicalHeaderBlock(headers, names),
    signedHeaders: names,
    payloadHash: UNSIGNED_PAYLOAD,
  });
  const signature = sign(signingKey(p.secretKey, date, p.region, 's3'), stringToSign(amzDate, scope, creq));
  headers.authorization = `${ALGORITHM} Credential=${p.accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return { url: `${base.protocol}//${base.host}${uri}${query ? `?${query}` : ''}`, headers };
}

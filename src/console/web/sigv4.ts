/**
 * SigV4 in the browser (WebCrypto): the console signs every request itself,
 * so Cairn authorizes it exactly like the same request from aws-cli.
 * Pure functions of their inputs (the clock is passed in), unit-tested
 * against the server's own verifier.
 */

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignInput {
  readonly method: string;
  /** The path as sent (already URI-encoded, e.g. from `objectPath`). */
  readonly path: string;
  /** Query parameters (values not yet encoded). */
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** The payload hash: hex SHA-256 of the body, or 'UNSIGNED-PAYLOAD'. */
  readonly payloadHash: string;
  readonly host: string;
  readonly region: string;
  readonly service: string;
  readonly now: Date;
}

const enc = new TextEncoder();

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `/bucket/key` with each segment of the key encoded, slashes kept. */
export function objectPath(bucket: string, key = ''): string {
  if (!bucket) return '/';
  return `/${uriEncode(bucket)}/${key.split('/').map(uriEncode).join('/')}`;
}

export function canonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .map((k) => [uriEncode(k), uriEncode(query[k] ?? '')] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(data: string | ArrayBuffer | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? enc.encode(data) : data;
  return hex(await crypto.subtle.digest('SHA-256', bytes as Parameters<typeof crypto.subtle.digest>[1]));
}

async function hmac(key: ArrayBuffer | Uint8Array, data: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey('raw', key as Parameters<typeof crypto.subtle.digest>[1], { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, enc.encode(data));
}

export function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

async function signingKey(secret: string, day: string, region: string, service: string): Promise<ArrayBuffer> {
  const kDate = await hmac(enc.encode(`AWS4${secret}`), day);
  const kRegion = await hmac(kDate, region);
  const kService = await hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

function canonicalHeaders(headers: Readonly<Record<string, string>>): { canonical: string; signed: string } {
  const entries = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { canonical: entries.map(([k, v]) => `${k}:${v}\n`).join(''), signed: entries.map(([k]) => k).join(';') };
}

/** The headers to send (x-amz-date, x-amz-content-sha256, Authorization, the session token) for a header-signed request. */
export async function signHeaders(creds: Credentials, input: SignInput): Promise<Record<string, string>> {
  const date = amzDate(input.now);
  const day = date.slice(0, 8);
  const headers: Record<string, string> = {
    ...(input.headers ?? {}),
    host: input.host,
    'x-amz-date': date,
    'x-amz-content-sha256': input.payloadHash,
  };
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  const { canonical, signed } = canonicalHeaders(headers);
  const request = [input.method, input.path, canonicalQuery(input.query ?? {}), canonical, signed, input.payloadHash].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, await sha256Hex(request)].join('\n');
  const signature = hex(await hmac(await signingKey(creds.secretAccessKey, day, input.region, input.service), toSign));
  const out: Record<string, string> = { ...headers };
  delete out.host;
  out.authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`;
  return out;
}

/** A presigned URL's path and query (GET by default), valid for `expires` seconds (at most 7 days). */
export async function presign(creds: Credentials, input: Omit<SignInput, 'payloadHash' | 'headers'> & { readonly expires: number }): Promise<string> {
  const date = amzDate(input.now);
  const day = date.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const query: Record<string, string> = {
    ...(input.query ?? {}),
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${creds.accessKeyId}/${scope}`,
    'X-Amz-Date': date,
    'X-Amz-Expires': String(Math.min(604800, Math.max(1, Math.floor(input.expires)))),
    'X-Amz-SignedHeaders': 'host',
  };
  if (creds.sessionToken) query['X-Amz-Security-Token'] = creds.sessionToken;
  const qs = canonicalQuery(query);
  const request = [input.method, input.path, qs, `host:${input.host}\n`, 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', date, scope, await sha256Hex(request)].join('\n');
  const signature = hex(await hmac(await signingKey(creds.secretAccessKey, day, input.region, input.service), toSign));
  return `${input.path}?${qs}&X-Amz-Signature=${signature}`;
}

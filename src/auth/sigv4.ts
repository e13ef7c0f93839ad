/**
 * AWS Signature Version 4, S3 flavour: the pure building blocks (no I/O).
 *
 * The verifier (authenticate) combines them: parse the Authorization header
 * or the presigned query, rebuild the canonical request from what arrived on
 * the wire, derive the signing key, compare with `safeEqual`.
 *
 * S3 differs from the generic SigV4 rules in two ways that matter here:
 * - the canonical URI is the object path encoded ONCE (no double encoding),
 *   and `//`, `.` and `..` segments are NOT normalised: `a//b` and `a/../b`
 *   are distinct, legal keys;
 * - the payload hash is whatever `x-amz-content-sha256` says (a hex digest,
 *   UNSIGNED-PAYLOAD, or one of the STREAMING-* markers).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from '../errors/s3error.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const TERMINATOR = 'aws4_request';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** SHA-256 of the empty string. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** The longest lifetime a presigned URL may ask for (7 days). */
export const MAX_PRESIGN_EXPIRES = 604_800;

// ---------------------------------------------------------------------------
// Encoding

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;
const HEX = '0123456789ABCDEF';
/** byte -> its UriEncode form, '/' (0x2f) handled by the caller. */
const BYTE_ENCODED: string[] = Array.from({ length: 256 }, (_, b) => {
  const c = String.fromCharCode(b);
  return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${HEX[b >> 4]}${HEX[b & 15]}`;
});

/**
 * AWS UriEncode: every UTF-8 byte except A-Za-z0-9 - . _ ~ becomes %XX
 * (uppercase hex). With `encodeSlash = false` a '/' stays as it is (paths).
 * A lone surrogate (not valid UTF-16) is encoded as U+FFFD, as Buffer does.
 */
export function uriEncode(s: string, encodeSlash: boolean): string {
  if (UNRESERVED.test(s)) return s;
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += b === 0x2f && !encodeSlash ? '/' : BYTE_ENCODED[b]!;
  }
  return out;
}

/**
 * The S3 canonical URI of a decoded path ('/bucket/key' or '/key' as the
 * client addressed it): encoded once, '/' kept, nothing normalised. An empty
 * path is '/'.
 */
export function canonicalUri(decodedPath: string): string {
  if (decodedPath === '') return '/';
  return uriEncode(decodedPath, false);
}

export { parseQuery, type ParseQueryOptions } from '../http/query.js';

/**
 * The canonical query string: each name and value UriEncoded (slash encoded),
 * sorted by encoded name then encoded value (byte order), joined with '&'.
 * A parameter without a value is 'name='. `omit` drops one parameter by exact
 * name ('X-Amz-Signature' for presigned requests).
 */
export function canonicalQueryString(pairs: Array<[string, string]>, omit?: string): string {
  const encoded: Array<[string, string]> = [];
  for (const [name, value] of pairs) {
    if (omit !== undefined && name === omit) continue;
    encoded.push([uriEncode(name, true), uriEncode(value, true)]);
  }
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  let out = '';
  for (let i = 0; i < encoded.length; i++) {
    if (i > 0) out += '&';
    out += `${encoded[i]![0]}=${encoded[i]![1]}`;
  }
  return out;
}

const NEEDS_CANONICAL_SPACE = /[\t\r\n]| {2}|^ | $/;

/** Trim and collapse runs of spaces, tabs and line breaks to one space. */
function canonicalHeaderValue(v: string): string {
  if (!NEEDS_CANONICAL_SPACE.test(v)) return v;
  return v.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');
}

/**
 * 'name:value\n' for each signed header, in the order given. Header names are
 * looked up case-insensitively (Node gives them lowercased). Values are
 * trimmed with inner whitespace runs collapsed; an array (a header sent more
 * than once) is joined with ','. A signed header that is absent gives
 * 'name:' (the signature will then not match, as on AWS).
 */
export function canonicalHeaderBlock(headers: Record<string, string | string[] | undefined>, signedHeaders: string[]): string {
  let lower: Map<string, string | string[] | undefined> | undefined;
  let out = '';
  for (const name of signedHeaders) {
    let v = headers[name];
    if (v === undefined) {
      if (!lower) {
        lower = new Map();
        for (const k of Object.keys(headers)) {
          const lk = k.toLowerCase();
          if (!lower.has(lk)) lower.set(lk, headers[k]);
        }
      }
      v = lower.get(name.toLowerCase());
    }
    const value = v === undefined ? '' : Array.isArray(v) ? v.map(canonicalHeaderValue).join(',') : canonicalHeaderValue(v);
    out += `${name}:${value}\n`;
  }
  return out;
}

/**
 * Whether S3 requires a header to be signed whenever a SigV4 request
 * (Authorization header, aws-chunked or presigned URL alike) carries it:
 * every `x-amz-*` header and Content-MD5. `name` is lower-case.
 *
 * x-amz-content-sha256 is the one exception, in both modes: its value is
 * the canonical request's last line, so it is bound by the signature whether
 * named or not. AWS accepts it unsigned (a header-signed request with it
 * left out of SignedHeaders verifies; on a presigned URL it is used as the
 * payload hash, so anything but the UNSIGNED-PAYLOAD the URL was signed with
 * is SignatureDoesNotMatch). Every other x-amz-* header, x-amz-date and
 * x-amz-security-token included, is refused unsigned. Content-MD5 is not
 * x-amz-* but S3 refuses it unsigned too (HeadersNotSigned: content-md5).
 * Other standard headers (Content-Type, Range, ...) may go unsigned.
 * `x-amzn-trace-id` is not `x-amz-` and is never signed by the SDKs.
 */
export function mustBeSigned(name: string): boolean {
  const c = name.charCodeAt(0);
  if (c === 0x78 /* x */) return name.startsWith('x-amz-') && name !== 'x-amz-content-sha256';
  if (c === 0x63 /* c */) return name === 'content-md5';
  return false;
}

/**
 * The headers present in the request that S3 requires signed
 * (`mustBeSigned`) and that `signedHeaders` does not name, in the order they
 * arrived; undefined when there are none. `headers` is Node's
 * IncomingHttpHeaders (names lower-case, in arrival order). This runs on
 * every signed request: when every header is signed it allocates nothing.
 */
export function unsignedHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, signedHeaders: readonly string[]): string[] | undefined {
  let out: string[] | undefined;
  for (const name in headers) {
    if (!mustBeSigned(name) || headers[name] === undefined || signedHeaders.includes(name)) continue;
    // A client that named the header in another case still signed it (the canonical block looks it up case-insensitively).
    if (signedHeaders.some((s) => s.toLowerCase() === name)) continue;
    (out ??= []).push(name);
  }
  return out;
}

export interface CanonicalRequestParts {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  /** The output of canonicalHeaderBlock (each line ends with '\n'). */
  canonicalHeaders: string;
  signedHeaders: string[];
  payloadHash: string;
}

export function canonicalRequest(p: CanonicalRequestParts): string {
  return `${p.method}\n${p.canonicalUri}\n${p.canonicalQuery}\n${p.canonicalHeaders}\n${p.signedHeaders.join(';')}\n${p.payloadHash}`;
}

/** 'YYYYMMDD/region/service/aws4_request'. */
export function credentialScope(date: string, region: string, service: string): string {
  return `${date}/${region}/${service}/${TERMINATOR}`;
}

export function stringToSign(amzDate: string, scope: string, canonicalRequestText: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequestText)}`;
}

/** String to sign of one aws-chunked chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]). */
export function chunkStringToSign(amzDate: string, scope: string, previousSignature: string, chunkDataSha256Hex: string): string {
  return `${ALGORITHM}-PAYLOAD\n${amzDate}\n${scope}\n${previousSignature}\n${EMPTY_SHA256}\n${chunkDataSha256Hex}`;
}

/**
 * String to sign of the trailer of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
 * body. `trailerSha256Hex` is the SHA-256 of the trailing header lines, each
 * as 'name:value\n' (e.g. 'x-amz-checksum-crc32c:sOO8/Q==\n').
 */
export function trailerStringToSign(amzDate: string, scope: string, previousSignature: string, trailerSha256Hex: string): string {
  return `${ALGORITHM}-TRAILER\n${amzDate}\n${scope}\n${previousSignature}\n${trailerSha256Hex}`;
}

// ---------------------------------------------------------------------------
// Crypto

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secret}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, TERMINATOR);
}

const SIGNING_KEY_CACHE_MAX = 256;

/**
 * What a verifier remembers between requests (one per server): derived
 * signing keys by (secret, date, region, service), least recently used
 * first (keys change at most daily per identity, so a small cache saves four
 * HMACs per request; it holds secrets the process holds anyway), and parsed
 * credential scopes (a client sends the same one all day).
 */
export class SignatureCaches {
  private readonly keys = new Map<string, Buffer>();
  private readonly credentials = new Map<string, CredentialResult>();

  signingKey(secret: string, date: string, region: string, service: string): Buffer {
    const cacheKey = `${date}\u0000${region}\u0000${service}\u0000${secret}`;
    const hit = this.keys.get(cacheKey);
    if (hit) {
      this.keys.delete(cacheKey);
      this.keys.set(cacheKey, hit);
      return hit;
    }
    const key = signingKey(secret, date, region, service);
    if (this.keys.size >= SIGNING_KEY_CACHE_MAX) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    this.keys.set(cacheKey, key);
    return key;
  }

  private lastDate?: { raw: string; date: Date | undefined };

  /** parseAmzDate, remembering the last one (a second's requests all carry it). */
  amzDate(raw: string): Date | undefined {
    const last = this.lastDate;
    if (last && last.raw === raw) return last.date;
    const date = parseAmzDate(raw);
    this.lastDate = { raw, date };
    return date;
  }

  credential(cred: string): CredentialResult {
    const hit = this.credentials.get(cred);
    if (hit) return hit;
    const r = parseCredential(cred);
    if (this.credentials.size >= 256) this.credentials.clear();
    this.credentials.set(cred, r);
    return r;
  }
}

/** Hex HMAC-SHA256 of `data` under a derived signing key. */
export function sign(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

/**
 * Constant-time string comparison. Strings of different lengths compare
 * false, after a comparison of the same cost as an equal-length one.
 */
export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ba.length !== bb.length) {
    timingSafeEqual(ba, ba);
    return false;
  }
  return timingSafeEqual(ba, bb);
}

// ---------------------------------------------------------------------------
// Parsing the request's claims

export interface ParsedAuthorization {
  accessKey: string;
  /** YYYYMMDD from the credential scope. */
  date: string;
  region: string;
  service: string;
  /** As sent (SignedHeaders split on ';'). */
  signedHeaders: string[];
  signature: string;
  /** 'date/region/service/aws4_request'. */
  scope: string;
}

export interface ParsedPresigned extends ParsedAuthorization {
  /** X-Amz-Date, e.g. 20130524T000000Z (validated). */
  amzDate: string;
  /** X-Amz-Expires in seconds, 1..604800. */
  expires: number;
  securityToken?: string;
}

export type CredentialResult = { ok: true; accessKey: string; date: string; region: string; service: string } | { ok: false; reason: string };

/**
 * 'AKID/YYYYMMDD/region/service/aws4_request'. The access key is everything
 * before the last four parts (split from the right).
 */
function parseCredential(cred: string): CredentialResult {
  const malformed = 'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';
  const parts = cred.split('/');
  if (parts.length < 5) return { ok: false, reason: malformed };
  const terminator = parts[parts.length - 1]!;
  const service = parts[parts.length - 2]!;
  const region = parts[parts.length - 3]!;
  const date = parts[parts.length - 4]!;
  const accessKey = parts.slice(0, parts.length - 4).join('/');
  if (accessKey === '' || region === '' || service === '') return { ok: false, reason: malformed };
  if (terminator !== TERMINATOR) {
    return { ok: false, reason: `incorrect terminal "${terminator}". This endpoint uses "${TERMINATOR}".` };
  }
  if (!/^\d{8}$/.test(date) || !validYmd(date)) return { ok: false, reason: malformed };
  return { ok: true, accessKey, date, region, service };
}

function validYmd(ymd: string): boolean {
  const y = Number(ymd.slice(0, 4));
  const m = Number(ymd.slice(4, 6));
  const d = Number(ymd.slice(6, 8));
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function parseSignedHeaders(s: string): string[] | undefined {
  if (s === '') return undefined;
  const names = s.split(';');
  for (const n of names) if (n === '' || /[\s:]/.test(n)) return undefined;
  return names;
}

/**
 * Parses 'AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request,
 * SignedHeaders=host;range;x-amz-date, Signature=<hex>' (components separated
 * by ',' with or without spaces, in any order). Anything malformed throws
 * S3Error('AuthorizationHeaderMalformed') with an AWS-style message.
 */
export function parseAuthorizationHeader(value: string, caches?: SignatureCaches): ParsedAuthorization {
  const fail = (detail: string): never => {
    throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${detail}`);
  };
  const v = value.trim();
  const space = v.search(/\s/);
  const algorithm = space === -1 ? v : v.slice(0, space);
  if (algorithm !== ALGORITHM) {
    fail(`the authorization header requires the algorithm "${ALGORITHM}", not "${algorithm}".`);
  }
  const rest = space === -1 ? '' : v.slice(space + 1);
  const fields = new Map<string, string>();
  for (const raw of rest.split(',')) {
    const component = raw.trim();
    if (component === '') continue;
    const eq = component.indexOf('=');
    if (eq <= 0) fail(`the authorization component "${component}" is malformed.`);
    const name = component.slice(0, eq).trim();
    const val = component.slice(eq + 1).trim();
    if (name !== 'Credential' && name !== 'SignedHeaders' && name !== 'Signature') {
      fail(`the authorization component "${component}" is malformed.`);
    }
    if (fields.has(name)) fail(`the authorization component "${name}" is repeated.`);
    fields.set(name, val);
  }
  const credential = fields.get('Credential');
  const signedHeadersRaw = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeadersRaw === undefined || signature === undefined) {
    return fail('the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  }
  const cred = caches ? caches.credential(credential) : parseCredential(credential);
  if (!cred.ok) return fail(cred.reason);
  const signedHeaders = parseSignedHeaders(signedHeadersRaw);
  if (!signedHeaders) return fail(`the authorization component "SignedHeaders=${signedHeadersRaw}" is malformed.`);
  if (signature === '') return fail('the authorization component "Signature=" is malformed.');
  return {
    accessKey: cred.accessKey,
    date: cred.date,
    region: cred.region,
    service: cred.service,
    signedHeaders,
    signature,
    scope: credentialScope(cred.date, cred.region, cred.service),
  };
}

const PRESIGN_REQUIRED =
  'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.';

/**
 * Reads the SigV4 presigned-URL parameters from the decoded query. Missing or
 * malformed parameters throw S3Error('AuthorizationQueryParametersError')
 * with AWS's messages. Checks that the credential date is X-Amz-Date's date;
 * expiry against the clock, the region and 'host' being signed are the
 * verifier's business.
 */
export function parsePresignedQuery(q: ReadonlyMap<string, string>, caches?: SignatureCaches): ParsedPresigned {
  const fail = (message: string): never => {
    throw new S3Error('AuthorizationQueryParametersError', message);
  };
  const algorithm = q.get('X-Amz-Algorithm');
  const credential = q.get('X-Amz-Credential');
  const signature = q.get('X-Amz-Signature');
  const amzDate = q.get('X-Amz-Date');
  const signedHeadersRaw = q.get('X-Amz-SignedHeaders');
  const expiresRaw = q.get('X-Amz-Expires');
  if (
    algorithm === undefined ||
    credential === undefined ||
    signature === undefined ||
    amzDate === undefined ||
    signedHeadersRaw === undefined ||
    expiresRaw === undefined
  ) {
    return fail(PRESIGN_REQUIRED);
  }
  if (algorithm !== ALGORITHM) fail(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const cred = caches ? caches.credential(credential) : parseCredential(credential);
  if (!cred.ok) return fail(`Error parsing the X-Amz-Credential parameter; ${cred.reason}`);
  if (parseAmzDate(amzDate) === undefined) {
    fail("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (amzDate.slice(0, 8) !== cred.date) {
    fail(
      `Error parsing the X-Amz-Credential parameter; Invalid credential date "${cred.date}". This date is not the same as X-Amz-Date: "${amzDate.slice(0, 8)}".`,
    );
  }
  if (!/^-?\d+$/.test(expiresRaw)) fail('X-Amz-Expires should be a number');
  const expires = Number(expiresRaw);
  if (expires < 0) fail('X-Amz-Expires must be non-negative');
  if (expires < 1) fail('X-Amz-Expires must be at least 1 second');
  if (expires > MAX_PRESIGN_EXPIRES) fail('X-Amz-Expires must be less than a week (in seconds) that is 604800');
  const signedHeaders = parseSignedHeaders(signedHeadersRaw);
  if (!signedHeaders) return fail(`X-Amz-SignedHeaders "${signedHeadersRaw}" is malformed.`);
  if (signature === '') fail(PRESIGN_REQUIRED);
  const token = q.get('X-Amz-Security-Token');
  const parsed: ParsedPresigned = {
    accessKey: cred.accessKey,
    date: cred.date,
    region: cred.region,
    service: cred.service,
    signedHeaders,
    signature,
    scope: credentialScope(cred.date, cred.region, cred.service),
    amzDate,
    expires,
  };
  if (token !== undefined) parsed.securityToken = token;
  return parsed;
}

/** '20130524T000000Z' -> Date; anything else (or an impossible date) -> undefined. */
export function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  if (t.getUTCDate() !== d || t.getUTCMonth() !== mo - 1) return undefined;
  return t;
}

/** Date -> '20130524T000000Z'. */
export function formatAmzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Config } from '../config.js';
import type { Services } from '../core/services.js';
import type { Principal } from './principal.js';
import { S3Error } from '../errors/s3error.js';
import type { Target } from '../http/target.js';
import { ChunkedDecoder } from './chunked.js';
import { LengthVerifier, Sha256Verifier } from './payload.js';
import { parseV2Authorization, v2Sign, v2StringToSignCandidates } from './sigv2.js';
import {
  canonicalHeaderBlock,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  parseAmzDate,
  parseAuthorizationHeader,
  parsePresignedQuery,
  safeEqual,
  sign,
  signingKey,
  stringToSign,
  unsignedHeaders,
  type ParsedAuthorization,
  type SignatureCaches,
} from './sigv4.js';

/** What authentication needs: the clock, the region, and who owns an access key. */
export interface AuthContext {
  readonly config: Config;
  readonly clock: () => number;
  readonly services: Pick<Services, 'identities'>;
  /** Derived signing keys and parsed scopes remembered between requests. */
  readonly signatures?: SignatureCaches;
}

export type AuthMethod = 'sigv4' | 'sigv4-query' | 'sigv2' | 'sigv2-query' | 'anonymous';

/** The result of authenticating a request: who sent it, and how to read its body. */
export interface Authenticated {
  principal?: Principal;
  method: AuthMethod;
  /** The x-amz-content-sha256 mode, for operations that care (e.g. signed-payload uploads). */
  payload: 'unsigned' | 'sha256' | 'streaming-signed' | 'streaming-signed-trailer' | 'streaming-unsigned-trailer' | 'none';
  /** Length of the decoded body when known (Content-Length, or x-amz-decoded-content-length for aws-chunked). */
  contentLength?: number;
  /** Trailer names announced in x-amz-trailer (lower-case). */
  trailerNames: string[];
  /** Wraps the raw body so it is decoded and verified while read. Call once. */
  body(raw: Readable): Readable;
  /** Trailing headers of an aws-chunked body: complete once the body has ended. */
  trailers(): ReadonlyMap<string, string>;
}

const MAX_SKEW_MS = 15 * 60 * 1000;
const HEX64 = /^[0-9a-f]{64}$/;
const STREAMING = new Set(['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER']);

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function contentLengthOf(h: IncomingHttpHeaders): number | undefined {
  const v = header(h, 'content-length');
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new S3Error('InvalidArgument', 'Content-Length is not a number');
  return Number(v);
}

function checkSkew(ctx: AuthContext, requestDate: Date, raw: string): void {
  const now = ctx.clock();
  if (Math.abs(now - requestDate.getTime()) > MAX_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', undefined, {
      RequestTime: raw,
      ServerTime: new Date(now).toISOString(),
      MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    });
  }
}

function checkScope(ctx: AuthContext, a: ParsedAuthorization, query: boolean, service: Service): void {
  const err = query ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed';
  if (a.service !== service) {
    throw new S3Error(
      err,
      `The authorization ${query ? 'query parameters are' : 'header is'} malformed; incorrect service "${a.service}". This endpoint belongs to "${service}".`,
    );
  }
  const region = ctx.config.region;
  // IAM is a global service that AWS's clients sign for us-east-1; with an endpoint URL they sign for the configured region.
  if (a.region !== region && region !== 'us-east-1' && !(service === 'iam' && a.region === 'us-east-1')) {
    throw new S3Error(
      err,
      `The authorization ${query ? 'query parameters are' : 'header is'} malformed; the region '${a.region}' is wrong; expecting '${region}'`,
      { Region: region },
    );
  }
}

/**
 * Who an access key signs as, and its secret: a long-term key (an account
 * root's or an IAM user's, Active), or temporary credentials whose session
 * token STS sealed (ExpiredToken past its expiration, InvalidToken for one
 * that does not open or names another key).
 */
export function lookupKey(ctx: AuthContext, accessKey: string, token: string | undefined): { principal: Principal; secret: string } {
  if (token !== undefined) {
    const s = ctx.services.identities.bySessionToken(accessKey, token);
    if (s === 'expired') throw new S3Error('ExpiredToken', undefined, { 'X-Amz-Expires': '' });
    if (s === 'invalid') throw new S3Error('InvalidToken', undefined, { Token: '' });
    if (!s) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: accessKey });
    return s;
  }
  const found = ctx.services.identities.byAccessKey(accessKey);
  if (!found) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: accessKey });
  return found;
}

/** Tries the canonical URI forms a client may have signed: AWS re-encoding of the decoded path, then the path as sent. */
function uriCandidates(target: Target): string[] {
  let decoded: string;
  try {
    decoded = decodeURIComponent(target.rawPath);
  } catch {
    return [target.rawPath];
  }
  const a = canonicalUri(decoded);
  return a === target.rawPath ? [a] : [a, target.rawPath];
}

function mismatch(accessKey: string, sts: string, provided: string, creq: string): S3Error {
  const hex = (s: string) =>
    Buffer.from(s, 'utf8')
      .toString('hex')
      .replace(/(..)(?!$)/g, '$1 ');
  return new S3Error('SignatureDoesNotMatch', undefined, {
    AWSAccessKeyId: accessKey,
    StringToSign: sts,
    SignatureProvided: provided,
    StringToSignBytes: hex(sts),
    CanonicalRequest: creq,
    CanonicalRequestBytes: hex(creq),
  });
}

const ignore = () => undefined;

/**
 * The stream an operation reads a body from may fail (bad hash, truncated
 * body) before the operation starts iterating it: a listener is attached at
 * once so the failure is kept on the stream (and rethrown to its reader)
 * instead of escaping as an uncaught error.
 */
function guarded<T extends Readable>(s: T): T {
  s.on('error', ignore);
  return s;
}

function plainBody(len: number | undefined): (raw: Readable) => Readable {
  return (raw) => {
    guarded(raw);
    if (len === undefined) return raw;
    // pipe() does not pass on a source's error: a client that aborts mid-body must fail the reader, not stall it.
    const v = guarded(new LengthVerifier(len));
    raw.on('error', (e) => v.destroy(e));
    return raw.pipe(v);
  };
}

function hashedBody(len: number | undefined, expectedHex: string): (raw: Readable) => Readable {
  return (raw) => {
    const base = plainBody(len)(raw);
    const v = guarded(new Sha256Verifier(expectedHex));
    base.on('error', (e) => v.destroy(e));
    return base.pipe(v);
  };
}

const NO_TRAILERS: ReadonlyMap<string, string> = new Map();

function verifySigV4(
  ctx: AuthContext,
  method: string,
  target: Target,
  headers: IncomingHttpHeaders,
  a: ParsedAuthorization,
  amzDate: string,
  payloadHash: string,
  query: boolean,
  token: string | undefined,
): { principal: Principal; key: Buffer; signature: string } {
  const { principal, secret: secretKey } = lookupKey(ctx, a.accessKey, token);
  if (!a.signedHeaders.includes('host')) {
    throw new S3Error(query ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed', 'The host header must be signed.');
  }
  const key = ctx.signatures ? ctx.signatures.signingKey(secretKey, a.date, a.region, a.service) : signingKey(secretKey, a.date, a.region, a.service);
  const pairs = target.pairs;
  const cq = canonicalQueryString(pairs, query ? 'X-Amz-Signature' : undefined);
  const ch = canonicalHeaderBlock(headers as Record<string, string | string[] | undefined>, a.signedHeaders);
  let first: { sts: string; creq: string } | undefined;
  for (const uri of uriCandidates(target)) {
    const creq = canonicalRequest({ method, canonicalUri: uri, canonicalQuery: cq, canonicalHeaders: ch, signedHeaders: a.signedHeaders, payloadHash });
    const sts = stringToSign(amzDate, a.scope, creq);
    const sig = sign(key, sts);
    if (safeEqual(sig, a.signature)) {
      checkAllSigned(headers, a.signedHeaders);
      if (!principal.temporary) ctx.services.identities.noteUse(a.accessKey, a.service, a.region);
      return { principal, key, signature: a.signature };
    }
    first ??= { sts, creq };
  }
  throw mismatch(a.accessKey, first!.sts, a.signature, first!.creq);
}

/**
 * A verified signature covers only the headers it names: an operation must
 * never act on one it does not. S3 refuses a SigV4 request (header, chunked
 * or presigned) that carries an x-amz-* header or Content-MD5 left out of
 * SignedHeaders, so a presigned PUT cannot be turned into a CopyObject, an
 * Object Lock or a governance bypass by adding headers to it, and a captured
 * request cannot be replayed with new ones. (SigV2 needs no such check: its
 * string to sign holds Content-MD5 and every x-amz-* header present.)
 */
function checkAllSigned(headers: IncomingHttpHeaders, signedHeaders: readonly string[]): void {
  const unsigned = unsignedHeaders(headers as Record<string, string | string[] | undefined>, signedHeaders);
  if (unsigned) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', { HeadersNotSigned: unsigned.join(', ') });
  }
}

/** The service a request is signed for: S3, or the IAM and STS Query APIs on the same port. */
export type Service = 's3' | 'iam' | 'sts';

export interface AuthenticateOptions {
  /** The service the credential scope must name (default s3). */
  service?: Service;
  /**
   * The payload hash to verify the signature with, when the service signs the
   * body without an x-amz-content-sha256 header (IAM and STS: the SHA-256 of
   * the form body, which the caller has read).
   */
  payloadHash?: string;
}

/**
 * Authenticates one request: SigV4 (header or presigned query), SigV2
 * (header or presigned query) or anonymous. Throws an S3Error for a
 * request that claims credentials and fails to prove them.
 */
export function authenticate(ctx: AuthContext, method: string, target: Target, headers: IncomingHttpHeaders, opts: AuthenticateOptions = {}): Authenticated {
  const service = opts.service ?? 's3';
  const authz = header(headers, 'authorization');
  const q = target.query;
  const contentLength = contentLengthOf(headers);
  const trailerNames = (header(headers, 'x-amz-trailer') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');

  if (authz !== undefined && (q.has('X-Amz-Signature') || q.has('Signature'))) {
    throw new S3Error(
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    );
  }

  // --- SigV4, Authorization header
  if (authz !== undefined && authz.startsWith('AWS4-')) {
    if (!authz.startsWith('AWS4-HMAC-SHA256 ')) throw new S3Error('AuthorizationHeaderMalformed', `Unsupported Authorization Type "${authz.split(' ')[0]}"`);
    const a = parseAuthorizationHeader(authz, ctx.signatures);
    checkScope(ctx, a, false, service);
    const rawDate = header(headers, 'x-amz-date') ?? header(headers, 'date');
    const date = rawDate ? ((ctx.signatures ? ctx.signatures.amzDate(rawDate) : parseAmzDate(rawDate)) ?? parseHttpDate(rawDate)) : undefined;
    if (!rawDate || !date) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    const amzDate = header(headers, 'x-amz-date') ?? toAmzDate(date);
    if (amzDate.slice(0, 8) !== a.date) {
      throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.`);
    }
    checkSkew(ctx, date, rawDate);
    const payloadHash = header(headers, 'x-amz-content-sha256') ?? opts.payloadHash;
    if (opts.payloadHash !== undefined && payloadHash !== opts.payloadHash && payloadHash !== 'UNSIGNED-PAYLOAD') {
      throw new S3Error('XAmzContentSHA256Mismatch', undefined, { ClientComputedContentSHA256: payloadHash ?? '', S3ComputedContentSHA256: opts.payloadHash });
    }
    if (payloadHash === undefined)
      throw new S3Error('MissingSecurityHeader', 'Missing required header for this request: x-amz-content-sha256', {
        MissingHeaderName: 'x-amz-content-sha256',
      });
    if (payloadHash !== 'UNSIGNED-PAYLOAD' && !HEX64.test(payloadHash) && !STREAMING.has(payloadHash)) {
      if (payloadHash.startsWith('STREAMING-')) throw new S3Error('NotImplemented', `x-amz-content-sha256 ${payloadHash} is not supported`);
      throw new S3Error(
        'InvalidArgument',
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER or a valid sha256 value.',
        {
          ArgumentName: 'x-amz-content-sha256',
          ArgumentValue: payloadHash,
        },
      );
    }
    const { principal, key, signature } = verifySigV4(ctx, method, target, headers, a, amzDate, payloadHash, false, header(headers, 'x-amz-security-token'));
    if (STREAMING.has(payloadHash)) {
      const decodedRaw = header(headers, 'x-amz-decoded-content-length');
      if (decodedRaw !== undefined && !/^\d+$/.test(decodedRaw)) throw new S3Error('InvalidArgument', 'x-amz-decoded-content-length is not a number');
      if (decodedRaw === undefined && contentLength !== undefined) {
        throw new S3Error('MissingContentLength', 'You must provide the x-amz-decoded-content-length header with aws-chunked bodies.');
      }
      const decodedLength = decodedRaw === undefined ? undefined : Number(decodedRaw);
      const signed = payloadHash.startsWith('STREAMING-AWS4-HMAC-SHA256');
      const trailer = payloadHash.endsWith('-TRAILER');
      let decoder: ChunkedDecoder | undefined;
      return {
        principal,
        method: 'sigv4',
        payload: signed ? (trailer ? 'streaming-signed-trailer' : 'streaming-signed') : 'streaming-unsigned-trailer',
        contentLength: decodedLength,
        trailerNames: trailer ? trailerNames : [],
        body: (raw) => {
          decoder = new ChunkedDecoder({
            signed: signed ? { signingKey: key, amzDate, scope: a.scope, seedSignature: signature } : undefined,
            trailer,
            expectedTrailers: trailer ? trailerNames : [],
            decodedContentLength: decodedLength,
          });
          guarded(decoder);
          guarded(raw).on('error', (e) => decoder!.destroy(e));
          return raw.pipe(decoder);
        },
        trailers: () => decoder?.trailers ?? NO_TRAILERS,
      };
    }
    const hashed = payloadHash !== 'UNSIGNED-PAYLOAD';
    return {
      principal,
      method: 'sigv4',
      payload: hashed ? 'sha256' : 'unsigned',
      contentLength,
      trailerNames: [],
      body: hashed ? hashedBody(contentLength, payloadHash) : plainBody(contentLength),
      trailers: () => NO_TRAILERS,
    };
  }

  // --- SigV4, presigned query
  if (q.has('X-Amz-Algorithm') || q.has('X-Amz-Signature') || q.has('X-Amz-Credential')) {
    const p = parsePresignedQuery(q, ctx.signatures);
    checkScope(ctx, p, true, service);
    const date = parseAmzDate(p.amzDate);
    if (!date) throw new S3Error('AuthorizationQueryParametersError', "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    if (p.amzDate.slice(0, 8) !== p.date)
      throw new S3Error('AuthorizationQueryParametersError', 'Invalid credential date. Date is not the same as X-Amz-Date.');
    const now = ctx.clock();
    if (date.getTime() - now > MAX_SKEW_MS) throw new S3Error('AccessDenied', 'Request is not valid yet');
    if (now > date.getTime() + p.expires * 1000) {
      throw new S3Error('AccessDenied', 'Request has expired', {
        'X-Amz-Expires': String(p.expires),
        Expires: new Date(date.getTime() + p.expires * 1000).toISOString(),
        ServerTime: new Date(now).toISOString(),
      });
    }
    // IAM and STS presigned URLs are signed over the (empty) body's hash, as the SDKs and botocore presign them.
    const payloadHash = header(headers, 'x-amz-content-sha256') ?? (service !== 's3' ? opts.payloadHash : undefined) ?? 'UNSIGNED-PAYLOAD';
    const { principal } = verifySigV4(ctx, method, target, headers, p, p.amzDate, payloadHash, true, p.securityToken);
    const hashed = HEX64.test(payloadHash);
    return {
      principal,
      method: 'sigv4-query',
      payload: hashed ? 'sha256' : 'unsigned',
      contentLength,
      trailerNames: [],
      body: hashed ? hashedBody(contentLength, payloadHash) : plainBody(contentLength),
      trailers: () => NO_TRAILERS,
    };
  }

  // --- SigV2, Authorization header or presigned query
  const v2Header = authz !== undefined && authz.startsWith('AWS ');
  const v2Query = !v2Header && q.has('AWSAccessKeyId') && q.has('Signature');
  if (v2Header || v2Query) {
    let accessKey: string;
    let provided: string;
    let dateField: string;
    if (v2Header) {
      ({ accessKey, signature: provided } = parseV2Authorization(authz));
      const amz = header(headers, 'x-amz-date');
      const d = amz ?? header(headers, 'date');
      const parsed = d ? (parseHttpDate(d) ?? parseAmzDate(d)) : undefined;
      if (!d || !parsed) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
      checkSkew(ctx, parsed, d);
      dateField = amz !== undefined ? '' : d;
    } else {
      accessKey = q.get('AWSAccessKeyId')!;
      provided = q.get('Signature')!;
      const expires = q.get('Expires') ?? '';
      if (!/^\d+$/.test(expires))
        throw new S3Error('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
      if (ctx.clock() > Number(expires) * 1000) {
        throw new S3Error('AccessDenied', 'Request has expired', {
          Expires: new Date(Number(expires) * 1000).toISOString(),
          ServerTime: new Date(ctx.clock()).toISOString(),
        });
      }
      dateField = expires;
    }
    const { principal, secret: secretKey } = lookupKey(ctx, accessKey, header(headers, 'x-amz-security-token') ?? q.get('x-amz-security-token'));
    const resource = target.style === 'virtual' ? `/${target.bucket}${target.rawPath}` : target.rawPath;
    const candidates = v2StringToSignCandidates({
      method,
      contentMd5: header(headers, 'content-md5') ?? '',
      contentType: header(headers, 'content-type') ?? '',
      date: dateField,
      headers: headers as Record<string, string | string[] | undefined>,
      resource,
      query: target.pairs,
    });
    if (!candidates.some((sts) => safeEqual(v2Sign(secretKey, sts), provided))) {
      throw new S3Error('SignatureDoesNotMatch', undefined, { AWSAccessKeyId: accessKey, StringToSign: candidates[0] ?? '', SignatureProvided: provided });
    }
    if (!principal.temporary) ctx.services.identities.noteUse(accessKey, 's3', ctx.config.region);
    return {
      principal,
      method: v2Header ? 'sigv2' : 'sigv2-query',
      payload: 'unsigned',
      contentLength,
      trailerNames: [],
      body: plainBody(contentLength),
      trailers: () => NO_TRAILERS,
    };
  }

  if (authz !== undefined) {
    throw new S3Error('InvalidArgument', 'Unsupported Authorization Type', { ArgumentName: 'Authorization', ArgumentValue: authz.split(' ')[0] ?? '' });
  }
  return unauthenticated(headers);
}

/** A request taken as anonymous without looking at its credentials (a CORS preflight: a presigned URL's signature is for another method). */
export function unauthenticated(headers: IncomingHttpHeaders): Authenticated {
  const contentLength = contentLengthOf(headers);
  return { method: 'anonymous', payload: 'none', contentLength, trailerNames: [], body: plainBody(contentLength), trailers: () => NO_TRAILERS };
}

function parseHttpDate(s: string): Date | undefined {
  if (!/[a-z]/i.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function toAmzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

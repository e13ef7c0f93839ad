/**
 * Request integrity: Content-MD5 and the x-amz-checksum-* headers and
 * trailers, for streamed uploads (planned before the body, verified after)
 * and for small documents (verified whole).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_HEADER,
  algorithmFromHeaderName,
  checksumMatches,
  createHasher,
  isValidChecksumValue,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
} from '../digest/checksums.js';
import { S3Error } from '../errors/s3error.js';
import { header } from './params.js';

export interface IntegrityPlan {
  algorithm?: ChecksumAlgorithm;
  /** The value sent as a header (known before the body). */
  expected?: string;
  /** The trailer that will carry the value (known after the body). */
  trailer?: string;
  /** Content-MD5, decoded. */
  md5?: Buffer;
}

/** x-amz-checksum-* request headers that carry no checksum value. */
const CHECKSUM_CONTROL_HEADERS = new Set(['x-amz-checksum-algorithm', 'x-amz-checksum-type', 'x-amz-checksum-mode']);

/** Algorithms S3 knows but Cairn does not compute: answered NotImplemented rather than stored unverified. */
const UNSUPPORTED_CHECKSUMS: ReadonlyMap<string, string> = new Map([
  ['x-amz-checksum-md5', 'MD5'],
  ['x-amz-checksum-sha512', 'SHA512'],
  ['x-amz-checksum-xxhash64', 'XXHASH64'],
  ['x-amz-checksum-xxhash3', 'XXHASH3'],
  ['x-amz-checksum-xxhash128', 'XXHASH128'],
]);

function unsupportedChecksum(name: string): S3Error {
  return new S3Error('NotImplemented', `The ${UNSUPPORTED_CHECKSUMS.get(name)} checksum algorithm is not supported by Cairn.`);
}

/**
 * Refuses checksum headers and x-amz-trailer names Cairn cannot verify,
 * instead of ignoring them: an unknown x-amz-checksum-<name> header is
 * InvalidRequest (S3's answer), an x-amz-trailer entry that is no supported
 * checksum header is InvalidRequest, and the algorithms S3 has but Cairn
 * does not compute are NotImplemented.
 */
export function checkChecksumNames(h: IncomingHttpHeaders, trailerNames: readonly string[]): void {
  for (const name in h) {
    if (!name.startsWith('x-amz-checksum-') || CHECKSUM_CONTROL_HEADERS.has(name) || algorithmFromHeaderName(name) !== undefined) continue;
    if (UNSUPPORTED_CHECKSUMS.has(name)) throw unsupportedChecksum(name);
    throw new S3Error('InvalidRequest', 'The algorithm type you specified in x-amz-checksum- header is invalid.');
  }
  for (const name of trailerNames) {
    if (algorithmFromHeaderName(name) !== undefined) continue;
    if (UNSUPPORTED_CHECKSUMS.has(name)) throw unsupportedChecksum(name);
    throw new S3Error('InvalidRequest', 'The value specified in the x-amz-trailer header is not supported');
  }
}

/** Reads and validates the integrity headers of an upload (before any body byte is read). */
export function integrityPlan(h: IncomingHttpHeaders, trailerNames: readonly string[]): IntegrityPlan {
  checkChecksumNames(h, trailerNames);
  const plan: IntegrityPlan = {};
  const md5 = header(h, 'content-md5');
  if (md5 !== undefined) {
    const buf = /^[A-Za-z0-9+/]*={0,2}$/.test(md5.trim()) ? Buffer.from(md5.trim(), 'base64') : Buffer.alloc(0);
    if (buf.length !== 16) throw new S3Error('InvalidDigest');
    plan.md5 = buf;
  }
  const present = CHECKSUM_ALGORITHMS.filter((a) => h[CHECKSUM_HEADER[a]] !== undefined);
  if (present.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const trailerAlgos = trailerNames.map((n) => ({ n, a: algorithmFromHeaderName(n) }));
  if (trailerAlgos.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const fromHeader = present[0];
  const fromTrailer = trailerAlgos[0]?.a;
  if (fromHeader && fromTrailer) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const sdkAlgoRaw = header(h, 'x-amz-sdk-checksum-algorithm');
  const sdkAlgo = sdkAlgoRaw === undefined ? undefined : parseChecksumAlgorithm(sdkAlgoRaw);
  if (sdkAlgoRaw !== undefined && !sdkAlgo) throw new S3Error('InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.');
  const algorithm = fromHeader ?? fromTrailer;
  if (sdkAlgo && !algorithm) {
    throw new S3Error('InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
  }
  if (sdkAlgo && algorithm && sdkAlgo !== algorithm) throw new S3Error('InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.');
  if (fromHeader) {
    const v = header(h, CHECKSUM_HEADER[fromHeader])!.trim();
    if (!isValidChecksumValue(fromHeader, v)) throw new S3Error('InvalidRequest', `Value for ${CHECKSUM_HEADER[fromHeader]} header is invalid.`);
    plan.algorithm = fromHeader;
    plan.expected = v;
  } else if (fromTrailer) {
    plan.algorithm = fromTrailer;
    plan.trailer = CHECKSUM_HEADER[fromTrailer];
  }
  return plan;
}

/** Checks a staged body against the plan; throws BadDigest / InvalidRequest (the caller discards the blob). */
export function verifyIntegrity(plan: IntegrityPlan, staged: { md5?: Buffer; checksum?: Buffer }, trailers: ReadonlyMap<string, string>): string | undefined {
  if (plan.md5 && staged.md5 && !plan.md5.equals(staged.md5)) {
    throw new S3Error('BadDigest', undefined, { ExpectedDigest: plan.md5.toString('base64'), CalculatedDigest: staged.md5.toString('base64') });
  }
  if (!plan.algorithm || !staged.checksum) return undefined;
  const got = staged.checksum.toString('base64');
  let expected = plan.expected;
  if (plan.trailer) {
    expected = trailers.get(plan.trailer)?.trim();
    if (expected === undefined) throw new S3Error('MalformedTrailerError');
    if (!isValidChecksumValue(plan.algorithm, expected)) throw new S3Error('InvalidRequest', `Value for ${plan.trailer} trailing header is invalid.`);
  }
  if (expected === undefined || !checksumMatches(expected, staged.checksum)) {
    throw new S3Error('BadDigest', `The ${plan.algorithm} you specified did not match the calculated checksum.`);
  }
  return got;
}

/**
 * Operations AWS marks as requiring an integrity header accept Content-MD5
 * or any x-amz-checksum-* header; whichever is sent is verified.
 */
export function verifyDocument(
  h: IncomingHttpHeaders,
  trailerNames: readonly string[],
  trailers: () => ReadonlyMap<string, string>,
  body: Buffer,
  required: boolean,
): void {
  checkChecksumNames(h, trailerNames);
  const md5 = header(h, 'content-md5');
  const algos = CHECKSUM_ALGORITHMS.filter((a) => h[CHECKSUM_HEADER[a]] !== undefined);
  if (algos.length + trailerNames.length > 1)
    throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const trailerSum = trailerNames[0];
  if (required && md5 === undefined && algos.length === 0 && trailerSum === undefined) {
    throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5 or x-amz-checksum-*');
  }
  if (md5 !== undefined) {
    const want = Buffer.from(md5.trim(), 'base64');
    if (want.length !== 16) throw new S3Error('InvalidDigest');
    if (!want.equals(createHash('md5').update(body).digest())) throw new S3Error('BadDigest');
  }
  for (const a of algos) {
    const v = header(h, CHECKSUM_HEADER[a])!.trim();
    if (!isValidChecksumValue(a, v)) throw new S3Error('InvalidRequest', `Value for ${CHECKSUM_HEADER[a]} header is invalid.`);
    if (!checksumMatches(v, checksumOf(a, body))) {
      throw new S3Error('BadDigest', `The ${a} you specified did not match the calculated checksum.`);
    }
  }
  if (trailerSum !== undefined) {
    // The decoder has checked that the announced trailer was sent (MalformedTrailerError otherwise).
    const v = trailers().get(trailerSum)?.trim();
    const a = algorithmFromHeaderName(trailerSum)!;
    if (v === undefined) throw new S3Error('MalformedTrailerError');
    if (!isValidChecksumValue(a, v)) throw new S3Error('InvalidRequest', `Value for ${trailerSum} trailing header is invalid.`);
    if (!checksumMatches(v, checksumOf(a, body))) {
      throw new S3Error('BadDigest', `The ${a} you specified did not match the calculated checksum.`);
    }
  }
}

function checksumOf(a: ChecksumAlgorithm, body: Buffer): Buffer {
  const h = createHasher(a);
  h.update(body);
  return h.digest();
}

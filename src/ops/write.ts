import type { IncomingHttpHeaders } from 'node:http';
import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import { decodeEncodedWords } from '../http/headerText.js';
import type { StagedBlob } from '../store/blobs.js';
import {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_HEADER,
  algorithmFromHeaderName,
  checksumMatches,
  isValidChecksumValue,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
} from '../store/checksums.js';
import { STORED_HEADERS, type ObjectRecord, type Versioning } from '../store/objects.js';
import { header } from './common.js';
import type { OpRequest } from './types.js';

/** How the body's integrity is to be checked: a checksum announced in a header or a trailer, and/or Content-MD5. */
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
export function integrityPlan(r: OpRequest): IntegrityPlan {
  const h = r.headers;
  checkChecksumNames(h, r.auth.trailerNames);
  const plan: IntegrityPlan = {};
  const md5 = header(h, 'content-md5');
  if (md5 !== undefined) {
    const buf = /^[A-Za-z0-9+/]*={0,2}$/.test(md5.trim()) ? Buffer.from(md5.trim(), 'base64') : Buffer.alloc(0);
    if (buf.length !== 16) throw new S3Error('InvalidDigest');
    plan.md5 = buf;
  }
  const present = CHECKSUM_ALGORITHMS.filter((a) => h[CHECKSUM_HEADER[a]] !== undefined);
  if (present.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const trailerAlgos = r.auth.trailerNames.map((n) => ({ n, a: algorithmFromHeaderName(n) }));
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
export function verifyIntegrity(plan: IntegrityPlan, staged: StagedBlob, trailers: ReadonlyMap<string, string>): string | undefined {
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

export const STORAGE_CLASSES = new Set([
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
]);

export function storageClassOf(h: IncomingHttpHeaders): string {
  const sc = header(h, 'x-amz-storage-class');
  if (sc === undefined || sc === '') return 'STANDARD';
  if (!STORAGE_CLASSES.has(sc)) throw new S3Error('InvalidStorageClass', undefined, { StorageClassRequested: sc });
  return sc;
}

const MAX_META_BYTES = 2048;

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

/**
 * Makes a staged blob the object `rec` describes: publish (fsync, rename,
 * fsync dir), then one metadata transaction; on any failure the blob is
 * removed and the previous object stays. Returns the new version id.
 */
export async function commitObject(
  ctx: AppContext,
  staged: StagedBlob,
  rec: Omit<ObjectRecord, 'blobId'>,
  check?: (current: ObjectRecord | undefined) => void,
  versioning?: Versioning,
): Promise<string> {
  await staged.publish();
  let res: { replacedBlobId?: string; versionId: string };
  try {
    res = await ctx.commits.run(() => ctx.objects.put({ ...rec, blobId: staged.blobId }, check, versioning));
  } catch (e) {
    await staged.discard();
    throw e;
  }
  ctx.garbage.collect(res.replacedBlobId);
  return res.versionId;
}

/** Request headers (and POST form fields) that ask for server-side encryption. */
const ENCRYPTION_HEADERS = [
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-server-side-encryption-context',
  'x-amz-server-side-encryption-bucket-key-enabled',
  'x-amz-server-side-encryption-customer-algorithm',
  'x-amz-server-side-encryption-customer-key',
  'x-amz-server-side-encryption-customer-key-md5',
  'x-amz-copy-source-server-side-encryption-customer-algorithm',
  'x-amz-copy-source-server-side-encryption-customer-key',
  'x-amz-copy-source-server-side-encryption-customer-key-md5',
] as const;

/**
 * Cairn does not encrypt at rest yet: a write that asks for encryption
 * (SSE-S3, SSE-KMS or SSE-C, or an SSE-C copy source) is refused with 501
 * before any byte is read, so no client is ever told its data is protected
 * while it is stored as plaintext.
 */
export function refuseEncryption(h: IncomingHttpHeaders): void {
  for (const name of ENCRYPTION_HEADERS) {
    if (h[name] !== undefined) {
      throw new S3Error('NotImplemented', `Server-side encryption is not supported by Cairn yet (${name}); the object was not stored.`, { Header: name });
    }
  }
}

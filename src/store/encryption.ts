/**
 * Server-side encryption at rest: each object (or multipart upload) gets its
 * own random 256-bit data key and 16-byte object id; the data key is stored
 * only wrapped (AES-256-GCM) by the instance master key (SSE-S3), a named
 * keyring key (SSE-KMS) or the customer's key (SSE-C, which is never stored:
 * only its MD5, which S3 returns, and a salted HMAC to recognise it). Bytes
 * go through the segment format of segments.ts as a transform of the blob
 * store's writes and reads; the blob store itself knows nothing of keys.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { DomainError } from '../core/errors.js';
import type { BlobStore } from './blobs.js';
import type { Keyring } from './keyring.js';
import { HEADER, SegmentDecoder, SegmentEncoder, decryptSpan, segmentSpan, type SegmentBinding, type SegmentStats } from './segments.js';

export type SseMode = 'AES256' | 'aws:kms' | 'SSE-C';

/** What a write asks for. */
export type SseRequest = { mode: 'AES256' } | { mode: 'aws:kms'; keyId?: string; context?: string; bucketKey?: boolean } | { mode: 'SSE-C'; key: Buffer };

/** How an object (or upload) is encrypted, as stored with it (JSON): never a usable key. */
export interface SseRecord {
  mode: SseMode;
  /** The object id bound into every segment (base64). */
  oid: string;
  /** The data key, wrapped (base64: iv ‖ tag ‖ ciphertext). */
  wrapped: string;
  /** SSE-S3: the master key version that wrapped it. */
  master?: number;
  /** SSE-KMS: the keyring key id, the encryption context as sent (base64 JSON), the bucket-key flag. */
  kmsKeyId?: string;
  context?: string;
  bucketKey?: boolean;
  /** SSE-C: the base64 MD5 of the customer key (S3 returns it) and `salt:hmac` to recognise the key. */
  keyMd5?: string;
  fingerprint?: string;
}

/** An unwrapped data key with its record. */
export interface DataKey {
  record: SseRecord;
  key: Buffer;
  objectId: Buffer;
}

function aadText(r: Pick<SseRecord, 'mode' | 'oid' | 'kmsKeyId' | 'context'>): string {
  return `cairn-sse|${r.mode}|${r.kmsKeyId ?? ''}|${r.context ?? ''}|${r.oid}`;
}

function wrapAad(r: Pick<SseRecord, 'mode' | 'oid' | 'kmsKeyId' | 'context'>): Buffer {
  return Buffer.from(aadText(r), 'utf8');
}

function seal(wrapping: Buffer, plain: Buffer, aad: Buffer): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', wrapping, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
}

function unseal(wrapping: Buffer, sealed: string, aad: Buffer): Buffer | undefined {
  const raw = Buffer.from(sealed, 'base64');
  if (raw.length < 28) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', wrapping, raw.subarray(0, 12));
    d.setAAD(aad);
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]);
  } catch {
    return undefined;
  }
}

/** The base64 MD5 of an SSE-C key (what x-amz-server-side-encryption-customer-key-MD5 carries). */
export function customerKeyMd5(key: Buffer): string {
  return createHash('md5').update(key).digest('base64');
}

function fingerprint(key: Buffer, salt: Buffer): string {
  return `${salt.toString('base64')}:${createHmac('sha256', salt).update(key).digest('base64')}`;
}

const UNWRAPPED_MAX = 4096;
/** Everything a data key's unwrapping depends on: a record differing in any of it unwraps again (and fails if tampered). */
const cacheKey = (r: SseRecord) => `${r.master ?? ''}|${aadText(r)}|${r.wrapped}`;

const wrongKey = () => new DomainError('AccessDenied', 'Access Denied');

export class Encryption {
  /** Segments decrypted by this server (the Range proof: a 1-byte range reads at most two). */
  readonly stats: SegmentStats = { decrypted: 0 };
  /**
   * Recently unwrapped SSE-S3 and SSE-KMS data keys, by their stored record (a
   * small GET then costs one cipher, not two). A KMS key is still looked up
   * (and refused when disabled) on every use. SSE-C data keys are never kept
   * past their request.
   */
  private readonly unwrapped = new Map<string, Buffer>();

  constructor(
    readonly keyring: Keyring,
    private readonly blobs: BlobStore,
  ) {}

  private wrapFor(req: SseRequest, oid: string, key: Buffer): SseRecord {
    if (req.mode === 'AES256') {
      const m = this.keyring.currentMaster();
      const r: SseRecord = { mode: 'AES256', oid, wrapped: '', master: m.version };
      r.wrapped = seal(m.key, key, wrapAad(r));
      return r;
    }
    if (req.mode === 'aws:kms') {
      const k = this.keyring.kmsKey(req.keyId);
      const r: SseRecord = { mode: 'aws:kms', oid, wrapped: '', kmsKeyId: k.id, context: req.context, bucketKey: req.bucketKey || undefined };
      r.wrapped = seal(k.key, key, wrapAad(r));
      return r;
    }
    const salt = randomBytes(16);
    const r: SseRecord = { mode: 'SSE-C', oid, wrapped: '', keyMd5: customerKeyMd5(req.key), fingerprint: fingerprint(req.key, salt) };
    r.wrapped = seal(req.key, key, wrapAad(r));
    return r;
  }

  /** A new data key for a new object or upload. */
  create(req: SseRequest): DataKey {
    const key = randomBytes(32);
    const objectId = randomBytes(16);
    return { record: this.wrapFor(req, objectId.toString('base64'), key), key, objectId };
  }

  /** The same data key (and object id) wrapped for another mode or key: a copy that keeps the ciphertext. */
  rewrap(dk: DataKey, req: SseRequest): DataKey {
    return { record: this.wrapFor(req, dk.record.oid, dk.key), key: dk.key, objectId: dk.objectId };
  }

  /** Is `key` the SSE-C key of this record? (HEAD answers without unwrapping.) */
  matchesCustomerKey(r: SseRecord, key: Buffer): boolean {
    if (!r.fingerprint) return false;
    const [salt] = r.fingerprint.split(':');
    const want = Buffer.from(r.fingerprint);
    const got = Buffer.from(fingerprint(key, Buffer.from(salt ?? '', 'base64')));
    return want.length === got.length && timingSafeEqual(want, got);
  }

  /** Unwraps a stored data key: the keyring's (KmsNotFound/KmsDisabled), or with the customer's key (AccessDenied when wrong). */
  open(r: SseRecord, customerKey?: Buffer): DataKey {
    if (r.mode !== 'SSE-C') {
      if (r.mode === 'aws:kms') this.keyring.kmsKey(r.kmsKeyId);
      const hit = this.unwrapped.get(cacheKey(r));
      if (hit) return { record: r, key: hit, objectId: Buffer.from(r.oid, 'base64') };
    }
    let wrapping: Buffer | undefined;
    if (r.mode === 'AES256') {
      wrapping = this.keyring.master(r.master ?? 1);
      if (!wrapping) throw new DomainError('DataMissing', `Master key version ${r.master} is not in the keyring.`);
    } else if (r.mode === 'aws:kms') wrapping = this.keyring.kmsKey(r.kmsKeyId).key;
    else {
      if (!customerKey || !this.matchesCustomerKey(r, customerKey)) throw wrongKey();
      wrapping = customerKey;
    }
    const key = unseal(wrapping, r.wrapped, wrapAad(r));
    if (!key) {
      if (r.mode === 'SSE-C') throw wrongKey();
      throw new DomainError('DataMissing', 'The object data key could not be unwrapped.');
    }
    if (r.mode !== 'SSE-C') {
      if (this.unwrapped.size >= UNWRAPPED_MAX) this.unwrapped.delete(this.unwrapped.keys().next().value!);
      this.unwrapped.set(cacheKey(r), key);
    }
    return { record: r, key, objectId: Buffer.from(r.oid, 'base64') };
  }

  /** The ETag of an encrypted object's (or part's) bytes: the plaintext MD5 for SSE-S3; for SSE-C and SSE-KMS a keyed digest that does not reveal it. */
  etagOf(dk: DataKey, md5: Buffer): string {
    if (dk.record.mode === 'AES256') return md5.toString('hex');
    return createHmac('md5', dk.key).update(md5).digest('hex');
  }

  binding(dk: DataKey, partNumber: number): SegmentBinding {
    return { key: dk.key, objectId: dk.objectId, partNumber };
  }

  encoder(dk: DataKey, partNumber: number): SegmentEncoder {
    return new SegmentEncoder(this.binding(dk, partNumber));
  }

  /** Plaintext [start, end] of an encrypted blob of `size` plaintext bytes, read in one buffer. Undefined: the blob is gone. */
  async readRange(blobId: string, b: SegmentBinding, size: number, start: number, end: number): Promise<Buffer | undefined> {
    const span = segmentSpan(size, start, end);
    let prefix: Buffer | undefined;
    let from = 0;
    if (span.first > 0) {
      const head = await this.blobs.readRange(blobId, 0, HEADER - 1);
      if (!head) return undefined;
      prefix = SegmentDecoder.prefixOf(head);
      from = span.fileStart;
    }
    const file = await this.blobs.readRange(blobId, from, span.fileEnd).catch((e: unknown) => {
      if (/shorter than its metadata/.test((e as Error).message)) throw new DomainError('DataMissing', 'The object data failed its integrity check.');
      throw e;
    });
    if (!file) return undefined;
    return decryptSpan(b, prefix, size, start, end, file, this.stats);
  }

  /** Plaintext [start, end] of an encrypted blob as a stream: only the segments the range touches are read. */
  async openRange(blobId: string, b: SegmentBinding, size: number, start: number, end: number): Promise<Readable | undefined> {
    const span = segmentSpan(size, start, end);
    let prefix: Buffer | undefined;
    let from = 0;
    if (span.first > 0) {
      const head = await this.blobs.readRange(blobId, 0, HEADER - 1);
      if (!head) return undefined;
      prefix = SegmentDecoder.prefixOf(head);
      from = span.fileStart;
    }
    const raw = await this.blobs.openRead(blobId, from, span.fileEnd);
    if (!raw) return undefined;
    const dec = new SegmentDecoder(b, size, start, end, this.stats, prefix);
    const out = Readable.from(decode(raw, dec), { objectMode: false });
    out.once('close', () => raw.destroy());
    return out;
  }
}

async function* decode(raw: Readable, dec: SegmentDecoder): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of raw as AsyncIterable<Buffer>) for (const p of dec.update(chunk)) yield p;
    dec.final();
  } finally {
    raw.destroy();
  }
}

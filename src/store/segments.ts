/**
 * The at-rest format of an encrypted blob: AES-256-GCM (node:crypto) in
 * segments of 64 KiB of plaintext, each followed by its 16-byte tag, after a
 * 12-byte header (magic `CSE1` and an 8-byte random nonce prefix chosen per
 * blob). Segment i's nonce is prefix ‖ i (32-bit big-endian); its associated
 * data binds the object (a 16-byte id kept with its data key), the part
 * number (0 for a single-part object), the segment index and whether it is
 * the last segment. So a flipped bit, a truncated file, segments reordered,
 * a segment or a part moved elsewhere all fail authentication: an error,
 * never wrong bytes. A range is read by decrypting only the segments it
 * touches. An empty object is one empty final segment.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DomainError } from '../core/errors.js';
import type { BlobEncoder } from './blobs.js';

export const SEGMENT = 64 * 1024;
export const TAG = 16;
export const HEADER = 12;
const MAGIC = Buffer.from('CSE1', 'latin1');
const ALGO = 'aes-256-gcm';

/** The number of segments of a plaintext of `size` bytes. */
export function segmentCount(size: number): number {
  return size === 0 ? 1 : Math.ceil(size / SEGMENT);
}

/** The size on disk of an encrypted blob of `size` plaintext bytes. */
export function encryptedSize(size: number): number {
  return HEADER + size + TAG * segmentCount(size);
}

/** Segments [first, last] holding plaintext bytes [start, end], and the file bytes to read for them (inclusive). */
export function segmentSpan(size: number, start: number, end: number): { first: number; last: number; fileStart: number; fileEnd: number; skip: number } {
  const first = Math.floor(start / SEGMENT);
  const last = Math.min(Math.floor(end / SEGMENT), segmentCount(size) - 1);
  const fileStart = HEADER + first * (SEGMENT + TAG);
  const fileEnd = Math.min(HEADER + (last + 1) * (SEGMENT + TAG), encryptedSize(size)) - 1;
  return { first, last, fileStart, fileEnd, skip: start - first * SEGMENT };
}

/** What binds a blob's segments to their object and place in it. */
export interface SegmentBinding {
  key: Buffer;
  /** 16 bytes, kept with the object's data key. */
  objectId: Buffer;
  /** The part of a multipart object (0: a single-part object). */
  partNumber: number;
}

/**
 * The nonce and associated data of a blob's segments, in two small buffers
 * reused for every segment (the cipher copies them when it is created).
 */
class SegmentParams {
  readonly aad = Buffer.allocUnsafe(25);
  readonly nonce = Buffer.allocUnsafe(12);

  constructor(b: SegmentBinding) {
    b.objectId.copy(this.aad, 0, 0, 16);
    this.aad.writeUInt32BE(b.partNumber, 16);
  }

  setPrefix(prefix: Buffer): void {
    prefix.copy(this.nonce, 0, 0, 8);
  }

  at(index: number, final: boolean): this {
    this.nonce.writeUInt32BE(index, 8);
    this.aad.writeUInt32BE(index, 20);
    this.aad[24] = final ? 1 : 0;
    return this;
  }
}

const tampered = () => new DomainError('DataMissing', 'The object data failed its integrity check.');

/**
 * Streams plaintext into the segment format (BlobStore.stage's `encode`).
 * The bytes of a segment not yet sealed are held as slices of the chunks
 * received (no copy): a small body costs no 64 KiB buffer, a large one no
 * copying; each slice goes through the cipher once.
 */
export class SegmentEncoder implements BlobEncoder {
  private readonly prefix = randomBytes(8);
  private held: Buffer[] = [];
  private fill = 0;
  private index = 0;
  private started = false;
  private readonly params: SegmentParams;

  constructor(private readonly b: SegmentBinding) {
    this.params = new SegmentParams(b);
    this.params.setPrefix(this.prefix);
  }

  private seal(final: boolean, out: Buffer[]): void {
    const p = this.params.at(this.index, final);
    const c = createCipheriv(ALGO, this.b.key, p.nonce);
    c.setAAD(p.aad);
    for (const part of this.held) out.push(c.update(part));
    c.final();
    out.push(c.getAuthTag());
    this.held = [];
    this.fill = 0;
    this.index++;
  }

  private begin(out: Buffer[]): void {
    if (this.started) return;
    this.started = true;
    out.push(Buffer.concat([MAGIC, this.prefix]));
  }

  update(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    this.begin(out);
    let off = 0;
    while (off < chunk.length) {
      // A full segment is sealed only once more bytes follow it: the last one is marked final.
      if (this.fill === SEGMENT) this.seal(false, out);
      const n = Math.min(SEGMENT - this.fill, chunk.length - off);
      this.held.push(off === 0 && n === chunk.length ? chunk : chunk.subarray(off, off + n));
      this.fill += n;
      off += n;
    }
    return out;
  }

  final(): Buffer[] {
    const out: Buffer[] = [];
    this.begin(out);
    this.seal(true, out);
    return out;
  }
}

/** Counts segments opened (the proof that a range reads only what it touches). */
export interface SegmentStats {
  decrypted: number;
}

/**
 * Decrypts consecutive segments [first, …] of a blob of `size` plaintext
 * bytes from file bytes given as they are read, yielding plaintext [start, end].
 */
export class SegmentDecoder {
  /** A segment split across reads is gathered here (allocated when first needed). */
  private seg?: Buffer;
  private fill = 0;
  private index: number;
  private readonly lastIndex: number;
  private pos: number;
  private prefix?: Buffer;
  private readonly params: SegmentParams;

  constructor(
    private readonly b: SegmentBinding,
    private readonly size: number,
    private readonly start: number,
    private readonly end: number,
    private readonly stats?: SegmentStats,
    prefix?: Buffer,
  ) {
    const span = segmentSpan(size, start, end);
    this.index = span.first;
    this.lastIndex = segmentCount(size) - 1;
    this.pos = span.first * SEGMENT;
    this.prefix = prefix;
    this.params = new SegmentParams(b);
    if (prefix) this.params.setPrefix(prefix);
  }

  /** The nonce prefix from a blob's header (its first 12 bytes). */
  static prefixOf(header: Buffer): Buffer {
    if (header.length < HEADER || !header.subarray(0, 4).equals(MAGIC)) throw tampered();
    return Buffer.from(header.subarray(4, 12));
  }

  private segLen(i: number): number {
    return i < this.lastIndex ? SEGMENT : this.size - this.lastIndex * SEGMENT;
  }

  private open(ct: Buffer, out: Buffer[]): void {
    const i = this.index;
    const p = this.params.at(i, i === this.lastIndex);
    const d = createDecipheriv(ALGO, this.b.key, p.nonce);
    d.setAAD(p.aad);
    d.setAuthTag(ct.subarray(ct.length - TAG));
    let plain: Buffer;
    try {
      plain = d.update(ct.subarray(0, ct.length - TAG));
      d.final();
    } catch {
      throw tampered();
    }
    if (this.stats) this.stats.decrypted++;
    const from = Math.max(this.start - this.pos, 0);
    const to = Math.min(this.end - this.pos + 1, plain.length);
    if (to > from) out.push(from === 0 && to === plain.length ? plain : plain.subarray(from, to));
    this.pos += plain.length;
    this.index++;
  }

  private head?: Buffer;

  /** Feeds file bytes (from the header on when no prefix was given); returns the plaintext they complete. */
  update(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let off = 0;
    if (!this.prefix) {
      this.head ??= Buffer.alloc(0);
      const n = Math.min(HEADER - this.head.length, chunk.length);
      this.head = Buffer.concat([this.head, chunk.subarray(0, n)]);
      off = n;
      if (this.head.length < HEADER) return out;
      this.prefix = SegmentDecoder.prefixOf(this.head);
      this.params.setPrefix(this.prefix);
    }
    while (off < chunk.length) {
      if (this.index > this.lastIndex || this.pos > this.end) throw tampered();
      const want = this.segLen(this.index) + TAG;
      if (this.fill === 0 && chunk.length - off >= want) {
        this.open(chunk.subarray(off, off + want), out);
        off += want;
        continue;
      }
      const n = Math.min(want - this.fill, chunk.length - off);
      this.seg ??= Buffer.allocUnsafe(SEGMENT + TAG);
      chunk.copy(this.seg, this.fill, off, off + n);
      this.fill += n;
      off += n;
      if (this.fill === want) {
        this.open(this.seg.subarray(0, want), out);
        this.fill = 0;
      }
    }
    return out;
  }

  /** Throws unless every byte of the range came (a truncated file). */
  final(): void {
    if (!this.prefix || this.fill !== 0 || this.pos <= this.end) throw tampered();
  }
}

/** Decrypts a whole range held in memory (small reads): `file` holds the bytes segmentSpan names (from the header on, without a prefix). */
export function decryptSpan(
  b: SegmentBinding,
  prefix: Buffer | undefined,
  size: number,
  start: number,
  end: number,
  file: Buffer,
  stats?: SegmentStats,
): Buffer {
  const d = new SegmentDecoder(b, size, start, end, stats, prefix);
  const parts = d.update(file);
  d.final();
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

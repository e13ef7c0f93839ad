/**
 * Object checksums: the five algorithms S3's flexible checksums use
 * (x-amz-checksum-*), plus MD5 for ETags and Content-MD5.
 *
 * - CRC32, CRC32C: @node-rs/crc32 (SIMD, incremental via `initialState`); for CRC32
 *   it measured ~2x faster than node's zlib.crc32 (bench/checksums.mjs).
 * - CRC64NVME: a slice-by-16 table implementation here. @aws-sdk/crc64-nvme is
 *   correct but its digest() is async (it may delegate to the CRT), which does not
 *   fit a synchronous Hasher, and it is ~2.5x slower; the unit tests check this
 *   implementation against it on random data.
 * - SHA1, SHA256, MD5: node:crypto.
 *
 * digest() returns the raw big-endian bytes; S3 sends them base64-encoded.
 */
import { createHash, type Hash } from 'node:crypto';
import { endianness } from 'node:os';
import { crc32, crc32c } from '@node-rs/crc32';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export const CHECKSUM_HEADER: Record<ChecksumAlgorithm, string> = {
  CRC32: 'x-amz-checksum-crc32',
  CRC32C: 'x-amz-checksum-crc32c',
  CRC64NVME: 'x-amz-checksum-crc64nvme',
  SHA1: 'x-amz-checksum-sha1',
  SHA256: 'x-amz-checksum-sha256',
};

/** Raw digest length in bytes. */
export const CHECKSUM_LENGTH: Record<ChecksumAlgorithm, number> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

const BY_UPPER = new Map<string, ChecksumAlgorithm>(CHECKSUM_ALGORITHMS.map((a) => [a, a]));
const BY_HEADER = new Map<string, ChecksumAlgorithm>(CHECKSUM_ALGORITHMS.map((a) => [CHECKSUM_HEADER[a], a]));

/** 'crc32c' / 'CRC32C' -> 'CRC32C'; anything else -> undefined. */
export function parseChecksumAlgorithm(s: string | undefined): ChecksumAlgorithm | undefined {
  if (s === undefined) return undefined;
  return BY_UPPER.get(s.trim().toUpperCase());
}

/** 'x-amz-checksum-crc32c' (any case) -> 'CRC32C'; other names (incl. x-amz-checksum-type) -> undefined. */
export function algorithmFromHeaderName(name: string): ChecksumAlgorithm | undefined {
  return BY_HEADER.get(name.trim().toLowerCase());
}

export interface Hasher {
  update(chunk: Buffer): void;
  /** Raw big-endian digest bytes. Call once, after the last update. */
  digest(): Buffer;
}

function u32be(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

class Crc32Hasher implements Hasher {
  private v = 0;
  update(chunk: Buffer): void {
    this.v = crc32(chunk, this.v);
  }
  digest(): Buffer {
    return u32be(this.v);
  }
}

class Crc32cHasher implements Hasher {
  private v = 0;
  update(chunk: Buffer): void {
    this.v = crc32c(chunk, this.v);
  }
  digest(): Buffer {
    return u32be(this.v);
  }
}

// ---- CRC-64/NVME: reflected, poly 0xAD93D23594C93659 (reversed 0x9A6C9329AC4BC9B5),
// init and xorout all ones. The 64-bit state is kept as two int32 halves; table k
// (k = 0..15) holds the CRC of byte i followed by k zero bytes, so 16 input bytes
// fold in one step (slice-by-16).
const POLY_HI = 0x9a6c9329 | 0;
const POLY_LO = 0xac4bc9b5 | 0;
const SLICES = 16;
const T_LO = new Int32Array(256 * SLICES);
const T_HI = new Int32Array(256 * SLICES);
(() => {
  for (let i = 0; i < 256; i++) {
    let lo = i;
    let hi = 0;
    for (let j = 0; j < 8; j++) {
      const m = -(lo & 1);
      lo = ((lo >>> 1) | (hi << 31)) ^ (POLY_LO & m);
      hi = (hi >>> 1) ^ (POLY_HI & m);
    }
    T_LO[i] = lo;
    T_HI[i] = hi;
  }
  for (let k = 1; k < SLICES; k++) {
    for (let i = 0; i < 256; i++) {
      const plo = T_LO[(k - 1) * 256 + i]!;
      const phi = T_HI[(k - 1) * 256 + i]!;
      const x = plo & 0xff;
      T_LO[k * 256 + i] = ((plo >>> 8) | (phi << 24)) ^ T_LO[x]!;
      T_HI[k * 256 + i] = (phi >>> 8) ^ T_HI[x]!;
    }
  }
})();
// Aligned 32-bit word loads are only valid on a little-endian host.
const LITTLE_ENDIAN = endianness() === 'LE';

class Crc64NvmeHasher implements Hasher {
  private lo = -1;
  private hi = -1;

  update(d: Buffer): void {
    const L = T_LO;
    const H = T_HI;
    let l = this.lo;
    let h = this.hi;
    let i = 0;
    const n = d.length;
    if (LITTLE_ENDIAN && n >= 64) {
      // Bytes up to 4-byte alignment, then 16 bytes per step through an Int32Array view.
      const head = (4 - (d.byteOffset & 3)) & 3;
      for (; i < head; i++) {
        const x = (l ^ d[i]!) & 255;
        l = ((l >>> 8) | (h << 24)) ^ L[x]!;
        h = (h >>> 8) ^ H[x]!;
      }
      const words = ((n - i) >>> 4) << 2;
      const w = new Int32Array(d.buffer, d.byteOffset + i, words);
      for (let k = 0; k < words; k += 4) {
        const a = l ^ w[k]!;
        const b = h ^ w[k + 1]!;
        const c = w[k + 2]!;
        const e = w[k + 3]!;
        const j15 = 3840 + (a & 255),
          j14 = 3584 + ((a >>> 8) & 255),
          j13 = 3328 + ((a >>> 16) & 255),
          j12 = 3072 + (a >>> 24);
        const j11 = 2816 + (b & 255),
          j10 = 2560 + ((b >>> 8) & 255),
          j9 = 2304 + ((b >>> 16) & 255),
          j8 = 2048 + (b >>> 24);
        const j7 = 1792 + (c & 255),
          j6 = 1536 + ((c >>> 8) & 255),
          j5 = 1280 + ((c >>> 16) & 255),
          j4 = 1024 + (c >>> 24);
        const j3 = 768 + (e & 255),
          j2 = 512 + ((e >>> 8) & 255),
          j1 = 256 + ((e >>> 16) & 255),
          j0 = e >>> 24;
        l = L[j15]! ^ L[j14]! ^ L[j13]! ^ L[j12]! ^ L[j11]! ^ L[j10]! ^ L[j9]! ^ L[j8]! ^ L[j7]! ^ L[j6]! ^ L[j5]! ^ L[j4]! ^ L[j3]! ^ L[j2]! ^ L[j1]! ^ L[j0]!;
        h = H[j15]! ^ H[j14]! ^ H[j13]! ^ H[j12]! ^ H[j11]! ^ H[j10]! ^ H[j9]! ^ H[j8]! ^ H[j7]! ^ H[j6]! ^ H[j5]! ^ H[j4]! ^ H[j3]! ^ H[j2]! ^ H[j1]! ^ H[j0]!;
      }
      i += words * 4;
    }
    for (; i < n; i++) {
      const x = (l ^ d[i]!) & 255;
      l = ((l >>> 8) | (h << 24)) ^ L[x]!;
      h = (h >>> 8) ^ H[x]!;
    }
    this.lo = l;
    this.hi = h;
  }

  digest(): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeInt32BE(~this.hi, 0);
    b.writeInt32BE(~this.lo, 4);
    return b;
  }
}

class NodeHasher implements Hasher {
  private readonly h: Hash;
  constructor(name: string) {
    this.h = createHash(name);
  }
  update(chunk: Buffer): void {
    this.h.update(chunk);
  }
  digest(): Buffer {
    return this.h.digest();
  }
}

export function createHasher(algorithm: ChecksumAlgorithm | 'MD5'): Hasher {
  switch (algorithm) {
    case 'CRC32':
      return new Crc32Hasher();
    case 'CRC32C':
      return new Crc32cHasher();
    case 'CRC64NVME':
      return new Crc64NvmeHasher();
    case 'SHA1':
      return new NodeHasher('sha1');
    case 'SHA256':
      return new NodeHasher('sha256');
    case 'MD5':
      return new NodeHasher('md5');
    default:
      throw new TypeError(`unknown checksum algorithm ${String(algorithm)}`);
  }
}

/** Base64 of the checksum of `data`, as S3 sends it in x-amz-checksum-*. */
export function checksumBase64(algorithm: ChecksumAlgorithm, data: Buffer): string {
  const h = createHasher(algorithm);
  h.update(data);
  return h.digest().toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * True when `b64` is padded base64 of exactly the digest length of
 * `algorithm` (e.g. 8 characters ending '==' for CRC32). The unused bits of
 * the last character are not checked: like S3's decoder, 'i9aeUh==' reads as
 * the same 4 bytes as 'i9aeUg==', so a value with a mistyped last character
 * is a checksum that does not match (BadDigest), not a malformed one.
 */
export function isValidChecksumValue(algorithm: ChecksumAlgorithm, b64: string): boolean {
  const len = CHECKSUM_LENGTH[algorithm];
  if (b64.length !== Math.ceil(len / 3) * 4 || !BASE64.test(b64)) return false;
  return Buffer.from(b64, 'base64').length === len;
}

/** Does a base64 checksum value (already checked with isValidChecksumValue) name these digest bytes? */
export function checksumMatches(b64: string, digest: Buffer): boolean {
  return Buffer.from(b64, 'base64').equals(digest);
}

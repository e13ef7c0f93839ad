/**
 * CRC combination: the CRC of A‖B from crc(A), crc(B) and |B|, for the
 * reflected CRCs S3 uses (CRC32, CRC32C, CRC64NVME). This is how a
 * full-object checksum of a multipart upload is built from its parts'
 * checksums without reading the bytes again (zlib's crc32_combine method:
 * apply |B| zero bytes to crc(A) with GF(2) matrix squaring).
 */

export const REFLECTED_POLY = {
  CRC32: 0xedb88320n,
  CRC32C: 0x82f63b78n,
  CRC64NVME: 0x9a6c9329ac4bc9b5n,
} as const;

export const CRC_WIDTH = { CRC32: 32, CRC32C: 32, CRC64NVME: 64 } as const;

type CrcName = keyof typeof REFLECTED_POLY;

function times(mat: bigint[], vec: bigint): bigint {
  let sum = 0n;
  for (let i = 0; vec !== 0n; i++, vec >>= 1n) if (vec & 1n) sum ^= mat[i]!;
  return sum;
}

function square(mat: bigint[]): bigint[] {
  return mat.map((row) => times(mat, row));
}

export function crcCombine(name: CrcName, crc1: bigint, crc2: bigint, len2: number): bigint {
  if (len2 <= 0) return crc1;
  const width = CRC_WIDTH[name];
  // Operator for one zero bit.
  let odd: bigint[] = [REFLECTED_POLY[name]];
  for (let n = 1, row = 1n; n < width; n++, row <<= 1n) odd.push(row);
  let even = square(odd); // two zero bits
  odd = square(even); // four zero bits
  let len = BigInt(len2);
  let c = crc1;
  do {
    even = square(odd);
    if (len & 1n) c = times(even, c);
    len >>= 1n;
    if (len === 0n) break;
    odd = square(even);
    if (len & 1n) c = times(odd, c);
    len >>= 1n;
  } while (len !== 0n);
  return c ^ crc2;
}

/** Combines base64 big-endian CRC values of consecutive parts into the CRC of the whole. */
export function combineBase64(name: CrcName, parts: ReadonlyArray<{ checksum: string; size: number }>): string {
  const bytes = CRC_WIDTH[name] / 8;
  let acc: bigint | undefined;
  for (const p of parts) {
    const v = BigInt(`0x${Buffer.from(p.checksum, 'base64').toString('hex') || '0'}`);
    acc = acc === undefined ? v : crcCombine(name, acc, v, p.size);
  }
  const hex = (acc ?? 0n).toString(16).padStart(bytes * 2, '0');
  return Buffer.from(hex, 'hex').toString('base64');
}

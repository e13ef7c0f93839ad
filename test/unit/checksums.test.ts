import { createHash, randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_HEADER,
  algorithmFromHeaderName,
  checksumBase64,
  createHasher,
  checksumMatches,
  isValidChecksumValue,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
} from '../../src/digest/checksums.js';

/** Deterministic PRNG (mulberry32) so random splits are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hexDigest(algorithm: ChecksumAlgorithm | 'MD5', data: Buffer | string): string {
  const h = createHasher(algorithm);
  h.update(Buffer.from(data));
  return h.digest().toString('hex');
}

describe('check values ("123456789")', () => {
  test.each([
    ['CRC32', 'cbf43926'],
    ['CRC32C', 'e3069283'],
    ['CRC64NVME', 'ae8b14860a799888'],
    ['SHA1', 'f7c3bc1d808e04732adf679965ccc34ca7ae3441'],
    ['SHA256', '15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225'],
    ['MD5', '25f9e794323b453885f5181f1b624d0b'],
  ] as const)('%s', (algorithm, hex) => {
    expect(hexDigest(algorithm, '123456789')).toBe(hex);
  });
});

describe('base64 values as the AWS SDKs compute them', () => {
  // The vectors the AWS SDKs' flexible-checksum tests use.
  const cases: [string, ChecksumAlgorithm, string][] = [
    ['', 'CRC32', 'AAAAAA=='],
    ['abc', 'CRC32', 'NSRBwg=='],
    ['Hello world', 'CRC32', 'i9aeUg=='],
    ['', 'CRC32C', 'AAAAAA=='],
    ['abc', 'CRC32C', 'Nks/tw=='],
    ['Hello world', 'CRC32C', 'crUfeA=='],
    ['', 'CRC64NVME', 'AAAAAAAAAAA='],
    ['abc', 'CRC64NVME', 'BeXKuz/B+us='],
    ['Hello world', 'CRC64NVME', 'OOJZ0D8xKts='],
    ['', 'SHA1', '2jmj7l5rSw0yVb/vlWAYkK/YBwk='],
    ['abc', 'SHA1', 'qZk+NkcGgWq6PiVxeFDCbJzQ2J0='],
    ['Hello world', 'SHA1', 'e1AsOh9IyGCa4hLN+2Od7jlnP14='],
    ['', 'SHA256', '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='],
    ['abc', 'SHA256', 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='],
    ['Hello world', 'SHA256', 'ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw='],
  ];
  test.each(cases)('%j %s = %s', (input, algorithm, b64) => {
    expect(checksumBase64(algorithm, Buffer.from(input))).toBe(b64);
    expect(isValidChecksumValue(algorithm, b64)).toBe(true);
  });

  test('empty input without any update()', () => {
    expect(createHasher('CRC32').digest().toString('hex')).toBe('00000000');
    expect(createHasher('CRC32C').digest().toString('hex')).toBe('00000000');
    expect(createHasher('CRC64NVME').digest().toString('hex')).toBe('0000000000000000');
    expect(createHasher('MD5').digest().toString('hex')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  test('digest lengths', () => {
    const lengths: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };
    for (const a of CHECKSUM_ALGORITHMS) expect(createHasher(a).digest().length).toBe(lengths[a]);
  });
});

describe('against reference implementations on random data', () => {
  const data = randomBytes(300_001);

  test('CRC32 equals node:zlib crc32', () => {
    for (const len of [0, 1, 3, 100, 65537, data.length]) {
      const slice = data.subarray(1, 1 + len);
      expect(hexDigest('CRC32', slice)).toBe(zlibCrc32(slice).toString(16).padStart(8, '0'));
    }
  });

  test('SHA1, SHA256, MD5 equal node:crypto', () => {
    for (const [a, n] of [
      ['SHA1', 'sha1'],
      ['SHA256', 'sha256'],
      ['MD5', 'md5'],
    ] as const) {
      expect(hexDigest(a, data)).toBe(createHash(n).update(data).digest('hex'));
    }
  });

  test('CRC64NVME equals @aws-sdk/crc64-nvme, at every alignment and length', async () => {
    for (let offset = 0; offset < 8; offset++) {
      for (const len of [0, 1, 7, 15, 16, 17, 63, 64, 65, 100, 1000, 4099, 65536 + 3]) {
        const slice = data.subarray(offset, offset + len);
        const ref = new Crc64Nvme();
        ref.update(slice);
        const expected = Buffer.from(await ref.digest()).toString('hex');
        expect(hexDigest('CRC64NVME', slice), `offset ${offset} len ${len}`).toBe(expected);
      }
    }
    const ref = new Crc64Nvme();
    ref.update(data);
    expect(hexDigest('CRC64NVME', data)).toBe(Buffer.from(await ref.digest()).toString('hex'));
  });
});

describe('incremental update', () => {
  const data = randomBytes(200_003);
  const algorithms = [...CHECKSUM_ALGORITHMS, 'MD5'] as const;

  test.each(algorithms)('%s: random splits equal one-shot', (algorithm) => {
    const oneShot = hexDigest(algorithm, data);
    const next = rng(0xc0ffee);
    for (let round = 0; round < 20; round++) {
      const h = createHasher(algorithm);
      let pos = 0;
      while (pos < data.length) {
        // Mostly small pieces, sometimes large ones, sometimes empty.
        const r = next();
        const size = r < 0.1 ? 0 : r < 0.7 ? Math.floor(next() * 40) : Math.floor(next() * 70_000);
        h.update(data.subarray(pos, pos + size));
        pos += size;
      }
      expect(h.digest().toString('hex')).toBe(oneShot);
    }
  });

  test.each(algorithms)('%s: byte by byte equals one-shot', (algorithm) => {
    const small = data.subarray(3, 3 + 777);
    const h = createHasher(algorithm);
    for (let i = 0; i < small.length; i++) h.update(small.subarray(i, i + 1));
    expect(h.digest().toString('hex')).toBe(hexDigest(algorithm, small));
  });
});

describe('names', () => {
  test('parseChecksumAlgorithm is case-insensitive', () => {
    expect(parseChecksumAlgorithm('crc32')).toBe('CRC32');
    expect(parseChecksumAlgorithm('Crc32C')).toBe('CRC32C');
    expect(parseChecksumAlgorithm('CRC64NVME')).toBe('CRC64NVME');
    expect(parseChecksumAlgorithm('sha1')).toBe('SHA1');
    expect(parseChecksumAlgorithm('sha256')).toBe('SHA256');
    expect(parseChecksumAlgorithm('md5')).toBeUndefined();
    expect(parseChecksumAlgorithm('SHA-256')).toBeUndefined();
    expect(parseChecksumAlgorithm('')).toBeUndefined();
    expect(parseChecksumAlgorithm(undefined)).toBeUndefined();
  });

  test('header names map both ways', () => {
    for (const a of CHECKSUM_ALGORITHMS) {
      expect(CHECKSUM_HEADER[a]).toBe(`x-amz-checksum-${a.toLowerCase()}`);
      expect(algorithmFromHeaderName(CHECKSUM_HEADER[a])).toBe(a);
      expect(algorithmFromHeaderName(CHECKSUM_HEADER[a].toUpperCase())).toBe(a);
    }
    expect(algorithmFromHeaderName('x-amz-checksum-crc32c')).toBe('CRC32C');
    expect(algorithmFromHeaderName('x-amz-checksum-algorithm')).toBeUndefined();
    expect(algorithmFromHeaderName('x-amz-checksum-type')).toBeUndefined();
    expect(algorithmFromHeaderName('x-amz-checksum-md5')).toBeUndefined();
    expect(algorithmFromHeaderName('content-md5')).toBeUndefined();
  });
});

describe('isValidChecksumValue', () => {
  test('accepts the right decoded length only', () => {
    expect(isValidChecksumValue('CRC32', 'i9aeUg==')).toBe(true);
    expect(isValidChecksumValue('CRC32C', 'i9aeUg==')).toBe(true);
    expect(isValidChecksumValue('CRC64NVME', 'i9aeUg==')).toBe(false);
    expect(isValidChecksumValue('CRC64NVME', 'OOJZ0D8xKts=')).toBe(true);
    expect(isValidChecksumValue('CRC32', 'OOJZ0D8xKts=')).toBe(false);
    expect(isValidChecksumValue('SHA1', 'e1AsOh9IyGCa4hLN+2Od7jlnP14=')).toBe(true);
    expect(isValidChecksumValue('SHA256', 'e1AsOh9IyGCa4hLN+2Od7jlnP14=')).toBe(false);
    expect(isValidChecksumValue('SHA256', 'ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=')).toBe(true);
  });

  test('rejects malformed base64', () => {
    expect(isValidChecksumValue('CRC32', '')).toBe(false);
    expect(isValidChecksumValue('CRC32', 'i9aeUg')).toBe(false); // unpadded
    expect(isValidChecksumValue('CRC32', 'i9aeUg=')).toBe(false);
    expect(isValidChecksumValue('CRC32', 'i9ae Ug=')).toBe(false);
    expect(isValidChecksumValue('CRC32', 'i9a*Ug==')).toBe(false);
    expect(isValidChecksumValue('CRC32', 'i9ae-g==')).toBe(false); // base64url
    expect(isValidChecksumValue('CRC32', 'i9aeUg==\n')).toBe(false);
    expect(isValidChecksumValue('CRC32', 'i9aeUgA=')).toBe(false); // 5 bytes
  });

  test('a last character with non-zero unused bits is a well-formed value of other bytes (BadDigest, not InvalidRequest)', () => {
    // 'i9aeUh==' reads as the same 4 bytes as 'i9aeUg==' (the low bits of 'h' are unused), as S3's decoder reads it.
    expect(isValidChecksumValue('CRC32', 'i9aeUh==')).toBe(true);
    expect(checksumMatches('i9aeUh==', Buffer.from('i9aeUg==', 'base64'))).toBe(true);
    expect(isValidChecksumValue('CRC64NVME', 'OOJZ0D8xKtt=')).toBe(true);
    expect(checksumMatches('OOJZ0D8xKtt=', Buffer.from('OOJZ0D8xKts=', 'base64'))).toBe(true);
    expect(checksumMatches('OOJZ0D8xKtw=', Buffer.from('OOJZ0D8xKts=', 'base64'))).toBe(false);
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checksumBase64 } from '../../src/digest/checksums.js';
import { combineBase64 } from '../../src/digest/crcCombine.js';

describe('CRC combination (full-object checksums of multipart uploads)', () => {
  for (const algo of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
    it(`${algo}: combining the parts' CRCs equals the CRC of the whole`, () => {
      for (const sizes of [
        [1, 1],
        [5, 0, 7],
        [1000, 1, 4096, 33],
        [65536, 12345],
      ]) {
        const parts = sizes.map((n) => randomBytes(n));
        const whole = checksumBase64(algo, Buffer.concat(parts));
        const combined = combineBase64(
          algo,
          parts.map((p) => ({ checksum: checksumBase64(algo, p), size: p.length })),
        );
        expect(combined, `${algo} ${sizes.join('+')}`).toBe(whole);
      }
    });
  }
});

import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Encryption } from '../../src/store/encryption.js';
import { Keyring } from '../../src/store/keyring.js';
import { HEADER, SEGMENT, TAG, SegmentEncoder, decryptSpan, encryptedSize, segmentCount, segmentSpan, type SegmentBinding } from '../../src/store/segments.js';

const binding = (partNumber = 0): SegmentBinding => ({ key: randomBytes(32), objectId: randomBytes(16), partNumber });

function encrypt(b: SegmentBinding, plain: Buffer, chunk = 10_000): Buffer {
  const e = new SegmentEncoder(b);
  const out: Buffer[] = [];
  for (let i = 0; i < plain.length; i += chunk) out.push(...e.update(plain.subarray(i, i + chunk)));
  out.push(...e.final());
  return Buffer.concat(out);
}

const whole = (b: SegmentBinding, file: Buffer, size: number) => decryptSpan(b, undefined, size, 0, Math.max(size - 1, 0), file);

describe('segment format', () => {
  it.each([0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT, 3 * SEGMENT + 17])('round trips %i bytes, any chunking', (n) => {
    const b = binding();
    const plain = randomBytes(n);
    for (const chunk of [1000, SEGMENT, 3 * SEGMENT + 5]) {
      const file = encrypt(b, plain, chunk);
      expect(file.length).toBe(encryptedSize(n));
      expect((n === 0 ? Buffer.alloc(0) : whole(b, file, n)).equals(plain)).toBe(true);
    }
  });

  it('every range decrypts to the same bytes', () => {
    const b = binding(3);
    const n = 3 * SEGMENT + 100;
    const plain = randomBytes(n);
    const file = encrypt(b, plain);
    for (const [s, e] of [
      [0, 0],
      [SEGMENT - 1, SEGMENT],
      [SEGMENT + 5, 2 * SEGMENT + 7],
      [n - 1, n - 1],
      [100, n - 1],
    ] as const) {
      const span = segmentSpan(n, s, e);
      const slice = span.first === 0 ? file.subarray(0, span.fileEnd + 1) : file.subarray(span.fileStart, span.fileEnd + 1);
      const prefix = span.first === 0 ? undefined : file.subarray(4, 12);
      expect(decryptSpan(b, prefix, n, s, e, slice).equals(plain.subarray(s, e + 1))).toBe(true);
    }
  });

  it('range arithmetic: a 1-byte range in the middle touches one segment, one across a boundary two', () => {
    const size = 1024 ** 3;
    const mid = size / 2 + 12345;
    const one = segmentSpan(size, mid, mid);
    expect(one.last - one.first + 1).toBe(1);
    expect(one.fileEnd - one.fileStart + 1).toBe(SEGMENT + TAG);
    const two = segmentSpan(size, SEGMENT - 1, SEGMENT);
    expect(two.last - two.first + 1).toBe(2);
    expect(segmentCount(0)).toBe(1);
    expect(segmentSpan(10, 0, 9)).toMatchObject({ first: 0, last: 0, fileStart: HEADER, fileEnd: HEADER + 10 + TAG - 1 });
  });

  const tamperCases: Array<[string, (f: Buffer) => Buffer]> = [
    ['a flipped ciphertext bit', (f) => Buffer.from(f).fill(f[HEADER + 5]! ^ 1, HEADER + 5, HEADER + 6)],
    ['a flipped tag bit', (f) => Buffer.from(f).fill(f[HEADER + SEGMENT + 1]! ^ 0x80, HEADER + SEGMENT + 1, HEADER + SEGMENT + 2)],
    ['a changed header', (f) => Buffer.from(f).fill(f[6]! ^ 1, 6, 7)],
    ['truncation at a segment boundary', (f) => f.subarray(0, HEADER + 2 * (SEGMENT + TAG))],
    ['truncation mid-segment', (f) => f.subarray(0, f.length - 7)],
    [
      'swapped segments',
      (f) => {
        const a = f.subarray(HEADER, HEADER + SEGMENT + TAG);
        const b = f.subarray(HEADER + SEGMENT + TAG, HEADER + 2 * (SEGMENT + TAG));
        return Buffer.concat([f.subarray(0, HEADER), b, a, f.subarray(HEADER + 2 * (SEGMENT + TAG))]);
      },
    ],
  ];
  it.each(tamperCases)('%s is an error, never wrong bytes', (_name, mutate) => {
    const b = binding();
    const n = 3 * SEGMENT + 10;
    const file = mutate(encrypt(b, randomBytes(n)));
    expect(() => whole(b, file, n)).toThrow(/integrity/);
  });

  it('a dropped last segment (file ends on a full segment) is detected by the final flag', () => {
    const b = binding();
    const n = 2 * SEGMENT;
    const file = encrypt(b, randomBytes(n + SEGMENT));
    // The first two segments of a three-segment blob, presented as a whole two-segment object.
    expect(() => whole(b, file.subarray(0, HEADER + 2 * (SEGMENT + TAG)), n)).toThrow(/integrity/);
  });

  it('another part number, object id or key does not open', () => {
    const b = binding(1);
    const file = encrypt(b, randomBytes(100));
    expect(() => whole({ ...b, partNumber: 2 }, file, 100)).toThrow(/integrity/);
    expect(() => whole({ ...b, objectId: randomBytes(16) }, file, 100)).toThrow(/integrity/);
    expect(() => whole({ ...b, key: randomBytes(32) }, file, 100)).toThrow(/integrity/);
  });
});

describe('keyring and key wrapping', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-kr-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the master key on first use, 0600; rotation keeps old versions able to unwrap', () => {
    const kr = new Keyring(dir);
    const enc = new Encryption(kr, undefined as never);
    const a = enc.create({ mode: 'AES256' });
    expect(a.record.master).toBe(1);
    expect(statSync(kr.path).mode & 0o777).toBe(0o600);
    expect(readFileSync(kr.path, 'utf8')).not.toContain(a.key.toString('base64'));
    expect(kr.rotateMaster()).toBe(2);
    const b = enc.create({ mode: 'AES256' });
    expect(b.record.master).toBe(2);
    // A second process (the CLI) sees the same keyring.
    const other = new Encryption(new Keyring(dir), undefined as never);
    expect(other.open(a.record).key).toEqual(a.key);
    expect(other.open(b.record).key).toEqual(b.key);
    // A tampered wrapped key does not open.
    const bad = { ...a.record, wrapped: Buffer.from(a.record.wrapped, 'base64').fill(1, 20, 21).toString('base64') };
    expect(() => other.open(bad)).toThrow();
  });

  it('two processes changing the keyring lose nothing (a change rereads the file under a lock)', () => {
    const d = mkdtempSync(join(tmpdir(), 'cairn-kr2-'));
    try {
      const a = new Keyring(d);
      const b = new Keyring(d);
      a.currentMaster();
      b.list();
      // a's cached copy is stale once b writes; its own change must still keep b's key.
      b.createKey('from-b');
      a.createKey('from-a');
      b.rotateMaster();
      expect(
        new Keyring(d)
          .list()
          .keys.map((k) => k.id)
          .sort(),
      ).toEqual(['from-a', 'from-b']);
      expect(new Keyring(d).list().masters).toHaveLength(2);
      expect(existsSync(`${a.path}.lock`)).toBe(false);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('KMS keys: named, default, unknown and disabled', () => {
    const kr = new Keyring(dir);
    const enc = new Encryption(kr, undefined as never);
    kr.createKey('photos');
    const dk = enc.create({ mode: 'aws:kms', keyId: 'photos', context: 'e30=' });
    expect(enc.open(dk.record).key).toEqual(dk.key);
    expect(() => enc.open({ ...dk.record, context: 'e31=' })).toThrow();
    const dflt = enc.create({ mode: 'aws:kms' });
    expect(kr.list().keys.find((k) => k.isDefault)?.id).toBe(dflt.record.kmsKeyId);
    expect(() => enc.create({ mode: 'aws:kms', keyId: 'nope' })).toThrow(expect.objectContaining({ code: 'KmsNotFound' }));
    kr.setEnabled('photos', false);
    expect(() => enc.open(dk.record)).toThrow(expect.objectContaining({ code: 'KmsDisabled' }));
    kr.setEnabled('photos', true);
    expect(enc.open(dk.record).key).toEqual(dk.key);
  });

  it('SSE-C: the key is recognised by its fingerprint, never stored; a wrong key is AccessDenied', () => {
    const enc = new Encryption(new Keyring(dir), undefined as never);
    const ck = randomBytes(32);
    const dk = enc.create({ mode: 'SSE-C', key: ck });
    expect(JSON.stringify(dk.record)).not.toContain(ck.toString('base64'));
    expect(enc.matchesCustomerKey(dk.record, ck)).toBe(true);
    expect(enc.open(dk.record, ck).key).toEqual(dk.key);
    expect(() => enc.open(dk.record, randomBytes(32))).toThrow(expect.objectContaining({ code: 'AccessDenied' }));
    // Rewrapped for SSE-S3: same data key, no customer key needed.
    const s3 = enc.rewrap(dk, { mode: 'AES256' });
    expect(enc.open(s3.record).key).toEqual(dk.key);
  });
});

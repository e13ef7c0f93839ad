import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, test } from 'vitest';
import { ChunkedDecoder, MAX_LINE_LENGTH, type ChunkedDecoderOptions } from '../../src/auth/chunked.js';
import { S3Error } from '../../src/errors/s3error.js';
import { checksumBase64 } from '../../src/digest/checksums.js';

// ---- helpers ---------------------------------------------------------------

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const AMZ_DATE = '20130524T000000Z';
const SCOPE = '20130524/us-east-1/s3/aws4_request';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secret}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

const KEY = signingKey(SECRET, '20130524', 'us-east-1', 's3');

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

type Split = 'whole' | 'bytes' | number; // number: seed for random splits

function pieces(body: Buffer, split: Split): Buffer[] {
  if (split === 'whole') return [body];
  if (split === 'bytes') return Array.from({ length: body.length }, (_, i) => body.subarray(i, i + 1));
  const next = rng(split);
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < body.length) {
    const r = next();
    const size = 1 + Math.floor(r < 0.5 ? next() * 16 : r < 0.9 ? next() * 300 : next() * 20_000);
    out.push(body.subarray(pos, pos + size));
    pos += size;
  }
  return out;
}

interface Decoded {
  data: Buffer;
  trailers: Map<string, string>;
}

async function decode(body: Buffer, opts: ChunkedDecoderOptions, split: Split = 'whole'): Promise<Decoded> {
  const decoder = new ChunkedDecoder(opts);
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk);
      cb();
    },
  });
  await pipeline(Readable.from(pieces(body, split)), decoder, sink);
  return { data: Buffer.concat(out), trailers: decoder.trailers };
}

async function decodeError(body: Buffer, opts: ChunkedDecoderOptions, split: Split = 'whole'): Promise<S3Error> {
  try {
    await decode(body, opts, split);
  } catch (err) {
    if (!(err instanceof S3Error)) throw new Error(`expected an S3Error, got ${String(err)}`, { cause: err });
    return err;
  }
  throw new Error('expected the body to be rejected');
}

function chunkSignature(prev: string, data: Buffer, key = KEY): string {
  const sts = ['AWS4-HMAC-SHA256-PAYLOAD', AMZ_DATE, SCOPE, prev, EMPTY_SHA256, sha256hex(data)].join('\n');
  return createHmac('sha256', key).update(sts).digest('hex');
}

function trailerSignature(prev: string, trailers: [string, string][], key = KEY): string {
  const canonical = trailers.map(([k, v]) => `${k}:${v}\n`).join('');
  const sts = ['AWS4-HMAC-SHA256-TRAILER', AMZ_DATE, SCOPE, prev, sha256hex(canonical)].join('\n');
  return createHmac('sha256', key).update(sts).digest('hex');
}

/** Signed aws-chunked body, as the SDKs sign it. */
function encodeSigned(data: Buffer, chunkSize: number, seed: string, trailers?: [string, string][]): { body: Buffer; signatures: string[] } {
  const parts: Buffer[] = [];
  const signatures: string[] = [];
  let prev = seed;
  for (let pos = 0; ; pos += chunkSize) {
    const piece = data.subarray(pos, pos + chunkSize);
    prev = chunkSignature(prev, piece);
    signatures.push(prev);
    parts.push(Buffer.from(`${piece.length.toString(16)};chunk-signature=${prev}\r\n`));
    if (piece.length === 0) break;
    parts.push(piece, Buffer.from('\r\n'));
  }
  if (trailers) {
    const sig = trailerSignature(prev, trailers);
    signatures.push(sig);
    parts.push(Buffer.from(trailers.map(([k, v]) => `${k}:${v}\r\n`).join('') + `x-amz-trailer-signature:${sig}\r\n\r\n`));
  } else {
    parts.push(Buffer.from('\r\n'));
  }
  return { body: Buffer.concat(parts), signatures };
}

/** Unsigned aws-chunked body the way @aws-sdk/client-s3 (getAwsChunkedEncodingStream) writes it. */
function encodeUnsigned(data: Buffer, chunkSizes: () => number, trailer?: [string, string]): Buffer {
  const parts: Buffer[] = [];
  for (let pos = 0; pos < data.length;) {
    const piece = data.subarray(pos, pos + chunkSizes());
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    pos += piece.length;
  }
  parts.push(Buffer.from('0\r\n'));
  if (trailer) parts.push(Buffer.from(`${trailer[0]}:${trailer[1]}\r\n`), Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

const SPLITS: Split[] = ['whole', 'bytes', 1, 2, 3, 42, 1234];

/** Decodes with every split and checks all give the same result. */
async function decodeAllWays(body: Buffer, opts: ChunkedDecoderOptions, splits: Split[] = SPLITS): Promise<Decoded> {
  const first = await decode(body, opts, splits[0]);
  for (const split of splits.slice(1)) {
    const other = await decode(body, opts, split);
    expect(other.data.equals(first.data), `split ${String(split)}`).toBe(true);
    expect([...other.trailers]).toEqual([...first.trailers]);
  }
  return first;
}

/** Cut points: all near the start and end, around every CRLF/chunk boundary, and some random ones. */
function cutPoints(body: Buffer, seed = 7): number[] {
  const cuts = new Set<number>();
  for (let i = 0; i < Math.min(body.length, 300); i++) cuts.add(i);
  for (let i = Math.max(0, body.length - 400); i < body.length; i++) cuts.add(i);
  for (let i = body.indexOf('\r\n'); i !== -1; i = body.indexOf('\r\n', i + 1)) {
    for (let d = -3; d <= 3; d++) if (i + d >= 0 && i + d < body.length) cuts.add(i + d);
  }
  const next = rng(seed);
  for (let i = 0; i < 100; i++) cuts.add(Math.floor(next() * body.length));
  return [...cuts].sort((a, b) => a - b);
}

// ---- the AWS documentation examples ----------------------------------------

// "Signature Calculations for the Authorization Header: Transferring Payload in
// Multiple Chunks": 65 KiB of 'a' in a 64 KiB and a 1 KiB chunk.
const DOC_DATA = Buffer.alloc(65 * 1024, 'a');
const DOC_SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const DOC_SIGS = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];
const DOC_BODY = Buffer.concat([
  Buffer.from(`10000;chunk-signature=${DOC_SIGS[0]}\r\n`),
  DOC_DATA.subarray(0, 65536),
  Buffer.from(`\r\n400;chunk-signature=${DOC_SIGS[1]}\r\n`),
  DOC_DATA.subarray(65536),
  Buffer.from(`\r\n0;chunk-signature=${DOC_SIGS[2]}\r\n\r\n`),
]);
const DOC_SIGNED = { signingKey: KEY, amzDate: AMZ_DATE, scope: SCOPE, seedSignature: DOC_SEED };

// "Signature calculations for trailing headers (chunked uploads)": the same data
// with STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER and x-amz-trailer: x-amz-checksum-crc32c.
const TRAILER_SEED = '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e';
const TRAILER_SIGS = [
  'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
  '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
  '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
];
const TRAILER_SIG = 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435';
function docTrailerBody(afterFinal = '', end = '\r\n'): Buffer {
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${TRAILER_SIGS[0]}\r\n`),
    DOC_DATA.subarray(0, 65536),
    Buffer.from(`\r\n400;chunk-signature=${TRAILER_SIGS[1]}\r\n`),
    DOC_DATA.subarray(65536),
    Buffer.from(
      `\r\n0;chunk-signature=${TRAILER_SIGS[2]}\r\n${afterFinal}` + `x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:${TRAILER_SIG}\r\n${end}`,
    ),
  ]);
}
const TRAILER_OPTS: ChunkedDecoderOptions = {
  signed: { signingKey: KEY, amzDate: AMZ_DATE, scope: SCOPE, seedSignature: TRAILER_SEED },
  trailer: true,
  expectedTrailers: ['x-amz-checksum-crc32c'],
  decodedContentLength: 66560,
};

describe('AWS example: signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  const opts: ChunkedDecoderOptions = { signed: DOC_SIGNED, trailer: false, expectedTrailers: [], decodedContentLength: 66560 };

  test('the test signer reproduces the documented signatures', () => {
    const { body, signatures } = encodeSigned(DOC_DATA, 65536, DOC_SEED);
    expect(signatures).toEqual(DOC_SIGS);
    expect(body.equals(DOC_BODY)).toBe(true);
    expect(DOC_BODY.length).toBe(66824); // the example's Content-Length
  });

  test('decodes whole, byte by byte and in random splits', async () => {
    const { data, trailers } = await decodeAllWays(DOC_BODY, opts);
    expect(data.equals(DOC_DATA)).toBe(true);
    expect(trailers.size).toBe(0);
  });

  test('without x-amz-decoded-content-length', async () => {
    const { data } = await decode(DOC_BODY, { ...opts, decodedContentLength: undefined });
    expect(data.equals(DOC_DATA)).toBe(true);
  });

  test('forwards data before the chunk ends', async () => {
    const decoder = new ChunkedDecoder(opts);
    const got: Buffer[] = [];
    decoder.on('data', (b: Buffer) => got.push(b));
    decoder.on('error', () => {});
    decoder.write(DOC_BODY.subarray(0, 1000));
    await new Promise((r) => setImmediate(r));
    expect(Buffer.concat(got).length).toBe(1000 - DOC_BODY.indexOf('\r\n') - 2);
    decoder.destroy();
  });

  test('tampered chunk data -> SignatureDoesNotMatch', async () => {
    for (const at of [200, 65536 + 200, DOC_BODY.length - 300]) {
      const body = Buffer.from(DOC_BODY);
      body[at] = 'b'.charCodeAt(0);
      expect((await decodeError(body, opts)).code).toBe('SignatureDoesNotMatch');
      expect((await decodeError(body, opts, 5)).code).toBe('SignatureDoesNotMatch');
    }
  });

  test('tampered, missing or malformed chunk-signature -> SignatureDoesNotMatch', async () => {
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === '0' ? '1' : '0') + s.slice(i + 1);
    const bodies = [
      Buffer.from(DOC_BODY.toString('latin1').replace(DOC_SIGS[0]!, flip(DOC_SIGS[0]!, 10)), 'latin1'),
      Buffer.from(DOC_BODY.toString('latin1').replace(DOC_SIGS[1]!, flip(DOC_SIGS[1]!, 63)), 'latin1'),
      Buffer.from(DOC_BODY.toString('latin1').replace(DOC_SIGS[2]!, flip(DOC_SIGS[2]!, 0)), 'latin1'),
      Buffer.from(DOC_BODY.toString('latin1').replace(`;chunk-signature=${DOC_SIGS[1]}`, ''), 'latin1'),
      Buffer.from(DOC_BODY.toString('latin1').replace(DOC_SIGS[1]!, DOC_SIGS[1]!.toUpperCase()), 'latin1'),
      Buffer.from(DOC_BODY.toString('latin1').replace(DOC_SIGS[0]!, DOC_SIGS[0]!.slice(1)), 'latin1'),
    ];
    for (const body of bodies) expect((await decodeError(body, opts)).code).toBe('SignatureDoesNotMatch');
  });

  test('wrong seed signature or signing key -> SignatureDoesNotMatch', async () => {
    const wrongSeed = { ...opts, signed: { ...DOC_SIGNED, seedSignature: TRAILER_SEED } };
    expect((await decodeError(DOC_BODY, wrongSeed)).code).toBe('SignatureDoesNotMatch');
    const wrongKey = { ...opts, signed: { ...DOC_SIGNED, signingKey: signingKey(SECRET, '20130525', 'us-east-1', 's3') } };
    expect((await decodeError(DOC_BODY, wrongKey)).code).toBe('SignatureDoesNotMatch');
  });

  test('chunks re-ordered -> SignatureDoesNotMatch', async () => {
    // Every chunk signed correctly on its own but chained from the wrong predecessor.
    const data = randomBytes(3000);
    const a = encodeSigned(data, 1000, DOC_SEED).body.toString('latin1');
    const headers = [...a.matchAll(/[0-9a-f]+;chunk-signature=[0-9a-f]{64}\r\n/g)];
    expect(headers.length).toBe(4);
    const c1 = a.slice(headers[0]!.index, headers[1]!.index);
    const c2 = a.slice(headers[1]!.index, headers[2]!.index);
    const rest = a.slice(headers[2]!.index);
    const swapped = Buffer.from(c2 + c1 + rest, 'latin1');
    const err = await decodeError(swapped, { ...opts, decodedContentLength: 3000 });
    expect(err.code).toBe('SignatureDoesNotMatch');
  });

  test('truncated at any point -> IncompleteBody', async () => {
    for (const cut of cutPoints(DOC_BODY)) {
      if (cut === DOC_BODY.length - 2) continue; // only the optional final CRLF is missing
      const err = await decodeError(DOC_BODY.subarray(0, cut), opts, cut % 2 ? 'whole' : cut);
      expect(err.code, `cut at ${cut}`).toBe('IncompleteBody');
    }
  });

  test('the final CRLF may be missing', async () => {
    const { data } = await decode(DOC_BODY.subarray(0, DOC_BODY.length - 2), opts);
    expect(data.equals(DOC_DATA)).toBe(true);
  });

  test('decoded length mismatch -> IncompleteBody', async () => {
    expect((await decodeError(DOC_BODY, { ...opts, decodedContentLength: 66561 })).code).toBe('IncompleteBody');
    expect((await decodeError(DOC_BODY, { ...opts, decodedContentLength: 66559 })).code).toBe('IncompleteBody');
    expect((await decodeError(DOC_BODY, { ...opts, decodedContentLength: 0 })).code).toBe('IncompleteBody');
  });

  test('data after the end -> InvalidRequest', async () => {
    const err = await decodeError(Buffer.concat([DOC_BODY, Buffer.from('0\r\n\r\n')]), opts);
    expect(err.code).toBe('InvalidRequest');
  });

  test('small chunks (< 8 KiB) are accepted', async () => {
    const data = randomBytes(20_000);
    const { body } = encodeSigned(data, 777, DOC_SEED);
    const { data: out } = await decodeAllWays(body, { ...opts, decodedContentLength: 20_000 }, ['whole', 9, 10]);
    expect(out.equals(data)).toBe(true);
  });

  test('empty payload', async () => {
    const { body } = encodeSigned(Buffer.alloc(0), 65536, DOC_SEED);
    const { data } = await decodeAllWays(body, { ...opts, decodedContentLength: 0 });
    expect(data.length).toBe(0);
  });
});

describe('AWS example: signed chunks with a signed trailer', () => {
  test('the test signer reproduces the documented signatures', () => {
    const { signatures } = encodeSigned(DOC_DATA, 65536, TRAILER_SEED, [['x-amz-checksum-crc32c', 'sOO8/Q==']]);
    expect(signatures).toEqual([...TRAILER_SIGS, TRAILER_SIG]);
    expect(checksumBase64('CRC32C', DOC_DATA)).toBe('sOO8/Q==');
  });

  test('decodes whole, byte by byte and in random splits', async () => {
    const { data, trailers } = await decodeAllWays(docTrailerBody(), TRAILER_OPTS);
    expect(data.equals(DOC_DATA)).toBe(true);
    expect([...trailers]).toEqual([['x-amz-checksum-crc32c', 'sOO8/Q==']]);
  });

  test('tolerates a blank line before the trailers and a missing final CRLF', async () => {
    for (const body of [docTrailerBody('\r\n'), docTrailerBody('', ''), docTrailerBody('\r\n', '')]) {
      const { data, trailers } = await decodeAllWays(body, TRAILER_OPTS, ['whole', 'bytes', 11]);
      expect(data.equals(DOC_DATA)).toBe(true);
      expect(trailers.get('x-amz-checksum-crc32c')).toBe('sOO8/Q==');
    }
  });

  test('tampered trailer value or signature -> SignatureDoesNotMatch', async () => {
    const tamperedValue = Buffer.from(docTrailerBody().toString('latin1').replace('sOO8/Q==', 'sOO8/Q=A'), 'latin1');
    expect((await decodeError(tamperedValue, TRAILER_OPTS)).code).toBe('SignatureDoesNotMatch');
    const tamperedSig = Buffer.from(
      docTrailerBody()
        .toString('latin1')
        .replace(TRAILER_SIG, `${TRAILER_SIG.slice(0, -1)}4`),
      'latin1',
    );
    expect((await decodeError(tamperedSig, TRAILER_OPTS)).code).toBe('SignatureDoesNotMatch');
  });

  test('trailer signature missing -> SignatureDoesNotMatch (or IncompleteBody when the body just ends)', async () => {
    const text = docTrailerBody().toString('latin1');
    const noSig = Buffer.from(text.replace(`x-amz-trailer-signature:${TRAILER_SIG}\r\n`, ''), 'latin1');
    expect((await decodeError(noSig, TRAILER_OPTS)).code).toBe('SignatureDoesNotMatch');
    const cut = Buffer.from(text.slice(0, text.indexOf('x-amz-trailer-signature')), 'latin1');
    expect((await decodeError(cut, TRAILER_OPTS)).code).toBe('IncompleteBody');
  });

  test('trailer not announced -> MalformedTrailerError (as S3 answers)', async () => {
    const err = await decodeError(docTrailerBody(), { ...TRAILER_OPTS, expectedTrailers: ['x-amz-checksum-crc32'] });
    expect(err.code).toBe('MalformedTrailerError');
    expect(err.message).toMatch(/x-amz-checksum-crc32c.*not announced/);
  });

  test('announced trailer missing -> MalformedTrailerError', async () => {
    const err = await decodeError(docTrailerBody(), {
      ...TRAILER_OPTS,
      expectedTrailers: ['x-amz-checksum-crc32c', 'x-amz-checksum-sha256'],
    });
    expect(err.code).toBe('MalformedTrailerError');
    expect(err.message).toMatch(/x-amz-checksum-sha256/);
  });

  test('truncated at any point -> IncompleteBody', async () => {
    const body = docTrailerBody();
    for (const cut of cutPoints(body, 8)) {
      if (cut === body.length - 2) continue; // complete trailer lines, only the closing blank line missing
      const err = await decodeError(body.subarray(0, cut), TRAILER_OPTS, cut % 3 === 0 ? cut : 'whole');
      expect(err.code, `cut at ${cut}`).toBe('IncompleteBody');
    }
  });
});

describe('aws-crt vector: several signed trailers', () => {
  // awslabs aws-crt-swift ChunkSignerTests: trailers first:1st, second:2nd, third:3rd,
  // signed after the final chunk of the (non-trailer) documentation example.
  const CRT_TRAILER_SIG = 'df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c';
  const opts: ChunkedDecoderOptions = {
    signed: DOC_SIGNED,
    trailer: true,
    expectedTrailers: ['first', 'second', 'third'],
    decodedContentLength: 66560,
  };
  const body = (lines: string) =>
    Buffer.concat([DOC_BODY.subarray(0, DOC_BODY.length - 2), Buffer.from(`${lines}x-amz-trailer-signature:${CRT_TRAILER_SIG}\r\n\r\n`)]);

  test('canonical form is name:value\\n per trailer', () => {
    expect(
      trailerSignature(DOC_SIGS[2]!, [
        ['first', '1st'],
        ['second', '2nd'],
        ['third', '3rd'],
      ]),
    ).toBe(CRT_TRAILER_SIG);
  });

  test('verifies in the sent order, and in another order', async () => {
    for (const lines of ['first:1st\r\nsecond:2nd\r\nthird:3rd\r\n', 'third:3rd\r\nFirst: 1st\r\nsecond:2nd\r\n']) {
      const { data, trailers } = await decodeAllWays(body(lines), opts, ['whole', 'bytes', 77]);
      expect(data.equals(DOC_DATA)).toBe(true);
      expect(Object.fromEntries(trailers)).toEqual({ first: '1st', second: '2nd', third: '3rd' });
    }
  });

  test('duplicate trailer -> MalformedTrailerError', async () => {
    const err = await decodeError(body('first:1st\r\nfirst:1st\r\nsecond:2nd\r\nthird:3rd\r\n'), opts);
    expect(err.code).toBe('MalformedTrailerError');
  });
});

describe('unsigned bodies as the SDKs send them (STREAMING-UNSIGNED-PAYLOAD-TRAILER)', () => {
  const data = randomBytes(100_000);
  const crc = checksumBase64('CRC32', data);
  const opts: ChunkedDecoderOptions = { trailer: true, expectedTrailers: ['x-amz-checksum-crc32'], decodedContentLength: data.length };

  test('@aws-sdk/client-s3 style: small chunks, then 0\\r\\n, the checksum and a blank line', async () => {
    const next = rng(99);
    const body = encodeUnsigned(data, () => 1 + Math.floor(next() * 8191), ['x-amz-checksum-crc32', crc]);
    expect(body.subarray(-40).toString()).toMatch(/\r\n0\r\nx-amz-checksum-crc32:.{8}\r\n\r\n$/);
    const out = await decodeAllWays(body, opts);
    expect(out.data.equals(data)).toBe(true);
    expect(out.trailers.get('x-amz-checksum-crc32')).toBe(crc);
  });

  test('botocore style: 64 KiB chunks', async () => {
    const body = encodeUnsigned(data, () => 65536, ['x-amz-checksum-crc32', crc]);
    const out = await decodeAllWays(body, { ...opts, decodedContentLength: undefined });
    expect(out.data.equals(data)).toBe(true);
    expect(out.trailers.get('x-amz-checksum-crc32')).toBe(crc);
  });

  test('trailer header name in another case, with a space after the colon', async () => {
    const body = Buffer.from(`5\r\nhello\r\n0\r\nX-Amz-Checksum-CRC32: ${checksumBase64('CRC32', Buffer.from('hello'))}\r\n\r\n`);
    const out = await decode(body, { ...opts, decodedContentLength: 5 });
    expect(out.trailers.get('x-amz-checksum-crc32')).toBe('NhCmhg==');
  });

  test('uppercase hex sizes and extensions are accepted', async () => {
    const payload = Buffer.alloc(0x1a, 'z');
    const body = Buffer.concat([Buffer.from('1A;foo=bar\r\n'), payload, Buffer.from('\r\n0\r\n\r\n')]);
    const out = await decode(body, { trailer: false, expectedTrailers: [] });
    expect(out.data.equals(payload)).toBe(true);
  });

  test('no trailer: 0\\r\\n\\r\\n, or just 0\\r\\n as the JS SDK ends it without a checksum', async () => {
    for (const end of ['0\r\n\r\n', '0\r\n']) {
      for (const trailer of [false, true]) {
        const body = Buffer.from(`3\r\nabc\r\n${end}`);
        const out = await decodeAllWays(body, { trailer, expectedTrailers: [] }, ['whole', 'bytes']);
        expect(out.data.toString()).toBe('abc');
      }
    }
  });

  test('x-amz-trailer-signature in an unsigned body is ignored', async () => {
    const body = Buffer.from(`3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\nx-amz-trailer-signature:${'0'.repeat(64)}\r\n\r\n`);
    const out = await decode(body, { ...opts, decodedContentLength: 3 });
    expect([...out.trailers]).toEqual([['x-amz-checksum-crc32', 'NSRBwg==']]);
  });

  test('truncated at any point -> IncompleteBody', async () => {
    const small = data.subarray(0, 5000);
    const body = encodeUnsigned(small, () => 1500, ['x-amz-checksum-crc32', checksumBase64('CRC32', small)]);
    for (let cut = 0; cut < body.length; cut++) {
      if (cut === body.length - 2) continue;
      const err = await decodeError(body.subarray(0, cut), { ...opts, decodedContentLength: undefined }, cut % 7 === 0 ? 'bytes' : cut % 2 ? 'whole' : cut);
      expect(err.code, `cut at ${cut}`).toBe('IncompleteBody');
    }
  });

  test('trailer not announced -> MalformedTrailerError', async () => {
    const body = encodeUnsigned(data, () => 8192, ['x-amz-checksum-crc32c', checksumBase64('CRC32C', data)]);
    expect((await decodeError(body, opts)).code).toBe('MalformedTrailerError');
    expect((await decodeError(body, { ...opts, expectedTrailers: [] })).code).toBe('MalformedTrailerError');
  });

  test('announced trailer never sent -> IncompleteBody at end of body, MalformedTrailerError after a blank line', async () => {
    expect((await decodeError(Buffer.from('3\r\nabc\r\n0\r\n'), { ...opts, decodedContentLength: 3 })).code).toBe('IncompleteBody');
    expect((await decodeError(Buffer.from('3\r\nabc\r\n0\r\n\r\n\r\n'), { ...opts, decodedContentLength: 3 })).code).toBe('MalformedTrailerError');
  });

  test('trailers when none are expected (non-TRAILER variant) -> MalformedTrailerError', async () => {
    const body = Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n');
    expect((await decodeError(body, { trailer: false, expectedTrailers: [] })).code).toBe('MalformedTrailerError');
  });

  test('decoded length mismatch -> IncompleteBody', async () => {
    const body = encodeUnsigned(data, () => 10_000, ['x-amz-checksum-crc32', crc]);
    expect((await decodeError(body, { ...opts, decodedContentLength: data.length + 1 })).code).toBe('IncompleteBody');
    expect((await decodeError(body, { ...opts, decodedContentLength: data.length - 1 })).code).toBe('IncompleteBody');
  });
});

describe('malformed framing -> InvalidRequest (MalformedTrailerError in the trailer section)', () => {
  const opts: ChunkedDecoderOptions = { trailer: true, expectedTrailers: ['x-amz-checksum-crc32'] };
  const cases: [string, string][] = [
    ['bad hex', 'zz\r\nabc\r\n0\r\n\r\n'],
    ['negative size', '-3\r\nabc\r\n0\r\n\r\n'],
    ['hex prefix', '0x3\r\nabc\r\n0\r\n\r\n'],
    ['empty size', '\r\nabc\r\n0\r\n\r\n'],
    ['size with leading space', ' 3\r\nabc\r\n0\r\n\r\n'],
    ['size too large', 'ffffffffffffffff\r\nabc\r\n0\r\n\r\n'],
    ['17 hex digits', '00000000000000003\r\nabc\r\n0\r\n\r\n'],
    ['LF without CR', '3\nabc\r\n0\r\n\r\n'],
    ['data longer than its size', '3\r\nabcd\r\n0\r\n\r\n'],
    ['data shorter than its size', '4\r\nabc\r\n0\r\n\r\n'],
    ['CR without LF after data', '3\r\nabc\rx0\r\n\r\n'],
    ['data after the end', '3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\nextra'],
  ];
  test.each(cases)('%s', async (_name, text) => {
    for (const split of ['whole', 'bytes'] as const) {
      const err = await decodeError(Buffer.from(text), opts, split);
      expect(err.code).toBe('InvalidRequest');
    }
  });

  // A trailer section that is not well formed is S3's MalformedTrailerError.
  const badTrailers: [string, string][] = [
    ['trailer without colon', '3\r\nabc\r\n0\r\nx-amz-checksum-crc32\r\n\r\n'],
    ['trailer with empty name', '3\r\nabc\r\n0\r\n:NSRBwg==\r\n\r\n'],
    ['trailer with LF only', '3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\n\r\n'],
  ];
  test.each(badTrailers)('%s -> MalformedTrailerError', async (_name, text) => {
    for (const split of ['whole', 'bytes'] as const) {
      const err = await decodeError(Buffer.from(text), opts, split);
      expect(err.code).toBe('MalformedTrailerError');
    }
  });

  test('an over-long header line fails without waiting for the end of the body', async () => {
    const decoder = new ChunkedDecoder(opts);
    const error = new Promise<unknown>((resolve) => decoder.on('error', resolve));
    decoder.resume();
    for (let i = 0; i < MAX_LINE_LENGTH + 10; i += 100) decoder.write(Buffer.alloc(100, '0'));
    const err = await error;
    expect(err).toBeInstanceOf(S3Error);
    expect((err as S3Error).code).toBe('InvalidRequest');
    expect((err as S3Error).message).toMatch(/longer than/);
  });

  test('a header line of exactly the limit is still parsed', async () => {
    const line = `${'0'.repeat(MAX_LINE_LENGTH - 1)}3`;
    // Fails on the hex rule (more than 16 digits), not on the length rule.
    const err = await decodeError(Buffer.from(`${line}\r\nabc\r\n0\r\n\r\n`), opts, 'bytes');
    expect(err.message).toMatch(/Invalid aws-chunked chunk size/);
  });

  test('oversize trailer section', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `x-amz-meta-t${i}`);
    const lines = names.map((n) => `${n}:${'v'.repeat(3000)}\r\n`).join('');
    const err = await decodeError(Buffer.from(`3\r\nabc\r\n0\r\n${lines}\r\n`), { trailer: true, expectedTrailers: names });
    expect(err.code).toBe('MalformedTrailerError');
    expect(err.message).toMatch(/too large/);
  });
});

describe('never a TypeError', () => {
  test('random garbage and random mutations of valid bodies end in an S3Error or succeed', async () => {
    const next = rng(2024);
    const valid = encodeSigned(randomBytes(3000), 1000, DOC_SEED, [['x-amz-checksum-crc32', 'AAAAAA==']]).body;
    const opts: ChunkedDecoderOptions = {
      signed: DOC_SIGNED,
      trailer: true,
      expectedTrailers: ['x-amz-checksum-crc32'],
      decodedContentLength: 3000,
    };
    for (let i = 0; i < 300; i++) {
      const body = Buffer.from(valid);
      const mutations = 1 + Math.floor(next() * 3);
      for (let m = 0; m < mutations; m++) body[Math.floor(next() * body.length)] = Math.floor(next() * 256);
      try {
        await decode(body, opts, i);
      } catch (err) {
        expect(err).toBeInstanceOf(S3Error);
      }
    }
    for (let i = 0; i < 100; i++) {
      const garbage = randomBytes(Math.floor(next() * 200));
      try {
        await decode(garbage, { trailer: true, expectedTrailers: [] }, i);
      } catch (err) {
        expect(err).toBeInstanceOf(S3Error);
      }
    }
  });
});

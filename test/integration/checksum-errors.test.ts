/**
 * Checksum headers and trailers Cairn cannot use are answered as S3 answers
 * them, never ignored; a checksum that does not match is BadDigest for all
 * five algorithms, in a header or in a trailer, however its value is spelled.
 */
import { createHash } from 'node:crypto';
import { CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListPartsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKSUM_HEADER, checksumBase64, type ChecksumAlgorithm } from '../../src/digest/checksums.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest, signedChunkedUpload } from '../helpers/signing.js';

const ALGOS: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

let ts: TestServer;
let s3: S3Client;
const bucket = 'checksum-errors';
const key = 'victim';
const original = 'the original content';
const data = Buffer.from('new content that must not be stored');

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: original }));
});
afterAll(async () => ts?.stop());

const code = (text: string) => /<Code>([^<]*)<\/Code>/.exec(text)?.[1];

async function unchanged(): Promise<void> {
  const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  expect(await g.Body!.transformToString()).toBe(original);
}

/** A wrong value spelled canonically: the checksum of other bytes. */
const otherBytes = (a: ChecksumAlgorithm) => checksumBase64(a, Buffer.from('other bytes'));

/**
 * A wrong value whose last character also has non-zero unused bits (what a
 * mistyped last character gives): it decodes to a digest of the right
 * length, so S3 compares it and answers BadDigest, not "invalid value".
 */
function misspelled(a: ChecksumAlgorithm, body: Buffer): string {
  const right = Buffer.from(checksumBase64(a, body), 'base64');
  right[right.length - 1]! ^= 0x80;
  const b64 = right.toString('base64');
  const last = b64.replace(/=+$/, '').length - 1;
  const v = b64.slice(0, last) + B64[B64.indexOf(b64[last]!) + 1] + b64.slice(last + 1);
  expect(Buffer.from(v, 'base64').equals(right), `${a}: ${v} still decodes to the wrong digest`).toBe(true);
  expect(Buffer.from(v, 'base64').toString('base64'), `${a}: ${v} is not canonical`).not.toBe(v);
  return v;
}

/** An aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER body, as the SDKs send it. */
function unsignedTrailerBody(body: Buffer, trailer: string): Buffer {
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from(`\r\n0\r\n${trailer}\r\n`)]);
}
const unsignedHeaders = (announced: string | undefined, decodedLength: number): Record<string, string> => ({
  'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'content-encoding': 'aws-chunked',
  'x-amz-decoded-content-length': String(decodedLength),
  ...(announced !== undefined ? { 'x-amz-trailer': announced } : {}),
});

describe('a checksum that does not match is BadDigest for every algorithm', () => {
  for (const a of ALGOS) {
    const h = CHECKSUM_HEADER[a];
    it(`${a}: header and trailer forms, canonical and misspelled values, PutObject and UploadPart`, async () => {
      for (const wrong of [otherBytes(a), misspelled(a, data)]) {
        const viaHeader = await rawRequest(ts.url, 'PUT', `/${bucket}/${key}`, { body: data, headers: { [h]: wrong } });
        expect([viaHeader.status, code(viaHeader.text)], `${a} header ${wrong}: ${viaHeader.text}`).toEqual([400, 'BadDigest']);
        expect(viaHeader.text).toContain(`The ${a} you specified did not match the calculated checksum.`);

        const viaUnsigned = await rawRequest(ts.url, 'PUT', `/${bucket}/${key}`, {
          body: unsignedTrailerBody(data, `${h}:${wrong}\r\n`),
          headers: unsignedHeaders(h, data.length),
        });
        expect([viaUnsigned.status, code(viaUnsigned.text)], `${a} unsigned trailer ${wrong}: ${viaUnsigned.text}`).toEqual([400, 'BadDigest']);

        const u = new URL(ts.url);
        const signed = await signedChunkedUpload(u.host, `/${bucket}/${key}`, data, { trailer: { name: h, value: wrong } });
        const viaSigned = await request(`${ts.url}/${bucket}/${key}`, { method: 'PUT', headers: signed.headers, body: signed.body });
        const signedText = await viaSigned.body.text();
        expect([viaSigned.statusCode, code(signedText)], `${a} signed trailer ${wrong}: ${signedText}`).toEqual([400, 'BadDigest']);
      }
      await unchanged();

      const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `mp-${a}`, ChecksumAlgorithm: a }));
      const path = `/${bucket}/mp-${a}?partNumber=1&uploadId=${up.UploadId}`;
      for (const wrong of [otherBytes(a), misspelled(a, data)]) {
        const part = await rawRequest(ts.url, 'PUT', path, { body: data, headers: { [h]: wrong } });
        expect([part.status, code(part.text)], `${a} UploadPart ${wrong}: ${part.text}`).toEqual([400, 'BadDigest']);
        const partTrailer = await rawRequest(ts.url, 'PUT', path, {
          body: unsignedTrailerBody(data, `${h}:${wrong}\r\n`),
          headers: unsignedHeaders(h, data.length),
        });
        expect([partTrailer.status, code(partTrailer.text)], `${a} UploadPart trailer ${wrong}: ${partTrailer.text}`).toEqual([400, 'BadDigest']);
      }
      expect((await s3.send(new ListPartsCommand({ Bucket: bucket, Key: `mp-${a}`, UploadId: up.UploadId }))).Parts ?? []).toEqual([]);
      // The right value still goes through, in either spelling of its last character where that is possible.
      const right = checksumBase64(a, data);
      const ok = await rawRequest(ts.url, 'PUT', path, { body: data, headers: { [h]: right } });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.headers[h]).toBe(right);
    });
  }

  it('DeleteObjects checks its checksum header the same way', async () => {
    const body = '<Delete><Object><Key>victim</Key></Object></Delete>';
    for (const a of ALGOS) {
      for (const wrong of [otherBytes(a), misspelled(a, Buffer.from(body))]) {
        const r = await rawRequest(ts.url, 'POST', `/${bucket}?delete`, { body, headers: { [CHECKSUM_HEADER[a]]: wrong } });
        expect([r.status, code(r.text)], `${a} ${wrong}: ${r.text}`).toEqual([400, 'BadDigest']);
      }
      const malformed = await rawRequest(ts.url, 'POST', `/${bucket}?delete`, { body, headers: { [CHECKSUM_HEADER[a]]: 'short' } });
      expect([malformed.status, code(malformed.text)], a).toEqual([400, 'InvalidRequest']);
    }
    await unchanged();
  });
});

describe('checksum names Cairn cannot verify are refused, not ignored', () => {
  it('an unknown x-amz-checksum-<name> header is InvalidRequest (PutObject, UploadPart, DeleteObjects)', async () => {
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp-names' }));
    const deleteBody = '<Delete><Object><Key>victim</Key></Object></Delete>';
    const md5 = createHash('md5').update(deleteBody).digest('base64');
    for (const name of ['x-amz-checksum-foo', 'x-amz-checksum-crc32x', 'x-amz-checksum-sha3']) {
      for (const [method, path, body, extra] of [
        ['PUT', `/${bucket}/${key}`, data, {}],
        ['PUT', `/${bucket}/mp-names?partNumber=1&uploadId=${up.UploadId}`, data, {}],
        ['POST', `/${bucket}?delete`, deleteBody, { 'content-md5': md5 }],
      ] as const) {
        const r = await rawRequest(ts.url, method, path, { body, headers: { ...extra, [name]: 'AAAAAA==' } });
        expect([r.status, code(r.text)], `${name} ${method} ${path}: ${r.text}`).toEqual([400, 'InvalidRequest']);
        expect(r.text).toContain('The algorithm type you specified in x-amz-checksum- header is invalid.');
      }
    }
    await unchanged();
    expect((await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'mp-names', UploadId: up.UploadId }))).Parts ?? []).toEqual([]);
  });

  it('algorithms S3 has and Cairn does not compute (MD5, SHA512, XXHASH*) are NotImplemented, never stored unverified', async () => {
    for (const name of ['x-amz-checksum-md5', 'x-amz-checksum-sha512', 'x-amz-checksum-xxhash64', 'x-amz-checksum-xxhash3', 'x-amz-checksum-xxhash128']) {
      const r = await rawRequest(ts.url, 'PUT', `/${bucket}/${key}`, { body: data, headers: { [name]: createHash('md5').update(data).digest('base64') } });
      expect([r.status, code(r.text)], `${name}: ${r.text}`).toEqual([501, 'NotImplemented']);
      const t = await rawRequest(ts.url, 'PUT', `/${bucket}/${key}`, {
        body: unsignedTrailerBody(data, `${name}:AAAA\r\n`),
        headers: unsignedHeaders(name, data.length),
      });
      expect([t.status, code(t.text)], `${name} trailer: ${t.text}`).toEqual([501, 'NotImplemented']);
    }
    await unchanged();
  });

  it('the headers that carry no checksum value are not mistaken for one', async () => {
    const r = await rawRequest(ts.url, 'PUT', `/${bucket}/other`, {
      body: data,
      headers: { 'x-amz-checksum-algorithm': 'CRC32', 'x-amz-checksum-type': 'FULL_OBJECT' },
    });
    expect(r.status, r.text).toBe(200);
  });

  it('an x-amz-trailer entry that is no supported checksum is InvalidRequest', async () => {
    for (const name of ['x-amz-checksum-foo', 'x-amz-meta-color', 'x-amz-checksum-sha10']) {
      const r = await rawRequest(ts.url, 'PUT', `/${bucket}/${key}`, {
        body: unsignedTrailerBody(data, `${name}:AAAAAA==\r\n`),
        headers: unsignedHeaders(name, data.length),
      });
      expect([r.status, code(r.text)], `${name}: ${r.text}`).toEqual([400, 'InvalidRequest']);
      expect(r.text).toContain('The value specified in the x-amz-trailer header is not supported');
    }
    await unchanged();
  });

  it('a trailer that does not match x-amz-trailer is MalformedTrailerError', async () => {
    const crc32 = checksumBase64('CRC32', data);
    const crc32c = checksumBase64('CRC32C', data);
    const cases: Array<[string, string | undefined, string]> = [
      ['announced crc32, sent crc32c', 'x-amz-checksum-crc32', `x-amz-checksum-crc32c:${crc32c}\r\n`],
      ['announced crc32, sent nothing', 'x-amz-checksum-crc32', ''],
      ['announced crc32, sent crc32 and an extra header', 'x-amz-checksum-crc32', `x-amz-checksum-crc32:${crc32}\r\nx-amz-meta-extra:1\r\n`],
      ['announced crc32, sent it twice', 'x-amz-checksum-crc32', `x-amz-checksum-crc32:${crc32}\r\nx-amz-checksum-crc32:${crc32}\r\n`],
      ['nothing announced, crc32 sent', undefined, `x-amz-checksum-crc32:${crc32}\r\n`],
      ['a trailer line without a colon', 'x-amz-checksum-crc32', `x-amz-checksum-crc32${crc32}\r\n`],
    ];
    for (const [what, announced, trailer] of cases) {
      const r = await rawRequest(ts.url, 'PUT', `/${bucket}/${key}`, {
        body: unsignedTrailerBody(data, trailer),
        headers: unsignedHeaders(announced, data.length),
      });
      expect([r.status, code(r.text)], `${what}: ${r.text}`).toEqual([400, 'MalformedTrailerError']);
    }
    await unchanged();
    // The matching trailer is stored.
    const ok = await rawRequest(ts.url, 'PUT', `/${bucket}/trailed`, {
      body: unsignedTrailerBody(data, `x-amz-checksum-crc32:${crc32}\r\n`),
      headers: unsignedHeaders('x-amz-checksum-crc32', data.length),
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.headers['x-amz-checksum-crc32']).toBe(crc32);
  });
});

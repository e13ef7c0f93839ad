import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, ListPartsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { newBucket, text } from '../helpers/s3.js';
import { rawSocket, requestHead, signHeaders } from '../helpers/signing.js';

/**
 * HTTP framing and connection hygiene, driven over raw sockets where an SDK
 * would hide the framing: chunked transfer encoding, empty headers, oversized
 * headers, non-ASCII metadata, and clients that stall.
 */
let ts: TestServer;
let s3: S3Client;
let host: string;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
  host = new URL(ts.url).host;
});
afterAll(async () => ts?.stop());

/** An HTTP/1.1 chunked (Transfer-Encoding) body. */
function teChunked(data: Buffer, size = 1000): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) {
    const c = data.subarray(i, i + size);
    out.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  }
  out.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(out);
}

describe('framing', () => {
  it('PutObject with Transfer-Encoding: chunked and no Content-Length is stored byte for byte', async () => {
    const b = await newBucket(s3, { prefix: 'frame' });
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const h = await signHeaders(host, 'PUT', `/${b}/chunked.bin`, { 'transfer-encoding': 'chunked' });
    const r = await rawSocket(ts.port, [requestHead('PUT', `/${b}/chunked.bin`, { ...h, connection: 'close' }), teChunked(data)], 2000);
    expect(r.status, r.text).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'chunked.bin' }));
    expect(got.ContentLength).toBe(data.length);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
  });

  it('UploadPart with Transfer-Encoding: chunked is recorded with its real size', async () => {
    const b = await newBucket(s3, { prefix: 'frame' });
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
    const data = Buffer.alloc(3000, 7);
    const path = `/${b}/mp`;
    const query = { partNumber: '1', uploadId: UploadId! };
    const h = await signHeaders(host, 'PUT', path, { 'transfer-encoding': 'chunked' }, query);
    const r = await rawSocket(
      ts.port,
      [requestHead('PUT', `${path}?partNumber=1&uploadId=${encodeURIComponent(UploadId!)}`, { ...h, connection: 'close' }), teChunked(data, 700)],
      2000,
    );
    expect(r.status, r.text).toBe(200);
    const parts = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'mp', UploadId }));
    expect(parts.Parts?.[0]?.Size).toBe(3000);
  });

  it('PutObject without Content-Length or Transfer-Encoding is 411 MissingContentLength', async () => {
    const b = await newBucket(s3, { prefix: 'frame' });
    const h = await signHeaders(host, 'PUT', `/${b}/nolen`);
    const r = await rawSocket(ts.port, [requestHead('PUT', `/${b}/nolen`, { ...h, connection: 'close' })], 1500);
    expect(r.status).toBe(411);
    expect(r.text).toContain('<Code>MissingContentLength</Code>');
  });

  it('an empty Content-Type header is accepted (stored as no content type)', async () => {
    const b = await newBucket(s3, { prefix: 'frame' });
    const h = await signHeaders(host, 'PUT', `/${b}/ct`, { 'content-type': '', 'content-length': '2' });
    const r = await rawSocket(ts.port, [requestHead('PUT', `/${b}/ct`, { ...h, connection: 'close' }), 'hi'], 1500);
    expect(r.status, r.text).toBe(200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'ct' }));
    expect(head.ContentType).toBe('binary/octet-stream');
  });

  it('an empty Expect header is no expectation (not 417)', async () => {
    const h = await signHeaders(host, 'GET', '/', { expect: '' });
    const r = await rawSocket(ts.port, [requestHead('GET', '/', { ...h, connection: 'close' })], 1500);
    expect(r.status, r.text).toBe(200);
    expect(r.text).toContain('ListAllMyBucketsResult');
  });

  it('an oversized header section gets an S3 XML error (400 RequestHeaderSectionTooLarge), not plain text', async () => {
    const r = await rawSocket(ts.port, [requestHead('GET', '/', { host, 'x-amz-meta-big': 'a'.repeat(20000) })], 2000);
    expect(r.status).toBe(400);
    expect(r.text).toContain('Content-Type: application/xml');
    expect(r.text).toContain('<Code>RequestHeaderSectionTooLarge</Code>');
    expect(r.closed).toBe(true);
  });
});

describe('non-ASCII user metadata', () => {
  it('the SDK signs UTF-8 metadata; it round-trips, returned RFC 2047-encoded as S3 does', async () => {
    const b = await newBucket(s3, { prefix: 'meta' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'm', Body: 'x', Metadata: { city: 'Zürich', word: 'naïve café' } }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'm' }));
    const decode = (v?: string) => {
      const m = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/.exec(v ?? '');
      return m ? Buffer.from(m[1]!, 'base64').toString('utf8') : v;
    };
    expect(head.Metadata?.city).toMatch(/^=\?UTF-8\?B\?/);
    expect(decode(head.Metadata?.city)).toBe('Zürich');
    expect(decode(head.Metadata?.word)).toBe('naïve café');
  });

  it('raw UTF-8 bytes beyond Latin-1 (as boto3 sends them) verify and are stored as text; RFC 2047 input is decoded', async () => {
    const b = await newBucket(s3, { prefix: 'meta' });
    const h = await signHeaders(host, 'PUT', `/${b}/u`, { 'x-amz-meta-name': '日本語 ✓', 'x-amz-meta-enc': '=?UTF-8?B?w6ljb2xl?=', 'content-length': '1' });
    const r = await rawSocket(ts.port, [requestHead('PUT', `/${b}/u`, { ...h, connection: 'close' }), 'x'], 1500);
    expect(r.status, r.text).toBe(200);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'u' }));
    expect(head.Metadata?.name).toBe(`=?UTF-8?B?${Buffer.from('日本語 ✓').toString('base64')}?=`);
    expect(head.Metadata?.enc).toBe(`=?UTF-8?B?${Buffer.from('école').toString('base64')}?=`);
    // ASCII metadata stays as it is.
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'x', Metadata: { plain: 'just ascii' } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'a' }))).Metadata?.plain).toBe('just ascii');
  });

  it('response-content-disposition with non-Latin-1 text is sent as UTF-8 bytes, not a 500', async () => {
    const b = await newBucket(s3, { prefix: 'meta' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'd', Body: 'x' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'd', ResponseContentDisposition: 'attachment; filename="报告.txt"' }));
    expect(await text(got)).toBe('x');
    expect(Buffer.from(got.ContentDisposition ?? '', 'latin1').toString('utf8')).toBe('attachment; filename="报告.txt"');
  });
});

describe('clients that stall', () => {
  let slow: TestServer;
  let slowHost: string;
  beforeAll(async () => {
    slow = await startTestServer({ bodyTimeoutSeconds: 1, headerTimeoutSeconds: 1, keepAliveTimeoutSeconds: 1 });
    slowHost = new URL(slow.url).host;
  });
  afterAll(async () => slow?.stop());

  it('a body that stops arriving is 400 RequestTimeout; no temp file is left; the previous object is intact', async () => {
    const c = slow.client();
    const b = await newBucket(c, { prefix: 'stall' });
    await c.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'previous' }));
    const h = await signHeaders(slowHost, 'PUT', `/${b}/k`, { 'content-length': '1000000' });
    const r = await rawSocket(slow.port, [requestHead('PUT', `/${b}/k`, h), 'ten bytes!'], 8000);
    expect(r.status, r.text).toBe(400);
    expect(r.text).toContain('<Code>RequestTimeout</Code>');
    expect(r.closed).toBe(true);
    expect(r.ms).toBeLessThan(6000);
    expect(readdirSync(join(slow.dataDir, 'tmp'))).toEqual([]);
    expect(await text(await c.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toBe('previous');
  });

  it('a body that keeps trickling is not timed out', async () => {
    const c = slow.client();
    const b = await newBucket(c, { prefix: 'stall' });
    const h = await signHeaders(slowHost, 'PUT', `/${b}/trickle`, { 'content-length': '6' });
    const r = await rawSocket(slow.port, [requestHead('PUT', `/${b}/trickle`, { ...h, connection: 'close' }), 'ab', 600, 'cd', 600, 'ef'], 3000);
    expect(r.status, r.text).toBe(200);
  });

  it('headers that never finish are answered 400 RequestTimeout and the connection is closed', async () => {
    const r = await rawSocket(slow.port, ['GET / HTTP/1.1\r\nHost: x\r\nX-Slow: '], 6000);
    expect(r.closed).toBe(true);
    expect(r.ms).toBeLessThan(5000);
    expect(r.text).toContain('<Code>RequestTimeout</Code>');
  });

  it('an idle keep-alive connection is closed after keepAliveTimeoutSeconds', async () => {
    const h = await signHeaders(slowHost, 'GET', '/');
    const r = await rawSocket(slow.port, [requestHead('GET', '/', h)], 6000);
    expect(r.status).toBe(200);
    expect(r.closed).toBe(true);
    expect(r.ms).toBeGreaterThanOrEqual(900);
    expect(r.ms).toBeLessThan(5000);
  });
});

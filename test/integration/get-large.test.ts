/**
 * Large GETs write their body with pooled read buffers (store/blobReadStream.ts):
 * a client that reads slowly still gets every byte right (a buffer reused
 * before the socket had it would corrupt the stream), ranges and multipart
 * objects read the same way, and a client that goes away mid-body leaves no
 * descriptor open and the server answering.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { Client, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, md5, newBucket, sleep, waitFor } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest, signHeaders } from '../helpers/signing.js';

const MiB = 1024 * 1024;
let ts: TestServer;
let bucket: string;
const data = randomBytes(24 * MiB + 333);
const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB + 11), randomBytes(3 * MiB + 5)];
const whole = Buffer.concat(parts);
const fds = () => readdirSync('/proc/self/fd').length;

beforeAll(async () => {
  ts = await startTestServer();
  const s3 = ts.client();
  bucket = await newBucket(s3, { prefix: 'getlarge' });
  // Bodies go up unsigned through undici (the SDK's default CRC32 of 37 MiB in JS would take seconds).
  expect((await rawRequest(ts.url, 'PUT', `/${bucket}/big`, { body: data })).status).toBe(200);
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }));
  const done = [];
  for (const [i, p] of parts.entries()) {
    const r = await rawRequest(ts.url, 'PUT', `/${bucket}/mp?partNumber=${i + 1}&uploadId=${encodeURIComponent(UploadId!)}`, { body: p });
    expect(r.status).toBe(200);
    done.push({ PartNumber: i + 1, ETag: r.headers['etag'] as string });
  }
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId, MultipartUpload: { Parts: done } }));
});
afterAll(async () => ts?.stop());

/** A signed GET through undici, its body read with a pause after every `pauseEvery` bytes. */
async function slowGet(key: string, range?: string, pauseEvery = 4 * MiB): Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer }> {
  const url = new URL(ts.url);
  const extra: Record<string, string> = range ? { range } : {};
  const headers = await signHeaders(url.host, 'GET', `/${bucket}/${key}`, extra);
  const res = await request(`${ts.url}/${bucket}/${key}`, { method: 'GET', headers });
  const chunks: Buffer[] = [];
  let since = 0;
  for await (const c of res.body) {
    chunks.push(c as Buffer);
    since += (c as Buffer).length;
    if (since >= pauseEvery) {
      since = 0;
      await sleep(30);
    }
  }
  return { status: res.statusCode, headers: res.headers, bytes: Buffer.concat(chunks) };
}

describe('large GET', () => {
  it('a slow reader gets every byte of a 24 MiB object', async () => {
    const r = await slowGet('big');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String(data.length));
    expect(r.headers['etag']).toBe(`"${md5(data)}"`);
    expect(r.headers['x-amz-request-id']).toBeTruthy();
    expect(md5(r.bytes)).toBe(md5(data));
  });

  it('a range in the middle and two readers at once', async () => {
    const from = 7 * MiB + 3;
    const to = 19 * MiB + 70;
    const [a, b] = await Promise.all([slowGet('big', `bytes=${from}-${to}`), slowGet('big', undefined, MiB)]);
    expect(a.status).toBe(206);
    expect(a.headers['content-range']).toBe(`bytes ${from}-${to}/${data.length}`);
    expect(md5(a.bytes)).toBe(md5(data.subarray(from, to + 1)));
    expect(md5(b.bytes)).toBe(md5(data));
  });

  it('a multipart object, whole and across part boundaries, through the SDK and slowly', async () => {
    const s3 = ts.client();
    const got = await body(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp' })));
    expect(createHash('md5').update(got).digest('hex')).toBe(md5(whole));
    const from = 5 * MiB - 10;
    const to = 10 * MiB + 20;
    const r = await slowGet('mp', `bytes=${from}-${to}`, MiB);
    expect(r.status).toBe(206);
    expect(r.bytes.equals(whole.subarray(from, to + 1))).toBe(true);
  });

  it('a client that leaves mid-body leaves no descriptor open, and the server answers the next GET', async () => {
    const before = fds();
    for (const key of ['big', 'mp']) {
      const url = new URL(ts.url);
      const headers = await signHeaders(url.host, 'GET', `/${bucket}/${key}`);
      const ac = new AbortController();
      const client = new Client(ts.url);
      const res = await client.request({ path: `/${bucket}/${key}`, method: 'GET', headers, signal: ac.signal });
      let seen = 0;
      await expect(
        (async () => {
          for await (const c of res.body) {
            seen += (c as Buffer).length;
            if (seen > 2 * MiB) ac.abort();
          }
        })(),
      ).rejects.toThrow();
      expect(seen).toBeLessThan(key === 'big' ? data.length : whole.length);
      await client.destroy();
    }
    // The test process holds both ends: the server's blob files and sockets are what can leak.
    expect(await waitFor(() => fds() <= before + 1, 5000)).toBe(true);
    const again = await slowGet('big', 'bytes=0-1048575');
    expect(again.bytes.equals(data.subarray(0, MiB))).toBe(true);
  });
});

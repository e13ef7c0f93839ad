/**
 * Bucket quotas: set with `cairn bucket quota` (node dist/cli.js; `npm run build` first), enforced in the commit of
 * each write (20 concurrent uploads end exactly at the limit), usage exact across versions, delete markers and
 * multipart parts, visible on HeadBucket.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairn } from '../helpers/cli.js';
import { expectS3Error, newBucket, s3Error, sleep } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let s3: S3Client;

beforeAll(async () => {
  server = await startTestServer();
  s3 = server.client();
});
afterAll(() => server.stop());

const blobFiles = () => readdirSync(join(server.dataDir, 'blobs'), { recursive: true }).filter((f) => /[0-9a-f]{32}$/.test(String(f))).length;

/** A CLI change reaches the server within 0.1 s. */
const settle = () => sleep(150);

async function usage(bucket: string): Promise<{ bytes: number; objects: number }> {
  const r = await cairn(server.dataDir, ['bucket', 'quota', bucket, '--json']);
  expect(r.code, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout) as { usedBytes: number; usedObjects: number };
  return { bytes: j.usedBytes, objects: j.usedObjects };
}

describe('cairn bucket quota', () => {
  it('sets, prints and removes limits; refuses bad values and unknown buckets', async () => {
    const b = await newBucket(s3);
    let r = await cairn(server.dataDir, ['bucket', 'quota', b, '--max-size', '500GiB', '--max-objects', '1000']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`bucket: ${b}\nmax size: 500 GiB (536870912000 bytes)\nmax objects: 1000\nused: 0 B (0 bytes), 0 objects\n`);
    await settle();
    r = await cairn(server.dataDir, ['bucket', 'quota', b, '--max-size', 'none']);
    expect(r.stdout).toContain('max size: none\nmax objects: 1000\n');
    r = await cairn(server.dataDir, ['bucket', 'quota', b, '--max-objects', 'none']);
    expect(r.stdout).toContain('max size: none\nmax objects: none\n');
    r = await cairn(server.dataDir, ['bucket', 'quota', b, '--max-size', '5 parsecs']);
    expect([r.code, r.stderr]).toEqual([1, 'cairn: --max-size: "5 parsecs" is not a size (bytes, or a number with B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)\n']);
    r = await cairn(server.dataDir, ['bucket', 'quota', b, '--max-objects', '-3']);
    expect(r.code).toBe(1);
    r = await cairn(server.dataDir, ['bucket', 'quota', 'no-such-bucket-here']);
    expect([r.code, r.stderr]).toEqual([1, 'cairn: no bucket "no-such-bucket-here"\n']);
  });
});

describe('quota enforcement', () => {
  it('20 concurrent uploads end exactly at the byte quota; the rest are 403 QuotaExceeded and leave nothing behind', async () => {
    const b = await newBucket(s3);
    expect((await cairn(server.dataDir, ['bucket', 'quota', b, '--max-size', '10KiB'])).code).toBe(0);
    await settle();
    const body = Buffer.alloc(1024, 7);
    const blobsBefore = blobFiles();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s3.send(new PutObjectCommand({ Bucket: b, Key: `k${i}`, Body: body })).then(
          () => 'ok',
          (e: { name: string; $metadata: { httpStatusCode?: number } }) => `${e.name} ${e.$metadata.httpStatusCode}`,
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(10);
    expect(results.filter((r) => r !== 'ok')).toEqual(Array(10).fill('QuotaExceeded 403'));
    expect(await usage(b)).toEqual({ bytes: 10240, objects: 10 });
    // The refused bodies were not kept: ten new blob files, no temp file left.
    expect(blobFiles() - blobsBefore).toBe(10);
    expect(readdirSync(join(server.dataDir, 'tmp'))).toEqual([]);
    // A delete frees room for exactly one more.
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: `k${results.indexOf('ok')}` }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'again', Body: body }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'one-byte', Body: 'x' })), 'QuotaExceeded', 403);
    // An empty object still fits (no byte more).
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'empty', Body: '' }));
  });

  it('20 concurrent uploads end exactly at the object quota', async () => {
    const b = await newBucket(s3);
    expect((await cairn(server.dataDir, ['bucket', 'quota', b, '--max-objects', '7'])).code).toBe(0);
    await settle();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        s3.send(new PutObjectCommand({ Bucket: b, Key: `k${i}`, Body: 'hello' })).then(
          () => 'ok',
          (e: { name: string }) => e.name,
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(7);
    expect(await usage(b)).toEqual({ bytes: 35, objects: 7 });
    const e = await s3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'more', Body: 'x' })));
    expect([e.name, e.message]).toEqual(['QuotaExceeded', 'The bucket quota (objects) does not allow this write.']);
    // A multipart upload that could not complete is refused when it starts.
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' })), 'QuotaExceeded', 403);
    // Overwriting an existing key in an unversioned bucket replaces it: no object more.
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k' + results.indexOf('ok'), Body: 'replaced!' }));
    expect((await usage(b)).objects).toBe(7);
  });

  it('usage counts every version and open multipart parts; delete markers are no object; abort frees the parts', async () => {
    const b = await newBucket(s3, { versioning: 'Enabled' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'v', Body: 'a'.repeat(100) }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'v', Body: 'b'.repeat(50) }));
    expect(await usage(b)).toEqual({ bytes: 150, objects: 2 });
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'v' }));
    expect(await usage(b)).toEqual({ bytes: 150, objects: 2 });
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
    await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId, PartNumber: 1, Body: Buffer.alloc(300) }));
    expect(await usage(b)).toEqual({ bytes: 450, objects: 2 });
    // Replacing a part counts its new size only.
    await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId, PartNumber: 1, Body: Buffer.alloc(200) }));
    expect(await usage(b)).toEqual({ bytes: 350, objects: 2 });
    expect((await cairn(server.dataDir, ['bucket', 'quota', b, '--max-size', '400'])).code).toBe(0);
    await settle();
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId, PartNumber: 2, Body: Buffer.alloc(51) })), 'QuotaExceeded', 403);
    await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId, PartNumber: 2, Body: Buffer.alloc(50) }));
    expect(await usage(b)).toEqual({ bytes: 400, objects: 2 });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'mp', UploadId }));
    expect(await usage(b)).toEqual({ bytes: 150, objects: 2 });
  });

  it('CompleteMultipartUpload is refused when the object quota is full, and the upload stays open', async () => {
    const b = await newBucket(s3);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'other', Body: 'x' }));
    expect((await cairn(server.dataDir, ['bucket', 'quota', b, '--max-objects', '1'])).code).toBe(0);
    await settle();
    const complete = () =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    await expectS3Error(complete(), 'QuotaExceeded', 403);
    expect(await usage(b)).toEqual({ bytes: 5, objects: 1 });
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'other' }));
    await complete();
    expect(await usage(b)).toEqual({ bytes: 4, objects: 1 });
  });

  it('a deleted bucket takes its quota with it', async () => {
    const b = await newBucket(s3);
    expect((await cairn(server.dataDir, ['bucket', 'quota', b, '--max-objects', '0'])).code).toBe(0);
    await settle();
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x' })), 'QuotaExceeded', 403);
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x' }));
  });

  it('HeadBucket shows the quota and the usage', async () => {
    const b = await newBucket(s3);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'abc' }));
    expect((await cairn(server.dataDir, ['bucket', 'quota', b, '--max-size', '1MiB', '--max-objects', '5'])).code).toBe(0);
    await settle();
    const res = await fetch(`${server.url}/${b}`, { method: 'HEAD' });
    // Anonymous: refused (the headers are for whoever may list the bucket).
    expect(res.status).toBe(403);
    let seen: Record<string, string> = {};
    s3.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        seen = (out.response as { headers: Record<string, string> }).headers;
        return out;
      },
      { step: 'deserialize', name: 'captureHeaders' },
    );
    await s3.send(new HeadBucketCommand({ Bucket: b }));
    s3.middlewareStack.remove('captureHeaders');
    expect([seen['x-cairn-quota-max-size'], seen['x-cairn-quota-max-objects'], seen['x-cairn-usage-bytes'], seen['x-cairn-usage-objects']]).toEqual([
      '1048576',
      '5',
      '3',
      '1',
    ]);
  });
});

import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectS3Error, md5, newBucket, s3Error, text } from '../helpers/s3.js';

/**
 * Conditional writes (If-Match / If-None-Match on PutObject, CopyObject and
 * CompleteMultipartUpload), judged atomically with the commit against the
 * current version: the compare-and-swap current SDKs and table formats use.
 */
let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

const put = (Bucket: string, Key: string, Body: string, cond: { IfMatch?: string; IfNoneMatch?: string } = {}) =>
  s3.send(new PutObjectCommand({ Bucket, Key, Body, ...cond }));

async function content(Bucket: string, Key: string): Promise<string> {
  return text(await s3.send(new GetObjectCommand({ Bucket, Key })));
}

async function completeWith(Bucket: string, Key: string, data: string, cond: { IfMatch?: string; IfNoneMatch?: string }) {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const p = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: data }));
  return s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] }, ...cond }));
}

describe('PutObject conditions', () => {
  it('If-None-Match with an ETag: 412 when the current object has it, written otherwise', async () => {
    const b = await newBucket(s3, { prefix: 'cond' });
    const first = await put(b, 'k', 'one');
    await expectS3Error(put(b, 'k', 'two', { IfNoneMatch: first.ETag }), 'PreconditionFailed', 412);
    expect(await content(b, 'k')).toBe('one');
    // A list that does not hold the current ETag lets the write through; so does an absent key.
    await put(b, 'k', 'two', { IfNoneMatch: `"${md5('other')}", "${md5('another')}"` });
    expect(await content(b, 'k')).toBe('two');
    await put(b, 'fresh', 'x', { IfNoneMatch: `"${md5('x')}"` });
    expect(await content(b, 'fresh')).toBe('x');
  });

  it('If-Match: * needs the key to exist; a list matches any of its ETags; weak and bare forms compare by value', async () => {
    const b = await newBucket(s3, { prefix: 'cond' });
    await expectS3Error(put(b, 'k', 'one', { IfMatch: '*' }), 'NoSuchKey', 404);
    const first = await put(b, 'k', 'one');
    await put(b, 'k', 'two', { IfMatch: '*' });
    await expectS3Error(put(b, 'k', 'three', { IfMatch: first.ETag }), 'PreconditionFailed', 412);
    await put(b, 'k', 'three', { IfMatch: `"${md5('nope')}", "${md5('two')}"` });
    await put(b, 'k', 'four', { IfMatch: md5('three') });
    expect(await content(b, 'k')).toBe('four');
  });

  it('a failed condition stores nothing and keeps the previous object', async () => {
    const b = await newBucket(s3, { prefix: 'cond' });
    await put(b, 'k', 'keep');
    await expectS3Error(put(b, 'k', 'lost', { IfMatch: `"${md5('nope')}"` }), 'PreconditionFailed', 412);
    await expectS3Error(put(b, 'k', 'lost', { IfNoneMatch: '*' }), 'PreconditionFailed', 412);
    expect(await content(b, 'k')).toBe('keep');
  });

  it('versioned buckets: conditions see the current version; a delete marker counts as no object', async () => {
    const b = await newBucket(s3, { prefix: 'cond', versioning: 'Enabled' });
    const v1 = await put(b, 'k', 'v1');
    await put(b, 'k', 'v2');
    // An older version's ETag does not match the current one.
    await expectS3Error(put(b, 'k', 'v3', { IfMatch: v1.ETag }), 'PreconditionFailed', 412);
    await put(b, 'k', 'v3', { IfNoneMatch: v1.ETag });
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    await expectS3Error(put(b, 'k', 'v4', { IfMatch: '*' }), 'NoSuchKey', 404);
    const after = await put(b, 'k', 'v4', { IfNoneMatch: '*' });
    expect(after.VersionId).toBeTruthy();
    expect(await content(b, 'k')).toBe('v4');
  });

  it('10 racing If-Match writers holding the same ETag: exactly one wins, the rest get 412', async () => {
    const b = await newBucket(s3, { prefix: 'cond' });
    const base = await put(b, 'cas', 'base');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        put(b, 'cas', `writer-${i}`, { IfMatch: base.ETag }).then(
          () => ({ i, ok: true as const }),
          (e: unknown) => ({ i, ok: false as const, status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode }),
        ),
      ),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.status === 412)).toBe(true);
    expect(await content(b, 'cas')).toBe(`writer-${winners[0]!.i}`);
  });
});

describe('CompleteMultipartUpload conditions', () => {
  it('If-None-Match with an ETag and If-Match: *', async () => {
    const b = await newBucket(s3, { prefix: 'cond' });
    const cur = await put(b, 'mp', 'current');
    await expectS3Error(completeWith(b, 'mp', 'next', { IfNoneMatch: cur.ETag }), 'PreconditionFailed', 412);
    expect(await content(b, 'mp')).toBe('current');
    await completeWith(b, 'mp', 'next', { IfNoneMatch: `"${md5('something-else')}"` });
    expect(await content(b, 'mp')).toBe('next');
    await expectS3Error(completeWith(b, 'absent', 'x', { IfMatch: '*' }), 'NoSuchKey', 404);
    await completeWith(b, 'mp', 'third', { IfMatch: '*' });
    expect(await content(b, 'mp')).toBe('third');
  });

  it('a Complete and a PutObject racing with If-None-Match: * on a new key: exactly one wins', async () => {
    const b = await newBucket(s3, { prefix: 'cond' });
    for (let round = 0; round < 5; round++) {
      const key = `race-${round}`;
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key }));
      const p = await s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId, PartNumber: 1, Body: 'multipart' }));
      const outcomes = await Promise.allSettled([
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: b,
            Key: key,
            UploadId,
            IfNoneMatch: '*',
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] },
          }),
        ),
        put(b, key, 'single', { IfNoneMatch: '*' }),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const winner = outcomes[0]!.status === 'fulfilled' ? 'multipart' : 'single';
      expect(await content(b, key)).toBe(winner);
    }
  });
});

describe('CopyObject destination conditions', () => {
  it('If-None-Match: * refuses an existing destination; If-Match compares with the destination, not the source', async () => {
    const b = await newBucket(s3, { prefix: 'cond' });
    await put(b, 'src', 'source');
    const dst = await put(b, 'dst', 'dest');
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src`, IfNoneMatch: '*' })), 'PreconditionFailed', 412);
    await expectS3Error(
      s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src`, IfMatch: `"${md5('source')}"` })),
      'PreconditionFailed',
      412,
    );
    expect(await content(b, 'dst')).toBe('dest');
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src`, IfMatch: dst.ETag }));
    expect(await content(b, 'dst')).toBe('source');
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'new', CopySource: `${b}/src`, IfNoneMatch: '*' }));
    const e = await s3Error(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'absent', CopySource: `${b}/src`, IfMatch: '*' })));
    expect(e.name).toBe('NoSuchKey');
  });
});

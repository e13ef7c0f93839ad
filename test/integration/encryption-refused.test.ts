import { randomBytes } from 'node:crypto';
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { FormData, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectS3Error, newBucket, s3Error } from '../helpers/s3.js';

/**
 * Until Cairn encrypts at rest, every write that asks for server-side
 * encryption is refused (501 NotImplemented) and stores nothing: no client
 * may be told its data is protected while it is kept as plaintext.
 */
let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

const SSE_C = (() => {
  const key = randomBytes(32);
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64') };
})();

const MODES: Array<[string, Record<string, string>]> = [
  ['SSE-S3', { ServerSideEncryption: 'AES256' }],
  ['SSE-KMS', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/photos' }],
  ['SSE-C', SSE_C],
];

async function absent(bucket: string, key: string): Promise<void> {
  const e = await s3Error(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  expect(e.$metadata.httpStatusCode).toBe(404);
}

describe('server-side encryption headers are refused, nothing stored', () => {
  it.each(MODES)('PutObject with %s', async (_mode, sse) => {
    const b = await newBucket(s3, { prefix: 'sse' });
    const e = await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'secret.txt', Body: 'plaintext', ...sse })), 'NotImplemented', 501);
    expect(e.message).toMatch(/encryption/i);
    await absent(b, 'secret.txt');
  });

  it.each(MODES)('PutObject over an existing object with %s leaves the old object', async (_mode, sse) => {
    const b = await newBucket(s3, { prefix: 'sse' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'old' }));
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'new', ...sse })), 'NotImplemented', 501);
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
    expect(h.ContentLength).toBe(3);
  });

  it.each(MODES)('CopyObject with %s', async (_mode, sse) => {
    const b = await newBucket(s3, { prefix: 'sse' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'data' }));
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src`, ...sse })), 'NotImplemented', 501);
    await absent(b, 'dst');
  });

  it('CopyObject from an "SSE-C source" (copy-source customer key headers)', async () => {
    const b = await newBucket(s3, { prefix: 'sse' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'data' }));
    await expectS3Error(
      s3.send(
        new CopyObjectCommand({
          Bucket: b,
          Key: 'dst',
          CopySource: `${b}/src`,
          CopySourceSSECustomerAlgorithm: 'AES256',
          CopySourceSSECustomerKey: SSE_C.SSECustomerKey,
        }),
      ),
      'NotImplemented',
      501,
    );
    await absent(b, 'dst');
  });

  it.each(MODES)('CreateMultipartUpload with %s', async (_mode, sse) => {
    const b = await newBucket(s3, { prefix: 'sse' });
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ...sse })), 'NotImplemented', 501);
    const list = await s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
    expect(list.Uploads ?? []).toHaveLength(0);
  });

  it('UploadPart and UploadPartCopy with SSE-C headers store no part', async () => {
    const b = await newBucket(s3, { prefix: 'sse' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'data' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId, PartNumber: 1, Body: 'part', ...SSE_C })), 'NotImplemented', 501);
    await expectS3Error(
      s3.send(new UploadPartCopyCommand({ Bucket: b, Key: 'mp', UploadId, PartNumber: 2, CopySource: `${b}/src`, ...SSE_C })),
      'NotImplemented',
      501,
    );
    const parts = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'mp', UploadId }));
    expect(parts.Parts ?? []).toHaveLength(0);
  });

  it('PostObject with an x-amz-server-side-encryption field', async () => {
    const b = await newBucket(s3, { prefix: 'sse' });
    const p = await createPresignedPost(s3, {
      Bucket: b,
      Key: 'form.txt',
      Fields: { 'x-amz-server-side-encryption': 'AES256' },
      Conditions: [{ 'x-amz-server-side-encryption': 'AES256' }],
    });
    const form = new FormData();
    for (const [k, v] of Object.entries(p.fields)) form.append(k, v);
    form.append('file', new Blob(['plaintext']), 'form.txt');
    const res = await fetch(p.url, { method: 'POST', body: form });
    const text = await res.text();
    expect(res.status).toBe(501);
    expect(text).toContain('<Code>NotImplemented</Code>');
    await absent(b, 'form.txt');
  });
});

import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { FormData, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectS3Error, newBucket, text } from '../helpers/s3.js';

/**
 * Every write goes through one write path: PostObject, CopyObject and
 * CompleteMultipartUpload honour versioning (Enabled keeps every version,
 * Suspended replaces the null one) and the bucket's default Object Lock
 * retention exactly as PutObject does.
 */
let ts: TestServer;
let s3: S3Client;
const DAY = 86_400_000;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

type Writer = (bucket: string, key: string, body: string) => Promise<string | undefined>;

const md5b64 = (s: string) => createHash('md5').update(s).digest('base64');

const WRITERS: Record<string, Writer> = {
  PutObject: async (Bucket, Key, Body) => (await s3.send(new PutObjectCommand({ Bucket, Key, Body, ContentMD5: md5b64(Body) }))).VersionId,
  PostObject: async (Bucket, Key, Body) => {
    const p = await createPresignedPost(s3, { Bucket, Key });
    const form = new FormData();
    for (const [k, v] of Object.entries(p.fields)) form.append(k, v);
    form.append('file', new Blob([Body]), 'f.txt');
    const res = await fetch(p.url, { method: 'POST', body: form });
    const t = await res.text();
    if (res.status !== 204) throw new Error(`PostObject answered ${res.status}: ${t}`);
    return res.headers.get('x-amz-version-id') ?? undefined;
  },
  CopyObject: async (Bucket, Key, Body) => {
    const src = `copy-source-${Math.random().toString(36).slice(2)}`;
    await s3.send(new PutObjectCommand({ Bucket, Key: src, Body, ContentMD5: md5b64(Body) }));
    return (await s3.send(new CopyObjectCommand({ Bucket, Key, CopySource: `${Bucket}/${src}` }))).VersionId;
  },
  CompleteMultipartUpload: async (Bucket, Key, Body) => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const p = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body }));
    return (await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] } })))
      .VersionId;
  },
};

async function versionsOf(Bucket: string, key: string) {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: key }));
  return (out.Versions ?? []).filter((v) => v.Key === key);
}

describe.each(Object.keys(WRITERS))('%s through the one write path', (name) => {
  const write = WRITERS[name]!;

  it('versioning Enabled: two writes to one key keep two versions, each readable by its id', async () => {
    const b = await newBucket(s3, { prefix: 'wp', versioning: 'Enabled' });
    const v1 = await write(b, 'doc', 'first');
    const v2 = await write(b, 'doc', 'second');
    expect(v1).toMatch(/^[0-9a-z]{22}$/);
    expect(v2).toMatch(/^[0-9a-z]{22}$/);
    expect(v2).not.toBe(v1);
    const versions = await versionsOf(b, 'doc');
    expect(versions.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      [v2, true],
      [v1, false],
    ]);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc', VersionId: v1 })))).toBe('first');
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc' })))).toBe('second');
  });

  it('versioning Suspended: writes replace the null version and keep the versions from before', async () => {
    const b = await newBucket(s3, { prefix: 'wp', versioning: 'Enabled' });
    const v1 = await write(b, 'doc', 'kept');
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } }));
    await write(b, 'doc', 'null one');
    await write(b, 'doc', 'null two');
    const versions = await versionsOf(b, 'doc');
    expect(versions.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      ['null', true],
      [v1, false],
    ]);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc', VersionId: 'null' })))).toBe('null two');
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc', VersionId: v1 })))).toBe('kept');
  });

  it.each(['GOVERNANCE', 'COMPLIANCE'] as const)('a bucket default retention (%s) protects the new version; the next write adds a version', async (mode) => {
    const b = await newBucket(s3, { prefix: 'wp', objectLock: true });
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: b,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: mode, Days: 3 } } },
      }),
    );
    const before = Date.now();
    const v1 = await write(b, 'locked', 'protected');
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'locked', VersionId: v1 }));
    expect(head.ObjectLockMode).toBe(mode);
    const until = head.ObjectLockRetainUntilDate!.getTime();
    expect(until).toBeGreaterThanOrEqual(before + 3 * DAY - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3 * DAY + 1000);
    // The version cannot be removed (COMPLIANCE not even with the bypass).
    await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'locked', VersionId: v1 })), 'AccessDenied', 403);
    if (mode === 'COMPLIANCE') {
      await expectS3Error(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'locked', VersionId: v1, BypassGovernanceRetention: true })), 'AccessDenied', 403);
    }
    // Overwriting makes a new version; the protected one is still there with its bytes.
    const v2 = await write(b, 'locked', 'next');
    expect(v2).not.toBe(v1);
    expect(await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'locked', VersionId: v1 })))).toBe('protected');
    expect((await versionsOf(b, 'locked')).map((v) => v.VersionId)).toEqual([v2, v1]);
  });
});

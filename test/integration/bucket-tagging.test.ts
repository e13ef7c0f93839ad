import { createHash } from 'node:crypto';
import { DeleteBucketCommand, DeleteBucketTaggingCommand, GetBucketTaggingCommand, PutBucketTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectS3Error, newBucket } from '../helpers/s3.js';
import { rawRequest } from '../helpers/signing.js';

/** Bucket tagging, the first sub-resource of the bucket-configuration factory. */
let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

const put = (Bucket: string, TagSet: Array<{ Key: string; Value: string }>) => s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet } }));

describe('PutBucketTagging / GetBucketTagging / DeleteBucketTagging', () => {
  it('a bucket without tags is NoSuchTagSet; tags round-trip in order; delete removes them', async () => {
    const b = await newBucket(s3, { prefix: 'tags' });
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), 'NoSuchTagSet', 404);
    const tags = [
      { Key: 'project', Value: 'photos' },
      { Key: 'cost center', Value: '' },
      { Key: 'ünïcødé', Value: 'ok: + - = . _ : / @' },
    ];
    const out = await put(b, tags);
    expect(out.$metadata.httpStatusCode).toBe(204);
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet).toEqual(tags);
    // A second Put replaces the whole set.
    await put(b, [{ Key: 'only', Value: 'one' }]);
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet).toEqual([{ Key: 'only', Value: 'one' }]);
    const del = await s3.send(new DeleteBucketTaggingCommand({ Bucket: b }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), 'NoSuchTagSet', 404);
  });

  it('AWS limits: 50 tags, key 128 and value 256 characters, allowed characters, no aws: prefix, no duplicate keys (InvalidTag)', async () => {
    const b = await newBucket(s3, { prefix: 'tags' });
    await put(b, [{ Key: 'keep', Value: 'me' }]);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await put(b, many);
    const cases: Array<Array<{ Key: string; Value: string }>> = [
      [...many, { Key: 'k50', Value: 'v' }],
      [{ Key: 'x'.repeat(129), Value: 'v' }],
      [{ Key: 'k', Value: 'v'.repeat(257) }],
      [{ Key: 'bad*key', Value: 'v' }],
      [{ Key: 'k', Value: 'bad#value' }],
      [{ Key: 'aws:owner', Value: 'v' }],
      [
        { Key: 'dup', Value: '1' },
        { Key: 'dup', Value: '2' },
      ],
    ];
    for (const c of cases) await expectS3Error(put(b, c), 'InvalidTag', 400);
    // 128 and 256 Unicode characters (not bytes) are fine; a symbol such as ✓ is not a letter (InvalidTag).
    await expectS3Error(put(b, [{ Key: 'check', Value: '✓' }]), 'InvalidTag', 400);
    await put(b, [{ Key: 'é'.repeat(128), Value: '日'.repeat(256) }]);
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet?.[0]?.Key).toBe('é'.repeat(128));
  });

  it('a refused Put keeps the previous tags; a malformed document is MalformedXML; Content-MD5 is required', async () => {
    const b = await newBucket(s3, { prefix: 'tags' });
    await put(b, [{ Key: 'keep', Value: 'me' }]);
    await expectS3Error(put(b, [{ Key: 'aws:x', Value: 'y' }]), 'InvalidTag', 400);
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet).toEqual([{ Key: 'keep', Value: 'me' }]);
    const doc = '<Tagging><NotATagSet/></Tagging>';
    const md5 = createHash('md5').update(doc).digest('base64');
    const bad = await rawRequest(ts.url, 'PUT', `/${b}?tagging`, { body: doc, headers: { 'content-md5': md5 } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Code>MalformedXML</Code>');
    const good = '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>';
    const noMd5 = await rawRequest(ts.url, 'PUT', `/${b}?tagging`, { body: good });
    expect(noMd5.status).toBe(400);
    expect(noMd5.text).toContain('Content-MD5');
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: b }))).TagSet).toEqual([{ Key: 'keep', Value: 'me' }]);
  });

  it('an empty TagSet removes the tags; tags go with a deleted bucket; another user is AccessDenied', async () => {
    const b = await newBucket(s3, { prefix: 'tags' });
    await put(b, [{ Key: 'a', Value: 'b' }]);
    await put(b, []);
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), 'NoSuchTagSet', 404);
    await put(b, [{ Key: 'a', Value: 'b' }]);
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    await expectS3Error(s3.send(new GetBucketTaggingCommand({ Bucket: b })), 'NoSuchBucket', 404);
    expect(ts.ctx.db.prepare('SELECT count(*) AS n FROM bucket_configs').get()).toEqual({ n: expect.any(Number) });
    const orphans = ts.ctx.db.prepare('SELECT count(*) AS n FROM bucket_configs WHERE bucket_id NOT IN (SELECT id FROM buckets)').get() as { n: number };
    expect(orphans.n).toBe(0);
    ts.ctx.accounts.create('tagger', { accessKey: 'AKIATAGGER0000000001', secretKey: 'tagger-secret-0000000000' });
    const other = ts.client({ credentials: { accessKeyId: 'AKIATAGGER0000000001', secretAccessKey: 'tagger-secret-0000000000' } });
    const b2 = await newBucket(s3, { prefix: 'tags' });
    await expectS3Error(other.send(new PutBucketTaggingCommand({ Bucket: b2, Tagging: { TagSet: [{ Key: 'x', Value: 'y' }] } })), 'AccessDenied', 403);
    await expectS3Error(other.send(new GetBucketTaggingCommand({ Bucket: b2 })), 'AccessDenied', 403);
  });
});

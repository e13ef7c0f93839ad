import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type S3Client,
  type Tag,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { FormData, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, destroyClients, doc, iamClient } from '../helpers/iam-users.js';
import { expectS3Error, newBucket } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Object tagging: the tagging sub-resource of a version, tags on every write, the tag count and the tag condition keys. */
let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => {
  if (ts) destroyClients(ts);
  await ts?.stop();
});

const tagsOf = async (Bucket: string, Key: string, VersionId?: string) => (await s3.send(new GetObjectTaggingCommand({ Bucket, Key, VersionId }))).TagSet;
const putTags = (Bucket: string, Key: string, TagSet: Tag[], VersionId?: string) =>
  s3.send(new PutObjectTaggingCommand({ Bucket, Key, VersionId, Tagging: { TagSet } }));

describe('PutObjectTagging / GetObjectTagging / DeleteObjectTagging', () => {
  it('tags round-trip per version; x-amz-version-id answers; the tag count is on GET and HEAD', async () => {
    const b = await newBucket(s3, { prefix: 'otag', versioning: 'Enabled' });
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'one' }))).VersionId!;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'two' }))).VersionId!;
    expect(await tagsOf(b, 'k')).toEqual([]);
    const put = await putTags(b, 'k', [
      { Key: 'a', Value: '1' },
      { Key: 'ünï code', Value: '' },
    ]);
    expect(put.VersionId).toBe(v2);
    await putTags(b, 'k', [{ Key: 'old', Value: 'yes' }], v1);
    const got = await s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'k' }));
    expect(got.VersionId).toBe(v2);
    expect(got.TagSet).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'ünï code', Value: '' },
    ]);
    expect(await tagsOf(b, 'k', v1)).toEqual([{ Key: 'old', Value: 'yes' }]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' })))?.$metadata.httpStatusCode).toBe(200);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
    expect(g.TagCount).toBe(2);
    await g.Body!.transformToString();
    const del = await s3.send(new DeleteObjectTaggingCommand({ Bucket: b, Key: 'k' }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    expect(del.VersionId).toBe(v2);
    expect(await tagsOf(b, 'k')).toEqual([]);
    const g2 = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' }));
    expect(g2.TagCount).toBeUndefined();
    await g2.Body!.transformToString();
    expect(await tagsOf(b, 'k', v1)).toEqual([{ Key: 'old', Value: 'yes' }]);
  });

  it('missing objects and versions answer as S3 does', async () => {
    const b = await newBucket(s3, { prefix: 'otag' });
    await expectS3Error(tagsOf(b, 'nope'), 'NoSuchKey', 404);
    await expectS3Error(putTags(b, 'nope', []), 'NoSuchKey', 404);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    await expectS3Error(tagsOf(b, 'k', '0000000000000000000000'), 'NoSuchVersion', 404);
  });

  it("AWS's limits: 10 tags (BadRequest), key and value length and characters, duplicates (InvalidTag)", async () => {
    const b = await newBucket(s3, { prefix: 'otag' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    const ten = Array.from({ length: 10 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await putTags(b, 'k', ten);
    const e = await expectS3Error(putTags(b, 'k', [...ten, { Key: 'k10', Value: 'v' }]), 'BadRequest', 400);
    expect(e.message).toBe('Object tags cannot be greater than 10');
    for (const bad of [
      [{ Key: 'x'.repeat(129), Value: '' }],
      [{ Key: 'k', Value: 'v'.repeat(257) }],
      [{ Key: 'a*b', Value: '' }],
      [{ Key: 'aws:x', Value: '' }],
    ])
      await expectS3Error(putTags(b, 'k', bad), 'InvalidTag', 400);
    const dup = await expectS3Error(
      putTags(b, 'k', [
        { Key: 'd', Value: '1' },
        { Key: 'd', Value: '2' },
      ]),
      'InvalidTag',
      400,
    );
    expect(dup.message).toBe('Cannot provide multiple Tags with the same key');
    await putTags(b, 'k', [{ Key: 'é'.repeat(128), Value: '日'.repeat(256) }]);
    expect(await tagsOf(b, 'k')).toEqual([{ Key: 'é'.repeat(128), Value: '日'.repeat(256) }]);
  });
});

describe('tags on writes', () => {
  it('x-amz-tagging on PutObject; bad headers answer InvalidArgument / BadRequest / InvalidTag', async () => {
    const b = await newBucket(s3, { prefix: 'otag' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', Tagging: 'a=1&b=two%20words&flag' }));
    expect(await tagsOf(b, 'k')).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: 'two words' },
      { Key: 'flag', Value: '' },
    ]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }))).$metadata.httpStatusCode).toBe(200);
    const dup = await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'd', Body: 'x', Tagging: 'a=1&a=2' })), 'InvalidArgument', 400);
    expect(dup.message).toMatch(/^The header 'x-amz-tagging' shall be encoded/);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'd', Body: 'x', Tagging: '=v' })), 'InvalidArgument', 400);
    const eleven = Array.from({ length: 11 }, (_, i) => `k${i}=v`).join('&');
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'd', Body: 'x', Tagging: eleven })), 'BadRequest', 400);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'd', Body: 'x', Tagging: 'a%2Ab=1' })), 'InvalidTag', 400);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'd' })), 'NotFound', 404);
  });

  it('CopyObject copies the tags, or replaces them with x-amz-tagging-directive REPLACE', async () => {
    const b = await newBucket(s3, { prefix: 'otag' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'x', Tagging: 'a=1' }));
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/src`, Tagging: 'ignored=1' }));
    expect(await tagsOf(b, 'copy')).toEqual([{ Key: 'a', Value: '1' }]);
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'repl', CopySource: `${b}/src`, TaggingDirective: 'REPLACE', Tagging: 'b=2' }));
    expect(await tagsOf(b, 'repl')).toEqual([{ Key: 'b', Value: '2' }]);
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'none', CopySource: `${b}/src`, TaggingDirective: 'REPLACE' }));
    expect(await tagsOf(b, 'none')).toEqual([]);
    await expectS3Error(
      s3.send(new CopyObjectCommand({ Bucket: b, Key: 'x', CopySource: `${b}/src`, TaggingDirective: 'MOVE' as never })),
      'InvalidArgument',
      400,
    );
  });

  it('CreateMultipartUpload keeps the tags for the version Complete creates', async () => {
    const b = await newBucket(s3, { prefix: 'otag' });
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', Tagging: 'stage=raw' }));
    const p = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p.ETag }] } }));
    expect(await tagsOf(b, 'mp')).toEqual([{ Key: 'stage', Value: 'raw' }]);
  });

  it('PostObject: the form field `tagging` holds a Tagging document', async () => {
    const b = await newBucket(s3, { prefix: 'otag' });
    const tagging = '<Tagging><TagSet><Tag><Key>from</Key><Value>form</Value></Tag></TagSet></Tagging>';
    const p = await createPresignedPost(s3, { Bucket: b, Key: 'posted', Fields: { tagging } });
    const form = new FormData();
    for (const [k, v] of Object.entries(p.fields)) form.append(k, v);
    form.append('file', new Blob(['hello']), 'f.txt');
    const res = await fetch(p.url, { method: 'POST', body: form });
    expect(res.status).toBe(204);
    expect(await tagsOf(b, 'posted')).toEqual([{ Key: 'from', Value: 'form' }]);
    const bad = await createPresignedPost(s3, { Bucket: b, Key: 'bad', Fields: { tagging: '<Tagging><TagSet>' } });
    const f2 = new FormData();
    for (const [k, v] of Object.entries(bad.fields)) f2.append(k, v);
    f2.append('file', new Blob(['hello']), 'f.txt');
    const r2 = await fetch(bad.url, { method: 'POST', body: f2 });
    expect(r2.status).toBe(400);
    expect(await r2.text()).toContain('<Code>MalformedXML</Code>');
  });
});

describe('tagging permissions and condition keys', () => {
  it('s3:PutObjectTagging is needed besides s3:PutObject to send x-amz-tagging; s3:RequestObjectTag and s3:ExistingObjectTag are judged', async () => {
    const b = await newBucket(s3, { prefix: 'otag' });
    const iam = iamClient(ts);
    const u = await createUser(ts, iam, `tagger${Date.now()}`, {
      inline: doc(
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObjectTagging'], Resource: `arn:aws:s3:::${b}/*` },
        {
          Effect: 'Allow',
          Action: 's3:PutObjectTagging',
          Resource: `arn:aws:s3:::${b}/*`,
          Condition: { StringEquals: { 's3:RequestObjectTag/team': 'blue' } },
        },
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${b}/*`,
          Condition: { StringEquals: { 's3:ExistingObjectTag/public': 'yes' } },
        },
      ),
    });
    await u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'x' }));
    await expectS3Error(u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'red', Body: 'x', Tagging: 'team=red' })), 'AccessDenied', 403);
    await u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'blue', Body: 'x', Tagging: 'team=blue' }));
    await expectS3Error(
      u.s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'plain', Tagging: { TagSet: [{ Key: 'team', Value: 'red' }] } })),
      'AccessDenied',
      403,
    );
    await u.s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 'plain', Tagging: { TagSet: [{ Key: 'team', Value: 'blue' }] } }));
    expect((await u.s3.send(new GetObjectTaggingCommand({ Bucket: b, Key: 'plain' }))).TagSet).toEqual([{ Key: 'team', Value: 'blue' }]);
    await expectS3Error(u.s3.send(new GetObjectCommand({ Bucket: b, Key: 'plain' })), 'AccessDenied', 403);
    await putTags(b, 'plain', [{ Key: 'public', Value: 'yes' }]);
    const g = await u.s3.send(new GetObjectCommand({ Bucket: b, Key: 'plain' }));
    expect(await g.Body!.transformToString()).toBe('x');
  });
});

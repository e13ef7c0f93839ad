import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  GetObjectTorrentCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_KEY, SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest, Sha256, type RawOptions } from '../helpers/signing.js';
import { body, md5, newBucket, s3Error } from '../helpers/s3.js';

let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer({ domains: ['s3.local'] });
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

describe('buckets', () => {
  it('CreateBucket, HeadBucket (region header), GetBucketLocation, ListBuckets, DeleteBucket', async () => {
    const b = await newBucket(s3, { prefix: 'test-bucket' });
    const head = await s3.send(new HeadBucketCommand({ Bucket: b }));
    expect(head.BucketRegion).toBe('us-east-1');
    const loc = await s3.send(new GetBucketLocationCommand({ Bucket: b }));
    expect(loc.LocationConstraint ?? '').toBe('');
    const list = await s3.send(new ListBucketsCommand({}));
    expect(list.Buckets?.map((x) => x.Name)).toContain(b);
    expect(list.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    const e = await s3Error(s3.send(new HeadBucketCommand({ Bucket: b })));
    expect(e.$metadata.httpStatusCode).toBe(404);
  });

  it('CreateBucket with a CreateBucketConfiguration body', async () => {
    const name = `loc-bucket-${Date.now().toString(36)}`;
    await s3.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } }));
    await s3.send(new HeadBucketCommand({ Bucket: name }));
  });

  it('BucketAlreadyOwnedByYou for your own, BucketAlreadyExists for another user', async () => {
    const b = await newBucket(s3, { prefix: 'test-bucket' });
    const own = await s3Error(s3.send(new CreateBucketCommand({ Bucket: b })));
    expect(own.name).toBe('BucketAlreadyOwnedByYou');
    expect(own.$metadata.httpStatusCode).toBe(409);
    ts.ctx.accounts.create('alice', { accessKey: 'AKIAALICE00000000001', secretKey: 'alice-secret-0000000000' });
    const alice = ts.client({ credentials: { accessKeyId: 'AKIAALICE00000000001', secretAccessKey: 'alice-secret-0000000000' } });
    const other = await s3Error(alice.send(new CreateBucketCommand({ Bucket: b })));
    expect(other.name).toBe('BucketAlreadyExists');
    // A user sees only its own buckets and may not touch others'.
    const ab = await newBucket(alice, { prefix: 'test-bucket' });
    expect((await alice.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name)).toEqual([ab]);
    const denied = await s3Error(alice.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x' })));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata.httpStatusCode).toBe(403);
    // The root user may use any bucket.
    await s3.send(new PutObjectCommand({ Bucket: ab, Key: 'from-root', Body: 'x' }));
  });

  it.each(['ab', 'Upper-Case', 'under_score', '192.168.1.1', 'xn--punycode', 'a..b', 'bucket-s3alias', 'foo.-bar', 'foo-.bar'])(
    'InvalidBucketName for %s',
    async (name) => {
      const e = await s3Error(s3.send(new CreateBucketCommand({ Bucket: name })));
      expect(e.name).toBe('InvalidBucketName');
      expect(e.$metadata.httpStatusCode).toBe(400);
    },
  );

  it('DeleteBucket of a non-empty bucket is BucketNotEmpty; of a missing one NoSuchBucket', async () => {
    const b = await newBucket(s3, { prefix: 'test-bucket' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v' }));
    const e = await s3Error(s3.send(new DeleteBucketCommand({ Bucket: b })));
    expect(e.name).toBe('BucketNotEmpty');
    expect(e.$metadata.httpStatusCode).toBe(409);
    const m = await s3Error(s3.send(new DeleteBucketCommand({ Bucket: 'no-such-bucket-here' })));
    expect(m.name).toBe('NoSuchBucket');
    expect((m as unknown as { BucketName: string }).BucketName).toBe('no-such-bucket-here');
  });
});

describe('objects', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'test-bucket' });
  });

  it('PutObject stores standard headers, metadata and storage class; GetObject/HeadObject return them', async () => {
    const expires = new Date('2030-01-01T00:00:00Z');
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: b,
        Key: 'doc.txt',
        Body: 'hello world',
        ContentType: 'text/plain; charset=utf-8',
        ContentEncoding: 'identity',
        ContentDisposition: 'attachment; filename="doc.txt"',
        ContentLanguage: 'en',
        CacheControl: 'max-age=60',
        Expires: expires,
        Metadata: { color: 'blue', 'two-words': 'a b' },
        StorageClass: 'STANDARD_IA',
      }),
    );
    expect(put.ETag).toBe(`"${md5('hello world')}"`);
    const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc.txt' }));
    expect((await body(get)).toString()).toBe('hello world');
    expect(get).toMatchObject({
      ContentType: 'text/plain; charset=utf-8',
      ContentEncoding: 'identity',
      ContentDisposition: 'attachment; filename="doc.txt"',
      ContentLanguage: 'en',
      CacheControl: 'max-age=60',
      Metadata: { color: 'blue', 'two-words': 'a b' },
      StorageClass: 'STANDARD_IA',
      ContentLength: 11,
      AcceptRanges: 'bytes',
      ETag: `"${md5('hello world')}"`,
    });
    expect(get.Expires?.toISOString()).toBe(expires.toISOString());
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'doc.txt' }));
    expect(head.ContentLength).toBe(11);
    expect(head.LastModified).toBeInstanceOf(Date);
  });

  it('stored Content-Encoding drops aws-chunked and the default Content-Type is binary/octet-stream', async () => {
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: Buffer.from('xyz') }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'plain' }));
    expect(head.ContentEncoding).toBeUndefined();
    const put = await raw('PUT', `/${b}/no-type`, { body: 'xyz' });
    expect(put.status).toBe(200);
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'no-type' }))).ContentType).toBe('binary/octet-stream');
  });

  it('metadata over 2 KB is MetadataTooLarge', async () => {
    const e = await s3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'm', Body: 'x', Metadata: { big: 'v'.repeat(2100) } })));
    expect(e.name).toBe('MetadataTooLarge');
  });

  it('Content-MD5 is verified: BadDigest for a wrong digest, InvalidDigest for a malformed one', async () => {
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'md5', Body: 'original' }));
    const good = createHash('md5').update('abc').digest('base64');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'md5-ok', Body: 'abc', ContentMD5: good }));
    const wrong = await s3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'md5', Body: 'changed', ContentMD5: good })));
    expect(wrong.name).toBe('BadDigest');
    const bad = await s3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'md5', Body: 'changed', ContentMD5: 'not-base64!' })));
    expect(bad.name).toBe('InvalidDigest');
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'md5' })))).toString()).toBe('original');
  });

  it('an invalid storage class is InvalidStorageClass', async () => {
    const e = await s3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'sc', Body: 'x', StorageClass: 'PLATINUM' as never })));
    expect(e.name).toBe('InvalidStorageClass');
  });

  it('GetObject ranges: 206 with Content-Range, suffix, open-ended, 416 InvalidRange, malformed → 200', async () => {
    const data = Buffer.from('0123456789abcdefghij');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'range', Body: data }));
    const r1 = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'range', Range: 'bytes=2-5' }));
    expect((await body(r1)).toString()).toBe('2345');
    expect(r1.ContentRange).toBe('bytes 2-5/20');
    expect(r1.$metadata.httpStatusCode).toBe(206);
    expect(r1.ContentLength).toBe(4);
    const r2 = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'range', Range: 'bytes=-3' }));
    expect((await body(r2)).toString()).toBe('hij');
    const r3 = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'range', Range: 'bytes=18-' }));
    expect((await body(r3)).toString()).toBe('ij');
    const e = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'range', Range: 'bytes=20-30' })));
    expect(e.name).toBe('InvalidRange');
    expect(e.$metadata.httpStatusCode).toBe(416);
    const r4 = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'range', Range: 'bytes=junk' }));
    expect(r4.$metadata.httpStatusCode).toBe(200);
    expect((await body(r4)).equals(data)).toBe(true);
  });

  it('conditional GET/HEAD: 304 and 412 with AWS precedence', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'cond', Body: 'conditional' }));
    const etag = put.ETag!;
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'cond' }));
    const lm = head.LastModified!;
    const past = new Date(lm.getTime() - 3600_000);
    const future = new Date(lm.getTime() + 3600_000);
    const nm = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfNoneMatch: etag })));
    expect(nm.$metadata.httpStatusCode).toBe(304);
    const pf = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfMatch: '"nope"' })));
    expect(pf.$metadata.httpStatusCode).toBe(412);
    expect(pf.name).toBe('PreconditionFailed');
    const hpf = await s3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'cond', IfUnmodifiedSince: past })));
    expect(hpf.$metadata.httpStatusCode).toBe(412);
    // If-Match true + If-Unmodified-Since false → 200
    const ok = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfMatch: etag, IfUnmodifiedSince: past }));
    expect((await body(ok)).toString()).toBe('conditional');
    // If-None-Match false (matches) + If-Modified-Since true → 304
    const nm2 = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfNoneMatch: etag, IfModifiedSince: past })));
    expect(nm2.$metadata.httpStatusCode).toBe(304);
    const ims = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfModifiedSince: future })));
    expect(ims.$metadata.httpStatusCode).toBe(304);
    const fresh = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'cond', IfModifiedSince: past }));
    expect(fresh.$metadata.httpStatusCode).toBe(200);
    await body(fresh);
  });

  it('response-* overrides', async () => {
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'ovr', Body: 'x', ContentType: 'text/plain' }));
    const g = await s3.send(
      new GetObjectCommand({
        Bucket: b,
        Key: 'ovr',
        ResponseContentType: 'application/json',
        ResponseContentDisposition: 'inline',
        ResponseCacheControl: 'no-cache',
        ResponseContentLanguage: 'fr',
        ResponseContentEncoding: 'identity',
        ResponseExpires: new Date('2031-01-01T00:00:00Z'),
      }),
    );
    await body(g);
    expect(g).toMatchObject({
      ContentType: 'application/json',
      ContentDisposition: 'inline',
      CacheControl: 'no-cache',
      ContentLanguage: 'fr',
      ContentEncoding: 'identity',
    });
  });

  it('NoSuchKey carries the key; DeleteObject answers 204 even for a missing key', async () => {
    const e = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'missing/key' })));
    expect(e.name).toBe('NoSuchKey');
    expect((e as unknown as { Key: string }).Key).toBe('missing/key');
    const h = await s3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'missing/key' })));
    expect(h.$metadata.httpStatusCode).toBe(404);
    const d = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'missing/key' }));
    expect(d.$metadata.httpStatusCode).toBe(204);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'gone', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone' }));
    expect((await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'gone' })))).name).toBe('NoSuchKey');
  });

  const specialKeys = [
    'a b+c%d',
    'plus+sign',
    'percent%20literal',
    'unicode/ü/日本語/🙂',
    '../dot-dot/../x',
    'double//slash//',
    '/leading-slash',
    'question?mark#hash',
    'quote\'and"double',
    'amp&lt;<tag>',
    'tab\tkey',
    '~tilde!*()',
    'k'.repeat(1024),
  ];
  it.each(specialKeys.map((k) => [k.length > 60 ? `${k.slice(0, 20)}…(${k.length})` : k, k]))(
    'key %s round-trips through PUT, GET, LIST, COPY, DELETE',
    async (_label, key) => {
      await s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: `body of ${key}` }));
      expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: key })))).toString()).toBe(`body of ${key}`);
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: key }));
      expect(listed.Contents?.map((c) => c.Key)).toContain(key);
      const url = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: key, EncodingType: 'url' }));
      expect(url.Contents?.map((c) => decodeURIComponent(c.Key!.replace(/\+/g, ' ')))).toContain(key);
      const copyKey = `${key.slice(0, 1000)}-copy`;
      await s3.send(new CopyObjectCommand({ Bucket: b, Key: copyKey, CopySource: `${b}/${encodeURIComponent(key)}` }));
      expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: copyKey })))).toString()).toBe(`body of ${key}`);
      await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: key }, { Key: copyKey }] } }));
      expect((await s3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: key })))).$metadata.httpStatusCode).toBe(404);
    },
  );

  it('a key over 1024 bytes is KeyTooLongError', async () => {
    const e = await s3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'é'.repeat(513), Body: 'x' })));
    expect(e.name).toBe('KeyTooLongError');
  });

  it('works at requestChecksumCalculation WHEN_REQUIRED (plain bodies, Content-MD5 where required)', async () => {
    const c = ts.client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    await c.send(new PutObjectCommand({ Bucket: b, Key: 'wr', Body: 'when required' }));
    expect((await body(await c.send(new GetObjectCommand({ Bucket: b, Key: 'wr' })))).toString()).toBe('when required');
    const d = await c.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'wr' }] } }));
    expect(d.Deleted?.[0]?.Key).toBe('wr');
  });

  it('PutObject with each checksum algorithm: verified, stored, returned with ChecksumMode', async () => {
    for (const algo of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
      const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: `sum-${algo}`, Body: `checksummed ${algo}`, ChecksumAlgorithm: algo }));
      const field = `Checksum${algo}` as const;
      expect(put[field], algo).toBeTruthy();
      const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: `sum-${algo}`, ChecksumMode: 'ENABLED' }));
      expect(head[field], algo).toBe(put[field]);
    }
  });
});

describe('DeleteObjects', () => {
  it('deletes up to 1000 keys, reports each, quiet mode reports only errors', async () => {
    const b = await newBucket(s3, { prefix: 'test-bucket' });
    const keys = Array.from({ length: 1000 }, (_, i) => `k/${i}`);
    await Promise.all(keys.slice(0, 20).map((k) => s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }))));
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    expect(r.Deleted).toHaveLength(1000);
    expect(r.Errors ?? []).toHaveLength(0);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: b }))).KeyCount).toBe(0);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'q', Body: 'q' }));
    const q = await s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Quiet: true, Objects: [{ Key: 'q' }, { Key: 'x' }] } }));
    expect(q.Deleted ?? []).toHaveLength(0);
    expect(q.Errors ?? []).toHaveLength(0);
    const tooMany = await s3Error(s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [...keys, 'one-more'].map((Key) => ({ Key })) } })));
    expect(tooMany.name).toBe('MalformedXML');
  });
});

describe('CopyObject', () => {
  it('same and cross bucket, COPY and REPLACE directives, CopyObjectResult', async () => {
    const a = await newBucket(s3, { prefix: 'test-bucket' });
    const c = await newBucket(s3, { prefix: 'test-bucket' });
    const put = await s3.send(new PutObjectCommand({ Bucket: a, Key: 'src', Body: 'copy me', ContentType: 'text/x-src', Metadata: { m: '1' } }));
    const cp = await s3.send(new CopyObjectCommand({ Bucket: c, Key: 'dst', CopySource: `/${a}/src` }));
    expect(cp.CopyObjectResult?.ETag).toBe(put.ETag);
    expect(cp.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const h = await s3.send(new HeadObjectCommand({ Bucket: c, Key: 'dst' }));
    expect(h).toMatchObject({ ContentType: 'text/x-src', Metadata: { m: '1' }, ContentLength: 7 });
    await s3.send(
      new CopyObjectCommand({ Bucket: c, Key: 'dst2', CopySource: `${a}/src`, MetadataDirective: 'REPLACE', ContentType: 'text/new', Metadata: { m: '2' } }),
    );
    expect(await s3.send(new HeadObjectCommand({ Bucket: c, Key: 'dst2' }))).toMatchObject({ ContentType: 'text/new', Metadata: { m: '2' } });
  });

  it('copy onto itself only with REPLACE', async () => {
    const a = await newBucket(s3, { prefix: 'test-bucket' });
    await s3.send(new PutObjectCommand({ Bucket: a, Key: 'self', Body: 'x', Metadata: { v: '1' } }));
    const e = await s3Error(s3.send(new CopyObjectCommand({ Bucket: a, Key: 'self', CopySource: `${a}/self` })));
    expect(e.name).toBe('InvalidRequest');
    await s3.send(new CopyObjectCommand({ Bucket: a, Key: 'self', CopySource: `${a}/self`, MetadataDirective: 'REPLACE', Metadata: { v: '2' } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: a, Key: 'self' }))).Metadata).toEqual({ v: '2' });
  });

  it('copy-source conditionals → 412; missing source → NoSuchKey; versionId=null accepted', async () => {
    const a = await newBucket(s3, { prefix: 'test-bucket' });
    const put = await s3.send(new PutObjectCommand({ Bucket: a, Key: 's', Body: 'x' }));
    const e = await s3Error(s3.send(new CopyObjectCommand({ Bucket: a, Key: 'd', CopySource: `${a}/s`, CopySourceIfMatch: '"other"' })));
    expect(e.$metadata.httpStatusCode).toBe(412);
    const e2 = await s3Error(s3.send(new CopyObjectCommand({ Bucket: a, Key: 'd', CopySource: `${a}/s`, CopySourceIfNoneMatch: put.ETag })));
    expect(e2.$metadata.httpStatusCode).toBe(412);
    await s3.send(new CopyObjectCommand({ Bucket: a, Key: 'd', CopySource: `${a}/s`, CopySourceIfMatch: put.ETag }));
    await s3.send(new CopyObjectCommand({ Bucket: a, Key: 'd2', CopySource: `${a}/s?versionId=null` }));
    const m = await s3Error(s3.send(new CopyObjectCommand({ Bucket: a, Key: 'd', CopySource: `${a}/nope` })));
    expect(m.name).toBe('NoSuchKey');
  });
});

describe('listings', () => {
  let b: string;
  const keys: string[] = [];
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'test-bucket' });
    for (const d of ['a', 'b', 'c']) for (let i = 0; i < 7; i++) keys.push(`${d}/${i}`);
    keys.push('a/deep/1', 'a/deep/2', 'top1', 'top2', 'é', 'z');
    await Promise.all(keys.map((k) => s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }))));
  });

  async function walkV2(params: { Prefix?: string; Delimiter?: string; MaxKeys?: number; StartAfter?: string }): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    for (;;) {
      const r: ListObjectsV2CommandOutput = await s3.send(new ListObjectsV2Command({ Bucket: b, ...params, ContinuationToken: token }));
      expect(r.KeyCount).toBe((r.Contents?.length ?? 0) + (r.CommonPrefixes?.length ?? 0));
      out.push(...(r.Contents ?? []).map((c) => c.Key!), ...(r.CommonPrefixes ?? []).map((p) => `CP:${p.Prefix}`));
      if (!r.IsTruncated) return out;
      token = r.NextContinuationToken;
      expect(token).toBeTruthy();
    }
  }

  it('ListObjectsV2 pages with a delimiter: CommonPrefixes correct across pages', async () => {
    const all = await walkV2({ Delimiter: '/', MaxKeys: 2 });
    expect(all.sort()).toEqual(['CP:a/', 'CP:b/', 'CP:c/', 'top1', 'top2', 'z', 'é'].sort());
    const under = await walkV2({ Prefix: 'a/', Delimiter: '/', MaxKeys: 3 });
    expect(under.sort()).toEqual(['CP:a/deep/', ...Array.from({ length: 7 }, (_, i) => `a/${i}`)].sort());
  });

  it('ListObjectsV2 without delimiter lists every key once, in UTF-8 byte order', async () => {
    const all = await walkV2({ MaxKeys: 4 });
    const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(all).toEqual(sorted);
  });

  it('start-after, max-keys cap at 1000, fetch-owner', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: b, StartAfter: 'c/6', MaxKeys: 5000, FetchOwner: true }));
    expect(r.Contents?.map((c) => c.Key)).toEqual(['top1', 'top2', 'z', 'é']);
    expect(r.MaxKeys).toBe(1000);
    expect(r.StartAfter).toBe('c/6');
    expect(r.Contents?.[0]?.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    const noOwner = await s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 1 }));
    expect(noOwner.Contents?.[0]?.Owner).toBeUndefined();
  });

  it('ListObjects (v1) with marker, NextMarker and delimiter', async () => {
    const out: string[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 50; i++) {
      const r = await s3.send(new ListObjectsCommand({ Bucket: b, Delimiter: '/', MaxKeys: 2, Marker: marker }));
      out.push(...(r.Contents ?? []).map((c) => c.Key!), ...(r.CommonPrefixes ?? []).map((p) => `CP:${p.Prefix}`));
      expect(r.Contents?.[0]?.Owner?.ID ?? 'x').toBeTruthy();
      if (!r.IsTruncated) break;
      marker = r.NextMarker;
      expect(marker).toBeTruthy();
    }
    expect(out.sort()).toEqual(['CP:a/', 'CP:b/', 'CP:c/', 'top1', 'top2', 'z', 'é'].sort());
  });

  it('encoding-type=url encodes keys and prefixes', async () => {
    const c = await newBucket(s3, { prefix: 'test-bucket' });
    await s3.send(new PutObjectCommand({ Bucket: c, Key: 'dir one/a+b', Body: 'x' }));
    const r = await s3.send(new ListObjectsV2Command({ Bucket: c, Delimiter: '/', EncodingType: 'url' }));
    expect(r.CommonPrefixes?.[0]?.Prefix).toBe('dir+one/');
    const r2 = await s3.send(new ListObjectsV2Command({ Bucket: c, EncodingType: 'url' }));
    expect(r2.Contents?.[0]?.Key).toBe('dir+one/a%2Bb');
  });

  it('bad parameters: max-keys not a number, an unknown encoding-type', async () => {
    const e1 = await raw('GET', `/${b}?list-type=2&max-keys=abc`);
    expect(e1.status).toBe(400);
    expect(e1.text).toContain('<Code>InvalidArgument</Code>');
    const e2 = await raw('GET', `/${b}?list-type=2&encoding-type=base64`);
    expect(e2.text).toContain('<Code>InvalidArgument</Code>');
  });

  it('pages through 100,000 keys in bounded pages', async () => {
    const big = await newBucket(s3, { prefix: 'test-bucket' });
    const bucket = ts.ctx.buckets.get(big)!;
    const insert = ts.ctx.db.prepare(
      "INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, blob_id, size, etag, last_modified, owner_id) VALUES (?, ?, 1, 'null', 1, '00000000000000000000000000000000', 0, 'd41d8cd98f00b204e9800998ecf8427e', 0, 1)",
    );
    ts.ctx.db.transaction(() => {
      for (let i = 0; i < 100_000; i++) insert.run(bucket.id, Buffer.from(`d${i % 10}/k${String(i).padStart(6, '0')}`));
    })();
    let token: string | undefined;
    let count = 0;
    let pages = 0;
    let last = '';
    do {
      const r: ListObjectsV2CommandOutput = await s3.send(new ListObjectsV2Command({ Bucket: big, ContinuationToken: token }));
      for (const c of r.Contents ?? []) {
        expect(c.Key! > last).toBe(true);
        last = c.Key!;
      }
      count += r.KeyCount!;
      pages++;
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    expect(count).toBe(100_000);
    expect(pages).toBe(100);
    const cps = await s3.send(new ListObjectsV2Command({ Bucket: big, Delimiter: '/' }));
    expect(cps.CommonPrefixes?.map((p) => p.Prefix)).toEqual(Array.from({ length: 10 }, (_, i) => `d${i}/`));
    ts.ctx.db.prepare('DELETE FROM objects WHERE bucket_id = ?').run(bucket.id);
  });
});

/** A raw request signed by the SDK's signer (so only what the test changes is wrong). */
const raw = (method: string, path: string, opts: RawOptions = {}) => rawRequest(ts.url, method, path, opts);

describe('authentication and errors', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'test-bucket' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v' }));
  });

  it('every response carries x-amz-request-id, x-amz-id-2, Date and Server', async () => {
    const ok = await raw('GET', `/${b}/k`);
    expect(ok.status).toBe(200);
    for (const h of ['x-amz-request-id', 'x-amz-id-2', 'date', 'server']) expect(ok.headers[h], h).toBeTruthy();
    const err = await raw('GET', `/${b}/missing`);
    for (const h of ['x-amz-request-id', 'x-amz-id-2', 'date', 'server']) expect(err.headers[h], h).toBeTruthy();
    expect(err.text).toMatch(
      new RegExp(
        `^<\\?xml version="1.0" encoding="UTF-8"\\?>\\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>missing</Key><Resource>/${b}/missing</Resource><RequestId>${err.headers['x-amz-request-id']}</RequestId><HostId>[^<]+</HostId></Error>$`,
      ),
    );
  });

  it('HEAD errors have no body', async () => {
    const r = await raw('HEAD', `/${b}/missing`);
    expect(r.status).toBe(404);
    expect(r.text).toBe('');
  });

  it('a wrong secret is SignatureDoesNotMatch with StringToSign and CanonicalRequest', async () => {
    const r = await raw('GET', `/${b}/k`, { secret: 'wrong-secret-xxxxxxxxxxxx' });
    expect(r.status).toBe(403);
    expect(r.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(r.text).toContain('<StringToSign>AWS4-HMAC-SHA256\n');
    expect(r.text).toContain('<CanonicalRequest>GET\n');
    expect(r.text).not.toContain(SECRET_KEY);
  });

  it('an unknown access key is InvalidAccessKeyId', async () => {
    const c = ts.client({ credentials: { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'whatever-whatever' } });
    const e = await s3Error(c.send(new GetObjectCommand({ Bucket: b, Key: 'k' })));
    expect(e.name).toBe('InvalidAccessKeyId');
    expect(e.$metadata.httpStatusCode).toBe(403);
  });

  it('anonymous requests are AccessDenied', async () => {
    const r = await raw('GET', `/${b}/k`, { anonymous: true });
    expect(r.status).toBe(403);
    expect(r.text).toContain('<Code>AccessDenied</Code>');
  });

  it('clock skew over 15 minutes is RequestTimeTooSkewed with ServerTime', async () => {
    const r = await raw('GET', `/${b}/k`, { date: new Date(Date.now() - 20 * 60_000) });
    expect(r.status).toBe(403);
    expect(r.text).toContain('<Code>RequestTimeTooSkewed</Code>');
    expect(r.text).toMatch(/<ServerTime>\d{4}-\d\d-\d\dT/);
  });

  it('malformed Authorization and missing x-amz-content-sha256', async () => {
    const m = await request(`${ts.url}/${b}/k`, { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=garbage', 'x-amz-date': '20260101T000000Z' } });
    expect(m.statusCode).toBe(400);
    expect(await m.body.text()).toContain('<Code>AuthorizationHeaderMalformed</Code>');
    const url = new URL(`${ts.url}/${b}/k`);
    const signer = new SignatureV4({
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.host, path: url.pathname, headers: { host: url.host } });
    const r = await request(url, { headers: signed.headers });
    expect(r.statusCode).toBe(400);
    expect(await r.body.text()).toContain('<Code>MissingSecurityHeader</Code>');
  });

  it('a signed payload hash is verified: a wrong x-amz-content-sha256 stores nothing', async () => {
    const bodyText = 'signed payload';
    const good = createHash('sha256').update(bodyText).digest('hex');
    const ok = await raw('PUT', `/${b}/signed`, { body: bodyText, headers: { 'x-amz-content-sha256': good } });
    expect(ok.status).toBe(200);
    const bad = await raw('PUT', `/${b}/signed`, { body: 'tampered body!', headers: { 'x-amz-content-sha256': good } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'signed' })))).toString()).toBe(bodyText);
  });

  it('operations not served yet answer 501 NotImplemented; unknown methods 405', async () => {
    // (GetBucketTagging, then GetBucketCors, were the example until they were served.)
    const e = await s3Error(s3.send(new GetObjectTorrentCommand({ Bucket: b, Key: 'k' })));
    expect(e.$metadata.httpStatusCode).toBe(501);
    expect(e.name).toBe('NotImplemented');
    const p = await raw('PATCH', `/${b}/k`);
    expect(p.status).toBe(405);
    expect(p.text).toContain('<Code>MethodNotAllowed</Code>');
  });

  it('the health endpoint answers without credentials', async () => {
    const r = await request(`${ts.url}/-/health`);
    expect(r.statusCode).toBe(200);
    expect(await r.body.json()).toEqual({ status: 'ok' });
  });
});

describe('virtual-hosted style', () => {
  it('routes bucket.<domain> requests with the SDK in virtual-hosted mode', async () => {
    const b = await newBucket(s3, { prefix: 'test-bucket' });
    const port = new URL(ts.url).port;
    const agent = new HttpAgent({
      keepAlive: true,
      lookup: ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) =>
        opts?.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as never,
    });
    const v = ts.client({ endpoint: `http://s3.local:${port}`, forcePathStyle: false, requestHandler: new NodeHttpHandler({ httpAgent: agent }) });
    await v.send(new PutObjectCommand({ Bucket: b, Key: 'virt/key one', Body: 'virtual' }));
    expect((await body(await v.send(new GetObjectCommand({ Bucket: b, Key: 'virt/key one' })))).toString()).toBe('virtual');
    expect((await v.send(new ListObjectsV2Command({ Bucket: b }))).Contents?.map((c) => c.Key)).toEqual(['virt/key one']);
    // and the same object is visible path-style
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'virt/key one' })))).toString()).toBe('virtual');
    agent.destroy();
  });
});

describe('region checks', () => {
  it('a server in another region rejects a wrong credential scope with AuthorizationHeaderMalformed naming it', async () => {
    const other = await startTestServer({ region: 'eu-west-1' });
    try {
      const wrong = other.client({ region: 'us-west-2' });
      const e = await s3Error(wrong.send(new ListBucketsCommand({})));
      expect(e.name).toBe('AuthorizationHeaderMalformed');
      expect(e.message).toContain("expecting 'eu-west-1'");
      const right = other.client({ region: 'eu-west-1' });
      const name = `eu-bucket-${Date.now().toString(36)}`;
      await right.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
      expect((await right.send(new GetBucketLocationCommand({ Bucket: name }))).LocationConstraint).toBe('eu-west-1');
    } finally {
      await other.stop();
    }
  });
});

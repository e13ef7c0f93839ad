import { createHash, createHmac } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { FormData, fetch, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACCESS_KEY, SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';
import { md5, newBucket } from '../helpers/s3.js';

let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

interface Upload {
  data: string | Buffer;
  name?: string;
  type?: string;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  code?: string;
  message?: string;
}

/** Posts a form: the fields in order, then the file (if any), then `after`. */
async function post(
  url: string,
  fields: Record<string, string> | Array<[string, string]>,
  file?: Upload,
  after: Array<[string, string]> = [],
): Promise<Answer> {
  const form = new FormData();
  for (const [k, v] of Array.isArray(fields) ? fields : Object.entries(fields)) form.append(k, v);
  if (file) form.append('file', new Blob([file.data], { type: file.type ?? 'application/octet-stream' }), file.name ?? 'upload.bin');
  for (const [k, v] of after) form.append(k, v);
  const res = await fetch(url, { method: 'POST', body: form, redirect: 'manual' });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers as unknown as Headers,
    text,
    code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
    message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
  };
}

async function presign(opts: PresignedPostOptions, client = s3) {
  const p = await createPresignedPost(client, opts);
  return { url: p.url, fields: p.fields as Record<string, string> };
}

async function get(bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray()).toString('utf8');
}

async function missing(bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return false;
  } catch (e) {
    if (e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404) return true;
    throw e;
  }
}

const unescape = (s: string | undefined) =>
  s
    ?.replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

describe('PostObject (SigV4 forms from @aws-sdk/s3-presigned-post)', () => {
  it('stores the file and answers 204 with ETag and Location by default', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'hello.txt' });
    expect(url).toBe(`${ts.url}/${b}`);
    const res = await post(url, fields, { data: 'hello, form' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers.get('etag')).toBe(`"${md5('hello, form')}"`);
    expect(res.headers.get('location')).toBe(`${ts.url}/${b}/hello.txt`);
    expect(await get(b, 'hello.txt')).toBe('hello, form');
    // The file part's own Content-Type is not the object's: S3 takes it from the Content-Type field only.
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'hello.txt' }))).ContentType).toBe('binary/octet-stream');
  });

  it('success_action_status 201 answers a PostResponse document; 200 an empty body', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const a = await presign({ Bucket: b, Key: 'dir/a b.txt', Fields: { success_action_status: '201' } });
    const res = await post(a.url, a.fields, { data: 'created' });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/xml');
    const etag = `"${md5('created')}"`;
    expect(res.text).toContain('<PostResponse>');
    expect(res.text).toContain(`<Location>${ts.url}/${b}/dir/a%20b.txt</Location>`);
    expect(res.text).toContain(`<Bucket>${b}</Bucket>`);
    expect(res.text).toContain('<Key>dir/a b.txt</Key>');
    expect(unescape(/<ETag>([^<]*)<\/ETag>/.exec(res.text)?.[1])).toBe(etag);
    expect(res.headers.get('etag')).toBe(etag);
    const c = await presign({ Bucket: b, Key: 'ok.txt', Fields: { success_action_status: '200' } });
    const ok = await post(c.url, c.fields, { data: 'ok' });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    // Any other value is the default, 204.
    const d = await presign({ Bucket: b, Key: 'other.txt', Fields: { success_action_status: '302' } });
    expect((await post(d.url, d.fields, { data: 'x' })).status).toBe(204);
  });

  it('success_action_redirect answers 303 to the URL with bucket, key and etag appended', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'up/r.txt', Fields: { success_action_redirect: 'https://example.com/done?from=form' } });
    const res = await post(url, fields, { data: 'redirected' });
    expect(res.status).toBe(303);
    const loc = new URL(res.headers.get('location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe('https://example.com/done');
    expect(loc.searchParams.get('from')).toBe('form');
    expect(loc.searchParams.get('bucket')).toBe(b);
    expect(loc.searchParams.get('key')).toBe('up/r.txt');
    expect(loc.searchParams.get('etag')).toBe(`"${md5('redirected')}"`);
    expect(await get(b, 'up/r.txt')).toBe('redirected');
  });

  it('the legacy redirect field redirects too; a value that is not a URL is ignored', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const a = await presign({ Bucket: b, Key: 'l.txt', Fields: { redirect: 'http://example.com/legacy' } });
    const res = await post(a.url, a.fields, { data: 'l' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^http:\/\/example\.com\/legacy\?bucket=/);
    const c = await presign({ Bucket: b, Key: 'n.txt', Fields: { success_action_redirect: 'not a url', success_action_status: '201' } });
    expect((await post(c.url, c.fields, { data: 'n' })).status).toBe(201);
  });

  it('${filename} in the key is the uploaded file name', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'uploads/${filename}' });
    expect(fields.key).toBe('uploads/${filename}');
    const res = await post(url, fields, { data: 'named', name: 'photo 1.jpg' });
    expect(res.status).toBe(204);
    expect(res.headers.get('location')).toBe(`${ts.url}/${b}/uploads/photo%201.jpg`);
    expect(await get(b, 'uploads/photo 1.jpg')).toBe('named');
  });

  it('stores Content-Type, the standard headers, metadata and the storage class from the form', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({
      Bucket: b,
      Key: 'meta.txt',
      Fields: {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'max-age=60',
        'Content-Disposition': 'attachment; filename="m.txt"',
        'x-amz-meta-color': 'blue',
        'X-Amz-Meta-Shape': 'round',
        'x-amz-storage-class': 'STANDARD_IA',
      },
    });
    const res = await post(url, fields, { data: 'with metadata', type: 'image/png' });
    expect(res.status).toBe(204);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'meta.txt' }));
    expect(head.ContentType).toBe('text/plain; charset=utf-8');
    expect(head.CacheControl).toBe('max-age=60');
    expect(head.ContentDisposition).toBe('attachment; filename="m.txt"');
    expect(head.Metadata).toEqual({ color: 'blue', shape: 'round' });
    expect(head.StorageClass).toBe('STANDARD_IA');
    expect(head.ContentLength).toBe(13);
  });

  it('a starts-with condition allows what starts with its prefix and nothing else', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'img', Conditions: [['starts-with', '$Content-Type', 'image/']] });
    const ok = await post(url, { ...fields, 'Content-Type': 'image/png' }, { data: 'png' });
    expect(ok.status).toBe(204);
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'img' }))).ContentType).toBe('image/png');
    const bad = await post(url, { ...fields, 'Content-Type': 'text/html' }, { data: '<html>' });
    expect(bad.status).toBe(403);
    expect(bad.code).toBe('AccessDenied');
    expect(unescape(bad.message)).toBe('Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]');
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'img' }))).ContentType).toBe('image/png');
  });

  it('an exact condition on the key fails for another key', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'only-this' });
    const res = await post(url, { ...fields, key: 'something-else' }, { data: 'x' });
    expect(res.status).toBe(403);
    expect(unescape(res.message)).toBe('Invalid according to Policy: Policy Condition failed: ["eq", "$key", "only-this"]');
    expect(await missing(b, 'something-else')).toBe(true);
  });

  it('content-length-range: too large is EntityTooLarge, nothing stored, the previous object intact', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'sized', Body: 'previous' }));
    const { url, fields } = await presign({ Bucket: b, Key: 'sized', Conditions: [['content-length-range', 2, 10]] });
    const big = await post(url, fields, { data: 'x'.repeat(11) });
    expect(big.status).toBe(400);
    expect(big.code).toBe('EntityTooLarge');
    expect(big.text).toContain('<MaxSizeAllowed>10</MaxSizeAllowed>');
    expect(await get(b, 'sized')).toBe('previous');
    const small = await post(url, fields, { data: 'x' });
    expect(small.status).toBe(400);
    expect(small.code).toBe('EntityTooSmall');
    expect(small.text).toContain('<MinSizeAllowed>2</MinSizeAllowed>');
    expect(await get(b, 'sized')).toBe('previous');
    // The bounds are inclusive.
    expect((await post(url, fields, { data: 'x'.repeat(10) })).status).toBe(204);
    expect(await get(b, 'sized')).toBe('x'.repeat(10));
    // Nothing was left behind in the temp dir.
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(`${ts.dataDir}/tmp`)).toEqual([]);
  });

  it('a larger file than the range streams in and is refused without being stored', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'huge', Conditions: [['content-length-range', 0, 1024]] });
    const res = await post(url, fields, { data: Buffer.alloc(3 * 1024 * 1024, 7) });
    expect(res.code).toBe('EntityTooLarge');
    expect(await missing(b, 'huge')).toBe(true);
    // The server still answers on (possibly the same) connections.
    expect((await post(url, fields, { data: 'small' })).status).toBe(204);
  });

  it('a field the policy does not name is AccessDenied (Extra input fields); x-ignore-* fields are free', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'extra' });
    const res = await post(url, { ...fields, 'x-amz-meta-sneaky': 'yes' }, { data: 'x' });
    expect(res.status).toBe(403);
    expect(res.code).toBe('AccessDenied');
    expect(res.message).toBe('Invalid according to Policy: Extra input fields: x-amz-meta-sneaky');
    expect(await missing(b, 'extra')).toBe(true);
    expect((await post(url, { ...fields, 'x-ignore-note': 'free' }, { data: 'x' })).status).toBe(204);
  });

  it('every field the operation reads must be named by the policy: injected storage class, Object Lock, Content-Type and metadata fields store nothing', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'injected' });
    const stage = vi.spyOn(ts.ctx.blobs, 'stage');
    try {
      const injections: Array<[Record<string, string>, string]> = [
        [{ 'x-amz-storage-class': 'GLACIER' }, 'x-amz-storage-class'],
        [
          { 'x-amz-object-lock-mode': 'COMPLIANCE', 'x-amz-object-lock-retain-until-date': '2099-01-01T00:00:00Z' },
          'x-amz-object-lock-mode, x-amz-object-lock-retain-until-date',
        ],
        [{ 'Content-Type': 'text/html' }, 'Content-Type'],
        [{ 'X-Amz-Meta-Owner': 'mallory', 'x-amz-checksum-crc32': 'AAAAAA==' }, 'X-Amz-Meta-Owner, x-amz-checksum-crc32'],
        [{ success_action_redirect: 'https://evil.example/' }, 'success_action_redirect'],
      ];
      for (const [extra, names] of injections) {
        const res = await post(url, { ...fields, ...extra }, { data: 'x' });
        expect([res.status, res.code], res.text).toEqual([403, 'AccessDenied']);
        expect(res.message).toBe(`Invalid according to Policy: Extra input fields: ${names}`);
      }
      expect(stage).not.toHaveBeenCalled();
    } finally {
      stage.mockRestore();
    }
    expect(await missing(b, 'injected')).toBe(true);
    // The same form without them is the upload it was signed for.
    expect((await post(url, fields, { data: 'x' })).status).toBe(204);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'injected' }));
    expect([head.StorageClass, head.ContentType, head.Metadata]).toEqual([undefined, 'binary/octet-stream', {}]);
  });

  it('fields after the file are ignored', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'after' });
    const res = await post(url, fields, { data: 'before' }, [
      ['x-amz-meta-late', 'ignored'],
      ['key', 'other-key'],
    ]);
    expect(res.status).toBe(204);
    expect(await get(b, 'after')).toBe('before');
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'after' }))).Metadata).toEqual({});
    expect(await missing(b, 'other-key')).toBe(true);
  });

  it('an expired policy is AccessDenied (Policy expired)', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'late', Expires: 60 });
    ts.now.offsetMs = 2 * 60 * 1000;
    try {
      const res = await post(url, fields, { data: 'x' });
      expect(res.status).toBe(403);
      expect(res.code).toBe('AccessDenied');
      expect(res.message).toBe('Invalid according to Policy: Policy expired.');
    } finally {
      ts.now.offsetMs = 0;
    }
    expect(await missing(b, 'late')).toBe(true);
  });

  it('a tampered signature or policy is SignatureDoesNotMatch', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'tamper' });
    const sig = fields['X-Amz-Signature']!;
    const flipped = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
    const res = await post(url, { ...fields, 'X-Amz-Signature': flipped }, { data: 'x' });
    expect(res.status).toBe(403);
    expect(res.code).toBe('SignatureDoesNotMatch');
    // A policy rewritten to allow another key no longer matches its signature.
    const doc = JSON.parse(Buffer.from(fields.Policy!, 'base64').toString('utf8')) as { conditions: unknown[] };
    doc.conditions = doc.conditions.map((c) => (JSON.stringify(c) === '{"key":"tamper"}' ? { key: 'evil' } : c));
    const forged = await post(url, { ...fields, key: 'evil', Policy: Buffer.from(JSON.stringify(doc)).toString('base64') }, { data: 'x' });
    expect(forged.code).toBe('SignatureDoesNotMatch');
    expect(await missing(b, 'tamper')).toBe(true);
    expect(await missing(b, 'evil')).toBe(true);
  });

  it('an unknown access key is InvalidAccessKeyId', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const stranger = ts.client({ credentials: { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'nobody-secret' } });
    const { url, fields } = await presign({ Bucket: b, Key: 'x' }, stranger);
    const res = await post(url, fields, { data: 'x' });
    expect(res.status).toBe(403);
    expect(res.code).toBe('InvalidAccessKeyId');
  });

  it('a valid form of another user is authorized like PutObject (AccessDenied on a bucket it does not own)', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    ts.ctx.accounts.create('post-alice', { accessKey: 'AKIAPOSTALICE0000001', secretKey: 'post-alice-secret-000000' });
    const alice = ts.client({ credentials: { accessKeyId: 'AKIAPOSTALICE0000001', secretAccessKey: 'post-alice-secret-000000' } });
    const { url, fields } = await presign({ Bucket: b, Key: 'alice' }, alice);
    const res = await post(url, fields, { data: 'x' });
    expect(res.status).toBe(403);
    expect(res.code).toBe('AccessDenied');
    expect(res.message).toBe('Access Denied');
    expect(await missing(b, 'alice')).toBe(true);
  });

  it('NoSuchBucket for a bucket that does not exist', async () => {
    const { url, fields } = await presign({ Bucket: 'no-such-post-bucket', Key: 'k' });
    const res = await post(url, fields, { data: 'x' });
    expect(res.status).toBe(404);
    expect(res.code).toBe('NoSuchBucket');
  });

  it('a checksum field is verified; a wrong Content-MD5 is BadDigest', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const data = 'checked';
    const sha = createHash('sha256').update(data).digest('base64');
    const a = await presign({ Bucket: b, Key: 'sum', Fields: { 'x-amz-checksum-sha256': sha } });
    const ok = await post(a.url, a.fields, { data });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('x-amz-checksum-sha256')).toBe(sha);
    const c = await presign({ Bucket: b, Key: 'md5', Fields: { 'Content-MD5': createHash('md5').update('other').digest('base64') } });
    const bad = await post(c.url, c.fields, { data });
    expect(bad.code).toBe('BadDigest');
    expect(await missing(b, 'md5')).toBe(true);
  });
});

describe('PostObject (SigV2 and unsigned forms, bad bodies)', () => {
  const policyOf = (conditions: unknown[], expiration = new Date(Date.now() + 3600_000).toISOString()) =>
    Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');

  it('a SigV2 form signed by hand (base64 HMAC-SHA1 of the policy) uploads', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const policy = policyOf([{ bucket: b }, ['starts-with', '$key', 'v2/'], ['eq', '$content-type', 'text/plain'], ['content-length-range', 0, 100]]);
    const signature = createHmac('sha1', SECRET_KEY).update(policy).digest('base64');
    const form = { key: 'v2/${filename}', AWSAccessKeyId: ACCESS_KEY, policy, signature, 'Content-Type': 'text/plain' };
    const res = await post(`${ts.url}/${b}`, form, { data: 'signed with v2', name: 'two.txt' });
    expect(res.status).toBe(204);
    expect(await get(b, 'v2/two.txt')).toBe('signed with v2');
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'v2/two.txt' }))).ContentType).toBe('text/plain');
    const wrong = createHmac('sha1', 'not-the-secret').update(policy).digest('base64');
    const bad = await post(`${ts.url}/${b}`, { ...form, signature: wrong }, { data: 'x', name: 'bad.txt' });
    expect(bad.code).toBe('SignatureDoesNotMatch');
    expect(await missing(b, 'v2/bad.txt')).toBe(true);
  });

  it('an unsigned form is anonymous: AccessDenied, nothing stored', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const res = await post(`${ts.url}/${b}`, { key: 'anon' }, { data: 'x' });
    expect(res.status).toBe(403);
    expect(res.code).toBe('AccessDenied');
    expect(await missing(b, 'anon')).toBe(true);
  });

  it('an unsigned form is anonymous whatever policy it carries: AccessDenied, nothing stored', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const policy = policyOf([{ bucket: b }, ['starts-with', '$key', ''], ['starts-with', '$x-amz-meta-note', '']]);
    const res = await post(`${ts.url}/${b}`, { key: 'anon-policy', policy, 'x-amz-meta-note': 'hi' }, { data: 'x' });
    expect([res.status, res.code, res.message]).toEqual([403, 'AccessDenied', 'Access Denied']);
    expect(await missing(b, 'anon-policy')).toBe(true);
  });

  it('a signed form without a file is InvalidArgument; without a key too', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'nofile' });
    const res = await post(url, fields);
    expect(res.status).toBe(400);
    expect(res.code).toBe('InvalidArgument');
    expect(res.message).toBe('POST requires exactly one file upload per request.');
    const { key: _key, ...noKey } = fields;
    const k = await post(url, noKey, { data: 'x' });
    expect(k.code).toBe('InvalidArgument');
    expect(k.text).toContain('<ArgumentName>key</ArgumentName>');
  });

  it('a file before the signature fields leaves them unread', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'order' });
    const res = await post(url, [['key', 'order']], { data: 'x' }, Object.entries(fields));
    expect(res.code).toBe('AccessDenied');
  });

  it('fields before the file past 64 KiB are MaxPostPreDataLengthExceededError', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'big-fields' });
    const res = await post(url, { ...fields, 'x-ignore-padding': 'p'.repeat(65 * 1024) }, { data: 'x' });
    expect(res.status).toBe(400);
    expect(res.code).toBe('MaxPostPreDataLengthExceededError');
    const many: Array<[string, string]> = Array.from({ length: 40 }, (_, i) => [`x-ignore-${i}`, 'q'.repeat(2000)]);
    const res2 = await post(url, [...Object.entries(fields), ...many], { data: 'x' });
    expect(res2.code).toBe('MaxPostPreDataLengthExceededError');
    expect(await missing(b, 'big-fields')).toBe(true);
  });

  it('a malformed multipart body is MalformedPOSTRequest', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const noBoundary = await request(`${ts.url}/${b}`, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' });
    expect(noBoundary.statusCode).toBe(400);
    expect(await noBoundary.body.text()).toContain('<Code>MalformedPOSTRequest</Code>');
    const noParts = await request(`${ts.url}/${b}`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
      body: 'not multipart at all',
    });
    expect(noParts.statusCode).toBe(400);
    expect(await noParts.body.text()).toContain('<Code>MalformedPOSTRequest</Code>');
    const body = '--XyZ\r\nContent-Disposition: form-data; name="key"\r\n\r\nk-with-no-end';
    const cut = await request(`${ts.url}/${b}`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XyZ' }, body });
    expect(cut.statusCode).toBe(400);
    expect(await cut.body.text()).toContain('<Code>MalformedPOSTRequest</Code>');
  });

  it('a truncated file part of a signed form stores nothing', async () => {
    const b = await newBucket(s3, { prefix: 'post-bucket' });
    const { url, fields } = await presign({ Bucket: b, Key: 'cut' });
    let body = '';
    for (const [k, v] of Object.entries(fields)) body += `--B0undary\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
    body += '--B0undary\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\nsome data with no closing boundary';
    const res = await request(url, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=B0undary' }, body });
    expect(res.statusCode).toBe(400);
    expect(await res.body.text()).toContain('<Code>MalformedPOSTRequest</Code>');
    expect(await missing(b, 'cut')).toBe(true);
  });
});

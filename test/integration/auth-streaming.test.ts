import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumBase64 } from '../../src/digest/checksums.js';
import { ACCESS_KEY, SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest, signedChunkedUpload } from '../helpers/signing.js';
import { md5 } from '../helpers/s3.js';

type Algo = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

let ts: TestServer;
let s3: S3Client;
const bucket = 'auth-stream-bucket';

beforeAll(async () => {
  ts = await startTestServer({ maxPutObjectSize: 64 * 1024 * 1024 });
  s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => ts?.stop());

async function read(key: string): Promise<Buffer> {
  const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await g.Body!.transformToByteArray());
}

/** The bytes on disk behind an object: what Cairn actually stored. */
function storedBytes(key: string): Buffer {
  const b = ts.ctx.buckets.get(bucket)!;
  const o = ts.ctx.objects.get(b.id, key)!;
  return readFileSync(join(ts.dataDir, 'blobs', o.blobId.slice(0, 2), o.blobId));
}

describe('SigV4 presigned URLs', () => {
  it('URLs Cairn generates itself (cairn presign) verify, on the configured public URL', async () => {
    const { presignUrl } = await import('../../src/cli/signer.js');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'own/presigned key+1', Body: 'self-signed' }));
    const url = presignUrl({
      baseUrl: ts.url,
      method: 'GET',
      bucket,
      key: 'own/presigned key+1',
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      region: 'us-east-1',
      expiresSeconds: 60,
      now: new Date(),
    });
    const r = await request(url);
    expect(r.statusCode).toBe(200);
    expect(await r.body.text()).toBe('self-signed');
    const put = presignUrl({
      baseUrl: ts.url,
      method: 'PUT',
      bucket,
      key: 'own/uploaded',
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      region: 'us-east-1',
      expiresSeconds: 60,
      now: new Date(),
    });
    const p = await request(put, { method: 'PUT', body: 'uploaded with a Cairn URL' });
    expect(p.statusCode).toBe(200);
    await p.body.dump();
    expect((await read('own/uploaded')).toString()).toBe('uploaded with a Cairn URL');
  });

  it('header-signed requests Cairn builds itself (signRequest, used by the benchmarks) verify', async () => {
    const { signRequest } = await import('../../src/cli/signer.js');
    const put = signRequest({
      endpoint: ts.url,
      method: 'PUT',
      path: `/${bucket}/own/signed key+1`,
      headers: { 'content-length': '4' },
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      region: 'us-east-1',
      now: new Date(),
    });
    const p = await request(put.url, { method: 'PUT', headers: put.headers, body: 'body' });
    expect(p.statusCode).toBe(200);
    await p.body.dump();
    const list = signRequest({
      endpoint: ts.url,
      method: 'GET',
      path: `/${bucket}`,
      query: [
        ['list-type', '2'],
        ['prefix', 'own/signed key+'],
      ],
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      region: 'us-east-1',
      now: new Date(),
    });
    const l = await request(list.url, { headers: list.headers });
    expect(l.statusCode).toBe(200);
    expect(await l.body.text()).toContain('<Key>own/signed key+1</Key>');
  });

  it('presigned GET and PUT URLs from @aws-sdk/s3-request-presigner work with a plain HTTP client', async () => {
    const key = 'presigned/a b+c ü';
    const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 600 });
    const put = await request(putUrl, { method: 'PUT', body: 'via presigned PUT' });
    expect(put.statusCode).toBe(200);
    await put.body.dump();
    const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentType: 'text/x-presigned' }), { expiresIn: 600 });
    expect(getUrl).toContain('X-Amz-Signature=');
    const get = await request(getUrl);
    expect(get.statusCode).toBe(200);
    expect(get.headers['content-type']).toBe('text/x-presigned');
    expect(await get.body.text()).toBe('via presigned PUT');
  });

  it('an expired URL is 403 AccessDenied "Request has expired"', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'exp', Body: 'x' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'exp' }), { expiresIn: 60 });
    ts.now.offsetMs = 5 * 60_000;
    try {
      const r = await request(url);
      expect(r.statusCode).toBe(403);
      const text = await r.body.text();
      expect(text).toContain('<Code>AccessDenied</Code>');
      expect(text).toContain('<Message>Request has expired</Message>');
    } finally {
      ts.now.offsetMs = 0;
    }
  });

  it('X-Amz-Expires up to 604800 s; more, or missing parameters, is AuthorizationQueryParametersError', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'exp' }), { expiresIn: 604800 });
    expect((await request(url)).statusCode).toBe(200);
    const tooLong = url.replace('X-Amz-Expires=604800', 'X-Amz-Expires=604801');
    const r = await request(tooLong);
    expect(r.statusCode).toBe(400);
    expect(await r.body.text()).toContain('<Code>AuthorizationQueryParametersError</Code>');
    const missing = url.replace(/X-Amz-Credential=[^&]+&?/, '');
    const m = await request(missing);
    expect(m.statusCode).toBe(400);
    expect(await m.body.text()).toContain('<Code>AuthorizationQueryParametersError</Code>');
  });

  it('a tampered presigned URL is SignatureDoesNotMatch; a forged security token is InvalidToken', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'exp' }), { expiresIn: 600 });
    const r = await request(url.replace('/exp?', '/exp2?'));
    expect(r.statusCode).toBe(403);
    expect(await r.body.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    const withToken = new S3Client({
      endpoint: ts.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, sessionToken: 'some-token' },
    });
    const t = await request(await getSignedUrl(withToken, new GetObjectCommand({ Bucket: bucket, Key: 'exp' }), { expiresIn: 600 }));
    expect(t.statusCode).toBe(400);
    const text = await t.body.text();
    expect(text).toContain('<Code>InvalidToken</Code>');
    withToken.destroy();
  });
});

/** SigV2 signing written out here, independent of the server's code. */
function v2(method: string, resource: string, headers: Record<string, string>, date: string): string {
  const amz = Object.keys(headers)
    .filter((h) => h.startsWith('x-amz-'))
    .sort()
    .map((h) => `${h}:${headers[h]}\n`)
    .join('');
  const sts = `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${date}\n${amz}${resource}`;
  return createHmac('sha1', SECRET_KEY).update(sts).digest('base64');
}

describe('SigV2', () => {
  it('Authorization header: PUT with x-amz-meta and content-type, GET back, sub-resource in the string to sign', async () => {
    const date = new Date().toUTCString();
    const headers: Record<string, string> = { 'content-type': 'text/plain', 'x-amz-meta-v2': 'yes', date };
    const path = `/${bucket}/v2/key%20one`;
    headers.authorization = `AWS ${ACCESS_KEY}:${v2('PUT', path, headers, date)}`;
    const put = await request(`${ts.url}${path}`, { method: 'PUT', headers, body: 'sigv2 body' });
    expect(put.statusCode, await put.body.text()).toBe(200);
    const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'v2/key one' }));
    expect(h.Metadata).toEqual({ v2: 'yes' });
    // x-amz-date overrides Date (the Date line is then empty)
    const amzDate = new Date().toUTCString();
    const gh: Record<string, string> = { 'x-amz-date': amzDate };
    gh.authorization = `AWS ${ACCESS_KEY}:${v2('GET', `/${bucket}?location`, gh, '')}`;
    const loc = await request(`${ts.url}/${bucket}?location`, { headers: gh });
    expect(loc.statusCode).toBe(200);
    await loc.body.dump();
    const bad: Record<string, string> = { date };
    bad.authorization = `AWS ${ACCESS_KEY}:${v2('GET', `/${bucket}/other`, bad, date)}`;
    const r = await request(`${ts.url}${path}`, { headers: bad });
    expect(r.statusCode).toBe(403);
    expect(await r.body.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('presigned query (AWSAccessKeyId, Expires, Signature), and expiry', async () => {
    const expires = String(Math.floor(Date.now() / 1000) + 300);
    const path = `/${bucket}/v2/key%20one`;
    const sig = v2('GET', path, {}, expires);
    const url = `${ts.url}${path}?AWSAccessKeyId=${ACCESS_KEY}&Expires=${expires}&Signature=${encodeURIComponent(sig)}`;
    const r = await request(url);
    expect(r.statusCode).toBe(200);
    expect(await r.body.text()).toBe('sigv2 body');
    const old = String(Math.floor(Date.now() / 1000) - 10);
    const e = await request(`${ts.url}${path}?AWSAccessKeyId=${ACCESS_KEY}&Expires=${old}&Signature=${encodeURIComponent(v2('GET', path, {}, old))}`);
    expect(e.statusCode).toBe(403);
    expect(await e.body.text()).toContain('Request has expired');
  });
});

describe('Expect: 100-continue', () => {
  function expectRequest(path: string, headers: Record<string, string>): Promise<{ status: number; continued: boolean; body: string }> {
    const u = new URL(ts.url);
    return new Promise((resolve, reject) => {
      let continued = false;
      const req = httpRequest({ host: u.hostname, port: u.port, method: 'PUT', path, headers: { ...headers, expect: '100-continue' } });
      req.on('continue', () => {
        continued = true;
        req.end('0123456789');
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode!, continued, body });
          if (!continued) req.destroy();
        });
      });
      req.on('error', (e) => (continued ? reject(e) : undefined));
      req.flushHeaders();
    });
  }

  it('a request that fails authentication is answered before the body is sent', async () => {
    const r = await expectRequest(`/${bucket}/continue`, {
      'content-length': '10',
      authorization: `AWS4-HMAC-SHA256 Credential=NOPE/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
      'x-amz-date': '20260101T000000Z',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    });
    expect(r.continued).toBe(false);
    expect(r.status).toBe(403);
  });

  it('an oversize request is answered EntityTooLarge before the body is sent', async () => {
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await import('../helpers/signing.js');
    const u = new URL(ts.url);
    const headers = { host: u.host, 'content-length': String(65 * 1024 * 1024), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    const signer = new SignatureV4({
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: u.host, path: `/${bucket}/too-big`, headers });
    const r = await expectRequest(`/${bucket}/too-big`, signed.headers as Record<string, string>);
    expect(r.continued).toBe(false);
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>EntityTooLarge</Code>');
  });

  it('an accepted request gets 100 Continue and stores the body', async () => {
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await import('../helpers/signing.js');
    const u = new URL(ts.url);
    const headers = { host: u.host, 'content-length': '10', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    const signer = new SignatureV4({
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: u.host, path: `/${bucket}/continued`, headers });
    const r = await expectRequest(`/${bucket}/continued`, signed.headers as Record<string, string>);
    expect(r.continued).toBe(true);
    expect(r.status).toBe(200);
    expect((await read('continued')).toString()).toBe('0123456789');
  });
});

describe('aws-chunked streaming bodies', () => {
  it.each([
    ['current SDK defaults (unsigned payload, CRC32 trailer)', undefined],
    ...(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const).map((a): [string, Algo | undefined] => [`trailer checksum ${a}`, a]),
  ] as Array<[string, Algo | undefined]>)('%s: the stored bytes are exactly the source bytes', async (_label, algoOpt) => {
    const o = { algo: algoOpt };
    const data = randomBytes(300_000 + Math.floor(Math.random() * 1000));
    const key = `stream/${o.algo ?? 'default'}`;
    // A stream body makes the SDK frame it as aws-chunked with a trailing checksum.
    const { Readable } = await import('node:stream');
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]),
        ContentLength: data.length,
        ChecksumAlgorithm: o.algo,
      }),
    );
    expect(put.ETag).toBe(`"${md5(data)}"`);
    expect(storedBytes(key).equals(data)).toBe(true);
    expect((await read(key)).equals(data)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    expect(head.ContentEncoding).toBeUndefined();
    const algo = o.algo ?? 'CRC32';
    expect(head[`Checksum${algo}`]).toBe(checksumBase64(algo, data));
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD with chained chunk signatures (small chunks)', async () => {
    const data = randomBytes(50_000);
    const u = new URL(ts.url);
    const { headers, body } = await signedChunkedUpload(u.host, `/${bucket}/signed-chunks`, data, { chunkSize: 4096 });
    const r = await request(`${ts.url}/${bucket}/signed-chunks`, { method: 'PUT', headers, body });
    expect(r.statusCode, await r.body.text()).toBe(200);
    expect(storedBytes('signed-chunks').equals(data)).toBe(true);
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER with a signed CRC32C trailer', async () => {
    const data = randomBytes(20_000);
    const u = new URL(ts.url);
    const value = checksumBase64('CRC32C', data);
    const { headers, body } = await signedChunkedUpload(u.host, `/${bucket}/signed-trailer`, data, {
      chunkSize: 8192,
      trailer: { name: 'x-amz-checksum-crc32c', value },
    });
    const r = await request(`${ts.url}/${bucket}/signed-trailer`, { method: 'PUT', headers, body });
    expect(r.statusCode, await r.body.text()).toBe(200);
    expect(r.headers['x-amz-checksum-crc32c']).toBe(value);
    expect(storedBytes('signed-trailer').equals(data)).toBe(true);
  });

  describe('failures store nothing and leave the previous object intact', () => {
    const key = 'victim';
    const original = Buffer.from('the original content');
    beforeAll(async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: original }));
    });

    async function putRaw(headers: Record<string, string>, body: Buffer) {
      const r = await request(`${ts.url}/${bucket}/${key}`, { method: 'PUT', headers, body });
      return { status: r.statusCode, text: await r.body.text() };
    }

    it('a tampered chunk → SignatureDoesNotMatch', async () => {
      const u = new URL(ts.url);
      const { headers, body } = await signedChunkedUpload(u.host, `/${bucket}/${key}`, randomBytes(30_000), { chunkSize: 8192 });
      body[200] = body[200]! ^ 0xff;
      const r = await putRaw(headers, body);
      expect(r.status).toBe(403);
      expect(r.text).toContain('<Code>SignatureDoesNotMatch</Code>');
      expect((await read(key)).equals(original)).toBe(true);
    });

    it('a wrong trailer checksum → BadDigest', async () => {
      const u = new URL(ts.url);
      const data = randomBytes(10_000);
      const { headers, body } = await signedChunkedUpload(u.host, `/${bucket}/${key}`, data, {
        trailer: { name: 'x-amz-checksum-crc32', value: checksumBase64('CRC32', Buffer.from('other')) },
      });
      const r = await putRaw(headers, body);
      expect(r.status).toBe(400);
      expect(r.text).toContain('<Code>BadDigest</Code>');
      expect((await read(key)).equals(original)).toBe(true);
    });

    it('a truncated body → IncompleteBody (never a 500)', async () => {
      const u = new URL(ts.url);
      const { headers, body } = await signedChunkedUpload(u.host, `/${bucket}/${key}`, randomBytes(30_000), { chunkSize: 8192 });
      const cut = body.subarray(0, body.length - 300);
      const r = await putRaw({ ...headers, 'content-length': String(cut.length) }, cut);
      expect(r.status).toBe(400);
      expect(r.text).toContain('<Code>IncompleteBody</Code>');
      expect((await read(key)).equals(original)).toBe(true);
    });

    it('malformed framing → 400, never a 500', async () => {
      const u = new URL(ts.url);
      const { headers } = await signedChunkedUpload(u.host, `/${bucket}/${key}`, Buffer.from('abc'));
      const junk = Buffer.from('zz;chunk-signature=nothex\r\nabc\r\n');
      const r = await putRaw({ ...headers, 'content-length': String(junk.length) }, junk);
      expect(r.status).toBe(400);
      expect((await read(key)).equals(original)).toBe(true);
    });

    it('a wrong x-amz-checksum-* header → BadDigest; two algorithms → InvalidRequest; a malformed value → InvalidRequest', async () => {
      const wrong = await rawRequest(ts.url, 'PUT', `/${bucket}/${key}`, {
        body: 'new content',
        headers: { 'x-amz-checksum-crc32': checksumBase64('CRC32', Buffer.from('nope')) },
      });
      expect(wrong.status).toBe(400);
      expect(wrong.text).toContain('<Code>BadDigest</Code>');
      const two = await rawRequest(ts.url, 'PUT', `/${bucket}/${key}`, {
        body: 'new content',
        headers: {
          'x-amz-checksum-crc32': checksumBase64('CRC32', Buffer.from('new content')),
          'x-amz-checksum-sha1': checksumBase64('SHA1', Buffer.from('new content')),
        },
      });
      expect(two.status).toBe(400);
      expect(two.text).toContain('<Code>InvalidRequest</Code>');
      const bad = await rawRequest(ts.url, 'PUT', `/${bucket}/${key}`, { body: 'new content', headers: { 'x-amz-checksum-sha256': 'short' } });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('<Code>InvalidRequest</Code>');
      const sdkOnly = await rawRequest(ts.url, 'PUT', `/${bucket}/${key}`, { body: 'new content', headers: { 'x-amz-sdk-checksum-algorithm': 'CRC32' } });
      expect(sdkOnly.status).toBe(400);
      expect((await read(key)).equals(original)).toBe(true);
    });

    it('a header checksum and a trailer for different algorithms → 400', async () => {
      const u = new URL(ts.url);
      const data = Buffer.from('x'.repeat(100));
      const { headers, body } = await signedChunkedUpload(u.host, `/${bucket}/${key}`, data, {
        trailer: { name: 'x-amz-checksum-crc32', value: checksumBase64('CRC32', data) },
        extraHeaders: { 'x-amz-checksum-sha256': checksumBase64('SHA256', data) },
      });
      const r = await putRaw(headers, body);
      expect(r.status).toBe(400);
      expect((await read(key)).equals(original)).toBe(true);
    });
  });
});

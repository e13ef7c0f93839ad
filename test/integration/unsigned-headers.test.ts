/**
 * A signature covers only the headers it names. S3 refuses a SigV4 request
 * that carries an x-amz-* header (x-amz-content-sha256 excepted) or
 * Content-MD5 left out of SignedHeaders: 403 AccessDenied "There were headers
 * present in the request which were not signed" with a HeadersNotSigned
 * element. Without that check a presigned URL or a captured request could be
 * turned into another operation by adding headers to it. Each attack here is
 * sent for real (undici) and must leave nothing changed.
 */
import { createHash, createHmac } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { presignUrl } from '../../src/cli/signer.js';
import { ACCESS_KEY, SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';
import { Sha256, signedChunkedUpload } from '../helpers/signing.js';

const NOT_SIGNED = 'There were headers present in the request which were not signed';
const SRC = 'unsigned-src';
const DST = 'unsigned-dst';
const LOCK = 'unsigned-lock';
const SECRET_TEXT = 'private data of another bucket';

let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: SRC }));
  await s3.send(new CreateBucketCommand({ Bucket: DST }));
  await s3.send(new CreateBucketCommand({ Bucket: LOCK, ObjectLockEnabledForBucket: true }));
  await s3.send(new PutObjectCommand({ Bucket: SRC, Key: 'private.txt', Body: SECRET_TEXT }));
});
afterAll(async () => ts?.stop());
afterEach(() => vi.restoreAllMocks());

interface Answer {
  status: number;
  text: string;
  code?: string;
  message?: string;
  headersNotSigned?: string;
}

async function send(url: string, method: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Answer> {
  const res = await request(url, { method: method as 'PUT', headers, body });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    text,
    code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
    message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
    headersNotSigned: /<HeadersNotSigned>([^<]*)<\/HeadersNotSigned>/.exec(text)?.[1],
  };
}

/** Asserts the request was refused for unsigned headers, naming exactly `names`. */
function expectNotSigned(a: Answer, names: string): void {
  expect(a.status, a.text).toBe(403);
  expect(a.code).toBe('AccessDenied');
  expect(a.message).toBe(NOT_SIGNED);
  expect(a.headersNotSigned).toBe(names);
  // AWS's element order: Code, Message, HeadersNotSigned, then the request's ids.
  expect(a.text.indexOf('<Message>')).toBeLessThan(a.text.indexOf('<HeadersNotSigned>'));
  expect(a.text.indexOf('<HeadersNotSigned>')).toBeLessThan(a.text.indexOf('<RequestId>'));
}

/** A SigV4 presigned URL signed for `host` only, by Cairn's own presigner. */
function hostOnly(method: 'GET' | 'PUT' | 'DELETE', bucket: string, key: string): string {
  return presignUrl({
    baseUrl: ts.url,
    method,
    bucket,
    key,
    accessKey: ACCESS_KEY,
    secretKey: SECRET_KEY,
    region: 'us-east-1',
    expiresSeconds: 900,
    now: new Date(),
  });
}

/** Watches the blob store: an operation that never ran neither stages nor reads a blob. */
function watchBlobs(): () => number {
  const spies = [
    vi.spyOn(ts.ctx.blobs, 'stage'),
    vi.spyOn(ts.ctx.blobs, 'stageCopy'),
    vi.spyOn(ts.ctx.blobs, 'openRead'),
    vi.spyOn(ts.ctx.blobs, 'readRange'),
    vi.spyOn(ts.ctx.blobs, 'pin'),
  ];
  return () => spies.reduce((n, s) => n + s.mock.calls.length, 0);
}

async function absent(bucket: string, key: string, versionId?: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return false;
  } catch (e) {
    if (e instanceof S3ServiceException && (e.$metadata.httpStatusCode === 404 || e.$metadata.httpStatusCode === 400)) return true;
    throw e;
  }
}

async function versionsOf(bucket: string, key: string): Promise<string[]> {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].filter((v) => v.Key === key).map((v) => v.VersionId!);
}

async function text(bucket: string, key: string): Promise<string> {
  const g = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await g.Body!.transformToByteArray()).toString('utf8');
}

describe('presigned URLs signed for host only', () => {
  it('x-amz-copy-source added to a presigned PUT does not make it a CopyObject: nothing copied, the source unread', async () => {
    const url = hostOnly('PUT', DST, 'exfiltrated.txt');
    const blobCalls = watchBlobs();
    const a = await send(url, 'PUT', { 'x-amz-copy-source': `/${SRC}/private.txt` });
    expectNotSigned(a, 'x-amz-copy-source');
    expect(a.text).not.toContain(SECRET_TEXT);
    expect(blobCalls()).toBe(0);
    expect(await absent(DST, 'exfiltrated.txt')).toBe(true);
    // The URL itself is valid: sent as signed, it is the PutObject it was made for.
    vi.restoreAllMocks();
    expect((await send(url, 'PUT', {}, 'mine')).status).toBe(200);
    expect(await text(DST, 'exfiltrated.txt')).toBe('mine');
  });

  it('x-amz-object-lock-mode COMPLIANCE with a 2099 retain-until date added to a presigned PUT locks nothing', async () => {
    const url = hostOnly('PUT', LOCK, 'forever.txt');
    const blobCalls = watchBlobs();
    const a = await send(url, 'PUT', { 'x-amz-object-lock-mode': 'COMPLIANCE', 'x-amz-object-lock-retain-until-date': '2099-01-01T00:00:00Z' }, 'x');
    expectNotSigned(a, 'x-amz-object-lock-mode, x-amz-object-lock-retain-until-date');
    expect(blobCalls()).toBe(0);
    expect(await versionsOf(LOCK, 'forever.txt')).toEqual([]);
  });

  it('x-amz-bypass-governance-retention added to a presigned DELETE of a version leaves the GOVERNANCE-protected version', async () => {
    const until = new Date(Date.now() + 24 * 3600_000);
    const { VersionId: v } = await s3.send(
      new PutObjectCommand({ Bucket: LOCK, Key: 'governed.txt', Body: 'kept', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until }),
    );
    const url = await getSignedUrl(s3, new DeleteObjectCommand({ Bucket: LOCK, Key: 'governed.txt', VersionId: v }), { expiresIn: 900 });
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    const a = await send(url, 'DELETE', { 'x-amz-bypass-governance-retention': 'true' });
    expectNotSigned(a, 'x-amz-bypass-governance-retention');
    expect(await versionsOf(LOCK, 'governed.txt')).toEqual([v]);
    expect(await absent(LOCK, 'governed.txt', v)).toBe(false);
    // Without the header the URL is a plain DeleteObject of a protected version: refused by the lock itself.
    const plain = await send(url, 'DELETE');
    expect([plain.status, plain.code]).toEqual([403, 'AccessDenied']);
    expect(plain.headersNotSigned).toBeUndefined();
    expect(await versionsOf(LOCK, 'governed.txt')).toEqual([v]);
  });

  it('x-amz-meta-* and x-amz-storage-class added to a presigned PUT store nothing', async () => {
    const url = hostOnly('PUT', DST, 'injected.txt');
    const blobCalls = watchBlobs();
    const a = await send(url, 'PUT', { 'x-amz-meta-owner': 'mallory', 'x-amz-storage-class': 'GLACIER', 'content-type': 'text/plain' }, 'x');
    expectNotSigned(a, 'x-amz-meta-owner, x-amz-storage-class');
    expect(blobCalls()).toBe(0);
    expect(await absent(DST, 'injected.txt')).toBe(true);
  });

  it('an unsigned Content-MD5, x-amz-date or x-amz-security-token header is refused too', async () => {
    const url = hostOnly('PUT', DST, 'md5.txt');
    const md5 = createHash('md5').update('x').digest('base64');
    expectNotSigned(await send(url, 'PUT', { 'content-md5': md5 }, 'x'), 'content-md5');
    expectNotSigned(await send(url, 'PUT', { 'x-amz-date': '20300101T000000Z' }, 'x'), 'x-amz-date');
    expectNotSigned(await send(url, 'PUT', { 'x-amz-security-token': 'token' }, 'x'), 'x-amz-security-token');
    expect(await absent(DST, 'md5.txt')).toBe(true);
  });

  it('headers that need no signature (Content-Type, x-amzn-trace-id, x-amz-content-sha256: UNSIGNED-PAYLOAD) are accepted', async () => {
    const url = hostOnly('PUT', DST, 'free.txt');
    const a = await send(url, 'PUT', { 'content-type': 'text/plain', 'x-amzn-trace-id': 'Root=1-abc', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, 'free');
    expect(a.status, a.text).toBe(200);
    expect(await text(DST, 'free.txt')).toBe('free');
    // Any other x-amz-content-sha256 becomes the payload hash of the canonical request: the signature no longer matches.
    const other = await send(hostOnly('PUT', DST, 'free2.txt'), 'PUT', { 'x-amz-content-sha256': createHash('sha256').update('x').digest('hex') }, 'x');
    expect([other.status, other.code]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(await absent(DST, 'free2.txt')).toBe(true);
  });

  it('the signature is checked first: a bad signature with an unsigned header is SignatureDoesNotMatch', async () => {
    const url = hostOnly('PUT', DST, 'bad-sig.txt').replace(/X-Amz-Signature=[0-9a-f]{64}/, `X-Amz-Signature=${'0'.repeat(64)}`);
    const a = await send(url, 'PUT', { 'x-amz-copy-source': `/${SRC}/private.txt` });
    expect([a.status, a.code]).toEqual([403, 'SignatureDoesNotMatch']);
  });
});

describe('presigned URLs that sign the extra headers still work', () => {
  it('metadata, storage class and Content-MD5 signed as headers (unhoistableHeaders) are applied', async () => {
    const md5 = createHash('md5').update('signed body').digest('base64');
    const cmd = new PutObjectCommand({ Bucket: DST, Key: 'signed.txt', Metadata: { owner: 'alice' }, StorageClass: 'STANDARD_IA', ContentMD5: md5 });
    const url = await getSignedUrl(s3, cmd, { expiresIn: 900, unhoistableHeaders: new Set(['x-amz-meta-owner', 'x-amz-storage-class']) });
    const signed = new URL(url).searchParams.get('X-Amz-SignedHeaders')!.split(';');
    expect(signed).toEqual(expect.arrayContaining(['content-md5', 'host', 'x-amz-meta-owner', 'x-amz-storage-class']));
    const a = await send(url, 'PUT', { 'x-amz-meta-owner': 'alice', 'x-amz-storage-class': 'STANDARD_IA', 'content-md5': md5 }, 'signed body');
    expect(a.status, a.text).toBe(200);
    const h = await s3.send(new HeadObjectCommand({ Bucket: DST, Key: 'signed.txt' }));
    expect([h.Metadata, h.StorageClass]).toEqual([{ owner: 'alice' }, 'STANDARD_IA']);
    // An unsigned header beside the signed ones is still refused.
    expectNotSigned(
      await send(url, 'PUT', { 'x-amz-meta-owner': 'alice', 'x-amz-storage-class': 'STANDARD_IA', 'content-md5': md5, 'x-amz-meta-extra': '1' }, 'signed body'),
      'x-amz-meta-extra',
    );
  });

  it('a signed x-amz-bypass-governance-retention deletes the protected version', async () => {
    const until = new Date(Date.now() + 24 * 3600_000);
    const { VersionId: v } = await s3.send(
      new PutObjectCommand({ Bucket: LOCK, Key: 'bypassed.txt', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until }),
    );
    const cmd = new DeleteObjectCommand({ Bucket: LOCK, Key: 'bypassed.txt', VersionId: v, BypassGovernanceRetention: true });
    const url = await getSignedUrl(s3, cmd, { expiresIn: 900, unhoistableHeaders: new Set(['x-amz-bypass-governance-retention']) });
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-amz-bypass-governance-retention');
    const a = await send(url, 'DELETE', { 'x-amz-bypass-governance-retention': 'true' });
    expect(a.status, a.text).toBe(204);
    expect(await versionsOf(LOCK, 'bypassed.txt')).toEqual([]);
  });
});

describe('header-signed requests', () => {
  const signer = new SignatureV4({
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    region: 'us-east-1',
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });

  async function signed(method: string, path: string, headers: Record<string, string>, opts: { unsignable?: string[] } = {}): Promise<Record<string, string>> {
    const host = new URL(ts.url).host;
    const h = { host, ...headers };
    const out = await signer.sign({ method, protocol: 'http:', hostname: host, path, headers: h }, { unsignableHeaders: new Set(opts.unsignable ?? []) });
    return out.headers as Record<string, string>;
  }

  it('a captured request replayed within its 15 minutes with an added x-amz-copy-source does not copy', async () => {
    const captured = await signed('PUT', `/${DST}/replayed.txt`, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '8' });
    expect(captured.authorization).toContain('SignedHeaders=content-length;host;x-amz-content-sha256;x-amz-date,');
    const blobCalls = watchBlobs();
    const a = await send(
      `${ts.url}/${DST}/replayed.txt`,
      'PUT',
      { ...captured, 'x-amz-copy-source': `/${SRC}/private.txt`, 'x-amz-metadata-directive': 'REPLACE' },
      'replayed',
    );
    expectNotSigned(a, 'x-amz-copy-source, x-amz-metadata-directive');
    expect(blobCalls()).toBe(0);
    expect(await absent(DST, 'replayed.txt')).toBe(true);
    // The captured request as it was signed still does what it was signed for.
    vi.restoreAllMocks();
    expect((await send(`${ts.url}/${DST}/replayed.txt`, 'PUT', captured, 'replayed')).status).toBe(200);
    expect(await text(DST, 'replayed.txt')).toBe('replayed');
  });

  it('x-amz-content-sha256 may be left out of SignedHeaders (S3 accepts it: it is bound as the payload hash); x-amz-date may not', async () => {
    const h = await signed(
      'PUT',
      `/${DST}/no-sha-signed.txt`,
      { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '2' },
      { unsignable: ['x-amz-content-sha256'] },
    );
    expect(h.authorization).not.toContain('x-amz-content-sha256');
    const ok = await send(`${ts.url}/${DST}/no-sha-signed.txt`, 'PUT', h, 'ok');
    expect(ok.status, ok.text).toBe(200);
    const d = await signed(
      'PUT',
      `/${DST}/no-date-signed.txt`,
      { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '2' },
      { unsignable: ['x-amz-date'] },
    );
    expect(d.authorization).not.toContain('x-amz-date');
    expectNotSigned(await send(`${ts.url}/${DST}/no-date-signed.txt`, 'PUT', d, 'no'), 'x-amz-date');
    expect(await absent(DST, 'no-date-signed.txt')).toBe(true);
  });

  it('an unsigned x-amz-meta-* added to an aws-chunked upload is refused before the body is read', async () => {
    const host = new URL(ts.url).host;
    const up = await signedChunkedUpload(host, `/${DST}/chunked.txt`, Buffer.from('chunked body'), { chunkSize: 4 });
    const blobCalls = watchBlobs();
    const a = await send(`${ts.url}/${DST}/chunked.txt`, 'PUT', { ...up.headers, 'x-amz-meta-unsigned': 'x' }, up.body);
    expectNotSigned(a, 'x-amz-meta-unsigned');
    expect(blobCalls()).toBe(0);
    expect(await absent(DST, 'chunked.txt')).toBe(true);
    // Signed, the same metadata is stored.
    vi.restoreAllMocks();
    const ok = await signedChunkedUpload(host, `/${DST}/chunked.txt`, Buffer.from('chunked body'), {
      chunkSize: 4,
      extraHeaders: { 'x-amz-meta-signed': 'y' },
    });
    expect((await send(`${ts.url}/${DST}/chunked.txt`, 'PUT', ok.headers, ok.body)).status).toBe(200);
    expect((await s3.send(new HeadObjectCommand({ Bucket: DST, Key: 'chunked.txt' }))).Metadata).toEqual({ signed: 'y' });
  });

  it('requests from @aws-sdk/client-s3 at its defaults pass (it signs every x-amz-* header it sends)', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: DST,
        Key: 'sdk.txt',
        Body: 'sdk',
        Metadata: { a: '1' },
        StorageClass: 'STANDARD_IA',
        ContentType: 'text/plain',
        Tagging: 'k=v',
      }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket: DST, Key: 'sdk.txt' }))).Metadata).toEqual({ a: '1' });
  });
});

describe('SigV2 signs every x-amz-* header already', () => {
  /** SigV2 written out here, independent of the server's code. */
  function v2(method: string, resource: string, headers: Record<string, string>, date: string): string {
    const amz = Object.keys(headers)
      .filter((h) => h.startsWith('x-amz-'))
      .sort()
      .map((h) => `${h}:${headers[h]}\n`)
      .join('');
    const sts = `${method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n${date}\n${amz}${resource}`;
    return createHmac('sha1', SECRET_KEY).update(sts).digest('base64');
  }

  it('an x-amz-copy-source added to a v2 header-signed PUT, or an x-amz-storage-class to a v2 presigned PUT, is SignatureDoesNotMatch', async () => {
    const date = new Date().toUTCString();
    const path = `/${DST}/v2.txt`;
    const headers: Record<string, string> = { date, 'x-amz-meta-a': '1' };
    headers.authorization = `AWS ${ACCESS_KEY}:${v2('PUT', path, headers, date)}`;
    const blobCalls = watchBlobs();
    const a = await send(`${ts.url}${path}`, 'PUT', { ...headers, 'x-amz-copy-source': `/${SRC}/private.txt` });
    expect([a.status, a.code]).toEqual([403, 'SignatureDoesNotMatch']);
    const expires = String(Math.floor(Date.now() / 1000) + 300);
    const q = `?AWSAccessKeyId=${ACCESS_KEY}&Expires=${expires}&Signature=${encodeURIComponent(v2('PUT', path, {}, expires))}`;
    const b = await send(`${ts.url}${path}${q}`, 'PUT', { 'x-amz-storage-class': 'GLACIER' }, 'x');
    expect([b.status, b.code]).toEqual([403, 'SignatureDoesNotMatch']);
    const c = await send(`${ts.url}${path}${q}`, 'PUT', { 'content-md5': createHash('md5').update('x').digest('base64') }, 'x');
    expect([c.status, c.code]).toEqual([403, 'SignatureDoesNotMatch']);
    expect(blobCalls()).toBe(0);
    expect(await absent(DST, 'v2.txt')).toBe(true);
    vi.restoreAllMocks();
    expect((await send(`${ts.url}${path}`, 'PUT', headers, 'v2')).status).toBe(200);
    expect((await send(`${ts.url}${path}${q}`, 'PUT', {}, 'v2')).status).toBe(200);
  });
});

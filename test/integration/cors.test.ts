import {
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  type CORSRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectS3Error, newBucket, text } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from '../helpers/signing.js';

/** CORS: the configuration operations, browser-style preflights, and the headers on actual requests. */
let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

const APP = 'https://app.example.com';
const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';
const RULES: CORSRule[] = [
  {
    ID: 'uploads',
    AllowedOrigins: [APP],
    AllowedMethods: ['PUT', 'GET'],
    AllowedHeaders: ['content-type', 'x-amz-*'],
    ExposeHeaders: ['ETag'],
    MaxAgeSeconds: 600,
  },
  { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'] },
];

const putCors = (Bucket: string, CORSRules: CORSRule[]) => s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules } }));

/** An unauthenticated request as a browser sends it (undici, no signing). */
async function browser(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await request(`${ts.url}${path}`, { method: method as 'GET', headers, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe('PutBucketCors / GetBucketCors / DeleteBucketCors', () => {
  it('round-trips the rules; NoSuchCORSConfiguration before and after delete', async () => {
    const b = await newBucket(s3, { prefix: 'cors' });
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: b })), 'NoSuchCORSConfiguration', 404);
    await putCors(b, RULES);
    const got = await s3.send(new GetBucketCorsCommand({ Bucket: b }));
    expect(got.CORSRules).toEqual(RULES);
    const del = await s3.send(new DeleteBucketCorsCommand({ Bucket: b }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: b })), 'NoSuchCORSConfiguration', 404);
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: 'no-such-bucket-cors' })), 'NoSuchBucket', 404);
  });

  it('validates as AWS: methods, wildcards, 100 rules (nothing is stored on failure)', async () => {
    const b = await newBucket(s3, { prefix: 'cors' });
    const invalid = await expectS3Error(putCors(b, [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }]), 'InvalidRequest', 400);
    expect(invalid.message).toBe('Found unsupported HTTP method in CORS config. Unsupported method is PATCH');
    const wild = await expectS3Error(putCors(b, [{ AllowedOrigins: ['https://*.*.com'], AllowedMethods: ['GET'] }]), 'InvalidRequest', 400);
    expect(wild.message).toBe('AllowedOrigin "https://*.*.com" can not have more than one wildcard.');
    await expectS3Error(putCors(b, [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['*'] }]), 'InvalidRequest', 400);
    const many = Array.from({ length: 101 }, () => ({ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }));
    await expectS3Error(putCors(b, many), 'MalformedXML', 400);
    await expectS3Error(s3.send(new GetBucketCorsCommand({ Bucket: b })), 'NoSuchCORSConfiguration', 404);
    await putCors(b, many.slice(0, 100));
    // Content-MD5 or a checksum is required.
    const bare = await rawRequest(ts.url, 'PUT', `/${b}?cors`, {
      body: '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>',
    });
    expect(bare.status).toBe(400);
  });
});

describe('preflight and actual requests', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'cors' });
  });

  it('a bucket without CORS: 403 CORSResponse; no Origin: 400; nothing added to actual requests', async () => {
    const pre = await browser('OPTIONS', `/${b}/file.txt`, { origin: APP, 'access-control-request-method': 'PUT' });
    expect(pre.status).toBe(403);
    expect(pre.text).toContain('<Code>AccessForbidden</Code>');
    expect(pre.text).toContain('<Message>CORSResponse: CORS is not enabled for this bucket.</Message>');
    expect(pre.text).toContain('<Method>PUT</Method><ResourceType>BUCKET</ResourceType>');
    const noOrigin = await browser('OPTIONS', `/${b}/file.txt`, { 'access-control-request-method': 'PUT' });
    expect(noOrigin.status).toBe(400);
    expect(noOrigin.text).toContain('Insufficient information. Origin request header needed.');
    const get = await rawRequest(ts.url, 'GET', `/${b}?list-type=2`, { headers: { origin: APP } });
    expect(get.status).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a browser-style preflight, then a presigned PUT and GET with Origin, carry the rule headers', async () => {
    await putCors(b, RULES);
    const pre = await browser('OPTIONS', `/${b}/upload.txt?X-Amz-Signature=ignored`, {
      origin: APP,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type,x-amz-meta-owner',
    });
    expect(pre.status).toBe(200);
    expect(pre.text).toBe('');
    expect(pre.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'PUT, GET',
      'access-control-allow-headers': 'content-type, x-amz-meta-owner',
      'access-control-expose-headers': 'ETag',
      'access-control-max-age': '600',
      'access-control-allow-credentials': 'true',
      vary: VARY,
    });
    // The real presigned URL's preflight: its query carries a signature for PUT, which is not checked.
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: b, Key: 'upload.txt' }), { expiresIn: 600 });
    const path = url.slice(ts.url.length);
    const pre2 = await browser('OPTIONS', path, { origin: APP, 'access-control-request-method': 'PUT' });
    expect(pre2.status).toBe(200);
    const put = await browser('PUT', path, { origin: APP, 'content-type': 'text/plain' }, 'from the browser');
    expect(put.status).toBe(200);
    expect(put.headers['access-control-allow-origin']).toBe(APP);
    expect(put.headers['access-control-expose-headers']).toBe('ETag');
    expect(put.headers.vary).toBe(VARY);
    expect(put.headers.etag).toBeDefined();
    const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'upload.txt' }));
    expect(await text(get)).toBe('from the browser');
    // Another origin falls to the second rule for GET (Allow-Origin *, no credentials), and to none for PUT.
    const other = await rawRequest(ts.url, 'GET', `/${b}/upload.txt`, { headers: { origin: 'https://elsewhere.test' } });
    expect(other.headers['access-control-allow-origin']).toBe('*');
    expect(other.headers['access-control-allow-credentials']).toBeUndefined();
    const refused = await browser('OPTIONS', `/${b}/upload.txt`, { origin: 'https://elsewhere.test', 'access-control-request-method': 'PUT' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('CORSResponse: This CORS request is not allowed.');
    expect(refused.text).toContain('<ResourceType>OBJECT</ResourceType>');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const badHeader = await browser('OPTIONS', `/${b}/upload.txt`, {
      origin: APP,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'authorization',
    });
    expect(badHeader.status).toBe(403);
    // Without Origin nothing is added.
    const plain = await rawRequest(ts.url, 'GET', `/${b}/upload.txt`);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    expect(plain.headers.vary).toBeUndefined();
  });

  it('error responses carry the CORS headers too (anonymous AccessDenied, NoSuchKey, an expired presigned URL)', async () => {
    await putCors(b, RULES);
    const denied = await browser('PUT', `/${b}/anon.txt`, { origin: APP }, 'x');
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('<Code>AccessDenied</Code>');
    expect(denied.headers['access-control-allow-origin']).toBe(APP);
    const missing = await rawRequest(ts.url, 'GET', `/${b}/missing.txt`, { headers: { origin: APP } });
    expect(missing.status).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe(APP);
    expect(missing.headers.vary).toBe(VARY);
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: b, Key: 'late.txt' }), { expiresIn: 1, signingDate: new Date(Date.now() - 60_000) });
    const late = await browser('PUT', url.slice(ts.url.length), { origin: APP }, 'x');
    expect(late.status).toBe(403);
    expect(late.headers['access-control-allow-origin']).toBe(APP);
  });

  it('a change of configuration is seen by the next request', async () => {
    await putCors(b, [{ AllowedOrigins: ['https://first.test'], AllowedMethods: ['GET'] }]);
    const first = await browser('OPTIONS', `/${b}`, { origin: 'https://first.test', 'access-control-request-method': 'GET' });
    expect(first.status).toBe(200);
    await putCors(b, [{ AllowedOrigins: ['https://second.test'], AllowedMethods: ['GET'] }]);
    const again = await browser('OPTIONS', `/${b}`, { origin: 'https://first.test', 'access-control-request-method': 'GET' });
    expect(again.status).toBe(403);
    await s3.send(new DeleteBucketCorsCommand({ Bucket: b }));
    const gone = await browser('OPTIONS', `/${b}`, { origin: 'https://second.test', 'access-control-request-method': 'GET' });
    expect(gone.status).toBe(403);
    expect(gone.text).toContain('CORS is not enabled for this bucket.');
  });
});

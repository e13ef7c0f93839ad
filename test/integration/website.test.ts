import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeletePublicAccessBlockCommand,
  UploadPartCommand,
  DeleteBucketWebsiteCommand,
  GetBucketWebsiteCommand,
  HeadObjectCommand,
  PutBucketCorsCommand,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  type S3Client,
  type WebsiteConfiguration,
} from '@aws-sdk/client-s3';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectS3Error, newBucket, s3Error } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from '../helpers/signing.js';

/** Static websites: the configuration operations, and the website endpoint (CAIRN_WEBSITE_DOMAINS) serving a bucket. */
let ts: TestServer;
let s3: S3Client;
const DOMAIN = 'web.test';

beforeAll(async () => {
  ts = await startTestServer({ websiteDomains: DOMAIN });
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

const putWebsite = (Bucket: string, WebsiteConfiguration: WebsiteConfiguration) => s3.send(new PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration }));
const put = (Bucket: string, Key: string, Body: string, extra: Record<string, string> = {}) =>
  s3.send(new PutObjectCommand({ Bucket, Key, Body, ContentType: 'text/html', ...extra }));

/** A request to `bucket`'s website: signed by the test account (judged as the owner), or anonymous. */
async function site(bucket: string, method: string, path: string, opts: { anonymous?: boolean; headers?: Record<string, string> } = {}) {
  const headers = { host: `${bucket}.${DOMAIN}`, ...opts.headers };
  if (opts.anonymous) {
    const res = await request(`${ts.url}${path}`, { method: method as 'GET', headers });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }
  return rawRequest(ts.url, method, path, { headers });
}

describe('PutBucketWebsite / GetBucketWebsite / DeleteBucketWebsite', () => {
  it('round-trips a configuration; NoSuchWebsiteConfiguration before and after delete', async () => {
    const b = await newBucket(s3, { prefix: 'web' });
    await expectS3Error(s3.send(new GetBucketWebsiteCommand({ Bucket: b })), 'NoSuchWebsiteConfiguration', 404);
    const config: WebsiteConfiguration = {
      IndexDocument: { Suffix: 'index.html' },
      ErrorDocument: { Key: 'error.html' },
      RoutingRules: [
        { Condition: { KeyPrefixEquals: 'docs/' }, Redirect: { ReplaceKeyPrefixWith: 'documents/' } },
        {
          Condition: { HttpErrorCodeReturnedEquals: '404' },
          Redirect: { HostName: 'example.com', Protocol: 'https', HttpRedirectCode: '302', ReplaceKeyWith: 'lost.html' },
        },
      ],
    };
    await putWebsite(b, config);
    const got = await s3.send(new GetBucketWebsiteCommand({ Bucket: b }));
    expect({ IndexDocument: got.IndexDocument, ErrorDocument: got.ErrorDocument, RoutingRules: got.RoutingRules }).toEqual(config);
    await putWebsite(b, { RedirectAllRequestsTo: { HostName: 'example.org', Protocol: 'https' } });
    const all = await s3.send(new GetBucketWebsiteCommand({ Bucket: b }));
    expect(all.RedirectAllRequestsTo).toEqual({ HostName: 'example.org', Protocol: 'https' });
    expect(all.IndexDocument).toBeUndefined();
    expect((await s3.send(new DeleteBucketWebsiteCommand({ Bucket: b }))).$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new GetBucketWebsiteCommand({ Bucket: b })), 'NoSuchWebsiteConfiguration', 404);
  });

  it('validates as AWS', async () => {
    const b = await newBucket(s3, { prefix: 'web' });
    const index = { IndexDocument: { Suffix: 'index.html' } };
    const cases: Array<[WebsiteConfiguration, string, string?]> = [
      [{}, 'InvalidArgument', 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty'],
      [{ IndexDocument: { Suffix: 'a/index.html' } }, 'InvalidArgument', 'The IndexDocument Suffix is not well formed'],
      [{ ...index, RedirectAllRequestsTo: { HostName: 'example.com' } }, 'MalformedXML'],
      [
        { ...index, RoutingRules: Array.from({ length: 51 }, () => ({ Redirect: { HostName: 'example.com' } })) },
        'InvalidRequest',
        '51 routing rules provided, the number of routing rules in a website configuration is limited to 50.',
      ],
      [
        { ...index, RoutingRules: [{ Redirect: { HttpRedirectCode: '300' } }] },
        'InvalidRequest',
        'The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300.',
      ],
      [
        { ...index, RoutingRules: [{ Redirect: { ReplaceKeyWith: 'a', ReplaceKeyPrefixWith: 'b/' } }] },
        'InvalidRequest',
        'You can only define ReplaceKeyPrefix or ReplaceKey but not both.',
      ],
      [
        { ...index, RoutingRules: [{ Condition: { HttpErrorCodeReturnedEquals: '302' }, Redirect: { HostName: 'example.com' } }] },
        'InvalidRequest',
        'The provided HTTP error code (302) is not valid. Valid codes are 4XX or 5XX.',
      ],
      [{ ...index, RoutingRules: [{ Redirect: { Protocol: 'ftp' as 'http' } }] }, 'InvalidRequest'],
    ];
    for (const [config, code, message] of cases) {
      const e = await expectS3Error(putWebsite(b, config), code, 400);
      if (message) expect(e.message).toBe(message);
    }
    await expectS3Error(s3.send(new GetBucketWebsiteCommand({ Bucket: b })), 'NoSuchWebsiteConfiguration', 404);
  });
});

describe('x-amz-website-redirect-location', () => {
  it('is stored by PutObject, returned by HEAD, checked, and not copied by CopyObject unless sent', async () => {
    const b = await newBucket(s3, { prefix: 'web' });
    await put(b, 'old.html', 'old', { WebsiteRedirectLocation: '/new.html' });
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'old.html' }))).WebsiteRedirectLocation).toBe('/new.html');
    const bad = await s3Error(put(b, 'bad.html', 'x', { WebsiteRedirectLocation: 'new.html' }));
    expect(bad.name).toBe('InvalidRedirectLocation');
    expect(bad.$metadata.httpStatusCode).toBe(400);
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy.html', CopySource: `${b}/old.html` }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'copy.html' }))).WebsiteRedirectLocation).toBeUndefined();
    // Setting only the redirect location makes a copy onto itself legal.
    await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy.html', CopySource: `${b}/copy.html`, WebsiteRedirectLocation: 'https://example.com/' }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'copy.html' }))).WebsiteRedirectLocation).toBe('https://example.com/');
    // A multipart upload keeps the one CreateMultipartUpload was given.
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mpu.html', WebsiteRedirectLocation: '/index.html' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mpu.html', UploadId, PartNumber: 1, Body: 'one part' }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mpu.html', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'mpu.html' }))).WebsiteRedirectLocation).toBe('/index.html');
  });
});

describe('the website endpoint', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'site' });
    await put(b, 'index.html', 'home');
    await put(b, 'docs/index.html', 'docs home');
    await put(b, 'error.html', 'custom error page');
    await put(b, 'moved.html', '', { WebsiteRedirectLocation: '/docs/' });
    await putWebsite(b, {
      IndexDocument: { Suffix: 'index.html' },
      ErrorDocument: { Key: 'error.html' },
      RoutingRules: [
        { Condition: { KeyPrefixEquals: 'old/' }, Redirect: { ReplaceKeyPrefixWith: 'docs/' } },
        {
          Condition: { KeyPrefixEquals: 'gone/', HttpErrorCodeReturnedEquals: '404' },
          Redirect: { HostName: 'archive.example.com', Protocol: 'https', HttpRedirectCode: '302' },
        },
      ],
    });
  });

  it('serves the index document for the root and for folders, and redirects a folder without its slash', async () => {
    const root = await site(b, 'GET', '/');
    expect(root.status).toBe(200);
    expect(root.text).toBe('home');
    expect(root.headers['content-type']).toBe('text/html');
    expect((await site(b, 'GET', '/docs/')).text).toBe('docs home');
    expect((await site(b, 'GET', '/index.html')).text).toBe('home');
    const slash = await site(b, 'GET', '/docs');
    expect(slash.status).toBe(302);
    expect(slash.headers.location).toBe('/docs/');
    const head = await site(b, 'HEAD', '/');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('4');
    // Conditions and ranges apply as on GetObject.
    const range = await site(b, 'GET', '/', { headers: { range: 'bytes=1-2' } });
    expect(range.status).toBe(206);
    expect(range.text).toBe('om');
  });

  it('answers a missing key with the error document and its status', async () => {
    const miss = await site(b, 'GET', '/nothing-here.html');
    expect(miss.status).toBe(404);
    expect(miss.text).toBe('custom error page');
    expect(miss.headers['x-amz-error-code']).toBe('NoSuchKey');
    const head = await site(b, 'HEAD', '/nothing-here.html');
    expect(head.status).toBe(404);
    expect(head.text).toBe('');
  });

  it('follows routing rules (by prefix before the read, by error code after) and object redirects', async () => {
    // A rule on the key prefix redirects before any read, so anybody gets it.
    const old = await site(b, 'GET', '/old/page%20one.html', { anonymous: true });
    expect(old.status).toBe(301);
    expect(old.headers.location).toBe(`http://${b}.${DOMAIN}/docs/page%20one.html`);
    const gone = await site(b, 'GET', '/gone/thing');
    expect(gone.status).toBe(302);
    expect(gone.headers.location).toBe('https://archive.example.com/gone/thing');
    const moved = await site(b, 'GET', '/moved.html');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/docs/');
  });

  it('allows only GET and HEAD, and answers errors as HTML pages', async () => {
    const post = await site(b, 'POST', '/');
    expect(post.status).toBe(405);
    expect(post.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(post.text).toContain('<li>Code: MethodNotAllowed</li>');
    expect(post.text).toContain('<li>Method: POST</li>');
    const none = await newBucket(s3, { prefix: 'plain' });
    const plain = await site(none, 'GET', '/');
    expect(plain.status).toBe(404);
    expect(plain.headers['x-amz-error-code']).toBe('NoSuchWebsiteConfiguration');
    expect(plain.text).toContain(`<li>BucketName: ${none}</li>`);
    const nobucket = await site('no-such-site-bucket', 'GET', '/');
    expect(nobucket.status).toBe(404);
    expect(nobucket.text).toContain('<li>Code: NoSuchBucket</li>');
    // Without its error document: S3's page, which says why the error document could not be read either.
    const bare = await newBucket(s3, { prefix: 'bare' });
    await putWebsite(bare, { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' } });
    const page = await site(bare, 'GET', '/missing');
    expect(page.status).toBe(404);
    expect(page.text).toMatch(/^<html>\n<head><title>404 Not Found<\/title><\/head>\n<body>\n<h1>404 Not Found<\/h1>\n<ul>\n<li>Code: NoSuchKey<\/li>/);
    expect(page.text).toContain('<li>Message: The specified key does not exist.</li>\n<li>Key: missing</li>\n<li>RequestId: ');
    expect(page.text).toContain('<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: NoSuchKey</li>');
    expect(page.text).toContain('<li>Key: 404.html</li>');
  });

  it("follows the bucket's CORS rules: preflights, and headers on answers to requests with Origin", async () => {
    const c = await newBucket(s3, { prefix: 'corsite' });
    await put(c, 'index.html', 'cors home');
    await putWebsite(c, { IndexDocument: { Suffix: 'index.html' } });
    await s3.send(
      new PutBucketCorsCommand({ Bucket: c, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://app.test'], AllowedMethods: ['GET'] }] } }),
    );
    const pre = await site(c, 'OPTIONS', '/', { anonymous: true, headers: { origin: 'https://app.test', 'access-control-request-method': 'GET' } });
    expect(pre.status).toBe(200);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.test');
    const refused = await site(c, 'OPTIONS', '/', { anonymous: true, headers: { origin: 'https://other.test', 'access-control-request-method': 'GET' } });
    expect(refused.status).toBe(403);
    const get = await site(c, 'GET', '/', { headers: { origin: 'https://app.test' } });
    expect(get.text).toBe('cors home');
    expect(get.headers['access-control-allow-origin']).toBe('https://app.test');
    const denied = await site(c, 'GET', '/', { anonymous: true, headers: { origin: 'https://app.test' } });
    expect(denied.status).toBe(403);
    expect(denied.headers['access-control-allow-origin']).toBe('https://app.test');
  });

  it('RedirectAllRequestsTo keeps the path and query', async () => {
    const r = await newBucket(s3, { prefix: 'redir' });
    await putWebsite(r, { RedirectAllRequestsTo: { HostName: 'example.org', Protocol: 'https' } });
    const res = await site(r, 'GET', '/a/b.html?x=1');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('https://example.org/a/b.html?x=1');
  });

  it('anonymous visitors get only what the evaluator allows anybody: a private bucket is 403', async () => {
    const res = await site(b, 'GET', '/', { anonymous: true });
    expect(res.status).toBe(403);
    expect(res.text).toContain('<li>Code: AccessDenied</li>');
    // The error document is not readable by them either.
    expect(res.text).toContain('An Error Occurred While Attempting to Retrieve a Custom Error Document');
  });

  it('anonymous visitors read a site a bucket policy makes public (missing keys are 403 without s3:ListBucket)', async ({ skip }) => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }],
    });
    // New buckets may block public policies (as on AWS since 2023): lift that first, where it is served.
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket: b })).catch(() => undefined);
    const set = await s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy })).then(
      () => undefined,
      (e: Error) => e,
    );
    if (set?.name === 'NotImplemented') skip('bucket policies are not served yet (issue 13): anonymous website reads need them');
    expect(set).toBeUndefined();
    const home = await site(b, 'GET', '/', { anonymous: true });
    expect(home.status).toBe(200);
    expect(home.text).toBe('home');
    expect((await site(b, 'GET', '/docs', { anonymous: true })).headers.location).toBe('/docs/');
    const miss = await site(b, 'GET', '/nothing.html', { anonymous: true });
    expect(miss.status).toBe(403);
    expect(miss.text).toBe('custom error page');
  });
});

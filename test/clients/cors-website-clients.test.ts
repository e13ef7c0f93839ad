/**
 * CORS and static websites through real clients against the real server
 * (`node dist/cli.js serve`; build first: `npm run build`): Debian's aws-cli
 * (`s3api put-bucket-cors`, `s3 website`) and s3cmd (`setcors`,
 * `ws-create`). Each configuration is read back with the SDK and exercised
 * with raw requests: a browser-style preflight, and the website endpoint
 * (CAIRN_WEBSITE_DOMAINS=web.test, Host `<bucket>.web.test`).
 *
 * A client that is not installed is skipped, unless CAIRN_REQUIRE_CLIENTS=1
 * (CI), where a missing client fails.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetBucketCorsCommand, GetBucketWebsiteCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_KEY, SECRET_KEY } from '../helpers/server.js';
import { rawRequest } from '../helpers/signing.js';
import { CairnProcess } from './harness.js';

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const STEP_MS = 120_000;
const AWS = '/usr/bin/aws';
const S3CMD = '/usr/bin/s3cmd';
const DOMAIN = 'web.test';
const APP = 'https://app.example.com';

const has = { aws: existsSync(AWS), s3cmd: existsSync(S3CMD) };
const skip = (tool: keyof typeof has) => !has[tool] && !REQUIRE;

const proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'warn');
proc.env = { CAIRN_WEBSITE_DOMAINS: DOMAIN };
let work = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cairn-cwclients-'));
  mkdirSync(join(work, 'home'));
  mkdirSync(join(work, 'data'));
  if (has.aws || has.s3cmd || REQUIRE) await proc.start(join(work, 'data'));
}, 60_000);

afterAll(async () => {
  await proc.stop();
  if (work && process.env.CAIRN_KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
}, 30_000);

const sdk = () =>
  new S3Client({ endpoint: proc.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY } });

interface Ran {
  line: string;
  code: number | string | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  const line = `$ ${[cmd, ...args].join(' ')}`;
  return new Promise((res) => {
    execFile(cmd, args, { env, cwd: work, timeout: 90_000, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      res({ line, code: e ? (e.code ?? 'error') : 0, stdout, stderr });
    });
  });
}

function ok(r: Ran): Ran {
  expect(r.code, [r.line, `stdout:\n${r.stdout}`, `stderr:\n${r.stderr}`, `server log:\n${proc.tail()}`].join('\n')).toBe(0);
  return r;
}

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: join(work, 'home'),
  TMPDIR: work,
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  ...extra,
});

/** A browser's preflight for a PUT from APP. */
async function preflight(bucket: string, key: string) {
  const r = await request(`${proc.endpoint}/${bucket}/${key}`, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'PUT' } });
  await r.body.text();
  return r;
}

/** A GET on `bucket`'s website, signed as the owner (the site is not public: no bucket policy). */
const site = (bucket: string, path: string) => rawRequest(proc.endpoint, 'GET', path, { headers: { host: `${bucket}.${DOMAIN}` } });

async function putPages(bucket: string): Promise<void> {
  const s3 = sdk();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'index.html', Body: '<h1>home</h1>', ContentType: 'text/html' }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'error.html', Body: '<h1>oops</h1>', ContentType: 'text/html' }));
  s3.destroy();
}

describe.skipIf(skip('aws'))('aws-cli: put-bucket-cors and s3 website (Debian awscli)', () => {
  const bucket = 'cairn-cors-website-aws';
  let dir = '';
  const aws = (...args: string[]) =>
    run(
      AWS,
      ['--endpoint-url', proc.endpoint, '--no-cli-pager', '--output', 'json', ...args],
      env({
        AWS_ACCESS_KEY_ID: ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: SECRET_KEY,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: join(dir, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
        AWS_MAX_ATTEMPTS: '1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
      }),
    );

  beforeAll(() => {
    dir = join(work, 'awscli');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config'), '');
    writeFileSync(join(dir, 'credentials'), '');
  });

  it('is installed', () => expect(has.aws, `CAIRN_REQUIRE_CLIENTS=1 but ${AWS} is missing (apt-get install awscli)`).toBe(true));

  it(
    's3api put-bucket-cors / get-bucket-cors / delete-bucket-cors, and the preflight they allow',
    async () => {
      ok(await aws('s3api', 'create-bucket', '--bucket', bucket));
      const rules = {
        CORSRules: [{ AllowedOrigins: [APP], AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 300 }],
      };
      writeFileSync(join(dir, 'cors.json'), JSON.stringify(rules));
      ok(await aws('s3api', 'put-bucket-cors', '--bucket', bucket, '--cors-configuration', `file://${join(dir, 'cors.json')}`));
      const got = ok(await aws('s3api', 'get-bucket-cors', '--bucket', bucket));
      expect(JSON.parse(got.stdout)).toEqual(rules);
      const pre = await preflight(bucket, 'upload.txt');
      expect(pre.statusCode).toBe(200);
      expect(pre.headers['access-control-allow-origin']).toBe(APP);
      expect(pre.headers['access-control-max-age']).toBe('300');
      ok(await aws('s3api', 'delete-bucket-cors', '--bucket', bucket));
      expect((await preflight(bucket, 'upload.txt')).statusCode).toBe(403);
    },
    STEP_MS,
  );

  it(
    's3 website --index-document --error-document, served on the website endpoint',
    async () => {
      ok(await aws('s3', 'website', `s3://${bucket}`, '--index-document', 'index.html', '--error-document', 'error.html'));
      const got = ok(await aws('s3api', 'get-bucket-website', '--bucket', bucket));
      expect(JSON.parse(got.stdout)).toMatchObject({ IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } });
      await putPages(bucket);
      const home = await site(bucket, '/');
      expect(home.status).toBe(200);
      expect(home.text).toBe('<h1>home</h1>');
      const missing = await site(bucket, '/nope.html');
      expect(missing.status).toBe(404);
      expect(missing.text).toBe('<h1>oops</h1>');
      ok(await aws('s3api', 'delete-bucket-website', '--bucket', bucket));
      expect((await site(bucket, '/')).status).toBe(404);
    },
    STEP_MS,
  );
});

describe.skipIf(skip('s3cmd'))('s3cmd: setcors and ws-create (Debian s3cmd)', () => {
  const bucket = 'cairn-cors-website-s3cmd';
  let cfg = '';
  let dir = '';
  const s3cmd = (...args: string[]) => run(S3CMD, ['-c', cfg, '--no-progress', ...args], env());

  beforeAll(() => {
    dir = join(work, 's3cmd');
    mkdirSync(dir);
    cfg = join(dir, 's3cfg');
    const hostPort = `127.0.0.1:${proc.port}`;
    writeFileSync(
      cfg,
      [
        '[default]',
        `access_key = ${ACCESS_KEY}`,
        `secret_key = ${SECRET_KEY}`,
        `host_base = ${hostPort}`,
        `host_bucket = ${hostPort}`,
        'bucket_location = us-east-1',
        'use_https = False',
        'signature_v2 = False',
        `website_endpoint = http://%(bucket)s.${DOMAIN}/`,
        '',
      ].join('\n'),
    );
  });

  it('is installed', () => expect(has.s3cmd, `CAIRN_REQUIRE_CLIENTS=1 but ${S3CMD} is missing (apt-get install s3cmd)`).toBe(true));

  it(
    'setcors / delcors, and the preflight they allow',
    async () => {
      ok(await s3cmd('mb', `s3://${bucket}`));
      writeFileSync(
        join(dir, 'cors.xml'),
        // Indented, as people write it.
        [
          '<CORSConfiguration>',
          '  <CORSRule>',
          '    <ID>app</ID>',
          `    <AllowedOrigin>${APP}</AllowedOrigin>`,
          '    <AllowedMethod>PUT</AllowedMethod>',
          '    <AllowedHeader>*</AllowedHeader>',
          '    <MaxAgeSeconds>60</MaxAgeSeconds>',
          '  </CORSRule>',
          '</CORSConfiguration>',
          '',
        ].join('\n'),
      );
      ok(await s3cmd('setcors', join(dir, 'cors.xml'), `s3://${bucket}`));
      const s3 = sdk();
      const got = await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
      s3.destroy();
      expect(got.CORSRules).toEqual([{ ID: 'app', AllowedOrigins: [APP], AllowedMethods: ['PUT'], AllowedHeaders: ['*'], MaxAgeSeconds: 60 }]);
      const info = ok(await s3cmd('info', `s3://${bucket}`));
      expect(info.stdout).toContain(APP);
      const pre = await preflight(bucket, 'x');
      expect(pre.statusCode).toBe(200);
      expect(pre.headers['access-control-allow-methods']).toBe('PUT');
      ok(await s3cmd('delcors', `s3://${bucket}`));
      expect((await preflight(bucket, 'x')).statusCode).toBe(403);
    },
    STEP_MS,
  );

  it(
    'ws-create / ws-info / ws-delete, served on the website endpoint',
    async () => {
      ok(await s3cmd('ws-create', '--ws-index=index.html', '--ws-error=error.html', `s3://${bucket}`));
      const s3 = sdk();
      const got = await s3.send(new GetBucketWebsiteCommand({ Bucket: bucket }));
      s3.destroy();
      expect(got.IndexDocument).toEqual({ Suffix: 'index.html' });
      expect(got.ErrorDocument).toEqual({ Key: 'error.html' });
      const info = ok(await s3cmd('ws-info', `s3://${bucket}`));
      expect(info.stdout).toMatch(/Index document:\s+index\.html/);
      expect(info.stdout).toMatch(/Error document:\s+error\.html/);
      expect(info.stdout).toContain(`http://${bucket}.${DOMAIN}/`);
      await putPages(bucket);
      expect((await site(bucket, '/')).text).toBe('<h1>home</h1>');
      expect((await site(bucket, '/missing')).status).toBe(404);
      ok(await s3cmd('ws-delete', `s3://${bucket}`));
      expect((await site(bucket, '/')).text).toContain('NoSuchWebsiteConfiguration');
    },
    STEP_MS,
  );
});

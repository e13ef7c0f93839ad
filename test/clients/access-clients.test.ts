/**
 * Bucket policies and Block Public Access through real clients: Debian's aws-cli (s3api
 * put-bucket-policy, get-bucket-policy, get-bucket-policy-status, put-public-access-block,
 * get-public-access-block) and curl fetching a public object with no credentials, against
 * `node dist/cli.js serve` (build first). A client that is not installed is skipped, unless
 * CAIRN_REQUIRE_CLIENTS=1 (CI), where a missing client fails.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnProcess } from './harness.js';

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const ACCESS_KEY = 'AKIACAIRNACCESS00001';
const SECRET_KEY = 'cairn-access-secret-key-000000000000001';
// Debian's packages, by absolute path: another `aws` (pyenv, pip) may come first on PATH.
const AWS = '/usr/bin/aws';
const CURL = '/usr/bin/curl';
const has = existsSync(AWS) && existsSync(CURL);

const proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'warn');
let work = '';

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
      const code = err ? ((err as NodeJS.ErrnoException).code ?? 'error') : 0;
      res({ line, code, stdout, stderr });
    });
  });
}

const story = (r: Ran) => [r.line, `exit: ${r.code}`, `stdout:\n${r.stdout}`, `stderr:\n${r.stderr}`, `server log:\n${proc.tail()}`].join('\n');
const ok = (r: Ran) => {
  expect(r.code, story(r)).toBe(0);
  return r;
};

const env = (): NodeJS.ProcessEnv => ({
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: join(work, 'home'),
  LANG: 'C.UTF-8',
  AWS_ACCESS_KEY_ID: ACCESS_KEY,
  AWS_SECRET_ACCESS_KEY: SECRET_KEY,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: join(work, 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(work, 'credentials'),
  AWS_MAX_ATTEMPTS: '1',
});
const s3api = (...args: string[]) => run(AWS, ['--endpoint-url', proc.endpoint, '--output', 'json', 's3api', ...args], env());
/** curl with no credentials: the status code, then the body. */
async function curl(path: string): Promise<{ status: number; body: string }> {
  const r = ok(await run(CURL, ['-sS', '-o', join(work, 'curl.out'), '-w', '%{http_code}', `${proc.endpoint}${path}`], env()));
  return { status: Number(r.stdout), body: readFileSync(join(work, 'curl.out'), 'utf8') };
}

describe.skipIf(!has && !REQUIRE)('aws-cli and curl: a public web-assets bucket, then locked down with Block Public Access', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cairn-access-'));
    mkdirSync(join(work, 'home'));
    writeFileSync(join(work, 'config'), '[default]\ns3 =\n  addressing_style = path\n');
    writeFileSync(join(work, 'credentials'), '');
    mkdirSync(join(work, 'data'));
    if (has) await proc.start(join(work, 'data'));
  }, 60_000);
  afterAll(async () => {
    await proc.stop();
    if (work && process.env.CAIRN_KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it('serves a policy-public object to curl, reports it public, and stops when Block Public Access says so', async () => {
    expect(has, `CAIRN_REQUIRE_CLIENTS=1 but ${AWS} (apt-get install awscli) or ${CURL} (apt-get install curl) is missing`).toBe(true);
    const bucket = 'web-assets';
    ok(await s3api('create-bucket', '--bucket', bucket));
    writeFileSync(join(work, 'logo.svg'), '<svg/>');
    ok(await s3api('put-object', '--bucket', bucket, '--key', 'img/logo.svg', '--body', join(work, 'logo.svg'), '--content-type', 'image/svg+xml'));
    ok(await s3api('put-object', '--bucket', bucket, '--key', 'private/notes.txt', '--body', join(work, 'logo.svg')));
    expect((await curl(`/${bucket}/img/logo.svg`)).status).toBe(403);

    const policy = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/img/*` }],
    };
    writeFileSync(join(work, 'policy.json'), JSON.stringify(policy, null, 2));
    ok(await s3api('put-bucket-policy', '--bucket', bucket, '--policy', `file://${join(work, 'policy.json')}`));
    const stored = JSON.parse(ok(await s3api('get-bucket-policy', '--bucket', bucket)).stdout) as { Policy: string };
    expect(JSON.parse(stored.Policy)).toEqual(policy);
    const status = JSON.parse(ok(await s3api('get-bucket-policy-status', '--bucket', bucket)).stdout) as { PolicyStatus: { IsPublic: boolean } };
    expect(status.PolicyStatus.IsPublic).toBe(true);
    expect(await curl(`/${bucket}/img/logo.svg`)).toEqual({ status: 200, body: '<svg/>' });
    expect((await curl(`/${bucket}/private/notes.txt`)).status).toBe(403);

    ok(
      await s3api(
        'put-public-access-block',
        '--bucket',
        bucket,
        '--public-access-block-configuration',
        'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true',
      ),
    );
    const pab = JSON.parse(ok(await s3api('get-public-access-block', '--bucket', bucket)).stdout) as {
      PublicAccessBlockConfiguration: Record<string, boolean>;
    };
    expect(pab.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect((await curl(`/${bucket}/img/logo.svg`)).status).toBe(403);
    const refused = await s3api('put-bucket-policy', '--bucket', bucket, '--policy', `file://${join(work, 'policy.json')}`);
    expect(refused.code, story(refused)).not.toBe(0);
    expect(refused.stderr).toMatch(/AccessDenied/);

    ok(await s3api('delete-public-access-block', '--bucket', bucket));
    expect((await curl(`/${bucket}/img/logo.svg`)).status).toBe(200);
  }, 120_000);
});

/**
 * Bucket configurations through Debian's aws-cli against the real server
 * (`node dist/cli.js serve`; build first): the reads tools make on refresh
 * and the writes that set them. Skipped when aws-cli is not installed,
 * unless CAIRN_REQUIRE_CLIENTS=1 (CI).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnProcess } from './harness.js';

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const ACCESS_KEY = 'AKIACAIRNCONFIGS0001';
const SECRET_KEY = 'cairn-configs-secret-key-0000000000000001';
const STEP_MS = 120_000;
const AWS = '/usr/bin/aws';
const hasAws = existsSync(AWS);

const proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'warn');
let work = '';

interface Ran {
  line: string;
  code: number | string | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Ran> {
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: join(work, 'home'),
    TMPDIR: work,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(work, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'credentials'),
    AWS_MAX_ATTEMPTS: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  const full = ['--endpoint-url', proc.endpoint, '--no-cli-pager', '--output', 'json', ...args];
  const line = `$ aws ${full.join(' ')}`;
  return new Promise((res) => {
    execFile(AWS, full, { env, cwd: work, timeout: 90_000, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? ((err as NodeJS.ErrnoException).code ?? 'error') : 0;
      res({ line, code, stdout, stderr });
    });
  });
}

const story = (r: Ran) => [r.line, `exit: ${r.code}`, `stdout:\n${r.stdout}`, `stderr:\n${r.stderr}`, `server log (tail):\n${proc.tail()}`].join('\n');
function ok(r: Ran): Record<string, unknown> {
  expect(r.code, story(r)).toBe(0);
  return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, unknown>);
}

describe.skipIf(!hasAws && !REQUIRE)('aws-cli s3api: bucket configurations (Debian awscli)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cairn-cfgclients-'));
    mkdirSync(join(work, 'home'));
    writeFileSync(join(work, 'config'), '');
    writeFileSync(join(work, 'credentials'), '');
    mkdirSync(join(work, 'data'));
    await proc.start(join(work, 'data'));
  }, 60_000);
  afterAll(async () => {
    await proc.stop();
    if (work && process.env.CAIRN_KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it('is installed', () => expect(hasAws, `CAIRN_REQUIRE_CLIENTS=1 but ${AWS} is missing (apt-get install awscli)`).toBe(true));

  it(
    'get-bucket-accelerate-configuration: empty until put-bucket-accelerate-configuration sets a Status',
    async () => {
      ok(await run(['s3api', 'create-bucket', '--bucket', 'cfg-accel']));
      expect(ok(await run(['s3api', 'get-bucket-accelerate-configuration', '--bucket', 'cfg-accel'])).Status).toBeUndefined();
      ok(await run(['s3api', 'put-bucket-accelerate-configuration', '--bucket', 'cfg-accel', '--accelerate-configuration', 'Status=Enabled']));
      expect(ok(await run(['s3api', 'get-bucket-accelerate-configuration', '--bucket', 'cfg-accel'])).Status).toBe('Enabled');
    },
    STEP_MS,
  );

  it(
    'put-bucket-logging / get-bucket-logging, and an empty status turns logging off',
    async () => {
      ok(await run(['s3api', 'create-bucket', '--bucket', 'cfg-logged']));
      ok(await run(['s3api', 'create-bucket', '--bucket', 'cfg-logs']));
      const status = JSON.stringify({ LoggingEnabled: { TargetBucket: 'cfg-logs', TargetPrefix: 'access/' } });
      ok(await run(['s3api', 'put-bucket-logging', '--bucket', 'cfg-logged', '--bucket-logging-status', status]));
      expect(ok(await run(['s3api', 'get-bucket-logging', '--bucket', 'cfg-logged'])).LoggingEnabled).toEqual({
        TargetBucket: 'cfg-logs',
        TargetPrefix: 'access/',
      });
      const bad = await run([
        's3api',
        'put-bucket-logging',
        '--bucket',
        'cfg-logged',
        '--bucket-logging-status',
        JSON.stringify({ LoggingEnabled: { TargetBucket: 'cfg-none', TargetPrefix: 'x/' } }),
      ]);
      expect(bad.code, story(bad)).not.toBe(0);
      expect(bad.stderr, story(bad)).toContain('InvalidTargetBucketForLogging');
      ok(await run(['s3api', 'put-bucket-logging', '--bucket', 'cfg-logged', '--bucket-logging-status', '{}']));
      expect(ok(await run(['s3api', 'get-bucket-logging', '--bucket', 'cfg-logged'])).LoggingEnabled).toBeUndefined();
    },
    STEP_MS,
  );

  it(
    'get-bucket-request-payment: BucketOwner until put-bucket-request-payment sets Requester',
    async () => {
      ok(await run(['s3api', 'create-bucket', '--bucket', 'cfg-payer']));
      expect(ok(await run(['s3api', 'get-bucket-request-payment', '--bucket', 'cfg-payer'])).Payer).toBe('BucketOwner');
      ok(await run(['s3api', 'put-bucket-request-payment', '--bucket', 'cfg-payer', '--request-payment-configuration', 'Payer=Requester']));
      expect(ok(await run(['s3api', 'get-bucket-request-payment', '--bucket', 'cfg-payer'])).Payer).toBe('Requester');
    },
    STEP_MS,
  );
});

/**
 * Object tagging and lifecycle configuration through real clients against
 * the real server (`node dist/cli.js serve`; build first): Debian's aws-cli
 * (s3api put-object-tagging, put-bucket-lifecycle-configuration) and s3cmd
 * (`expire`, `getlifecycle`, `dellifecycle`). What the server holds is read
 * back with the SDK, independently of the client under test.
 *
 * A client that is not installed is skipped, unless CAIRN_REQUIRE_CLIENTS=1
 * (CI), where a missing client fails. Rules firing is covered by
 * test/integration/lifecycle.test.ts (with a shortened day).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetBucketLifecycleConfigurationCommand, GetObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnProcess } from './harness.js';

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const ACCESS_KEY = 'AKIACAIRNTAGLC000001';
const SECRET_KEY = 'cairn-tag-lifecycle-secret-000000000001';
const STEP_MS = 120_000;
const AWS = '/usr/bin/aws';
const S3CMD = '/usr/bin/s3cmd';

const has = { aws: existsSync(AWS), s3cmd: existsSync(S3CMD) };
const skip = (tool: keyof typeof has) => !has[tool] && !REQUIRE;
const expectInstalled = (tool: keyof typeof has) => expect(has[tool], `CAIRN_REQUIRE_CLIENTS=1 but /usr/bin/${tool} is missing`).toBe(true);

const proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'warn');
let work = '';

function withServer(name: string): void {
  beforeAll(async () => {
    const dataDir = join(work, `data-${name}`);
    mkdirSync(dataDir);
    await proc.start(dataDir);
  }, 60_000);
  afterAll(() => proc.stop(), 30_000);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cairn-tlclients-'));
  mkdirSync(join(work, 'home'));
});
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

function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Ran> {
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: join(work, 'home'),
    TMPDIR: work,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ...extraEnv,
  };
  const line = `$ ${[cmd, ...args].join(' ')}`;
  return new Promise((res) => {
    execFile(cmd, args, { env, cwd: work, timeout: 90_000, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      res({ line, code: err ? ((err as NodeJS.ErrnoException).code ?? 'error') : 0, stdout, stderr });
    });
  });
}

const story = (r: Ran) => [r.line, `exit: ${r.code}`, `stdout:\n${r.stdout}`, `stderr:\n${r.stderr}`, `server log (tail):\n${proc.tail()}`].join('\n');
function ok(r: Ran): Ran {
  expect(r.code, story(r)).toBe(0);
  return r;
}

describe.skipIf(skip('aws'))('aws-cli s3api: object tagging and lifecycle (Debian awscli)', () => {
  withServer('awscli');
  const bucket = 'cairn-tag-lifecycle';
  let dir = '';
  const aws = (...args: string[]) =>
    run(AWS, ['--endpoint-url', proc.endpoint, '--no-cli-pager', '--output', 'json', ...args], {
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_MAX_ATTEMPTS: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    });

  beforeAll(() => {
    dir = join(work, 'awscli');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config'), '');
    writeFileSync(join(dir, 'credentials'), '');
    writeFileSync(join(dir, 'body.txt'), 'tagged by aws-cli\n');
  });

  it('is installed', () => expectInstalled('aws'));

  it(
    'put-object --tagging, put-object-tagging, get-object-tagging, delete-object-tagging',
    async () => {
      ok(await aws('s3api', 'create-bucket', '--bucket', bucket));
      ok(await aws('s3api', 'put-object', '--bucket', bucket, '--key', 'doc.txt', '--body', join(dir, 'body.txt'), '--tagging', 'stage=draft&owner=me'));
      const first = JSON.parse(ok(await aws('s3api', 'get-object-tagging', '--bucket', bucket, '--key', 'doc.txt')).stdout) as { TagSet: unknown[] };
      expect(first.TagSet).toEqual([
        { Key: 'stage', Value: 'draft' },
        { Key: 'owner', Value: 'me' },
      ]);
      ok(
        await aws(
          's3api',
          'put-object-tagging',
          '--bucket',
          bucket,
          '--key',
          'doc.txt',
          '--tagging',
          'TagSet=[{Key=stage,Value=final},{Key=reviewed,Value=yes}]',
        ),
      );
      const got = await sdk().send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'doc.txt' }));
      expect(got.TagSet).toEqual([
        { Key: 'stage', Value: 'final' },
        { Key: 'reviewed', Value: 'yes' },
      ]);
      const head = JSON.parse(ok(await aws('s3api', 'head-object', '--bucket', bucket, '--key', 'doc.txt')).stdout) as Record<string, unknown>;
      expect(head.TagCount ?? 2).toBe(2);
      ok(await aws('s3api', 'delete-object-tagging', '--bucket', bucket, '--key', 'doc.txt'));
      expect((await sdk().send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'doc.txt' }))).TagSet).toEqual([]);
    },
    STEP_MS,
  );

  it(
    'put-bucket-lifecycle-configuration, get-bucket-lifecycle-configuration, delete-bucket-lifecycle',
    async () => {
      const cfg = {
        Rules: [
          { ID: 'expire-tmp', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 7 } },
          {
            ID: 'old-versions',
            Status: 'Enabled',
            Filter: {},
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
          },
        ],
      };
      writeFileSync(join(dir, 'lifecycle.json'), JSON.stringify(cfg));
      ok(await aws('s3api', 'put-bucket-lifecycle-configuration', '--bucket', bucket, '--lifecycle-configuration', `file://${join(dir, 'lifecycle.json')}`));
      const got = JSON.parse(ok(await aws('s3api', 'get-bucket-lifecycle-configuration', '--bucket', bucket)).stdout) as { Rules: unknown[] };
      expect(got.Rules).toEqual(cfg.Rules);
      const put = JSON.parse(ok(await aws('s3api', 'put-object', '--bucket', bucket, '--key', 'tmp/x', '--body', join(dir, 'body.txt'))).stdout) as {
        Expiration?: string;
      };
      expect(put.Expiration).toMatch(/rule-id="expire-tmp"/);
      ok(await aws('s3api', 'delete-bucket-lifecycle', '--bucket', bucket));
      const gone = await aws('s3api', 'get-bucket-lifecycle-configuration', '--bucket', bucket);
      expect(gone.code, story(gone)).not.toBe(0);
      expect(gone.stderr).toMatch(/NoSuchLifecycleConfiguration/);
    },
    STEP_MS,
  );
});

describe.skipIf(skip('s3cmd'))('s3cmd: expire, getlifecycle, dellifecycle (Debian s3cmd)', () => {
  withServer('s3cmd');
  const bucket = 'cairn-s3cmd-expire';
  let cfg = '';
  const s3cmd = (...args: string[]) => run(S3CMD, ['-c', cfg, '--no-progress', ...args]);

  beforeAll(() => {
    const dir = join(work, 's3cmd');
    mkdirSync(dir);
    cfg = join(dir, 's3cfg');
    const port = new URL(proc.endpoint).port;
    writeFileSync(
      cfg,
      [
        '[default]',
        `access_key = ${ACCESS_KEY}`,
        `secret_key = ${SECRET_KEY}`,
        `host_base = 127.0.0.1:${port}`,
        `host_bucket = 127.0.0.1:${port}`,
        'bucket_location = us-east-1',
        'use_https = False',
        'check_ssl_certificate = False',
        '',
      ].join('\n'),
    );
  });

  it('is installed', () => expectInstalled('s3cmd'));

  it(
    'expire --expiry-days sets a rule; --expiry-date too; getlifecycle shows it; dellifecycle removes it',
    async () => {
      ok(await s3cmd('mb', `s3://${bucket}`));
      ok(await s3cmd('expire', `s3://${bucket}`, '--expiry-days=3', '--expiry-prefix=logs/'));
      const rules = (await sdk().send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
      expect(rules).toHaveLength(1);
      expect(rules[0]!.Expiration?.Days).toBe(3);
      expect(rules[0]!.Filter?.Prefix ?? rules[0]!.Prefix).toBe('logs/');
      const shown = ok(await s3cmd('getlifecycle', `s3://${bucket}`));
      expect(shown.stdout, story(shown)).toMatch(/<Days>3<\/Days>/);
      ok(await s3cmd('expire', `s3://${bucket}`, '--expiry-date=2030-01-01T00:00:00.000Z'));
      const dated = (await sdk().send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
      expect(dated[0]!.Expiration?.Date?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
      ok(await s3cmd('dellifecycle', `s3://${bucket}`));
      const after = await s3cmd('getlifecycle', `s3://${bucket}`);
      expect(after.code, story(after)).not.toBe(0);
    },
    STEP_MS,
  );
});

/**
 * ACLs through real clients against the real server (`node dist/cli.js
 * serve`; build first): aws-cli s3api put-bucket-acl / get-bucket-acl /
 * put-object-acl / get-object-acl, s3cmd setacl --acl-public (which reads
 * the ACL and writes it back as an AccessControlPolicy body), and boto3
 * grants by e-mail address to a second account made with `cairn account
 * create`.
 *
 * A client that is not installed is skipped, unless CAIRN_REQUIRE_CLIENTS=1
 * (CI), where a missing client fails.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectAclCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairn } from '../helpers/cli.js';
import { CairnProcess } from './harness.js';

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const ACCESS_KEY = 'AKIACAIRNACLCLIENT01';
const SECRET_KEY = 'cairn-acl-clients-secret-key-0000000001';
const STEP_MS = 120_000;
const HERE = dirname(fileURLToPath(import.meta.url));

const AWS = '/usr/bin/aws';
const S3CMD = '/usr/bin/s3cmd';
const PYTHON = '/usr/bin/python3';
const BOTO3_ACL = join(HERE, 'boto3_acl.py');
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

const has = { aws: existsSync(AWS), s3cmd: existsSync(S3CMD), boto3: existsSync(PYTHON) };
const skip = (tool: keyof typeof has) => !has[tool] && !REQUIRE;
const expectInstalled = (tool: keyof typeof has) => expect(has[tool], `CAIRN_REQUIRE_CLIENTS=1 but ${tool} is missing`).toBe(true);

const proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'warn');
let work = '';
let dataDir = '';
/** A second account, with an e-mail address, made through the CLI. */
const other = { name: 'acl-other', email: 'acl-other@example.com', canonicalId: '', accessKey: '', secretKey: '' };
let adminId = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cairn-aclclients-'));
  mkdirSync(join(work, 'home'));
  dataDir = join(work, 'data');
  mkdirSync(dataDir);
  await proc.start(dataDir);
  const r = await cairn(dataDir, ['account', 'create', other.name, '--email', other.email]);
  expect(r.code, r.stderr).toBe(0);
  other.canonicalId = /canonical id: ([0-9a-f]{64})/.exec(r.stdout)![1]!;
  other.accessKey = /AWS_ACCESS_KEY_ID=(\S+)/.exec(r.stdout)![1]!;
  other.secretKey = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(r.stdout)![1]!;
  const list = await cairn(dataDir, ['account', 'list', '--json']);
  adminId = (JSON.parse(list.stdout) as Array<{ name: string; canonicalId: string }>).find((a) => a.name === 'admin')!.canonicalId;
}, 60_000);

afterAll(async () => {
  await proc.stop();
  if (work && process.env.CAIRN_KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
}, 30_000);

function sdk(): S3Client {
  return new S3Client({
    endpoint: proc.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
}

interface Ran {
  line: string;
  code: number | string | null;
  stdout: string;
  stderr: string;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: join(work, 'home'),
    TMPDIR: work,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ...extra,
  };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  const line = `$ ${[cmd, ...args].join(' ')}`;
  return new Promise((res) => {
    execFile(cmd, args, { env, cwd: work, timeout: 90_000, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      res({ line, code: err ? ((err as { code?: number | string }).code ?? 'error') : 0, stdout, stderr });
    });
  });
}

function ok(r: Ran): Ran {
  expect(r.code, [r.line, `stdout:\n${r.stdout}`, `stderr:\n${r.stderr}`, `server log:\n${proc.tail()}`].join('\n')).toBe(0);
  return r;
}

type GrantJson = { Grantee: { Type: string; ID?: string; URI?: string }; Permission: string };
const pairs = (grants: GrantJson[]) => grants.map((g) => [g.Grantee.URI ?? g.Grantee.ID, g.Permission]);

describe.skipIf(skip('aws'))('aws-cli s3api ACLs (Debian awscli)', () => {
  const bucket = 'cairn-acl-awscli';
  const env = (keys: { ak: string; sk: string } = { ak: ACCESS_KEY, sk: SECRET_KEY }) =>
    cleanEnv({
      AWS_ACCESS_KEY_ID: keys.ak,
      AWS_SECRET_ACCESS_KEY: keys.sk,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(work, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'aws-credentials'),
      AWS_MAX_ATTEMPTS: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    });
  const aws = (...args: string[]) => run(AWS, ['--endpoint-url', proc.endpoint, '--no-cli-pager', '--output', 'json', ...args], env());
  const awsAsOther = (...args: string[]) =>
    run(AWS, ['--endpoint-url', proc.endpoint, '--no-cli-pager', '--output', 'json', ...args], env({ ak: other.accessKey, sk: other.secretKey }));

  beforeAll(() => {
    writeFileSync(join(work, 'aws-config'), '');
    writeFileSync(join(work, 'aws-credentials'), '');
  });

  it('is installed', () => expectInstalled('aws'));

  it(
    'put-bucket-acl --acl public-read, get-bucket-acl; put-object-acl --grant-read, get-object-acl',
    async () => {
      ok(await aws('s3api', 'create-bucket', '--bucket', bucket));
      ok(await aws('s3api', 'put-bucket-acl', '--bucket', bucket, '--acl', 'public-read'));
      const b = JSON.parse(ok(await aws('s3api', 'get-bucket-acl', '--bucket', bucket)).stdout) as { Owner: { ID: string }; Grants: GrantJson[] };
      expect(b.Owner.ID).toBe(adminId);
      expect(pairs(b.Grants)).toEqual([
        [adminId, 'FULL_CONTROL'],
        [ALL_USERS, 'READ'],
      ]);

      writeFileSync(join(work, 'obj.txt'), 'hello');
      ok(await aws('s3api', 'put-object', '--bucket', bucket, '--key', 'obj.txt', '--body', join(work, 'obj.txt')));
      ok(
        await aws(
          's3api',
          'put-object-acl',
          '--bucket',
          bucket,
          '--key',
          'obj.txt',
          '--grant-read',
          `id=${other.canonicalId}`,
          '--grant-full-control',
          `id=${adminId}`,
        ),
      );
      const o = JSON.parse(ok(await aws('s3api', 'get-object-acl', '--bucket', bucket, '--key', 'obj.txt')).stdout) as { Grants: GrantJson[] };
      expect(pairs(o.Grants)).toEqual([
        [other.canonicalId, 'READ'],
        [adminId, 'FULL_CONTROL'],
      ]);
    },
    STEP_MS,
  );

  it(
    "README's worked example: a bucket shared with another account (BucketOwnerPreferred, grants by e-mail)",
    async () => {
      const shared = 'cairn-acl-shared';
      ok(await aws('s3api', 'create-bucket', '--bucket', shared, '--object-ownership', 'BucketOwnerPreferred'));
      ok(
        await aws(
          's3api',
          'put-bucket-acl',
          '--bucket',
          shared,
          '--grant-full-control',
          `id=${adminId}`,
          '--grant-read',
          `emailAddress=${other.email}`,
          '--grant-write',
          `emailAddress=${other.email}`,
        ),
      );
      const acl = JSON.parse(ok(await aws('s3api', 'get-bucket-acl', '--bucket', shared)).stdout) as { Grants: GrantJson[] };
      expect(pairs(acl.Grants)).toEqual([
        [other.canonicalId, 'READ'],
        [other.canonicalId, 'WRITE'],
        [adminId, 'FULL_CONTROL'],
      ]);
      writeFileSync(join(work, 'scan.pdf'), 'scanned');
      ok(await awsAsOther('s3', 'cp', join(work, 'scan.pdf'), `s3://${shared}/inbox/scan.pdf`, '--acl', 'bucket-owner-full-control'));
      expect(ok(await awsAsOther('s3', 'ls', `s3://${shared}/inbox/`)).stdout).toContain('scan.pdf');
      const list = JSON.parse(ok(await aws('s3api', 'list-objects-v2', '--bucket', shared, '--fetch-owner')).stdout) as {
        Contents: Array<{ Key: string; Owner: { ID: string } }>;
      };
      expect(list.Contents.map((c) => [c.Key, c.Owner.ID])).toEqual([['inbox/scan.pdf', adminId]]);
      // Without the grants, the other account is refused.
      ok(await aws('s3api', 'put-bucket-acl', '--bucket', shared, '--acl', 'private'));
      expect((await awsAsOther('s3', 'ls', `s3://${shared}/`)).code).not.toBe(0);
    },
    STEP_MS,
  );
});

describe.skipIf(skip('s3cmd'))('s3cmd setacl (Debian s3cmd)', () => {
  const bucket = 'cairn-acl-s3cmd';
  let cfg = '';
  const s3cmd = (...args: string[]) => run(S3CMD, ['-c', cfg, '--no-progress', ...args], cleanEnv());

  beforeAll(() => {
    cfg = join(work, 's3cfg');
    writeFileSync(
      cfg,
      [
        '[default]',
        `access_key = ${ACCESS_KEY}`,
        `secret_key = ${SECRET_KEY}`,
        `host_base = 127.0.0.1:${proc.port}`,
        `host_bucket = 127.0.0.1:${proc.port}`,
        'bucket_location = us-east-1',
        'use_https = False',
        'signature_v2 = False',
        '',
      ].join('\n'),
    );
  });

  it('is installed', () => expectInstalled('s3cmd'));

  it(
    'setacl --acl-public makes an object readable by AllUsers; --acl-private takes it back',
    async () => {
      ok(await s3cmd('mb', `s3://${bucket}`));
      writeFileSync(join(work, 's3cmd.txt'), 'public soon');
      ok(await s3cmd('put', join(work, 's3cmd.txt'), `s3://${bucket}/s3cmd.txt`));
      ok(await s3cmd('setacl', '--acl-public', `s3://${bucket}/s3cmd.txt`));
      const info = ok(await s3cmd('info', `s3://${bucket}/s3cmd.txt`));
      expect(info.stdout).toMatch(/ACL:\s+\*anon\*: READ/);
      const c = sdk();
      const acl = await c.send(new GetObjectAclCommand({ Bucket: bucket, Key: 's3cmd.txt' }));
      expect(acl.Grants!.some((g) => g.Grantee?.URI === ALL_USERS && g.Permission === 'READ')).toBe(true);
      ok(await s3cmd('setacl', '--acl-private', `s3://${bucket}/s3cmd.txt`));
      const after = await c.send(new GetObjectAclCommand({ Bucket: bucket, Key: 's3cmd.txt' }));
      expect(after.Grants!.some((g) => g.Grantee?.URI === ALL_USERS)).toBe(false);
      c.destroy();
    },
    STEP_MS,
  );
});

describe.skipIf(skip('boto3'))('boto3 ACL grants by e-mail (Debian python3-boto3)', () => {
  it('is installed', () => expectInstalled('boto3'));

  it(
    'grants READ by e-mail in headers and in an AccessControlPolicy; an unknown address is refused',
    async () => {
      const r = ok(await run(PYTHON, [BOTO3_ACL, proc.endpoint, ACCESS_KEY, SECRET_KEY, 'cairn-acl-boto3', other.email, other.canonicalId], cleanEnv()));
      const out = JSON.parse(r.stdout) as { bucketGrants: number };
      expect(out.bucketGrants).toBe(2);
    },
    STEP_MS,
  );
});

/**
 * IAM and STS through real clients against the real server.
 *
 * For each client, starts `node dist/cli.js serve` (build first: `npm run
 * build`) on a free port with a temp data dir, then tells the issue's story
 * through Debian's aws-cli (`aws iam …`, `aws sts …`, `aws s3 …`) and boto3
 * (boto3_iam_session.py): the admin creates a user `backup`, gives it a key,
 * an inline policy for one bucket and an AWS-managed policy; the new key then
 * writes the allowed bucket and is refused everywhere else; a role whose trust
 * policy names the user is assumed, and its session credentials are used
 * for S3. The clients reach IAM and STS on the S3 port with `--endpoint-url`
 * / `endpoint_url`: the server tells their requests from S3's by the SigV4
 * credential scope's service (`…/iam/aws4_request`), not by the Host.
 *
 * A failing step's message carries the command line, its output and the
 * server's last log lines (CAIRN_CLIENTS_LOG_LEVEL=debug for more;
 * CAIRN_KEEP_TMP=1 keeps the temp dir). A client that is not installed is
 * skipped, unless CAIRN_REQUIRE_CLIENTS=1 (CI), where a missing client fails.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnProcess } from './harness.js';
import { sleep } from '../helpers/s3.js';

const HERE = dirname(fileURLToPath(import.meta.url));

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const ACCESS_KEY = 'AKIACAIRNIAMCLIENTS1';
const SECRET_KEY = 'cairn-iam-clients-secret-key-00000000001';
const STEP_MS = 120_000;

// Debian's packages, by absolute path: another `aws` or `python3` (pyenv, pip) may come first on PATH.
const AWS = '/usr/bin/aws';
const PYTHON = '/usr/bin/python3';
const BOTO3_SCRIPT = join(HERE, 'boto3_iam_session.py');

const has = {
  aws: existsSync(AWS),
  boto3: existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0,
};
const INSTALL: Record<keyof typeof has, string> = {
  aws: `${AWS} (apt-get install awscli)`,
  boto3: `${PYTHON} with boto3 (apt-get install python3-boto3)`,
};
const skip = (tool: keyof typeof has) => !has[tool] && !REQUIRE;
function expectInstalled(tool: keyof typeof has): void {
  expect(has[tool], `CAIRN_REQUIRE_CLIENTS=1 but ${INSTALL[tool]} is missing`).toBe(true);
}

/** S3ReadAccess as the S4 reference gives it (one of the 20 AWS-managed policies). */
const S3_READ_ACCESS = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: ['s3:List*', 's3:Get*'], Resource: '*' } };

// ---------------------------------------------------------------- server

// Each block gets its own server (and data dir); blocks run one after another,
// so these describe the server of the block that is running.
let proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'info');
let endpoint = '';
let work = '';

/** A fresh server for the enclosing describe block, in `region`. */
function withServer(name: string, region = 'us-east-1'): void {
  beforeAll(async () => {
    const dataDir = join(work, `data-${name}`);
    mkdirSync(dataDir);
    proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'info', region);
    await proc.start(dataDir);
    endpoint = proc.endpoint;
  }, 60_000);
  afterAll(() => proc.stop(), 30_000);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cairn-iamclients-'));
  mkdirSync(join(work, 'home'));
});

afterAll(async () => {
  await proc.stop();
  if (work && process.env.CAIRN_KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
}, 30_000);

// ---------------------------------------------------------------- running clients

interface Ran {
  line: string;
  code: number | string | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: no AWS_*, CA bundle or proxy settings leak in from the caller. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: join(work, 'home'),
    TMPDIR: work,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PYTHONIOENCODING: 'utf-8',
    ...extra,
  };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<Ran> {
  const line = `$ ${[cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`;
  return new Promise((res) => {
    execFile(cmd, args, { env, cwd: work, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      let code: number | string | null = 0;
      if (err) {
        const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string };
        code = e.killed ? `killed after ${timeoutMs} ms (${e.signal})` : (e.code ?? e.signal ?? 'error');
      }
      res({ line, code, stdout, stderr });
    });
  });
}

const clip = (s: string, n = 6000) => (s.length > n ? `…${s.slice(-n)}` : s);

function story(r: Ran, note = ''): string {
  return [note, r.line, `exit: ${r.code}`, `stdout:\n${clip(r.stdout, 3000)}`, `stderr:\n${clip(r.stderr)}`, `server log (tail):\n${proc.tail()}`]
    .filter(Boolean)
    .join('\n');
}

function ok(r: Ran, note = ''): Ran {
  expect(r.code, story(r, note)).toBe(0);
  return r;
}

function failed(r: Ran, pattern: RegExp, note = ''): Ran {
  expect(r.code, story(r, note || 'expected this command to fail')).not.toBe(0);
  expect(r.stderr, story(r, note)).toMatch(pattern);
  return r;
}

/**
 * The statuses of the logged requests of IAM/STS action `op`, once at least `n` are logged (the server writes
 * its log line as the response goes out, so the line of a client's last request may arrive a moment later).
 */
async function statuses(op: string, n: number): Promise<Array<number | undefined>> {
  const deadline = Date.now() + 5_000;
  const of = () => proc.requests.filter((q) => q.op === op).map((q) => q.status);
  while (of().length < n && Date.now() < deadline) await sleep(50);
  return of();
}

function json(r: Ran): Record<string, any> {
  if (r.stdout.trim() === '') return {};
  try {
    return JSON.parse(r.stdout) as Record<string, any>;
  } catch {
    throw new Error(story(r, 'stdout is not JSON'));
  }
}

interface Creds {
  accessKey: string;
  secretKey: string;
  sessionToken?: string;
}

const ADMIN: Creds = { accessKey: ACCESS_KEY, secretKey: SECRET_KEY };

/** The SDK as the admin, to set up and read what the server holds independently of the client under test. */
function sdk(): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY } });
}

/** aws-cli with `creds` in the environment and its config files in `dir` (empty: nothing from ~/.aws). */
function awsCli(dir: () => string, region: string) {
  return (creds: Creds, ...args: string[]) =>
    run(
      AWS,
      ['--endpoint-url', endpoint, '--no-cli-pager', '--output', 'json', ...args],
      cleanEnv({
        AWS_ACCESS_KEY_ID: creds.accessKey,
        AWS_SECRET_ACCESS_KEY: creds.secretKey,
        ...(creds.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: creds.sessionToken }),
        AWS_DEFAULT_REGION: region,
        AWS_CONFIG_FILE: join(dir(), 'config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir(), 'credentials'),
        AWS_MAX_ATTEMPTS: '1',
        AWS_RETRY_MODE: 'standard',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
      }),
    );
}

function freshDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config'), '');
  writeFileSync(join(dir, 'credentials'), '');
  return dir;
}

// ---------------------------------------------------------------- aws-cli

describe.skipIf(skip('aws'))('aws-cli iam and sts, then aws s3 with the new key (Debian awscli)', () => {
  withServer('awscli');
  let dir = '';
  const aws = awsCli(() => dir, 'us-east-1');
  const allowed = 'backup-allowed';
  const other = 'backup-other';
  let account = '';
  let userId = '';
  let userArn = '';
  let userKey: Creds = { accessKey: '', secretKey: '' };
  let session: Creds = { accessKey: '', secretKey: '', sessionToken: '' };
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return `file://${join(dir, name)}`;
  };
  const onlyAllowed = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Objects', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: `arn:aws:s3:::${allowed}/*` },
      { Sid: 'Listing', Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${allowed}` },
    ],
  };

  beforeAll(async () => {
    dir = freshDir('awscli');
    writeFileSync(join(dir, 'hello.txt'), 'hello from the backup key\n');
    // The buckets, made through the SDK: this block is about aws-cli's iam and sts.
    const s3 = sdk();
    await s3.send(new CreateBucketCommand({ Bucket: allowed }));
    await s3.send(new CreateBucketCommand({ Bucket: other }));
    s3.destroy();
  });

  it('is installed', () => expectInstalled('aws'));

  it(
    'sts get-caller-identity as the admin: the admin account root',
    async () => {
      const r = ok(await aws(ADMIN, 'sts', 'get-caller-identity'));
      const id = json(r);
      expect(id.Account, story(r)).toMatch(/^\d{12}$/);
      account = id.Account;
      expect(id, story(r)).toEqual({ UserId: account, Account: account, Arn: `arn:aws:iam::${account}:root` });
    },
    STEP_MS,
  );

  it(
    'iam create-user; create-user again is EntityAlreadyExists; get-user of a missing user is NoSuchEntity',
    async () => {
      const r = ok(await aws(ADMIN, 'iam', 'create-user', '--user-name', 'backup'));
      const u = json(r).User;
      expect(u.UserName, story(r)).toBe('backup');
      expect(u.Path, story(r)).toBe('/');
      expect(u.UserId, story(r)).toMatch(/^AIDA[A-Z0-9]{17}$/);
      expect(u.Arn, story(r)).toBe(`arn:aws:iam::${account}:user/backup`);
      expect(Math.abs(Date.parse(u.CreateDate) - Date.now()), story(r, 'CreateDate is now')).toBeLessThan(120_000);
      userId = u.UserId;
      userArn = u.Arn;

      failed(await aws(ADMIN, 'iam', 'create-user', '--user-name', 'backup'), /EntityAlreadyExists/);
      failed(await aws(ADMIN, 'iam', 'get-user', '--user-name', 'nobody'), /NoSuchEntity/);
      // The server answered them as IAM actions (told apart from S3 by the credential scope), with AWS's statuses.
      expect(await statuses('CreateUser', 2)).toEqual([200, 409]);
      expect(await statuses('GetUser', 1)).toEqual([404]);
    },
    STEP_MS,
  );

  it(
    'iam create-access-key: an AKIA key and its secret; the new user has no permissions until a policy grants them',
    async () => {
      const r = ok(await aws(ADMIN, 'iam', 'create-access-key', '--user-name', 'backup'));
      const k = json(r).AccessKey;
      expect(k.UserName, story(r)).toBe('backup');
      expect(k.Status, story(r)).toBe('Active');
      expect(k.AccessKeyId, story(r)).toMatch(/^AKIA[A-Z0-9]{16}$/);
      expect(k.SecretAccessKey, story(r)).toMatch(/^[A-Za-z0-9+/]{40}$/);
      userKey = { accessKey: k.AccessKeyId, secretKey: k.SecretAccessKey };
      failed(await aws(userKey, 's3', 'ls', `s3://${allowed}`), /AccessDenied/);
    },
    STEP_MS,
  );

  it(
    'iam put-user-policy with file://, and get-user-policy gives the same document back',
    async () => {
      ok(
        await aws(
          ADMIN,
          'iam',
          'put-user-policy',
          '--user-name',
          'backup',
          '--policy-name',
          'one-bucket',
          '--policy-document',
          file('one-bucket.json', JSON.stringify(onlyAllowed, null, 2)),
        ),
      );
      // aws-cli URL-decodes the PolicyDocument and parses the JSON.
      const r = ok(await aws(ADMIN, 'iam', 'get-user-policy', '--user-name', 'backup', '--policy-name', 'one-bucket'));
      expect(json(r), story(r)).toEqual({ UserName: 'backup', PolicyName: 'one-bucket', PolicyDocument: onlyAllowed });
    },
    STEP_MS,
  );

  it(
    'iam attach-user-policy S3ReadAccess; list-attached-user-policies; get-policy and get-policy-version on the AWS-managed policy',
    async () => {
      const arn = 'arn:aws:iam::aws:policy/S3ReadAccess';
      ok(await aws(ADMIN, 'iam', 'attach-user-policy', '--user-name', 'backup', '--policy-arn', arn));
      const r = ok(await aws(ADMIN, 'iam', 'list-attached-user-policies', '--user-name', 'backup'));
      expect(json(r).AttachedPolicies, story(r)).toEqual([{ PolicyName: 'S3ReadAccess', PolicyArn: arn }]);
      const p = ok(await aws(ADMIN, 'iam', 'get-policy', '--policy-arn', arn));
      expect(json(p).Policy, story(p)).toMatchObject({
        PolicyName: 'S3ReadAccess',
        PolicyId: 'S3READACCESS',
        Arn: arn,
        DefaultVersionId: 'v1',
        AttachmentCount: 1,
        IsAttachable: true,
      });
      const v = ok(await aws(ADMIN, 'iam', 'get-policy-version', '--policy-arn', arn, '--version-id', 'v1'));
      expect(json(v).PolicyVersion, story(v)).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true, Document: S3_READ_ACCESS });
    },
    STEP_MS,
  );

  it(
    'iam attach-user-policy of an AWS-managed policy ARN that does not exist is NoSuchEntity, and attaches nothing',
    async () => {
      // AWS: 404 NoSuchEntity "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable."
      failed(await aws(ADMIN, 'iam', 'attach-user-policy', '--user-name', 'backup', '--policy-arn', 'arn:aws:iam::aws:policy/NoSuchPolicy'), /NoSuchEntity/);
      const r = ok(await aws(ADMIN, 'iam', 'list-attached-user-policies', '--user-name', 'backup'));
      expect(json(r).AttachedPolicies, story(r)).toEqual([{ PolicyName: 'S3ReadAccess', PolicyArn: 'arn:aws:iam::aws:policy/S3ReadAccess' }]);
    },
    STEP_MS,
  );

  it(
    'iam list-users, also a page at a time',
    async () => {
      ok(await aws(ADMIN, 'iam', 'create-user', '--user-name', 'photos', '--path', '/apps/'));
      const r = ok(await aws(ADMIN, 'iam', 'list-users'));
      const users = json(r).Users as Array<Record<string, unknown>>;
      expect(
        users.map((u) => [u.UserName, u.Path, u.Arn, u.UserId]),
        story(r),
      ).toEqual([
        ['backup', '/', userArn, userId],
        ['photos', '/apps/', `arn:aws:iam::${account}:user/apps/photos`, expect.stringMatching(/^AIDA/)],
      ]);
      // aws-cli pages with MaxItems/Marker itself: --page-size 1 makes one request per user.
      const paged = ok(await aws(ADMIN, 'iam', 'list-users', '--page-size', '1'));
      expect(
        (json(paged).Users as Array<Record<string, unknown>>).map((u) => u.UserName),
        story(paged),
      ).toEqual(['backup', 'photos']);
      expect(await statuses('ListUsers', 3)).toEqual([200, 200, 200]);
    },
    STEP_MS,
  );

  it(
    'sts get-caller-identity with the new key: the user',
    async () => {
      const r = ok(await aws(userKey, 'sts', 'get-caller-identity'));
      expect(json(r), story(r)).toEqual({ UserId: userId, Account: account, Arn: userArn });
      // No policy grants the user an iam: action.
      failed(await aws(userKey, 'iam', 'list-users'), /AccessDenied/);
    },
    STEP_MS,
  );

  it(
    'aws s3 with the new key: cp into the allowed bucket works, cp into another is AccessDenied and stores nothing, ls works',
    async () => {
      const src = join(dir, 'hello.txt');
      ok(await aws(userKey, 's3', 'cp', src, `s3://${allowed}/nightly/hello.txt`));
      failed(await aws(userKey, 's3', 'cp', src, `s3://${other}/nightly/hello.txt`), /AccessDenied/);
      const ls = ok(await aws(userKey, 's3', 'ls', `s3://${allowed}/nightly/`));
      expect(ls.stdout, story(ls)).toMatch(/\s26 hello\.txt$/m);
      // As the admin sees it: the allowed write is there, the denied one is not.
      const s3 = sdk();
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: allowed, Key: 'nightly/hello.txt' }));
        expect(head.ContentLength).toBe(26);
        const list = await s3.send(new ListObjectsV2Command({ Bucket: other }));
        expect(list.KeyCount).toBe(0);
      } finally {
        s3.destroy();
      }
    },
    STEP_MS,
  );

  it(
    'iam detach-user-policy takes effect on the next request',
    async () => {
      // S3ReadAccess lets the user list every bucket; the inline policy only one.
      ok(await aws(userKey, 's3', 'ls', `s3://${other}`));
      ok(await aws(ADMIN, 'iam', 'detach-user-policy', '--user-name', 'backup', '--policy-arn', 'arn:aws:iam::aws:policy/S3ReadAccess'));
      failed(await aws(userKey, 's3', 'ls', `s3://${other}`), /AccessDenied/);
    },
    STEP_MS,
  );

  it(
    'iam get-access-key-last-used shows the key was last used for s3',
    async () => {
      const r = ok(await aws(ADMIN, 'iam', 'get-access-key-last-used', '--access-key-id', userKey.accessKey));
      const u = json(r);
      expect(u.UserName, story(r)).toBe('backup');
      expect(u.AccessKeyLastUsed, story(r)).toMatchObject({ ServiceName: 's3', Region: 'us-east-1' });
      expect(Math.abs(Date.parse(u.AccessKeyLastUsed.LastUsedDate) - Date.now()), story(r)).toBeLessThan(120_000);
    },
    STEP_MS,
  );

  it(
    'sts assume-role for a role that trusts the user, then aws s3 ls with AWS_SESSION_TOKEN',
    async () => {
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: userArn }, Action: 'sts:AssumeRole' }] };
      const c = ok(
        await aws(ADMIN, 'iam', 'create-role', '--role-name', 'restore', '--assume-role-policy-document', file('trust.json', JSON.stringify(trust))),
      );
      const role = json(c).Role;
      expect(role.Arn, story(c)).toBe(`arn:aws:iam::${account}:role/restore`);
      expect(role.AssumeRolePolicyDocument, story(c)).toEqual(trust);
      const listOnly = { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${allowed}` } };
      ok(
        await aws(
          ADMIN,
          'iam',
          'put-role-policy',
          '--role-name',
          'restore',
          '--policy-name',
          'list',
          '--policy-document',
          file('list.json', JSON.stringify(listOnly)),
        ),
      );

      const r = ok(await aws(userKey, 'sts', 'assume-role', '--role-arn', role.Arn, '--role-session-name', 'nightly', '--duration-seconds', '900'));
      const out = json(r);
      expect(out.AssumedRoleUser, story(r)).toEqual({ AssumedRoleId: `${role.RoleId}:nightly`, Arn: `arn:aws:sts::${account}:assumed-role/restore/nightly` });
      const cr = out.Credentials;
      expect(cr.AccessKeyId, story(r)).toMatch(/^ASIA[A-Z0-9]{16}$/);
      const expires = Date.parse(cr.Expiration) - Date.now();
      expect(expires, story(r, 'Expiration is 900 s away')).toBeGreaterThan(800_000);
      expect(expires, story(r, 'Expiration is 900 s away')).toBeLessThan(1_000_000);
      session = { accessKey: cr.AccessKeyId, secretKey: cr.SecretAccessKey, sessionToken: cr.SessionToken };

      const who = ok(await aws(session, 'sts', 'get-caller-identity'));
      expect(json(who), story(who)).toEqual({
        UserId: `${role.RoleId}:nightly`,
        Account: account,
        Arn: `arn:aws:sts::${account}:assumed-role/restore/nightly`,
      });
      const ls = ok(await aws(session, 's3', 'ls', `s3://${allowed}/nightly/`));
      expect(ls.stdout, story(ls)).toMatch(/ hello\.txt$/m);
      // The session has the role's permissions, not the user's.
      failed(await aws(session, 's3', 'cp', join(dir, 'hello.txt'), `s3://${allowed}/from-role.txt`), /AccessDenied/);
    },
    STEP_MS,
  );

  it('the server never logged a secret or a session token', () => {
    const log = proc.log.join('\n');
    expect(log).toContain('CreateAccessKey');
    expect(log).not.toContain(userKey.secretKey);
    expect(log).not.toContain(session.secretKey);
    expect(log).not.toContain(session.sessionToken);
  });
});

// ---------------------------------------------------------------- aws-cli, another region

describe.skipIf(skip('aws'))('aws-cli iam and sts against a server in eu-west-1 (Debian awscli)', () => {
  withServer('awscli-region', 'eu-west-1');
  let dir = '';
  const aws = awsCli(() => dir, 'eu-west-1');
  beforeAll(() => {
    dir = freshDir('awscli-region');
  });

  it('is installed', () => expectInstalled('aws'));

  it(
    'with --endpoint-url, aws-cli signs IAM and STS for the configured region, and the server takes them',
    async () => {
      const r = ok(await aws(ADMIN, '--debug', 'iam', 'create-user', '--user-name', 'regional'));
      expect(r.stderr).toMatch(/Credential=AKIACAIRNIAMCLIENTS1\/\d{8}\/eu-west-1\/iam\/aws4_request/);
      expect(json(r).User.UserName, story(r)).toBe('regional');
      const s = ok(await aws(ADMIN, '--debug', 'sts', 'get-caller-identity'));
      expect(s.stderr).toMatch(/Credential=AKIACAIRNIAMCLIENTS1\/\d{8}\/eu-west-1\/sts\/aws4_request/);
      expect(json(s).Arn, story(s)).toMatch(/^arn:aws:iam::\d{12}:root$/);
    },
    STEP_MS,
  );
});

// ---------------------------------------------------------------- boto3

describe.skipIf(skip('boto3'))('boto3 iam and sts, then s3 with the new key (Debian python3-boto3)', () => {
  withServer('boto3');
  it('is installed', () => expectInstalled('boto3'));

  it(
    'runs the scripted session (boto3_iam_session.py)',
    async () => {
      const r = await run(PYTHON, [BOTO3_SCRIPT, endpoint, ACCESS_KEY, SECRET_KEY], cleanEnv(), 110_000);
      ok(r);
      const last = r.stdout.trim().split('\n').pop() ?? '';
      let summary: { steps?: string[]; secrets?: string[] } = {};
      try {
        summary = JSON.parse(last);
      } catch {
        throw new Error(story(r, 'no JSON summary on stdout'));
      }
      expect(summary.steps, story(r)).toEqual([
        'admin_caller_identity',
        'create_user',
        'create_user_errors',
        'create_access_key',
        'put_get_user_policy',
        'attach_user_policy',
        'get_policy_version',
        'list_users_paging',
        'user_caller_identity',
        's3_allowed_and_denied',
        'detach_user_policy',
        'group_and_customer_policy',
        'update_access_key',
        'delete_user_conflict',
        'assume_role',
        'assume_role_session_policy',
        'get_session_token',
        'forged_session_token',
      ]);
      const log = proc.log.join('\n');
      for (const s of summary.secrets ?? []) expect(log, 'a secret or session token in the server log').not.toContain(s);
      expect(summary.secrets?.length).toBe(5);
    },
    STEP_MS,
  );
});

/**
 * File names from every Unicode plane through real clients against the real
 * server: aws-cli, boto3, s3cmd and rclone must see the exact names (in
 * listings with and without encoding-type=url, in DeleteObjects results, in
 * multipart uploads) and leave no multipart upload open.
 *
 * Characters outside the BMP were once written as character references to
 * UTF-16 surrogates (&#xD83D;&#xDE00;), which is not XML: aws-cli left an
 * open upload behind, boto3 delete_objects raised, s3cmd crashed on ls,
 * rclone garbled the names and could not delete them.
 *
 * For each client, starts `node dist/cli.js serve` (build first: `npm run
 * build`) on a free port with a temp data dir. A client that is not
 * installed is skipped, unless CAIRN_REQUIRE_CLIENTS=1 (CI). A failing step's
 * message carries the command, its output and the server's last log lines.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnProcess } from './harness.js';

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const ACCESS_KEY = 'AKIACAIRNUNICODE0001';
const SECRET_KEY = 'cairn-unicode-secret-key-000000000000001';
const STEP_MS = 120_000;
const MiB = 1024 * 1024;

// Debian's packages, by absolute path: another `aws` or `python3` may come first on PATH.
const AWS = '/usr/bin/aws';
const PYTHON = '/usr/bin/python3';
const S3CMD = '/usr/bin/s3cmd';
const RCLONE = '/usr/bin/rclone';

const has = {
  aws: existsSync(AWS),
  boto3: existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0,
  s3cmd: existsSync(S3CMD),
  rclone: existsSync(RCLONE),
};
const INSTALL: Record<keyof typeof has, string> = {
  aws: `${AWS} (apt-get install awscli)`,
  boto3: `${PYTHON} with boto3 (apt-get install python3-boto3)`,
  s3cmd: `${S3CMD} (apt-get install s3cmd)`,
  rclone: `${RCLONE} (apt-get install rclone)`,
};
const skip = (tool: keyof typeof has) => !has[tool] && !REQUIRE;
function expectInstalled(tool: keyof typeof has): void {
  expect(has[tool], `CAIRN_REQUIRE_CLIENTS=1 but ${INSTALL[tool]} is missing`).toBe(true);
}

/** One file name per kind of character (all valid file names on Linux). */
const NAMES = [
  'ascii plain.txt',
  'latin1 café ñ.txt',
  'cjk 中文 日本語.txt',
  'emoji 😀 grin 🎉.txt',
  'plane2 𠀀𪜀.txt',
  'tags \u{E0041}\u{E0042}.txt',
  'private \u{F0000} \u{10FFFD}.txt',
  'combining e\u0301 a\u0308.txt',
  'zwj 👩\u200d💻 👨\u200d👩\u200d👧.txt',
];
/** The large file: above every client's multipart threshold used here. */
const BIG = 'big 😀 𠀀 upload.bin';
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

// ---------------------------------------------------------------- server

const proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'info');
let endpoint = '';
let port = 0;
let work = '';

async function startServer(name: string): Promise<void> {
  const dataDir = join(work, `data-${name}`);
  mkdirSync(dataDir);
  await proc.start(dataDir);
  endpoint = proc.endpoint;
  port = proc.port;
}

function withServer(name: string): void {
  beforeAll(() => startServer(name), 60_000);
  afterAll(() => proc.stop(), 30_000);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cairn-uclients-'));
  mkdirSync(join(work, 'home'));
});

afterAll(async () => {
  await proc.stop();
  if (work && process.env.CAIRN_KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
}, 30_000);

/** The SDK, to read what the server holds independently of the client under test. */
function sdk(): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY } });
}

async function storedKeys(bucket: string, prefix = ''): Promise<string[]> {
  const c = sdk();
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const l = await c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(l.Contents ?? []).map((o) => o.Key!));
      token = l.IsTruncated ? l.NextContinuationToken : undefined;
    } while (token);
    return keys;
  } finally {
    c.destroy();
  }
}

async function expectNoOpenUploads(bucket: string): Promise<void> {
  const c = sdk();
  try {
    const u = await c.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(
      (u.Uploads ?? []).map((x) => x.Key),
      proc.tail(),
    ).toEqual([]);
  } finally {
    c.destroy();
  }
}

/**
 * The requests the server logged for `key` since request number `mark`, once a
 * CompleteMultipartUpload shows (log lines are written when a response closes,
 * and reach us a little later), or after 5 s.
 */
async function multipartOps(mark: number, key: string): Promise<{ parts: number; completed: number; failed: string[] }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const mine = proc.requests.slice(mark).filter((q) => q.key === key);
    const out = {
      parts: mine.filter((q) => q.op === 'UploadPart' && q.status === 200).length,
      completed: mine.filter((q) => q.op === 'CompleteMultipartUpload' && q.status === 200).length,
      failed: mine.filter((q) => (q.status ?? 0) >= 300).map((q) => `${q.op} ${q.status}`),
    };
    if (out.completed > 0 || Date.now() > deadline) return out;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------- running clients

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

/** Writes every small file (its content names it) and the big one into `dir`; returns name -> bytes. */
function writeTree(dir: string, bigSize: number): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  mkdirSync(dir, { recursive: true });
  for (const n of NAMES) {
    const b = Buffer.from(`content of ${n}\n`, 'utf8');
    writeFileSync(join(dir, n), b);
    files.set(n, b);
  }
  const big = randomBytes(bigSize);
  writeFileSync(join(dir, BIG), big);
  files.set(BIG, big);
  return files;
}

function expectSameFile(path: string, want: Buffer, what: string): void {
  expect(existsSync(path), `${what}: ${path} was not written\n${proc.tail()}`).toBe(true);
  expect(readFileSync(path).equals(want), `${what}: bytes differ`).toBe(true);
}

const ALL_NAMES = [...NAMES, BIG];

// ---------------------------------------------------------------- aws-cli

describe.skipIf(skip('aws'))('aws-cli (Debian awscli) with non-BMP names', () => {
  withServer('awscli');
  const bucket = 'uni-awscli';
  let dir = '';
  let files = new Map<string, Buffer>();
  const env = () =>
    cleanEnv({
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_MAX_ATTEMPTS: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    });
  const aws = (...args: string[]) => run(AWS, ['--endpoint-url', endpoint, '--no-cli-pager', ...args], env());

  beforeAll(() => {
    dir = join(work, 'awscli');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config'), '');
    writeFileSync(join(dir, 'credentials'), '');
    files = writeTree(join(dir, 'up'), 9 * MiB + 321);
  });

  it('is installed', () => expectInstalled('aws'));

  it(
    's3 cp of a 9 MiB file with an emoji in its name is a multipart upload that completes; nothing is left open',
    async () => {
      ok(await aws('s3', 'mb', `s3://${bucket}`));
      const mark = proc.requests.length;
      const r = ok(await aws('s3', 'cp', join(dir, 'up', BIG), `s3://${bucket}/${BIG}`));
      expect(r.stdout, story(r)).toContain('upload:');
      const seen = await multipartOps(mark, BIG);
      expect(seen, proc.tail()).toEqual({ parts: 2, completed: 1, failed: [] });
      expect(await storedKeys(bucket)).toEqual([BIG]);
      await expectNoOpenUploads(bucket);
      ok(await aws('s3', 'cp', `s3://${bucket}/${BIG}`, join(dir, 'down', BIG)));
      expectSameFile(join(dir, 'down', BIG), files.get(BIG)!, BIG);
    },
    STEP_MS,
  );

  it(
    's3 cp --recursive uploads every name; s3 ls and s3api list-objects-v2 (its own url encoding, and one the caller asks for) show them exactly; copy-object',
    async () => {
      ok(await aws('s3', 'cp', '--recursive', join(dir, 'up'), `s3://${bucket}/tree/`));
      expect(await storedKeys(bucket, 'tree/')).toEqual(ALL_NAMES.map((n) => `tree/${n}`).sort(byUtf8));
      const ls = ok(await aws('s3', 'ls', '--recursive', `s3://${bucket}/tree/`));
      const listed = ls.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => /^\S+ \S+\s+\d+ (.*)$/.exec(l)?.[1] ?? l);
      expect(listed.sort(byUtf8), story(ls)).toEqual(ALL_NAMES.map((n) => `tree/${n}`).sort(byUtf8));
      // s3api asks for encoding-type=url and decodes it; asked for by the caller, the keys come back encoded as sent.
      const l = ok(await aws('s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', 'tree/', '--query', 'Contents[].Key', '--output', 'json'));
      expect((JSON.parse(l.stdout) as string[]).sort(byUtf8), story(l)).toEqual(ALL_NAMES.map((n) => `tree/${n}`).sort(byUtf8));
      const e = ok(
        await aws(
          's3api',
          'list-objects-v2',
          '--bucket',
          bucket,
          '--prefix',
          'tree/',
          '--encoding-type',
          'url',
          '--query',
          'Contents[].Key',
          '--output',
          'json',
        ),
      );
      const encoded = JSON.parse(e.stdout) as string[];
      for (const k of encoded) expect(k, story(e)).toMatch(/^[A-Za-z0-9%+._~\-/]*$/);
      expect(encoded.map((k) => decodeURIComponent(k.replace(/\+/g, ' '))).sort(byUtf8), story(e)).toEqual(ALL_NAMES.map((n) => `tree/${n}`).sort(byUtf8));
      // The multipart upload listing, and a CopyObject between two such names.
      ok(await aws('s3api', 'copy-object', '--bucket', bucket, '--key', `copy/${NAMES[4]}`, '--copy-source', `${bucket}/tree/${NAMES[4]}`));
      ok(await aws('s3', 'cp', `s3://${bucket}/copy/${NAMES[4]}`, join(dir, 'copied')));
      expectSameFile(join(dir, 'copied'), files.get(NAMES[4]!)!, 'copy');
      ok(await aws('s3', 'rm', `s3://${bucket}/copy/${NAMES[4]}`));
      ok(await aws('s3', 'cp', '--recursive', `s3://${bucket}/tree/`, join(dir, 'back')));
      for (const [n, b] of files) expectSameFile(join(dir, 'back', n), b, n);
      await expectNoOpenUploads(bucket);
    },
    STEP_MS,
  );

  it(
    's3 rm removes each name, one and recursively (DeleteObject, DeleteObjects)',
    async () => {
      const one = ok(await aws('s3', 'rm', `s3://${bucket}/${BIG}`));
      expect(one.stdout, story(one)).toContain(`delete: s3://${bucket}/${BIG}`);
      const all = ok(await aws('s3', 'rm', '--recursive', `s3://${bucket}/tree/`));
      for (const n of ALL_NAMES) expect(all.stdout, story(all)).toContain(`delete: s3://${bucket}/tree/${n}`);
      expect(await storedKeys(bucket)).toEqual([]);
      await expectNoOpenUploads(bucket);
    },
    STEP_MS,
  );
});

// ---------------------------------------------------------------- boto3

const BOTO3_SCRIPT = String.raw`
import json, sys
import boto3
from botocore.config import Config
from botocore.handlers import set_list_objects_encoding_type_url

endpoint, ak, sk, bucket, names_path = sys.argv[1:6]
names = json.load(open(names_path, encoding="utf-8"))
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ak, aws_secret_access_key=sk, region_name="us-east-1",
                  config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1, "mode": "standard"}))
out = {}
s3.create_bucket(Bucket=bucket)
for n in names:
    s3.put_object(Bucket=bucket, Key=n, Body=("content of " + n).encode("utf-8"))
out["get"] = [s3.get_object(Bucket=bucket, Key=n)["Body"].read().decode("utf-8") == "content of " + n for n in names]
# botocore asks for encoding-type=url and decodes it; then the same listing without it (the raw XML path).
out["listed_url"] = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
plain = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ak, aws_secret_access_key=sk, region_name="us-east-1",
                     config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1, "mode": "standard"}))
plain.meta.events.unregister("before-parameter-build.s3.ListObjectsV2", set_list_objects_encoding_type_url)
out["listed_plain"] = [o["Key"] for o in plain.list_objects_v2(Bucket=bucket)["Contents"]]
out["versions"] = [o["Key"] for o in s3.list_object_versions(Bucket=bucket).get("Versions", [])]
# Multipart with a non-BMP key: create, list, parts, complete.
mp = "mp " + names[3]
up = s3.create_multipart_upload(Bucket=bucket, Key=mp)
out["mp_create_key"] = up["Key"]
out["mp_listed"] = [u["Key"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
etag = s3.upload_part(Bucket=bucket, Key=mp, UploadId=up["UploadId"], PartNumber=1, Body=b"part")["ETag"]
out["mp_parts_key"] = s3.list_parts(Bucket=bucket, Key=mp, UploadId=up["UploadId"])["Key"]
done = s3.complete_multipart_upload(Bucket=bucket, Key=mp, UploadId=up["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
out["mp_complete_key"] = done["Key"]
out["open_uploads"] = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
# DeleteObjects: Deleted and Error entries.
errs = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": n, "VersionId": "bogus"} for n in names]})
out["delete_errors"] = [[e["Key"], e["Code"]] for e in errs.get("Errors", [])]
res = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": n} for n in names + [mp]]})
out["deleted"] = [d["Key"] for d in res.get("Deleted", [])]
out["delete_failed"] = res.get("Errors", [])
out["left"] = s3.list_objects_v2(Bucket=bucket).get("KeyCount")
try:
    s3.get_object(Bucket=bucket, Key="missing " + names[3])
except s3.exceptions.NoSuchKey as e:
    out["missing_key"] = e.response["Error"].get("Key")
print(json.dumps(out))
`;

describe.skipIf(skip('boto3'))('boto3 (Debian python3-boto3) with non-BMP keys', () => {
  withServer('boto3');
  it('is installed', () => expectInstalled('boto3'));

  it(
    'put_object, list_objects_v2 (with and without url encoding), multipart, delete_objects: exact keys',
    async () => {
      const dir = join(work, 'boto3');
      mkdirSync(dir);
      writeFileSync(join(dir, 'script.py'), BOTO3_SCRIPT);
      writeFileSync(join(dir, 'names.json'), JSON.stringify(NAMES));
      const r = ok(await run(PYTHON, [join(dir, 'script.py'), endpoint, ACCESS_KEY, SECRET_KEY, 'uni-boto3', join(dir, 'names.json')], cleanEnv(), 110_000));
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      const sorted = [...NAMES].sort(byUtf8);
      expect(out.get, story(r)).toEqual(NAMES.map(() => true));
      expect(out.listed_url, story(r)).toEqual(sorted);
      expect(out.listed_plain, story(r)).toEqual(sorted);
      expect(out.versions, story(r)).toEqual(sorted);
      const mp = `mp ${NAMES[3]}`;
      expect([out.mp_create_key, out.mp_listed, out.mp_parts_key, out.mp_complete_key], story(r)).toEqual([mp, [mp], mp, mp]);
      expect(out.open_uploads, story(r)).toEqual([]);
      expect(out.delete_errors, story(r)).toEqual(NAMES.map((n) => [n, 'NoSuchVersion']));
      expect(out.deleted, story(r)).toEqual([...NAMES, mp]);
      expect(out.delete_failed, story(r)).toEqual([]);
      expect(out.left, story(r)).toBe(0);
      expect(out.missing_key, story(r)).toBe(`missing ${NAMES[3]}`);
      await expectNoOpenUploads('uni-boto3');
    },
    STEP_MS,
  );
});

// ---------------------------------------------------------------- s3cmd

describe.skipIf(skip('s3cmd'))('s3cmd (Debian s3cmd) with non-BMP names', () => {
  withServer('s3cmd');
  const bucket = 'uni-s3cmd';
  let dir = '';
  let cfg = '';
  let files = new Map<string, Buffer>();
  const s3cmd = (...args: string[]) => run(S3CMD, ['-c', cfg, '--no-progress', ...args], cleanEnv());
  const url = (k = '') => `s3://${bucket}/${k}`;

  beforeAll(() => {
    dir = join(work, 's3cmd');
    mkdirSync(dir);
    cfg = join(dir, 's3cfg');
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
        'signature_v2 = False',
        '',
      ].join('\n'),
    );
    files = writeTree(join(dir, 'up'), 6 * MiB + 77);
  });

  it('is installed', () => expectInstalled('s3cmd'));

  it(
    'put (the big file in 5 MiB parts), ls, du, get, del: exact names, nothing left open',
    async () => {
      ok(await s3cmd('mb', url()));
      for (const n of NAMES) ok(await s3cmd('put', join(dir, 'up', n), url(`d/${n}`)));
      const mark = proc.requests.length;
      ok(await s3cmd('put', '--multipart-chunk-size-mb=5', join(dir, 'up', BIG), url(`d/${BIG}`)));
      expect(await multipartOps(mark, `d/${BIG}`), proc.tail()).toEqual({ parts: 2, completed: 1, failed: [] });
      await expectNoOpenUploads(bucket);
      expect(await storedKeys(bucket)).toEqual(ALL_NAMES.map((n) => `d/${n}`).sort(byUtf8));

      const ls = ok(await s3cmd('ls', '-r', url()));
      const listed = ls.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(l.indexOf('s3://')));
      expect(listed.sort(byUtf8), story(ls)).toEqual(ALL_NAMES.map((n) => url(`d/${n}`)).sort(byUtf8));
      const du = ok(await s3cmd('du', url()));
      const total = [...files.values()].reduce((s, b) => s + b.length, 0);
      expect(du.stdout, story(du)).toMatch(new RegExp(`^\\s*${total}\\s+${ALL_NAMES.length} objects`, 'm'));

      for (const [n, b] of files) {
        ok(await s3cmd('get', '--force', url(`d/${n}`), join(dir, 'down', n)));
        expectSameFile(join(dir, 'down', n), b, n);
      }
      for (const n of NAMES.slice(0, 3)) ok(await s3cmd('del', url(`d/${n}`)));
      // The rest in one DeleteObjects batch.
      const rest = ok(await s3cmd('del', '--recursive', '--force', url('d/')));
      for (const n of ALL_NAMES.slice(3)) expect(rest.stdout, story(rest)).toContain(`delete: '${url(`d/${n}`)}'`);
      expect(await storedKeys(bucket)).toEqual([]);
      await expectNoOpenUploads(bucket);
    },
    STEP_MS * 2,
  );
});

// ---------------------------------------------------------------- rclone

describe.skipIf(skip('rclone'))('rclone (Debian rclone) with non-BMP names', () => {
  withServer('rclone');
  const bucket = 'uni-rclone';
  let dir = '';
  let cfg = '';
  let files = new Map<string, Buffer>();
  const rclone = (...args: string[]) =>
    run(RCLONE, ['--config', cfg, '--retries', '1', '--low-level-retries', '1', '--contimeout', '10s', '--timeout', '60s', ...args], cleanEnv());

  beforeAll(() => {
    dir = join(work, 'rclone');
    mkdirSync(dir);
    cfg = join(dir, 'rclone.conf');
    writeFileSync(
      cfg,
      [
        '[cairn]',
        'type = s3',
        'provider = Other',
        'env_auth = false',
        `access_key_id = ${ACCESS_KEY}`,
        `secret_access_key = ${SECRET_KEY}`,
        'region = us-east-1',
        `endpoint = ${endpoint}`,
        'force_path_style = true',
        '',
      ].join('\n'),
    );
    files = writeTree(join(dir, 'src'), 6 * MiB + 99);
  });

  it('is installed', () => expectInstalled('rclone'));

  it(
    'copy (the big file multipart), ls with and without url-encoded listings, copy back, delete: exact names',
    async () => {
      ok(await rclone('mkdir', `cairn:${bucket}`));
      ok(await rclone('copy', '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M', join(dir, 'src'), `cairn:${bucket}/t`));
      expect(await storedKeys(bucket)).toEqual(ALL_NAMES.map((n) => `t/${n}`).sort(byUtf8));
      await expectNoOpenUploads(bucket);
      for (const enc of ['true', 'false']) {
        const ls = ok(await rclone('ls', `--s3-list-url-encode=${enc}`, `cairn:${bucket}/t`));
        const seen = ls.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => /^\s*(\d+) (.*)$/.exec(l)!)
          .map((m) => [m[2], Number(m[1])] as const);
        expect(Object.fromEntries(seen), story(ls, `--s3-list-url-encode=${enc}`)).toEqual(Object.fromEntries([...files].map(([n, b]) => [n, b.length])));
      }
      const check = ok(await rclone('check', join(dir, 'src'), `cairn:${bucket}/t`));
      expect(check.stderr, story(check)).toMatch(/0 differences found/);
      ok(await rclone('copy', `cairn:${bucket}/t`, join(dir, 'back')));
      for (const [n, b] of files) expectSameFile(join(dir, 'back', n), b, n);
      ok(await rclone('delete', `cairn:${bucket}/t`));
      expect(await storedKeys(bucket)).toEqual([]);
      await expectNoOpenUploads(bucket);
    },
    STEP_MS * 2,
  );
});

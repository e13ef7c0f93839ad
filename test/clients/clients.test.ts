/**
 * Real S3 clients against the real server.
 *
 * For each client, starts `node dist/cli.js serve` (build first: `npm run
 * build`) on a free port with a temp data dir, then drives a scripted session
 * through Debian's aws-cli, boto3, s3cmd (SigV4 and SigV2) and rclone.
 * A failing step's message carries the command line, its stdout/stderr and
 * the server's last log lines (CAIRN_CLIENTS_LOG_LEVEL=debug for more;
 * CAIRN_KEEP_TMP=1 keeps the temp dir).
 *
 * A client that is not installed is skipped, unless CAIRN_REQUIRE_CLIENTS=1
 * (CI), where a missing client fails. Install them with
 *   apt-get install -y --no-install-recommends awscli python3-boto3 s3cmd rclone
 *
 * Each client also makes a multipart upload (aws-cli `s3 cp` of 64 MB, rclone
 * above --s3-upload-cutoff, `s3cmd put --multipart-chunk-size-mb=5`, boto3
 * upload_file with a 5 MB multipart_threshold); the server's request log
 * (one JSON line per request, with its `op`) shows that the upload really
 * went through CreateMultipartUpload / UploadPart / CompleteMultipartUpload.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnProcess } from './harness.js';
import { md5, sleep } from '../helpers/s3.js';

const HERE = dirname(fileURLToPath(import.meta.url));

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const ACCESS_KEY = 'AKIACAIRNCLIENTS0001';
const SECRET_KEY = 'cairn-clients-secret-key-000000000000001';
const STEP_MS = 120_000;

// Debian's packages, by absolute path: another `aws` or `python3` (pyenv,
// pip) may come first on PATH.
const AWS = '/usr/bin/aws';
const PYTHON = '/usr/bin/python3';
const S3CMD = '/usr/bin/s3cmd';
const RCLONE = '/usr/bin/rclone';
const BOTO3_SCRIPT = join(HERE, 'boto3_session.py');

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
/** Skip a client's block when it is missing, unless CI requires every client. */
const skip = (tool: keyof typeof has) => !has[tool] && !REQUIRE;
function expectInstalled(tool: keyof typeof has): void {
  expect(has[tool], `CAIRN_REQUIRE_CLIENTS=1 but ${INSTALL[tool]} is missing`).toBe(true);
}

// ---------------------------------------------------------------- server

// Each client block gets its own server (and data dir), so a server crash in
// one block does not fail the others. Blocks run one after another, so these
// describe the server of the block that is running.
const proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'info');
let endpoint = '';
let port = 0;
let work = '';
/** Every request the running server logged: its operation, key and status. */
const requests = proc.requests;

function logTail(n = 40): string {
  return proc.tail(n);
}

async function startServer(name: string): Promise<void> {
  const dataDir = join(work, `data-${name}`);
  mkdirSync(dataDir);
  await proc.start(dataDir);
  endpoint = proc.endpoint;
  port = proc.port;
}

const stopServer = () => proc.stop();

/** A fresh server for the enclosing describe block. Call it first in the block. */
function withServer(name: string): void {
  beforeAll(() => startServer(name), 60_000);
  afterAll(() => stopServer(), 30_000);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cairn-clients-'));
  mkdirSync(join(work, 'home'));
});

afterAll(async () => {
  await stopServer();
  if (work && process.env.CAIRN_KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
}, 30_000);

// ---------------------------------------------------------------- running clients

interface Ran {
  line: string;
  code: number | string | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: no AWS_* or proxy settings leak in from the caller. */
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

/** What went on: the command, its output and the server's recent log lines. */
function story(r: Ran, note = ''): string {
  return [note, r.line, `exit: ${r.code}`, `stdout:\n${clip(r.stdout, 3000)}`, `stderr:\n${clip(r.stderr)}`, `server log (tail):\n${logTail()}`]
    .filter(Boolean)
    .join('\n');
}

function ok(r: Ran, note = ''): Ran {
  expect(r.code, story(r, note)).toBe(0);
  return r;
}

function failed(r: Ran, note = ''): Ran {
  expect(r.code, story(r, note || 'expected this command to fail')).not.toBe(0);
  return r;
}

function writeRandom(path: string, size: number): Buffer {
  mkdirSync(dirname(path), { recursive: true });
  const b = randomBytes(size);
  writeFileSync(path, b);
  return b;
}

function writeText(path: string, text: string): Buffer {
  mkdirSync(dirname(path), { recursive: true });
  const b = Buffer.from(text, 'utf8');
  writeFileSync(path, b);
  return b;
}

function expectSameFile(got: string, want: Buffer, what: string): void {
  expect(existsSync(got), `${what}: ${got} was not written`).toBe(true);
  const data = readFileSync(got);
  expect(data.length, `${what}: size`).toBe(want.length);
  expect(data.equals(want), `${what}: bytes differ`).toBe(true);
}

const MiB = 1024 * 1024;

/** The ETag S3 gives an object uploaded in `partSize` parts: MD5 of the part MD5s, then -N. */
function multipartEtag(data: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let i = 0; i < data.length; i += partSize)
    digests.push(
      createHash('md5')
        .update(data.subarray(i, i + partSize))
        .digest(),
    );
  return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}"`;
}

/**
 * The multipart requests the server logged for `key` since request number
 * `mark` (the log line is written when the response closes: wait for the
 * CompleteMultipartUpload to show).
 */
async function multipartRequests(mark: number, key: string): Promise<{ create: number; parts: number; complete: number; failed: string[] }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const mine = requests.slice(mark).filter((r) => r.key === key);
    const count = (op: string) => mine.filter((r) => r.op === op && r.status !== undefined && r.status < 300).length;
    const out = {
      create: count('CreateMultipartUpload'),
      parts: count('UploadPart'),
      complete: count('CompleteMultipartUpload'),
      failed: mine.filter((r) => (r.status ?? 0) >= 300).map((r) => `${r.op} ${r.status}`),
    };
    if (out.complete > 0 || Date.now() > deadline) return out;
    await sleep(50);
  }
}

// ---------------------------------------------------------------- aws-cli

describe.skipIf(skip('aws'))('aws-cli (Debian awscli)', () => {
  withServer('awscli');
  const bucket = 'cairn-awscli';
  const bigKey = 'dir/big.bin';
  const oddKey = 'dir/sub/spaced name+plus ünïcødé ✓.txt';
  const copyKey = 'copies/copy of ✓ + more.txt';
  let dir = '';
  let big: Buffer;
  let small: Buffer;
  const aws = (...args: string[]) => run(AWS, ['--endpoint-url', endpoint, '--no-cli-pager', ...args], env());
  const env = () =>
    cleanEnv({
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: SECRET_KEY,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
      AWS_MAX_ATTEMPTS: '1',
      AWS_RETRY_MODE: 'standard',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    });
  const json = (r: Ran) => {
    try {
      return JSON.parse(r.stdout) as Record<string, any>;
    } catch {
      throw new Error(story(r, 'stdout is not JSON'));
    }
  };

  beforeAll(() => {
    dir = join(work, 'awscli');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config'), '');
    writeFileSync(join(dir, 'credentials'), '');
    big = writeRandom(join(dir, 'up', 'big.bin'), 3 * 1024 * 1024 + 123);
    small = writeText(join(dir, 'up', 'small.txt'), 'hello from aws-cli: ünïcødé ✓\n');
  });

  it('is installed', () => expectInstalled('aws'));

  it(
    's3 mb creates the bucket and s3 ls lists it (CreateBucket, ListBuckets)',
    async () => {
      const r = ok(await aws('s3', 'mb', `s3://${bucket}`));
      expect(r.stdout, story(r)).toContain(`make_bucket: ${bucket}`);
      const ls = ok(await aws('s3', 'ls'));
      expect(ls.stdout, story(ls)).toMatch(new RegExp(`\\s${bucket}$`, 'm'));
    },
    STEP_MS,
  );

  it(
    's3 cp uploads a 3 MB file and a small file with spaces, + and unicode in its key (PutObject)',
    async () => {
      const r1 = ok(await aws('s3', 'cp', join(dir, 'up', 'big.bin'), `s3://${bucket}/${bigKey}`));
      expect(r1.stdout, story(r1)).toContain('upload:');
      const r2 = ok(await aws('s3', 'cp', join(dir, 'up', 'small.txt'), `s3://${bucket}/${oddKey}`));
      expect(r2.stdout, story(r2)).toContain('upload:');
    },
    STEP_MS,
  );

  it(
    's3 cp downloads both with the same bytes (GetObject)',
    async () => {
      ok(await aws('s3', 'cp', `s3://${bucket}/${bigKey}`, join(dir, 'down', 'big.bin')));
      expectSameFile(join(dir, 'down', 'big.bin'), big, 'big.bin');
      ok(await aws('s3', 'cp', `s3://${bucket}/${oddKey}`, join(dir, 'down', 'small.txt')));
      expectSameFile(join(dir, 'down', 'small.txt'), small, 'odd key');
    },
    STEP_MS,
  );

  it(
    's3 ls --recursive lists both keys with their sizes (ListObjectsV2)',
    async () => {
      const r = ok(await aws('s3', 'ls', '--recursive', `s3://${bucket}/`));
      const rows = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const m = /^\S+ \S+\s+(\d+) (.*)$/.exec(l);
          return m ? { size: Number(m[1]), key: m[2] } : { size: -1, key: l };
        });
      expect(rows, story(r)).toEqual([
        { size: big.length, key: bigKey },
        { size: small.length, key: oddKey },
      ]);
      // The CLI's paging with one key a page walks ContinuationToken.
      const paged = ok(await aws('s3api', 'list-objects-v2', '--bucket', bucket, '--page-size', '1', '--query', 'Contents[].Key'));
      expect(json(paged), story(paged)).toEqual([bigKey, oddKey]);
    },
    STEP_MS,
  );

  it(
    's3api list-objects-v2 --prefix --delimiter / returns contents and common prefixes',
    async () => {
      // --no-paginate: the CLI's own paging would merge pages and drop KeyCount.
      const r = ok(await aws('s3api', 'list-objects-v2', '--no-paginate', '--bucket', bucket, '--prefix', 'dir/', '--delimiter', '/'));
      const out = json(r);
      expect(
        (out.Contents ?? []).map((o: any) => [o.Key, o.Size, o.ETag]),
        story(r),
      ).toEqual([[bigKey, big.length, `"${md5(big)}"`]]);
      expect(out.CommonPrefixes, story(r)).toEqual([{ Prefix: 'dir/sub/' }]);
      expect(out.KeyCount, story(r)).toBe(2);
      expect(out.IsTruncated, story(r)).toBe(false);
      expect(out.EncodingType, story(r)).toBe('url');

      // One level down: the unicode key survives encoding-type=url both ways.
      const r2 = ok(await aws('s3api', 'list-objects-v2', '--no-paginate', '--bucket', bucket, '--prefix', 'dir/sub/', '--delimiter', '/'));
      const out2 = json(r2);
      expect(
        (out2.Contents ?? []).map((o: any) => o.Key),
        story(r2),
      ).toEqual([oddKey]);
      expect(out2.CommonPrefixes ?? [], story(r2)).toEqual([]);
    },
    STEP_MS,
  );

  it(
    's3api put-bucket-tagging / get-bucket-tagging / delete-bucket-tagging (PutBucketTagging, GetBucketTagging, DeleteBucketTagging)',
    async () => {
      const none = await aws('s3api', 'get-bucket-tagging', '--bucket', bucket);
      expect(none.code, story(none)).not.toBe(0);
      expect(none.stderr, story(none)).toContain('NoSuchTagSet');
      ok(await aws('s3api', 'put-bucket-tagging', '--bucket', bucket, '--tagging', 'TagSet=[{Key=project,Value=photos},{Key=owner,Value=ünïcødé 日本}]'));
      const r = ok(await aws('s3api', 'get-bucket-tagging', '--bucket', bucket));
      expect(json(r).TagSet, story(r)).toEqual([
        { Key: 'project', Value: 'photos' },
        { Key: 'owner', Value: 'ünïcødé 日本' },
      ]);
      const bad = await aws('s3api', 'put-bucket-tagging', '--bucket', bucket, '--tagging', 'TagSet=[{Key=aws:reserved,Value=x}]');
      expect(bad.stderr, story(bad)).toContain('InvalidTag');
      ok(await aws('s3api', 'delete-bucket-tagging', '--bucket', bucket));
      const gone = await aws('s3api', 'get-bucket-tagging', '--bucket', bucket);
      expect(gone.stderr, story(gone)).toContain('NoSuchTagSet');
    },
    STEP_MS,
  );

  it(
    's3api copy-object copies the odd key (CopyObject with an encoded x-amz-copy-source)',
    async () => {
      const r = ok(await aws('s3api', 'copy-object', '--bucket', bucket, '--key', copyKey, '--copy-source', `${bucket}/${oddKey}`));
      expect(json(r).CopyObjectResult?.ETag, story(r)).toBe(`"${md5(small)}"`);
      // s3 cp between two S3 URLs is a CopyObject too (after a HeadObject).
      const r2 = ok(await aws('s3', 'cp', `s3://${bucket}/${bigKey}`, `s3://${bucket}/copies/big copy.bin`));
      expect(r2.stdout, story(r2)).toContain('copy:');
    },
    STEP_MS,
  );

  it(
    's3api head-object reports the copy (HeadObject)',
    async () => {
      const r = ok(await aws('s3api', 'head-object', '--bucket', bucket, '--key', copyKey));
      const h = json(r);
      expect(h.ContentLength, story(r)).toBe(small.length);
      expect(h.ETag, story(r)).toBe(`"${md5(small)}"`);
      const r2 = ok(await aws('s3api', 'head-object', '--bucket', bucket, '--key', 'copies/big copy.bin'));
      expect(json(r2).ContentLength, story(r2)).toBe(big.length);
      ok(await aws('s3', 'cp', `s3://${bucket}/${copyKey}`, join(dir, 'down', 'copy.txt')));
      expectSameFile(join(dir, 'down', 'copy.txt'), small, 'copied object');
      // A missing key: HeadObject is a bare 404.
      const r3 = failed(await aws('s3api', 'head-object', '--bucket', bucket, '--key', 'nope/missing'));
      expect(r3.stderr, story(r3)).toMatch(/404|Not Found/);
    },
    STEP_MS,
  );

  it(
    's3 cp of a 64 MB file is a multipart upload in 8 MB parts: the ETag is -8, the download matches (CreateMultipartUpload, UploadPart, CompleteMultipartUpload)',
    async () => {
      const key = 'multi/sixty-four ü.bin';
      const data = writeRandom(join(dir, 'up', 'multi.bin'), 64 * MiB);
      const mark = requests.length;
      ok(await aws('s3', 'cp', join(dir, 'up', 'multi.bin'), `s3://${bucket}/${key}`));
      const seen = await multipartRequests(mark, key);
      expect(seen, logTail()).toEqual({ create: 1, parts: 8, complete: 1, failed: [] });
      const r = ok(await aws('s3api', 'head-object', '--bucket', bucket, '--key', key));
      const h = json(r);
      expect(h.ETag, story(r)).toMatch(/^"[0-9a-f]{32}-8"$/);
      expect(h.ETag, story(r)).toBe(multipartEtag(data, 8 * MiB));
      expect(h.ContentLength, story(r)).toBe(data.length);
      // One part by number: 206 with the part's bytes and the part count.
      const p2 = ok(await aws('s3api', 'get-object', '--bucket', bucket, '--key', key, '--part-number', '2', join(dir, 'down', 'part2.bin')));
      expect(json(p2).PartsCount, story(p2)).toBe(8);
      expect(json(p2).ContentRange, story(p2)).toBe(`bytes ${8 * MiB}-${16 * MiB - 1}/${data.length}`);
      expectSameFile(join(dir, 'down', 'part2.bin'), data.subarray(8 * MiB, 16 * MiB), 'part 2');
      // The CLI downloads a large object in parallel ranged GETs.
      ok(await aws('s3', 'cp', `s3://${bucket}/${key}`, join(dir, 'down', 'multi.bin')));
      expectSameFile(join(dir, 'down', 'multi.bin'), data, 'multipart object');
      const lu = ok(await aws('s3api', 'list-multipart-uploads', '--bucket', bucket));
      expect(lu.stdout.trim() === '' ? [] : (json(lu).Uploads ?? []), story(lu)).toEqual([]);
    },
    STEP_MS,
  );

  it(
    's3 rm deletes one key and then the rest recursively (DeleteObject)',
    async () => {
      const r = ok(await aws('s3', 'rm', `s3://${bucket}/${bigKey}`));
      expect(r.stdout, story(r)).toContain(`delete: s3://${bucket}/${bigKey}`);
      const r2 = ok(await aws('s3', 'rm', '--recursive', `s3://${bucket}/`));
      for (const k of [oddKey, copyKey, 'copies/big copy.bin', 'multi/sixty-four ü.bin']) expect(r2.stdout, story(r2)).toContain(`delete: s3://${bucket}/${k}`);
      const ls = ok(await aws('s3api', 'list-objects-v2', '--bucket', bucket));
      expect(ls.stdout.trim() === '' ? 0 : (json(ls).KeyCount ?? 0), story(ls)).toBe(0);
    },
    STEP_MS,
  );

  it(
    's3 rb removes the bucket; head-bucket is then 404 (DeleteBucket, HeadBucket)',
    async () => {
      const r = ok(await aws('s3', 'rb', `s3://${bucket}`));
      expect(r.stdout, story(r)).toContain(`remove_bucket: ${bucket}`);
      const r2 = failed(await aws('s3api', 'head-bucket', '--bucket', bucket));
      expect(r2.stderr, story(r2)).toMatch(/404|Not Found/);
    },
    STEP_MS,
  );
});

// ---------------------------------------------------------------- boto3

describe.skipIf(skip('boto3'))('boto3 (Debian python3-boto3)', () => {
  withServer('boto3');
  it('is installed', () => expectInstalled('boto3'));

  it(
    'runs the scripted session (boto3_session.py)',
    async () => {
      const mark = requests.length;
      const r = await run(PYTHON, [BOTO3_SCRIPT, endpoint, ACCESS_KEY, SECRET_KEY, 'cairn-boto3'], cleanEnv(), 110_000);
      // The script's parallel_get_object step guards against file descriptors mixed up between
      // concurrent reads (src/store/blobs.ts openRead once closed each fd twice: 500s, reset
      // connections and wrong bytes).
      ok(r);
      const last = r.stdout.trim().split('\n').pop() ?? '';
      let summary: { steps?: string[] } = {};
      try {
        summary = JSON.parse(last);
      } catch {
        throw new Error(story(r, 'no JSON summary on stdout'));
      }
      expect(summary.steps, story(r)).toEqual([
        'create_bucket',
        'put_get_object',
        'get_object_range',
        'parallel_get_object',
        'get_missing_key',
        'list_objects_v2_paging',
        'copy_object',
        'upload_file_multipart',
        'presigned_get_v4',
        'presigned_get_v2',
        'delete_objects',
        'delete_bucket',
      ]);
      // upload_file went up in parts: 12 MB at a 5 MB chunk size is 3.
      const seen = await multipartRequests(mark, 'multi/upload file ü.bin');
      expect(seen, story(r)).toEqual({ create: 1, parts: 3, complete: 1, failed: [] });
    },
    STEP_MS,
  );
});

// ---------------------------------------------------------------- s3cmd

for (const sigv2 of [false, true]) {
  describe.skipIf(skip('s3cmd'))(`s3cmd (Debian s3cmd, ${sigv2 ? 'SigV2' : 'SigV4'})`, () => {
    withServer(sigv2 ? 's3cmd-v2' : 's3cmd-v4');
    const bucket = sigv2 ? 'cairn-s3cmd-v2' : 'cairn-s3cmd-v4';
    const oddKey = 'data/file with space+plus (1).txt';
    let dir = '';
    let cfg = '';
    let big: Buffer;
    let small: Buffer;
    const s3cmd = (...args: string[]) => run(S3CMD, ['-c', cfg, '--no-progress', ...args], cleanEnv());
    const url = (k = '') => `s3://${bucket}/${k}`;

    beforeAll(() => {
      dir = join(work, `s3cmd-${sigv2 ? 'v2' : 'v4'}`);
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
          `signature_v2 = ${sigv2 ? 'True' : 'False'}`,
          '',
        ].join('\n'),
      );
      big = writeRandom(join(dir, 'up', 'big.bin'), 1024 * 1024 + 17);
      small = writeText(join(dir, 'up', 'small.txt'), `s3cmd ${sigv2 ? 'v2' : 'v4'} says hello\n`);
    });

    it('is installed', () => expectInstalled('s3cmd'));

    it(
      'mb creates the bucket (CreateBucket)',
      async () => {
        // --debug shows the Authorization header: make sure the scheme is the one under test.
        const r = ok(await s3cmd('--debug', 'mb', url()));
        expect(r.stdout, story(r)).toContain(`Bucket '${url()}' created`);
        expect(r.stderr, story(r, 'wrong signature scheme')).toContain(
          sigv2 ? `'Authorization': 'AWS ${ACCESS_KEY}:` : `'Authorization': 'AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/`,
        );
        const ls = ok(await s3cmd('ls'));
        expect(ls.stdout, story(ls)).toContain(url().replace(/\/$/, ''));
      },
      STEP_MS,
    );

    it(
      'put --disable-multipart uploads a 1 MB file and a key with spaces and + (PutObject)',
      async () => {
        ok(await s3cmd('put', '--disable-multipart', join(dir, 'up', 'big.bin'), url('data/big.bin')));
        ok(await s3cmd('put', '--disable-multipart', join(dir, 'up', 'small.txt'), url(oddKey)));
      },
      STEP_MS,
    );

    it(
      'get downloads both with the same bytes (GetObject)',
      async () => {
        ok(await s3cmd('get', '--force', url('data/big.bin'), join(dir, 'down', 'big.bin')));
        expectSameFile(join(dir, 'down', 'big.bin'), big, 'big.bin');
        ok(await s3cmd('get', '--force', url(oddKey), join(dir, 'down', 'small.txt')));
        expectSameFile(join(dir, 'down', 'small.txt'), small, 'odd key');
      },
      STEP_MS,
    );

    it(
      'ls -r lists both keys (ListObjects)',
      async () => {
        const r = ok(await s3cmd('ls', '-r', url()));
        const keys = r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.slice(l.indexOf('s3://')));
        expect(keys, story(r)).toEqual([url('data/big.bin'), url(oddKey)]);
      },
      STEP_MS,
    );

    it(
      'cp copies an object; info shows its MD5 (CopyObject, HeadObject)',
      async () => {
        ok(await s3cmd('cp', url(oddKey), url('data/copy of small.txt')));
        const r = ok(await s3cmd('info', url('data/copy of small.txt')));
        expect(r.stdout, story(r)).toContain(md5(small));
        ok(await s3cmd('get', '--force', url('data/copy of small.txt'), join(dir, 'down', 'copy.txt')));
        expectSameFile(join(dir, 'down', 'copy.txt'), small, 'copied object');
      },
      STEP_MS,
    );

    it(
      'put --multipart-chunk-size-mb=5 uploads a 12 MB file in 3 parts; get gives the same bytes (multipart upload)',
      async () => {
        const key = 'data/multi part.bin';
        const data = writeRandom(join(dir, 'up', 'multi.bin'), 12 * MiB);
        const mark = requests.length;
        const r = ok(await s3cmd('put', '--multipart-chunk-size-mb=5', join(dir, 'up', 'multi.bin'), url(key)));
        const seen = await multipartRequests(mark, key);
        expect(seen, story(r)).toEqual({ create: 1, parts: 3, complete: 1, failed: [] });
        ok(await s3cmd('get', '--force', url(key), join(dir, 'down', 'multi.bin')));
        expectSameFile(join(dir, 'down', 'multi.bin'), data, 'multipart object');
        // s3cmd keeps the whole file's MD5 in its own metadata and shows it with info.
        const info = ok(await s3cmd('info', url(key)));
        expect(info.stdout, story(info)).toContain(md5(data));
        expect(info.stdout, story(info)).toContain(`${12 * MiB}`);
      },
      STEP_MS,
    );

    it(
      'del removes keys (DeleteObject, DeleteObjects)',
      async () => {
        const r = ok(await s3cmd('del', url('data/big.bin')));
        expect(r.stdout, story(r)).toContain(`delete: '${url('data/big.bin')}'`);
        ok(await s3cmd('del', '--recursive', '--force', url()));
        const ls = ok(await s3cmd('ls', '-r', url()));
        expect(ls.stdout.trim(), story(ls)).toBe('');
      },
      STEP_MS,
    );

    it(
      'rb removes the bucket (DeleteBucket)',
      async () => {
        const r = ok(await s3cmd('rb', url()));
        expect(r.stdout, story(r)).toContain(`Bucket '${url()}' removed`);
        const ls = ok(await s3cmd('ls'));
        expect(ls.stdout, story(ls)).not.toContain(url().replace(/\/$/, ''));
      },
      STEP_MS,
    );
  });
}

// ---------------------------------------------------------------- rclone

describe.skipIf(skip('rclone'))('rclone (Debian rclone)', () => {
  withServer('rclone');
  const bucket = 'cairn-rclone';
  let dir = '';
  let cfg = '';
  const files: Record<string, Buffer> = {};
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
    const src = join(dir, 'src');
    files['a.txt'] = writeText(join(src, 'a.txt'), 'alpha\n');
    files['empty.txt'] = writeText(join(src, 'empty.txt'), '');
    files['nested/plus+sign.txt'] = writeText(join(src, 'nested', 'plus+sign.txt'), 'plus\n');
    files['nested/spaced name ü.txt'] = writeText(join(src, 'nested', 'spaced name ü.txt'), 'spaced ünïcødé\n');
    files['nested/deeper/b.bin'] = writeRandom(join(src, 'nested', 'deeper', 'b.bin'), 300 * 1024 + 5);
    // Above --s3-upload-cutoff: a multipart upload in 5 MiB chunks.
    files['big/forty.bin'] = writeRandom(join(src, 'big', 'forty.bin'), 40 * MiB + 1234);
  });

  it('is installed', () => expectInstalled('rclone'));

  it(
    'mkdir creates the bucket (CreateBucket)',
    async () => {
      ok(await rclone('mkdir', `cairn:${bucket}`));
      const r = ok(await rclone('lsd', 'cairn:'));
      expect(r.stdout, story(r)).toMatch(new RegExp(`\\s${bucket}$`, 'm'));
    },
    STEP_MS,
  );

  it(
    'copy uploads a tree with a 40 MB file (multipart above the cutoff), check finds no differences (PutObject, multipart, ListObjects)',
    async () => {
      const mark = requests.length;
      const c = ok(await rclone('copy', '--s3-upload-cutoff', '10M', '--s3-chunk-size', '5M', join(dir, 'src'), `cairn:${bucket}/tree`));
      const seen = await multipartRequests(mark, 'tree/big/forty.bin');
      expect(seen, story(c)).toEqual({ create: 1, parts: 9, complete: 1, failed: [] });
      // The small files went up as single PutObjects.
      expect(requests.slice(mark).filter((x) => x.op === 'PutObject' && (x.status ?? 0) < 300).length, story(c)).toBe(Object.keys(files).length - 1);
      const r = ok(await rclone('check', join(dir, 'src'), `cairn:${bucket}/tree`));
      expect(r.stderr, story(r)).toMatch(/0 differences found/);
      expect(r.stderr, story(r)).toMatch(new RegExp(`${Object.keys(files).length} matching files`));
    },
    STEP_MS,
  );

  it(
    'lsf -R lists the tree',
    async () => {
      const r = ok(await rclone('lsf', '-R', `cairn:${bucket}`));
      const got = r.stdout.split('\n').filter(Boolean).sort();
      const want = ['tree/', 'tree/big/', 'tree/nested/', 'tree/nested/deeper/', ...Object.keys(files).map((k) => `tree/${k}`)].sort();
      expect(got, story(r)).toEqual(want);
    },
    STEP_MS,
  );

  it(
    'copy back down gives the same bytes (GetObject)',
    async () => {
      // Parallel downloads (the 40 MB multipart object among them): concurrent reads must not
      // mix up file descriptors (src/store/blobs.ts openRead once closed each fd twice).
      ok(await rclone('copy', '--transfers', '8', `cairn:${bucket}/tree`, join(dir, 'back')));
      for (const [k, b] of Object.entries(files)) expectSameFile(join(dir, 'back', k), b, k);
    },
    STEP_MS,
  );

  it(
    'purge removes the objects and the bucket (DeleteObject(s), DeleteBucket)',
    async () => {
      ok(await rclone('purge', `cairn:${bucket}`));
      const r = ok(await rclone('lsd', 'cairn:'));
      expect(r.stdout, story(r)).not.toContain(bucket);
    },
    STEP_MS,
  );
});

/**
 * Versioning and Object Lock through real clients against the real server.
 *
 * For each client, starts `node dist/cli.js serve` (build first: `npm run
 * build`) on a free port with a temp data dir, then drives a scripted session
 * through Debian's aws-cli (s3api) and rclone (--s3-versions). A failing
 * step's message carries the command line, its output and the server's last
 * log lines (CAIRN_CLIENTS_LOG_LEVEL=info for more; CAIRN_KEEP_TMP=1 keeps
 * the temp dir).
 *
 * A client that is not installed is skipped, unless CAIRN_REQUIRE_CLIENTS=1
 * (CI), where a missing client fails.
 *
 * The server runs on the real clock, so retention here is only ever checked
 * while it is in force; expiry is covered by test/integration/object-lock.test.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnProcess } from './harness.js';

const REQUIRE = process.env.CAIRN_REQUIRE_CLIENTS === '1';
const ACCESS_KEY = 'AKIACAIRNVERSIONS001';
const SECRET_KEY = 'cairn-versions-secret-key-00000000000001';
const STEP_MS = 120_000;

// Debian's packages, by absolute path: another `aws` (pyenv, pip) may come first on PATH.
const AWS = '/usr/bin/aws';
const RCLONE = '/usr/bin/rclone';

const has = { aws: existsSync(AWS), rclone: existsSync(RCLONE) };
const INSTALL: Record<keyof typeof has, string> = {
  aws: `${AWS} (apt-get install awscli)`,
  rclone: `${RCLONE} (apt-get install rclone)`,
};
const skip = (tool: keyof typeof has) => !has[tool] && !REQUIRE;
function expectInstalled(tool: keyof typeof has): void {
  expect(has[tool], `CAIRN_REQUIRE_CLIENTS=1 but ${INSTALL[tool]} is missing`).toBe(true);
}

// ---------------------------------------------------------------- server

const proc = new CairnProcess(ACCESS_KEY, SECRET_KEY, 'warn');
let endpoint = '';
let work = '';

function logTail(n = 40): string {
  return proc.tail(n);
}

async function startServer(name: string): Promise<void> {
  const dataDir = join(work, `data-${name}`);
  mkdirSync(dataDir);
  await proc.start(dataDir);
  endpoint = proc.endpoint;
}

const stopServer = () => proc.stop();

/** A fresh server for the enclosing describe block. */
function withServer(name: string): void {
  beforeAll(() => startServer(name), 60_000);
  afterAll(() => stopServer(), 30_000);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cairn-vclients-'));
  mkdirSync(join(work, 'home'));
});

afterAll(async () => {
  await stopServer();
  if (work && process.env.CAIRN_KEEP_TMP !== '1') rmSync(work, { recursive: true, force: true });
}, 30_000);

/** The SDK, to read what the server holds independently of the client under test. */
function sdk(): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY } });
}

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
  return [note, r.line, `exit: ${r.code}`, `stdout:\n${clip(r.stdout, 3000)}`, `stderr:\n${clip(r.stderr)}`, `server log (tail):\n${logTail()}`]
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

function writeText(path: string, text: string): Buffer {
  mkdirSync(dirname(path), { recursive: true });
  const b = Buffer.from(text, 'utf8');
  writeFileSync(path, b);
  return b;
}

// ---------------------------------------------------------------- aws-cli

describe.skipIf(skip('aws'))('aws-cli s3api: versioning and Object Lock (Debian awscli)', () => {
  withServer('awscli');
  const bucket = 'cairn-versions';
  const lockBucket = 'cairn-object-lock';
  let dir = '';
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
  const aws = (...args: string[]) => run(AWS, ['--endpoint-url', endpoint, '--no-cli-pager', '--output', 'json', ...args], env());
  const json = (r: Ran): Record<string, any> => {
    if (r.stdout.trim() === '') return {};
    try {
      return JSON.parse(r.stdout) as Record<string, any>;
    } catch {
      throw new Error(story(r, 'stdout is not JSON'));
    }
  };
  const file = (name: string, text: string) => {
    writeText(join(dir, name), text);
    return join(dir, name);
  };
  const versions: Record<string, string> = {};

  beforeAll(() => {
    dir = join(work, 'awscli');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config'), '');
    writeFileSync(join(dir, 'credentials'), '');
  });

  it('is installed', () => expectInstalled('aws'));

  it(
    'get-bucket-versioning shows no Status until put-bucket-versioning sets one',
    async () => {
      ok(await aws('s3api', 'create-bucket', '--bucket', bucket));
      const before = ok(await aws('s3api', 'get-bucket-versioning', '--bucket', bucket));
      expect(json(before).Status, story(before)).toBeUndefined();
      ok(await aws('s3api', 'put-bucket-versioning', '--bucket', bucket, '--versioning-configuration', 'Status=Enabled'));
      const after = ok(await aws('s3api', 'get-bucket-versioning', '--bucket', bucket));
      expect(json(after).Status, story(after)).toBe('Enabled');
    },
    STEP_MS,
  );

  it(
    'put-object twice makes two versions; delete-object adds a delete marker; list-object-versions shows all three',
    async () => {
      const p1 = ok(await aws('s3api', 'put-object', '--bucket', bucket, '--key', 'doc.txt', '--body', file('v1.txt', 'version one\n')));
      const p2 = ok(await aws('s3api', 'put-object', '--bucket', bucket, '--key', 'doc.txt', '--body', file('v2.txt', 'version two, longer\n')));
      versions.v1 = json(p1).VersionId;
      versions.v2 = json(p2).VersionId;
      expect(versions.v1, story(p1)).toBeTruthy();
      expect(versions.v2, story(p2)).toBeTruthy();
      expect(versions.v2! > versions.v1!).toBe(true);
      const d = ok(await aws('s3api', 'delete-object', '--bucket', bucket, '--key', 'doc.txt'));
      expect(json(d).DeleteMarker, story(d)).toBe(true);
      versions.marker = json(d).VersionId;

      const l = ok(await aws('s3api', 'list-object-versions', '--bucket', bucket));
      const out = json(l);
      expect(
        out.Versions.map((v: any) => [v.Key, v.VersionId, v.IsLatest, v.Size]),
        story(l),
      ).toEqual([
        ['doc.txt', versions.v2, false, 20],
        ['doc.txt', versions.v1, false, 12],
      ]);
      expect(
        out.DeleteMarkers.map((v: any) => [v.Key, v.VersionId, v.IsLatest]),
        story(l),
      ).toEqual([['doc.txt', versions.marker, true]]);
      // The key is gone for a plain GET, but each version reads by id.
      failed(await aws('s3api', 'head-object', '--bucket', bucket, '--key', 'doc.txt'), /404|Not Found/);
      const g = ok(await aws('s3api', 'get-object', '--bucket', bucket, '--key', 'doc.txt', '--version-id', versions.v1!, join(dir, 'got-v1.txt')));
      expect(json(g).VersionId, story(g)).toBe(versions.v1);
      expect(readFileSync(join(dir, 'got-v1.txt'), 'utf8')).toBe('version one\n');
    },
    STEP_MS,
  );

  it(
    'list-object-versions pages with --page-size and filters with --prefix/--delimiter',
    async () => {
      for (let i = 0; i < 3; i++) ok(await aws('s3api', 'put-object', '--bucket', bucket, '--key', `dir/f${i}`, '--body', file(`f${i}.txt`, `file ${i}\n`)));
      ok(await aws('s3api', 'put-object', '--bucket', bucket, '--key', 'dir/f1', '--body', file('f1b.txt', 'file 1 again\n')));
      const full = json(ok(await aws('s3api', 'list-object-versions', '--bucket', bucket)));
      // Page size 1: the CLI follows NextKeyMarker/NextVersionIdMarker and merges the pages.
      const paged = ok(await aws('s3api', 'list-object-versions', '--bucket', bucket, '--page-size', '1'));
      expect(
        json(paged).Versions.map((v: any) => v.VersionId),
        story(paged),
      ).toEqual(full.Versions.map((v: any) => v.VersionId));
      expect(
        json(paged).DeleteMarkers.map((v: any) => v.VersionId),
        story(paged),
      ).toEqual(full.DeleteMarkers.map((v: any) => v.VersionId));
      expect(full.Versions.map((v: any) => v.Key)).toEqual(['dir/f0', 'dir/f1', 'dir/f1', 'dir/f2', 'doc.txt', 'doc.txt']);
      const top = ok(await aws('s3api', 'list-object-versions', '--bucket', bucket, '--delimiter', '/'));
      expect(json(top).CommonPrefixes, story(top)).toEqual([{ Prefix: 'dir/' }]);
      expect(
        json(top).Versions.map((v: any) => v.Key),
        story(top),
      ).toEqual(['doc.txt', 'doc.txt']);
      const pre = ok(await aws('s3api', 'list-object-versions', '--bucket', bucket, '--prefix', 'dir/f1'));
      expect(
        json(pre).Versions.map((v: any) => [v.Key, v.IsLatest]),
        story(pre),
      ).toEqual([
        ['dir/f1', true],
        ['dir/f1', false],
      ]);
    },
    STEP_MS,
  );

  it(
    'delete-object --version-id removes the marker, then a version: the previous version is current again',
    async () => {
      const dm = ok(await aws('s3api', 'delete-object', '--bucket', bucket, '--key', 'doc.txt', '--version-id', versions.marker!));
      expect(json(dm), story(dm)).toMatchObject({ DeleteMarker: true, VersionId: versions.marker });
      const h = ok(await aws('s3api', 'head-object', '--bucket', bucket, '--key', 'doc.txt'));
      expect(json(h).VersionId, story(h)).toBe(versions.v2);
      const dv = ok(await aws('s3api', 'delete-object', '--bucket', bucket, '--key', 'doc.txt', '--version-id', versions.v2!));
      expect(json(dv).VersionId, story(dv)).toBe(versions.v2);
      const h2 = ok(await aws('s3api', 'head-object', '--bucket', bucket, '--key', 'doc.txt'));
      expect(json(h2), story(h2)).toMatchObject({ VersionId: versions.v1, ContentLength: 12 });
      failed(await aws('s3api', 'get-object', '--bucket', bucket, '--key', 'doc.txt', '--version-id', versions.v2!, join(dir, 'nope')), /NoSuchVersion/);
      // A bucket with versions left cannot be deleted.
      failed(await aws('s3api', 'delete-bucket', '--bucket', bucket), /BucketNotEmpty/);
    },
    STEP_MS,
  );

  it(
    'Suspended: put-object writes the null version',
    async () => {
      ok(await aws('s3api', 'put-bucket-versioning', '--bucket', bucket, '--versioning-configuration', 'Status=Suspended'));
      expect(json(ok(await aws('s3api', 'get-bucket-versioning', '--bucket', bucket))).Status).toBe('Suspended');
      const p = ok(await aws('s3api', 'put-object', '--bucket', bucket, '--key', 'doc.txt', '--body', file('v3.txt', 'null version\n')));
      expect(json(p).VersionId, story(p)).toBe('null');
      ok(await aws('s3api', 'put-object', '--bucket', bucket, '--key', 'doc.txt', '--body', file('v4.txt', 'null again\n')));
      const l = ok(await aws('s3api', 'list-object-versions', '--bucket', bucket, '--prefix', 'doc.txt'));
      expect(
        json(l).Versions.map((v: any) => [v.VersionId, v.IsLatest]),
        story(l),
      ).toEqual([
        ['null', true],
        [versions.v1, false],
      ]);
      const g = ok(await aws('s3api', 'get-object', '--bucket', bucket, '--key', 'doc.txt', '--version-id', 'null', join(dir, 'got-null.txt')));
      expect(readFileSync(join(dir, 'got-null.txt'), 'utf8'), story(g)).toBe('null again\n');
    },
    STEP_MS,
  );

  it(
    'create-bucket --object-lock-enabled-for-bucket: versioning on, cannot be suspended',
    async () => {
      ok(await aws('s3api', 'create-bucket', '--bucket', lockBucket, '--object-lock-enabled-for-bucket'));
      expect(json(ok(await aws('s3api', 'get-bucket-versioning', '--bucket', lockBucket))).Status).toBe('Enabled');
      const cfg = ok(await aws('s3api', 'get-object-lock-configuration', '--bucket', lockBucket));
      expect(json(cfg).ObjectLockConfiguration, story(cfg)).toEqual({ ObjectLockEnabled: 'Enabled' });
      failed(await aws('s3api', 'put-bucket-versioning', '--bucket', lockBucket, '--versioning-configuration', 'Status=Suspended'), /InvalidBucketState/);
      failed(await aws('s3api', 'get-object-lock-configuration', '--bucket', bucket), /ObjectLockConfigurationNotFoundError/);
    },
    STEP_MS,
  );

  it(
    'put-object-retention / get-object-retention; GOVERNANCE blocks delete-object --version-id unless bypassed',
    async () => {
      const p = ok(await aws('s3api', 'put-object', '--bucket', lockBucket, '--key', 'gov.txt', '--body', file('gov.txt', 'governed\n')));
      const v = json(p).VersionId as string;
      const until = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000);
      const pr = ok(
        await aws(
          's3api',
          'put-object-retention',
          '--bucket',
          lockBucket,
          '--key',
          'gov.txt',
          '--version-id',
          v,
          '--retention',
          JSON.stringify({ Mode: 'GOVERNANCE', RetainUntilDate: until.toISOString() }),
        ),
      );
      const gr = ok(await aws('s3api', 'get-object-retention', '--bucket', lockBucket, '--key', 'gov.txt', '--version-id', v));
      expect(json(gr).Retention.Mode, story(gr, story(pr))).toBe('GOVERNANCE');
      expect(Date.parse(json(gr).Retention.RetainUntilDate), story(gr)).toBe(until.getTime());
      failed(await aws('s3api', 'delete-object', '--bucket', lockBucket, '--key', 'gov.txt', '--version-id', v), /AccessDenied/);
      // Shortening needs the bypass too.
      failed(
        await aws(
          's3api',
          'put-object-retention',
          '--bucket',
          lockBucket,
          '--key',
          'gov.txt',
          '--version-id',
          v,
          '--retention',
          JSON.stringify({ Mode: 'GOVERNANCE', RetainUntilDate: new Date(until.getTime() - 1_800_000).toISOString() }),
        ),
        /AccessDenied/,
      );
      // delete-object without a version id adds a delete marker.
      const dm = ok(await aws('s3api', 'delete-object', '--bucket', lockBucket, '--key', 'gov.txt'));
      expect(json(dm).DeleteMarker, story(dm)).toBe(true);
      const d = ok(await aws('s3api', 'delete-object', '--bucket', lockBucket, '--key', 'gov.txt', '--version-id', v, '--bypass-governance-retention'));
      expect(json(d).VersionId, story(d)).toBe(v);
    },
    STEP_MS,
  );

  it(
    'COMPLIANCE cannot be shortened or bypassed; put-object-legal-hold ON blocks deletion until OFF',
    async () => {
      const until = new Date(Math.floor(Date.now() / 1000) * 1000 + 7_200_000);
      const p = ok(
        await aws(
          's3api',
          'put-object',
          '--bucket',
          lockBucket,
          '--key',
          'comp.txt',
          '--body',
          file('comp.txt', 'compliant\n'),
          '--object-lock-mode',
          'COMPLIANCE',
          '--object-lock-retain-until-date',
          until.toISOString(),
        ),
      );
      const v = json(p).VersionId as string;
      const gr = ok(await aws('s3api', 'get-object-retention', '--bucket', lockBucket, '--key', 'comp.txt'));
      expect(json(gr).Retention.Mode, story(gr)).toBe('COMPLIANCE');
      failed(
        await aws(
          's3api',
          'put-object-retention',
          '--bucket',
          lockBucket,
          '--key',
          'comp.txt',
          '--version-id',
          v,
          '--bypass-governance-retention',
          '--retention',
          JSON.stringify({ Mode: 'COMPLIANCE', RetainUntilDate: new Date(until.getTime() - 3_600_000).toISOString() }),
        ),
        /AccessDenied/,
      );
      failed(
        await aws('s3api', 'delete-object', '--bucket', lockBucket, '--key', 'comp.txt', '--version-id', v, '--bypass-governance-retention'),
        /AccessDenied/,
      );

      const h = ok(await aws('s3api', 'put-object', '--bucket', lockBucket, '--key', 'held.txt', '--body', file('held.txt', 'held\n')));
      const hv = json(h).VersionId as string;
      ok(await aws('s3api', 'put-object-legal-hold', '--bucket', lockBucket, '--key', 'held.txt', '--version-id', hv, '--legal-hold', 'Status=ON'));
      const gh = ok(await aws('s3api', 'get-object-legal-hold', '--bucket', lockBucket, '--key', 'held.txt', '--version-id', hv));
      expect(json(gh).LegalHold, story(gh)).toEqual({ Status: 'ON' });
      failed(
        await aws('s3api', 'delete-object', '--bucket', lockBucket, '--key', 'held.txt', '--version-id', hv, '--bypass-governance-retention'),
        /AccessDenied/,
      );
      ok(await aws('s3api', 'put-object-legal-hold', '--bucket', lockBucket, '--key', 'held.txt', '--version-id', hv, '--legal-hold', 'Status=OFF'));
      ok(await aws('s3api', 'delete-object', '--bucket', lockBucket, '--key', 'held.txt', '--version-id', hv));
      // No retention on a version: get-object-retention is a 404.
      const p2 = ok(await aws('s3api', 'put-object', '--bucket', lockBucket, '--key', 'free.txt', '--body', file('free.txt', 'free\n')));
      failed(
        await aws('s3api', 'get-object-retention', '--bucket', lockBucket, '--key', 'free.txt', '--version-id', json(p2).VersionId),
        /NoSuchObjectLockConfiguration/,
      );
    },
    STEP_MS,
  );

  it(
    'put-object-lock-configuration sets a default retention that new versions get',
    async () => {
      ok(
        await aws(
          's3api',
          'put-object-lock-configuration',
          '--bucket',
          lockBucket,
          '--object-lock-configuration',
          JSON.stringify({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } }),
        ),
      );
      const cfg = ok(await aws('s3api', 'get-object-lock-configuration', '--bucket', lockBucket));
      expect(json(cfg).ObjectLockConfiguration, story(cfg)).toEqual({
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } },
      });
      const p = ok(await aws('s3api', 'put-object', '--bucket', lockBucket, '--key', 'defaulted.txt', '--body', file('d.txt', 'defaulted\n')));
      const h = ok(await aws('s3api', 'head-object', '--bucket', lockBucket, '--key', 'defaulted.txt', '--version-id', json(p).VersionId));
      expect(json(h).ObjectLockMode, story(h)).toBe('GOVERNANCE');
      const until = Date.parse(json(h).ObjectLockRetainUntilDate);
      expect(Math.abs(until - (Date.now() + 86_400_000)), story(h)).toBeLessThan(60_000);
      failed(
        await aws(
          's3api',
          'put-object-lock-configuration',
          '--bucket',
          lockBucket,
          '--object-lock-configuration',
          JSON.stringify({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1, Years: 1 } } }),
        ),
        /MalformedXML/,
      );
    },
    STEP_MS,
  );
});

// ---------------------------------------------------------------- rclone

describe.skipIf(skip('rclone'))('rclone --s3-versions (Debian rclone)', () => {
  withServer('rclone');
  const bucket = 'cairn-rclone-versions';
  let dir = '';
  let cfg = '';
  const rclone = (...args: string[]) =>
    run(RCLONE, ['--config', cfg, '--retries', '1', '--low-level-retries', '1', '--contimeout', '10s', '--timeout', '60s', ...args], cleanEnv());
  const lsLines = (r: Ran) =>
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const m = /^\s*(\d+) (.*)$/.exec(l);
        return m ? `${m[1]} ${m[2]}` : l;
      })
      .sort();
  /** rclone's name for a version: the key with -vYYYY-MM-DD-HHMMSS-mmm before the extension. */
  const versionName = (key: string, lastModified: Date) => {
    const t = lastModified.toISOString(); // 2026-01-02T03:04:05.678Z
    const stamp = `${t.slice(0, 10)}-${t.slice(11, 13)}${t.slice(14, 16)}${t.slice(17, 19)}-${t.slice(20, 23)}`;
    const dot = key.lastIndexOf('.');
    const slash = key.lastIndexOf('/');
    return dot > slash + 1 ? `${key.slice(0, dot)}-v${stamp}${key.slice(dot)}` : `${key}-v${stamp}`;
  };
  const texts: Record<string, string> = {
    'one.txt': 'first version\n',
    'two.txt': 'second version, longer\n',
    'three.txt': 'third version, the longest of them all\n',
    'top.bin': 'only one version\n',
    'gone.txt': 'soon deleted\n',
  };

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
    for (const [name, text] of Object.entries(texts)) writeText(join(dir, 'src', name), text);
  });

  it('is installed', () => expectInstalled('rclone'));

  it(
    'backend versioning turns versioning on (Get/PutBucketVersioning)',
    async () => {
      ok(await rclone('mkdir', `cairn:${bucket}`));
      const before = ok(await rclone('backend', 'versioning', `cairn:${bucket}`));
      expect(before.stdout.trim(), story(before)).toBe('Unversioned');
      const set = ok(await rclone('backend', 'versioning', `cairn:${bucket}`, 'Enabled'));
      expect(set.stdout.trim(), story(set)).toBe('Enabled');
    },
    STEP_MS,
  );

  it(
    'ls shows current objects; ls --s3-versions adds the old versions, named by their LastModified',
    async () => {
      // Three versions of notes/a.txt (different sizes, so rclone never skips an upload).
      for (const name of ['one.txt', 'two.txt', 'three.txt']) ok(await rclone('copyto', join(dir, 'src', name), `cairn:${bucket}/notes/a.txt`));
      ok(await rclone('copyto', join(dir, 'src', 'top.bin'), `cairn:${bucket}/top.bin`));
      ok(await rclone('copyto', join(dir, 'src', 'gone.txt'), `cairn:${bucket}/gone.txt`));
      // Deleting in a versioned bucket leaves a delete marker and the old version.
      ok(await rclone('deletefile', `cairn:${bucket}/gone.txt`));

      const ls = ok(await rclone('ls', `cairn:${bucket}`));
      expect(lsLines(ls), story(ls)).toEqual([`${texts['three.txt']!.length} notes/a.txt`, `${texts['top.bin']!.length} top.bin`].sort());

      // What the server holds, read with the SDK.
      const c = sdk();
      const held = await c.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      c.destroy();
      expect(held.DeleteMarkers?.map((d) => d.Key)).toEqual(['gone.txt']);
      const old = (held.Versions ?? []).filter((v) => !v.IsLatest);
      expect(old.map((v) => v.Key)).toEqual(['gone.txt', 'notes/a.txt', 'notes/a.txt']);
      const want = [
        `${texts['three.txt']!.length} notes/a.txt`,
        `${texts['top.bin']!.length} top.bin`,
        // gone.txt's only version is not the latest (the marker is), so it shows as a version.
        ...(held.Versions ?? []).filter((v) => !v.IsLatest).map((v) => `${v.Size} ${versionName(v.Key!, v.LastModified!)}`),
      ].sort();
      const lsv = ok(await rclone('ls', '--s3-versions', `cairn:${bucket}`));
      expect(lsLines(lsv), story(lsv)).toEqual(want);
      expect(lsLines(lsv).filter((l) => /notes\/a-v\d{4}-\d\d-\d\d-\d{6}-\d{3}\.txt$/.test(l)).length, story(lsv)).toBe(2);
    },
    STEP_MS,
  );

  it(
    'copy --s3-versions downloads every version with its bytes (GetObject by versionId)',
    async () => {
      ok(await rclone('copy', '--s3-versions', `cairn:${bucket}/notes`, join(dir, 'back')));
      const names = readdirSync(join(dir, 'back')).sort();
      expect(names.length, names.join(', ')).toBe(3);
      expect(names.filter((n) => /^a-v\d{4}-\d\d-\d\d-\d{6}-\d{3}\.txt$/.test(n)).length, names.join(', ')).toBe(2);
      const contents = names.map((n) => readFileSync(join(dir, 'back', n), 'utf8')).sort();
      expect(contents).toEqual([texts['one.txt'], texts['two.txt'], texts['three.txt']].sort());
      expect(readFileSync(join(dir, 'back', 'a.txt'), 'utf8')).toBe(texts['three.txt']);
    },
    STEP_MS,
  );

  it(
    'backend cleanup-hidden removes the old versions; ls --s3-versions then shows only current objects',
    async () => {
      ok(await rclone('backend', 'cleanup-hidden', `cairn:${bucket}`));
      const ls = ok(await rclone('ls', `cairn:${bucket}`));
      const lsv = ok(await rclone('ls', '--s3-versions', `cairn:${bucket}`));
      expect(lsLines(lsv), story(lsv)).toEqual(lsLines(ls));
      const c = sdk();
      const held = await c.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      c.destroy();
      expect((held.Versions ?? []).map((v) => [v.Key, v.IsLatest])).toEqual([
        ['notes/a.txt', true],
        ['top.bin', true],
      ]);
    },
    STEP_MS,
  );
});

/**
 * The `cairn` admin CLI as a user runs it (`node dist/cli.js`; `npm run build` first): accounts, IAM users, keys,
 * groups and policies, the `user create --allow` shortcut, and that each change reaches a running server on its
 * next request.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cairn } from '../helpers/cli.js';
import { expectS3Error, newBucket, text } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const keysOf = (stdout: string) => ({
  accessKeyId: /AWS_ACCESS_KEY_ID=(\S+)/.exec(stdout)![1]!,
  secretAccessKey: /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(stdout)![1]!,
});
/** A CLI change reaches the server within 0.1 s (it looks for other connections' commits at most that often). */
const settle = () => new Promise((r) => setTimeout(r, 150));

describe('cairn account create (before any server ran)', () => {
  let parent: string;
  let dataDir: string;
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
    dataDir = join(parent, 'data');
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it.each([
    [['--access-key', 'a b', '--secret-key', '12345678'], '--access-key: 3 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -'],
    [['--access-key', 'ab', '--secret-key', '12345678'], '--access-key: 3 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -'],
    [['--access-key', 'key:colon', '--secret-key', '12345678'], '--access-key: 3 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -'],
    [['--access-key', 'abc', '--secret-key', '1234567'], '--secret-key: must be 8 to 256 characters'],
    [['--access-key', 'abc', '--secret-key', 's'.repeat(257)], '--secret-key: must be 8 to 256 characters'],
    [['--access-key', 'abc'], 'give both --access-key and --secret-key, or neither'],
  ])('refuses %j before touching the data directory', async (flags, message) => {
    const r = await cairn(dataDir, ['account', 'create', 'bob', ...flags]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cairn: ${message}\n`);
    expect(r.stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('prints the account id, canonical id and root keys; `account list --json` shows them, `key list` never the secret', async () => {
    const r = await cairn(dataDir, ['account', 'create', 'bob', '--email', 'Bob@Example.com', '--access-key', 'bob.key/1', '--secret-key', 'bob-secret-1']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('account: bob');
    expect(lines[1]).toMatch(/^account id: [1-9]\d{11}$/);
    expect(lines[2]).toMatch(/^canonical id: [0-9a-f]{64}$/);
    expect(lines.slice(3)).toEqual(['AWS_ACCESS_KEY_ID=bob.key/1', 'AWS_SECRET_ACCESS_KEY=bob-secret-1']);
    expect((await cairn(dataDir, ['account', 'create', 'carol'])).code).toBe(0);
    const dup = await cairn(dataDir, ['account', 'create', 'bob']);
    expect([dup.code, dup.stderr]).toEqual([1, 'cairn: An account named bob already exists.\n']);
    const taken = await cairn(dataDir, ['account', 'create', 'dave', '--email', 'bob@example.com']);
    expect(taken.code).toBe(1);
    const list = JSON.parse((await cairn(dataDir, ['account', 'list', '--json'])).stdout) as Array<Record<string, unknown>>;
    expect(list.map((a) => [a.name, a.displayName, a.email])).toEqual([
      ['bob', 'bob', 'bob@example.com'],
      ['carol', 'carol', null],
    ]);
    expect(list[0]!.accountId).toBe(lines[1]!.slice('account id: '.length));
    expect(list[0]!.canonicalId).toBe(lines[2]!.slice('canonical id: '.length));
    const keys = await cairn(dataDir, ['key', 'list', '--account', 'bob']);
    expect(keys.stdout.startsWith('bob.key/1\t(root)\tActive\t')).toBe(true);
    expect(keys.stdout).not.toContain('bob-secret-1');
    const none = await cairn(dataDir, ['key', 'list', 'nobody', '--account', 'bob']);
    expect([none.code, none.stderr]).toEqual([1, 'cairn: no IAM user "nobody" in account bob\n']);
    const noAdmin = await cairn(dataDir, ['user', 'create', 'x']);
    expect(noAdmin.stderr).toContain('there is no admin account yet');
  });
});

describe('the CLI beside a running server', () => {
  let ts: TestServer;
  let admin: S3Client;
  const clients: S3Client[] = [];
  const as = (creds: { accessKeyId: string; secretAccessKey: string }) => {
    const c = ts.client({ credentials: creds });
    clients.push(c);
    return c;
  };
  beforeAll(async () => {
    ts = await startTestServer();
    admin = ts.client();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await ts.stop();
  });

  it('user create --allow read --bucket B: a key that reads B and nothing else, and writes nowhere', async () => {
    const b = await newBucket(admin, { prefix: 'cli-read' });
    const other = await newBucket(admin, { prefix: 'cli-other' });
    await admin.send(new PutObjectCommand({ Bucket: b, Key: 'photo.jpg', Body: 'jpeg' }));
    await admin.send(new PutObjectCommand({ Bucket: other, Key: 'secret', Body: 's' }));
    const r = await cairn(ts.dataDir, ['user', 'create', 'photos', '--allow', 'read', '--bucket', b]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`inline policy cairn-read-${b}: read ${b}`);
    expect(r.stdout).toMatch(/arn: arn:aws:iam::\d{12}:user\/photos/);
    await settle();
    const app = as(keysOf(r.stdout));
    expect(await text(await app.send(new GetObjectCommand({ Bucket: b, Key: 'photo.jpg' })))).toBe('jpeg');
    expect((await app.send(new ListObjectsV2Command({ Bucket: b }))).Contents?.map((o) => o.Key)).toEqual(['photo.jpg']);
    await expectS3Error(app.send(new PutObjectCommand({ Bucket: b, Key: 'new', Body: 'x' })), 'AccessDenied', 403);
    await expectS3Error(app.send(new GetObjectCommand({ Bucket: other, Key: 'secret' })), 'AccessDenied', 403);
    // Nothing was written by the denied PUT.
    await expectS3Error(admin.send(new GetObjectCommand({ Bucket: b, Key: 'new' })), 'NoSuchKey', 404);
  });

  it('user create --allow write --prefix: a backup key that writes one prefix only; deactivating its key stops it', async () => {
    const b = await newBucket(admin, { prefix: 'cli-backup' });
    const r = await cairn(ts.dataDir, ['user', 'create', 'backup', '--allow', 'readwrite', '--bucket', b, '--prefix', 'laptop/']);
    expect(r.code, r.stderr).toBe(0);
    await settle();
    const creds = keysOf(r.stdout);
    const backup = as(creds);
    await backup.send(new PutObjectCommand({ Bucket: b, Key: 'laptop/2026-12-01.tar', Body: 'tar' }));
    expect((await backup.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'laptop/' }))).KeyCount).toBe(1);
    await expectS3Error(backup.send(new PutObjectCommand({ Bucket: b, Key: 'desktop/x', Body: 'x' })), 'AccessDenied', 403);
    await expectS3Error(backup.send(new ListObjectsV2Command({ Bucket: b })), 'AccessDenied', 403);
    const off = await cairn(ts.dataDir, ['key', 'deactivate', creds.accessKeyId]);
    expect(off.code, off.stderr).toBe(0);
    await settle();
    await expectS3Error(backup.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'laptop/' })), 'InvalidAccessKeyId', 403);
    expect((await cairn(ts.dataDir, ['key', 'activate', creds.accessKeyId])).code).toBe(0);
    await settle();
    expect((await backup.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'laptop/' }))).KeyCount).toBe(1);
  });

  it('groups and managed policies: a member gains the group policy on its next request and loses it when removed', async () => {
    const b = await newBucket(admin, { prefix: 'cli-group' });
    await admin.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v' }));
    const u = await cairn(ts.dataDir, ['user', 'create', 'dana']);
    expect(u.code, u.stderr).toBe(0);
    const dana = as(keysOf(u.stdout));
    await settle();
    await expectS3Error(dana.send(new GetObjectCommand({ Bucket: b, Key: 'k' })), 'AccessDenied', 403);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-cli-policy-'));
    try {
      const file = join(dir, 'read.json');
      writeFileSync(file, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }] }));
      const made = await cairn(ts.dataDir, ['policy', 'create', 'ReadGroupBucket', file]);
      expect(made.code, made.stderr).toBe(0);
      expect(made.stdout).toMatch(/^policy: arn:aws:iam::\d{12}:policy\/ReadGroupBucket\n$/);
      writeFileSync(join(dir, 'bad.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:GetObject","Resource":"*"}]}');
      const bad = await cairn(ts.dataDir, ['policy', 'create', 'Bad', join(dir, 'bad.json')]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('Effect');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const args of [
      ['group', 'create', 'readers'],
      ['policy', 'attach', 'ReadGroupBucket', '--group', 'readers'],
      ['group', 'add', 'readers', 'dana'],
    ]) {
      const r = await cairn(ts.dataDir, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    await settle();
    expect(await text(await dana.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toBe('v');
    const groups = JSON.parse((await cairn(ts.dataDir, ['group', 'list', '--json'])).stdout) as Array<{ name: string; users: string[] }>;
    expect(groups).toEqual([expect.objectContaining({ name: 'readers', users: ['dana'] })]);
    const policies = JSON.parse((await cairn(ts.dataDir, ['policy', 'list', '--scope', 'Local', '--json'])).stdout) as Array<{
      name: string;
      attachments: number;
    }>;
    expect(policies).toEqual([expect.objectContaining({ name: 'ReadGroupBucket', attachments: 1 })]);
    expect((await cairn(ts.dataDir, ['group', 'remove', 'readers', 'dana'])).code).toBe(0);
    await settle();
    await expectS3Error(dana.send(new GetObjectCommand({ Bucket: b, Key: 'k' })), 'AccessDenied', 403);
    // An AWS-managed policy by name.
    expect((await cairn(ts.dataDir, ['policy', 'attach', 'S3ReadAccess', '--user', 'dana'])).code).toBe(0);
    await settle();
    expect(await text(await dana.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toBe('v');
    // user delete takes its keys, policies and memberships with it.
    const del = await cairn(ts.dataDir, ['user', 'delete', 'dana']);
    expect(del.code, del.stderr).toBe(0);
    await settle();
    await expectS3Error(dana.send(new GetObjectCommand({ Bucket: b, Key: 'k' })), 'InvalidAccessKeyId', 403);
  });

  it('account delete is refused while the account owns buckets; its IAM is its own', async () => {
    const r = await cairn(ts.dataDir, ['account', 'create', 'family']);
    expect(r.code, r.stderr).toBe(0);
    await settle();
    const family = as(keysOf(r.stdout));
    const b = await newBucket(family, { prefix: 'cli-family' });
    // The admin account's users are not the family account's.
    const u = await cairn(ts.dataDir, ['user', 'create', 'kid', '--account', 'family', '--allow', 'read', '--bucket', b]);
    expect(u.code, u.stderr).toBe(0);
    expect((await cairn(ts.dataDir, ['user', 'list', '--json'])).stdout).not.toContain('"kid"');
    expect((await cairn(ts.dataDir, ['user', 'list', '--account', 'family', '--json'])).stdout).toContain('"kid"');
    const refused = await cairn(ts.dataDir, ['account', 'delete', 'family']);
    expect([refused.code, refused.stderr]).toEqual([1, 'cairn: Account family still owns buckets; delete them first.\n']);
    const old = await cairn(ts.dataDir, ['key', 'create', 'family']);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain('`cairn key create --account family`');
  });
});

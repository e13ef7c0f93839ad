/**
 * Data care: `cairn scrub` finds a blob the test corrupted, one it truncated
 * and one it deleted (and --repair removes the row of the deleted one);
 * `cairn backup` taken under write load, restored with `cairn restore` into
 * another data directory and served; `cairn status`.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { cairn } from '../helpers/cli.js';
import { body, expectS3Error, sleep } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cairn-care-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const blobPath = (ts: TestServer, bucket: string, key: string) => {
  const r = ts.ctx.db
    .prepare('SELECT o.blob_id AS id FROM objects o JOIN buckets b ON b.id = o.bucket_id WHERE b.name = ? AND o.key = ? AND o.is_latest = 1')
    .get(bucket, Buffer.from(key)) as { id: string };
  return ts.ctx.blobs.pathOf(r.id);
};

describe('cairn scrub', () => {
  it('reports corrupt, truncated and missing objects by key and version; --repair removes the rows of missing ones after confirmation', async () => {
    const ts = await startTestServer();
    try {
      const s3 = ts.client();
      await s3.send(new CreateBucketCommand({ Bucket: 'scrubbed' }));
      await s3.send(new CreateBucketCommand({ Bucket: 'healthy' }));
      for (const k of ['a', 'b', 'c', 'd']) await s3.send(new PutObjectCommand({ Bucket: 'scrubbed', Key: k, Body: `contents of ${k} `.repeat(1000) }));
      await s3.send(new PutObjectCommand({ Bucket: 'healthy', Key: 'x', Body: 'fine', ChecksumAlgorithm: 'SHA256' }));
      expect((await cairn(ts.dataDir, ['scrub'])).code).toBe(0);

      const a = blobPath(ts, 'scrubbed', 'a');
      const bytes = readFileSync(a);
      bytes[100] = bytes[100]! ^ 0xff;
      writeFileSync(a, bytes);
      unlinkSync(blobPath(ts, 'scrubbed', 'b'));
      truncateSync(blobPath(ts, 'scrubbed', 'c'), 10);

      const r = await cairn(ts.dataDir, ['scrub']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toMatch(/^CORRUPT s3:\/\/scrubbed\/a version null: MD5 [0-9a-f]{32}, [0-9a-f]{32} recorded$/m);
      expect(r.stdout).toMatch(/^MISSING s3:\/\/scrubbed\/b version null: blob file .* is missing$/m);
      expect(r.stdout).toMatch(/^TRUNCATED s3:\/\/scrubbed\/c version null: blob file has 10 bytes, 14000 recorded$/m);
      expect(r.stdout).toMatch(/scrub: 5 object versions, .* checked in .*: 1 missing, 1 truncated, 1 corrupt/);
      expect((await cairn(ts.dataDir, ['scrub', '--bucket', 'healthy'])).code).toBe(0);

      // Not on a terminal and without --yes: nothing is removed.
      const asked = await cairn(ts.dataDir, ['scrub', '--bucket', 'scrubbed', '--repair']);
      expect(asked.stdout).toMatch(/repair: nothing removed/);
      const fixed = await cairn(ts.dataDir, ['scrub', '--bucket', 'scrubbed', '--repair', '--yes']);
      expect(fixed.stdout, fixed.stderr).toMatch(/repair: removed 1 object version row/);
      await sleep(150);
      await expectS3Error(s3.send(new GetObjectCommand({ Bucket: 'scrubbed', Key: 'b' })), 'NoSuchKey', 404);
      expect((await body(await s3.send(new GetObjectCommand({ Bucket: 'scrubbed', Key: 'd' })))).toString()).toBe('contents of d '.repeat(1000));
      const after = await cairn(ts.dataDir, ['scrub']);
      expect(after.stdout).toMatch(/0 missing, 1 truncated, 1 corrupt/);
    } finally {
      await ts.stop();
    }
  }, 60_000);
});

describe('cairn backup / restore', () => {
  it('takes a consistent copy under write load, which restores and serves', async () => {
    const ts = await startTestServer();
    const backupDir = join(tempDir(), 'backup');
    const fresh = tempDir();
    const written: string[] = [];
    try {
      const s3 = ts.client();
      await s3.send(new CreateBucketCommand({ Bucket: 'kept' }));
      for (let i = 0; i < 20; i++) await s3.send(new PutObjectCommand({ Bucket: 'kept', Key: `before/${i}`, Body: `value ${i}` }));
      let writing = true;
      const load = (async () => {
        for (let i = 0; writing; i++) {
          await s3.send(new PutObjectCommand({ Bucket: 'kept', Key: `during/${i}`, Body: `during ${i}` }));
          written.push(`during/${i}`);
        }
      })();
      await sleep(100);
      const b = await cairn(ts.dataDir, ['backup', backupDir]);
      writing = false;
      await load;
      expect(b.code, b.stderr).toBe(0);
      expect(b.stdout).toMatch(/backup: .*cairn\.db .* and 1 key file/);
      expect(JSON.parse(readFileSync(join(backupDir, 'backup.json'), 'utf8'))).toMatchObject({ buckets: 1, keys: ['instance.key'] });
      expect(written.length).toBeGreaterThan(0);
      // Restore refuses while a server runs on the directory.
      const busy = await cairn(ts.dataDir, ['restore', backupDir, '--force']);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/stop it first/);
      const status = await cairn(ts.dataDir, ['status']);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/server: running, pid \d+, up .*: ready/);
      expect(status.stdout).toMatch(/objects: \d+ in 1 bucket/);
      expect(status.stdout).toMatch(/sweeper: last run .* ago, ok/);
      // A new machine: the blobs copied (as an operator would, after the backup), then the metadata restored.
      cpSync(join(ts.dataDir, 'blobs'), join(fresh, 'blobs'), { recursive: true });
    } finally {
      await ts.stop().catch(() => undefined);
    }

    const r = await cairn(fresh, ['restore', backupDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/must hold every blob/);
    const again = await startTestServer({ dataDir: fresh });
    try {
      const s3 = again.client();
      const list = await s3.send(new ListObjectsV2Command({ Bucket: 'kept', MaxKeys: 1000 }));
      const keys = (list.Contents ?? []).map((o) => o.Key!);
      expect(keys.filter((k) => k.startsWith('before/'))).toHaveLength(20);
      for (const k of keys) {
        const got = (await body(await s3.send(new GetObjectCommand({ Bucket: 'kept', Key: k })))).toString();
        expect(got).toBe(k.startsWith('before/') ? `value ${k.slice(7)}` : `during ${k.slice(7)}`);
      }
      expect((await cairn(fresh, ['scrub'])).stdout).toMatch(/0 missing, 0 truncated, 0 corrupt/);
    } finally {
      await again.stop();
    }
  }, 60_000);
});

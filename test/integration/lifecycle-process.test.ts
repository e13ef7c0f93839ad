/**
 * The process lifecycle of `cairn serve`: SIGTERM lets an upload in flight
 * finish (and /-/ready says 503 meanwhile), checkpoints the WAL and exits 0;
 * a second signal exits at once; the grace period bounds the wait;
 * `cairn healthcheck` for Docker; readiness when the disk is short of space.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { spawnServer, type ChildServer } from '../helpers/child.js';
import { cairn } from '../helpers/cli.js';
import { body, sleep } from '../helpers/s3.js';
import { ACCESS_KEY, SECRET_KEY, startTestServer } from '../helpers/server.js';
import { signHeaders } from '../helpers/signing.js';

const dirs: string[] = [];
const children: ChildServer[] = [];
afterAll(() => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cairn-life-'));
  dirs.push(d);
  return d;
}

const clientFor = (url: string) =>
  new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY } });

/** A PUT whose body is sent in `chunks` pieces `gapMs` apart; resolves with the answer's status (or the error). */
async function slowPut(port: number, path: string, data: Buffer, chunks: number, gapMs: number, stallAfter = Infinity) {
  const host = `127.0.0.1:${port}`;
  const headers = await signHeaders(host, 'PUT', path, { 'content-length': String(data.length) });
  let sent = 0;
  const result = new Promise<{ status?: number; error?: string; text?: string }>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'PUT', headers, agent: false }, (res: IncomingMessage) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('error', (e) => resolve({ error: e.message }));
    const size = Math.ceil(data.length / chunks);
    const next = () => {
      if (sent >= data.length || req.destroyed) return req.end();
      if (sent >= stallAfter) return; // stalls: sends nothing more
      req.write(data.subarray(sent, sent + size));
      sent += size;
      setTimeout(next, gapMs);
    };
    next();
  });
  return { result, sent: () => sent };
}

/** Starts a request whose header is not finished yet (an active connection a shutdown waits for); `finish()` sends the rest. */
function halfRequest(port: number, path: string) {
  const s = connect(port, '127.0.0.1');
  let text = '';
  s.on('data', (d) => (text += d.toString('latin1')));
  const closed = new Promise<void>((ok) => s.on('close', () => ok()));
  s.on('error', () => undefined);
  s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  return {
    finish: async () => {
      s.write('\r\n');
      await Promise.race([closed, sleep(3000)]);
      return text;
    },
  };
}

describe('SIGTERM', () => {
  it('lets an upload in flight finish, answers /-/ready 503 meanwhile, checkpoints the WAL and exits 0', async () => {
    const dataDir = tempDir();
    const srv = await spawnServer(dataDir);
    children.push(srv);
    const s3 = clientFor(srv.url);
    await s3.send(new CreateBucketCommand({ Bucket: 'life' }));
    const data = randomBytes(24 * 1024 * 1024);
    const ready = halfRequest(srv.port, '/-/ready');
    const put = await slowPut(srv.port, '/life/big', data, 48, 30);
    await sleep(400);
    expect(put.sent()).toBeLessThan(data.length);
    srv.proc.kill('SIGTERM');
    await sleep(200);
    const readyText = await ready.finish();
    expect(readyText).toMatch(/^HTTP\/1\.1 503/);
    expect(readyText).toMatch(/retry-after: 5/i);
    expect(readyText).toContain('"reason":"shutting down"');
    const r = await put.result;
    expect(r.status, r.text ?? r.error).toBe(200);
    expect(await srv.exited).toBe(0);
    s3.destroy();
    // Checkpointed and closed: no WAL left to replay.
    const wal = join(dataDir, 'cairn.db-wal');
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);

    const again = await spawnServer(dataDir);
    children.push(again);
    const s3b = clientFor(again.url);
    const got = await body(await s3b.send(new GetObjectCommand({ Bucket: 'life', Key: 'big' })));
    expect(createHash('md5').update(got).digest('hex')).toBe(createHash('md5').update(data).digest('hex'));
    s3b.destroy();
    again.proc.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 30_000);

  it('a second signal exits at once', async () => {
    const srv = await spawnServer(tempDir());
    children.push(srv);
    const s3 = clientFor(srv.url);
    await s3.send(new CreateBucketCommand({ Bucket: 'twice' }));
    s3.destroy();
    const put = await slowPut(srv.port, '/twice/slow', randomBytes(4 * 1024 * 1024), 40, 100);
    await sleep(300);
    srv.proc.kill('SIGTERM');
    await sleep(200);
    const t = Date.now();
    srv.proc.kill('SIGTERM');
    expect(await srv.exited).toBe(143);
    expect(Date.now() - t).toBeLessThan(1500);
    expect((await put.result).status).not.toBe(200);
  }, 20_000);

  it('closes connections still busy when CAIRN_SHUTDOWN_GRACE_SECONDS is over, and exits 0', async () => {
    const srv = await spawnServer(tempDir(), { CAIRN_SHUTDOWN_GRACE_SECONDS: '1' });
    children.push(srv);
    const s3 = clientFor(srv.url);
    await s3.send(new CreateBucketCommand({ Bucket: 'grace' }));
    s3.destroy();
    const put = await slowPut(srv.port, '/grace/stalled', randomBytes(1024 * 1024), 8, 10, 256 * 1024);
    await sleep(300);
    const t = Date.now();
    srv.proc.kill('SIGTERM');
    expect(await srv.exited).toBe(0);
    const took = Date.now() - t;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(4000);
    expect((await put.result).status).toBeUndefined();
  }, 20_000);
});

describe('cairn healthcheck', () => {
  it('exits 0 when the server is alive and ready, 1 when none answers', async () => {
    const dataDir = tempDir();
    const srv = await spawnServer(dataDir);
    children.push(srv);
    const env = { CAIRN_PORT: String(srv.port) };
    expect((await cairn(dataDir, ['healthcheck'], env)).code).toBe(0);
    expect((await cairn(dataDir, ['healthcheck', '--ready'], env)).code).toBe(0);
    srv.proc.kill('SIGTERM');
    expect(await srv.exited).toBe(0);
    const down = await cairn(dataDir, ['healthcheck'], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/ECONNREFUSED/);
  }, 30_000);

  it('--ready exits 1 when the disk is below CAIRN_MIN_FREE_MB', async () => {
    const dataDir = tempDir();
    const srv = await spawnServer(dataDir, { CAIRN_MIN_FREE_MB: String(2 ** 40) });
    children.push(srv);
    const env = { CAIRN_PORT: String(srv.port) };
    expect((await cairn(dataDir, ['healthcheck'], env)).code).toBe(0);
    const r = await cairn(dataDir, ['healthcheck', '--ready'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/answered 503/);
    srv.proc.kill('SIGTERM');
    await srv.exited;
  }, 30_000);
});

describe('/-/ready', () => {
  it('is 200 with a writable database and room on the disk, 503 with a reason and Retry-After below the minimum free space', async () => {
    const ok = await startTestServer();
    try {
      const r = await fetch(`${ok.url}/-/ready`);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ status: 'ready' });
    } finally {
      await ok.stop();
    }
    const low = await startTestServer({ minFreeMb: 2 ** 40 });
    try {
      const r = await fetch(`${low.url}/-/ready`);
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      const j = (await r.json()) as { reason: string };
      expect(j.reason).toMatch(/CAIRN_MIN_FREE_MB/);
      // Liveness is unaffected.
      expect((await fetch(`${low.url}/-/health`)).status).toBe(200);
    } finally {
      await low.stop();
    }
  });
});

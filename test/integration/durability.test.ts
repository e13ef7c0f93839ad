/**
 * Durability, end to end against the real server: big streamed objects in
 * bounded memory, client aborts, a full disk, SIGKILL in the middle of
 * concurrent writes, racing writers, many readers, and bodies that fail
 * verification.
 * The invariant everywhere: a key reads its complete old or complete new
 * content, never a mix, and nothing is left behind in tmp/ or blobs/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes, type Hash, type Hmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketEncryptionCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
// @aws-sdk/signature-v4 is the same signer under its old name; @smithy/signature-v4 is what @aws-sdk/client-s3 itself uses.
import { SignatureV4 } from '@smithy/signature-v4';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCESS_KEY, SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';
import { freePort, md5 as md5hex, sleep, slowDescribe, waitFor } from '../helpers/s3.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(ROOT, 'dist', 'cli.js');
const MB = 1024 * 1024;

// ---------------------------------------------------------------- helpers

const sha256hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function s3Client(url: string, extra: Record<string, unknown> = {}): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    ...extra,
  });
}

/** GETs an object and hashes it while it streams; undefined when the key does not exist. */
async function readMd5(client: S3Client, Bucket: string, Key: string): Promise<{ md5: string; size: number; etag?: string } | undefined> {
  let res;
  try {
    res = await client.send(new GetObjectCommand({ Bucket, Key }));
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw e;
  }
  const h = createHash('md5');
  let size = 0;
  for await (const chunk of res.Body as Readable) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { md5: h.digest('hex'), size, etag: res.ETag?.replace(/"/g, '') };
}

/** What an @aws-sdk/client-s3 call failed with: HTTP status and S3 error code (or a network error code). */
async function failureOf(p: Promise<unknown>): Promise<{ status?: number; code?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    return { status: err.$metadata?.httpStatusCode, code: err.Code ?? err.name ?? err.code };
  }
  throw new Error('expected the request to fail');
}

function tmpFiles(dataDir: string): string[] {
  return readdirSync(join(dataDir, 'tmp'));
}

function blobFiles(dataDir: string): string[] {
  const out: string[] = [];
  const root = join(dataDir, 'blobs');
  for (const shard of readdirSync(root)) for (const f of readdirSync(join(root, shard))) out.push(f);
  return out;
}

/** Sends `body` in `chunk`-byte pieces with a pause between them, so a write stays in flight for a while. */
function pacedStream(body: Buffer, chunk: number, pauseMs: number): Readable {
  return Readable.from(
    (async function* () {
      for (let off = 0; off < body.length; off += chunk) {
        if (off > 0) await sleep(pauseMs);
        yield body.subarray(off, off + chunk);
      }
    })(),
    { objectMode: false },
  );
}

// SigV4 for raw requests (only the payload hash is ours to choose).
type SourceData = string | ArrayBuffer | ArrayBufferView;
const toBuf = (d: SourceData) =>
  typeof d === 'string' ? Buffer.from(d, 'utf8') : ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d);

class NodeSha256 {
  private h: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuf(secret));
  }
  update(data: SourceData): void {
    this.h.update(toBuf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuf(this.secret));
  }
}

const signer = new SignatureV4({
  service: 's3',
  region: 'us-east-1',
  credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  sha256: NodeSha256,
  uriEscapePath: false,
  applyChecksum: false,
});

/** Signs a request (SigV4 header auth) whose x-amz-content-sha256 is `payloadHash`; returns the headers to send. */
async function signedHeaders(
  base: string,
  method: string,
  path: string,
  payloadHash: string,
  headers: Record<string, string>,
): Promise<Record<string, string>> {
  const u = new URL(base);
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path,
    query: {},
    headers: { host: u.host, 'x-amz-content-sha256': payloadHash, ...headers },
  });
  return signed.headers as Record<string, string>;
}

/** A raw signed request with a whole body; resolves with status and body text. */
async function rawSigned(
  base: string,
  method: string,
  path: string,
  body: Buffer,
  payloadHash: string,
  headers: Record<string, string> = {},
  agent: http.Agent | false = false,
) {
  const u = new URL(base);
  const h = await signedHeaders(base, method, path, payloadHash, { 'content-length': String(body.length), ...headers });
  return new Promise<{ status: number; body: string }>((ok, fail) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: h, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(body);
  });
}

const codeOf = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

// ------------------------------------------------- the server as a child process

interface ChildServer {
  proc: ChildProcess;
  pid: number;
  url: string;
  dataDir: string;
  /** Output seen so far (stdout + stderr), for failure messages. */
  output(): string;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((ok) => proc.once('exit', () => ok()));
}

async function spawnServer(dataDir: string, env: Record<string, string> = {}): Promise<ChildServer> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CAIRN_')) childEnv[k] = v;
  Object.assign(childEnv, {
    CAIRN_HOST: '127.0.0.1',
    CAIRN_PORT: String(port),
    CAIRN_DATA_DIR: dataDir,
    CAIRN_ACCESS_KEY: ACCESS_KEY,
    CAIRN_SECRET_KEY: SECRET_KEY,
    CAIRN_LOG_LEVEL: 'silent',
    ...env,
  });
  const proc = spawn(process.execPath, [CLI, 'serve'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = await waitFor(() => out.includes('Cairn listening on') || proc.exitCode !== null, 20_000);
  if (!ready || proc.exitCode !== null) {
    proc.kill('SIGKILL');
    throw new Error(`server did not start (exit ${proc.exitCode}):\n${out}`);
  }
  const url = `http://127.0.0.1:${port}`;
  const health = await fetch(`${url}/-/health`);
  expect(health.status).toBe(200);
  return {
    proc,
    pid: proc.pid!,
    url,
    dataDir,
    output: () => out,
    async kill() {
      proc.kill('SIGKILL');
      await exited(proc);
    },
    async stop() {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited(proc);
      clearTimeout(t);
    },
  };
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Samples a process's RSS every 50 ms until stopped. */
function rssSampler(pid: number) {
  let max = 0;
  let samples = 0;
  const take = () => {
    try {
      max = Math.max(max, rssOf(pid));
      samples++;
    } catch {
      // the process is gone; the test will notice
    }
  };
  take();
  const timer = setInterval(take, 50);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { max, samples };
    },
  };
}

const dirs: string[] = [];
function newDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cairn-durability-'));
  dirs.push(d);
  return d;
}

afterAll(async () => {
  for (const p of children) {
    p.kill('SIGKILL');
    await exited(p);
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// ---------------------------------------------------------------- tests

slowDescribe('PutObject/GetObject of a 200 MB object streamed through @aws-sdk/client-s3 (server as a child process)', () => {
  it('round-trips the bytes (MD5 on both sides) while the server RSS grows by less than half the object', { timeout: 120_000 }, async () => {
    const dataDir = newDataDir();
    const srv = await spawnServer(dataDir);
    const client = s3Client(srv.url);
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'big' }));
      const SIZE = 200 * MB;
      const CHUNK = MB;
      const block = randomBytes(CHUNK);
      const sent = createHash('md5');
      let produced = 0;
      const body = Readable.from(
        (function* () {
          for (let i = 0; produced < SIZE; i++) {
            const b = Buffer.allocUnsafe(Math.min(CHUNK, SIZE - produced));
            block.copy(b, 0, 0, b.length);
            b.writeUInt32BE(i, 0); // every MiB differs
            sent.update(b);
            produced += b.length;
            yield b;
          }
        })(),
        { objectMode: false },
      );
      const baseline = rssOf(srv.pid);
      const sampler = rssSampler(srv.pid);
      const t0 = Date.now();
      const put = await client.send(new PutObjectCommand({ Bucket: 'big', Key: 'blob.bin', Body: body, ContentLength: SIZE }));
      const putMs = Date.now() - t0;
      const sentMd5 = sent.digest('hex');
      expect(produced).toBe(SIZE);
      expect(put.ETag).toBe(`"${sentMd5}"`);
      const t1 = Date.now();
      const got = await readMd5(client, 'big', 'blob.bin');
      const getMs = Date.now() - t1;
      const { max, samples } = sampler.stop();
      expect(got).toEqual({ md5: sentMd5, size: SIZE, etag: sentMd5 });
      console.log(
        `[durability] 200 MB PUT ${putMs} ms, GET ${getMs} ms; server RSS baseline ${(baseline / MB).toFixed(1)} MB, ` +
          `max ${(max / MB).toFixed(1)} MB over ${samples} samples (limits: +100 MB, 200 MB)`,
      );
      expect(samples).toBeGreaterThan(5);
      // Streaming, not buffering: a 200 MB object may grow the server by less than half of itself (about 55 MB is
      // seen: 1 MiB write batches, socket buffers, the MD5 worker), and the whole process stays under 200 MB.
      expect(max - baseline).toBeLessThan(100 * MB);
      expect(max).toBeLessThan(200 * MB);
      expect(tmpFiles(dataDir)).toEqual([]);
    } finally {
      client.destroy();
      await srv.stop();
    }
  });
});

describe('in-process server: aborted uploads, a full disk, racing writers, concurrent readers, bad digests', () => {
  let full = false;
  const FULL_AFTER = 256 * 1024;
  let ts: TestServer;
  let client: S3Client;
  const B = 'dur';

  beforeEach(async () => {
    full = false;
    ts = await startTestServer(
      {},
      {
        blobOptions: {
          beforeWrite: (written) => {
            if (full && written >= FULL_AFTER) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
          },
        },
      },
    );
    client = ts.client({ maxAttempts: 1 });
    await client.send(new CreateBucketCommand({ Bucket: B }));
  });
  afterEach(async () => {
    // A fresh server per test, so one test's leftovers cannot fail the next; a close that hangs is a failure of its own.
    const closed = await Promise.race([ts.stop().then(() => true), sleep(10_000).then(() => false)]);
    expect(closed, 'server.close() still pending after 10 s: a connection was left open').toBe(true);
  });

  it('PutObject aborted by the client mid-body (UNSIGNED-PAYLOAD): the old object reads back in full and no temp file remains', async () => {
    const old = randomBytes(3 * MB + 17);
    await client.send(new PutObjectCommand({ Bucket: B, Key: 'abort-me', Body: old }));
    const u = new URL(ts.url);
    const total = 8 * MB;
    const headers = await signedHeaders(ts.url, 'PUT', `/${B}/abort-me`, 'UNSIGNED-PAYLOAD', { 'content-length': String(total) });
    const req = http.request({ host: u.hostname, port: u.port, method: 'PUT', path: `/${B}/abort-me`, headers });
    const failed = new Promise<unknown>((ok) => {
      req.on('error', ok);
      req.on('response', (res) => ok(new Error(`unexpected response ${res.statusCode}`)));
    });
    req.write(randomBytes(MB));
    req.write(randomBytes(MB));
    // The server is writing a temp file for it before we let go.
    expect(await waitFor(() => tmpFiles(ts.dataDir).length > 0, 5000)).toBe(true);
    req.destroy();
    expect(await failed).toBeInstanceOf(Error);
    const cleaned = await waitFor(() => tmpFiles(ts.dataDir).length === 0, 3000);
    expect(tmpFiles(ts.dataDir), 'temp file of the aborted upload still in tmp/ 3 s after the abort').toEqual([]);
    expect(cleaned).toBe(true);
    expect(await readMd5(client, B, 'abort-me')).toEqual({ md5: md5hex(old), size: old.length, etag: md5hex(old) });
  });

  it('PutObject aborted by the client mid-body (aws-chunked, client defaults): the old object reads back in full and no temp file remains', async () => {
    const old = randomBytes(MB + 5);
    await client.send(new PutObjectCommand({ Bucket: B, Key: 'abort-chunked', Body: old }));
    const ac = new AbortController();
    const body = Readable.from(
      (async function* () {
        for (let i = 0; i < 8; i++) {
          yield randomBytes(256 * 1024);
          await sleep(10);
        }
        // then stall until aborted
        await sleep(30_000);
      })(),
      { objectMode: false },
    );
    const put = client.send(new PutObjectCommand({ Bucket: B, Key: 'abort-chunked', Body: body, ContentLength: 8 * MB }), { abortSignal: ac.signal });
    const putFailed = put.then(
      () => new Error('PUT unexpectedly succeeded'),
      (e: unknown) => e,
    );
    expect(await waitFor(() => tmpFiles(ts.dataDir).length > 0, 5000)).toBe(true);
    await sleep(100);
    ac.abort();
    body.destroy();
    expect(((await putFailed) as Error).name).not.toBe('Error');
    await waitFor(() => tmpFiles(ts.dataDir).length === 0, 3000);
    expect(tmpFiles(ts.dataDir), 'temp file of the aborted upload still in tmp/ 3 s after the abort').toEqual([]);
    expect(await readMd5(client, B, 'abort-chunked')).toEqual({ md5: md5hex(old), size: old.length, etag: md5hex(old) });
  });

  it('an encrypted (SSE-S3) PutObject aborted mid-body or failing on a full disk leaves the old encrypted object, no temp file and no orphan blob', async () => {
    const old = randomBytes(2 * MB + 3);
    await client.send(new PutObjectCommand({ Bucket: B, Key: 'enc', Body: old, ServerSideEncryption: 'AES256' }));
    const blobsBefore = blobFiles(ts.dataDir).sort();
    const u = new URL(ts.url);
    const headers = await signedHeaders(ts.url, 'PUT', `/${B}/enc`, 'UNSIGNED-PAYLOAD', {
      'content-length': String(8 * MB),
      'x-amz-server-side-encryption': 'AES256',
    });
    const req = http.request({ host: u.hostname, port: u.port, method: 'PUT', path: `/${B}/enc`, headers });
    const failed = new Promise<unknown>((ok) => {
      req.on('error', ok);
      req.on('response', (res) => ok(new Error(`unexpected response ${res.statusCode}`)));
    });
    req.write(randomBytes(MB));
    req.write(randomBytes(MB));
    expect(await waitFor(() => tmpFiles(ts.dataDir).length > 0, 5000)).toBe(true);
    req.destroy();
    expect(await failed).toBeInstanceOf(Error);
    expect(await waitFor(() => tmpFiles(ts.dataDir).length === 0, 3000)).toBe(true);
    full = true;
    expect(await failureOf(client.send(new PutObjectCommand({ Bucket: B, Key: 'enc', Body: randomBytes(MB), ServerSideEncryption: 'AES256' })))).toEqual({
      status: 507,
      code: 'InsufficientStorage',
    });
    full = false;
    expect(tmpFiles(ts.dataDir)).toEqual([]);
    expect(blobFiles(ts.dataDir).sort()).toEqual(blobsBefore);
    expect(await readMd5(client, B, 'enc')).toEqual({ md5: md5hex(old), size: old.length, etag: md5hex(old) });
  });

  it('PutObject on a full disk (ENOSPC past 256 KiB) answers 507 InsufficientStorage, keeps the old object, leaves no temp file, and reads and listings keep working', async () => {
    const old = randomBytes(200 * 1024);
    await client.send(new PutObjectCommand({ Bucket: B, Key: 'full/obj', Body: old }));
    const blobsBefore = blobFiles(ts.dataDir).length;
    full = true;
    const bigger = randomBytes(2 * MB);
    expect(await failureOf(client.send(new PutObjectCommand({ Bucket: B, Key: 'full/obj', Body: bigger })))).toEqual({
      status: 507,
      code: 'InsufficientStorage',
    });
    // The same through a raw request on a keep-alive connection, to see the error body as sent, and then the
    // next request on that same connection: the server must drain the unread rest of the body or close it.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const raw = await rawSigned(ts.url, 'PUT', `/${B}/full/obj`, bigger, sha256hex(bigger), {}, agent);
      expect(raw.status).toBe(507);
      expect(codeOf(raw.body)).toBe('InsufficientStorage');
      const next = await Promise.race([
        rawSigned(ts.url, 'HEAD', `/${B}/full/obj`, Buffer.alloc(0), sha256hex(''), {}, agent),
        sleep(5000).then(() => ({ status: 0, body: 'no answer within 5 s' })),
      ]);
      expect(next.status, 'HEAD on the keep-alive connection that carried the 507 PUT').toBe(200);
    } finally {
      agent.destroy();
    }
    // A new key fails the same way and does not appear.
    expect(await failureOf(client.send(new PutObjectCommand({ Bucket: B, Key: 'full/new', Body: bigger })))).toEqual({
      status: 507,
      code: 'InsufficientStorage',
    });

    expect(await waitFor(() => tmpFiles(ts.dataDir).length === 0, 2000)).toBe(true);
    expect(blobFiles(ts.dataDir).length).toBe(blobsBefore);
    // Still serving reads while the disk is full.
    expect(await readMd5(client, B, 'full/obj')).toEqual({ md5: md5hex(old), size: old.length, etag: md5hex(old) });
    expect(await readMd5(client, B, 'full/new')).toBeUndefined();
    const head = await client.send(new HeadObjectCommand({ Bucket: B, Key: 'full/obj' }));
    expect(head.ContentLength).toBe(old.length);
    const list = await client.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'full/' }));
    expect(list.Contents?.map((c) => [c.Key, c.Size])).toEqual([['full/obj', old.length]]);
    // A small write still fits (below the limit), and once space is back big ones work again.
    const small = randomBytes(1000);
    await client.send(new PutObjectCommand({ Bucket: B, Key: 'full/small', Body: small }));
    expect((await readMd5(client, B, 'full/small'))?.md5).toBe(md5hex(small));
    full = false;
    await client.send(new PutObjectCommand({ Bucket: B, Key: 'full/obj', Body: bigger }));
    expect((await readMd5(client, B, 'full/obj'))?.md5).toBe(md5hex(bigger));
  });

  it('two concurrent PutObject calls on one key (30 rounds) leave exactly one of the two bodies in full, and readers meanwhile see a whole body', async () => {
    const key = 'race';
    let prev = randomBytes(4096);
    await client.send(new PutObjectCommand({ Bucket: B, Key: key, Body: prev }));
    const rounds = 30;
    const won = { a: 0, b: 0 };
    for (let i = 0; i < rounds; i++) {
      const a = randomBytes(64 * 1024 + ((i * 37_111) % (900 * 1024)));
      const b = randomBytes(64 * 1024 + ((i * 53_197) % (900 * 1024)));
      const [ra, rb, seen] = await Promise.all([
        client.send(new PutObjectCommand({ Bucket: B, Key: key, Body: a })),
        client.send(new PutObjectCommand({ Bucket: B, Key: key, Body: b })),
        sleep(i % 5).then(() => readMd5(client, B, key)),
      ]);
      expect(ra.ETag).toBe(`"${md5hex(a)}"`);
      expect(rb.ETag).toBe(`"${md5hex(b)}"`);
      expect([md5hex(prev), md5hex(a), md5hex(b)]).toContain(seen?.md5);
      const got = await readMd5(client, B, key);
      expect([md5hex(a), md5hex(b)], `round ${i}`).toContain(got?.md5);
      expect(got?.size).toBe(got?.md5 === md5hex(a) ? a.length : b.length);
      expect(got?.etag).toBe(got?.md5);
      if (got?.md5 === md5hex(a)) {
        won.a++;
        prev = a;
      } else {
        won.b++;
        prev = b;
      }
    }
    expect(won.a + won.b).toBe(rounds);
    // The losing and replaced blobs are all gone: one blob per stored object.
    const objects = (ts.ctx.db.prepare('SELECT count(*) AS n FROM objects').get() as { n: number }).n;
    expect(await waitFor(() => blobFiles(ts.dataDir).length === objects, 3000)).toBe(true);
    expect(tmpFiles(ts.dataDir)).toEqual([]);
  });

  it('GetObject returns each object its own bytes over 300 sequential and 400 concurrent reads (each blob descriptor closed exactly once)', async () => {
    const bodies: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const b = randomBytes(1000 + i * 15_000);
      bodies.push(b);
      await client.send(new PutObjectCommand({ Bucket: B, Key: `reads/${i}`, Body: b }));
    }
    const failures: string[] = [];
    const check = async (i: number) => {
      try {
        const got = await Promise.race([
          readMd5(client, B, `reads/${i}`),
          sleep(5000).then(() => {
            throw new Error('no complete answer within 5 s');
          }),
        ]);
        if (got?.md5 !== md5hex(bodies[i]!)) failures.push(`reads/${i}: got ${got?.size} bytes, md5 ${got?.md5}`);
      } catch (e) {
        failures.push(`reads/${i}: ${(e as Error).message.split('\n')[0]}`);
      }
    };
    for (let n = 0; n < 300; n++) await check(n % 20);
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let n = 0; n < 50; n++) await check((n * 7 + w) % 20);
      }),
    );
    expect(failures.slice(0, 5), `${failures.length} of 700 reads returned wrong bytes or failed`).toEqual([]);
  });

  it('PutObject with a wrong Content-MD5 answers 400 BadDigest and keeps the old object', async () => {
    const old = randomBytes(50_000);
    await client.send(new PutObjectCommand({ Bucket: B, Key: 'digest/md5', Body: old }));
    const next = randomBytes(60_000);
    const wrongMd5 = createHash('md5').update('not the body').digest('base64');
    expect(await failureOf(client.send(new PutObjectCommand({ Bucket: B, Key: 'digest/md5', Body: next, ContentMD5: wrongMd5 })))).toEqual({
      status: 400,
      code: 'BadDigest',
    });
    const raw = await rawSigned(ts.url, 'PUT', `/${B}/digest/md5`, next, sha256hex(next), { 'content-md5': wrongMd5 });
    expect(raw.status).toBe(400);
    expect(codeOf(raw.body)).toBe('BadDigest');
    expect(await readMd5(client, B, 'digest/md5')).toEqual({ md5: md5hex(old), size: old.length, etag: md5hex(old) });
    expect(await waitFor(() => tmpFiles(ts.dataDir).length === 0, 2000)).toBe(true);
  });

  it('PutObject whose signed x-amz-content-sha256 is a wrong hex hash answers 400 XAmzContentSHA256Mismatch and keeps the old object', async () => {
    const old = randomBytes(70_000);
    await client.send(new PutObjectCommand({ Bucket: B, Key: 'digest/sha', Body: old }));
    const next = randomBytes(300_000);
    // Control: the same signing code with the right hash is accepted.
    const control = randomBytes(10);
    expect((await rawSigned(ts.url, 'PUT', `/${B}/digest/control`, control, sha256hex(control))).status).toBe(200);
    const raw = await rawSigned(ts.url, 'PUT', `/${B}/digest/sha`, next, sha256hex(Buffer.concat([next, Buffer.from('x')])));
    expect(raw.status).toBe(400);
    expect(codeOf(raw.body)).toBe('XAmzContentSHA256Mismatch');
    expect(await readMd5(client, B, 'digest/sha')).toEqual({ md5: md5hex(old), size: old.length, etag: md5hex(old) });
    expect(await waitFor(() => tmpFiles(ts.dataDir).length === 0, 2000)).toBe(true);
  });
});

// Plaintext, and again with every write encrypted (the bucket's default SSE-S3): the same invariants.
for (const sse of [false, true])
  slowDescribe(
    `SIGKILL during 50 concurrent PutObject calls${sse ? ' into a bucket with default SSE-S3' : ''} (CAIRN_FSYNC=on, server as a child process)`,
    () => {
      it(
        'after a restart every key holds its complete old or complete new body, acknowledged writes survive, and no orphan blob or temp file remains',
        { timeout: 120_000 },
        async () => {
          const dataDir = newDataDir();
          const B = 'crash';
          let srv = await spawnServer(dataDir, { CAIRN_FSYNC: 'on' });
          let client = s3Client(srv.url, { maxAttempts: 1 });
          const sizeOf = (i: number) => 1024 + ((i * 2_654_435_761) % (2 * MB - 1024)); // 1 KiB .. 2 MiB, spread
          const oldBodies = new Map<string, Buffer>();
          type Put = { i: number; key: string; body: Buffer; done: boolean; error?: string };
          const puts: Put[] = [];
          let killedAfter = 0;
          try {
            await client.send(new CreateBucketCommand({ Bucket: B }));
            if (sse) {
              await client.send(
                new PutBucketEncryptionCommand({
                  Bucket: B,
                  ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
                }),
              );
            }
            for (let k = 0; k < 20; k++) {
              const key = `k${String(k).padStart(2, '0')}`;
              const body = randomBytes(sizeOf(k + 1000));
              oldBodies.set(key, body);
              await client.send(new PutObjectCommand({ Bucket: B, Key: key, Body: body }));
            }
            client.destroy();

            // 50 PUTs: k00..k09 get two each, k10..k19 one, n00..n19 are new keys.
            for (let i = 0; i < 50; i++) {
              const key = i < 30 ? `k${String(i % 20).padStart(2, '0')}` : `n${String(i - 30).padStart(2, '0')}`;
              puts.push({ i, key, body: randomBytes(sizeOf(i)), done: false });
            }
            client = s3Client(srv.url, { maxAttempts: 1 });
            let completed = 0;
            let killing: Promise<void> | undefined;
            const kill = () => {
              if (!killing) {
                killedAfter = completed;
                killing = srv.kill();
              }
              return killing;
            };
            const inflight = puts.map((p) =>
              client.send(new PutObjectCommand({ Bucket: B, Key: p.key, Body: pacedStream(p.body, 64 * 1024, 8), ContentLength: p.body.length })).then(
                (r) => {
                  expect(r.ETag).toBe(`"${md5hex(p.body)}"`);
                  p.done = true;
                  completed++;
                  if (completed >= 25) void kill();
                },
                (e: unknown) => {
                  p.error = (e as Error).name + ': ' + (e as Error).message;
                },
              ),
            );
            const fallback = setTimeout(() => void kill(), 15_000);
            await Promise.all(inflight);
            clearTimeout(fallback);
            await kill();
            client.destroy();
            expect(srv.proc.signalCode).toBe('SIGKILL');

            srv = await spawnServer(dataDir, { CAIRN_FSYNC: 'on' });
            client = s3Client(srv.url, { maxAttempts: 1 });

            const keys = [...new Set([...oldBodies.keys(), ...puts.map((p) => p.key)])].sort();
            const counts = { old: 0, new: 0, absent: 0 };
            for (const key of keys) {
              const mine = puts.filter((p) => p.key === key);
              const old = oldBodies.get(key);
              const got = await readMd5(client, B, key);
              const allowed = new Map<string, string>();
              if (old) allowed.set(md5hex(old), 'old');
              for (const p of mine) allowed.set(md5hex(p.body), `new #${p.i}`);
              if (!got) {
                expect(old, `${key} existed before and is now missing`).toBeUndefined();
                expect(
                  mine.some((p) => p.done),
                  `${key}: acknowledged PUT lost`,
                ).toBe(false);
                counts.absent++;
                continue;
              }
              expect(allowed.has(got.md5), `${key}: content is neither the old nor a new body (size ${got.size})`).toBe(true);
              expect(got.etag).toBe(got.md5);
              const what = allowed.get(got.md5)!;
              if (mine.some((p) => p.done)) expect(what, `${key}: acknowledged PUT lost after the crash`).not.toBe('old');
              if (mine.length === 1 && mine[0]!.done) expect(what).toBe(`new #${mine[0]!.i}`);
              if (what === 'old') counts.old++;
              else counts.new++;
            }

            // The start-up sweep ran before "listening": nothing unreferenced is left.
            const db = new Database(join(dataDir, 'cairn.db'), { readonly: true, fileMustExist: true });
            let referenced: Set<string>;
            try {
              referenced = new Set((db.prepare('SELECT blob_id FROM objects').all() as Array<{ blob_id: string }>).map((r) => r.blob_id));
            } finally {
              db.close();
            }
            const files = blobFiles(dataDir);
            const orphans = files.filter((f) => !referenced.has(f));
            const missing = [...referenced].filter((id) => !files.includes(id));
            expect(orphans, 'blob files no row references').toEqual([]);
            expect(missing, 'rows whose blob file is missing').toEqual([]);
            expect(tmpFiles(dataDir)).toEqual([]);
            expect(counts.old + counts.new + counts.absent).toBe(40);
            if (sse) {
              for (const f of files)
                expect(
                  readFileSync(join(dataDir, 'blobs', f.slice(0, 2), f))
                    .subarray(0, 4)
                    .toString('latin1'),
                  f,
                ).toBe('CSE1');
            }

            console.log(
              `[durability] crash test: SIGKILL after ${killedAfter}/50 PUTs acknowledged ` +
                `(${puts.filter((p) => p.done).length} acknowledged in all, ${puts.filter((p) => p.error).length} failed); ` +
                `after restart: ${counts.old} keys old, ${counts.new} keys new, ${counts.absent} new keys absent; ` +
                `${files.length} blob files, all referenced; tmp/ empty`,
            );
            expect(killedAfter).toBeGreaterThan(0);
            expect(killedAfter).toBeLessThan(50);
          } finally {
            client.destroy();
            await srv.stop();
          }
        },
      );
    },
  );

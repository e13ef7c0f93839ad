#!/usr/bin/env node
// How Cairn scales with the number of objects in a bucket: for each size
// (default 1k, 100k, 1M) it fills a fresh data dir's metadata directly
// (rows pointing at one shared zero-byte blob, so filling takes seconds, not
// hours), starts the server on it, and measures a ListObjectsV2 page of 1000
// keys (from the middle of the key space), HEAD and 4 KiB PUT/GET latency and
// rate, and the database and disk footprint.
//   node bench/scale.mjs [--sizes 1000,100000,1000000] [--duration 5]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { loadConfig } from '../dist/config.js';
import { createLogger, ensureRoot, openContext } from '../dist/main.js';
import { signRequest } from '../dist/cli/signer.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (n, d) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
const sizes = opt('sizes', '1000,100000,1000000').split(',').map(Number);
const duration = Number(opt('duration', '5')) * 1000;
const AK = 'CAIRNSCALE0000000001';
const SK = 'cairn-scale-secret-000000000000000000001';
const agent = new Agent({ connections: 16 });

function du(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? du(p) : statSync(p).size;
  }
  return n;
}

function signed(endpoint, method, path, query = []) {
  return signRequest({ endpoint, method, path, query, accessKey: AK, secretKey: SK, region: 'us-east-1', now: new Date() });
}

async function call(endpoint, method, path, query, body) {
  const s = signed(endpoint, method, path, query);
  if (body) s.headers['content-length'] = String(body.length);
  const res = await request(s.url, { method, headers: s.headers, body, dispatcher: agent });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`);
  return text;
}

async function timed(conc, fn) {
  const lat = [];
  const t0 = performance.now();
  let i = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (performance.now() - t0 < duration) {
        const s = performance.now();
        await fn(i++);
        lat.push(performance.now() - s);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return { opsPerSec: Math.round(lat.length / ((performance.now() - t0) / 1000)), p50: +lat[Math.floor(lat.length / 2)].toFixed(2) };
}

const rows = [];
for (const n of sizes) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-scale-'));
  const config = loadConfig({}, { dataDir, accessKey: AK, secretKey: SK, logLevel: 'silent', fsync: true, port: 0 });
  const ctx = openContext(config, createLogger('silent'), {}, 'admin');
  ensureRoot(ctx, () => undefined);
  const t0 = performance.now();
  const { bucket } = ctx.buckets.create('scale', ctx.users.getRoot().id, 'us-east-1', Date.now());
  // One real (empty) blob every row points at.
  const blobId = '0'.repeat(32);
  mkdirSync(join(dataDir, 'blobs', '00'), { recursive: true });
  writeFileSync(join(dataDir, 'blobs', '00', blobId), '');
  const insert = ctx.db.prepare(
    "INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, blob_id, size, etag, last_modified, owner_id) VALUES (?, ?, 1, 'null', 1, ?, 0, 'd41d8cd98f00b204e9800998ecf8427e', ?, 1)",
  );
  const now = Date.now();
  for (let done = 0; done < n;) {
    const batch = Math.min(50_000, n - done);
    ctx.db.transaction(() => {
      for (let i = done; i < done + batch; i++) insert.run(bucket.id, Buffer.from(`data/d${i % 100}/k${String(i).padStart(8, '0')}`), blobId, now);
    })();
    done += batch;
  }
  ctx.db.pragma('wal_checkpoint(TRUNCATE)');
  ctx.db.close();
  ctx.blobs.close();
  const fillS = ((performance.now() - t0) / 1000).toFixed(1);

  const port = 21000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve'], {
    env: {
      ...process.env,
      CAIRN_HOST: '127.0.0.1',
      CAIRN_PORT: String(port),
      CAIRN_DATA_DIR: dataDir,
      CAIRN_ACCESS_KEY: AK,
      CAIRN_SECRET_KEY: SK,
      CAIRN_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const startT = performance.now();
  await new Promise((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => ((out += d), out.includes('Cairn listening') && res()));
    child.on('exit', (c) => rej(new Error(`exit ${c}`)));
  });
  const startS = ((performance.now() - startT) / 1000).toFixed(1);
  const ep = `http://127.0.0.1:${port}`;
  const mid = `data/d50/k${String(Math.floor(n / 2)).padStart(8, '0')}`;
  const list = await timed(4, () =>
    call(ep, 'GET', '/scale', [
      ['list-type', '2'],
      ['max-keys', '1000'],
      ['start-after', mid],
    ]),
  );
  const listDelim = await timed(4, () =>
    call(ep, 'GET', '/scale', [
      ['list-type', '2'],
      ['max-keys', '1000'],
      ['prefix', 'data/'],
      ['delimiter', '/'],
    ]),
  );
  const head = await timed(8, (i) => {
    const j = (i * 7919) % n;
    return call(ep, 'HEAD', `/scale/data/d${j % 100}/k${String(j).padStart(8, '0')}`);
  });
  const body = randomBytes(4096);
  let written = 0;
  const put = await timed(8, (i) => call(ep, 'PUT', `/scale/new/${i}`, [], body).then(() => written++));
  const get = await timed(8, (i) => call(ep, 'GET', `/scale/new/${i % Math.max(1, Math.min(500, written - 8))}`));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const dbBytes = ['cairn.db', 'cairn.db-wal'].reduce((s, f) => {
    try {
      return s + statSync(join(dataDir, f)).size;
    } catch {
      return s;
    }
  }, 0);
  rows.push({
    objects: n,
    'fill s': fillS,
    'start s': startS,
    'LIST page p50 ms': list.p50,
    'LIST pages/s': list.opsPerSec,
    'LIST delim p50 ms': listDelim.p50,
    'HEAD ops/s': head.opsPerSec,
    'PUT 4KiB ops/s': put.opsPerSec,
    'GET 4KiB ops/s': get.opsPerSec,
    'db MiB': +(dbBytes / 2 ** 20).toFixed(1),
    'db bytes/object': Math.round(dbBytes / n),
    'data dir MiB': +(du(dataDir) / 2 ** 20).toFixed(1),
  });
  console.error(JSON.stringify(rows[rows.length - 1]));
  rmSync(dataDir, { recursive: true, force: true });
}
console.table(rows);
await agent.close();

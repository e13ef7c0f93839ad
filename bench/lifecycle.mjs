#!/usr/bin/env node
// What a lifecycle worker pass costs: fills a bucket's metadata directly with N
// current versions (rows only, no blob files), then times one pass with a 30-day
// rule (nothing due), one with a 1-day prefix rule after three "days" (every row
// due by age, a tenth matching), and the pass after that (the cursor at the end).
// Build first (`npm run build`).   node bench/lifecycle.mjs [N=100000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../dist/config.js';
import { openContext, closeContext } from '../dist/context.js';
import { createLogger, ensureRoot } from '../dist/main.js';
import { applyLifecycle } from '../dist/workers/lifecycle.js';
const N = Number(process.argv[2] ?? 100000);
const dataDir = mkdtempSync(join(tmpdir(), 'lcbench-'));
const config = loadConfig({}, { dataDir, fsync: false, logLevel: 'silent', accessKey: 'AKIABENCH0000000001', secretKey: 'benchsecretbenchsecret' });
let now = Date.now();
const ctx = openContext(config, createLogger('silent'), { clock: () => now });
ensureRoot(ctx, () => {});
const acct = ctx.db.prepare('SELECT id FROM accounts LIMIT 1').get();
const ownerId = acct?.id ?? 1;
const { bucket } = ctx.buckets.create('bench', ownerId, 'us-east-1', now);
const t0 = Date.now();
ctx.db.transaction(() => {
  for (let i = 0; i < N; i++)
    ctx.objects.put({
      bucketId: bucket.id,
      key: `k/${String(i).padStart(8, '0')}`,
      blobId: `b${i}`,
      size: 10,
      etag: 'e',
      lastModified: now - 1000 + i / N,
      ownerId,
      storageClass: 'STANDARD',
      headers: {},
      meta: [],
    });
})();
console.log(`inserted ${N} rows in ${Date.now() - t0} ms`);
ctx.bucketConfigs.put(bucket.id, 'lifecycle', { rules: [{ id: 'r', enabled: true, shape: 'empty', filter: {}, expiration: { days: 30 } }] }, now);
let t = performance.now();
let r = await applyLifecycle(ctx);
console.log(`pass, none due (30-day rule): ${(performance.now() - t).toFixed(1)} ms`, r);
ctx.bucketConfigs.put(
  bucket.id,
  'lifecycle',
  { rules: [{ id: 'r', enabled: true, shape: 'prefix', filter: { prefix: 'k/0000' }, expiration: { days: 1 } }] },
  now,
);
now += 3 * 86400_000;
t = performance.now();
r = await applyLifecycle(ctx);
console.log(`pass, 1-day rule, prefix matching ${Math.min(N, 10000)} of ${N} (all past due): ${(performance.now() - t).toFixed(1)} ms`, r);
t = performance.now();
r = await applyLifecycle(ctx);
console.log(`next pass (cursor at the end): ${(performance.now() - t).toFixed(1)} ms`, r);
closeContext(ctx);
rmSync(dataDir, { recursive: true, force: true });

#!/usr/bin/env node
// The SQLite work of small PUTs and DELETEs alone, as the server commits them (batches of 8
// changes, each in a savepoint of the batch), in CPU microseconds per change: new keys, overwrites
// of existing keys, deletes, in a bucket that never had versioning. No HTTP, no blob files, no fsync.
// A/B two builds by their roots (each built: `npm run build`), alternating, e.g.
//   node bench/small-writes.mjs /tmp/mainbuild . /tmp/mainbuild . -- 20000
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const roots = (sep < 0 ? argv : argv.slice(0, sep)).map((r) => resolve(r));
const N = sep < 0 ? 20000 : Number(argv[sep + 1]);
if (roots.length === 0) {
  console.error('usage: node bench/small-writes.mjs ROOT [ROOT...] [-- N]');
  process.exit(2);
}

for (const root of roots) {
  const { openDb } = await import(join(root, 'dist/store/db.js'));
  const { ObjectsRepo } = await import(join(root, 'dist/store/objects.js'));
  const dir = mkdtempSync(join(tmpdir(), 'cairn-small-writes-'));
  const db = openDb(join(dir, 'meta.db'), 'NORMAL');
  db.prepare("INSERT INTO accounts (id, name, canonical_id, is_admin, created_at, account_id) VALUES (1, 'bench', 'c', 1, 0, '111111111111')").run();
  db.prepare("INSERT INTO buckets (id, name, owner_id, region, created_at) VALUES (1, 'bench', 1, 'us-east-1', 0)").run();
  const repo = new ObjectsRepo(db);
  const rec = (i) => ({
    bucketId: 1,
    key: `bench/obj-${String(i).padStart(8, '0')}`,
    blobId: `blob${i}`.padEnd(32, '0'),
    size: 4096,
    etag: 'e'.repeat(32),
    lastModified: Date.now(),
    ownerId: 1,
    storageClass: 'STANDARD',
    headers: { 'content-type': 'application/octet-stream' },
    meta: [],
  });
  const perChange = (fn) => {
    const t = process.cpuUsage();
    for (let i = 0; i < N; i += 8)
      db.transaction(() => {
        for (let j = i; j < i + 8; j++) db.transaction(() => fn(j))();
      }).immediate();
    const u = process.cpuUsage(t);
    return +((u.user + u.system) / N).toFixed(1);
  };
  const putNew = perChange((i) => repo.put(rec(i)));
  const putOver = perChange((i) => repo.put(rec(i)));
  const del = perChange((i) => repo.delete(1, rec(i).key, Date.now()));
  console.log(JSON.stringify({ root, 'put new µs': putNew, 'put overwrite µs': putOver, 'delete µs': del }));
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, type Db } from '../../src/store/db.js';
import { ObjectsRepo, type ObjectRecord } from '../../src/store/objects.js';
import { QuotaUsageRepo } from '../../src/store/quotaUsage.js';
import { UsageRepo } from '../../src/store/usage.js';

const MIGRATIONS = join(import.meta.dirname, '../../src/store/migrations');

/** A database as a build before migration 012 left it: migrations up to `last` applied. */
function openAt(path: string, last: number): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  for (const f of readdirSync(MIGRATIONS)
    .filter((n) => /^\d+_.*\.sql$/.test(n))
    .sort()) {
    const v = Number.parseInt(f, 10);
    if (v > last) continue;
    db.exec(readFileSync(join(MIGRATIONS, f), 'utf8'));
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(v);
  }
  return db;
}

/** Usage recomputed from the rows, as migrations 009 (listing/disk) and 011 (quotas) define it. */
function recomputed(db: Db, bucketId: number) {
  const u = db
    .prepare(
      `SELECT COALESCE(SUM(is_latest = 1 AND delete_marker = 0), 0) AS objects,
              COALESCE(SUM(CASE WHEN is_latest = 1 AND delete_marker = 0 THEN size ELSE 0 END), 0) AS bytes,
              COALESCE(SUM(delete_marker = 0), 0) AS versions,
              COALESCE(SUM(CASE WHEN delete_marker = 0 THEN size ELSE 0 END), 0) AS versionBytes,
              COALESCE(SUM(size), 0) AS allBytes
       FROM objects WHERE bucket_id = ?`,
    )
    .get(bucketId) as { objects: number; bytes: number; versions: number; versionBytes: number; allBytes: number };
  const parts = (
    db.prepare('SELECT COALESCE(SUM(p.size), 0) AS n FROM parts p JOIN uploads up ON up.id = p.upload_id WHERE up.bucket_id = ?').get(bucketId) as {
      n: number;
    }
  ).n;
  return {
    listing: { objects: u.objects, bytes: u.bytes, versions: u.versions, versionBytes: u.versionBytes },
    quota: { bytes: u.allBytes + parts, objects: u.versions },
  };
}

describe('migration 012: one bucket usage table', () => {
  let dir: string;
  let db: Db;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-mig-usage-'));
    db = openAt(join(dir, 'meta.db'), 11);
    db.prepare("INSERT INTO accounts (id, name, canonical_id, is_admin, created_at, account_id) VALUES (1, 'root', 'c1', 1, 0, '111111111111')").run();
    for (const [id, name] of [
      [1, 'versioned'],
      [2, 'plain'],
      [3, 'empty'],
    ] as const)
      db.prepare("INSERT INTO buckets (id, name, owner_id, region, created_at) VALUES (?, ?, 1, 'us-east-1', 0)").run(id, name);
    const obj = db.prepare(
      `INSERT INTO objects (bucket_id, key, seq, version_id, is_latest, delete_marker, blob_id, size, etag, last_modified, owner_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'e', 0, 1)`,
    );
    // versioned: a (noncurrent 100 + current 250), b (noncurrent 40 under a delete marker), c (current 7)
    obj.run(1, Buffer.from('a'), 1, 'v1', 0, 0, 'b1', 100);
    obj.run(1, Buffer.from('a'), 2, 'v2', 1, 0, 'b2', 250);
    obj.run(1, Buffer.from('b'), 1, 'v3', 0, 0, 'b3', 40);
    obj.run(1, Buffer.from('b'), 2, 'v4', 1, 1, null, 0);
    obj.run(1, Buffer.from('c'), 1, 'null', 1, 0, 'b5', 7);
    obj.run(2, Buffer.from('x'), 1, 'null', 1, 0, 'b6', 1000);
    obj.run(2, Buffer.from('y'), 1, 'null', 1, 0, 'b7', 24);
    // An open multipart upload in each of the first two buckets.
    const up = db.prepare(
      "INSERT INTO uploads (id, bucket_id, key, state, initiated, owner_id, storage_class) VALUES (?, ?, ?, 'uploading', 0, 1, 'STANDARD')",
    );
    const part = db.prepare("INSERT INTO parts (upload_id, part_number, blob_id, size, etag, last_modified) VALUES (?, ?, ?, ?, 'e', 0)");
    up.run('u1', 1, Buffer.from('big'));
    part.run('u1', 1, 'p1', 5000);
    part.run('u1', 2, 'p2', 300);
    up.run('u2', 2, Buffer.from('big'));
    part.run('u2', 1, 'p3', 11);
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries both old tables over to the same figures', () => {
    const oldListing = db
      .prepare(
        `SELECT b.name AS bucket, u.objects, u.bytes, u.versions, u.version_bytes AS versionBytes
         FROM buckets b JOIN bucket_usage u ON u.bucket_id = b.id ORDER BY b.name`,
      )
      .all();
    const oldQuota = db.prepare('SELECT bucket_id AS id, bytes, objects FROM bucket_quota_usage ORDER BY bucket_id').all() as Array<{
      id: number;
      bytes: number;
      objects: number;
    }>;
    // The old triggers counted what the rows hold (so the fixture means what it says).
    expect(oldQuota).toEqual([
      { id: 1, bytes: 100 + 250 + 40 + 7 + 5300, objects: 4 },
      { id: 2, bytes: 1024 + 11, objects: 2 },
      { id: 3, bytes: 0, objects: 0 },
    ]);

    migrate(db);

    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'bucket%usage%'").all() as { name: string }[]).map(
      (r) => r.name,
    );
    expect(tables).toEqual(['bucket_usage']);
    const triggers = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%quota%'").all() as unknown[]).length;
    expect(triggers).toBe(0);

    expect(new UsageRepo(db).buckets()).toEqual(oldListing);
    expect(new UsageRepo(db).buckets()).toEqual([
      { bucket: 'empty', objects: 0, bytes: 0, versions: 0, versionBytes: 0 },
      { bucket: 'plain', objects: 2, bytes: 1024, versions: 2, versionBytes: 1024 },
      { bucket: 'versioned', objects: 2, bytes: 257, versions: 4, versionBytes: 397 },
    ]);
    const quota = new QuotaUsageRepo(db);
    for (const q of oldQuota) expect(quota.get(q.id)).toEqual({ bytes: q.bytes, objects: q.objects });
  });

  it('keeps counting exactly after the upgrade (objects, versions, delete markers, parts, buckets)', () => {
    migrate(db);
    const repo = new ObjectsRepo(db);
    const usage = new UsageRepo(db);
    const quota = new QuotaUsageRepo(db);
    const check = () => {
      const byName = new Map(usage.buckets().map((u) => [u.bucket, u]));
      for (const [id, name] of [
        [1, 'versioned'],
        [2, 'plain'],
        [3, 'empty'],
      ] as const) {
        const want = recomputed(db, id);
        const { bucket: _b, ...listing } = byName.get(name)!;
        expect(listing).toEqual(want.listing);
        expect(quota.get(id)).toEqual(want.quota);
      }
    };
    const rec = (bucketId: number, key: string, size: number): ObjectRecord => ({
      bucketId,
      key,
      blobId: `${key}${size}`.padEnd(32, '0'),
      size,
      etag: 'e',
      lastModified: Date.now(),
      ownerId: 1,
      storageClass: 'STANDARD',
      headers: {},
      meta: [],
    });
    check();
    repo.put(rec(2, 'x', 5)); // overwrite in an unversioned bucket
    repo.put(rec(2, 'z', 9));
    repo.delete(2, 'y', Date.now());
    check();
    repo.put(rec(1, 'a', 33), undefined, 'Enabled'); // a third version
    repo.delete(1, 'c', Date.now(), 'Enabled', 1); // a delete marker over c
    check();
    const b = repo.version(1, 'b', 'v4')!;
    expect(b.deleteMarker).toBe(true);
    repo.deleteVersion(1, 'b', 'v4', Date.now()); // b's noncurrent version is promoted
    repo.deleteVersion(1, 'a', repo.latest(1, 'a')!.versionId!, Date.now());
    repo.put(rec(1, 'c', 12), undefined, 'Suspended');
    check();
    db.prepare("INSERT INTO parts (upload_id, part_number, blob_id, size, etag, last_modified) VALUES ('u2', 2, 'p4', 70, 'e', 0)").run();
    db.prepare("UPDATE parts SET size = 80 WHERE upload_id = 'u1' AND part_number = 2").run();
    db.prepare("DELETE FROM parts WHERE upload_id = 'u1' AND part_number = 1").run();
    check();
    db.prepare("INSERT INTO buckets (id, name, owner_id, region, created_at) VALUES (4, 'later', 1, 'us-east-1', 0)").run();
    expect(quota.get(4)).toEqual({ bytes: 0, objects: 0 });
    repo.put(rec(4, 'k', 3));
    expect(quota.get(4)).toEqual({ bytes: 3, objects: 1 });
    repo.delete(4, 'k', Date.now());
    db.prepare('DELETE FROM buckets WHERE id = 4').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM bucket_usage WHERE bucket_id = 4').get()).toEqual({ n: 0 });
  });
});

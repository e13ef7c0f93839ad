import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/store/db.js';
import { ObjectsRepo, type ObjectRecord } from '../../src/store/objects.js';

/**
 * ObjectsRepo keeps the latest version of recently read keys in memory:
 * every change must be seen by the next read, and a write that rolls back
 * must leave nothing of itself behind.
 */
describe('ObjectsRepo recent-version cache', () => {
  let dir: string;
  let db: Db;
  let repo: ObjectsRepo;
  const B = 1;
  const rec = (key: string, etag: string, extra: Partial<ObjectRecord> = {}): ObjectRecord => ({
    bucketId: B,
    key,
    blobId: etag.padEnd(32, '0'),
    size: 1,
    etag,
    lastModified: Date.now(),
    ownerId: 1,
    storageClass: 'STANDARD',
    headers: { 'content-type': 'text/plain' },
    meta: [['a', '1']],
    ...extra,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-objects-'));
    db = openDb(join(dir, 'cairn.db'), 'NORMAL');
    db.prepare("INSERT INTO accounts (id, name, canonical_id, created_at, account_id) VALUES (1, 'root', 'c', 0, '123456789012')").run();
    db.prepare("INSERT INTO buckets (id, name, owner_id, region, created_at) VALUES (1, 'b', 1, 'us-east-1', 0)").run();
    repo = new ObjectsRepo(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an overwrite, a delete, a delete marker and a version removal are seen by the next read', () => {
    repo.put(rec('k', 'aa'));
    expect(repo.get(B, 'k')?.etag).toBe('aa');
    repo.put(rec('k', 'bb'));
    expect(repo.get(B, 'k')?.etag).toBe('bb');
    repo.delete(B, 'k', Date.now());
    expect(repo.get(B, 'k')).toBeUndefined();

    const v1 = repo.put(rec('v', 'cc'), undefined, 'Enabled').versionId;
    expect(repo.latest(B, 'v')?.versionId).toBe(v1);
    const marker = repo.delete(B, 'v', Date.now(), 'Enabled').deleteMarkerVersionId!;
    expect(repo.latest(B, 'v')?.deleteMarker).toBe(true);
    expect(repo.get(B, 'v')).toBeUndefined();
    repo.deleteVersion(B, 'v', marker, Date.now());
    expect(repo.get(B, 'v')?.etag).toBe('cc');
  });

  it('retention and legal hold changes are seen by the next read', () => {
    repo.put(rec('l', 'dd'));
    const o = repo.get(B, 'l')!;
    repo.setRetention(o, 'GOVERNANCE', 123_000);
    expect(repo.get(B, 'l')).toMatchObject({ lockMode: 'GOVERNANCE', lockUntil: 123_000 });
    repo.setLegalHold(repo.get(B, 'l')!, true);
    expect(repo.get(B, 'l')?.legalHold).toBe(true);
  });

  it('a write that rolls back leaves the committed version readable, and a row read inside it is not kept', () => {
    repo.put(rec('r', 'ee'));
    expect(repo.get(B, 'r')?.etag).toBe('ee');
    expect(() =>
      db.transaction(() => {
        repo.put(rec('r', 'ff'));
        expect(repo.get(B, 'r')?.etag).toBe('ff');
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    expect(repo.get(B, 'r')?.etag).toBe('ee');
  });

  it('a key with a lone surrogate names the same row as its U+FFFD form, for the cache too', () => {
    repo.put(rec('s\uFFFD', 'aa'));
    expect(repo.get(B, 's\uFFFD')?.etag).toBe('aa');
    repo.delete(B, 's\uD800', Date.now());
    expect(repo.get(B, 's\uFFFD')).toBeUndefined();
  });

  it('returns frozen records (callers share them)', () => {
    repo.put(rec('f', 'aa'));
    const o = repo.get(B, 'f')!;
    expect(Object.isFrozen(o) && Object.isFrozen(o.headers) && Object.isFrozen(o.meta)).toBe(true);
    expect(() => {
      (o as { etag: string }).etag = 'x';
    }).toThrow(TypeError);
  });
});

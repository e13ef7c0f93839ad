import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/store/db.js';
import { GroupCommit } from '../../src/store/commits.js';

/** A fake fsync that records when each call started and completes only when the test releases it. */
function controlledFsync() {
  const calls: Array<{ startedAfterRows: number; done: () => void }> = [];
  let rowsNow = () => 0;
  const fn = (_fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
    calls.push({ startedAfterRows: rowsNow(), done: () => cb(null) });
  };
  return { calls, fn, setRows: (f: () => number) => (rowsNow = f) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-commits-'));
    db = openDb(join(dir, 'cairn.db'), 'NORMAL');
    db.exec('CREATE TABLE t (v INTEGER)');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;

  it('commits one batch at a time: changes queued while a batch waits for its fsync form the next batch (one transaction, one fsync), and nobody is answered before an fsync that began after its commit', async () => {
    const f = controlledFsync();
    f.setRows(rows);
    // maxInFlight 1: one batch at a time (the default overlaps two; tested below).
    const gc = new GroupCommit(db, join(dir, 'cairn.db-wal'), true, f.fn, 1);
    const answered: number[] = [];
    const write = (v: number) => gc.run(() => db.prepare('INSERT INTO t VALUES (?)').run(v)).then(() => answered.push(v));
    void write(1);
    await tick();
    await tick();
    expect(f.calls.length).toBe(1);
    expect(f.calls[0]!.startedAfterRows).toBe(1);
    // Three more writes in later turns while the first fsync is still running: queued, not yet committed.
    for (const v of [2, 3, 4]) {
      void write(v);
      await tick();
      await tick();
    }
    expect(rows()).toBe(1);
    expect(f.calls.length).toBe(1);
    expect(answered).toEqual([]);
    f.calls[0]!.done();
    await tick();
    await tick();
    expect(answered).toEqual([1]);
    // The three committed together once the first fsync returned, and share one more fsync.
    expect(rows()).toBe(4);
    expect(f.calls.length).toBe(2);
    expect(f.calls[1]!.startedAfterRows).toBe(4);
    f.calls[1]!.done();
    await tick();
    await tick();
    expect(answered.sort()).toEqual([1, 2, 3, 4]);
    expect(f.calls.length).toBe(2);
    gc.close();
  });

  it('two batches in flight (the default): the second commits while the first waits for its fsync and starts its own; a third batch waits; nobody is answered before an fsync that began after its commit', async () => {
    const f = controlledFsync();
    f.setRows(rows);
    const gc = new GroupCommit(db, join(dir, 'cairn.db-wal'), true, f.fn);
    const answered: number[] = [];
    const write = (v: number) => gc.run(() => db.prepare('INSERT INTO t VALUES (?)').run(v)).then(() => answered.push(v));
    void write(1);
    await tick();
    await tick();
    expect(f.calls.map((c) => c.startedAfterRows)).toEqual([1]);
    void write(2);
    await tick();
    await tick();
    // The second batch committed at once and started its own fsync, overlapping the first.
    expect(rows()).toBe(2);
    expect(f.calls.map((c) => c.startedAfterRows)).toEqual([1, 2]);
    // A third and fourth wait: two batches are in flight.
    void write(3);
    void write(4);
    await tick();
    await tick();
    expect(rows()).toBe(2);
    expect(answered).toEqual([]);
    // The second fsync returns first: its batch is answered (its fsync began after its commit).
    f.calls[1]!.done();
    await tick();
    await tick();
    expect(answered).toEqual([2]);
    // A slot is free: 3 and 4 commit together and start a third fsync.
    expect(rows()).toBe(4);
    expect(f.calls.map((c) => c.startedAfterRows)).toEqual([1, 2, 4]);
    f.calls[0]!.done();
    f.calls[2]!.done();
    await tick();
    await tick();
    expect(answered.sort()).toEqual([1, 2, 3, 4]);
    gc.close();
  });

  it('a change that throws rolls back alone and is rejected; the others commit', async () => {
    const gc = new GroupCommit(db, join(dir, 'cairn.db-wal'), true);
    const ok = gc.run(() => db.prepare('INSERT INTO t VALUES (1)').run());
    const bad = gc.run(() => {
      db.prepare('INSERT INTO t VALUES (2)').run();
      throw new Error('refused');
    });
    await expect(ok).resolves.toBeDefined();
    await expect(bad).rejects.toThrow('refused');
    expect(db.prepare('SELECT v FROM t').pluck().all()).toEqual([1]);
    gc.close();
  });

  it('sync() from outside shares the fsync in flight only if it began after the call, else waits for the next', async () => {
    const f = controlledFsync();
    const gc = new GroupCommit(db, join(dir, 'cairn.db-wal'), true, f.fn);
    db.prepare('INSERT INTO t VALUES (1)').run();
    let first = false;
    let second = false;
    void gc.sync().then(() => (first = true));
    void gc.sync().then(() => (second = true));
    expect(f.calls.length).toBe(1);
    f.calls[0]!.done();
    await tick();
    expect(first).toBe(true);
    expect(second).toBe(false);
    expect(f.calls.length).toBe(2);
    f.calls[1]!.done();
    await tick();
    expect(second).toBe(true);
    gc.close();
  });

  it('defer() rides along with the next batch, or commits alone shortly after; close() commits what is left', async () => {
    const f = controlledFsync();
    const gc = new GroupCommit(db, join(dir, 'cairn.db-wal'), true, f.fn);
    gc.defer(() => db.prepare('INSERT INTO t VALUES (10)').run());
    const w = gc.run(() => db.prepare('INSERT INTO t VALUES (11)').run());
    await tick();
    await tick();
    expect(rows()).toBe(2);
    f.calls[0]!.done();
    await w;
    gc.defer(() => db.prepare('INSERT INTO t VALUES (12)').run());
    expect(rows()).toBe(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(rows()).toBe(3);
    // A deferred change never asks for an fsync of its own.
    expect(f.calls.length).toBe(1);
    gc.defer(() => db.prepare('INSERT INTO t VALUES (13)').run());
    gc.defer(() => {
      throw new Error('ignored');
    });
    gc.close();
    expect(rows()).toBe(4);
  });
});

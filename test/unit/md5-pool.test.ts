import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Md5Pool, defaultMd5PoolSize, type AsyncHasher } from '../../src/digest/md5Pool.js';
import { BlobStore } from '../../src/store/blobs.js';
import { sleep, waitFor } from '../helpers/s3.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
/** The pool's worker threads (private: read here to check that close() really stops them). */
const threads = (p: Md5Pool) => [...(p as unknown as { slots: Set<{ worker: Worker }> }).slots].map((s) => s.worker);

/** Feeds `body` to `h` in chunks of the given sizes (cycled), awaiting each update like BlobStore.stage does. */
async function feed(h: AsyncHasher, body: Buffer, sizes: number[]): Promise<void> {
  for (let off = 0, i = 0; off < body.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, body.length - off);
    const taken = h.update(body.subarray(off, off + n));
    if (taken) await taken;
    off += n;
  }
}

/** Whether `p` has settled after the event loop had a chance to run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await sleep(50);
  return done;
}

describe('Md5Pool', () => {
  const pools: Md5Pool[] = [];
  const newPool = (size?: number) => {
    const p = new Md5Pool({ size });
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('defaults to the CPUs available, at least 2 and at most 4; refuses a size that is not a positive integer', () => {
    expect(defaultMd5PoolSize()).toBeGreaterThanOrEqual(2);
    expect(defaultMd5PoolSize()).toBeLessThanOrEqual(4);
    expect(new Md5Pool().size).toBe(defaultMd5PoolSize());
    expect(() => new Md5Pool({ size: 0 })).toThrow(RangeError);
    expect(() => new Md5Pool({ size: 1.5 })).toThrow(RangeError);
  });

  it('gives the same digests as node:crypto for random bodies split in odd chunk sizes', async () => {
    const pool = newPool(1);
    // Around the 1 MiB slab size, and past the 4 slabs a hasher owns (slabs come back from the worker and are reused).
    const lengths = [0, 1, MiB - 1, MiB, MiB + 1, 4 * MiB + 3, 9 * MiB + 12345];
    const splits = [[1, 7, 4093], [65537], [MiB - 1, 3], [3 * MiB + 5, 17], [MiB + 1]];
    for (const len of lengths) {
      const body = randomBytes(len);
      for (const sizes of splits) {
        const h = await pool.hasher();
        await feed(h, body, sizes);
        expect((await h.digest()).toString('hex'), `${len} bytes in chunks of ${sizes.join(',')}`).toBe(md5(body));
      }
    }
    // One worker served every body, one after the other.
    expect(pool.stats()).toEqual({ workers: 1, busy: 0, waiting: 0 });
  });

  it('starts workers lazily and gives two concurrent hashers a worker each', async () => {
    const pool = newPool(2);
    expect(pool.stats().workers).toBe(0);
    const [a, b] = await Promise.all([pool.hasher(), pool.hasher()]);
    expect(pool.stats()).toEqual({ workers: 2, busy: 2, waiting: 0 });
    const ba = randomBytes(6 * MiB + 1);
    const bb = randomBytes(5 * MiB + 7);
    await Promise.all([feed(a!, ba, [100_003]), feed(b!, bb, [777_777])]);
    const [da, db] = await Promise.all([a!.digest(), b!.digest()]);
    expect([da.toString('hex'), db.toString('hex')]).toEqual([md5(ba), md5(bb)]);
    expect(pool.stats()).toEqual({ workers: 2, busy: 0, waiting: 0 });
  });

  it('makes a third hasher wait while both workers of a pool of 2 are busy, then gives it the first one freed', async () => {
    const pool = newPool(2);
    const a = await pool.hasher();
    const b = await pool.hasher();
    const third = pool.hasher();
    expect(await settled(third)).toBe(false);
    expect(pool.stats()).toEqual({ workers: 2, busy: 2, waiting: 1 });
    const ba = randomBytes(3 * MiB + 11);
    const bb = randomBytes(2 * MiB + 5);
    const bc = randomBytes(7 * MiB + 3);
    await feed(a, ba, [65_536 + 1]);
    await feed(b, bb, [MiB + 13]);
    expect((await a.digest()).toString('hex')).toBe(md5(ba));
    // The worker a gave back went to the waiting hasher: still two threads, none idle.
    const c = await third;
    expect(pool.stats()).toEqual({ workers: 2, busy: 2, waiting: 0 });
    await Promise.all([feed(c, bc, [123_457]), feed(b, bb.subarray(0, 0), [1])]);
    expect((await c.digest()).toString('hex')).toBe(md5(bc));
    expect((await b.digest()).toString('hex')).toBe(md5(bb));
    expect(pool.stats()).toEqual({ workers: 2, busy: 0, waiting: 0 });
  });

  it('frees the worker on release(), with its hash state reset for the next body', async () => {
    const pool = newPool(1);
    const a = await pool.hasher();
    await feed(a, randomBytes(3 * MiB + 1), [MiB / 2 + 1]);
    const next = pool.hasher();
    expect(await settled(next)).toBe(false);
    a.release();
    a.release();
    const b = await next;
    const body = randomBytes(2 * MiB + 9);
    await feed(b, body, [333_333]);
    expect((await b.digest()).toString('hex')).toBe(md5(body));
    expect(pool.stats()).toEqual({ workers: 1, busy: 0, waiting: 0 });
    // A finished hasher cannot be used again (its worker belongs to someone else).
    await expect(b.digest()).rejects.toThrow(/already finished/);
  });

  it('keeps a worker’s slabs from body to body (16 MiB parts allocate none after the first), released part-filled ones included', async () => {
    const pool = newPool(1);
    const slabs = () => [...(pool as unknown as { slots: Set<{ created: number; free: ArrayBuffer[] }> }).slots][0]!;
    for (let i = 0; i < 8; i++) {
      const h = await pool.hasher();
      const body = randomBytes(16 * MiB + i);
      await feed(h, body, [65_536]);
      expect((await h.digest()).toString('hex')).toBe(md5(body));
    }
    expect(slabs().created).toBe(4);
    expect(slabs().free).toHaveLength(4);
    const kept = new Set(slabs().free);
    // Bodies that fail with a slab part filled (or just taken) give it back: more of them than slabs must not starve the next.
    for (let i = 0; i < 6; i++) {
      const h = await pool.hasher();
      await feed(h, randomBytes(i % 2 ? MiB + 100 : 100), [4096]);
      h.release();
    }
    const h = await pool.hasher();
    const body = randomBytes(5 * MiB + 3);
    await feed(h, body, [100_000]);
    expect((await h.digest()).toString('hex')).toBe(md5(body));
    expect(slabs().created).toBe(4);
    expect(new Set(slabs().free)).toEqual(kept);
  });

  it('stops waiting when the signal aborts', async () => {
    const pool = newPool(1);
    const a = await pool.hasher();
    const ac = new AbortController();
    const waiting = pool.hasher(ac.signal);
    expect(pool.stats().waiting).toBe(1);
    ac.abort(new Error('client went away'));
    await expect(waiting).rejects.toThrow('client went away');
    expect(pool.stats().waiting).toBe(0);
    a.release();
    await waitFor(() => pool.stats().busy === 0);
    expect(pool.stats()).toEqual({ workers: 1, busy: 0, waiting: 0 });
  });

  it('fails the body of a worker that dies instead of hanging, and starts another for the next', async () => {
    const pool = newPool(1);
    const a = await pool.hasher();
    await feed(a, randomBytes(2 * MiB), [MiB]);
    const waiting = pool.hasher();
    await threads(pool)[0]!.terminate();
    await expect(a.digest()).rejects.toThrow(/MD5 worker exited/);
    const b = await waiting;
    const body = randomBytes(MiB + 1);
    await feed(b, body, [4096]);
    expect((await b.digest()).toString('hex')).toBe(md5(body));
    expect(pool.stats()).toEqual({ workers: 1, busy: 0, waiting: 0 });
  });

  it('close() terminates the threads and fails hashers in use and waiting', async () => {
    const pool = newPool(2);
    const a = await pool.hasher();
    const b = await pool.hasher();
    await feed(b, randomBytes(MiB), [MiB]);
    await b.digest();
    // b's worker is idle: the first of these takes it, the second waits.
    const idle = await pool.hasher();
    const waiting = pool.hasher();
    const failedWait = expect(waiting).rejects.toThrow(/closed/);
    await feed(a, randomBytes(2 * MiB), [MiB]);
    const workers = threads(pool);
    expect(workers.map((w) => w.threadId > 0)).toEqual([true, true]);
    await pool.close();
    expect(workers.map((w) => w.threadId)).toEqual([-1, -1]);
    expect(pool.closed).toBe(true);
    expect(pool.stats()).toEqual({ workers: 0, busy: 0, waiting: 0 });
    await failedWait;
    await expect(idle.digest()).rejects.toThrow(/closed/);
    await expect(a.digest()).rejects.toThrow(/closed/);
    await expect(pool.hasher()).rejects.toThrow(/closed/);
    await pool.close();
  });
});

describe('BlobStore and its MD5 pool', () => {
  let dir: string;
  const stores: BlobStore[] = [];
  const pools: Md5Pool[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-md5pool-'));
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) s.close();
    await Promise.all(pools.splice(0).map((p) => p.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const newStore = (name: string, md5Pool?: Md5Pool) => {
    mkdirSync(join(dir, name));
    const s = new BlobStore(join(dir, name), { fsync: false, md5Pool });
    stores.push(s);
    return s;
  };
  const LARGE = 9 * MiB;

  it('gives each BlobStore a pool of its own (closed with it); a pool passed in is the caller’s', async () => {
    const a = newStore('a');
    const b = newStore('b');
    expect(a.md5Pool).toBeInstanceOf(Md5Pool);
    expect(a.md5Pool).not.toBe(b.md5Pool);
    const body = randomBytes(LARGE);
    const stageB = async () => {
      const src = new PassThrough();
      const staged = b.stage(src, { maxSize: 1e9, expectedSize: body.length });
      src.end(body);
      return staged;
    };
    expect((await stageB()).md5!.toString('hex')).toBe(md5(body));
    expect(b.md5Pool.stats().workers).toBe(1);
    expect(a.md5Pool.stats().workers).toBe(0);
    a.close();
    expect(a.md5Pool.closed).toBe(true);
    expect(b.md5Pool.closed).toBe(false);
    expect((await stageB()).md5!.toString('hex')).toBe(md5(body));

    const shared = new Md5Pool({ size: 1 });
    pools.push(shared);
    const c = newStore('c', shared);
    expect(c.md5Pool).toBe(shared);
    c.close();
    expect(shared.closed).toBe(false);
  });

  it('makes a third large body wait, unread, while both workers of a pool of 2 hash the others: never hashed inline', async () => {
    const pool = new Md5Pool({ size: 2 });
    pools.push(pool);
    const store = newStore('s', pool);
    const bodies = [randomBytes(LARGE), randomBytes(LARGE + 1), randomBytes(LARGE + 2)];
    const sources = bodies.map(() => new PassThrough({ highWaterMark: 64 * 1024 }));
    const staged = sources.map((src, i) => store.stage(src, { maxSize: 1e9, expectedSize: bodies[i]!.length }));
    // The first MiB of each body arrives.
    sources.forEach((src, i) => src.write(bodies[i]!.subarray(0, MiB)));
    expect(await waitFor(() => sources[0]!.readableLength === 0 && sources[1]!.readableLength === 0)).toBe(true);
    await sleep(50);
    expect(pool.stats()).toEqual({ workers: 2, busy: 2, waiting: 1 });
    // Nothing of the third body has been read (hashing it inline would have consumed it).
    expect(sources[2]!.readableLength).toBe(MiB);
    sources[0]!.end(bodies[0]!.subarray(MiB));
    const first = await staged[0]!;
    expect(first.md5!.toString('hex')).toBe(md5(bodies[0]!));
    // The freed worker went to the third body.
    sources[2]!.end(bodies[2]!.subarray(MiB));
    sources[1]!.end(bodies[1]!.subarray(MiB));
    const rest = await Promise.all(staged.slice(1));
    expect(rest.map((s) => s.md5!.toString('hex'))).toEqual([md5(bodies[1]!), md5(bodies[2]!)]);
    expect(pool.stats()).toEqual({ workers: 2, busy: 0, waiting: 0 });
  });

  it('a large body that waited 500 ms for a worker (slow clients hold them all) is hashed on the event loop instead, correctly', async () => {
    const pool = new Md5Pool({ size: 1 });
    pools.push(pool);
    const store = newStore('w', pool);
    const holder = new PassThrough({ highWaterMark: 64 * 1024 });
    const held = randomBytes(LARGE);
    const first = store.stage(holder, { maxSize: 1e9, expectedSize: held.length });
    holder.write(held.subarray(0, MiB));
    expect(await waitFor(() => pool.stats().busy === 1)).toBe(true);
    const body = randomBytes(LARGE + 3);
    const src = new PassThrough({ highWaterMark: 64 * 1024 });
    const second = store.stage(src, { maxSize: 1e9, expectedSize: body.length });
    src.end(body);
    // Hashed inline once the wait runs out, while the first body still holds the only worker.
    const done = await second;
    expect(done.md5!.toString('hex')).toBe(md5(body));
    expect(pool.stats()).toEqual({ workers: 1, busy: 1, waiting: 0 });
    holder.end(held.subarray(MiB));
    expect((await first).md5!.toString('hex')).toBe(md5(held));
  });

  it('hashes a body below the threshold inline, without starting a worker', async () => {
    const store = newStore('s');
    const body = randomBytes(MiB);
    const src = new PassThrough();
    const staged = store.stage(src, { maxSize: 1e9, expectedSize: body.length });
    src.end(body);
    expect((await staged).md5!.toString('hex')).toBe(md5(body));
    expect(store.md5Pool.stats().workers).toBe(0);
  });

  it('frees the worker when a body fails, for the next body (hashed from a clean state)', async () => {
    const pool = new Md5Pool({ size: 1 });
    pools.push(pool);
    const store = newStore('s', pool);
    const src = new PassThrough();
    const failing = store.stage(src, { maxSize: 1e9, expectedSize: LARGE });
    src.write(randomBytes(3 * MiB));
    await waitFor(() => src.readableLength === 0);
    src.destroy(new Error('connection reset'));
    await expect(failing).rejects.toThrow('connection reset');
    expect(await waitFor(() => pool.stats().busy === 0)).toBe(true);
    expect(readdirSync(join(dir, 's', 'tmp'))).toEqual([]);
    const body = randomBytes(LARGE);
    const ok = new PassThrough();
    const staged = store.stage(ok, { maxSize: 1e9, expectedSize: body.length });
    ok.end(body);
    expect((await staged).md5!.toString('hex')).toBe(md5(body));
  });

  it('stops waiting for a worker when the waiting body fails, with the body’s error', async () => {
    const pool = new Md5Pool({ size: 1 });
    pools.push(pool);
    const store = newStore('s', pool);
    const first = new PassThrough();
    const staged = store.stage(first, { maxSize: 1e9, expectedSize: LARGE });
    await waitFor(() => pool.stats().busy === 1);
    const second = new PassThrough();
    const waiting = store.stage(second, { maxSize: 1e9, expectedSize: LARGE });
    expect(await waitFor(() => pool.stats().waiting === 1)).toBe(true);
    second.destroy(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
    expect(pool.stats()).toEqual({ workers: 1, busy: 1, waiting: 0 });
    const body = randomBytes(LARGE);
    first.end(body);
    expect((await staged).md5!.toString('hex')).toBe(md5(body));
    expect(readdirSync(join(dir, 's', 'tmp')).length).toBe(1);
  });
});

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Hasher } from './checksums.js';

/**
 * MD5 on worker threads, for large bodies: the event loop only copies each
 * chunk into a 1 MiB slab and hands full slabs to a worker (memcpy speed)
 * while the worker hashes (about 500-700 MiB/s), so hashing overlaps with
 * receiving and writing instead of capping one thread. Slabs are passed back
 * and forth (transferred, never cloned) from a set of SLABS per worker (kept from one body to the next), which
 * bounds the memory a hash holds (SLABS MiB, so SLABS x size MiB for a whole
 * pool) and is the backpressure: update() waits for a free slab.
 *
 * A pool owns up to `size` workers, started when first needed; each hashes
 * one body at a time. A body that comes while all of them are busy waits for
 * one to be given back (digest() or release()), so two concurrent large
 * uploads never share a thread and none is hashed on the event loop.
 */

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let h = createHash('md5');
parentPort.on('message', (m) => {
  if (m.type === 'data') {
    h.update(new Uint8Array(m.buf, 0, m.len));
    parentPort.postMessage({ type: 'slab', buf: m.buf }, [m.buf]);
  } else if (m.type === 'digest') {
    const d = h.digest();
    h = createHash('md5');
    parentPort.postMessage({ type: 'digest', d });
  }
});
`;

const SLAB = 1024 * 1024;
const SLABS = 4;

export interface AsyncHasher {
  /** Adds a chunk; resolves once it has been taken (immediately, unless all slabs are with the worker). */
  update(chunk: Buffer): Promise<void> | void;
  digest(): Promise<Buffer>;
  /** Gives the worker back without a digest (on failure). */
  release(): void;
}

export interface Md5PoolOptions {
  /** Worker threads at most (default: the CPUs available, at least 2 and at most 4). */
  size?: number;
}

type WorkerMessage = { type: 'slab'; buf: ArrayBuffer } | { type: 'digest'; d: Uint8Array };

interface Slot {
  readonly worker: Worker;
  /**
   * The worker's slabs that are back (at most SLABS, `created` so far), kept
   * from one body to the next: a body of 16 MiB (a multipart part) would
   * otherwise allocate its own and leave them as garbage, and 1 MiB
   * ArrayBuffers by the hundred make GC and transfers several times dearer.
   */
  readonly free: ArrayBuffer[];
  created: number;
  /** The hasher using the worker now: gets its messages, and its failure if the thread dies. */
  user?: { message(m: WorkerMessage): void; fail(e: Error): void };
}

interface Waiter {
  grant(slot: Slot): void;
  fail(e: Error): void;
}

export function defaultMd5PoolSize(): number {
  return Math.min(4, Math.max(2, availableParallelism()));
}

const closedError = () => new Error('MD5 worker pool is closed');

export class Md5Pool {
  readonly size: number;
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly waiters: Waiter[] = [];
  private closing: Promise<void> | undefined;

  constructor(opts: Md5PoolOptions = {}) {
    const size = opts.size ?? defaultMd5PoolSize();
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`MD5 pool size must be a positive integer, not ${size}`);
    this.size = size;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Worker threads running, those hashing a body now (or resetting after one), and bodies waiting for one. */
  stats(): { workers: number; busy: number; waiting: number } {
    return { workers: this.slots.size, busy: this.slots.size - this.idle.length, waiting: this.waiters.length };
  }

  /**
   * An MD5 hasher on a worker of its own: at once when one is idle or fewer
   * than `size` run, else once one is given back. Rejects when the pool is
   * closed, or with `signal`'s reason when it aborts the wait.
   */
  hasher(signal?: AbortSignal): Promise<AsyncHasher> {
    if (this.closed) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const slot = this.take();
    if (slot) return Promise.resolve(this.bind(slot));
    return new Promise<AsyncHasher>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason as Error);
      };
      const waiter: Waiter = {
        grant: (s) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.bind(s));
        },
        fail: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Terminates the workers; hashers still running and bodies still waiting fail. Resolves once the threads have stopped. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const e = closedError();
    const slots = [...this.slots];
    this.slots.clear();
    this.idle.length = 0;
    for (const w of this.waiters.splice(0)) w.fail(e);
    for (const s of slots) {
      const u = s.user;
      s.user = undefined;
      u?.fail(e);
    }
    this.closing = Promise.all(slots.map((s) => s.worker.terminate())).then(() => undefined);
    return this.closing;
  }

  private take(): Slot | undefined {
    return this.idle.pop() ?? (this.slots.size < this.size ? this.spawn() : undefined);
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 } });
    worker.unref();
    const slot: Slot = { worker, free: [], created: 0 };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'slab') slot.free.push(m.buf);
      slot.user?.message(m);
    });
    // 'error' (an exception, out of memory) is followed by 'exit'; the first one reports it.
    worker.on('error', (e) => this.lost(slot, e));
    worker.on('exit', (code) => this.lost(slot, new Error(`MD5 worker exited with code ${code}`)));
    this.slots.add(slot);
    return slot;
  }

  /** A worker died on its own: its body fails, and a waiting body may start a new one. */
  private lost(slot: Slot, e: Error): void {
    if (!this.slots.delete(slot)) return;
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    const u = slot.user;
    slot.user = undefined;
    u?.fail(e);
    while (this.waiters.length > 0) {
      const s = this.take();
      if (!s) break;
      this.waiters.shift()!.grant(s);
    }
  }

  private giveBack(slot: Slot): void {
    slot.user = undefined;
    slot.worker.unref();
    if (!this.slots.has(slot)) return;
    const w = this.waiters.shift();
    if (w) w.grant(slot);
    else this.idle.push(slot);
  }

  private bind(slot: Slot): AsyncHasher {
    const w = slot.worker;
    // Referenced while it hashes: a digest being computed keeps the process alive.
    w.ref();
    const free = slot.free;
    let current: Uint8Array | undefined;
    let used = 0;
    let waiting: (() => void) | undefined;
    let done: ((d: Buffer) => void) | undefined;
    let failDigest: ((e: Error) => void) | undefined;
    let failed: Error | undefined;
    let finished = false;

    const wake = () => {
      const r = waiting;
      waiting = undefined;
      r?.();
    };
    const finish = () => {
      if (finished) return;
      finished = true;
      this.giveBack(slot);
    };
    slot.user = {
      message: (m) => {
        if (m.type === 'slab') wake();
        else if (m.type === 'digest') {
          done?.(Buffer.from(m.d));
        }
      },
      fail: (e) => {
        failed = e;
        finished = true;
        wake();
        failDigest?.(e);
      },
    };

    const takeSlab = async (): Promise<Uint8Array> => {
      if (free.length === 0 && slot.created < SLABS) {
        slot.created++;
        return new Uint8Array(new ArrayBuffer(SLAB));
      }
      while (free.length === 0 && !failed) await new Promise<void>((r) => (waiting = r));
      if (failed) throw failed;
      return new Uint8Array(free.pop()!);
    };
    const send = () => {
      if (!current) return;
      if (used === 0) {
        // Taken but empty: it stays with the slot.
        free.push(current.buffer as ArrayBuffer);
        current = undefined;
        return;
      }
      const buf = current.buffer as ArrayBuffer;
      w.postMessage({ type: 'data', buf, len: used }, [buf]);
      current = undefined;
      used = 0;
    };

    return {
      async update(chunk) {
        if (failed) throw failed;
        let off = 0;
        while (off < chunk.length) {
          if (!current) current = await takeSlab();
          const n = Math.min(SLAB - used, chunk.length - off);
          current.set(chunk.subarray(off, off + n), used);
          used += n;
          off += n;
          if (used === SLAB) send();
        }
      },
      digest() {
        if (failed) return Promise.reject(failed);
        if (finished || done) return Promise.reject(new Error('MD5 hasher already finished'));
        send();
        return new Promise<Buffer>((resolve, reject) => {
          failDigest = reject;
          done = (d) => {
            finish();
            resolve(d);
          };
          w.postMessage({ type: 'digest' });
        });
      },
      release() {
        if (finished || done) return;
        // A partly filled slab goes back unhashed: the worker's hash is reset below anyway.
        if (current) free.push(current.buffer as ArrayBuffer);
        current = undefined;
        used = 0;
        // Reset the worker's hash state (the reply comes after every slab still out) so the next body starts clean.
        done = () => finish();
        w.postMessage({ type: 'digest' });
      },
    };
  }
}

/** Wraps a synchronous hasher in the AsyncHasher interface. */
export function inlineHasher(h: Hasher): AsyncHasher {
  return {
    update: (chunk) => h.update(chunk),
    digest: () => Promise.resolve(h.digest()),
    release: () => undefined,
  };
}

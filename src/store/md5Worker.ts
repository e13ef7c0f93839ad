import { Worker } from 'node:worker_threads';
import type { Hasher } from '../digest/checksums.js';

/**
 * MD5 on a worker thread, for large bodies: the event loop only copies each
 * chunk into a 1 MiB slab and hands full slabs to the worker (memcpy speed)
 * while the worker hashes (about 500-700 MiB/s), so hashing overlaps with
 * receiving and writing instead of capping one thread. Slabs are passed back
 * and forth (transferred, never cloned) from a pool of SLABS, which bounds the
 * memory a hash holds and is the backpressure: update() waits for a free slab.
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

let worker: Worker | undefined;
let busy = false;

export interface AsyncHasher {
  /** Adds a chunk; resolves once it has been taken (immediately, unless all slabs are with the worker). */
  update(chunk: Buffer): Promise<void> | void;
  digest(): Promise<Buffer>;
  /** Gives the worker back without a digest (on failure). */
  release(): void;
}

/** An MD5 hasher on the worker thread, or undefined when it is busy with another body (hash inline then). */
export function workerMd5(): AsyncHasher | undefined {
  if (busy) return undefined;
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 } });
    worker.unref();
  }
  busy = true;
  const w = worker;
  const free: ArrayBuffer[] = [];
  let created = 0;
  let current: Uint8Array | undefined;
  let used = 0;
  let waiting: (() => void) | undefined;
  let done: ((d: Buffer) => void) | undefined;
  let released = false;

  const onMessage = (m: { type: string; buf?: ArrayBuffer; d?: Uint8Array }) => {
    if (m.type === 'slab') {
      free.push(m.buf!);
      const wake = waiting;
      waiting = undefined;
      wake?.();
    } else if (m.type === 'digest') {
      done?.(Buffer.from(m.d!));
    }
  };
  w.on('message', onMessage);

  const release = () => {
    if (released) return;
    released = true;
    w.off('message', onMessage);
    busy = false;
  };
  const takeSlab = async (): Promise<Uint8Array> => {
    if (free.length === 0 && created < SLABS) {
      created++;
      return new Uint8Array(new ArrayBuffer(SLAB));
    }
    while (free.length === 0) await new Promise<void>((r) => (waiting = r));
    return new Uint8Array(free.pop()!);
  };
  const send = () => {
    if (!current || used === 0) return;
    const buf = current.buffer as ArrayBuffer;
    w.postMessage({ type: 'data', buf, len: used }, [buf]);
    current = undefined;
    used = 0;
  };

  return {
    async update(chunk) {
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
      send();
      return new Promise<Buffer>((resolve) => {
        done = (d) => {
          release();
          resolve(d);
        };
        w.postMessage({ type: 'digest' });
      });
    },
    release() {
      if (released || done) return;
      // Reset the worker's hash state so the next body starts clean.
      done = () => release();
      w.postMessage({ type: 'digest' });
    },
  };
}

/** Wraps a synchronous hasher in the AsyncHasher interface. */
export function inlineHasher(h: Hasher): AsyncHasher {
  return {
    update: (chunk) => h.update(chunk),
    digest: () => Promise.resolve(h.digest()),
    release: () => undefined,
  };
}

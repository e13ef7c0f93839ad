/**
 * Bytes [start, end] of one blob file as a Readable over a raw descriptor.
 * Piped, it reads like fs.ReadStream (a fresh buffer per chunk). Written to a
 * response through `WRITE_TO`, it reads into pooled 1 MiB buffers and takes a
 * buffer back only when the socket's write callback says the kernel has it:
 * one buffer is read while the other is sent, and a large GET allocates no
 * memory per chunk. (Piping 1 GiB allocated 1,024 buffers of 1 MiB; V8 then
 * ran a mark-compact every ~13 MiB and spent ~20% of the server's CPU in the
 * garbage collector.)
 */
import { close as closeCb, read as readCb } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { WRITE_TO, type Sendable } from '../io/sendable.js';

const CHUNK = 1024 * 1024;
/** Idle pooled buffers kept for the next GET (16 MiB at most). */
const POOL_MAX = 16;
const pool: Buffer[] = [];
const take = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
const give = (b: Buffer): void => {
  if (pool.length < POOL_MAX) pool.push(b);
};
/** Buffers one WRITE_TO keeps in flight: one being read while the others are sent. */
const IN_FLIGHT = 2;

export class BlobReadStream extends Readable implements Sendable {
  private pos: number;
  private fd: number;
  private reading = false;
  private closeWhenIdle: (() => void) | undefined;

  /** Takes ownership of `fd`; `end` is inclusive. */
  constructor(
    fd: number,
    start: number,
    private readonly end: number,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
    this.fd = fd;
    this.pos = start;
  }

  private readAt(buf: Buffer, len: number): Promise<number> {
    this.reading = true;
    return new Promise<number>((resolve, reject) =>
      readCb(this.fd, buf, 0, len, this.pos, (e, n) => {
        this.reading = false;
        const after = this.closeWhenIdle;
        this.closeWhenIdle = undefined;
        after?.();
        if (e) reject(e);
        else resolve(n);
      }),
    );
  }

  override _read(): void {
    const left = this.end - this.pos + 1;
    if (left <= 0) {
      this.push(null);
      return;
    }
    const n = Math.min(this.readableHighWaterMark, left);
    const buf = Buffer.allocUnsafe(n);
    this.readAt(buf, n).then(
      (got) => {
        if (this.destroyed) return;
        if (got === 0) {
          this.destroy(new Error('The blob is shorter than its metadata says.'));
          return;
        }
        this.pos += got;
        this.push(got < n ? buf.subarray(0, got) : buf);
      },
      (e: Error) => this.destroy(e),
    );
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = -1;
    if (fd < 0) {
      cb(err);
      return;
    }
    // A read still in flight owns the descriptor: closing it now could let the number be reused under it.
    const closeIt = () => closeCb(fd, () => cb(err));
    if (this.reading) this.closeWhenIdle = closeIt;
    else closeIt();
  }

  async [WRITE_TO](dest: Writable, end = true): Promise<boolean> {
    const free: Buffer[] = [];
    for (let i = 0; i < IN_FLIGHT; i++) free.push(take());
    let stopped = false;
    let over = false;
    let needDrain = false;
    let wake: (() => void) | undefined;
    const rouse = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const onClose = () => {
      stopped = true;
      rouse();
    };
    const onDrain = () => {
      needDrain = false;
      rouse();
    };
    dest.once('close', onClose);
    dest.on('drain', onDrain);
    let complete = false;
    try {
      while (!stopped) {
        const left = this.end - this.pos + 1;
        if (left <= 0) {
          complete = true;
          break;
        }
        while ((free.length === 0 || needDrain) && !stopped) await new Promise<void>((r) => (wake = r));
        if (stopped) break;
        const buf = free.pop()!;
        let got: number;
        try {
          got = await this.readAt(buf, Math.min(CHUNK, left));
        } catch (e) {
          free.push(buf);
          dest.destroy(e as Error);
          break;
        }
        if (stopped || got === 0) {
          free.push(buf);
          if (got === 0) dest.destroy(new Error('The blob is shorter than its metadata says.'));
          break;
        }
        this.pos += got;
        // The buffer is the socket's until this callback (also called when the write fails or the socket closes).
        const ok = dest.write(buf.subarray(0, got), () => {
          if (over) give(buf);
          else free.push(buf);
          rouse();
        });
        if (!ok) needDrain = true;
      }
      if (complete && end) dest.end();
      return complete;
    } finally {
      over = true;
      dest.off('close', onClose);
      dest.off('drain', onDrain);
      for (const b of free) give(b);
      free.length = 0;
      this.destroy();
    }
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { isSendable, WRITE_TO } from '../../src/io/sendable.js';
import { BlobReadStream } from '../../src/store/blobReadStream.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-brs-'));
const data = randomBytes(5 * 1024 * 1024 + 12345);
const file = join(dir, 'blob');
writeFileSync(file, data);
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
/** Descriptors of this process open on the test blob. */
const openFds = () =>
  readdirSync('/proc/self/fd').filter((n) => {
    try {
      return readlinkSync(`/proc/self/fd/${n}`) === file;
    } catch {
      return false;
    }
  }).length;

/**
 * A response stand-in that keeps each chunk and looks at it only when it
 * calls the write callback, later: a buffer reused before its callback would
 * show up as wrong bytes here.
 */
class SlowSink extends Writable {
  readonly hash = createHash('md5');
  bytes = 0;
  constructor(
    private readonly delayMs: number,
    hwm = 64 * 1024,
  ) {
    super({ highWaterMark: hwm });
  }
  override _write(chunk: Buffer, _enc: string, cb: (e?: Error) => void): void {
    setTimeout(() => {
      this.hash.update(chunk);
      this.bytes += chunk.length;
      cb();
    }, this.delayMs);
  }
}

describe('BlobReadStream', () => {
  it('writes a whole blob to a slow sink with reused buffers and the right bytes', async () => {
    const s = new BlobReadStream(openSync(file, 'r'), 0, data.length - 1, 1024 * 1024);
    expect(isSendable(s)).toBe(true);
    const sink = new SlowSink(3);
    const finished = new Promise((r) => sink.once('finish', r));
    expect(await s[WRITE_TO](sink)).toBe(true);
    await finished;
    expect(sink.bytes).toBe(data.length);
    expect(sink.hash.digest('hex')).toBe(md5(data));
    expect(s.destroyed).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(openFds()).toBe(0);
  });

  it('writes a range, and a second body reusing the pool gets its own bytes', async () => {
    const from = 1024 * 1024 - 7;
    const to = 3 * 1024 * 1024 + 99;
    for (let round = 0; round < 2; round++) {
      const s = new BlobReadStream(openSync(file, 'r'), from, to, 1024 * 1024);
      const sink = new SlowSink(round);
      const finished = new Promise((r) => sink.once('finish', r));
      await s[WRITE_TO](sink);
      await finished;
      expect(sink.bytes).toBe(to - from + 1);
      expect(sink.hash.digest('hex')).toBe(md5(data.subarray(from, to + 1)));
    }
  });

  it('with end=false leaves the sink open for what follows', async () => {
    const sink = new SlowSink(0);
    const a = new BlobReadStream(openSync(file, 'r'), 0, 99, 256 * 1024);
    const b = new BlobReadStream(openSync(file, 'r'), 100, 199, 256 * 1024);
    expect(await a[WRITE_TO](sink, false)).toBe(true);
    expect(sink.writableEnded).toBe(false);
    expect(await b[WRITE_TO](sink)).toBe(true);
    await new Promise((r) => sink.once('finish', r));
    expect(sink.hash.digest('hex')).toBe(md5(data.subarray(0, 200)));
  });

  it('stops when the sink closes early, and closes its descriptor', async () => {
    const s = new BlobReadStream(openSync(file, 'r'), 0, data.length - 1, 1024 * 1024);
    const sink = new SlowSink(5);
    setTimeout(() => sink.destroy(), 8);
    expect(await s[WRITE_TO](sink)).toBe(false);
    expect(sink.bytes).toBeLessThan(data.length);
    await new Promise((r) => setTimeout(r, 30));
    expect(openFds()).toBe(0);
  });

  it('destroys the sink when the file is shorter than the range', async () => {
    const s = new BlobReadStream(openSync(file, 'r'), data.length - 10, data.length + 1000, 256 * 1024);
    const sink = new SlowSink(0);
    const errored = new Promise<Error>((r) => sink.once('error', r));
    expect(await s[WRITE_TO](sink)).toBe(false);
    expect((await errored).message).toMatch(/shorter/);
  });

  it('piped, reads like a file stream', async () => {
    const sink = new SlowSink(0);
    await pipeline(new BlobReadStream(openSync(file, 'r'), 10, data.length - 1, 1024 * 1024), sink);
    expect(sink.hash.digest('hex')).toBe(md5(data.subarray(10)));
    const early = new BlobReadStream(openSync(file, 'r'), 0, data.length - 1, 1024 * 1024);
    early.once('data', () => early.destroy());
    await new Promise((r) => early.once('close', r));
    await new Promise((r) => setTimeout(r, 20));
    expect(openFds()).toBe(0);
  });
});

import { openSync, closeSync, fsync } from 'node:fs';
import type { Db } from './db.js';

interface Pending {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit. Metadata changes queued in the same turn of the event loop
 * run in one SQLite transaction, and every change made while a WAL fsync is
 * in flight waits for the next one, so concurrent requests share one fsync
 * instead of paying one each. Each change runs in its own savepoint (the
 * repositories' transactions nest), so one that throws rolls back alone.
 *
 * Durability: SQLite runs with synchronous=NORMAL (its commit does not fsync
 * on the event loop); instead the WAL file is fsynced on the thread pool
 * after each batch's COMMIT, and nobody is answered before that fsync has
 * returned. An acknowledged change is on disk, as with synchronous=FULL.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private walFd: number | undefined;

  constructor(
    private readonly db: Db,
    private readonly walPath: string,
    private readonly durable: boolean,
  ) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Makes every change committed so far durable (for writes made outside run(), e.g. at start-up). */
  async sync(): Promise<void> {
    if (!this.durable) return;
    if (this.walFd === undefined) {
      try {
        this.walFd = openSync(this.walPath, 'r');
      } catch {
        return; // no WAL yet: nothing was written
      }
    }
    const fd = this.walFd;
    await new Promise<void>((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
  }

  close(): void {
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.walFd = undefined;
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    try {
      this.db
        .transaction(() => {
          for (const p of batch) {
            try {
              outcomes.push({ ok: true, value: this.db.transaction(p.fn)() });
            } catch (e) {
              outcomes.push({ ok: false, value: e });
            }
          }
        })
        .immediate();
      await this.sync();
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => (outcomes[i]!.ok ? p.resolve(outcomes[i]!.value) : p.reject(outcomes[i]!.value)));
  }
}

import { openSync, closeSync, fsync } from 'node:fs';
import type { Db } from './db.js';

/** How long a deferred change waits for a batch to ride along with before committing alone. */
const DEFER_MS = 20;

interface Pending {
  fn: () => unknown;
  /** The change is one statement (SQLite makes it atomic by itself): it needs no savepoint of its own. */
  single: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit. Changes are committed in batches, one SQLite transaction
 * and one WAL fsync each, so concurrent requests share one transaction and
 * one fsync instead of paying one each (a transaction of 8 deletes costs half
 * as much per delete as 8 transactions). Up to `maxInFlight` batches wait for
 * their fsyncs at once (default 2): changes that arrive while a batch's fsync
 * runs commit as the next batch right away and start their own fsync, which
 * the disk overlaps with the first (two overlapping fsyncs cost ~0.55 of two
 * in a row on this machine's disk); beyond that, changes queue and commit
 * together when an fsync returns. Each change runs in its own savepoint (the
 * repositories' transactions nest), so one that throws rolls back alone;
 * `single` changes (one statement) need none.
 *
 * Durability: SQLite runs with synchronous=NORMAL (its commit does not fsync
 * on the event loop); instead the WAL file is fsynced on the thread pool
 * after each batch's COMMIT, and nobody is answered before that fsync has
 * returned. An acknowledged change is on disk, as with synchronous=FULL.
 */
/** What group commit reports as it runs (metrics hook in here; absent: nothing is measured). */
export interface CommitObserver {
  /** A batch of `changes` was committed. */
  batch(changes: number): void;
  /** A WAL fsync took `seconds`. */
  fsync(seconds: number): void;
}

export class GroupCommit {
  /** Set by the composition root when metrics are on. */
  observer: CommitObserver | undefined;
  private queue: Pending[] = [];
  private scheduled = false;
  /** Batches committed and waiting for their fsync. */
  private inFlight = 0;
  private walFd: number | undefined;
  private syncing: Promise<void> | undefined;
  private nextSync: Promise<void> | undefined;
  private deferred: Array<() => unknown> = [];
  private deferTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly walPath: string,
    private readonly durable: boolean,
    /** The fsync to use (tests count and delay them). */
    private readonly fsyncFd: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void = fsync,
    /** How many batches may wait for their fsyncs at once (1: one batch at a time). */
    private readonly maxInFlight = 2,
  ) {}

  /**
   * A change nobody waits for and that may be lost in a crash (it is redone
   * then, e.g. forgetting a garbage blob already unlinked): it rides along
   * with the next batch, or commits on its own shortly after, without an
   * fsync of its own. Errors are ignored.
   */
  defer(fn: () => unknown): void {
    this.deferred.push(fn);
    if (!this.scheduled && this.deferTimer === undefined) {
      this.deferTimer = setTimeout(() => {
        this.deferTimer = undefined;
        if (!this.scheduled) this.commitDeferred();
      }, DEFER_MS);
      this.deferTimer.unref();
    }
  }

  /**
   * Runs `fn` in a savepoint of the current transaction (inside run()): a
   * change of a batch that must succeed or fail on its own (one key of a
   * DeleteObjects) rolls back alone when it throws.
   */
  savepoint<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /**
   * Commits `fn`'s changes with the next batch; resolves once they are
   * durable. Each change runs in a savepoint of the batch so one that throws
   * rolls back alone; `single: true` declares a change of at most one
   * statement, which needs none.
   */
  run<T>(fn: () => T, opts: { single?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, single: opts.single === true, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /** A batch runs on the next turn of the event loop, unless maxInFlight batches wait for fsyncs: the queue then waits for one. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  /**
   * Makes every change committed so far durable (also for writes made
   * outside run(), e.g. at start-up). One WAL fsync is in flight at a time:
   * a caller arriving while one runs (it may have started before the
   * caller's commit) waits for the next, which every such caller shares.
   */
  sync(): Promise<void> {
    if (!this.durable) return Promise.resolve();
    if (this.syncing === undefined) {
      const p = this.fsyncWal();
      this.syncing = p;
      const clear = () => {
        if (this.syncing === p) this.syncing = undefined;
      };
      p.then(clear, clear);
      return p;
    }
    this.nextSync ??= this.syncing
      .catch(() => undefined)
      .then(() => {
        this.nextSync = undefined;
        return this.sync();
      });
    return this.nextSync;
  }

  private async fsyncWal(): Promise<void> {
    if (this.walFd === undefined) {
      try {
        this.walFd = openSync(this.walPath, 'r');
      } catch {
        return; // no WAL yet: nothing was written
      }
    }
    const fd = this.walFd;
    const obs = this.observer;
    const t = obs ? process.hrtime.bigint() : 0n;
    await new Promise<void>((resolve, reject) => this.fsyncFd(fd, (e) => (e ? reject(e) : resolve())));
    if (obs) obs.fsync(Number(process.hrtime.bigint() - t) / 1e9);
  }

  close(): void {
    if (this.deferTimer !== undefined) clearTimeout(this.deferTimer);
    this.deferTimer = undefined;
    this.commitDeferred();
    if (this.walFd !== undefined) closeSync(this.walFd);
    this.walFd = undefined;
  }

  private runDeferred(list: Array<() => unknown>): void {
    for (const fn of list) {
      try {
        this.db.transaction(fn)();
      } catch {
        // redone later (see defer())
      }
    }
  }

  private commitDeferred(): void {
    const list = this.deferred;
    this.deferred = [];
    if (list.length === 0) return;
    try {
      this.db.transaction(() => this.runDeferred(list)).immediate();
    } catch {
      // redone later (see defer())
    }
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const deferred = this.deferred;
    this.deferred = [];
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    this.inFlight++;
    try {
      this.db
        .transaction(() => {
          this.runDeferred(deferred);
          for (const p of batch) {
            try {
              outcomes.push({ ok: true, value: p.single ? p.fn() : this.db.transaction(p.fn)() });
            } catch (e) {
              outcomes.push({ ok: false, value: e });
            }
          }
        })
        .immediate();
      this.observer?.batch(batch.length);
      // With one batch in flight, sync() coalesces with an fsync that started after this commit; with more,
      // each batch starts its own (it began after the commit, so it covers it).
      if (this.durable) await (this.maxInFlight > 1 ? this.fsyncWal() : this.sync());
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    } finally {
      this.inFlight--;
      if (this.queue.length > 0) this.schedule();
    }
    batch.forEach((p, i) => (outcomes[i]!.ok ? p.resolve(outcomes[i]!.value) : p.reject(outcomes[i]!.value)));
  }
}

/**
 * Readiness (`/-/ready`): the database takes writes, its migrations are all
 * applied, the data disk has the configured free space, and the server is not
 * shutting down. Checked at most once a second (a probe every second costs
 * one BEGIN IMMEDIATE / ROLLBACK and one statfs per second, not per probe).
 */
import { statfsSync } from 'node:fs';
import type { AppContext } from '../context.js';
import { pendingMigrations, probeWritable } from '../store/db.js';

export interface DiskUsage {
  totalBytes: number;
  freeBytes: number;
}

/** The file system of `dir`: its size and the space available to this process. */
export function diskUsage(dir: string): DiskUsage {
  const s = statfsSync(dir);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
}

const CACHE_MS = 1000;

export class Readiness {
  /** Set when a shutdown begins: from then on not ready. */
  shuttingDown = false;
  private cached: { at: number; reason: string | undefined } | undefined;

  constructor(private readonly ctx: AppContext) {}

  /** Why the server is not ready (undefined: it is). */
  reason(): string | undefined {
    if (this.shuttingDown) return 'shutting down';
    const now = Date.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.reason;
    const reason = this.check();
    this.cached = { at: now, reason };
    return reason;
  }

  private check(): string | undefined {
    const { ctx } = this;
    try {
      const pending = pendingMigrations(ctx.db);
      if (pending.length > 0) return `database migrations not applied: ${pending.join(', ')}`;
      const w = probeWritable(ctx.db);
      // Another connection (the CLI) holding the write lock for a moment is not a fault.
      if (w !== 'ok' && w !== 'busy') return `database not writable: ${w}`;
      const minFree = ctx.config.minFreeMb * 1024 * 1024;
      const { freeBytes } = diskUsage(ctx.config.dataDir);
      if (freeBytes < minFree) {
        return `data disk has ${Math.floor(freeBytes / 1048576)} MiB free, less than the minimum ${ctx.config.minFreeMb} MiB (CAIRN_MIN_FREE_MB)`;
      }
      return undefined;
    } catch (e) {
      return `check failed: ${(e as Error).message}`;
    }
  }
}

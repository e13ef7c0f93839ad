import { unlink } from 'node:fs/promises';
import type { AppContext } from '../context.js';

export interface SweepReport {
  staleUploads: number;
  temps: number;
  garbage: number;
  orphans: number;
}

/**
 * Removes what no metadata row points at: recorded garbage blobs, temp files
 * (all of them at start, when no write can be in flight; older than
 * tempMaxAgeSeconds otherwise) and blob files that no row references (at
 * start: all; later: older than tempMaxAgeSeconds, so a write between
 * publish and commit is never touched).
 */
export async function sweep(ctx: AppContext, atStart: boolean, isReferenced: (blobId: string) => boolean): Promise<SweepReport> {
  const now = ctx.clock();
  const maxAge = atStart ? 0 : ctx.config.tempMaxAgeSeconds * 1000;
  // Multipart uploads open too long are aborted (their parts become garbage, drained below).
  let staleUploads = 0;
  for (;;) {
    const ids = ctx.uploads.staleUploads(now - ctx.config.multipartExpirySeconds * 1000, 100);
    if (ids.length === 0) break;
    for (const id of ids) if (ctx.uploads.abort(id, now) !== 'no-upload') staleUploads++;
  }
  // Finished uploads are kept a day so a retried CompleteMultipartUpload answers as the first did.
  ctx.uploads.purgeFinished(now - 86400 * 1000);
  let temps = 0;
  for (const p of await ctx.blobs.staleTemps(maxAge, now)) {
    await unlink(p).then(
      () => temps++,
      () => undefined,
    );
  }
  const garbage = await ctx.garbage.drain();
  let orphans = 0;
  for await (const { blobId, mtimeMs } of ctx.blobs.allBlobs()) {
    if (!atStart && now - mtimeMs <= maxAge) continue;
    if (isReferenced(blobId)) continue;
    await ctx.blobs.remove(blobId);
    orphans++;
  }
  return { staleUploads, temps, garbage, orphans };
}

/** Runs sweep() every interval; returns a stop function. */
export function startSweeper(
  ctx: AppContext,
  isReferenced: (blobId: string) => boolean,
  onReport?: (r: SweepReport) => void,
  onError?: (e: unknown) => void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep(ctx, false, isReferenced)
      .then((r) => {
        onReport?.(r);
        if (r.staleUploads + r.temps + r.garbage + r.orphans > 0) ctx.log.info({ worker: 'sweeper', ...r }, 'swept');
      })
      .catch((e: unknown) => {
        onError?.(e);
        ctx.log.error({ err: e, worker: 'sweeper' }, 'sweep failed');
      })
      .finally(() => {
        running = false;
      });
  }, ctx.config.sweepIntervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

import type { Logger } from 'pino';
import type { BlobStore } from './blobs.js';
import type { Db } from './db.js';

/**
 * Blobs no metadata row points at any more. A write or delete records the
 * blob it orphans in the same transaction that orphans it, then asks for it
 * to be unlinked at once; the sweeper retries whatever is left.
 */
export class Garbage {
  private readonly forget;
  private readonly pending;

  constructor(
    db: Db,
    private readonly blobs: BlobStore,
    private readonly log: Logger,
  ) {
    this.forget = db.prepare('DELETE FROM garbage WHERE blob_id = ?');
    this.pending = db.prepare<[number], { blob_id: string }>('SELECT blob_id FROM garbage LIMIT ?');
  }

  /** Unlinks a blob recorded as garbage (no-op for undefined). Never throws. */
  collect(blobId: string | undefined): void {
    if (!blobId) return;
    this.blobs.remove(blobId).then(
      () => this.forget.run(blobId),
      (e: unknown) => this.log.warn({ err: e, blobId }, 'could not remove garbage blob; the sweeper will retry'),
    );
  }

  /** Unlinks every recorded garbage blob; returns how many were removed. */
  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      const rows = this.pending.all(500);
      if (rows.length === 0) return n;
      for (const { blob_id } of rows) {
        await this.blobs.remove(blob_id);
        this.forget.run(blob_id);
        n++;
      }
    }
  }
}

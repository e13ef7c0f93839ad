import type { Logger } from 'pino';
import type { BlobStore } from './blobs.js';
import type { Db } from './db.js';
import type { GroupCommit } from './commits.js';
import type { ObjectsRepo, Released } from './objects.js';

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
    private readonly objects: ObjectsRepo,
    private readonly log: Logger,
    private readonly commits: GroupCommit,
  ) {
    this.forget = db.prepare('DELETE FROM garbage WHERE blob_id = ?');
    this.pending = db.prepare<[string, number], { blob_id: string }>('SELECT blob_id FROM garbage WHERE blob_id > ? ORDER BY blob_id LIMIT ?');
  }

  /**
   * Lets go of a blob the caller's committed transaction released: it is
   * unlinked now, in the background (no-op for undefined; never throws). A
   * recorded one (a blob id, or `recorded`) is forgotten once unlinked and
   * retried by the sweeper if that fails; an unrecorded single-part blob left
   * behind by a crash is an orphan the start-up sweep removes.
   */
  release(r: Released | string | undefined): void {
    if (!r) return;
    if (typeof r !== 'string' && !r.recorded) {
      this.blobs
        .remove(r.blobId)
        .catch((e: unknown) => this.log.warn({ err: e, blobId: r.blobId }, 'could not remove a released blob; the sweeper will remove it'));
      return;
    }
    const blobId = typeof r === 'string' ? r : r.blobId;
    this.remove(blobId).catch((e: unknown) => this.log.warn({ err: e, blobId }, 'could not remove garbage blob; the sweeper will retry'));
  }

  /** Removes a blob, or every segment blob of a multipart manifest, then forgets it; one being read is left for later. */
  private async remove(id: string): Promise<boolean> {
    if (this.blobs.isPinned(id)) return false;
    const segs = this.objects.segments(id);
    await Promise.all(segs.map((g) => this.blobs.remove(g.blobId)));
    await this.blobs.remove(id);
    // Forgetting rides along with the next group commit (no fsync of its own): if a crash loses it, the sweeper forgets again.
    this.commits.defer(() => {
      if (segs.length) this.objects.dropSegments(id);
      this.forget.run(id);
    });
    return true;
  }

  /** Unlinks every recorded garbage blob not being read; returns how many were removed. */
  async drain(): Promise<number> {
    let n = 0;
    let after = '';
    for (;;) {
      const rows = this.pending.all(after, 500);
      if (rows.length === 0) return n;
      for (const { blob_id } of rows) {
        if (await this.remove(blob_id)) n++;
        after = blob_id;
      }
    }
  }
}

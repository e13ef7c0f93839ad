import { randomBytes } from 'node:crypto';
import {
  constants,
  openSync,
  closeSync,
  fsyncSync,
  fsync,
  open as openCb,
  read as readCb,
  writev as writevCb,
  fdatasync as fdatasyncCb,
  fchmod as fchmodCb,
} from 'node:fs';
import { rename, unlink, readdir, stat, statfs, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DomainError } from '../core/errors.js';
import { createHasher, type ChecksumAlgorithm, type Hasher } from '../digest/checksums.js';
import { Md5Pool, inlineHasher, type AsyncHasher } from '../digest/md5Pool.js';
import { FILE_MODE, makePrivateDir } from './modes.js';
import { BlobReadStream } from './blobReadStream.js';
import { Unlinker } from './unlinker.js';

/**
 * Object bytes: one immutable file per blob, named by a generated id
 * (`blobs/<2 hex>/<32 hex>`), never by anything a user sent. Writes go to
 * `tmp/` in the same filesystem, are hashed on the way, and only become a
 * blob by publish(): rename, then fsync of the file and of its directory.
 */

export interface BlobStoreOptions {
  fsync: boolean;
  /** Worker threads that hash large bodies' MD5; default a pool of the store's own, closed by close(). */
  md5Pool?: Md5Pool;
  /** Test hook: called before each write with the file size it would reach; may throw (e.g. an ENOSPC error). */
  beforeWrite?: (written: number) => void;
}

export interface StageOptions {
  /** Fail with EntityTooLarge past this many bytes. */
  maxSize: number;
  /** Checksum to compute beside MD5. */
  checksum?: ChecksumAlgorithm;
  /** Compute MD5 (default true). */
  md5?: boolean;
  /** The size the body announced, when known: large bodies are hashed on a worker thread (waiting for a free one). */
  expectedSize?: number;
  /**
   * Turns the received bytes into what is written (an encryption layer):
   * hashes and sizes are of the bytes received, the file holds the output.
   */
  encode?: BlobEncoder;
}

/** A transform of a staged body's bytes on their way to disk (hashes and the size stay those of the input). */
export interface BlobEncoder {
  update(chunk: Buffer): Buffer[];
  /** The output after the last input. */
  final(): Buffer[];
}

/** Bodies at least this large hash MD5 on a worker thread, overlapped with receiving and writing. */
const WORKER_HASH_MIN = 8 * 1024 * 1024;
/** How long a large body waits for a free MD5 worker before it hashes on the event loop instead. */
const WORKER_WAIT_MS = 500;
/** Received chunks are written in batches of about this many bytes (one writev). */
const WRITE_BATCH = 1024 * 1024;
/** Bodies being received are fdatasynced every this many bytes (when fsync is on). */
const SYNC_EVERY = 32 * 1024 * 1024;

const ID_RE = /^[0-9a-f]{32}$/;

// Raw descriptors with callback I/O: a blob's descriptor is closed inline (closeSync never waits on the disk
// for a regular file), which saves a thread-pool round trip per request; FileHandle.close() cannot be inline.
const openFd = (path: string, flags: string, mode?: number) =>
  new Promise<number>((resolve, reject) => openCb(path, flags, mode, (e, fd) => (e ? reject(e) : resolve(fd))));
const readFd = (fd: number, buf: Buffer, off: number, len: number, pos: number) =>
  new Promise<number>((resolve, reject) => readCb(fd, buf, off, len, pos, (e, n) => (e ? reject(e) : resolve(n))));
const writevFd = (fd: number, bufs: Buffer[]) => new Promise<number>((resolve, reject) => writevCb(fd, bufs, (e, n) => (e ? reject(e) : resolve(n))));
const fchmodFd = (fd: number, mode: number) => new Promise<void>((resolve, reject) => fchmodCb(fd, mode, (e) => (e ? reject(e) : resolve())));
const fsyncFd = (fd: number) => new Promise<void>((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
const fdatasyncFd = (fd: number) => new Promise<void>((resolve, reject) => fdatasyncCb(fd, (e) => (e ? reject(e) : resolve())));
const closeQuietly = (fd: number) => {
  try {
    closeSync(fd);
  } catch {
    // already reported by the operation that failed
  }
};

export function newBlobId(): string {
  return randomBytes(16).toString('hex');
}

function storageError(e: unknown): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new DomainError('InsufficientStorage', 'There is not enough storage space left to complete the request.');
  return e as Error;
}

export class StagedBlob {
  private published = false;
  private discarded = false;

  constructor(
    private readonly store: BlobStore,
    private fd: number | undefined,
    readonly tempPath: string,
    readonly blobId: string,
    readonly size: number,
    readonly md5: Buffer | undefined,
    readonly checksum: Buffer | undefined,
  ) {}

  /**
   * Rename into place, then fsync the file and its directory (together).
   * The blob is durable (but unreferenced) when this resolves. Renaming
   * before the fsyncs lets one journal commit carry the data, the inode and
   * the new directory entry (fsync then rename would need a second commit
   * for the directory); a crash in between leaves an unreferenced file in
   * blobs/, which the start-up sweep removes like any orphan.
   */
  async publish(): Promise<void> {
    if (this.published || this.discarded) throw new Error('blob already published or discarded');
    try {
      await rename(this.tempPath, this.store.pathOf(this.blobId));
      this.published = true;
      if (this.fd !== undefined) {
        const fd = this.fd;
        this.fd = undefined;
        try {
          if (this.store.fsync) {
            for (const r of await Promise.allSettled([fsyncFd(fd), this.store.syncDir(this.blobId)])) if (r.status === 'rejected') throw r.reason;
          }
        } finally {
          closeQuietly(fd);
        }
      } else if (this.store.fsync) await this.store.syncDir(this.blobId);
    } catch (e) {
      await this.discard();
      throw storageError(e);
    }
  }

  /** Removes the temp file (or the published blob, when the metadata commit failed). */
  async discard(): Promise<void> {
    if (this.discarded) return;
    this.discarded = true;
    if (this.fd !== undefined) {
      closeQuietly(this.fd);
      this.fd = undefined;
    }
    await unlink(this.published ? this.store.pathOf(this.blobId) : this.tempPath).catch(() => undefined);
  }
}

export class BlobStore {
  readonly blobsDir: string;
  readonly tmpDir: string;
  readonly fsync: boolean;
  readonly md5Pool: Md5Pool;
  private readonly ownsMd5Pool: boolean;
  private readonly beforeWrite?: (written: number) => void;
  private readonly dirFds = new Map<string, number>();
  private readonly pins = new Map<string, number>();
  private readonly unlinker = new Unlinker();

  /** The size of the filesystem blobs are stored on and the bytes still available to this process (statfs: bavail). */
  async capacity(): Promise<{ total: number; available: number }> {
    const s = await statfs(this.blobsDir);
    return { total: s.blocks * s.bsize, available: s.bavail * s.bsize };
  }

  constructor(dataDir: string, opts: BlobStoreOptions) {
    this.blobsDir = join(dataDir, 'blobs');
    this.tmpDir = join(dataDir, 'tmp');
    this.fsync = opts.fsync;
    this.beforeWrite = opts.beforeWrite;
    // Its workers start with the first large body, so a store that never sees one costs no thread.
    this.md5Pool = opts.md5Pool ?? new Md5Pool();
    this.ownsMd5Pool = opts.md5Pool === undefined;
    // 0700 like the data directory (modes.ts); existing ones are repaired at start by repairModes().
    makePrivateDir(this.tmpDir);
    makePrivateDir(this.blobsDir);
    for (let i = 0; i < 256; i++) makePrivateDir(join(this.blobsDir, i.toString(16).padStart(2, '0')));
    if (this.fsync) {
      for (const d of [this.blobsDir, dataDir]) {
        const fd = openSync(d, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    }
  }

  pathOf(blobId: string): string {
    if (!ID_RE.test(blobId)) throw new Error(`invalid blob id ${blobId}`);
    return join(this.blobsDir, blobId.slice(0, 2), blobId);
  }

  /** Marks a blob (or multipart manifest) as being read; the returned function releases it. */
  pin(id: string): () => void {
    this.pins.set(id, (this.pins.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.pins.get(id) ?? 1) - 1;
      if (n <= 0) this.pins.delete(id);
      else this.pins.set(id, n);
    };
  }

  isPinned(id: string): boolean {
    return this.pins.has(id);
  }

  /** fsync the shard directory a blob lives in (its fd kept open for reuse). */
  async syncDir(blobId: string): Promise<void> {
    const shard = blobId.slice(0, 2);
    let fd = this.dirFds.get(shard);
    if (fd === undefined) {
      fd = openSync(join(this.blobsDir, shard), constants.O_RDONLY | constants.O_DIRECTORY);
      this.dirFds.set(shard, fd);
    }
    await fsyncFd(fd);
  }

  close(): void {
    this.unlinker.close();
    for (const fd of this.dirFds.values()) closeSync(fd);
    this.dirFds.clear();
    if (this.ownsMd5Pool) void this.md5Pool.close();
  }

  /**
   * A worker's MD5 hasher for a large body, waiting (the body unread) while
   * every worker hashes another one, for at most WORKER_WAIT_MS: slow clients
   * holding every worker must not stall the next uploads, which then hash on
   * the event loop. A body that fails meanwhile stops the wait: it gets an
   * inline hasher, and its error comes out when it is read.
   */
  private async workerMd5(source: Readable): Promise<AsyncHasher> {
    if (source.destroyed) return inlineHasher(createHasher('MD5'));
    const gone = new AbortController();
    const abort = () => gone.abort();
    source.once('close', abort);
    source.once('error', abort);
    const timer = setTimeout(abort, WORKER_WAIT_MS);
    try {
      return await this.md5Pool.hasher(gone.signal);
    } catch (e) {
      if (gone.signal.aborted) return inlineHasher(createHasher('MD5'));
      throw e;
    } finally {
      clearTimeout(timer);
      source.off('close', abort);
      source.off('error', abort);
    }
  }

  /**
   * Streams `source` into a temp file, hashing it. Resolves with a staged
   * blob the caller verifies and then publishes or discards. On any error
   * (source error, size limit, disk full) the temp file is removed.
   */
  async stage(source: Readable, opts: StageOptions): Promise<StagedBlob> {
    const blobId = newBlobId();
    const tempPath = join(this.tmpDir, `${blobId}.part`);
    let md5: AsyncHasher | undefined;
    const encode = opts.encode;
    const sum: Hasher | undefined = opts.checksum ? createHasher(opts.checksum) : undefined;
    let fd: number | undefined;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let written = 0;
    const flush = async () => {
      this.beforeWrite?.(written + pendingBytes);
      let bufs = pending;
      pending = [];
      pendingBytes = 0;
      while (bufs.length) {
        const bytesWritten = await writevFd(fd!, bufs);
        written += bytesWritten;
        // A short write: drop what was written and go on with the rest.
        let skip = bytesWritten;
        while (bufs.length && skip >= bufs[0]!.length) skip -= bufs.shift()!.length;
        if (bufs.length && skip > 0) bufs = [bufs[0]!.subarray(skip), ...bufs.slice(1)];
      }
    };
    // Large bodies are flushed to disk while they arrive (fdatasync every SYNC_EVERY bytes, one at a time), so the
    // fsync that publishes the blob only has the tail left to write instead of the whole body.
    let md5sum: Buffer | undefined;
    let writing: Promise<void> | undefined;
    let writeErr: unknown;
    let syncedTo = 0;
    let syncing: Promise<void> | undefined;
    let syncErr: unknown;
    const syncAhead = () => {
      if (!this.fsync || syncing || written - syncedTo < SYNC_EVERY) return;
      syncedTo = written;
      syncing = fdatasyncFd(fd!).then(
        () => {
          syncing = undefined;
        },
        (e: unknown) => {
          syncErr ??= e;
          syncing = undefined;
        },
      );
    };
    try {
      if (opts.md5 !== false) md5 = (opts.expectedSize ?? 0) >= WORKER_HASH_MIN ? await this.workerMd5(source) : inlineHasher(createHasher('MD5'));
      fd = await openFd(tempPath, 'wx', FILE_MODE);
      for await (const chunk of source as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > opts.maxSize) throw new DomainError('EntityTooLarge', undefined, { ProposedSize: String(size), MaxSizeAllowed: String(opts.maxSize) });
        const taken = md5?.update(chunk);
        if (taken) await taken;
        sum?.update(chunk);
        if (encode) {
          for (const b of encode.update(chunk)) {
            pending.push(b);
            pendingBytes += b.length;
          }
        } else {
          pending.push(chunk);
          pendingBytes += chunk.length;
        }
        if (pendingBytes >= WRITE_BATCH) {
          // One batch is written while the next is received (at most two batches held).
          await writing;
          if (writeErr) throw writeErr;
          if (syncErr) throw syncErr;
          syncAhead();
          writing = flush().then(undefined, (e: unknown) => {
            writeErr ??= e;
          });
        }
      }
      await writing;
      if (writeErr) throw writeErr;
      if (encode) {
        for (const b of encode.final()) {
          pending.push(b);
          pendingBytes += b.length;
        }
      }
      if (pendingBytes > 0) await flush();
      await syncing;
      if (syncErr) throw syncErr;
      md5sum = await md5?.digest();
    } catch (e) {
      await writing;
      await syncing;
      md5?.release();
      if (fd !== undefined) closeQuietly(fd);
      await unlink(tempPath).catch(() => undefined);
      source.destroy();
      throw storageError(e);
    }
    return new StagedBlob(this, fd, tempPath, blobId, size, md5sum, sum?.digest());
  }

  /** Copies a blob (reflink where the filesystem can) into a new staged blob; hashes are not computed. */
  async stageCopy(fromBlobId: string, size: number): Promise<StagedBlob> {
    const blobId = newBlobId();
    const tempPath = join(this.tmpDir, `${blobId}.part`);
    try {
      this.beforeWrite?.(0);
      await copyFile(this.pathOf(fromBlobId), tempPath, constants.COPYFILE_FICLONE);
      const fd = await openFd(tempPath, 'r+');
      // copyFile gives the copy the source's mode: a blob written by an older version may be 0644.
      try {
        await fchmodFd(fd, FILE_MODE);
      } catch (e) {
        closeQuietly(fd);
        throw e;
      }
      return new StagedBlob(this, fd, tempPath, blobId, size, undefined, undefined);
    } catch (e) {
      await unlink(tempPath).catch(() => undefined);
      throw storageError(e);
    }
  }

  /** Reads [start, end] of a small blob in one read. Undefined when the file is gone (replaced meanwhile). */
  async readRange(blobId: string, start: number, end: number): Promise<Buffer | undefined> {
    let fd: number;
    try {
      fd = await openFd(this.pathOf(blobId), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const buf = Buffer.allocUnsafe(end - start + 1);
      let off = 0;
      while (off < buf.length) {
        const bytesRead = await readFd(fd, buf, off, buf.length - off, start + off);
        if (bytesRead === 0) throw new Error(`blob ${blobId} is shorter than its metadata says`);
        off += bytesRead;
      }
      return buf;
    } finally {
      closeSync(fd);
    }
  }

  /** Opens a blob for reading [start, end] (inclusive). Undefined when the file is gone (replaced meanwhile). */
  async openRead(blobId: string, start: number, end: number): Promise<BlobReadStream | undefined> {
    let fd: number;
    try {
      fd = await openFd(this.pathOf(blobId), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    // Large reads go in 1 MiB chunks (fewer reads and socket writes); a small range needs no more than its size.
    return new BlobReadStream(fd, start, end, end - start + 1 > 1024 * 1024 ? 1024 * 1024 : 256 * 1024);
  }

  /** Unlinks a blob (already gone counts as removed); removals of one turn of the event loop go to a worker thread together. */
  async remove(blobId: string): Promise<void> {
    await this.unlinker.unlink(this.pathOf(blobId));
  }

  /** Temp files older than `maxAgeMs` (all of them when 0). */
  async staleTemps(maxAgeMs: number, now: number): Promise<string[]> {
    const out: string[] = [];
    for (const name of await readdir(this.tmpDir)) {
      const p = join(this.tmpDir, name);
      if (maxAgeMs === 0) out.push(p);
      else {
        const st = await stat(p).catch(() => undefined);
        if (st && now - st.mtimeMs > maxAgeMs) out.push(p);
      }
    }
    return out;
  }

  /** Every blob id on disk with its mtime, shard by shard. */
  async *allBlobs(): AsyncGenerator<{ blobId: string; mtimeMs: number }> {
    for (let i = 0; i < 256; i++) {
      const dir = join(this.blobsDir, i.toString(16).padStart(2, '0'));
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (!ID_RE.test(name)) continue;
        const st = await stat(join(dir, name)).catch(() => undefined);
        if (st) yield { blobId: name, mtimeMs: st.mtimeMs };
      }
    }
  }
}

/**
 * ObjectService: Cairn's object model, and the one write path. Every write
 * (PutObject, CopyObject, PostObject; CompleteMultipartUpload through
 * UploadService, which shares commitVersion) goes through `write`: Object
 * Lock defaults, conditional writes, versioning, publish, commit and garbage
 * in one place. Likewise one `delete` (with the lock guard) and one `read`
 * (pin, range, and a retry when the data vanished between lookup and open).
 * Returns data or throws DomainError; never S3 errors, XML or HTTP.
 */
import { Readable, type Writable } from 'node:stream';
import type { ChecksumAlgorithm } from '../digest/checksums.js';
import { isSendable, WRITE_TO } from '../io/sendable.js';
import type { BlobStore, StagedBlob, StageOptions } from '../store/blobs.js';
import type { DataKey, Encryption, SseRecord, SseRequest } from '../store/encryption.js';
import type { Bucket } from '../store/buckets.js';
import type { GroupCommit } from '../store/commits.js';
import type { Garbage } from '../store/garbage.js';
import type { ListEntry, ObjectRecord, ObjectsRepo, Released, Segment, VersionEntry, Versioning } from '../store/objects.js';

/** The standard headers an object keeps (one list: storage stores them, the protocol reads and answers them). */
export { STORED_HEADERS } from '../store/objects.js';
import { DomainError } from './errors.js';
import { keyPage, pageOf, resumeAfterKey, type PageOf } from './listing.js';
import { guardRemoval, guardRetentionChange, lockForNewVersion, type LockMode, type LockRequest } from './objectLock.js';
import type { EventOrigin, NotificationService } from './notifications.js';
import type { QuotaService } from './quotas.js';

export type { ObjectRecord, Segment, ListEntry, VersionEntry, DataKey, SseRecord, SseRequest };

/** A body staged on disk, hashed, not yet visible; `sse`: how it is encrypted, `etag`: its ETag when that is not its MD5. */
export type Staged = StagedBlob & { sse?: SseRecord; etag?: string };

/** Encrypt a staged body with this data key, as this part (0: a single-part object). */
export interface EncryptAs {
  dataKey: DataKey;
  partNumber: number;
}

/** If-Match / If-None-Match of a write, judged against the current version inside the commit. */
export interface WriteConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

/** Does an If-Match / If-None-Match list match this ETag? (`*`, quoted or bare, weak or strong.) */
export function etagMatches(list: string, etag: string): boolean {
  for (const raw of list.split(',')) {
    let t = raw.trim();
    if (t === '*') return true;
    if (t.startsWith('W/')) t = t.slice(2);
    if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) t = t.slice(1, -1);
    if (t === etag) return true;
  }
  return false;
}

/**
 * Conditional writes against the current object (the latest version unless
 * it is a delete marker): If-Match — an ETag list or `*` — needs the object
 * to exist (NoSuchKey) and match (PreconditionFailed); If-None-Match — `*`
 * or an ETag list — fails when the current object matches.
 */
export function checkWriteConditions(c: WriteConditions, cur: ObjectRecord | undefined, key: string): void {
  if (c.ifMatch !== undefined) {
    if (!cur) throw new DomainError('NoSuchKey', undefined, { Key: key });
    if (!etagMatches(c.ifMatch, cur.etag)) throw new DomainError('PreconditionFailed', undefined, { Condition: 'If-Match' });
  }
  if (c.ifNoneMatch !== undefined && cur && etagMatches(c.ifNoneMatch, cur.etag)) {
    throw new DomainError('PreconditionFailed', undefined, { Condition: 'If-None-Match' });
  }
}

/** What a new version is, apart from its bytes. */
export interface VersionSpec {
  ownerId: number;
  storageClass: string;
  headers: ObjectRecord['headers'];
  meta: ObjectRecord['meta'];
  checksumAlgorithm?: ChecksumAlgorithm;
  checksum?: string;
  /** The ETag (default: the hex MD5 of the staged bytes). */
  etag?: string;
  /** Object Lock asked for by the request; the bucket's default applies otherwise. */
  lock?: LockRequest;
  /** The new version's ACL grants (JSON text, the protocol layer's form); undefined: the owner's FULL_CONTROL only. */
  acl?: string;
  /** The new version's tags (validated by the protocol layer). */
  tags?: Array<[string, string]>;
}

/** The event a change reports to the bucket's notifications (recorded in the change's own commit). */
export interface Notice {
  /** The event name without "s3:" (ObjectCreated:Put); a delete picks Delete or DeleteMarkerCreated itself. */
  event?: string;
  origin: EventOrigin;
}

export interface WriteRequest {
  bucket: Bucket;
  key: string;
  staged: Staged;
  spec: VersionSpec;
  conditions?: WriteConditions;
  notice?: Notice;
}

export interface Written {
  record: ObjectRecord;
  /** The new version id; undefined in a bucket that never had versioning. */
  versionId?: string;
}

export interface DeleteRequest {
  bucket: Bucket;
  key: string;
  /** Remove this version permanently; without it, the current object is deleted (a delete marker when versioned). */
  versionId?: string;
  ownerId: number;
  mayBypassGovernance: boolean;
  /** Only while the key's latest version is still this blob (lifecycle expiring the version it judged); else nothing is done. */
  ifCurrentBlob?: string;
  /** Only while the version named is not the latest (noncurrent expiration); else nothing is done. */
  ifNoncurrent?: boolean;
  notice?: Notice;
}

export interface Deleted {
  /** The version removed, or the delete marker's version id. */
  versionId?: string;
  /** A delete marker was created (no versionId asked), or the version removed was one. */
  deleteMarker: boolean;
  found: boolean;
}

/** A byte range of an object, inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a reader picked from the object it looked up: the object and the bytes to read (none: headers only). */
export interface ReadChoice {
  object: ObjectRecord;
  range?: ByteRange;
  /** The SSE-C key the request sent (checked by the reader against the object). */
  customerKey?: Buffer;
}

/** Bytes [from, to] (inclusive, within the part) of one part blob. */
interface Piece {
  blobId: string;
  partNumber: number;
  size: number;
  from: number;
  to: number;
}

/** Reads up to this many bytes of a single-part object in one read, sent as one buffer (no stream machinery). */
export const SMALL_READ = 256 * 1024;

export interface ListRequest {
  prefix: string;
  delimiter: string;
  maxKeys: number;
}

export class ObjectService {
  constructor(
    private readonly objects: ObjectsRepo,
    private readonly blobs: BlobStore,
    private readonly commits: GroupCommit,
    private readonly garbage: Garbage,
    private readonly clock: () => number,
    private readonly quotas: QuotaService,
    private readonly notifications: NotificationService,
    private readonly encryption: Encryption,
  ) {}

  // ---------------------------------------------------------------- encryption

  /** A new data key for a new object or upload (KmsNotFound / KmsDisabled for an unusable keyring key). */
  newDataKey(req: SseRequest): DataKey {
    return this.encryption.create(req);
  }

  /** The data key of an encrypted object or upload (AccessDenied: not its SSE-C key). */
  dataKey(r: SseRecord, customerKey?: Buffer): DataKey {
    return this.encryption.open(r, customerKey);
  }

  /** The same data key wrapped for another mode (a copy that keeps the ciphertext). */
  rewrap(dk: DataKey, req: SseRequest): DataKey {
    return this.encryption.rewrap(dk, req);
  }

  /** Is this the SSE-C key the object was written with? */
  matchesCustomerKey(r: SseRecord, key: Buffer): boolean {
    return this.encryption.matchesCustomerKey(r, key);
  }

  /** The ETag of bytes with this MD5 written under this data key. */
  etagUnder(dk: DataKey, md5: Buffer): string {
    return this.encryption.etagOf(dk, md5);
  }

  // ---------------------------------------------------------------- lookups

  /** The storage's capacity in bytes: total, available, and used (total - available), as the disk reports them. */
  async capacity(): Promise<{ capacity: number; available: number; used: number }> {
    const { total, available } = await this.blobs.capacity();
    return { capacity: total, available, used: Math.max(0, total - available) };
  }

  /** The current object of a key (its latest version unless that is a delete marker). */
  current(bucket: Bucket, key: string): ObjectRecord | undefined {
    return this.objects.get(bucket.id, key);
  }

  /** The latest version of a key, delete markers included. */
  latest(bucket: Bucket, key: string): ObjectRecord | undefined {
    return this.objects.latest(bucket.id, key);
  }

  /** One version by id ('null' for the null version). */
  version(bucket: Bucket, key: string, versionId: string): ObjectRecord | undefined {
    return this.objects.version(bucket.id, key, versionId);
  }

  /** The parts of a multipart object (empty for a single-part one). */
  segments(o: ObjectRecord): Segment[] {
    return o.partsCount ? this.objects.segments(o.blobId) : [];
  }

  // ---------------------------------------------------------------- write

  /** Conditions judged early, before a body is received (write() judges them again, atomically). */
  precheck(bucket: Bucket, key: string, conditions: WriteConditions | undefined): void {
    if (conditions) checkWriteConditions(conditions, this.objects.get(bucket.id, key), key);
  }

  /**
   * Refuses early (before the body is read) a new version of `size` bytes
   * that cannot fit the bucket's quota, counting the null version it would
   * replace; the commit decides for good (QuotaService.guard).
   */
  quotaPrecheck(bucket: Bucket, key: string, size: number): void {
    // Most buckets have no quota: nothing to look up then (the replaced version is a query).
    if (!this.quotas.quota(bucket)) return;
    let bytes = size;
    let objects = 1;
    if (bucket.versioning !== 'Enabled') {
      const replaced = this.objects.version(bucket.id, key, 'null');
      if (replaced) {
        bytes -= replaced.size;
        if (!replaced.deleteMarker) objects -= 1;
      }
    }
    this.quotas.precheck(bucket, bytes, objects);
  }

  /** Will a new version of this bucket be written under retention (asked for, or the bucket's default)? */
  retentionApplies(bucket: Bucket, lock: LockRequest | undefined): boolean {
    return lock?.mode !== undefined || (bucket.objectLock && bucket.lockDefault !== undefined);
  }

  /**
   * Streams a body to a temp file, hashing it (MD5 and `checksum`, of the
   * plaintext), encrypted when `encrypt` says so; nothing is visible yet.
   */
  async stage(body: Readable, opts: StageOptions & { encrypt?: EncryptAs }): Promise<Staged> {
    const e = opts.encrypt;
    if (!e) return this.blobs.stage(body, opts);
    const staged: Staged = await this.blobs.stage(body, { ...opts, md5: true, encode: this.encryption.encoder(e.dataKey, e.partNumber) });
    staged.sse = e.dataKey.record;
    staged.etag = this.encryption.etagOf(e.dataKey, staged.md5!);
    return staged;
  }

  /**
   * Stages a copy of an object's bytes [start, end], decrypted with the
   * source's key (`sourceKey`: its SSE-C key) and encrypted as `encrypt`
   * asks. A whole single-part object whose bytes stay as they are (both
   * plaintext, or the same data key rewrapped) is cloned (reflink where the
   * filesystem can, no hashes: its ETag and checksum stay valid); anything
   * else is read and re-hashed (and re-encrypted).
   */
  async stageCopy(src: ObjectRecord, opts: StageOptions & { start?: number; end?: number; sourceKey?: Buffer; encrypt?: EncryptAs }): Promise<Staged> {
    const start = opts.start ?? 0;
    const end = opts.end ?? src.size - 1;
    const whole = start === 0 && end === src.size - 1;
    const sameBytes = src.encryption
      ? opts.encrypt !== undefined && opts.encrypt.partNumber === 0 && opts.encrypt.dataKey.record.oid === src.encryption.oid
      : opts.encrypt === undefined;
    if (whole && sameBytes && !src.partsCount && opts.checksum === undefined && opts.md5 === false) {
      const staged: Staged = await this.blobs.stageCopy(src.blobId, src.size);
      if (opts.encrypt) staged.sse = opts.encrypt.dataKey.record;
      return staged;
    }
    const stream = await this.open(src, start, end, opts.sourceKey);
    if (!stream) throw new DomainError('DataMissing', 'The copy source data could not be read.');
    return this.stage(stream, { ...opts, md5: opts.encrypt ? true : opts.md5 });
  }

  /**
   * The one write path: makes a staged body the new version of `key`. The
   * bucket's Object Lock default applies unless the request set a lock;
   * conditions are judged inside the commit against the current version;
   * versioning decides between a new version and replacing the null one.
   * The blob is published (fsync, rename, fsync dir) before the commit; on
   * any failure it is removed and the previous object stays.
   */
  async write(w: WriteRequest): Promise<Written> {
    const now = this.clock();
    let lock;
    try {
      lock = lockForNewVersion(w.bucket, w.spec.lock, now);
      if (w.conditions) checkWriteConditions(w.conditions, this.objects.get(w.bucket.id, w.key), w.key);
    } catch (e) {
      await w.staged.discard();
      throw e;
    }
    const etag = w.spec.etag ?? w.staged.etag ?? w.staged.md5?.toString('hex');
    if (etag === undefined) {
      await w.staged.discard();
      throw new Error('write: a staged copy needs the source ETag');
    }
    const record: ObjectRecord = {
      bucketId: w.bucket.id,
      key: w.key,
      blobId: w.staged.blobId,
      size: w.staged.size,
      etag,
      lastModified: now,
      ownerId: w.spec.ownerId,
      storageClass: w.spec.storageClass,
      headers: w.spec.headers,
      meta: w.spec.meta,
      checksumAlgorithm: w.spec.checksum ? w.spec.checksumAlgorithm : undefined,
      checksum: w.spec.checksum,
      lockMode: lock?.mode,
      lockUntil: lock?.until,
      legalHold: lock?.legalHold,
      acl: w.spec.acl,
      tags: w.spec.tags?.length ? w.spec.tags : undefined,
      encryption: w.staged.sse,
    };
    await w.staged.publish();
    let versionId: string;
    try {
      versionId = await this.commitVersion(record, w.bucket, w.conditions, w.notice);
    } catch (e) {
      await w.staged.discard();
      throw e;
    }
    return { record: { ...record, versionId }, versionId: w.bucket.versioning ? versionId : undefined };
  }

  /**
   * Commits a new version (its data already durable): one transaction that
   * checks the conditions, writes the row, enforces the bucket's quota,
   * queues the change's notifications and records what it replaces as
   * garbage, which is unlinked once the commit is durable.
   */
  async commitVersion(record: ObjectRecord, bucket: Bucket, conditions?: WriteConditions, notice?: Notice): Promise<string> {
    const versioning: Versioning = bucket.versioning;
    const res = await this.commits.run(() =>
      this.quotas.guard(bucket.id, bucket.name, () => {
        const out = this.objects.put(record, conditions ? (cur) => checkWriteConditions(conditions, cur, record.key) : undefined, versioning);
        if (notice?.event) {
          const e = { name: notice.event, key: record.key, size: record.size, etag: record.etag, versionId: versioning ? out.versionId : undefined };
          this.notifications.record(bucket, [e], notice.origin);
        }
        return out;
      }),
    );
    this.garbage.release(res.released);
    return res.versionId;
  }

  // ---------------------------------------------------------------- delete

  /**
   * The one delete path. With a version id: that version is removed
   * permanently unless Object Lock protects it (the previous version becomes
   * current). Without: the object is removed (unversioned), or a delete
   * marker becomes current (versioned).
   */
  async delete(d: DeleteRequest): Promise<Deleted> {
    // One statement, unless the change is conditional (lifecycle) or also queues notification messages.
    const single =
      d.versionId === undefined &&
      d.ifCurrentBlob === undefined &&
      this.objects.deleteIsOneStatement(d.bucket.versioning) &&
      (d.notice === undefined || !this.notifications.configured(d.bucket.id));
    const res = await this.commits.run(() => this.deleteNow(d, this.clock()), { single });
    this.garbage.release(res.garbage);
    return res.result;
  }

  /**
   * Deletes many keys of one bucket in one commit (DeleteObjects): each entry
   * succeeds or fails on its own (a locked version, say); blobs are unlinked
   * once the whole batch is durable.
   */
  async deleteMany(bucket: Bucket, entries: ReadonlyArray<Omit<DeleteRequest, 'bucket'>>): Promise<Array<Deleted | DomainError>> {
    const now = this.clock();
    const garbage: Array<Released | undefined> = [];
    const out = await this.commits.run(() =>
      entries.map((e) => {
        try {
          const r = this.commits.savepoint(() => this.deleteNow({ ...e, bucket }, now));
          garbage.push(r.garbage);
          return r.result;
        } catch (err) {
          if (err instanceof DomainError) return err;
          throw err;
        }
      }),
    );
    for (const g of garbage) this.garbage.release(g);
    return out;
  }

  private deleteNow(d: DeleteRequest, now: number): { result: Deleted; garbage?: Released } {
    if (d.ifCurrentBlob !== undefined) {
      const cur = this.objects.latest(d.bucket.id, d.key);
      if (!cur || cur.deleteMarker || cur.blobId !== d.ifCurrentBlob) return { result: { deleteMarker: false, found: false } };
    }
    if (d.ifNoncurrent && d.versionId !== undefined) {
      const v = this.objects.version(d.bucket.id, d.key, d.versionId);
      if (!v || v.isLatest) return { result: { versionId: d.versionId, deleteMarker: false, found: false } };
    }
    const out = this.deleteChange(d, now);
    if (d.notice && out.result.found) {
      const marker = out.result.deleteMarker && d.versionId === undefined;
      const name = d.notice.event ?? (marker ? 'ObjectRemoved:DeleteMarkerCreated' : 'ObjectRemoved:Delete');
      this.notifications.record(d.bucket, [{ name, key: d.key, versionId: out.result.versionId }], d.notice.origin);
    }
    return out;
  }

  private deleteChange(d: DeleteRequest, now: number): { result: Deleted; garbage?: Released } {
    if (d.versionId !== undefined) {
      const res = this.objects.deleteVersion(d.bucket.id, d.key, d.versionId, now, (v) => guardRemoval(v, now, d.mayBypassGovernance));
      return { result: { versionId: d.versionId, deleteMarker: res.wasDeleteMarker === true, found: res.found }, garbage: res.released };
    }
    const res = this.objects.delete(d.bucket.id, d.key, now, d.bucket.versioning, d.ownerId);
    return {
      result: { versionId: res.deleteMarkerVersionId, deleteMarker: res.deleteMarkerVersionId !== undefined, found: true },
      garbage: res.released,
    };
  }

  // ---------------------------------------------------------------- Object Lock on a version

  async setRetention(v: ObjectRecord, mode: LockMode | undefined, until: number | undefined, mayBypassGovernance: boolean): Promise<void> {
    guardRetentionChange(v, mode, until, this.clock(), mayBypassGovernance);
    await this.commits.run(() => this.objects.setRetention(v, mode, until));
  }

  async setLegalHold(v: ObjectRecord, on: boolean): Promise<void> {
    await this.commits.run(() => this.objects.setLegalHold(v, on));
  }

  /** Replaces a version's ACL (JSON text; undefined: the owner's FULL_CONTROL only). */
  async setAcl(v: ObjectRecord, acl: string | undefined): Promise<void> {
    await this.commits.run(() => this.objects.setAcl(v, acl));
  }

  // ---------------------------------------------------------------- tags of a version

  /** Replaces a version's tags (PutObjectTagging; empty: DeleteObjectTagging). Object Lock does not protect tags. */
  async setTags(v: ObjectRecord, tags: ReadonlyArray<[string, string]>): Promise<void> {
    await this.commits.run(() => this.objects.setTags(v, tags));
  }

  // ---------------------------------------------------------------- read

  /**
   * The one read path. `choose` looks the object up and picks the bytes to
   * read (it may throw: missing, conditions). When the data vanished between
   * the lookup and the open (the object was replaced meanwhile), `choose`
   * runs again: a new blob is immutable, so once is enough, twice is safe.
   * Small single-part reads come back as one Buffer.
   */
  async read<T extends ReadChoice>(choose: () => T): Promise<T & { body?: Readable | Buffer }> {
    for (let attempt = 0; ; attempt++) {
      const c = choose();
      if (!c.range) return c;
      const body = await this.readRange(c.object, c.range.start, c.range.end, c.customerKey);
      if (body) return Object.assign(c, { body });
      if (attempt >= 2) throw new DomainError('DataMissing', 'The object data could not be read.');
    }
  }

  private async readRange(o: ObjectRecord, start: number, end: number, customerKey?: Buffer): Promise<Readable | Buffer | undefined> {
    if (!o.partsCount && end - start + 1 <= SMALL_READ) {
      if (!o.encryption) return this.blobs.readRange(o.blobId, start, end);
      const dk = this.encryption.open(o.encryption, customerKey);
      return this.encryption.readRange(o.blobId, this.encryption.binding(dk, 0), o.size, start, end);
    }
    return this.open(o, start, end, customerKey);
  }

  /**
   * Opens bytes [start, end] of an object for reading: one blob, or the part
   * blobs of a multipart object in order, each opened when reached; an
   * encrypted object's are decrypted (only the segments the range touches).
   * A multipart read pins its manifest for as long as it runs, so a
   * concurrent overwrite or delete leaves its parts on disk until the read is
   * done (the garbage collector skips pinned manifests and the sweeper
   * retries them). Undefined when the object's data is gone (it was replaced
   * meanwhile).
   */
  async open(o: ObjectRecord, start: number, end: number, customerKey?: Buffer): Promise<Readable | undefined> {
    if (o.size === 0 && !o.partsCount) return Readable.from([]);
    const dk = o.encryption ? this.encryption.open(o.encryption, customerKey) : undefined;
    if (!o.partsCount) {
      if (!dk) return this.blobs.openRead(o.blobId, start, end);
      return this.encryption.openRange(o.blobId, this.encryption.binding(dk, 0), o.size, start, end);
    }
    const unpin = this.blobs.pin(o.blobId);
    const pieces: Piece[] = this.objects.segmentsIn(o.blobId, start, end).map((g) => ({
      blobId: g.blobId,
      partNumber: g.partNumber,
      size: g.size,
      from: Math.max(start, g.offset) - g.offset,
      to: Math.min(end, g.offset + g.size - 1) - g.offset,
    }));
    if (pieces.length === 0) {
      unpin();
      return o.size === 0 ? Readable.from([]) : undefined;
    }
    const openPiece = (p: Piece) =>
      dk ? this.encryption.openRange(p.blobId, this.encryption.binding(dk, p.partNumber), p.size, p.from, p.to) : this.blobs.openRead(p.blobId, p.from, p.to);
    let first: Readable | undefined;
    try {
      first = await openPiece(pieces[0]!);
    } catch (e) {
      unpin();
      throw e;
    }
    if (!first) {
      unpin();
      return undefined;
    }
    const out = Readable.from(this.pieceChunks(pieces, first, openPiece), { objectMode: false });
    out.once('close', () => {
      // Destroyed before its first read, the generator never runs its finally.
      first.destroy();
      unpin();
    });
    // Plain parts write themselves to a response with pooled buffers, one after the other.
    if (!dk && isSendable(first))
      Object.assign(out, { [WRITE_TO]: (dest: Writable, end?: boolean) => this.writePieces(pieces, first, openPiece, out, dest, end) });
    return out;
  }

  private async writePieces(
    pieces: Piece[],
    first: Readable,
    openPiece: (p: Piece) => Promise<Readable | undefined>,
    out: Readable,
    dest: Writable,
    end = true,
  ): Promise<boolean> {
    let current: Readable | undefined = first;
    try {
      for (let i = 0; i < pieces.length; i++) {
        if (i > 0) current = await openPiece(pieces[i]!);
        if (!current || !isSendable(current)) {
          dest.destroy(new Error('A part of the object could not be read.'));
          return false;
        }
        const whole = await current[WRITE_TO](dest, false);
        current = undefined;
        if (!whole) return false;
      }
      if (end) dest.end();
      return true;
    } catch (e) {
      dest.destroy(e as Error);
      return false;
    } finally {
      current?.destroy();
      out.destroy();
    }
  }

  private async *pieceChunks(pieces: Piece[], first: Readable, openPiece: (p: Piece) => Promise<Readable | undefined>): AsyncGenerator<Buffer> {
    let current: Readable | undefined = first;
    try {
      for (let i = 0; i < pieces.length; i++) {
        if (i > 0) {
          const p = pieces[i]!;
          current = await openPiece(p);
          if (!current) throw new DomainError('DataMissing', 'A part of the object could not be read.');
        }
        for await (const chunk of current as AsyncIterable<Buffer>) yield chunk;
        current = undefined;
      }
    } finally {
      current?.destroy();
    }
  }

  // ---------------------------------------------------------------- listings

  /** A page of current objects after `marker` (ListObjects, ListObjectsV2). */
  list(bucket: Bucket, req: ListRequest & { marker?: string }): Promise<PageOf<ListEntry>> {
    return keyPage((from, to, limit) => this.objects.scan(bucket.id, from, to, limit), req);
  }

  /**
   * A page of versions and delete markers (ListObjectVersions): key order,
   * newest first within a key, after (key-marker, version-id-marker) or after
   * every version of key-marker.
   */
  async listVersions(bucket: Bucket, req: ListRequest & { keyMarker: string; versionIdMarker: string }): Promise<PageOf<VersionEntry>> {
    const MAX_KEY = Buffer.alloc(1100, 0xff);
    let after: { key: Buffer; seq: number } | undefined;
    let resume: Buffer | 'end' | undefined;
    if (req.keyMarker !== '' && req.versionIdMarker !== '') {
      // A marker deleted since its page was read (clients that delete each page before reading the next) resumes where it stood.
      const seq =
        this.objects.versionSeq(bucket.id, req.keyMarker, req.versionIdMarker) ?? this.objects.resumeSeq(bucket.id, req.keyMarker, req.versionIdMarker);
      after = { key: Buffer.from(req.keyMarker, 'utf8'), seq };
      const group = resumeAfterKey(req.keyMarker, req.prefix, req.delimiter, false);
      if (group !== undefined) resume = group;
    } else resume = resumeAfterKey(req.keyMarker, req.prefix, req.delimiter, true);
    if (resume === 'end') return { rows: [], commonPrefixes: [], isTruncated: false };
    return pageOf<VersionEntry, { key: Buffer; seq: number }>(
      {
        scan: (from, end, a, limit) => this.objects.scanVersions(bucket.id, from, end ?? MAX_KEY, a?.key ?? Buffer.alloc(0), a ? a.seq : -1, limit),
        key: (r) => r.key,
        cursor: (r) => ({ key: r.key, seq: r.seq }),
      },
      { prefix: req.prefix, delimiter: req.delimiter, maxKeys: req.maxKeys, from: resume, after: resume === undefined ? after : undefined },
    );
  }
}

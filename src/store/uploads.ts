import type { Db } from './db.js';
import type { SseRecord } from './encryption.js';
import type { ObjectRecord, ObjectsRepo, Released, Segment, Versioning } from './objects.js';

export type UploadState = 'uploading' | 'complete' | 'aborted';

export interface Upload {
  id: string;
  bucketId: number;
  key: string;
  state: UploadState;
  initiated: number;
  ownerId: number;
  storageClass: string;
  headers: ObjectRecord['headers'];
  meta: ObjectRecord['meta'];
  checksumAlgorithm?: string;
  checksumType?: string;
  /** For a completed upload: what Complete answered (JSON), so a repeated Complete answers the same. */
  result?: string;
  /** Object Lock settings asked for at CreateMultipartUpload. */
  lock?: { mode?: 'GOVERNANCE' | 'COMPLIANCE'; until?: number; legalHold?: boolean };
  /** The owner and ACL the object gets when the upload completes (JSON text, interpreted by the protocol layer). */
  acl?: string;
  /** The account the completed object belongs to (undefined: the initiator, ownerId). */
  objectOwnerId?: number;
  /** Tags asked for at CreateMultipartUpload (x-amz-tagging), written on the version Complete creates. */
  tags?: Array<[string, string]>;
  /** Server-side encryption of the upload's parts (and of the object it completes into). */
  encryption?: SseRecord;
}

export interface Part {
  partNumber: number;
  blobId: string;
  size: number;
  etag: string;
  lastModified: number;
  checksum?: string;
}

interface UploadRow {
  id: string;
  bucket_id: number;
  key: Buffer;
  state: UploadState;
  initiated: number;
  owner_id: number;
  storage_class: string;
  headers: string | null;
  meta: string | null;
  checksum_algorithm: string | null;
  checksum_type: string | null;
  result: string | null;
  lock: string | null;
  acl: string | null;
  object_owner: number | null;
  tags: string | null;
  encryption: string | null;
}

interface PartRow {
  part_number: number;
  blob_id: string;
  size: number;
  etag: string;
  last_modified: number;
  checksum: string | null;
}

const toUpload = (r: UploadRow): Upload => ({
  id: r.id,
  bucketId: r.bucket_id,
  key: r.key.toString('utf8'),
  state: r.state,
  initiated: r.initiated,
  ownerId: r.owner_id,
  storageClass: r.storage_class,
  headers: r.headers ? (JSON.parse(r.headers) as Upload['headers']) : {},
  meta: r.meta ? (JSON.parse(r.meta) as Upload['meta']) : [],
  checksumAlgorithm: r.checksum_algorithm ?? undefined,
  checksumType: r.checksum_type ?? undefined,
  result: r.result ?? undefined,
  lock: r.lock ? (JSON.parse(r.lock) as Upload['lock']) : undefined,
  acl: r.acl ?? undefined,
  objectOwnerId: r.object_owner ?? undefined,
  tags: r.tags ? (JSON.parse(r.tags) as Upload['tags']) : undefined,
  encryption: r.encryption ? (JSON.parse(r.encryption) as SseRecord) : undefined,
});

const toPart = (r: PartRow): Part => ({
  partNumber: r.part_number,
  blobId: r.blob_id,
  size: r.size,
  etag: r.etag,
  lastModified: r.last_modified,
  checksum: r.checksum ?? undefined,
});

export interface UploadListEntry {
  key: Buffer;
  id: string;
  initiated: number;
  ownerId: number;
  /** The account the completed object will belong to (undefined: the initiator). */
  objectOwnerId?: number;
  storageClass: string;
  checksumAlgorithm?: string;
  checksumType?: string;
}

/** Multipart uploads and their parts. */
export class UploadsRepo {
  private readonly insert;
  private readonly byId;
  private readonly partOf;
  private readonly upsertPart;
  private readonly partsFrom;
  private readonly allParts;
  private readonly deleteParts;
  private readonly setState;
  private readonly addGarbage;
  private readonly refByPart;
  private readonly scanStmt;
  private readonly stale;
  private readonly purge;
  private readonly openIn;
  private readonly deleteIn;

  constructor(
    private readonly db: Db,
    private readonly objects: ObjectsRepo,
  ) {
    this.insert = db.prepare(
      `INSERT INTO uploads (id, bucket_id, key, state, initiated, owner_id, storage_class, headers, meta, checksum_algorithm, checksum_type, lock, acl, object_owner, tags, encryption)
       VALUES (?, ?, ?, 'uploading', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.byId = db.prepare<[string], UploadRow>('SELECT * FROM uploads WHERE id = ?');
    this.partOf = db.prepare<[string, number], PartRow>('SELECT * FROM parts WHERE upload_id = ? AND part_number = ?');
    this.upsertPart = db.prepare(
      `INSERT INTO parts (upload_id, part_number, blob_id, size, etag, last_modified, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (upload_id, part_number) DO UPDATE SET blob_id = excluded.blob_id, size = excluded.size, etag = excluded.etag,
         last_modified = excluded.last_modified, checksum = excluded.checksum`,
    );
    this.partsFrom = db.prepare<[string, number, number], PartRow>('SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?');
    this.allParts = db.prepare<[string], PartRow>('SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number');
    this.deleteParts = db.prepare('DELETE FROM parts WHERE upload_id = ?');
    this.setState = db.prepare('UPDATE uploads SET state = ?, result = ?, ended = ? WHERE id = ?');
    this.addGarbage = db.prepare('INSERT OR IGNORE INTO garbage (blob_id, since) VALUES (?, ?)');
    this.refByPart = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM parts WHERE blob_id = ? LIMIT 1');
    this.scanStmt = db.prepare<[number, Buffer, Buffer, Buffer, Buffer, number, string, number], UploadRow>(
      `SELECT * FROM uploads WHERE bucket_id = ? AND state = 'uploading'
         AND key >= ? AND key < ? AND (key > ? OR (key = ? AND (initiated, id) > (?, ?)))
       ORDER BY key, initiated, id LIMIT ?`,
    );
    this.deleteIn = db.prepare('DELETE FROM uploads WHERE bucket_id = ?');
    this.stale = db.prepare<[number, number], { id: string }>("SELECT id FROM uploads WHERE state = 'uploading' AND initiated < ? LIMIT ?");
    this.purge = db.prepare("DELETE FROM uploads WHERE state IN ('complete', 'aborted') AND ended < ?");
    this.openIn = db.prepare<[number], { id: string }>("SELECT id FROM uploads WHERE bucket_id = ? AND state = 'uploading'");
  }

  create(u: Omit<Upload, 'state' | 'result'>): void {
    this.insert.run(
      u.id,
      u.bucketId,
      Buffer.from(u.key, 'utf8'),
      u.initiated,
      u.ownerId,
      u.storageClass,
      Object.keys(u.headers).length ? JSON.stringify(u.headers) : null,
      u.meta.length ? JSON.stringify(u.meta) : null,
      u.checksumAlgorithm ?? null,
      u.checksumType ?? null,
      u.lock ? JSON.stringify(u.lock) : null,
      u.acl ?? null,
      u.objectOwnerId ?? null,
      u.tags?.length ? JSON.stringify(u.tags) : null,
      u.encryption ? JSON.stringify(u.encryption) : null,
    );
  }

  get(id: string): Upload | undefined {
    const r = this.byId.get(id);
    return r ? toUpload(r) : undefined;
  }

  part(uploadId: string, partNumber: number): Part | undefined {
    const r = this.partOf.get(uploadId, partNumber);
    return r ? toPart(r) : undefined;
  }

  /** Parts after `marker`, by number, at most `limit`. */
  parts(uploadId: string, marker: number, limit: number): Part[] {
    return this.partsFrom.all(uploadId, marker, limit).map(toPart);
  }

  /**
   * Records a part (replacing one of the same number) if the upload is still
   * open. Returns 'no-upload' when it is not (the caller removes the blob),
   * else the replaced blob id, now garbage.
   */
  putPart(uploadId: string, p: Part): { replacedBlobId?: string } | 'no-upload' {
    return this.db
      .transaction(() => {
        const u = this.byId.get(uploadId);
        if (!u || u.state !== 'uploading') return 'no-upload' as const;
        const old = this.partOf.get(uploadId, p.partNumber);
        this.upsertPart.run(uploadId, p.partNumber, p.blobId, p.size, p.etag, p.lastModified, p.checksum ?? null);
        if (old && old.blob_id !== p.blobId) {
          this.addGarbage.run(old.blob_id, p.lastModified);
          return { replacedBlobId: old.blob_id };
        }
        return {};
      })
      .immediate();
  }

  /**
   * Completes an upload in one transaction: `check` (conditional writes,
   * part validation against the current parts) runs first and may throw;
   * then the chosen parts become the object's segments under `manifestId`,
   * unchosen parts become garbage, the object row is written and the upload
   * is marked complete with `result`. Returns the garbage blob ids.
   */
  complete(
    uploadId: string,
    build: (
      upload: Upload,
      parts: Map<number, Part>,
      current: ObjectRecord | undefined,
    ) => { record: ObjectRecord; segments: Segment[]; result: (versionId: string) => string },
    versioning?: Versioning,
  ): { garbage: Array<string | Released>; record: ObjectRecord; versionId: string } | 'no-upload' {
    return this.db
      .transaction(() => {
        const row = this.byId.get(uploadId);
        if (!row || row.state !== 'uploading') return 'no-upload' as const;
        const upload = toUpload(row);
        const parts = new Map(this.allParts.all(uploadId).map((r) => [r.part_number, toPart(r)]));
        const current = this.objects.get(upload.bucketId, upload.key);
        const { record, segments, result } = build(upload, parts, current);
        const used = new Set(segments.map((s) => s.blobId));
        const garbage: Array<string | Released> = [];
        for (const p of parts.values()) {
          if (!used.has(p.blobId)) {
            this.addGarbage.run(p.blobId, record.lastModified);
            garbage.push(p.blobId);
          }
        }
        this.objects.addSegments(record.blobId, segments);
        this.deleteParts.run(uploadId);
        const { released, versionId } = this.objects.put(record, undefined, versioning);
        if (released) garbage.push(released);
        this.setState.run('complete', result(versionId), record.lastModified, uploadId);
        return { garbage, record, versionId };
      })
      .immediate();
  }

  /** Aborts an open upload: its parts become garbage. Returns their blob ids, or 'no-upload'. */
  abort(uploadId: string, now: number): string[] | 'no-upload' {
    return this.db
      .transaction(() => {
        const row = this.byId.get(uploadId);
        if (!row || row.state !== 'uploading') return 'no-upload' as const;
        const blobs = this.allParts.all(uploadId).map((p) => p.blob_id);
        for (const b of blobs) this.addGarbage.run(b, now);
        this.deleteParts.run(uploadId);
        this.setState.run('aborted', null, now, uploadId);
        return blobs;
      })
      .immediate();
  }

  /** Aborts every open upload of a bucket and forgets them all (inside the bucket deletion's transaction). */
  removeAllIn(bucketId: number, now: number): string[] {
    const out: string[] = [];
    for (const { id } of this.openIn.all(bucketId)) {
      const r = this.abort(id, now);
      if (r !== 'no-upload') out.push(...r);
    }
    this.deleteIn.run(bucketId);
    return out;
  }

  /** Ids of open uploads initiated before `cutoff`. */
  staleUploads(cutoff: number, limit: number): string[] {
    return this.stale.all(cutoff, limit).map((r) => r.id);
  }

  /** Forgets uploads that ended (completed or aborted) before `cutoff`; a repeated Complete is no longer answered after that. */
  purgeFinished(cutoff: number): number {
    return this.purge.run(cutoff).changes;
  }

  references(blobId: string): boolean {
    return this.refByPart.get(blobId) !== undefined;
  }

  /**
   * Open uploads with from <= key < to in (key, initiated, id) order,
   * strictly after (afterKey, afterInitiated, afterId).
   */
  scan(bucketId: number, from: Buffer, to: Buffer, after: { key: Buffer; initiated: number; id: string }, limit: number): UploadListEntry[] {
    return this.scanStmt.all(bucketId, from, to, after.key, after.key, after.initiated, after.id, limit).map((r) => ({
      key: r.key,
      id: r.id,
      initiated: r.initiated,
      ownerId: r.owner_id,
      objectOwnerId: r.object_owner ?? undefined,
      storageClass: r.storage_class,
      checksumAlgorithm: r.checksum_algorithm ?? undefined,
      checksumType: r.checksum_type ?? undefined,
    }));
  }
}

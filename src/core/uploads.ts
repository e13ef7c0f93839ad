/**
 * UploadService: multipart uploads. Parts are staged and recorded like any
 * write; CompleteMultipartUpload makes the chosen parts the object's segments
 * in one transaction (no bytes copied), with the same rules as the write path
 * (conditions judged against the current version, the bucket's Object Lock
 * default, versioning) and the same garbage handling.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createHasher, type ChecksumAlgorithm } from '../digest/checksums.js';
import { combineBase64 } from '../digest/crcCombine.js';
import { newBlobId } from '../store/blobs.js';
import type { Bucket } from '../store/buckets.js';
import type { GroupCommit } from '../store/commits.js';
import type { Garbage } from '../store/garbage.js';
import type { ObjectRecord, Segment } from '../store/objects.js';
import type { Part, Upload, UploadListEntry, UploadsRepo } from '../store/uploads.js';
import { DomainError } from './errors.js';
import { pageOf, resumeAfterKey, type PageOf } from './listing.js';
import { lockForNewVersion, type LockRequest } from './objectLock.js';
import { checkWriteConditions, type Notice, type SseRecord, type Staged, type VersionSpec, type WriteConditions } from './objects.js';
import type { NotificationService } from './notifications.js';
import type { QuotaService } from './quotas.js';

export type { Part, Upload, UploadListEntry };

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 ** 3;
export const MAX_PARTS = 10000;

export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

export interface UploadSpec extends Omit<VersionSpec, 'etag' | 'checksum'> {
  checksumType?: ChecksumType;
  lock?: LockRequest;
  /** The account the completed object belongs to (default: ownerId, the initiator). */
  objectOwnerId?: number;
  /** How the parts (and the object) are encrypted: the upload's data key, wrapped. */
  encryption?: SseRecord;
}

/** A part as CompleteMultipartUpload names it. */
export interface RequestedPart {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

export interface CompleteRequest {
  bucket: Bucket;
  key: string;
  uploadId: string;
  /** The parts asked for; called once the upload is known to be open (its errors come after NoSuchUpload). */
  parts: () => readonly RequestedPart[];
  conditions?: WriteConditions;
  /** x-amz-checksum-type sent with Complete: must be the upload's. */
  checksumType?: ChecksumType;
  /** x-amz-mp-object-size: must be the sum of the parts. */
  objectSize?: number;
  /** A whole-object checksum sent with Complete (header), checked against the combined one. */
  objectChecksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** The object's URL, for the answer. */
  location: string;
  maxObjectSize: number;
  /** Smallest part but the last (MIN_PART_SIZE unless configured smaller for tests). */
  minPartSize?: number;
  notice?: Notice;
}

/** What a completed upload answers (stored, so that a retried Complete answers the same). */
export interface Completion {
  location: string;
  bucket: string;
  key: string;
  etag: string;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksum?: string;
  checksumType?: ChecksumType;
  versionId: string;
}

/** The object-level checksum of a completed upload, from its parts' checksums. */
function objectChecksum(algo: ChecksumAlgorithm, type: ChecksumType, parts: Part[]): string | undefined {
  if (parts.some((p) => !p.checksum)) return undefined;
  if (type === 'FULL_OBJECT') {
    if (algo === 'SHA1' || algo === 'SHA256') return undefined;
    return combineBase64(
      algo,
      parts.map((p) => ({ checksum: p.checksum!, size: p.size })),
    );
  }
  const h = createHasher(algo);
  for (const p of parts) h.update(Buffer.from(p.checksum!, 'base64'));
  return `${h.digest().toString('base64')}-${parts.length}`;
}

/** A stored completion: the data form, or (from before 0.2) the rendered XML with the version id. */
function parseCompletion(stored: string): Completion | { legacyXml: string; versionId: string } {
  const v = JSON.parse(stored) as Completion & { xml?: string };
  if (typeof v.xml === 'string') return { legacyXml: v.xml, versionId: v.versionId };
  return v;
}

export class UploadService {
  constructor(
    private readonly uploads: UploadsRepo,
    private readonly commits: GroupCommit,
    private readonly garbage: Garbage,
    private readonly clock: () => number,
    private readonly quotas: QuotaService,
    private readonly notifications: NotificationService,
  ) {}

  get(id: string): Upload | undefined {
    return this.uploads.get(id);
  }

  /** The open upload `id` of this bucket and key, or undefined. */
  open(bucket: Bucket, key: string, id: string): Upload | undefined {
    const u = id ? this.uploads.get(id) : undefined;
    return u && u.state === 'uploading' && u.bucketId === bucket.id && u.key === key ? u : undefined;
  }

  /** Starts an upload; a lock asked for is checked now (the bucket's default applies when it completes). */
  async create(bucket: Bucket, key: string, spec: UploadSpec): Promise<string> {
    lockForNewVersion(bucket, spec.lock, this.clock());
    const id = newUploadId();
    await this.commits.run(() =>
      this.uploads.create({
        id,
        bucketId: bucket.id,
        key,
        initiated: this.clock(),
        ownerId: spec.ownerId,
        storageClass: spec.storageClass,
        headers: spec.headers,
        meta: spec.meta,
        checksumAlgorithm: spec.checksumAlgorithm,
        checksumType: spec.checksumType,
        lock: spec.lock,
        acl: spec.acl,
        objectOwnerId: spec.objectOwnerId,
        tags: spec.tags,
        encryption: spec.encryption,
      }),
    );
    return id;
  }

  /** Records a staged, verified part (replacing one of the same number); the blob is removed again if the upload ended meanwhile. */
  async putPart(u: Upload, partNumber: number, staged: Staged, checksum: string | undefined, bucketName = ''): Promise<Part> {
    await staged.publish();
    const part: Part = {
      partNumber,
      blobId: staged.blobId,
      size: staged.size,
      etag: staged.etag ?? staged.md5!.toString('hex'),
      lastModified: this.clock(),
      checksum,
    };
    let res;
    try {
      res = await this.commits.run(() => this.quotas.guard(u.bucketId, bucketName, () => this.uploads.putPart(u.id, part)));
    } catch (e) {
      await staged.discard();
      throw e;
    }
    if (res === 'no-upload') {
      await staged.discard();
      throw new DomainError('NoSuchUpload', undefined, { UploadId: u.id });
    }
    this.garbage.release(res.replacedBlobId);
    return part;
  }

  /**
   * Completes an upload in one transaction, or answers again as a completed
   * upload did (a client's retry). Throws NoSuchUpload for an unknown or
   * aborted one.
   */
  async complete(c: CompleteRequest): Promise<Completion | { legacyXml: string; versionId: string }> {
    const existing = c.uploadId ? this.uploads.get(c.uploadId) : undefined;
    if (!existing || existing.bucketId !== c.bucket.id || existing.key !== c.key || existing.state === 'aborted') {
      throw new DomainError('NoSuchUpload', undefined, { UploadId: c.uploadId });
    }
    if (existing.state === 'complete' && existing.result) return parseCompletion(existing.result);
    const requested = c.parts();
    for (let i = 1; i < requested.length; i++) {
      if (requested[i]!.partNumber <= requested[i - 1]!.partNumber) throw new DomainError('InvalidPartOrder', undefined, { UploadId: c.uploadId });
    }
    const now = this.clock();
    const manifestId = newBlobId();
    const done = await this.commits.run(() => {
      const out = this.quotas.guard(c.bucket.id, c.bucket.name, () =>
        this.uploads.complete(
          c.uploadId,
          (upload, parts, current) => {
            if (c.conditions) checkWriteConditions(c.conditions, current, c.key);
            if (c.checksumType !== undefined && upload.checksumType && c.checksumType !== upload.checksumType) {
              throw new DomainError(
                'InvalidRequest',
                `The upload was created using the ${upload.checksumType} checksum mode. The complete request must use the same checksum mode.`,
              );
            }
            const chosen = this.choose(upload, parts, requested, c.uploadId, c.minPartSize ?? MIN_PART_SIZE);
            const size = chosen.reduce((s, p) => s + p.size, 0);
            if (size > c.maxObjectSize)
              throw new DomainError('EntityTooLarge', undefined, { ProposedSize: String(size), MaxSizeAllowed: String(c.maxObjectSize) });
            if (c.objectSize !== undefined && c.objectSize !== size) {
              throw new DomainError(
                'InvalidRequest',
                `The provided 'x-amz-mp-object-size' header value ${c.objectSize} does not match what was computed: ${size}`,
              );
            }
            // One buffer for the 16-byte digests (10,000 parts: no 10,000 small buffers).
            const md5s = Buffer.alloc(16 * chosen.length);
            for (const [i, p] of chosen.entries()) md5s.write(p.etag, i * 16, 16, 'hex');
            const etag = `${createHash('md5').update(md5s).digest('hex')}-${chosen.length}`;
            const algo = upload.checksumAlgorithm as ChecksumAlgorithm | undefined;
            const type = (upload.checksumType as ChecksumType | undefined) ?? 'COMPOSITE';
            const checksum = algo ? objectChecksum(algo, type, chosen) : undefined;
            if (c.objectChecksum && algo && checksum && c.objectChecksum.algorithm === algo && c.objectChecksum.value !== checksum) {
              throw new DomainError('BadDigest', `The ${algo} you specified did not match the calculated checksum.`);
            }
            let offset = 0;
            const segments: Segment[] = chosen.map((p) => {
              const g = { partNumber: p.partNumber, blobId: p.blobId, offset, size: p.size, etag: p.etag, checksum: p.checksum };
              offset += p.size;
              return g;
            });
            // The version is created now: the bucket's default retention counts from here.
            const lock = lockForNewVersion(c.bucket, upload.lock, now, false);
            const record: ObjectRecord = {
              bucketId: c.bucket.id,
              key: c.key,
              blobId: manifestId,
              size,
              etag,
              lastModified: now,
              ownerId: upload.objectOwnerId ?? upload.ownerId,
              storageClass: upload.storageClass,
              headers: upload.headers,
              meta: upload.meta,
              checksumAlgorithm: checksum ? algo : undefined,
              checksum,
              partsCount: chosen.length,
              lockMode: lock?.mode,
              lockUntil: lock?.until,
              legalHold: lock?.legalHold,
              acl: upload.acl,
              tags: upload.tags,
              encryption: upload.encryption,
            };
            const completion = (versionId: string): Completion => ({
              location: c.location,
              bucket: c.bucket.name,
              key: c.key,
              etag,
              checksumAlgorithm: algo && checksum ? algo : undefined,
              checksum,
              checksumType: algo && checksum ? type : undefined,
              versionId,
            });
            return { record, segments, result: (versionId: string) => JSON.stringify(completion(versionId)) };
          },
          c.bucket.versioning,
        ),
      );
      if (out !== 'no-upload' && c.notice) {
        const e = {
          name: c.notice.event ?? 'ObjectCreated:CompleteMultipartUpload',
          key: c.key,
          size: out.record.size,
          etag: out.record.etag,
          versionId: c.bucket.versioning ? out.versionId : undefined,
        };
        this.notifications.record(c.bucket, [e], c.notice.origin);
      }
      return out;
    });
    if (done === 'no-upload') {
      // Completed or aborted by a concurrent request meanwhile.
      const again = this.uploads.get(c.uploadId);
      if (again?.state === 'complete' && again.result) return parseCompletion(again.result);
      throw new DomainError('NoSuchUpload', undefined, { UploadId: c.uploadId });
    }
    for (const g of done.garbage) this.garbage.release(g);
    return parseCompletion(this.uploads.get(c.uploadId)!.result!);
  }

  /** The parts a Complete names, checked against those uploaded. */
  private choose(upload: Upload, parts: Map<number, Part>, requested: readonly RequestedPart[], uploadId: string, minPartSize: number): Part[] {
    const chosen: Part[] = [];
    for (const [i, rp] of requested.entries()) {
      const p = parts.get(rp.partNumber);
      if (!p || p.etag !== rp.etag) throw new DomainError('InvalidPart', undefined, { UploadId: uploadId, PartNumber: String(rp.partNumber), ETag: rp.etag });
      if (i < requested.length - 1 && p.size < minPartSize) {
        throw new DomainError('EntityTooSmall', undefined, {
          ProposedSize: String(p.size),
          MinSizeAllowed: String(minPartSize),
          PartNumber: String(rp.partNumber),
          ETag: rp.etag,
        });
      }
      for (const [a, v] of Object.entries(rp.checksums)) {
        if (upload.checksumAlgorithm && a !== upload.checksumAlgorithm) {
          throw new DomainError(
            'InvalidPart',
            `The upload was created using a ${upload.checksumAlgorithm.toLowerCase()} checksum. The complete request must use the same checksum algorithm.`,
            { UploadId: uploadId, PartNumber: String(rp.partNumber) },
          );
        }
        if (p.checksum !== undefined && v !== p.checksum) {
          throw new DomainError('InvalidPart', undefined, { UploadId: uploadId, PartNumber: String(rp.partNumber), ETag: rp.etag });
        }
      }
      chosen.push(p);
    }
    return chosen;
  }

  /** Aborts an open upload: its parts are removed. */
  async abort(u: Upload): Promise<void> {
    const res = await this.commits.run(() => this.uploads.abort(u.id, this.clock()));
    if (res === 'no-upload') throw new DomainError('NoSuchUpload', undefined, { UploadId: u.id });
    for (const b of res) this.garbage.release(b);
  }

  /** Parts after `marker`, by number, at most `limit`. */
  parts(u: Upload, marker: number, limit: number): Part[] {
    return this.uploads.parts(u.id, marker, limit);
  }

  /**
   * A page of open uploads (ListMultipartUploads) in (key, initiated, id)
   * order, after (key-marker, upload-id-marker) or after every upload of
   * key-marker.
   */
  async list(
    bucket: Bucket,
    req: { prefix: string; delimiter: string; maxKeys: number; keyMarker: string; uploadIdMarker: string },
  ): Promise<PageOf<UploadListEntry>> {
    const MAX_KEY = Buffer.alloc(1100, 0xff);
    type Cursor = { key: Buffer; initiated: number; id: string };
    let after: Cursor | undefined;
    let resume: Buffer | 'end' | undefined;
    const m = req.uploadIdMarker !== '' && req.keyMarker !== '' ? this.uploads.get(req.uploadIdMarker) : undefined;
    if (m && m.key === req.keyMarker) {
      after = { key: Buffer.from(req.keyMarker, 'utf8'), initiated: m.initiated, id: m.id };
      resume = resumeAfterKey(req.keyMarker, req.prefix, req.delimiter, false);
    } else resume = resumeAfterKey(req.keyMarker, req.prefix, req.delimiter, true);
    if (resume === 'end') return { rows: [], commonPrefixes: [], isTruncated: false };
    const none: Cursor = { key: Buffer.alloc(0), initiated: -1, id: '' };
    return pageOf<UploadListEntry, Cursor>(
      {
        scan: (from, end, a, limit) => this.uploads.scan(bucket.id, from, end ?? MAX_KEY, a ?? none, limit),
        key: (r) => r.key,
        cursor: (r) => ({ key: r.key, initiated: r.initiated, id: r.id }),
      },
      { prefix: req.prefix, delimiter: req.delimiter, maxKeys: req.maxKeys, from: resume, after: resume === undefined ? after : undefined },
    );
  }
}

/** An upload id: 24 random bytes, base64url. */
function newUploadId(): string {
  return randomBytes(24).toString('base64url');
}

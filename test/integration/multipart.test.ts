/**
 * Multipart uploads through @aws-sdk/client-s3 and @aws-sdk/lib-storage
 * against the real server: Create/UploadPart/UploadPartCopy/Complete/Abort,
 * ListParts and ListMultipartUploads paging (checked against a model),
 * GET/HEAD ?partNumber, GetObjectAttributes, composite and full-object
 * checksums, conditional writes, the stale-upload sweep and DeleteBucket.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type CreateMultipartUploadCommandInput,
  type ListMultipartUploadsCommandOutput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isSendable, WRITE_TO, type Sendable } from '../../src/io/sendable.js';
import { newBlobId } from '../../src/store/blobs.js';
import { checksumBase64, type ChecksumAlgorithm } from '../../src/digest/checksums.js';
import type { ObjectRecord, Segment } from '../../src/store/objects.js';
import { sweep } from '../../src/workers/sweeper.js';
import { rawRequest } from '../helpers/signing.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { body, expectS3Error, md5, newBucket, pool, s3Error, sleep, slowDescribe, type S3Err, waitFor } from '../helpers/s3.js';

const MiB = 1024 * 1024;

let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

/** The multipart ETag: MD5 of the concatenated binary part MD5s, then -N. */
function multipartEtag(parts: Buffer[]): string {
  const digests = parts.map((p) => createHash('md5').update(p).digest());
  return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}"`;
}

async function createUpload(bucket: string, key: string, extra: Partial<CreateMultipartUploadCommandInput> = {}, client = s3): Promise<string> {
  const out = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...extra }));
  expect(out.UploadId).toBeTruthy();
  return out.UploadId!;
}

async function uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, data: Buffer, client = s3): Promise<CompletedPart> {
  const out = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: data }));
  expect(out.ETag).toBe(`"${md5(data)}"`);
  return { PartNumber: partNumber, ETag: out.ETag };
}

/** A whole multipart object: create, upload the parts (in parallel), complete. */
async function multipartObject(bucket: string, key: string, parts: Buffer[], extra: Partial<CreateMultipartUploadCommandInput> = {}): Promise<string> {
  const id = await createUpload(bucket, key, extra);
  const done = await Promise.all(parts.map((p, i) => uploadPart(bucket, key, id, i + 1, p)));
  const out = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: done } }));
  expect(out.ETag).toBe(multipartEtag(parts));
  return out.ETag!;
}

/** The on-disk path of a part's blob (the part must exist now). */
function partFile(uploadId: string, partNumber: number): string {
  const p = ts.ctx.uploads.part(uploadId, partNumber);
  expect(p, `part ${partNumber} of ${uploadId} is recorded`).toBeDefined();
  return ts.ctx.blobs.pathOf(p!.blobId);
}

async function expectGone(paths: string[]): Promise<void> {
  expect(await waitFor(() => paths.every((p) => !existsSync(p))), `blob files still on disk: ${paths.filter((p) => existsSync(p)).join(', ')}`).toBe(true);
}

const isReferenced = (t: TestServer) => (id: string) => t.ctx.objects.references(id) || t.ctx.uploads.references(id);

/** Blob files on disk that no object, segment or part references. */
async function unreferencedBlobs(t: TestServer): Promise<string[]> {
  const out: string[] = [];
  for await (const { blobId } of t.ctx.blobs.allBlobs()) if (!isReferenced(t)(blobId)) out.push(blobId);
  return out;
}

/** Raw base64 -> bytes -> the composite form: checksum of the concatenated part checksums, then -N. */
function compositeCrc32(parts: Buffer[]): string {
  const raw = Buffer.concat(parts.map((p) => u32(crc32(p))));
  return `${u32(crc32(raw)).toString('base64')}-${parts.length}`;
}
/** A response field by its computed name (ChecksumCRC32C, ...). */
function field_(o: object, name: string): unknown {
  return (o as Record<string, unknown>)[name];
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

// ---------------------------------------------------------------- lib-storage

slowDescribe('lib-storage Upload', () => {
  it('uploads 100 MB+ from a stream with 4 parallel parts; the ETag is MD5-of-part-MD5s-N; the download matches', async () => {
    const b = await newBucket(s3, { prefix: 'mp-bucket' });
    const partSize = 8 * MiB;
    const total = 100 * MiB + 654_321;
    const whole = createHash('md5');
    const partMd5s: Buffer[] = [];
    const partCrcs: number[] = [];
    let cur = createHash('md5');
    let curCrc = 0;
    let inPart = 0;
    async function* generate(): AsyncGenerator<Buffer> {
      for (let left = total; left > 0;) {
        const chunk = randomBytes(Math.min(left, MiB - 1000)); // chunks that do not line up with parts
        left -= chunk.length;
        whole.update(chunk);
        for (let off = 0; off < chunk.length;) {
          const take = Math.min(chunk.length - off, partSize - inPart);
          const piece = chunk.subarray(off, off + take);
          cur.update(piece);
          curCrc = crc32(piece, curCrc);
          inPart += take;
          off += take;
          if (inPart === partSize) {
            partMd5s.push(cur.digest());
            partCrcs.push(curCrc);
            cur = createHash('md5');
            curCrc = 0;
            inPart = 0;
          }
        }
        yield chunk;
      }
      if (inPart > 0) {
        partMd5s.push(cur.digest());
        partCrcs.push(curCrc);
      }
    }
    const upload = new Upload({
      client: s3,
      queueSize: 4,
      partSize,
      params: { Bucket: b, Key: 'big/stream.bin', Body: Readable.from(generate()), ContentType: 'application/x-big' },
    });
    const res = await upload.done();
    const parts = Math.ceil(total / partSize);
    expect(partMd5s.length).toBe(parts);
    const etag = `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${parts}"`;
    expect(res.ETag).toBe(etag);

    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'big/stream.bin', ChecksumMode: 'ENABLED' }));
    expect(head.ETag).toBe(etag);
    expect(head.ContentLength).toBe(total);
    expect(head.ContentType).toBe('application/x-big');
    // lib-storage asks for CRC32 at the current SDK defaults: a composite checksum.
    const compositeRaw = Buffer.concat(partCrcs.map(u32));
    expect(head.ChecksumCRC32).toBe(`${u32(crc32(compositeRaw)).toString('base64')}-${parts}`);
    expect(head.ChecksumType).toBe('COMPOSITE');

    const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'big/stream.bin' }));
    expect(get.ETag).toBe(etag);
    const down = createHash('md5');
    let got = 0;
    for await (const c of get.Body as Readable) {
      down.update(c as Buffer);
      got += (c as Buffer).length;
    }
    expect(got).toBe(total);
    expect(down.digest('hex')).toBe(whole.digest('hex'));
  }, 120_000);
});

// ---------------------------------------------------------------- basics

describe('CreateMultipartUpload, UploadPart, CompleteMultipartUpload', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'mp-bucket' });
  });

  it('Content-Type, metadata and storage class given at Create show on HeadObject after Complete', async () => {
    const key = 'meta/ünï code+plus.bin';
    const create: Partial<CreateMultipartUploadCommandInput> = {
      ContentType: 'text/x-cairn',
      ContentDisposition: 'attachment; filename="x.bin"',
      CacheControl: 'max-age=7',
      Metadata: { color: 'green', 'two-words': 'a b' },
      StorageClass: 'STANDARD_IA',
    };
    const id = await createUpload(b, key, create);
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, Prefix: 'meta/' }));
    expect(listed.Uploads?.map((u) => [u.Key, u.UploadId, u.StorageClass])).toEqual([[key, id, 'STANDARD_IA']]);
    const p1 = randomBytes(5 * MiB);
    const p2 = Buffer.from('tail');
    const parts = [await uploadPart(b, key, id, 1, p1), await uploadPart(b, key, id, 2, p2)];
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id }));
    expect(lp.StorageClass).toBe('STANDARD_IA');
    expect(lp.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, `"${md5(p1)}"`, p1.length],
      [2, `"${md5(p2)}"`, p2.length],
    ]);
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: parts } }));
    expect(done.ETag).toBe(multipartEtag([p1, p2]));
    expect(done.Key).toBe(key);
    expect(done.Bucket).toBe(b);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: key }));
    expect(head).toMatchObject({
      ContentType: 'text/x-cairn',
      ContentDisposition: 'attachment; filename="x.bin"',
      CacheControl: 'max-age=7',
      Metadata: { color: 'green', 'two-words': 'a b' },
      StorageClass: 'STANDARD_IA',
      ContentLength: p1.length + p2.length,
      ETag: multipartEtag([p1, p2]),
    });
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: key })))).equals(Buffer.concat([p1, p2]))).toBe(true);
    // A completed upload is no longer listed.
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: b, Prefix: 'meta/' }))).Uploads ?? []).toEqual([]);
  });

  it('re-uploading a part replaces it: the old blob leaves the disk, the object has the new bytes', async () => {
    const key = 'replace/part.bin';
    const id = await createUpload(b, key);
    const first = Buffer.alloc(5 * MiB, 'a');
    const old1 = await uploadPart(b, key, id, 1, first);
    const oldFile = partFile(id, 1);
    expect(existsSync(oldFile)).toBe(true);
    const second = Buffer.alloc(5 * MiB + 3, 'b');
    const new1 = await uploadPart(b, key, id, 1, second);
    const newFile = partFile(id, 1);
    expect(newFile).not.toBe(oldFile);
    await expectGone([oldFile]);
    const p2 = Buffer.from('end of it');
    const part2 = await uploadPart(b, key, id, 2, p2);
    // A part uploaded but left out of Complete is removed too.
    await uploadPart(b, key, id, 3, Buffer.from('never used'));
    const unused = partFile(id, 3);
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id }));
    expect(lp.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      [1, new1.ETag, second.length],
      [2, part2.ETag, p2.length],
      [3, `"${md5('never used')}"`, 10],
    ]);
    // The replaced part's ETag is no longer valid.
    await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: [old1, part2] } })),
      'InvalidPart',
      400,
    );
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: [new1, part2] } }));
    expect(done.ETag).toBe(multipartEtag([second, p2]));
    await expectGone([unused]);
    expect(existsSync(newFile)).toBe(true);
    const got = await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: key })));
    expect(got.equals(Buffer.concat([second, p2]))).toBe(true);
    // A sweep keeps the object's parts (they are its segments now).
    await sweep(ts.ctx, false, isReferenced(ts));
    expect(existsSync(newFile)).toBe(true);
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: key })))).equals(Buffer.concat([second, p2]))).toBe(true);
  });

  it('a repeated Complete of a finished upload answers 200 with the same ETag; Abort after Complete is NoSuchUpload', async () => {
    const key = 'repeat/complete.bin';
    const p1 = randomBytes(5 * MiB);
    const p2 = randomBytes(1000);
    const id = await createUpload(b, key);
    const parts = [await uploadPart(b, key, id, 1, p1), await uploadPart(b, key, id, 2, p2)];
    const complete = () => s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: parts } }));
    const first = await complete();
    const again = await complete();
    expect(again.$metadata.httpStatusCode).toBe(200);
    expect(again.ETag).toBe(first.ETag);
    expect(again.ETag).toBe(multipartEtag([p1, p2]));
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: 3, Body: 'late' })), 'NoSuchUpload', 404);
    await expectS3Error(s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id })), 'NoSuchUpload', 404);
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: key })))).equals(Buffer.concat([p1, p2]))).toBe(true);
  });

  it('Abort removes the parts from disk; then UploadPart, ListParts, Complete and Abort are NoSuchUpload', async () => {
    const key = 'abort/me.bin';
    const id = await createUpload(b, key);
    const parts = [await uploadPart(b, key, id, 1, randomBytes(5 * MiB)), await uploadPart(b, key, id, 2, randomBytes(100))];
    const files = [partFile(id, 1), partFile(id, 2)];
    expect(files.every((f) => existsSync(f))).toBe(true);
    const ab = await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id }));
    expect(ab.$metadata.httpStatusCode).toBe(204);
    await expectGone(files);
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: 3, Body: 'x' })), 'NoSuchUpload', 404);
    await expectS3Error(s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id })), 'NoSuchUpload', 404);
    await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: parts } })),
      'NoSuchUpload',
      404,
    );
    await expectS3Error(s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id })), 'NoSuchUpload', 404);
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: key })), 'NotFound', 404);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: b, Prefix: 'abort/' }))).Uploads ?? []).toEqual([]);
  });

  it('UploadParts racing an Abort leave no part file behind', async () => {
    const key = 'abort/race.bin';
    const id = await createUpload(b, key);
    const puts = Array.from({ length: 6 }, (_, i) =>
      s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: i + 1, Body: randomBytes(256 * 1024) })).then(
        () => 'ok',
        (e: S3Err) => e.name,
      ),
    );
    await sleep(5);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id }));
    const results = await Promise.all(puts);
    for (const r of results) expect(['ok', 'NoSuchUpload']).toContain(r);
    expect(ts.ctx.uploads.parts(id, 0, 100)).toEqual([]);
    // Drain the garbage; a sweep leaves young unreferenced files alone, so any left now leaked.
    await sweep(ts.ctx, false, isReferenced(ts));
    expect(await unreferencedBlobs(ts)).toEqual([]);
  });
});

describe('multipart objects after Complete', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'mp-bucket' });
  });

  /** The part files of a completed multipart object. */
  function segmentFiles(key: string): string[] {
    const o = ts.ctx.objects.get(ts.ctx.buckets.get(b)!.id, key);
    expect(o?.partsCount).toBeGreaterThan(0);
    return ts.ctx.objects.segments(o!.blobId).map((g) => ts.ctx.blobs.pathOf(g.blobId));
  }

  it('overwriting or deleting a multipart object removes its part files', async () => {
    await multipartObject(b, 'gone/overwritten', [randomBytes(5 * MiB), randomBytes(10)]);
    const files1 = segmentFiles('gone/overwritten');
    expect(files1.every((f) => existsSync(f))).toBe(true);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'gone/overwritten', Body: 'plain now' }));
    await expectGone(files1);
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'gone/overwritten' })))).toString()).toBe('plain now');

    await multipartObject(b, 'gone/deleted', [randomBytes(5 * MiB), randomBytes(10)]);
    const files2 = segmentFiles('gone/deleted');
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'gone/deleted' }));
    await expectGone(files2);

    // Completing over an existing multipart object removes the old parts, keeps the new.
    await multipartObject(b, 'gone/replaced', [randomBytes(5 * MiB), randomBytes(10)]);
    const old = segmentFiles('gone/replaced');
    const parts = [randomBytes(5 * MiB), randomBytes(20)];
    await multipartObject(b, 'gone/replaced', parts);
    await expectGone(old);
    expect(segmentFiles('gone/replaced').every((f) => existsSync(f))).toBe(true);
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'gone/replaced' })))).equals(Buffer.concat(parts))).toBe(true);
  });

  for (const how of ['overwritten', 'deleted'] as const) {
    it(`a GET that began before the object was ${how} sends all of the old bytes`, async () => {
      const key = `read-while/${how}`;
      const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1000)];
      await multipartObject(b, key, parts);
      const files = segmentFiles(key);
      const manifestId = ts.ctx.objects.get(ts.ctx.buckets.get(b)!.id, key)!.blobId;
      const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: key }));
      const reader = (get.Body as Readable)[Symbol.asyncIterator]();
      const chunks: Buffer[] = [];
      const first = await reader.next();
      chunks.push(first.value as Buffer);
      if (how === 'overwritten') await s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body: 'replaced' }));
      else await s3.send(new DeleteObjectCommand({ Bucket: b, Key: key }));
      // The read pins the old parts: they stay until it is done.
      await sleep(50);
      expect(files.every((f) => existsSync(f))).toBe(true);
      for (;;) {
        const r = await reader.next();
        if (r.done) break;
        chunks.push(r.value as Buffer);
      }
      const got = Buffer.concat(chunks);
      expect(got.length).toBe(Buffer.concat(parts).length);
      expect(got.equals(Buffer.concat(parts))).toBe(true);
      // Once the read is over, the next garbage pass removes them.
      await waitFor(() => !ts.ctx.blobs.isPinned(manifestId));
      await ts.ctx.garbage.drain();
      await expectGone(files);
    });
  }

  it('reads an object of many parts, whole and in ranges, and closes every file', async () => {
    // Built directly in the store: Complete would want 5 MiB parts.
    const count = 549;
    const datas = Array.from({ length: count }, (_, i) => randomBytes(100 + (i % 50)));
    const whole = Buffer.concat(datas);
    const segments: Segment[] = [];
    let offset = 0;
    for (const [i, d] of datas.entries()) {
      const staged = await ts.ctx.blobs.stage(Readable.from([d]), { maxSize: MiB });
      await staged.publish();
      segments.push({ partNumber: i + 1, blobId: staged.blobId, offset, size: d.length, etag: md5(d) });
      offset += d.length;
    }
    const manifest = newBlobId();
    ts.ctx.objects.addSegments(manifest, segments);
    const rec = { blobId: manifest, size: whole.length, partsCount: count } as ObjectRecord;
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const read = async (from: number, to: number) => {
      const s = await ts.ctx.services.objects.open(rec, from, to);
      const chunks: Buffer[] = [];
      for await (const c of s!) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };
    expect((await read(0, whole.length - 1)).equals(whole)).toBe(true);
    const mid = segments[259]!.offset + 5;
    expect((await read(17, mid)).equals(whole.subarray(17, mid + 1))).toBe(true);
    expect((await read(mid, whole.length - 2)).equals(whole.subarray(mid, whole.length - 1))).toBe(true);
    // Written to a response with pooled buffers (what a GET does), whole and from the middle of a part.
    const writeOut = async (from: number, to: number) => {
      const s = await ts.ctx.services.objects.open(rec, from, to);
      expect(isSendable(s)).toBe(true);
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _e, cb) {
          // Copied only when the write completes, later: a buffer reused early shows as wrong bytes.
          setImmediate(() => {
            chunks.push(Buffer.from(chunk));
            cb();
          });
        },
      });
      const finished = new Promise((r) => sink.once('finish', r));
      expect(await (s as unknown as Sendable)[WRITE_TO](sink)).toBe(true);
      await finished;
      return Buffer.concat(chunks);
    };
    expect((await writeOut(0, whole.length - 1)).equals(whole)).toBe(true);
    expect((await writeOut(mid, whole.length - 2)).equals(whole.subarray(mid, whole.length - 1))).toBe(true);
    expect(await waitFor(() => fds() <= before + 2)).toBe(true);
    expect(await waitFor(() => !ts.ctx.blobs.isPinned(manifest))).toBe(true);
    // Given up part-way (a client that goes away): every file it opened is closed.
    const s = await ts.ctx.services.objects.open(rec, 0, whole.length - 1);
    const it = s![Symbol.asyncIterator]();
    await it.next();
    expect(ts.ctx.blobs.isPinned(manifest)).toBe(true);
    s!.destroy();
    expect(await waitFor(() => fds() <= before + 2)).toBe(true);
    // Given up before the first byte was read.
    const unread = await ts.ctx.services.objects.open(rec, 0, whole.length - 1);
    unread!.destroy();
    expect(await waitFor(() => fds() <= before + 2)).toBe(true);
    expect(await waitFor(() => !ts.ctx.blobs.isPinned(manifest))).toBe(true);
    // A part gone before the read starts: undefined (the caller looks the object up again).
    await ts.ctx.blobs.remove(segments[0]!.blobId);
    expect(await ts.ctx.services.objects.open(rec, 0, whole.length - 1)).toBeUndefined();
    // A later part missing (the store was damaged: pins keep parts of objects being read) fails the stream, never hangs.
    await ts.ctx.blobs.remove(segments[5]!.blobId);
    await expect(read(segments[1]!.offset, whole.length - 1)).rejects.toThrow(/could not be read/);
    expect(await waitFor(() => fds() <= before + 2)).toBe(true);
    ts.ctx.objects.dropSegments(manifest);
    for (const g of segments) await ts.ctx.blobs.remove(g.blobId);
  });

  it('a ranged GET across part boundaries reads the right bytes', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB + 7), randomBytes(999)];
    const whole = Buffer.concat(parts);
    await multipartObject(b, 'ranges.bin', parts);
    for (const [from, to] of [
      [0, 0],
      [5 * MiB - 1, 5 * MiB],
      [5 * MiB - 3, 10 * MiB + 9],
      [whole.length - 1000, whole.length - 1],
      [123, whole.length - 1],
    ] as const) {
      const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'ranges.bin', Range: `bytes=${from}-${to}` }));
      expect(get.ContentRange).toBe(`bytes ${from}-${to}/${whole.length}`);
      expect((await body(get)).equals(whole.subarray(from, to + 1)), `${from}-${to}`).toBe(true);
    }
  });
});

// ---------------------------------------------------------------- errors

describe('errors', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'mp-bucket' });
  });

  it('InvalidPart for a wrong ETag or a part never uploaded; InvalidPartOrder; EntityTooSmall', async () => {
    const key = 'err/parts.bin';
    const id = await createUpload(b, key);
    const big = randomBytes(5 * MiB);
    const p1 = await uploadPart(b, key, id, 1, big);
    const p2 = await uploadPart(b, key, id, 2, Buffer.from('small one'));
    const p3 = await uploadPart(b, key, id, 3, Buffer.from('small two'));
    const complete = (parts: CompletedPart[]) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: parts } }));
    await expectS3Error(complete([p1, { PartNumber: 2, ETag: `"${md5('something else')}"` }]), 'InvalidPart', 400);
    await expectS3Error(complete([p1, { PartNumber: 4, ETag: p3.ETag }]), 'InvalidPart', 400);
    await expectS3Error(complete([p2, p1]), 'InvalidPartOrder', 400);
    await expectS3Error(complete([p1, p1]), 'InvalidPartOrder', 400);
    // Every part but the last must be at least 5 MiB.
    const small = await expectS3Error(complete([p1, p2, p3]), 'EntityTooSmall', 400);
    expect(small.message).toBeTruthy();
    // None of this ended the upload.
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id }));
    expect(lp.Parts?.length).toBe(3);
    const ok = await complete([p1, p3]);
    expect(ok.ETag).toBe(multipartEtag([big, Buffer.from('small two')]));
  });

  it('NoSuchUpload for an unknown upload id (UploadPart, ListParts, Complete, Abort) and for another key', async () => {
    const key = 'err/unknown.bin';
    const bogus = 'not-an-upload-id';
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: bogus, PartNumber: 1, Body: 'x' })), 'NoSuchUpload', 404);
    await expectS3Error(s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: bogus })), 'NoSuchUpload', 404);
    await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: bogus, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } })),
      'NoSuchUpload',
      404,
    );
    await expectS3Error(s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: bogus })), 'NoSuchUpload', 404);
    // A real upload id used under another key is not that upload.
    const id = await createUpload(b, key);
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket: b, Key: 'err/other.bin', UploadId: id, PartNumber: 1, Body: 'x' })), 'NoSuchUpload', 404);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id }));
  });

  it('partNumber 0, 10001 and non-numbers are InvalidArgument (UploadPart, GetObject)', async () => {
    const key = 'err/pn.bin';
    const id = await createUpload(b, key);
    for (const pn of ['0', '10001', 'abc', '-1', '1.5']) {
      const r = await rawRequest(ts.url, 'PUT', `/${b}/${key}?partNumber=${pn}&uploadId=${encodeURIComponent(id)}`, { body: 'x' });
      expect(r.status, `partNumber=${pn}: ${r.text}`).toBe(400);
      expect(r.text).toContain('<Code>InvalidArgument</Code>');
    }
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: 0, Body: 'x' })), 'InvalidArgument', 400);
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: 10001, Body: 'x' })), 'InvalidArgument', 400);
    // 1 and 10000 are fine.
    await uploadPart(b, key, id, 1, Buffer.from('first'));
    await uploadPart(b, key, id, 10000, Buffer.from('last'));
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id }));
    expect(lp.Parts?.map((p) => p.PartNumber)).toEqual([1, 10000]);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'err/plain', Body: 'plain' }));
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'err/plain', PartNumber: 0 })), 'InvalidArgument', 400);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'err/plain', PartNumber: 10001 })), 'InvalidArgument', 400);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id }));
  });

  it('a bad Complete body is MalformedXML; ETags quoted as &#34; (Go clients) are understood (raw requests)', async () => {
    const key = 'err/xml.bin';
    const id = await createUpload(b, key);
    const p1 = await uploadPart(b, key, id, 1, Buffer.from('only part'));
    const path = `/${b}/${key}?uploadId=${encodeURIComponent(id)}`;
    for (const bad of [
      'this is not xml',
      '<CompleteMultipartUpload></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>one</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>',
      '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>',
      '<Other><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></Other>',
      '',
    ]) {
      const r = await rawRequest(ts.url, 'POST', path, { body: bad });
      expect(r.status, `${JSON.stringify(bad)} -> ${r.text}`).toBe(400);
      expect(r.text, JSON.stringify(bad)).toContain('<Code>MalformedXML</Code>');
    }
    // The upload is still open; a good body completes it (raw, quoted ETag).
    // Go's encoding/xml (rclone, minio-go) writes the quotes as character references.
    for (const quote of ['&#34;', '&#x22;']) {
      const r = await rawRequest(ts.url, 'POST', path, {
        body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${quote}${md5('other')}${quote}</ETag></Part></CompleteMultipartUpload>`,
      });
      expect(r.status, r.text).toBe(400);
      expect(r.text).toContain('<Code>InvalidPart</Code>');
    }
    const good = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>${p1.ETag!.replace(/"/g, '&#34;')}</ETag><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>`;
    const r = await rawRequest(ts.url, 'POST', path, { body: good });
    expect(r.status, r.text).toBe(200);
    expect(r.text).toContain(`<ETag>${multipartEtag([Buffer.from('only part')]).replace(/"/g, '&quot;')}</ETag>`);
  });

  it('max-parts and max-uploads are capped at 1000; a negative or non-numeric value is InvalidArgument', async () => {
    const key = 'err/caps.bin';
    const id = await createUpload(b, key);
    await uploadPart(b, key, id, 1, Buffer.from('x'));
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id, MaxParts: 5000 }));
    expect(lp.MaxParts).toBe(1000);
    const lu = await s3.send(new ListMultipartUploadsCommand({ Bucket: b, MaxUploads: 5000 }));
    expect(lu.MaxUploads).toBe(1000);
    for (const q of ['max-parts=abc', 'max-parts=-1']) {
      const r = await rawRequest(ts.url, 'GET', `/${b}/${key}?${q}&uploadId=${encodeURIComponent(id)}`);
      expect(r.status, `${q}: ${r.text}`).toBe(400);
      expect(r.text).toContain('<Code>InvalidArgument</Code>');
    }
    const r = await rawRequest(ts.url, 'GET', `/${b}?uploads&max-uploads=xyz`);
    expect(r.status, r.text).toBe(400);
    expect(r.text).toContain('<Code>InvalidArgument</Code>');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id }));
  });

  it('NoSuchBucket for multipart operations on a missing bucket', async () => {
    await expectS3Error(s3.send(new CreateMultipartUploadCommand({ Bucket: 'no-such-mp-bucket', Key: 'k' })), 'NoSuchBucket', 404);
    await expectS3Error(s3.send(new ListMultipartUploadsCommand({ Bucket: 'no-such-mp-bucket' })), 'NoSuchBucket', 404);
  });
});

// ---------------------------------------------------------------- UploadPartCopy

describe('UploadPartCopy', () => {
  let b: string;
  const single = randomBytes(6 * MiB + 17);
  const mpParts = [randomBytes(5 * MiB), randomBytes(MiB + 5)];
  const multi = Buffer.concat(mpParts);
  let singleEtag = '';
  let multiEtag = '';
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'mp-bucket' });
    singleEtag = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src/single ü.bin', Body: single }))).ETag!;
    multiEtag = await multipartObject(b, 'src/multi.bin', mpParts);
  });
  const srcSingle = () => `${b}/${encodeURIComponent('src/single ü.bin')}`;
  const srcMulti = () => `${b}/src/multi.bin`;

  it('copies whole objects and byte ranges from single-part and multipart sources into parts', async () => {
    const key = 'dst/copied.bin';
    const id = await createUpload(b, key);
    const c1 = await s3.send(new UploadPartCopyCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: 1, CopySource: srcSingle() }));
    expect(c1.CopyPartResult?.ETag).toBe(`"${md5(single)}"`);
    expect(c1.CopyPartResult?.LastModified).toBeInstanceOf(Date);
    const c2 = await s3.send(new UploadPartCopyCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: 2, CopySource: srcMulti() }));
    expect(c2.CopyPartResult?.ETag).toBe(`"${md5(multi)}"`);
    // A range from the single-part source, and one across the multipart source's part boundary.
    const r3 = single.subarray(5 * MiB, 5 * MiB + 1234 + 1);
    const c3 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: b,
        Key: key,
        UploadId: id,
        PartNumber: 3,
        CopySource: srcSingle(),
        CopySourceRange: `bytes=${5 * MiB}-${5 * MiB + 1234}`,
      }),
    );
    expect(c3.CopyPartResult?.ETag).toBe(`"${md5(r3)}"`);
    // (part 3 is too small to be a non-last part: replace it with a 5 MiB+ range across the boundary)
    const from = 100;
    const to = 5 * MiB + 999;
    const r3b = multi.subarray(from, to + 1);
    const c3b = await s3.send(
      new UploadPartCopyCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: 3, CopySource: srcMulti(), CopySourceRange: `bytes=${from}-${to}` }),
    );
    expect(c3b.CopyPartResult?.ETag).toBe(`"${md5(r3b)}"`);
    const r4 = multi.subarray(5 * MiB - 10, 5 * MiB + 10);
    const c4 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: b,
        Key: key,
        UploadId: id,
        PartNumber: 4,
        CopySource: srcMulti(),
        CopySourceRange: `bytes=${5 * MiB - 10}-${5 * MiB + 9}`,
      }),
    );
    expect(c4.CopyPartResult?.ETag).toBe(`"${md5(r4)}"`);
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id }));
    expect(lp.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, single.length],
      [2, multi.length],
      [3, r3b.length],
      [4, r4.length],
    ]);
    const parts = [c1, c2, c3b, c4].map((c, i) => ({ PartNumber: i + 1, ETag: c.CopyPartResult!.ETag }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: parts } }));
    const all = [single, multi, r3b, r4];
    expect(done.ETag).toBe(multipartEtag(all));
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: key })))).equals(Buffer.concat(all))).toBe(true);
  });

  it('copy-source conditionals fail with 412 PreconditionFailed; matching ones copy', async () => {
    const key = 'dst/cond.bin';
    const id = await createUpload(b, key);
    const copy = (extra: Record<string, unknown>, src = srcSingle()) =>
      s3.send(new UploadPartCopyCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: 1, CopySource: src, ...extra }));
    const past = new Date(Date.now() - 86_400_000);
    const future = new Date(Date.now() + 86_400_000);
    await expectS3Error(copy({ CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"' }), 'PreconditionFailed', 412);
    await expectS3Error(copy({ CopySourceIfNoneMatch: singleEtag }), 'PreconditionFailed', 412);
    await expectS3Error(copy({ CopySourceIfUnmodifiedSince: past }), 'PreconditionFailed', 412);
    await expectS3Error(copy({ CopySourceIfModifiedSince: future }), 'PreconditionFailed', 412);
    await expectS3Error(copy({ CopySourceIfNoneMatch: multiEtag }, srcMulti()), 'PreconditionFailed', 412);
    expect((await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id }))).Parts ?? []).toEqual([]);
    const ok1 = await copy({ CopySourceIfMatch: singleEtag, CopySourceIfUnmodifiedSince: future });
    expect(ok1.CopyPartResult?.ETag).toBe(`"${md5(single)}"`);
    const ok2 = await copy({ CopySourceIfMatch: multiEtag, CopySourceIfModifiedSince: past }, srcMulti());
    expect(ok2.CopyPartResult?.ETag).toBe(`"${md5(multi)}"`);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id }));
  });

  it('a copy source that does not decode is 400 InvalidURI, not a server error', async () => {
    const key = 'dst/bad-source.bin';
    const id = await createUpload(b, key);
    for (const src of [`${b}/bad%zzkey`, `${b}/bad%e9`, '%']) {
      const r = await rawRequest(ts.url, 'PUT', `/${b}/${key}?partNumber=1&uploadId=${encodeURIComponent(id)}`, { headers: { 'x-amz-copy-source': src } });
      expect(r.status, `${src}: ${r.text}`).toBe(400);
      expect(r.text, src).toMatch(/<Code>(InvalidURI|InvalidArgument)<\/Code>/);
    }
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id }));
  });

  it('an out-of-range or malformed x-amz-copy-source-range is 400; a missing source is NoSuchKey', async () => {
    const key = 'dst/range.bin';
    const id = await createUpload(b, key);
    const copy = (range: string, src = srcSingle()) =>
      s3.send(new UploadPartCopyCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: 1, CopySource: src, CopySourceRange: range }));
    for (const range of [`bytes=0-${single.length}`, `bytes=${single.length}-${single.length + 10}`, 'bytes=10-5', 'bytes=5-', 'bytes=-5', 'items=0-1']) {
      const e = await s3Error(copy(range));
      expect(e.$metadata.httpStatusCode, range).toBe(400);
      expect(['InvalidArgument', 'InvalidRange', 'InvalidRequest'], range).toContain(e.name);
    }
    const e = await s3Error(copy(`bytes=0-${multi.length}`, srcMulti()));
    expect(e.$metadata.httpStatusCode).toBe(400);
    // The last byte is in range.
    const ok = await copy(`bytes=${single.length - 1}-${single.length - 1}`);
    expect(ok.CopyPartResult?.ETag).toBe(`"${md5(single.subarray(single.length - 1))}"`);
    await expectS3Error(copy('bytes=0-1', `${b}/src/missing`), 'NoSuchKey', 404);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id }));
  });
});

// ---------------------------------------------------------------- ?partNumber and GetObjectAttributes

describe('GET/HEAD ?partNumber and GetObjectAttributes', () => {
  let b: string;
  const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB + 1), randomBytes(777)];
  const whole = Buffer.concat(parts);
  let etag = '';
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'mp-bucket' });
    const key = 'parts.bin';
    const id = await createUpload(b, key, { ChecksumAlgorithm: 'CRC32', StorageClass: 'STANDARD_IA' });
    const done: CompletedPart[] = [];
    for (const [i, p] of parts.entries()) {
      const out = await s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: i + 1, Body: p, ChecksumAlgorithm: 'CRC32' }));
      done.push({ PartNumber: i + 1, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 });
    }
    etag = (await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: done } }))).ETag!;
  });

  it('GetObject ?partNumber=N is 206 with that part, Content-Range and PartsCount', async () => {
    let offset = 0;
    for (const [i, p] of parts.entries()) {
      const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'parts.bin', PartNumber: i + 1 }));
      expect(get.$metadata.httpStatusCode).toBe(206);
      expect(get.PartsCount).toBe(3);
      expect(get.ContentLength).toBe(p.length);
      expect(get.ContentRange).toBe(`bytes ${offset}-${offset + p.length - 1}/${whole.length}`);
      expect(get.ETag).toBe(etag);
      expect((await body(get)).equals(p)).toBe(true);
      offset += p.length;
    }
  });

  it('HeadObject ?partNumber=N is 206 with the part length; a part beyond the count is 416 InvalidPartNumber', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'parts.bin', PartNumber: 2 }));
    expect(head.$metadata.httpStatusCode).toBe(206);
    expect(head.ContentLength).toBe(parts[1]!.length);
    expect(head.PartsCount).toBe(3);
    expect(head.ContentRange).toBe(`bytes ${5 * MiB}-${10 * MiB}/${whole.length}`);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'parts.bin', PartNumber: 4 })), 'InvalidPartNumber', 416);
    const e = await s3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'parts.bin', PartNumber: 4 })));
    expect(e.$metadata.httpStatusCode).toBe(416);
    // Range and partNumber together are refused.
    const both = await s3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'parts.bin', PartNumber: 1, Range: 'bytes=0-1' })));
    expect(both.$metadata.httpStatusCode).toBe(400);
    // A whole GET is 200 and carries no PartsCount.
    const full = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'parts.bin' }));
    expect(full.$metadata.httpStatusCode).toBe(200);
    expect((await body(full)).equals(whole)).toBe(true);
  });

  it("GetObject and HeadObject ?partNumber with ChecksumMode return that part's checksum and the ChecksumType", async () => {
    for (const [i, p] of parts.entries()) {
      const want = checksumBase64('CRC32', p);
      const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'parts.bin', PartNumber: i + 1, ChecksumMode: 'ENABLED' }));
      expect(head.ChecksumCRC32).toBe(want);
      expect(head.ChecksumType).toBe('COMPOSITE');
      // The SDK validates a GET's checksum against the bytes it receives: the part's checksum must be the part's.
      const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'parts.bin', PartNumber: i + 1, ChecksumMode: 'ENABLED' }));
      expect(get.ChecksumCRC32).toBe(want);
      expect(get.ChecksumType).toBe('COMPOSITE');
      expect((await body(get)).equals(p)).toBe(true);
    }
    // Without ChecksumMode no checksum is sent; a byte range gets none either.
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'parts.bin', PartNumber: 1 }))).ChecksumCRC32).toBeUndefined();
    const ranged = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'parts.bin', Range: 'bytes=0-9', ChecksumMode: 'ENABLED' }));
    expect(ranged.ChecksumCRC32).toBeUndefined();
    await body(ranged);
  });

  it('a single-part object has one part: partNumber=1 is the whole object, 2 is InvalidPartNumber', async () => {
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'single.txt', Body: 'just one part' }));
    const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'single.txt', PartNumber: 1 }));
    expect((await body(get)).toString()).toBe('just one part');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'single.txt', PartNumber: 2 })), 'InvalidPartNumber', 416);
  });

  it('GetObjectAttributes: unquoted ETag, ObjectSize, StorageClass, Checksum, ObjectParts paged by MaxParts/PartNumberMarker', async () => {
    const all = ['ETag', 'ObjectSize', 'StorageClass', 'Checksum', 'ObjectParts'] as const;
    const a = await s3.send(new GetObjectAttributesCommand({ Bucket: b, Key: 'parts.bin', ObjectAttributes: [...all], MaxParts: 2 }));
    expect(a.ETag).toBe(etag.replace(/"/g, ''));
    expect(a.ObjectSize).toBe(whole.length);
    expect(a.StorageClass).toBe('STANDARD_IA');
    expect(a.LastModified).toBeInstanceOf(Date);
    expect(a.Checksum?.ChecksumCRC32).toBe(compositeCrc32(parts));
    expect(a.Checksum?.ChecksumType).toBe('COMPOSITE');
    const op = a.ObjectParts!;
    expect(op.TotalPartsCount).toBe(3);
    expect(op.MaxParts).toBe(2);
    expect(op.IsTruncated).toBe(true);
    expect(op.NextPartNumberMarker).toBe('2');
    expect(op.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32])).toEqual([
      [1, parts[0]!.length, checksumBase64('CRC32', parts[0]!)],
      [2, parts[1]!.length, checksumBase64('CRC32', parts[1]!)],
    ]);
    const next = await s3.send(
      new GetObjectAttributesCommand({ Bucket: b, Key: 'parts.bin', ObjectAttributes: ['ObjectParts'], MaxParts: 2, PartNumberMarker: '2' }),
    );
    expect(next.ETag).toBeUndefined();
    expect(next.ObjectParts?.IsTruncated).toBe(false);
    expect(next.ObjectParts?.PartNumberMarker).toBe('2');
    expect(next.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[3, 777]]);
    // A single-part object has no ObjectParts.
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain.txt', Body: 'plain' }));
    const plain = await s3.send(
      new GetObjectAttributesCommand({ Bucket: b, Key: 'plain.txt', ObjectAttributes: ['ETag', 'ObjectSize', 'ObjectParts', 'StorageClass'] }),
    );
    expect(plain.ETag).toBe(md5('plain'));
    expect(plain.ObjectSize).toBe(5);
    expect(plain.StorageClass).toBe('STANDARD');
    expect(plain.ObjectParts).toBeUndefined();
    await expectS3Error(s3.send(new GetObjectAttributesCommand({ Bucket: b, Key: 'nope', ObjectAttributes: ['ETag'] })), 'NoSuchKey', 404);
  });
});

// ---------------------------------------------------------------- checksums

describe('checksums', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'mp-bucket' });
  });

  async function checksummed(key: string, algo: ChecksumAlgorithm, type: 'COMPOSITE' | 'FULL_OBJECT' | undefined, parts: Buffer[]) {
    const field = `Checksum${algo}` as const;
    const create = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: key, ChecksumAlgorithm: algo as never, ChecksumType: type }));
    expect(create.ChecksumAlgorithm).toBe(algo);
    expect(create.ChecksumType).toBe(type ?? 'COMPOSITE');
    const id = create.UploadId!;
    const done: CompletedPart[] = [];
    for (const [i, p] of parts.entries()) {
      const out = await s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: i + 1, Body: p, ChecksumAlgorithm: algo as never }));
      expect(field_(out, field)).toBe(checksumBase64(algo, p));
      done.push({ PartNumber: i + 1, ETag: out.ETag, [field]: field_(out, field) });
    }
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id }));
    expect(lp.ChecksumAlgorithm).toBe(algo);
    expect(lp.Parts?.map((p) => (p as Record<string, unknown>)[field])).toEqual(parts.map((p) => checksumBase64(algo, p)));
    return { id, done, field };
  }

  it('CRC32 (COMPOSITE by default): Complete with per-part checksums; HeadObject shows the -N composite', async () => {
    const key = 'crc32-composite.bin';
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    const { id, done } = await checksummed(key, 'CRC32', undefined, parts);
    // Complete must use the upload's checksum type.
    await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: done } })),
      'InvalidRequest',
      400,
    );
    // A wrong per-part checksum is InvalidPart.
    const wrong = done.map((p, i) => (i === 1 ? { ...p, ChecksumCRC32: checksumBase64('CRC32', Buffer.from('other')) } : p));
    await expectS3Error(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: wrong } })),
      'InvalidPart',
      400,
    );
    const out = await s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: done } }));
    const expected = compositeCrc32(parts);
    expect(out.ChecksumCRC32).toBe(expected);
    expect(out.ChecksumType).toBe('COMPOSITE');
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: key, ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32).toBe(expected);
    expect(head.ChecksumType).toBe('COMPOSITE');
    expect(head.ETag).toBe(multipartEtag(parts));
    // Without ChecksumMode no checksum is sent.
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: key }))).ChecksumCRC32).toBeUndefined();
    const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: key, ChecksumMode: 'ENABLED' }));
    expect((await body(get)).equals(Buffer.concat(parts))).toBe(true);
  });

  for (const algo of ['CRC64NVME', 'CRC32C'] as const) {
    it(`${algo} FULL_OBJECT: HeadObject shows the CRC of the whole data`, async () => {
      const key = `${algo.toLowerCase()}-full.bin`;
      const parts = [randomBytes(5 * MiB + 11), randomBytes(5 * MiB), randomBytes(4321)];
      const whole = Buffer.concat(parts);
      const { id, done, field } = await checksummed(key, algo, 'FULL_OBJECT', parts);
      const wrong = done.map((p, i) => (i === 0 ? { ...p, [field]: checksumBase64(algo, Buffer.from('other')) } : p));
      await expectS3Error(
        s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: wrong } })),
        'InvalidPart',
        400,
      );
      const expected = checksumBase64(algo, whole);
      const out = await s3.send(
        new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: done } }),
      );
      expect(field_(out, field)).toBe(expected);
      expect(out.ChecksumType).toBe('FULL_OBJECT');
      const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: key, ChecksumMode: 'ENABLED' }));
      expect(field_(head, field)).toBe(expected);
      expect(head.ChecksumType).toBe('FULL_OBJECT');
      const attrs = await s3.send(new GetObjectAttributesCommand({ Bucket: b, Key: key, ObjectAttributes: ['Checksum'] }));
      expect((attrs.Checksum as Record<string, unknown>)[field]).toBe(expected);
      expect(attrs.Checksum?.ChecksumType).toBe('FULL_OBJECT');
      // The SDK validates a full-object checksum on GET.
      const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: key, ChecksumMode: 'ENABLED' }));
      expect((await body(get)).equals(whole)).toBe(true);
    });
  }

  it('a client that sends no part checksums still gets the composite checksum the upload asked for (SHA256)', async () => {
    const c = ts.client({ requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    const key = 'sha256-server-computed.bin';
    const id = await createUpload(b, key, { ChecksumAlgorithm: 'SHA256' }, c);
    const parts = [randomBytes(5 * MiB), randomBytes(100)];
    const done: CompletedPart[] = [];
    for (const [i, p] of parts.entries()) {
      const out = await c.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: i + 1, Body: p }));
      expect(out.ChecksumSHA256).toBe(checksumBase64('SHA256', p));
      done.push({ PartNumber: i + 1, ETag: out.ETag });
    }
    const out = await c.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: done } }));
    const sha = (x: Buffer) => createHash('sha256').update(x).digest();
    const expected = `${sha(Buffer.concat(parts.map(sha))).toString('base64')}-2`;
    expect(out.ChecksumSHA256).toBe(expected);
    const head = await c.send(new HeadObjectCommand({ Bucket: b, Key: key, ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumSHA256).toBe(expected);
    expect(head.ChecksumType).toBe('COMPOSITE');
  });

  it('a whole-object checksum sent with a FULL_OBJECT Complete is checked (BadDigest when wrong)', async () => {
    const key = 'crc64-whole-header.bin';
    const parts = [randomBytes(5 * MiB), randomBytes(10)];
    const { id, done } = await checksummed(key, 'CRC64NVME', 'FULL_OBJECT', parts);
    await expectS3Error(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: b,
          Key: key,
          UploadId: id,
          ChecksumType: 'FULL_OBJECT',
          ChecksumCRC64NVME: checksumBase64('CRC64NVME', Buffer.from('not the data')),
          MultipartUpload: { Parts: done },
        }),
      ),
      'BadDigest',
      400,
    );
    const ok = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: key,
        UploadId: id,
        ChecksumType: 'FULL_OBJECT',
        ChecksumCRC64NVME: checksumBase64('CRC64NVME', Buffer.concat(parts)),
        MultipartUpload: { Parts: done },
      }),
    );
    expect(ok.ChecksumCRC64NVME).toBe(checksumBase64('CRC64NVME', Buffer.concat(parts)));
  });

  it("a part checksum of another algorithm than the upload's is refused; CRC64NVME cannot be COMPOSITE", async () => {
    const key = 'mismatch.bin';
    const id = await createUpload(b, key, { ChecksumAlgorithm: 'CRC32C' });
    const e = await s3Error(s3.send(new UploadPartCommand({ Bucket: b, Key: key, UploadId: id, PartNumber: 1, Body: 'x', ChecksumAlgorithm: 'SHA256' })));
    expect(e.$metadata.httpStatusCode).toBe(400);
    await expectS3Error(
      s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'x', ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'COMPOSITE' })),
      'InvalidRequest',
      400,
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id }));
  });
});

// ---------------------------------------------------------------- conditional writes

describe('conditional writes', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'mp-bucket' });
  });

  it('PutObject If-None-Match: * is 412 when the key exists; If-Match is 412 on mismatch, 404 NoSuchKey when absent', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'put-cond', Body: 'one', IfNoneMatch: '*' }));
    expect(first.ETag).toBe(`"${md5('one')}"`);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'put-cond', Body: 'two', IfNoneMatch: '*' })), 'PreconditionFailed', 412);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'put-cond', Body: 'two', IfMatch: `"${md5('nope')}"` })), 'PreconditionFailed', 412);
    await expectS3Error(s3.send(new PutObjectCommand({ Bucket: b, Key: 'put-absent', Body: 'two', IfMatch: first.ETag })), 'NoSuchKey', 404);
    const second = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'put-cond', Body: 'two', IfMatch: first.ETag }));
    expect(second.ETag).toBe(`"${md5('two')}"`);
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'put-cond' })))).toString()).toBe('two');
    await expectS3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'put-absent' })), 'NotFound', 404);
  });

  it('CompleteMultipartUpload If-None-Match: * and If-Match; a failed condition leaves the upload open', async () => {
    const parts = [randomBytes(5 * MiB), Buffer.from('tail')];
    const start = async (key: string) => {
      const id = await createUpload(b, key);
      const done = [await uploadPart(b, key, id, 1, parts[0]!), await uploadPart(b, key, id, 2, parts[1]!)];
      return (extra: Record<string, string>) =>
        s3.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: done }, ...extra }));
    };
    // If-None-Match: * on a new key completes; on an existing key it is 412.
    const fresh = await start('mpu-inm-new');
    expect((await fresh({ IfNoneMatch: '*' })).ETag).toBe(multipartEtag(parts));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'mpu-inm', Body: 'exists' }));
    const inm = await start('mpu-inm');
    await expectS3Error(inm({ IfNoneMatch: '*' }), 'PreconditionFailed', 412);
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'mpu-inm' })))).toString()).toBe('exists');
    // If-Match: absent key is 404 NoSuchKey, mismatch 412, match completes.
    const absent = await start('mpu-im-absent');
    await expectS3Error(absent({ IfMatch: `"${md5('x')}"` }), 'NoSuchKey', 404);
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'mpu-im', Body: 'v1' }));
    const im = await start('mpu-im');
    await expectS3Error(im({ IfMatch: `"${md5('v2')}"` }), 'PreconditionFailed', 412);
    const ok = await im({ IfMatch: put.ETag! });
    expect(ok.ETag).toBe(multipartEtag(parts));
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: 'mpu-im' })))).equals(Buffer.concat(parts))).toBe(true);
    // The 412 did not end the If-None-Match upload: it completes without the condition.
    expect((await inm({})).ETag).toBe(multipartEtag(parts));
  });

  it('20 racing PutObject If-None-Match: * writers to one new key: exactly one wins', async () => {
    const key = 'race/one-winner';
    const bodies = Array.from({ length: 20 }, (_, i) => Buffer.concat([Buffer.from(`writer ${i}\n`), randomBytes(64 * 1024)]));
    const results = await Promise.all(
      bodies.map((Body) =>
        s3.send(new PutObjectCommand({ Bucket: b, Key: key, Body, IfNoneMatch: '*' })).then(
          (r) => ({ ok: true as const, etag: r.ETag, status: 200, code: '' }),
          (e: S3Err) => ({ ok: false as const, etag: undefined, status: e.$metadata?.httpStatusCode, code: e.name }),
        ),
      ),
    );
    const winners = results.filter((r) => r.ok);
    expect(winners.length, JSON.stringify(results)).toBe(1);
    for (const r of results.filter((x) => !x.ok)) {
      expect([
        { status: 412, code: 'PreconditionFailed' },
        { status: 409, code: 'ConditionalRequestConflict' },
      ]).toContainEqual({ status: r.status, code: r.code });
    }
    const got = await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: key })));
    expect(`"${md5(got)}"`).toBe(winners[0]!.etag);
    expect(bodies.some((x) => x.equals(got))).toBe(true);
  });
});

// ---------------------------------------------------------------- ListParts paging

describe('ListParts paging', () => {
  it('walks 2,500 parts page by page with no repeats or gaps, in order (MaxParts, PartNumberMarker, cap 1000)', async () => {
    const b = await newBucket(s3, { prefix: 'mp-bucket' });
    const key = 'many/parts.bin';
    const id = await createUpload(b, key);
    // Part numbers 1, 5, 9, ... (gaps between them), tiny bodies of varied size.
    const model = Array.from({ length: 2500 }, (_, i) => {
      const pn = 4 * i + 1;
      const data = Buffer.from(`part ${pn};`.repeat((pn % 7) + 1));
      return { pn, data, etag: `"${md5(data)}"` };
    });
    await pool(model, 8, (m) => uploadPart(b, key, id, m.pn, m.data));

    const walk = async (maxParts: number | undefined, startMarker?: number) => {
      const seen: Array<[number, string, number]> = [];
      let marker: string | undefined = startMarker === undefined ? undefined : String(startMarker);
      let pages = 0;
      for (;;) {
        const page = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id, MaxParts: maxParts, PartNumberMarker: marker }));
        pages++;
        const got = page.Parts ?? [];
        const cap = Math.min(maxParts ?? 1000, 1000);
        expect(page.MaxParts).toBe(cap);
        if (page.IsTruncated) expect(got.length).toBe(cap);
        else expect(got.length).toBeLessThanOrEqual(cap);
        for (const p of got) seen.push([p.PartNumber!, p.ETag!, p.Size!]);
        if (!page.IsTruncated) break;
        expect(String(page.NextPartNumberMarker)).toBe(String(got[got.length - 1]!.PartNumber));
        marker = String(page.NextPartNumberMarker);
        expect(pages).toBeLessThan(100);
      }
      return { seen, pages };
    };
    const want = model.map((m) => [m.pn, m.etag, m.data.length]);

    const byDefault = await walk(undefined);
    expect(byDefault.pages).toBe(3);
    expect(byDefault.seen).toEqual(want);

    const capped = await walk(5000);
    expect(capped.pages).toBe(3);
    expect(capped.seen).toEqual(want);

    const small = await walk(333);
    expect(small.pages).toBe(Math.ceil(2500 / 333));
    expect(small.seen).toEqual(want);

    // Starting from a marker between two part numbers.
    const fromMiddle = await walk(1000, 6);
    expect(fromMiddle.seen).toEqual(want.filter((w) => (w[0] as number) > 6));
    const past = await s3.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id, PartNumberMarker: '9997' }));
    expect(past.Parts ?? []).toEqual([]);
    expect(past.IsTruncated).toBe(false);

    await s3.send(new AbortMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id }));
  }, 90_000);
});

// ---------------------------------------------------------------- ListMultipartUploads paging

describe('ListMultipartUploads paging', () => {
  interface U {
    key: string;
    id: string;
    seq: number;
  }
  let b: string;
  const model: U[] = [];
  const pad = (i: number, w: number) => String(i).padStart(w, '0');
  const byKeyThenSeq = (x: U, y: U) => Buffer.compare(Buffer.from(x.key), Buffer.from(y.key)) || x.seq - y.seq;

  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'mp-bucket' });
    const unique: string[] = [];
    for (let i = 0; i < 590; i++) unique.push(`data/${pad(i, 4)}`);
    for (let d = 0; d < 10; d++) for (let i = 0; i < 30; i++) unique.push(`logs/${d}/${pad(i, 3)}`);
    for (let i = 0; i < 200; i++) unique.push(`top-${pad(i, 3)}`);
    for (let i = 0; i < 20; i++) unique.push(`ünï/${i}`);
    for (let i = 0; i < 10; i++) unique.push(`é-${i}`);
    unique.push('dup', 'dup/a');
    let seq = 0;
    const created = await pool(unique, 16, async (key) => ({ key, id: await createUpload(b, key), seq: 0 }));
    for (const u of created) u.seq = seq++;
    model.push(...created);
    // More uploads of keys that have one already: one at a time, the clock moved on each time,
    // so uploads of one key have increasing initiation times.
    const dups = [
      ...Array(39).fill('dup'),
      ...Array(9).fill('dup/a'),
      ...Array(10).fill('data/0005'),
      ...Array(10).fill('top-007'),
      ...Array(10).fill('logs/3/005'),
    ] as string[];
    for (const key of dups) {
      ts.now.offsetMs += 2;
      model.push({ key, id: await createUpload(b, key), seq: seq++ });
    }
    expect(model.length).toBe(1200);
    model.sort(byKeyThenSeq);
  }, 60_000);

  async function walk(params: { Prefix?: string; Delimiter?: string; KeyMarker?: string; UploadIdMarker?: string }, maxUploads?: number) {
    const uploads: Array<{ key: string; id: string; initiated: number }> = [];
    const prefixes: string[] = [];
    let keyMarker = params.KeyMarker;
    let idMarker = params.UploadIdMarker;
    let pages = 0;
    const cap = Math.min(maxUploads ?? 1000, 1000);
    for (;;) {
      const page: ListMultipartUploadsCommandOutput = await s3.send(
        new ListMultipartUploadsCommand({
          Bucket: b,
          Prefix: params.Prefix,
          Delimiter: params.Delimiter,
          KeyMarker: keyMarker,
          UploadIdMarker: idMarker,
          MaxUploads: maxUploads,
        }),
      );
      pages++;
      expect(page.MaxUploads).toBe(cap);
      const got = (page.Uploads ?? []).length + (page.CommonPrefixes ?? []).length;
      if (page.IsTruncated) expect(got).toBe(cap);
      else expect(got).toBeLessThanOrEqual(cap);
      for (const u of page.Uploads ?? []) uploads.push({ key: u.Key!, id: u.UploadId!, initiated: u.Initiated!.getTime() });
      for (const p of page.CommonPrefixes ?? []) prefixes.push(p.Prefix!);
      if (!page.IsTruncated) break;
      expect(page.NextKeyMarker).toBeTruthy();
      keyMarker = page.NextKeyMarker;
      idMarker = page.NextUploadIdMarker || undefined;
      expect(pages).toBeLessThan(400);
    }
    return { uploads, prefixes, pages };
  }

  /** What a full walk must return, from the model. */
  function expected(prefix = '', delimiter = '', after?: (u: U) => boolean) {
    const uploads: Array<{ key: string; id: string }> = [];
    const prefixes: string[] = [];
    for (const u of model) {
      if (!u.key.startsWith(prefix)) continue;
      if (after && !after(u)) continue;
      const di = delimiter ? u.key.indexOf(delimiter, prefix.length) : -1;
      if (di >= 0) {
        const cp = u.key.slice(0, di + delimiter.length);
        if (prefixes[prefixes.length - 1] !== cp) prefixes.push(cp);
      } else uploads.push({ key: u.key, id: u.id });
    }
    return { uploads, prefixes };
  }

  const ids = (xs: Array<{ key: string; id: string }>) => xs.map((x) => `${x.key} ${x.id}`);

  it('walks all 1,200 uploads in (key, initiation time) order with no repeats or gaps', async () => {
    const w = await walk({}, 97);
    expect(w.pages).toBe(Math.ceil(1200 / 97));
    expect(new Set(w.uploads.map((u) => u.id)).size).toBe(1200);
    expect(ids(w.uploads)).toEqual(ids(expected().uploads));
    expect(w.prefixes).toEqual([]);
    // Uploads of one key come in initiation order.
    for (let i = 1; i < w.uploads.length; i++) {
      if (w.uploads[i]!.key === w.uploads[i - 1]!.key) expect(w.uploads[i]!.initiated).toBeGreaterThan(w.uploads[i - 1]!.initiated);
    }
  });

  it('max-uploads defaults to and is capped at 1000', async () => {
    for (const max of [undefined, 5000]) {
      const w = await walk({}, max);
      expect(w.pages).toBe(2);
      expect(ids(w.uploads)).toEqual(ids(expected().uploads));
    }
  });

  it('delimiter "/" rolls keys up into CommonPrefixes, paged together with the uploads', async () => {
    for (const max of [7, 1, 1000]) {
      const w = await walk({ Delimiter: '/' }, max);
      const e = expected('', '/');
      expect(w.prefixes).toEqual(['data/', 'dup/', 'logs/', 'ünï/']);
      expect(w.prefixes).toEqual(e.prefixes);
      expect(ids(w.uploads)).toEqual(ids(e.uploads));
    }
  });

  it('prefix with delimiter lists the next level; prefix alone lists every upload under it', async () => {
    for (const max of [3, 1000]) {
      const w = await walk({ Prefix: 'logs/', Delimiter: '/' }, max);
      expect(w.prefixes).toEqual(Array.from({ length: 10 }, (_, d) => `logs/${d}/`));
      expect(w.uploads).toEqual([]);
    }
    const logs3 = await walk({ Prefix: 'logs/3/' }, 8);
    const e = expected('logs/3/');
    expect(e.uploads.length).toBe(40);
    expect(ids(logs3.uploads)).toEqual(ids(e.uploads));
    const uni = await walk({ Prefix: 'ünï/', Delimiter: '/' }, 6);
    expect(ids(uni.uploads)).toEqual(ids(expected('ünï/', '/').uploads));
    expect(uni.uploads.length).toBe(20);
    const dupPrefix = await walk({ Prefix: 'dup', Delimiter: '/' }, 4);
    expect(dupPrefix.prefixes).toEqual(['dup/']);
    expect(ids(dupPrefix.uploads)).toEqual(ids(expected('dup', '/').uploads));
    expect(dupPrefix.uploads.length).toBe(40);
    const none = await walk({ Prefix: 'nothing-here/' });
    expect(none.uploads).toEqual([]);
  });

  it('key-marker alone starts after every upload of that key; with upload-id-marker, after that upload', async () => {
    const km = await walk({ KeyMarker: 'data/0005' }, 250);
    expect(ids(km.uploads)).toEqual(ids(expected('', '', (u) => Buffer.compare(Buffer.from(u.key), Buffer.from('data/0005')) > 0).uploads));
    expect(km.uploads[0]!.key).toBe('data/0006');

    const dups = model.filter((u) => u.key === 'dup');
    expect(dups.length).toBe(40);
    const third = dups[2]!;
    const after = await walk({ Prefix: 'dup', KeyMarker: 'dup', UploadIdMarker: third.id }, 9);
    const cut = model.indexOf(third);
    expect(ids(after.uploads)).toEqual(ids(expected('dup', '', (u) => model.indexOf(u) > cut).uploads));
    expect(after.uploads[0]!.id).toBe(dups[3]!.id);

    // A key-marker that is a common prefix skips the whole prefix.
    const skipPrefix = await walk({ Delimiter: '/', KeyMarker: 'data/' }, 5);
    expect(skipPrefix.prefixes).toEqual(['dup/', 'logs/', 'ünï/']);
  });
});

// ---------------------------------------------------------------- stale uploads

describe('stale uploads', () => {
  let t: TestServer;
  let c: S3Client;
  beforeAll(async () => {
    t = await startTestServer({ multipartExpirySeconds: 60 });
    c = t.client();
  });
  afterAll(async () => t?.stop());

  it('the sweep aborts an upload older than multipartExpirySeconds and removes its part files', async () => {
    await c.send(new CreateBucketCommand({ Bucket: 'stale' }));
    const old = (await c.send(new CreateMultipartUploadCommand({ Bucket: 'stale', Key: 'old' }))).UploadId!;
    await c.send(new UploadPartCommand({ Bucket: 'stale', Key: 'old', UploadId: old, PartNumber: 1, Body: 'old part' }));
    const file = t.ctx.blobs.pathOf(t.ctx.uploads.part(old, 1)!.blobId);
    expect(existsSync(file)).toBe(true);
    // Not stale yet: a sweep now keeps it.
    await sweep(t.ctx, false, isReferenced(t));
    expect(existsSync(file)).toBe(true);
    await c.send(new ListPartsCommand({ Bucket: 'stale', Key: 'old', UploadId: old }));

    t.now.offsetMs += 2 * 60 * 1000;
    // Created after the clock moved: young, it stays.
    const young = (await c.send(new CreateMultipartUploadCommand({ Bucket: 'stale', Key: 'young' }))).UploadId!;
    await c.send(new UploadPartCommand({ Bucket: 'stale', Key: 'young', UploadId: young, PartNumber: 1, Body: 'young part' }));
    const youngFile = t.ctx.blobs.pathOf(t.ctx.uploads.part(young, 1)!.blobId);

    const report = await sweep(t.ctx, false, isReferenced(t));
    expect(report.staleUploads).toBe(1);
    expect(existsSync(file)).toBe(false);
    await expectS3Error(c.send(new UploadPartCommand({ Bucket: 'stale', Key: 'old', UploadId: old, PartNumber: 2, Body: 'x' })), 'NoSuchUpload', 404);
    await expectS3Error(c.send(new ListPartsCommand({ Bucket: 'stale', Key: 'old', UploadId: old })), 'NoSuchUpload', 404);
    const listed = await c.send(new ListMultipartUploadsCommand({ Bucket: 'stale' }));
    expect(listed.Uploads?.map((u) => u.UploadId)).toEqual([young]);
    expect(existsSync(youngFile)).toBe(true);
    const lp = await c.send(new ListPartsCommand({ Bucket: 'stale', Key: 'young', UploadId: young }));
    expect(lp.Parts?.map((p) => p.PartNumber)).toEqual([1]);
  });
});

// ---------------------------------------------------------------- DeleteBucket

describe('DeleteBucket with open uploads', () => {
  it("succeeds with an open upload and no objects, and removes the upload's part files", async () => {
    const b = await newBucket(s3, { prefix: 'mp-bucket' });
    const id = await createUpload(b, 'open/upload.bin');
    await uploadPart(b, 'open/upload.bin', id, 1, randomBytes(5 * MiB));
    await uploadPart(b, 'open/upload.bin', id, 2, randomBytes(10));
    const id2 = await createUpload(b, 'open/other.bin');
    await uploadPart(b, 'open/other.bin', id2, 1, randomBytes(10));
    const files = [partFile(id, 1), partFile(id, 2), partFile(id2, 1)];
    const del = await s3.send(new DeleteBucketCommand({ Bucket: b }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expectGone(files);
    await expectS3Error(s3.send(new HeadBucketCommand({ Bucket: b })), 'NotFound', 404);
    await expectS3Error(s3.send(new ListPartsCommand({ Bucket: b, Key: 'open/upload.bin', UploadId: id })), 'NoSuchBucket', 404);
    // The name is free again, with no uploads.
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads ?? []).toEqual([]);
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
  });

  it('with an object and an open upload it is BucketNotEmpty and the upload stays', async () => {
    const b = await newBucket(s3, { prefix: 'mp-bucket' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'obj', Body: 'x' }));
    const id = await createUpload(b, 'k');
    await uploadPart(b, 'k', id, 1, Buffer.from('part'));
    const file = partFile(id, 1);
    await expectS3Error(s3.send(new DeleteBucketCommand({ Bucket: b })), 'BucketNotEmpty', 409);
    expect(existsSync(file)).toBe(true);
    const lp = await s3.send(new ListPartsCommand({ Bucket: b, Key: 'k', UploadId: id }));
    expect(lp.Parts?.length).toBe(1);
  });
});

// ---------------------------------------------------------------- 10,000 parts (issue 18)

describe('10,000 parts (minPartSize lifted as a testing aid)', () => {
  let small: TestServer;
  let c: S3Client;
  beforeAll(async () => {
    small = await startTestServer({ minPartSize: 1 });
    c = small.client();
  });
  afterAll(async () => small?.stop());

  it('CompleteMultipartUpload of 10,000 parts: ETag "<md5 of md5s>-10000", the size, the bytes; ListParts pages it at 1,000', async () => {
    const b = await newBucket(c, { prefix: 'mp-10k' });
    const key = 'ten-thousand.bin';
    const id = await createUpload(b, key, {}, c);
    const parts = Array.from({ length: 10_000 }, (_, i) => Buffer.from(`part ${i + 1} `.repeat((i % 5) + 1)));
    const done = await pool(parts, 16, (p, i) => uploadPart(b, key, id, i + 1, p, c));

    // ListParts: ten full pages of 1,000, in order.
    let marker: string | undefined;
    const seen: number[] = [];
    let pages = 0;
    for (;;) {
      const page = await c.send(new ListPartsCommand({ Bucket: b, Key: key, UploadId: id, PartNumberMarker: marker }));
      pages++;
      expect(page.Parts?.length).toBe(1000);
      for (const p of page.Parts!) seen.push(p.PartNumber!);
      if (!page.IsTruncated) break;
      marker = String(page.NextPartNumberMarker);
      expect(pages).toBeLessThan(11);
    }
    expect(pages).toBe(10);
    expect(seen).toEqual(parts.map((_, i) => i + 1));

    const out = await c.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: key,
        UploadId: id,
        MultipartUpload: { Parts: [...done].sort((x, y) => x.PartNumber! - y.PartNumber!) },
      }),
    );
    expect(out.ETag).toBe(multipartEtag(parts));
    expect(out.ETag).toMatch(/-10000"$/);
    // How long it takes is measured by `npm run bench -- --workloads complete-10k`, not asserted here.

    const whole = Buffer.concat(parts);
    const head = await c.send(new HeadObjectCommand({ Bucket: b, Key: key }));
    expect(head.ContentLength).toBe(whole.length);
    expect(head.ETag).toBe(out.ETag);
    const got = await c.send(new GetObjectCommand({ Bucket: b, Key: key }));
    expect(md5(await body(got))).toBe(md5(whole));
    const last = await c.send(new HeadObjectCommand({ Bucket: b, Key: key, PartNumber: 10_000 }));
    expect(last.ContentLength).toBe(parts[9999]!.length);
    expect(last.PartsCount).toBe(10_000);
  }, 180_000);

  it('the lifted minimum still applies: an empty part before the last is EntityTooSmall with MinSizeAllowed 1', async () => {
    const b = await newBucket(c, { prefix: 'mp-10k' });
    const key = 'empty-part.bin';
    const id = await createUpload(b, key, {}, c);
    const p1 = await uploadPart(b, key, id, 1, Buffer.alloc(0), c);
    const p2 = await uploadPart(b, key, id, 2, Buffer.from('x'), c);
    const err = await expectS3Error(
      c.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: [p1, p2] } })),
      'EntityTooSmall',
      400,
    );
    expect((err as unknown as Record<string, unknown>).MinSizeAllowed).toBe('1');
    const ok = await c.send(new CompleteMultipartUploadCommand({ Bucket: b, Key: key, UploadId: id, MultipartUpload: { Parts: [p2] } }));
    expect(ok.ETag).toBe(multipartEtag([Buffer.from('x')]));
  });
});

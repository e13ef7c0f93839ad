import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import { uriEncode } from '../auth/sigv4.js';
import { newBlobId } from '../store/blobs.js';
import { CHECKSUM_HEADER, createHasher, parseChecksumAlgorithm, type ChecksumAlgorithm } from '../store/checksums.js';
import { combineBase64 } from '../store/crcCombine.js';
import { DELIMITED_BATCH, prefixEnd } from '../store/listing.js';
import type { ObjectRecord, Segment } from '../store/objects.js';
import type { Part, Upload } from '../store/uploads.js';
import { isoDate, parseXml, parseXmlInt, toXml, type XmlObject } from '../xml/xml.js';
import { header, quoteEtag, readSmallBody, requireBucket, requireKey } from './common.js';
import { parseCopySource, resolveCopySource, type CopySource } from './copy.js';
import { urlEncodeKey } from './list.js';
import { lockForWrite } from './lock.js';
import { openObject } from './read.js';
import { checkWriteConditions, writeConditions } from './objects.js';
import type { Operation, OpRequest } from './types.js';
import { integrityPlan, metadataOf, refuseEncryption, storageClassOf, verifyIntegrity } from './write.js';

export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 ** 3;
export const MAX_PARTS = 10000;

type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

function checksumField(a: ChecksumAlgorithm): string {
  return `Checksum${a}`;
}

/** The open upload a part request names, checked against the request's bucket and key. */
function requireUpload(ctx: AppContext, r: OpRequest, bucketId: number, key: string): Upload {
  const id = r.target.query.get('uploadId') ?? '';
  const u = id ? ctx.uploads.get(id) : undefined;
  if (!u || u.state !== 'uploading' || u.bucketId !== bucketId || u.key !== key) throw new S3Error('NoSuchUpload', undefined, { UploadId: id });
  return u;
}

function partNumberOf(r: OpRequest): number {
  const v = r.target.query.get('partNumber') ?? '';
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_PARTS) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: v });
  }
  return Number(v);
}

function owner(ctx: AppContext, id: number): XmlObject {
  const u = ctx.users.get(id);
  return { ID: u?.canonicalId ?? '', DisplayName: u?.name ?? '' };
}

export const CreateMultipartUpload: Operation = {
  name: 'CreateMultipartUpload',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const key = requireKey(r);
    refuseEncryption(r.headers);
    const { headers, meta } = metadataOf(r.headers);
    const storageClass = storageClassOf(r.headers);
    const algoRaw = header(r.headers, 'x-amz-checksum-algorithm');
    const algorithm = algoRaw === undefined ? undefined : parseChecksumAlgorithm(algoRaw);
    if (algoRaw !== undefined && !algorithm) throw new S3Error('InvalidRequest', 'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
    const typeRaw = header(r.headers, 'x-amz-checksum-type')?.toUpperCase();
    if (typeRaw !== undefined && typeRaw !== 'COMPOSITE' && typeRaw !== 'FULL_OBJECT') throw new S3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.');
    if (typeRaw && !algorithm) throw new S3Error('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    let type: ChecksumType | undefined;
    if (algorithm) {
      type = (typeRaw as ChecksumType | undefined) ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
      if (type === 'FULL_OBJECT' && (algorithm === 'SHA1' || algorithm === 'SHA256')) throw new S3Error('InvalidRequest', `The ${algorithm} checksum algorithm does not support the FULL_OBJECT checksum type.`);
      if (type === 'COMPOSITE' && algorithm === 'CRC64NVME') throw new S3Error('InvalidRequest', 'The CRC64NVME checksum algorithm does not support the COMPOSITE checksum type.');
    }
    const lock = lockForWrite(ctx, bucket, r.headers);
    const id = randomBytes(24).toString('base64url');
    await ctx.commits.run(() => ctx.uploads.create({
      lock,
      id,
      bucketId: bucket.id,
      key,
      initiated: ctx.clock(),
      ownerId: r.auth.identity!.user.id,
      storageClass,
      headers,
      meta,
      checksumAlgorithm: algorithm,
      checksumType: type,
    }));
    return {
      headers: { 'x-amz-checksum-algorithm': algorithm, 'x-amz-checksum-type': type },
      xml: toXml('InitiateMultipartUploadResult', { Bucket: bucket.name, Key: key, UploadId: id }),
    };
  },
};

/** Records a staged, verified part; the blob is removed again if the upload ended meanwhile. */
async function recordPart(ctx: AppContext, u: Upload, partNumber: number, staged: Awaited<ReturnType<AppContext['blobs']['stage']>>, checksum: string | undefined): Promise<Part> {
  await staged.publish();
  const part: Part = { partNumber, blobId: staged.blobId, size: staged.size, etag: staged.md5!.toString('hex'), lastModified: ctx.clock(), checksum };
  let res;
  try {
    res = await ctx.commits.run(() => ctx.uploads.putPart(u.id, part));
  } catch (e) {
    await staged.discard();
    throw e;
  }
  if (res === 'no-upload') {
    await staged.discard();
    throw new S3Error('NoSuchUpload', undefined, { UploadId: u.id });
  }
  ctx.garbage.collect(res.replacedBlobId);
  return part;
}

export const UploadPart: Operation = {
  name: 'UploadPart',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const key = requireKey(r);
    const partNumber = partNumberOf(r);
    const u = requireUpload(ctx, r, bucket.id, key);
    refuseEncryption(r.headers);
    const plan = integrityPlan(r);
    const uploadAlgo = u.checksumAlgorithm as ChecksumAlgorithm | undefined;
    if (uploadAlgo && plan.algorithm && plan.algorithm !== uploadAlgo) {
      throw new S3Error('InvalidRequest', `Checksum Type mismatch occurred, expected checksum Type: ${uploadAlgo.toLowerCase()}, actual checksum Type: ${plan.algorithm.toLowerCase()}`);
    }
    const len = r.auth.contentLength;
    if (len === undefined && r.headers['transfer-encoding'] === undefined) throw new S3Error('MissingContentLength');
    if (len !== undefined && len > MAX_PART_SIZE) throw new S3Error('EntityTooLarge', undefined, { ProposedSize: String(len), MaxSizeAllowed: String(MAX_PART_SIZE) });
    const algo = plan.algorithm ?? uploadAlgo;
    const staged = await ctx.blobs.stage(r.auth.body(r.raw), { maxSize: MAX_PART_SIZE, checksum: algo, expectedSize: len ?? Infinity });
    let checksum: string | undefined;
    try {
      checksum = verifyIntegrity(plan, staged, r.auth.trailers()) ?? staged.checksum?.toString('base64');
    } catch (e) {
      await staged.discard();
      throw e;
    }
    const part = await recordPart(ctx, u, partNumber, staged, checksum);
    const h: Record<string, string> = { etag: quoteEtag(part.etag) };
    if (algo && checksum) h[CHECKSUM_HEADER[algo]] = checksum;
    return { headers: h, bytes: part.size };
  },
};

export const UploadPartCopy: Operation = {
  name: 'UploadPartCopy',
  checks(r) {
    const checks = [{ action: 's3:PutObject', bucket: r.target.bucket, key: r.target.key }];
    // The source is read exactly as run() will read it; one that does not parse fails in run() with its own error.
    let src: CopySource | undefined;
    try {
      src = parseCopySource(header(r.headers, 'x-amz-copy-source'));
    } catch {
      src = undefined;
    }
    if (src) checks.push({ action: 's3:GetObject', bucket: src.bucket, key: src.key });
    return checks;
  },
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const key = requireKey(r);
    const partNumber = partNumberOf(r);
    const u = requireUpload(ctx, r, bucket.id, key);
    refuseEncryption(r.headers);
    const { src, obj } = resolveCopySource(ctx, r);
    let start = 0;
    let end = obj.size - 1;
    const rangeHeader = header(r.headers, 'x-amz-copy-source-range');
    if (rangeHeader !== undefined) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim());
      if (!m) throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: rangeHeader });
      start = Number(m[1]);
      end = Number(m[2]);
      if (start > end || end >= obj.size) {
        throw new S3Error('InvalidArgument', `Range specified is not valid for source object of size: ${obj.size}`, { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: rangeHeader });
      }
    }
    if (end - start + 1 > MAX_PART_SIZE) throw new S3Error('EntityTooLarge', undefined, { ProposedSize: String(end - start + 1), MaxSizeAllowed: String(MAX_PART_SIZE) });
    const algo = u.checksumAlgorithm as ChecksumAlgorithm | undefined;
    const { Readable } = await import('node:stream');
    const stream = obj.size === 0 ? Readable.from([]) : await openObject(ctx, obj, start, end);
    if (!stream) throw new S3Error('InternalError', 'The copy source data could not be read.');
    const staged = await ctx.blobs.stage(stream, { maxSize: MAX_PART_SIZE, checksum: algo });
    const checksum = staged.checksum?.toString('base64');
    const part = await recordPart(ctx, u, partNumber, staged, checksum);
    const result: XmlObject = { ETag: quoteEtag(part.etag), LastModified: isoDate(part.lastModified) };
    if (algo && checksum) result[checksumField(algo)] = checksum;
    const sourceVersioned = ctx.buckets.get(src.bucket)?.versioning !== undefined;
    return { xml: toXml('CopyPartResult', result), bytes: part.size, headers: { 'x-amz-copy-source-version-id': sourceVersioned ? obj.versionId : undefined } };
  },
};

interface RequestedPart {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/**
 * Decodes XML character references (`&#34;`, `&#x22;`) left in a parsed
 * value: the XML parser only decodes the named entities, and Go's
 * encoding/xml (rclone, minio-go, aws-sdk-go) writes the ETag's quotes as
 * `&#34;`.
 */
function decodeCharRefs(s: string): string {
  if (!s.includes('&#')) return s;
  return s.replace(/&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}));/g, (m, hex: string | undefined, dec: string | undefined) => {
    const cp = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

function parseCompleteBody(body: Buffer): RequestedPart[] {
  const doc = parseXml(body, 'CompleteMultipartUpload', ['CompleteMultipartUpload.Part']);
  const parts = doc.Part;
  if (!Array.isArray(parts) || parts.length === 0) throw new S3Error('MalformedXML');
  if (parts.length > MAX_PARTS) throw new S3Error('InvalidArgument', 'Part count exceeds the maximum of 10000', { ArgumentName: 'Part' });
  return parts.map((p: unknown) => {
    if (!p || typeof p !== 'object') throw new S3Error('MalformedXML');
    const o = p as Record<string, unknown>;
    // PartNumber is an xs:int: garbage, a fraction or a number beyond 32 bits is MalformedXML; below 1 is
    // InvalidArgument (as S3 answers); above 10000 names no part that can exist (InvalidPart, below).
    const partNumber = parseXmlInt(o.PartNumber);
    if (partNumber < 1) throw new S3Error('InvalidArgument', 'PartNumber must be >= 1', { ArgumentName: 'PartNumber', ArgumentValue: String(o.PartNumber).trim() });
    if (o.ETag !== undefined && typeof o.ETag !== 'string') throw new S3Error('MalformedXML');
    const checksums: RequestedPart['checksums'] = {};
    for (const a of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
      const v = o[checksumField(a)];
      if (v === undefined) continue;
      if (typeof v !== 'string') throw new S3Error('MalformedXML');
      checksums[a] = decodeCharRefs(v).trim();
    }
    const etag = decodeCharRefs(String(o.ETag ?? '')).trim();
    return { partNumber, etag: etag.replace(/^"|"$/g, '').replace(/^&quot;|&quot;$/g, ''), checksums };
  });
}

/** The object-level checksum of a completed upload, from its parts' checksums. */
function objectChecksum(algo: ChecksumAlgorithm, type: ChecksumType, parts: Part[]): string | undefined {
  if (parts.some((p) => !p.checksum)) return undefined;
  if (type === 'FULL_OBJECT') {
    if (algo === 'SHA1' || algo === 'SHA256') return undefined;
    return combineBase64(algo, parts.map((p) => ({ checksum: p.checksum!, size: p.size })));
  }
  const h = createHasher(algo);
  for (const p of parts) h.update(Buffer.from(p.checksum!, 'base64'));
  return `${h.digest().toString('base64')}-${parts.length}`;
}

function locationOf(ctx: AppContext, r: OpRequest, bucket: string, key: string): string {
  const base = ctx.config.publicUrl || `http://${r.headers.host ?? '127.0.0.1'}`;
  return `${base}/${bucket}/${uriEncode(key, false)}`;
}

export const CompleteMultipartUpload: Operation = {
  name: 'CompleteMultipartUpload',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const key = requireKey(r);
    const uploadId = r.target.query.get('uploadId') ?? '';
    const conditional = writeConditions(r);
    const body = await readSmallBody(r.auth.body(r.raw), 4 * 1024 * 1024);
    const existing = uploadId ? ctx.uploads.get(uploadId) : undefined;
    if (!existing || existing.bucketId !== bucket.id || existing.key !== key || existing.state === 'aborted') {
      throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
    }
    if (existing.state === 'complete' && existing.result) {
      // A repeated Complete (a client retry) answers as the first one did.
      return completedAnswer(existing.result, bucket.versioning !== undefined);
    }
    const requested = parseCompleteBody(body);
    for (let i = 1; i < requested.length; i++) {
      if (requested[i]!.partNumber <= requested[i - 1]!.partNumber) throw new S3Error('InvalidPartOrder', undefined, { UploadId: uploadId });
    }
    const mpSizeRaw = header(r.headers, 'x-amz-mp-object-size');
    const typeRaw = header(r.headers, 'x-amz-checksum-type')?.trim().toUpperCase();
    if (typeRaw !== undefined && typeRaw !== 'COMPOSITE' && typeRaw !== 'FULL_OBJECT') throw new S3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.');
    const wholeChecksumHeader = Object.entries(CHECKSUM_HEADER).find(([, h]) => r.headers[h] !== undefined);
    const now = ctx.clock();
    const manifestId = newBlobId();
    const done = await ctx.commits.run(() => ctx.uploads.complete(uploadId, (upload, parts, current) => {
      if (conditional) checkWriteConditions(conditional, current, key);
      if (typeRaw !== undefined && upload.checksumType && typeRaw !== upload.checksumType) {
        throw new S3Error('InvalidRequest', `The upload was created using the ${upload.checksumType} checksum mode. The complete request must use the same checksum mode.`);
      }
      const chosen: Part[] = [];
      for (const [i, rp] of requested.entries()) {
        const p = parts.get(rp.partNumber);
        if (!p || p.etag !== rp.etag) {
          throw new S3Error('InvalidPart', undefined, { UploadId: uploadId, PartNumber: String(rp.partNumber), ETag: rp.etag });
        }
        if (i < requested.length - 1 && p.size < MIN_PART_SIZE) {
          throw new S3Error('EntityTooSmall', undefined, { ProposedSize: String(p.size), MinSizeAllowed: String(MIN_PART_SIZE), PartNumber: String(rp.partNumber), ETag: rp.etag });
        }
        for (const [a, v] of Object.entries(rp.checksums)) {
          if (upload.checksumAlgorithm && a !== upload.checksumAlgorithm) {
            throw new S3Error('InvalidPart', `The upload was created using a ${upload.checksumAlgorithm.toLowerCase()} checksum. The complete request must use the same checksum algorithm.`, { UploadId: uploadId, PartNumber: String(rp.partNumber) });
          }
          if (p.checksum !== undefined && v !== p.checksum) {
            throw new S3Error('InvalidPart', undefined, { UploadId: uploadId, PartNumber: String(rp.partNumber), ETag: rp.etag });
          }
        }
        chosen.push(p);
      }
      const size = chosen.reduce((s, p) => s + p.size, 0);
      if (size > ctx.config.maxObjectSize) throw new S3Error('EntityTooLarge', undefined, { ProposedSize: String(size), MaxSizeAllowed: String(ctx.config.maxObjectSize) });
      if (mpSizeRaw !== undefined && Number(mpSizeRaw) !== size) {
        throw new S3Error('InvalidRequest', `The provided 'x-amz-mp-object-size' header value ${mpSizeRaw} does not match what was computed: ${size}`);
      }
      const md5s = Buffer.concat(chosen.map((p) => Buffer.from(p.etag, 'hex')));
      const etag = `${createHash('md5').update(md5s).digest('hex')}-${chosen.length}`;
      const algo = upload.checksumAlgorithm as ChecksumAlgorithm | undefined;
      const type = (upload.checksumType as ChecksumType | undefined) ?? 'COMPOSITE';
      const checksum = algo ? objectChecksum(algo, type, chosen) : undefined;
      if (wholeChecksumHeader && algo && checksum && wholeChecksumHeader[0] === algo) {
        const sent = header(r.headers, wholeChecksumHeader[1])!.trim();
        if (sent !== checksum) throw new S3Error('BadDigest', `The ${algo} you specified did not match the calculated checksum.`);
      }
      let offset = 0;
      const segments: Segment[] = chosen.map((p) => {
        const g = { partNumber: p.partNumber, blobId: p.blobId, offset, size: p.size, etag: p.etag, checksum: p.checksum };
        offset += p.size;
        return g;
      });
      const record: ObjectRecord = {
        bucketId: bucket.id,
        key,
        blobId: manifestId,
        size,
        etag,
        lastModified: now,
        ownerId: upload.ownerId,
        storageClass: upload.storageClass,
        headers: upload.headers,
        meta: upload.meta,
        checksumAlgorithm: checksum ? algo : undefined,
        checksum,
        partsCount: chosen.length,
        lockMode: upload.lock?.mode,
        lockUntil: upload.lock?.until,
        legalHold: upload.lock?.legalHold,
      };
      const result: XmlObject = { Location: locationOf(ctx, r, bucket.name, key), Bucket: bucket.name, Key: key, ETag: quoteEtag(etag) };
      if (algo && checksum) {
        result[checksumField(algo)] = checksum;
        result.ChecksumType = type;
      }
      const xml = toXml('CompleteMultipartUploadResult', result);
      return { record, segments, result: (versionId: string) => JSON.stringify({ xml, versionId }) };
    }, bucket.versioning));
    if (done === 'no-upload') {
      // Completed or aborted by a concurrent request meanwhile.
      const again = ctx.uploads.get(uploadId);
      if (again?.state === 'complete' && again.result) return completedAnswer(again.result, bucket.versioning !== undefined);
      throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
    }
    for (const g of done.garbage) ctx.garbage.collect(g);
    return completedAnswer(ctx.uploads.get(uploadId)!.result!, bucket.versioning !== undefined);
  },
};

/** The answer a completed upload gives (stored, so a retried Complete gets the same one). */
function completedAnswer(stored: string, versioned: boolean): { xml: string; headers: Record<string, string | undefined> } {
  const { xml, versionId } = JSON.parse(stored) as { xml: string; versionId: string };
  return { xml, headers: { 'x-amz-version-id': versioned ? versionId : undefined } };
}

export const AbortMultipartUpload: Operation = {
  name: 'AbortMultipartUpload',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const key = requireKey(r);
    const u = requireUpload(ctx, r, bucket.id, key);
    const res = await ctx.commits.run(() => ctx.uploads.abort(u.id, ctx.clock()));
    if (res === 'no-upload') throw new S3Error('NoSuchUpload', undefined, { UploadId: u.id });
    for (const b of res) ctx.garbage.collect(b);
    return { status: 204 };
  },
};

function boundedInt(r: OpRequest, name: string, dflt: number, max: number): number {
  const v = r.target.query.get(name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: v });
  return Math.min(Number(v), max);
}

export const ListParts: Operation = {
  name: 'ListParts',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const key = requireKey(r);
    const u = requireUpload(ctx, r, bucket.id, key);
    const maxParts = boundedInt(r, 'max-parts', 1000, 1000);
    const marker = boundedInt(r, 'part-number-marker', 0, MAX_PARTS);
    const page = maxParts === 0 ? [] : ctx.uploads.parts(u.id, marker, maxParts + 1);
    const truncated = page.length > maxParts;
    const shown = page.slice(0, maxParts);
    const algo = u.checksumAlgorithm as ChecksumAlgorithm | undefined;
    const encode = r.target.query.get('encoding-type') === 'url' ? urlEncodeKey : (s: string) => s;
    return {
      xml: toXml('ListPartsResult', {
        Bucket: bucket.name,
        Key: encode(key),
        UploadId: u.id,
        PartNumberMarker: marker,
        NextPartNumberMarker: shown.length ? shown[shown.length - 1]!.partNumber : marker,
        MaxParts: maxParts,
        IsTruncated: truncated,
        Part: shown.map((p) => ({
          PartNumber: p.partNumber,
          LastModified: isoDate(p.lastModified),
          ETag: quoteEtag(p.etag),
          Size: p.size,
          ...(algo && p.checksum ? { [checksumField(algo)]: p.checksum } : {}),
        })),
        Initiator: owner(ctx, u.ownerId),
        Owner: owner(ctx, u.ownerId),
        StorageClass: u.storageClass,
        ChecksumAlgorithm: algo,
        ChecksumType: u.checksumType,
      }),
    };
  },
};

export const ListMultipartUploads: Operation = {
  name: 'ListMultipartUploads',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const q = r.target.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const keyMarker = q.get('key-marker') ?? '';
    const uploadIdMarker = q.get('upload-id-marker') ?? '';
    const maxUploads = boundedInt(r, 'max-uploads', 1000, 1000);
    const et = q.get('encoding-type');
    if (et !== undefined && et !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: et });
    const encode = et === 'url' ? urlEncodeKey : (s: string) => s;
    const prefixBuf = Buffer.from(prefix, 'utf8');
    const end = (prefix === '' ? undefined : prefixEnd(prefixBuf)) ?? Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    // Resume point: after (key-marker, upload-id-marker), or after every upload of key-marker.
    let after: { key: Buffer; initiated: number; id: string } = { key: Buffer.from(keyMarker, 'utf8'), initiated: Number.MAX_SAFE_INTEGER, id: '' };
    if (uploadIdMarker !== '' && keyMarker !== '') {
      const m = ctx.uploads.get(uploadIdMarker);
      if (m && m.key === keyMarker) after = { key: after.key, initiated: m.initiated, id: m.id };
    }
    if (keyMarker === '') after = { key: Buffer.alloc(0), initiated: -1, id: '' };
    let from: Buffer = prefixBuf;
    if (delimiter !== '' && keyMarker.startsWith(prefix)) {
      const i = keyMarker.indexOf(delimiter, prefix.length);
      if (i >= 0 && i + delimiter.length === keyMarker.length) {
        const skip = prefixEnd(Buffer.from(keyMarker, 'utf8'));
        if (skip && Buffer.compare(skip, from) > 0) from = skip;
      }
    }
    const uploads: XmlObject[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let nextKey: string | undefined;
    let nextId: string | undefined;
    let count = 0;
    outer: while (maxUploads > 0 && Buffer.compare(from, end) < 0) {
      const want = Math.min(maxUploads - count + 1, delimiter === '' ? 1001 : DELIMITED_BATCH);
      const rows = ctx.uploads.scan(bucket.id, from, end, after, want);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (count >= maxUploads) {
          truncated = true;
          break outer;
        }
        const k = row.key.toString('utf8');
        const di = delimiter === '' ? -1 : k.indexOf(delimiter, prefix.length);
        if (di >= 0) {
          const cp = k.slice(0, di + delimiter.length);
          prefixes.push(cp);
          count++;
          nextKey = cp;
          nextId = undefined;
          const skip = prefixEnd(Buffer.from(cp, 'utf8'));
          if (!skip) break outer;
          from = skip;
          after = { key: Buffer.alloc(0), initiated: -1, id: '' };
          continue outer;
        }
        uploads.push({
          Key: encode(k),
          UploadId: row.id,
          Initiator: owner(ctx, row.ownerId),
          Owner: owner(ctx, row.ownerId),
          StorageClass: row.storageClass,
          Initiated: isoDate(row.initiated),
          ChecksumAlgorithm: row.checksumAlgorithm,
          ChecksumType: row.checksumType,
        });
        count++;
        nextKey = k;
        nextId = row.id;
        after = { key: row.key, initiated: row.initiated, id: row.id };
      }
      if (rows.length < want && count < maxUploads) break;
    }
    return {
      xml: toXml('ListMultipartUploadsResult', {
        Bucket: bucket.name,
        KeyMarker: encode(keyMarker),
        UploadIdMarker: uploadIdMarker,
        NextKeyMarker: truncated && nextKey !== undefined ? encode(nextKey) : undefined,
        NextUploadIdMarker: truncated ? (nextId ?? '') : undefined,
        Prefix: prefix !== '' ? encode(prefix) : undefined,
        Delimiter: delimiter !== '' ? encode(delimiter) : undefined,
        MaxUploads: maxUploads,
        EncodingType: et,
        IsTruncated: truncated,
        Upload: uploads,
        CommonPrefixes: prefixes.map((p) => ({ Prefix: encode(p) })),
      }),
    };
  },
};

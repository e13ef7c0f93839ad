import { MAX_PARTS, type ChecksumType, type Completion, type RequestedPart } from '../../core/uploads.js';
import { CHECKSUM_ALGORITHMS, CHECKSUM_HEADER, type ChecksumAlgorithm } from '../../digest/checksums.js';
import { S3Error } from '../../errors/s3error.js';
import { uriEncode } from '../../auth/sigv4.js';
import { parseXml, parseXmlInt, parseXmlList, type XmlObject } from '../../xml/xml.js';
import { checksumElement } from '../documents.js';
import { quoteEtag, unquoteEtag, writeConditionsOf } from '../headers.js';
import { expirationOf } from '../expiration.js';
import { requireBucket } from '../lookup.js';
import { sseHeaders } from '../sse.js';
import { operation, type XmlDocument } from '../operation.js';
import { header, requireBucketName, requireKey, uploadIdOf } from '../params.js';
import { noticeOf } from '../events.js';

/**
 * Decodes XML character references (`&#34;`, `&#x22;`) left in a parsed
 * value: Go's encoding/xml (rclone, minio-go, aws-sdk-go) writes the ETag's
 * quotes as `&#34;`.
 */
function decodeCharRefs(s: string): string {
  if (!s.includes('&#')) return s;
  return s.replace(/&#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}));/g, (m, hex: string | undefined, dec: string | undefined) => {
    const cp = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

function parseCompleteBody(body: Buffer): RequestedPart[] {
  const parts = parseXmlList(body, 'CompleteMultipartUpload', 'Part');
  if (!Array.isArray(parts) || parts.length === 0) throw new S3Error('MalformedXML');
  if (parts.length > MAX_PARTS) throw new S3Error('InvalidArgument', 'Part count exceeds the maximum of 10000', { ArgumentName: 'Part' });
  return parts.map((p: unknown) => {
    if (!p || typeof p !== 'object') throw new S3Error('MalformedXML');
    const o = p as Record<string, unknown>;
    // PartNumber is an xs:int: garbage, a fraction or a number beyond 32 bits is MalformedXML; below 1 is
    // InvalidArgument (as S3 answers); above 10000 names no part that can exist (InvalidPart, later).
    const partNumber = parseXmlInt(o.PartNumber);
    if (partNumber < 1)
      throw new S3Error('InvalidArgument', 'PartNumber must be >= 1', { ArgumentName: 'PartNumber', ArgumentValue: String(o.PartNumber).trim() });
    if (o.ETag !== undefined && typeof o.ETag !== 'string') throw new S3Error('MalformedXML');
    const checksums: RequestedPart['checksums'] = {};
    for (const a of CHECKSUM_ALGORITHMS) {
      const v = o[checksumElement(a)];
      if (v === undefined) continue;
      if (typeof v !== 'string') throw new S3Error('MalformedXML');
      checksums[a] = decodeCharRefs(v).trim();
    }
    return { partNumber, etag: unquoteEtag(decodeCharRefs(String(o.ETag ?? ''))), checksums };
  });
}

/** The answer of a completed upload (the stored one of a retried Complete too). */
function answer(c: Completion | { legacyXml: string; versionId: string }, versioned: boolean) {
  const headers = { 'x-amz-version-id': versioned ? c.versionId : undefined };
  if ('legacyXml' in c) {
    // Completed before Cairn stored completions as data: the stored XML, read back.
    const doc = parseXml(Buffer.from(c.legacyXml), 'CompleteMultipartUploadResult');
    return { headers, xml: { root: 'CompleteMultipartUploadResult', body: doc as XmlObject } satisfies XmlDocument };
  }
  const body: XmlObject = { Location: c.location, Bucket: c.bucket, Key: c.key, ETag: quoteEtag(c.etag) };
  if (c.checksumAlgorithm && c.checksum) {
    body[checksumElement(c.checksumAlgorithm)] = c.checksum;
    body.ChecksumType = c.checksumType;
  }
  return { headers, xml: { root: 'CompleteMultipartUploadResult', body } };
}

export const CompleteMultipartUpload = operation({
  name: 'CompleteMultipartUpload',
  body: { kind: 'document', max: 4 * 1024 * 1024, integrity: 'none', optional: true },
  parse(req) {
    const typeRaw = header(req.headers, 'x-amz-checksum-type')?.trim().toUpperCase();
    const mpSize = header(req.headers, 'x-amz-mp-object-size');
    const whole = CHECKSUM_ALGORITHMS.find((a) => req.headers[CHECKSUM_HEADER[a]] !== undefined);
    const document = req.document ?? Buffer.alloc(0);
    return {
      bucket: requireBucketName(req.target.bucket),
      key: requireKey(req.target.key),
      uploadId: uploadIdOf(req.target.query),
      conditions: writeConditionsOf(req.headers),
      // Parsed once the upload is known to be open: a retried Complete answers again whatever it sends.
      parts: () => parseCompleteBody(document),
      typeRaw,
      objectSize: mpSize === undefined ? undefined : Number(mpSize),
      objectChecksum: whole ? { algorithm: whole as ChecksumAlgorithm, value: header(req.headers, CHECKSUM_HEADER[whole])!.trim() } : undefined,
      host: header(req.headers, 'host'),
      scheme: req.secure ? 'https' : 'http',
    };
  },
  permissions: (i) => [{ action: 's3:PutObject', bucket: i.bucket, key: i.key }],
  async run(ctx, i, req) {
    const bucket = requireBucket(ctx, i.bucket);
    const base = ctx.config.publicUrl || `${i.scheme}://${i.host ?? '127.0.0.1'}`;
    const done = await ctx.services.uploads.complete({
      bucket,
      key: i.key,
      uploadId: i.uploadId,
      parts: () => {
        const parts = i.parts();
        if (i.typeRaw !== undefined && i.typeRaw !== 'COMPOSITE' && i.typeRaw !== 'FULL_OBJECT')
          throw new S3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.');
        return parts;
      },
      conditions: i.conditions,
      checksumType: i.typeRaw as ChecksumType | undefined,
      objectSize: i.objectSize,
      objectChecksum: i.objectChecksum,
      location: `${base}/${bucket.name}/${uriEncode(i.key, false)}`,
      maxObjectSize: ctx.config.maxObjectSize,
      minPartSize: ctx.config.minPartSize,
      notice: noticeOf(req, 'ObjectCreated:CompleteMultipartUpload'),
    });
    const out = answer(done, bucket.versioning !== undefined);
    const created = 'legacyXml' in done ? undefined : ctx.services.objects.version(bucket, i.key, done.versionId);
    const encryption = ctx.services.uploads.get(i.uploadId)?.encryption;
    return {
      ...out,
      headers: {
        ...out.headers,
        'x-amz-expiration': created?.isLatest ? expirationOf(ctx, bucket, created) : undefined,
        // As AWS: the mode and KMS key, not SSE-C's algorithm and key MD5.
        ...(encryption?.mode === 'SSE-C' ? {} : sseHeaders(ctx, bucket, encryption)),
      },
      events: [
        {
          name: 'ObjectCreated:CompleteMultipartUpload',
          bucket: bucket.name,
          key: i.key,
          versionId: out.headers['x-amz-version-id'],
          etag: 'legacyXml' in done ? undefined : done.etag,
        },
      ],
    };
  },
});

import { S3Error } from '../../errors/s3error.js';
import type { XmlObject } from '../../xml/xml.js';
import { checksumElement } from '../documents.js';
import { lookupObject, missingKeyAnswer, requireBucket } from '../lookup.js';
import { checkReadKey, customerKeyOf, sseHeaders } from '../sse.js';
import { operation } from '../operation.js';
import { MAX_PART_NUMBER, boundedInt, header, requireBucketName, requireKey, versionIdOf } from '../params.js';

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

/** GetObjectAttributes: ETag, Checksum, ObjectParts (paged), StorageClass, ObjectSize in one call. */
export const GetObjectAttributes = operation({
  name: 'GetObjectAttributes',
  body: { kind: 'none' },
  parse(req) {
    const raw = header(req.headers, 'x-amz-object-attributes');
    if (raw === undefined || raw.trim() === '') {
      throw new S3Error('InvalidRequest', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty');
    }
    const wanted = new Set(raw.split(',').map((s) => s.trim()));
    for (const a of wanted)
      if (!ATTRIBUTES.has(a))
        throw new S3Error('InvalidArgument', 'Invalid attribute name specified.', { ArgumentName: 'x-amz-object-attributes', ArgumentValue: a });
    return {
      bucket: requireBucketName(req.target.bucket),
      key: requireKey(req.target.key),
      versionId: versionIdOf(req.target.query.get('versionId')),
      wanted,
      maxPartsRaw: header(req.headers, 'x-amz-max-parts'),
      markerRaw: header(req.headers, 'x-amz-part-number-marker'),
    };
  },
  // AWS asks for both: read access to the object and to its attributes.
  permissions: (i) =>
    i.versionId === undefined
      ? [
          { action: 's3:GetObject', bucket: i.bucket, key: i.key },
          { action: 's3:GetObjectAttributes', bucket: i.bucket, key: i.key },
        ]
      : [
          { action: 's3:GetObjectVersion', bucket: i.bucket, key: i.key, conditions: { 's3:VersionId': i.versionId } },
          { action: 's3:GetObjectVersionAttributes', bucket: i.bucket, key: i.key, conditions: { 's3:VersionId': i.versionId } },
        ],
  async run(ctx, i, req, grants) {
    const bucket = requireBucket(ctx, i.bucket);
    let o: ReturnType<typeof lookupObject>;
    try {
      o = lookupObject(ctx, bucket, i.key, i.versionId, req.method);
    } catch (e) {
      throw missingKeyAnswer(e, grants, i.bucket);
    }
    // An SSE-C object's attributes need its key, as its bytes do.
    checkReadKey(ctx, o, customerKeyOf(ctx, req.headers, req.secure));
    const out: XmlObject = {};
    if (i.wanted.has('ETag')) out.ETag = o.etag;
    if (i.wanted.has('Checksum') && o.checksumAlgorithm && o.checksum) {
      out.Checksum = { [checksumElement(o.checksumAlgorithm)]: o.checksum, ChecksumType: o.checksum.includes('-') ? 'COMPOSITE' : 'FULL_OBJECT' };
    }
    if (i.wanted.has('ObjectParts') && o.partsCount) {
      const maxParts = boundedInt(i.maxPartsRaw, 'x-amz-max-parts', 1000, 1000);
      const marker = boundedInt(i.markerRaw, 'x-amz-part-number-marker', 0, MAX_PART_NUMBER);
      const after = ctx.services.objects.segments(o).filter((g) => g.partNumber > marker);
      const shown = after.slice(0, maxParts);
      const composite = o.checksum?.includes('-');
      out.ObjectParts = {
        PartsCount: o.partsCount,
        PartNumberMarker: marker,
        NextPartNumberMarker: shown.length ? shown[shown.length - 1]!.partNumber : marker,
        MaxParts: maxParts,
        IsTruncated: after.length > maxParts,
        Part: shown.map((g) => ({
          PartNumber: g.partNumber,
          Size: g.size,
          ...(o.checksumAlgorithm && g.checksum && composite ? { [checksumElement(o.checksumAlgorithm)]: g.checksum } : {}),
        })),
      };
    }
    if (i.wanted.has('StorageClass')) out.StorageClass = o.storageClass;
    if (i.wanted.has('ObjectSize')) out.ObjectSize = o.size;
    return {
      headers: {
        'last-modified': ctx.dates.format(o.lastModified),
        'x-amz-version-id': bucket.versioning ? o.versionId : undefined,
        ...sseHeaders(ctx, bucket, o.encryption),
      },
      xml: { root: 'GetObjectAttributesResponse', body: out },
    };
  },
});

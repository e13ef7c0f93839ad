import { S3Error } from '../errors/s3error.js';
import { toXml, type XmlObject } from '../xml/xml.js';
import { header, httpDate, requireBucket } from './common.js';
import { lookupObject } from './objects.js';
import type { Operation } from './types.js';

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

function intHeader(v: string | undefined, name: string, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v.trim())) throw new S3Error('InvalidArgument', `Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: v });
  return Math.min(Number(v), max);
}

/** GetObjectAttributes: ETag, Checksum, ObjectParts (paged), StorageClass, ObjectSize in one call. */
export const GetObjectAttributes: Operation = {
  name: 'GetObjectAttributes',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const raw = header(r.headers, 'x-amz-object-attributes');
    if (raw === undefined || raw.trim() === '') throw new S3Error('InvalidRequest', 'The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty');
    const wanted = new Set(raw.split(',').map((s) => s.trim()));
    for (const a of wanted) if (!ATTRIBUTES.has(a)) throw new S3Error('InvalidArgument', 'Invalid attribute name specified.', { ArgumentName: 'x-amz-object-attributes', ArgumentValue: a });
    const o = lookupObject(ctx, r);
    const out: XmlObject = {};
    if (wanted.has('ETag')) out.ETag = o.etag;
    if (wanted.has('Checksum') && o.checksumAlgorithm && o.checksum) {
      out.Checksum = { [`Checksum${o.checksumAlgorithm}`]: o.checksum, ChecksumType: o.checksum.includes('-') ? 'COMPOSITE' : 'FULL_OBJECT' };
    }
    if (wanted.has('ObjectParts') && o.partsCount) {
      const maxParts = intHeader(header(r.headers, 'x-amz-max-parts'), 'x-amz-max-parts', 1000, 1000);
      const marker = intHeader(header(r.headers, 'x-amz-part-number-marker'), 'x-amz-part-number-marker', 0, 10000);
      const after = ctx.objects.segments(o.blobId).filter((g) => g.partNumber > marker);
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
          ...(o.checksumAlgorithm && g.checksum && composite ? { [`Checksum${o.checksumAlgorithm}`]: g.checksum } : {}),
        })),
      };
    }
    if (wanted.has('StorageClass')) out.StorageClass = o.storageClass;
    if (wanted.has('ObjectSize')) out.ObjectSize = o.size;
    return {
      headers: { 'last-modified': httpDate(o.lastModified), 'x-amz-version-id': bucket.versioning ? o.versionId : undefined },
      xml: toXml('GetObjectAttributesResponse', out),
    };
  },
};

import type { ChecksumAlgorithm } from '../../digest/checksums.js';
import { isoDate } from '../../xml/xml.js';
import { MAX_PART_NUMBER, boundedInt, encodingOf, requireBucketName, requireKey, uploadIdOf } from '../params.js';
import { Owners, checksumElement } from '../documents.js';
import { quoteEtag } from '../headers.js';
import { requireBucket, requireUpload } from '../lookup.js';
import { operation } from '../operation.js';

export const ListParts = operation({
  name: 'ListParts',
  body: { kind: 'none' },
  parse(req) {
    const q = req.target.query;
    return {
      bucket: requireBucketName(req.target.bucket),
      key: requireKey(req.target.key),
      uploadId: uploadIdOf(q),
      maxParts: boundedInt(q.get('max-parts'), 'max-parts', 1000, 1000),
      marker: boundedInt(q.get('part-number-marker'), 'part-number-marker', 0, MAX_PART_NUMBER),
      encoding: encodingOf(q),
    };
  },
  permissions: (i) => [{ action: 's3:ListMultipartUploadParts', bucket: i.bucket, key: i.key }],
  async run(ctx, i) {
    const bucket = requireBucket(ctx, i.bucket);
    const u = requireUpload(ctx, bucket, i.key, i.uploadId);
    const page = i.maxParts === 0 ? [] : ctx.services.uploads.parts(u, i.marker, i.maxParts + 1);
    const shown = page.slice(0, i.maxParts);
    const algo = u.checksumAlgorithm as ChecksumAlgorithm | undefined;
    const owners = new Owners(ctx);
    return {
      xml: {
        root: 'ListPartsResult',
        body: {
          Bucket: bucket.name,
          Key: i.encoding.encode(i.key),
          UploadId: u.id,
          PartNumberMarker: i.marker,
          NextPartNumberMarker: shown.length ? shown[shown.length - 1]!.partNumber : i.marker,
          MaxParts: i.maxParts,
          IsTruncated: page.length > i.maxParts,
          Part: shown.map((p) => ({
            PartNumber: p.partNumber,
            LastModified: isoDate(p.lastModified),
            ETag: quoteEtag(p.etag),
            Size: p.size,
            ...(algo && p.checksum ? { [checksumElement(algo)]: p.checksum } : {}),
          })),
          Initiator: owners.of(u.ownerId),
          Owner: owners.of(u.objectOwnerId ?? u.ownerId),
          StorageClass: u.storageClass,
          ChecksumAlgorithm: algo,
          ChecksumType: u.checksumType,
        },
      },
    };
  },
});

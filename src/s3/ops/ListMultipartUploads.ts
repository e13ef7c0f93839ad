import { isoDate } from '../../xml/xml.js';
import { Owners } from '../documents.js';
import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { boundedInt, encodingOf, requireBucketName } from '../params.js';

export const ListMultipartUploads = operation({
  name: 'ListMultipartUploads',
  body: { kind: 'none' },
  parse(req) {
    const q = req.target.query;
    return {
      bucket: requireBucketName(req.target.bucket),
      prefix: q.get('prefix') ?? '',
      delimiter: q.get('delimiter') ?? '',
      keyMarker: q.get('key-marker') ?? '',
      uploadIdMarker: q.get('upload-id-marker') ?? '',
      maxKeys: boundedInt(q.get('max-uploads'), 'max-uploads', 1000, 1000),
      encoding: encodingOf(q),
    };
  },
  permissions: (i) => [{ action: 's3:ListBucketMultipartUploads', bucket: i.bucket, conditions: { 's3:prefix': i.prefix, 's3:delimiter': i.delimiter } }],
  async run(ctx, i) {
    const bucket = requireBucket(ctx, i.bucket);
    const page = await ctx.services.uploads.list(bucket, i);
    const enc = i.encoding.encode;
    const owners = new Owners(ctx);
    const last = page.last;
    return {
      xml: {
        root: 'ListMultipartUploadsResult',
        body: {
          Bucket: bucket.name,
          KeyMarker: enc(i.keyMarker),
          UploadIdMarker: i.uploadIdMarker,
          NextKeyMarker: page.isTruncated && last ? enc(last.row ? last.row.key.toString('utf8') : last.prefix) : undefined,
          NextUploadIdMarker: page.isTruncated ? (last?.row?.id ?? '') : undefined,
          Prefix: i.prefix !== '' ? enc(i.prefix) : undefined,
          Delimiter: i.delimiter !== '' ? enc(i.delimiter) : undefined,
          MaxUploads: i.maxKeys,
          EncodingType: i.encoding.type,
          IsTruncated: page.isTruncated,
          Upload: page.rows.map((row) => ({
            Key: enc(row.key.toString('utf8')),
            UploadId: row.id,
            Initiator: owners.of(row.ownerId),
            Owner: owners.of(row.objectOwnerId ?? row.ownerId),
            StorageClass: row.storageClass,
            Initiated: isoDate(row.initiated),
            ChecksumAlgorithm: row.checksumAlgorithm,
            ChecksumType: row.checksumType,
          })),
          CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
        },
      },
    };
  },
});

import { S3Error } from '../../errors/s3error.js';
import { isoDate, type XmlValue } from '../../xml/xml.js';
import { Owners } from '../documents.js';
import { quoteEtag } from '../headers.js';
import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { encodingOf, maxKeysOf, requireBucketName, versionIdOf } from '../params.js';

/**
 * ListObjectVersions: versions and delete markers interleaved in key order,
 * newest first within a key, paged by (key-marker, version-id-marker), with
 * CommonPrefixes skipped by seeking.
 */
export const ListObjectVersions = operation({
  name: 'ListObjectVersions',
  body: { kind: 'none' },
  parse(req) {
    const q = req.target.query;
    const encoding = encodingOf(q);
    const maxKeys = maxKeysOf(q);
    const keyMarker = q.get('key-marker') ?? '';
    const versionIdMarker = q.get('version-id-marker') ?? '';
    if (versionIdMarker !== '' && keyMarker === '') {
      throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', {
        ArgumentName: 'version-id-marker',
        ArgumentValue: versionIdMarker,
      });
    }
    if (versionIdMarker !== '') versionIdOf(versionIdMarker, 'version-id-marker');
    return {
      bucket: requireBucketName(req.target.bucket),
      encoding,
      maxKeys,
      keyMarker,
      versionIdMarker,
      prefix: q.get('prefix') ?? '',
      delimiter: q.get('delimiter') ?? '',
      prefixSent: q.has('prefix'),
      delimiterSent: q.has('delimiter'),
    };
  },
  permissions: (i) => [
    {
      action: 's3:ListBucketVersions',
      bucket: i.bucket,
      // As ListObjects declares them: s3:prefix and s3:delimiter only when sent.
      conditions: {
        's3:prefix': i.prefixSent ? i.prefix : undefined,
        's3:delimiter': i.delimiterSent ? i.delimiter : undefined,
        's3:max-keys': String(i.maxKeys),
      },
    },
  ],
  async run(ctx, i) {
    const bucket = requireBucket(ctx, i.bucket);
    const page = await ctx.services.objects.listVersions(bucket, i);
    const enc = i.encoding.encode;
    const owners = new Owners(ctx);
    const children: Array<[string, XmlValue]> = page.rows.map((row) => {
      const common = { Key: enc(row.key.toString('utf8')), VersionId: row.versionId, IsLatest: row.isLatest, LastModified: isoDate(row.lastModified) };
      if (row.deleteMarker) return ['DeleteMarker', { ...common, Owner: owners.of(row.ownerId) }];
      return [
        'Version',
        {
          ...common,
          ETag: quoteEtag(row.etag),
          ChecksumAlgorithm: row.checksumAlgorithm,
          Size: row.size,
          StorageClass: row.storageClass,
          Owner: owners.of(row.ownerId),
        },
      ];
    });
    const last = page.last;
    return {
      xml: {
        root: 'ListVersionsResult',
        body: {
          Name: bucket.name,
          Prefix: enc(i.prefix),
          KeyMarker: enc(i.keyMarker),
          VersionIdMarker: i.versionIdMarker,
          NextKeyMarker: page.isTruncated && last ? enc(last.row ? last.row.key.toString('utf8') : last.prefix) : undefined,
          NextVersionIdMarker: page.isTruncated && last?.row ? last.row.versionId : undefined,
          MaxKeys: i.maxKeys,
          Delimiter: i.delimiter !== '' ? enc(i.delimiter) : undefined,
          EncodingType: i.encoding.type,
          IsTruncated: page.isTruncated,
          $children: children as unknown as XmlValue,
          CommonPrefixes: page.commonPrefixes.map((p) => ({ Prefix: enc(p) })),
        },
      },
    };
  },
});

import { S3Error } from '../errors/s3error.js';
import { DELIMITED_BATCH, prefixEnd } from '../store/listing.js';
import { isoDate, parseXml, toXml, type XmlObject, type XmlValue } from '../xml/xml.js';
import { quoteEtag, readSmallBody, requireBucket } from './common.js';
import { ownerXml, urlEncodeKey } from './list.js';
import { VERSION_ID_RE } from './objects.js';
import type { Operation } from './types.js';

export const PutBucketVersioning: Operation = {
  name: 'PutBucketVersioning',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const body = await readSmallBody(r.auth.body(r.raw), 64 * 1024);
    const doc = parseXml(body, 'VersioningConfiguration');
    const status = doc.Status;
    if (status !== 'Enabled' && status !== 'Suspended') throw new S3Error('MalformedXML');
    // MfaDelete is Enabled or Disabled; any other value does not validate against S3's schema.
    if (doc.MfaDelete !== undefined && doc.MfaDelete !== 'Enabled' && doc.MfaDelete !== 'Disabled') throw new S3Error('MalformedXML');
    if (doc.MfaDelete === 'Enabled') {
      throw new S3Error('InvalidArgument', 'MFA Delete is not supported by Cairn', { ArgumentName: 'MfaDelete', ArgumentValue: String(doc.MfaDelete) });
    }
    if (status === 'Suspended' && bucket.objectLock) {
      throw new S3Error('InvalidBucketState', 'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.');
    }
    await ctx.commits.run(() => ctx.buckets.setVersioning(bucket.id, status));
    return {};
  },
};

export const GetBucketVersioning: Operation = {
  name: 'GetBucketVersioning',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    return { xml: toXml('VersioningConfiguration', { Status: bucket.versioning }) };
  },
};

const MAX_KEY = Buffer.alloc(1100, 0xff);

/**
 * ListObjectVersions: versions and delete markers interleaved in key order,
 * newest first within a key, paged by (key-marker, version-id-marker), with
 * CommonPrefixes skipped by seeking.
 */
export const ListObjectVersions: Operation = {
  name: 'ListObjectVersions',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const q = r.target.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const keyMarker = q.get('key-marker') ?? '';
    const versionIdMarker = q.get('version-id-marker') ?? '';
    const et = q.get('encoding-type');
    if (et !== undefined && et !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: et });
    const encode = et === 'url' ? urlEncodeKey : (s: string) => s;
    let maxKeys = 1000;
    const mk = q.get('max-keys');
    if (mk !== undefined) {
      if (!/^\d+$/.test(mk)) throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: mk });
      maxKeys = Math.min(Number(mk), 1000);
    }
    if (versionIdMarker !== '' && keyMarker === '') {
      throw new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker });
    }
    const prefixBuf = Buffer.from(prefix, 'utf8');
    const end = (prefix === '' ? undefined : prefixEnd(prefixBuf)) ?? MAX_KEY;
    // Resume strictly after (key-marker, version-id-marker), or after every version of key-marker.
    let after: { key: Buffer; seq: number } = { key: Buffer.alloc(0), seq: -1 };
    let from: Buffer = prefixBuf;
    if (keyMarker !== '') {
      after = { key: Buffer.from(keyMarker, 'utf8'), seq: -1 };
      if (versionIdMarker !== '') {
        if (!VERSION_ID_RE.test(versionIdMarker)) {
          throw new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker });
        }
        // A marker deleted since its page was read (clients that delete each page before reading the next) resumes where it stood.
        const seq = ctx.objects.versionSeq(bucket.id, keyMarker, versionIdMarker) ?? ctx.objects.resumeSeq(bucket.id, keyMarker, versionIdMarker);
        after = { key: after.key, seq };
      }
      if (delimiter !== '' && keyMarker.startsWith(prefix)) {
        const i = keyMarker.indexOf(delimiter, prefix.length);
        if (i >= 0 && i + delimiter.length === keyMarker.length) {
          const skip = prefixEnd(after.key);
          if (skip && Buffer.compare(skip, from) > 0) from = skip;
        }
      }
    }
    const owners = new Map<number, XmlObject>();
    const children: Array<[string, XmlValue]> = [];
    const prefixes: string[] = [];
    let count = 0;
    let truncated = false;
    let nextKey: string | undefined;
    let nextVersion: string | undefined;
    outer: while (maxKeys > 0 && Buffer.compare(from, end) < 0) {
      const want = Math.min(maxKeys - count + 1, delimiter === '' ? 1001 : DELIMITED_BATCH);
      const rows = ctx.objects.scanVersions(bucket.id, from, end, after.key, after.seq < 0 ? -1 : after.seq, want);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (count >= maxKeys) {
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
          nextVersion = undefined;
          const skip = prefixEnd(Buffer.from(cp, 'utf8'));
          if (!skip) break outer;
          from = skip;
          after = { key: Buffer.alloc(0), seq: -1 };
          continue outer;
        }
        const common = { Key: encode(k), VersionId: row.versionId, IsLatest: row.isLatest, LastModified: isoDate(row.lastModified) };
        if (row.deleteMarker) children.push(['DeleteMarker', { ...common, Owner: ownerXml(ctx, owners, row.ownerId) }]);
        else {
          children.push([
            'Version',
            {
              ...common,
              ETag: quoteEtag(row.etag),
              ChecksumAlgorithm: row.checksumAlgorithm,
              Size: row.size,
              StorageClass: row.storageClass,
              Owner: ownerXml(ctx, owners, row.ownerId),
            },
          ]);
        }
        count++;
        nextKey = k;
        nextVersion = row.versionId;
        after = { key: row.key, seq: row.seq };
      }
      if (rows.length < want) break;
    }
    return {
      xml: toXml('ListVersionsResult', {
        Name: bucket.name,
        Prefix: encode(prefix),
        KeyMarker: encode(keyMarker),
        VersionIdMarker: versionIdMarker,
        NextKeyMarker: truncated && nextKey !== undefined ? encode(nextKey) : undefined,
        NextVersionIdMarker: truncated && nextVersion !== undefined ? nextVersion : undefined,
        MaxKeys: maxKeys,
        Delimiter: delimiter !== '' ? encode(delimiter) : undefined,
        EncodingType: et,
        IsTruncated: truncated,
        $children: children as unknown as XmlValue,
        CommonPrefixes: prefixes.map((p) => ({ Prefix: encode(p) })),
      }),
    };
  },
};

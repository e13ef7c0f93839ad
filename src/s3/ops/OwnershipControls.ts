/**
 * Put/Get/DeleteBucketOwnershipControls: the bucket's ObjectOwnership
 * (BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter). A bucket
 * without them behaves as ObjectWriter. BucketOwnerEnforced disables ACLs,
 * so it is refused while the bucket's ACL grants anyone but its owner
 * (InvalidBucketAclWithObjectOwnership).
 */
import { isPrivateAcl } from '../../auth/acl.js';
import { S3Error } from '../../errors/s3error.js';
import { parseXml } from '../../xml/xml.js';
import { ACL_KIND, bucketAcl, OWNERSHIP_KIND, parseObjectOwnership, type StoredOwnership } from '../acls.js';
import { bucketConfig } from '../bucket-config.js';
import { requireBucket } from '../lookup.js';
import { operation, type Operation } from '../operation.js';
import { requireBucketName } from '../params.js';

function parseOwnershipControls(doc: Record<string, unknown>): StoredOwnership {
  const rule = doc.Rule;
  if (Array.isArray(rule) || typeof rule !== 'object' || rule === null) throw new S3Error('MalformedXML');
  const v = (rule as Record<string, unknown>).ObjectOwnership;
  if (typeof v !== 'string') throw new S3Error('MalformedXML');
  try {
    return { objectOwnership: parseObjectOwnership(v.trim(), 'ObjectOwnership')! };
  } catch {
    throw new S3Error('MalformedXML');
  }
}

const [get, , del] = bucketConfig<StoredOwnership>({
  kind: OWNERSHIP_KIND,
  names: { get: 'GetBucketOwnershipControls', put: 'PutBucketOwnershipControls', delete: 'DeleteBucketOwnershipControls' },
  actions: { get: 's3:GetBucketOwnershipControls', put: 's3:PutBucketOwnershipControls', delete: 's3:PutBucketOwnershipControls' },
  root: 'OwnershipControls',
  integrity: 'required',
  parse: parseOwnershipControls,
  render: (d) => ({ Rule: { ObjectOwnership: d.objectOwnership } }),
  notFound: 'OwnershipControlsNotFoundError',
});

const put = operation({
  name: 'PutBucketOwnershipControls',
  body: { kind: 'document', max: 64 * 1024, integrity: 'required' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket), doc: parseOwnershipControls(parseXml(req.document!, 'OwnershipControls')) }),
  permissions: (i) => [{ action: 's3:PutBucketOwnershipControls', bucket: i.bucket }],
  async run(ctx, i) {
    const b = requireBucket(ctx, i.bucket);
    if (i.doc.objectOwnership === 'BucketOwnerEnforced') {
      const acl = bucketAcl(ctx, b);
      if (!isPrivateAcl(acl, acl.owner)) throw new S3Error('InvalidBucketAclWithObjectOwnership');
      // ACLs go away: what was stored no longer means anything.
      await ctx.services.buckets.deleteConfig(b, ACL_KIND);
    }
    await ctx.services.buckets.putConfig(b, OWNERSHIP_KIND, i.doc);
    return {};
  },
});

export const ownershipControls: Operation[] = [get!, put, del!];

import { S3Error } from '../../errors/s3error.js';
import { parseXml } from '../../xml/xml.js';
import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { requireBucketName } from '../params.js';

export const PutBucketVersioning = operation({
  name: 'PutBucketVersioning',
  body: { kind: 'document', max: 64 * 1024, integrity: 'verify' },
  parse(req) {
    const doc = parseXml(req.document!, 'VersioningConfiguration');
    const status = doc.Status;
    if (status !== 'Enabled' && status !== 'Suspended') throw new S3Error('MalformedXML');
    // MfaDelete is Enabled or Disabled; any other value does not validate against S3's schema.
    if (doc.MfaDelete !== undefined && doc.MfaDelete !== 'Enabled' && doc.MfaDelete !== 'Disabled') throw new S3Error('MalformedXML');
    if (doc.MfaDelete === 'Enabled') {
      throw new S3Error('InvalidArgument', 'MFA Delete is not supported by Cairn', { ArgumentName: 'MfaDelete', ArgumentValue: String(doc.MfaDelete) });
    }
    return { bucket: requireBucketName(req.target.bucket), status: status as 'Enabled' | 'Suspended' };
  },
  permissions: (i) => [{ action: 's3:PutBucketVersioning', bucket: i.bucket }],
  async run(ctx, i) {
    await ctx.services.buckets.setVersioning(requireBucket(ctx, i.bucket), i.status);
    return {};
  },
});

export const GetBucketVersioning = operation({
  name: 'GetBucketVersioning',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket) }),
  permissions: (i) => [{ action: 's3:GetBucketVersioning', bucket: i.bucket }],
  async run(ctx, i) {
    const b = requireBucket(ctx, i.bucket);
    return { xml: { root: 'VersioningConfiguration', body: { Status: b.versioning } } };
  },
});

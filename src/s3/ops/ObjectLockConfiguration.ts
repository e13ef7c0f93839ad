import type { LockDefault } from '../../core/buckets.js';
import { S3Error } from '../../errors/s3error.js';
import { parseXml, parseXmlInt } from '../../xml/xml.js';
import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { requireBucketName } from '../params.js';

const MAX_RETENTION_DAYS = 36_500;
const MAX_RETENTION_YEARS = 100;

export const PutObjectLockConfiguration = operation({
  name: 'PutObjectLockConfiguration',
  body: { kind: 'document', max: 64 * 1024, integrity: 'required' },
  parse(req) {
    const doc = parseXml(req.document!, 'ObjectLockConfiguration');
    if (doc.ObjectLockEnabled !== 'Enabled') throw new S3Error('MalformedXML');
    let rule: LockDefault | undefined;
    if (doc.Rule !== undefined) {
      const dr = (doc.Rule as Record<string, unknown>)?.DefaultRetention as Record<string, unknown> | undefined;
      if (!dr || typeof dr !== 'object' || Array.isArray(dr)) throw new S3Error('MalformedXML');
      const mode = dr.Mode;
      if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') throw new S3Error('MalformedXML');
      if ((dr.Days === undefined) === (dr.Years === undefined)) throw new S3Error('MalformedXML');
      const unit = dr.Days !== undefined ? 'Days' : 'Years';
      // xs:int: a fraction, garbage or more than 32 bits is MalformedXML (parseXmlInt).
      const n = parseXmlInt(dr[unit]);
      if (n <= 0) throw new S3Error('InvalidArgument', 'Default retention period must be a positive integer value', { ArgumentName: unit });
      // At most 100 years (S3's limit for Object Lock retention); it also keeps retain-until dates representable.
      if (n > (unit === 'Days' ? MAX_RETENTION_DAYS : MAX_RETENTION_YEARS)) {
        throw new S3Error('InvalidArgument', 'Default retention period is too large', { ArgumentName: unit });
      }
      rule = { mode, ...(unit === 'Days' ? { days: n } : { years: n }) };
    }
    return { bucket: requireBucketName(req.target.bucket), rule };
  },
  permissions: (i) => [{ action: 's3:PutBucketObjectLockConfiguration', bucket: i.bucket }],
  async run(ctx, i) {
    await ctx.services.buckets.setObjectLock(requireBucket(ctx, i.bucket), i.rule);
    return {};
  },
});

export const GetObjectLockConfiguration = operation({
  name: 'GetObjectLockConfiguration',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket) }),
  permissions: (i) => [{ action: 's3:GetBucketObjectLockConfiguration', bucket: i.bucket }],
  async run(ctx, i) {
    const bucket = requireBucket(ctx, i.bucket);
    if (!bucket.objectLock) throw new S3Error('ObjectLockConfigurationNotFoundError', undefined, { BucketName: bucket.name });
    const d = bucket.lockDefault;
    return {
      xml: {
        root: 'ObjectLockConfiguration',
        body: { ObjectLockEnabled: 'Enabled', Rule: d ? { DefaultRetention: { Mode: d.mode, Days: d.days, Years: d.years } } : undefined },
      },
    };
  },
});

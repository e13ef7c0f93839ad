import { S3Error } from '../../errors/s3error.js';
import { parseXml } from '../../xml/xml.js';
import { lookupLockTarget, requireLockBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { lockTarget } from './ObjectRetention.js';

export const PutObjectLegalHold = operation({
  name: 'PutObjectLegalHold',
  body: { kind: 'document', max: 64 * 1024, integrity: 'required' },
  parse(req) {
    const doc = parseXml(req.document!, 'LegalHold');
    if (doc.Status !== 'ON' && doc.Status !== 'OFF') throw new S3Error('MalformedXML');
    return { ...lockTarget(req), on: doc.Status === 'ON' };
  },
  permissions: (i) => [{ action: 's3:PutObjectLegalHold', bucket: i.bucket, key: i.key, conditions: { 's3:object-lock-legal-hold': i.on ? 'ON' : 'OFF' } }],
  async run(ctx, i, req) {
    const bucket = requireLockBucket(ctx, i.bucket);
    const v = lookupLockTarget(ctx, bucket, i.key, i.versionId, req.method);
    await ctx.services.objects.setLegalHold(v, i.on);
    return { headers: { 'x-amz-version-id': bucket.versioning ? v.versionId : undefined } };
  },
});

export const GetObjectLegalHold = operation({
  name: 'GetObjectLegalHold',
  body: { kind: 'none' },
  parse: lockTarget,
  permissions: (i) => [{ action: 's3:GetObjectLegalHold', bucket: i.bucket, key: i.key }],
  async run(ctx, i, req) {
    const bucket = requireLockBucket(ctx, i.bucket);
    const v = lookupLockTarget(ctx, bucket, i.key, i.versionId, req.method);
    // A version whose legal hold was never set has none to show (as S3 answers), unlike one set OFF.
    if (v.legalHold === undefined) throw new S3Error('NoSuchObjectLockConfiguration');
    return { xml: { root: 'LegalHold', body: { Status: v.legalHold ? 'ON' : 'OFF' } } };
  },
});

import type { LockMode } from '../../core/objectLock.js';
import { S3Error } from '../../errors/s3error.js';
import { parseXml } from '../../xml/xml.js';
import { lockConditionKeys } from '../conditionKeys.js';
import { bypassPermission } from './DeleteObject.js';
import { lookupLockTarget, requireLockBucket } from '../lookup.js';
import { operation, type Permission, type S3Request } from '../operation.js';
import { booleanHeader, requireBucketName, requireKey, versionIdOf } from '../params.js';

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * An xs:dateTime (RetainUntilDate): YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]; without a zone it is UTC (as S3
 * reads it). Anything else, or a field out of range, is MalformedXML.
 */
function parseIsoDateTime(v: unknown): number {
  if (typeof v !== 'string') throw new S3Error('MalformedXML');
  const m = ISO_DATE_TIME.exec(v.trim());
  if (!m) throw new S3Error('MalformedXML');
  const [, y, mo, d, h, mi, sec, frac, zone] = m as unknown as [string, string, string, string, string, string, string, string | undefined, string | undefined];
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${sec}${frac ? frac.slice(0, 4) : ''}${zone ?? 'Z'}`);
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (Number.isNaN(t) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) {
    throw new S3Error('MalformedXML');
  }
  return t;
}
export function lockTarget(req: S3Request) {
  return {
    bucket: requireBucketName(req.target.bucket),
    key: requireKey(req.target.key),
    versionId: versionIdOf(req.target.query.get('versionId')),
  };
}

export const PutObjectRetention = operation({
  name: 'PutObjectRetention',
  body: { kind: 'document', max: 64 * 1024, integrity: 'required' },
  parse(req) {
    const doc = parseXml(req.document!, 'Retention');
    // In the document (unlike the x-amz-object-lock-* headers) an unknown Mode or a date that is not
    // ISO 8601 does not validate against S3's schema: MalformedXML.
    if (doc.Mode !== undefined && doc.Mode !== 'GOVERNANCE' && doc.Mode !== 'COMPLIANCE') throw new S3Error('MalformedXML');
    const mode = doc.Mode as LockMode | undefined;
    const until = doc.RetainUntilDate === undefined ? undefined : parseIsoDateTime(doc.RetainUntilDate);
    if ((mode === undefined) !== (until === undefined)) throw new S3Error('MalformedXML');
    return { ...lockTarget(req), mode, until, bypass: booleanHeader(req.headers, 'x-amz-bypass-governance-retention') };
  },
  permissions: (i) => {
    const p: Permission[] = [
      { action: 's3:PutObjectRetention', bucket: i.bucket, key: i.key, conditions: lockConditionKeys({ mode: i.mode, until: i.until }) },
    ];
    if (i.bypass) p.push(bypassPermission(i.bucket, i.key));
    return p;
  },
  async run(ctx, i, req, grants) {
    const bucket = requireLockBucket(ctx, i.bucket);
    const v = lookupLockTarget(ctx, bucket, i.key, i.versionId, req.method);
    await ctx.services.objects.setRetention(v, i.mode, i.until, i.bypass && grants.allowed(bypassPermission(i.bucket, i.key)));
    return { headers: { 'x-amz-version-id': bucket.versioning ? v.versionId : undefined } };
  },
});

export const GetObjectRetention = operation({
  name: 'GetObjectRetention',
  body: { kind: 'none' },
  parse: lockTarget,
  permissions: (i) => [{ action: 's3:GetObjectRetention', bucket: i.bucket, key: i.key }],
  async run(ctx, i, req) {
    const bucket = requireLockBucket(ctx, i.bucket);
    const v = lookupLockTarget(ctx, bucket, i.key, i.versionId, req.method);
    if (!v.lockMode || v.lockUntil === undefined) throw new S3Error('NoSuchObjectLockConfiguration');
    return { xml: { root: 'Retention', body: { Mode: v.lockMode, RetainUntilDate: new Date(v.lockUntil).toISOString() } } };
  },
});

import type { IncomingHttpHeaders } from 'node:http';
import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import type { Bucket, LockDefault } from '../store/buckets.js';
import type { ObjectRecord } from '../store/objects.js';
import { parseXml, parseXmlInt, toXml } from '../xml/xml.js';
import { header, readSmallBody, requireBucket, requireKey } from './common.js';
import { verifyRequiredIntegrity } from './deleteObjects.js';
import type { Operation, OpRequest } from './types.js';

export type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

export interface LockSettings {
  mode?: LockMode;
  until?: number;
  legalHold?: boolean;
}

const DAY = 86_400_000;
const MAX_RETENTION_DAYS = 36_500;
const MAX_RETENTION_YEARS = 100;

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
const LOCKED_MESSAGE = 'Access Denied because object protected by object lock.';

function parseMode(v: string | undefined, what: string): LockMode {
  if (v !== 'GOVERNANCE' && v !== 'COMPLIANCE') throw new S3Error('InvalidArgument', `Unknown wormMode directive.`, { ArgumentName: what, ArgumentValue: v ?? '' });
  return v;
}

function parseDate(v: string, what: string): number {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new S3Error('InvalidArgument', `The retain until date must be provided in ISO 8601 format`, { ArgumentName: what, ArgumentValue: v });
  return t;
}

/**
 * The Object Lock settings of a new version: the x-amz-object-lock-*
 * headers, else the bucket's default retention. Lock headers on a bucket
 * without Object Lock are InvalidRequest.
 */
export function lockForWrite(ctx: AppContext, bucket: Bucket, h: IncomingHttpHeaders): LockSettings | undefined {
  const modeH = header(h, 'x-amz-object-lock-mode');
  const untilH = header(h, 'x-amz-object-lock-retain-until-date');
  const holdH = header(h, 'x-amz-object-lock-legal-hold');
  const any = modeH !== undefined || untilH !== undefined || holdH !== undefined;
  if (any && !bucket.objectLock) throw new S3Error('InvalidRequest', 'Bucket is missing Object Lock Configuration');
  if ((modeH === undefined) !== (untilH === undefined)) {
    throw new S3Error('InvalidArgument', 'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied');
  }
  const out: LockSettings = {};
  if (modeH !== undefined && untilH !== undefined) {
    out.mode = parseMode(modeH, 'x-amz-object-lock-mode');
    out.until = parseDate(untilH, 'x-amz-object-lock-retain-until-date');
    if (out.until <= ctx.clock()) throw new S3Error('InvalidArgument', 'The retain until date must be in the future!', { ArgumentName: 'x-amz-object-lock-retain-until-date', ArgumentValue: untilH });
  } else if (bucket.objectLock && bucket.lockDefault) {
    const d = bucket.lockDefault;
    out.mode = d.mode;
    out.until = ctx.clock() + (d.days !== undefined ? d.days * DAY : (d.years ?? 0) * 365 * DAY);
  }
  if (holdH !== undefined) {
    if (holdH !== 'ON' && holdH !== 'OFF') throw new S3Error('InvalidArgument', 'Legal Hold must be either of ON or OFF', { ArgumentName: 'x-amz-object-lock-legal-hold', ArgumentValue: holdH });
    out.legalHold = holdH === 'ON';
  }
  return out.mode || out.legalHold !== undefined ? out : undefined;
}

/** May this caller bypass GOVERNANCE retention on this request? (Header set, and allowed s3:BypassGovernanceRetention: the root user until policies arrive.) */
export function mayBypassGovernance(r: OpRequest): boolean {
  return header(r.headers, 'x-amz-bypass-governance-retention')?.toLowerCase() === 'true' && r.auth.identity?.user.isRoot === true;
}

/** Refuses to remove a version that a legal hold or an unexpired retention protects. */
export function guardVersionRemoval(ctx: AppContext, r: OpRequest, v: ObjectRecord): void {
  if (v.deleteMarker) return;
  if (v.legalHold) throw new S3Error('AccessDenied', LOCKED_MESSAGE);
  if (v.lockMode && v.lockUntil !== undefined && v.lockUntil > ctx.clock()) {
    if (v.lockMode === 'COMPLIANCE' || !mayBypassGovernance(r)) throw new S3Error('AccessDenied', LOCKED_MESSAGE);
  }
}

/** The response headers describing a version's lock. */
export function lockHeaders(o: ObjectRecord): Record<string, string | undefined> {
  return {
    'x-amz-object-lock-mode': o.lockMode,
    'x-amz-object-lock-retain-until-date': o.lockUntil !== undefined ? new Date(o.lockUntil).toISOString() : undefined,
    'x-amz-object-lock-legal-hold': o.legalHold ? 'ON' : undefined,
  };
}

function requireLockBucket(ctx: AppContext, r: OpRequest): Bucket {
  const b = requireBucket(ctx, r);
  if (!b.objectLock) throw new S3Error('InvalidRequest', 'Bucket is missing Object Lock Configuration');
  return b;
}

/** The version a retention / legal hold request addresses (versionId, else the current one). */
function targetVersion(ctx: AppContext, r: OpRequest, bucket: Bucket): ObjectRecord {
  const key = requireKey(r);
  const vid = r.target.query.get('versionId');
  const v = vid !== undefined ? ctx.objects.version(bucket.id, key, vid) : ctx.objects.latest(bucket.id, key);
  if (!v) throw new S3Error(vid !== undefined ? 'NoSuchVersion' : 'NoSuchKey', undefined, { Key: key, ...(vid !== undefined ? { VersionId: vid } : {}) });
  if (v.deleteMarker) throw new S3Error('MethodNotAllowed', undefined, { Method: r.method, ResourceType: 'DeleteMarker' }, { 'x-amz-delete-marker': 'true' });
  return v;
}

async function requiredBody(r: OpRequest): Promise<Buffer> {
  const body = await readSmallBody(r.auth.body(r.raw), 64 * 1024);
  verifyRequiredIntegrity(r, body, true);
  return body;
}

export const PutObjectLockConfiguration: Operation = {
  name: 'PutObjectLockConfiguration',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const body = await requiredBody(r);
    const doc = parseXml(body, 'ObjectLockConfiguration');
    if (doc.ObjectLockEnabled !== 'Enabled') throw new S3Error('MalformedXML');
    if (!bucket.objectLock && bucket.versioning !== 'Enabled') {
      throw new S3Error('InvalidBucketState', 'Versioning must be \'Enabled\' on the bucket to apply a Object Lock configuration');
    }
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
    await ctx.commits.run(() => ctx.buckets.setObjectLock(bucket.id, rule));
    return {};
  },
};

export const GetObjectLockConfiguration: Operation = {
  name: 'GetObjectLockConfiguration',
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    if (!bucket.objectLock) throw new S3Error('ObjectLockConfigurationNotFoundError', undefined, { BucketName: bucket.name });
    const d = bucket.lockDefault;
    return {
      xml: toXml('ObjectLockConfiguration', {
        ObjectLockEnabled: 'Enabled',
        Rule: d ? { DefaultRetention: { Mode: d.mode, Days: d.days, Years: d.years } } : undefined,
      }),
    };
  },
};

export const PutObjectRetention: Operation = {
  name: 'PutObjectRetention',
  async run(ctx, r) {
    const bucket = requireLockBucket(ctx, r);
    const v = targetVersion(ctx, r, bucket);
    const body = await requiredBody(r);
    const doc = parseXml(body, 'Retention');
    // In the document (unlike the x-amz-object-lock-* headers) an unknown Mode or a date that is not
    // ISO 8601 does not validate against S3's schema: MalformedXML.
    if (doc.Mode !== undefined && doc.Mode !== 'GOVERNANCE' && doc.Mode !== 'COMPLIANCE') throw new S3Error('MalformedXML');
    const mode = doc.Mode as LockMode | undefined;
    const until = doc.RetainUntilDate === undefined ? undefined : parseIsoDateTime(doc.RetainUntilDate);
    if ((mode === undefined) !== (until === undefined)) throw new S3Error('MalformedXML');
    const now = ctx.clock();
    if (until !== undefined && until <= now) throw new S3Error('InvalidArgument', 'The retain until date must be in the future!', { ArgumentName: 'RetainUntilDate' });
    const active = v.lockMode !== undefined && v.lockUntil !== undefined && v.lockUntil > now;
    if (active) {
      const weakens = until === undefined || until < v.lockUntil! || mode !== v.lockMode;
      if (v.lockMode === 'COMPLIANCE' && weakens) throw new S3Error('AccessDenied', LOCKED_MESSAGE);
      if (v.lockMode === 'GOVERNANCE' && weakens && !mayBypassGovernance(r)) throw new S3Error('AccessDenied', LOCKED_MESSAGE);
    }
    await ctx.commits.run(() => ctx.objects.setRetention(v, mode, until));
    return { headers: { 'x-amz-version-id': bucket.versioning ? v.versionId : undefined } };
  },
};

export const GetObjectRetention: Operation = {
  name: 'GetObjectRetention',
  async run(ctx, r) {
    const bucket = requireLockBucket(ctx, r);
    const v = targetVersion(ctx, r, bucket);
    if (!v.lockMode || v.lockUntil === undefined) throw new S3Error('NoSuchObjectLockConfiguration');
    return { xml: toXml('Retention', { Mode: v.lockMode, RetainUntilDate: new Date(v.lockUntil).toISOString() }) };
  },
};

export const PutObjectLegalHold: Operation = {
  name: 'PutObjectLegalHold',
  async run(ctx, r) {
    const bucket = requireLockBucket(ctx, r);
    const v = targetVersion(ctx, r, bucket);
    const body = await requiredBody(r);
    const doc = parseXml(body, 'LegalHold');
    if (doc.Status !== 'ON' && doc.Status !== 'OFF') throw new S3Error('MalformedXML');
    await ctx.commits.run(() => ctx.objects.setLegalHold(v, doc.Status === 'ON'));
    return { headers: { 'x-amz-version-id': bucket.versioning ? v.versionId : undefined } };
  },
};

export const GetObjectLegalHold: Operation = {
  name: 'GetObjectLegalHold',
  async run(ctx, r) {
    const bucket = requireLockBucket(ctx, r);
    const v = targetVersion(ctx, r, bucket);
    // A version whose legal hold was never set has none to show (as S3 answers), unlike one set OFF.
    if (v.legalHold === undefined) throw new S3Error('NoSuchObjectLockConfiguration');
    return { xml: toXml('LegalHold', { Status: v.legalHold ? 'ON' : 'OFF' }) };
  },
};

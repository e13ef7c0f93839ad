import type { IncomingHttpHeaders } from 'node:http';
import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import type { Bucket, LockDefault } from '../store/buckets.js';
import type { ObjectRecord } from '../store/objects.js';
import { parseXml, toXml } from '../xml/xml.js';
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
    const doc = parseXml(body.toString('utf8'), 'ObjectLockConfiguration');
    if (doc.ObjectLockEnabled !== 'Enabled') throw new S3Error('MalformedXML');
    if (!bucket.objectLock && bucket.versioning !== 'Enabled') {
      throw new S3Error('InvalidBucketState', 'Versioning must be \'Enabled\' on the bucket to apply a Object Lock configuration');
    }
    let rule: LockDefault | undefined;
    if (doc.Rule !== undefined) {
      const dr = (doc.Rule as Record<string, unknown>)?.DefaultRetention as Record<string, unknown> | undefined;
      if (!dr || typeof dr !== 'object') throw new S3Error('MalformedXML');
      const mode = dr.Mode;
      if (mode !== 'GOVERNANCE' && mode !== 'COMPLIANCE') throw new S3Error('MalformedXML');
      const days = dr.Days === undefined ? undefined : Number(dr.Days);
      const years = dr.Years === undefined ? undefined : Number(dr.Years);
      if ((days === undefined) === (years === undefined)) throw new S3Error('MalformedXML');
      const n = (days ?? years)!;
      if (!Number.isInteger(n) || n <= 0) throw new S3Error('InvalidArgument', 'Default retention period must be a positive integer value', { ArgumentName: days !== undefined ? 'Days' : 'Years' });
      rule = { mode, ...(days !== undefined ? { days } : { years }) };
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
    const doc = parseXml(body.toString('utf8'), 'Retention');
    const mode = doc.Mode === undefined ? undefined : parseMode(String(doc.Mode), 'Mode');
    const until = doc.RetainUntilDate === undefined ? undefined : parseDate(String(doc.RetainUntilDate), 'RetainUntilDate');
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
    const doc = parseXml(body.toString('utf8'), 'LegalHold');
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

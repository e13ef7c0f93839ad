/**
 * Object Lock rules: the settings a new version gets, and what may remove a
 * version or change its retention. Pure functions over domain records; the
 * protocol layer parses the headers and documents, these decide.
 */
import type { Bucket, LockDefault } from '../store/buckets.js';
import type { ObjectRecord } from '../store/objects.js';
import { DomainError } from './errors.js';

export type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

/** The lock a request asks for (from x-amz-object-lock-* headers or form fields). */
export interface LockRequest {
  mode?: LockMode;
  until?: number;
  legalHold?: boolean;
}

/** The lock a new version is written with. */
export interface LockSettings {
  mode?: LockMode;
  until?: number;
  legalHold?: boolean;
}

const DAY = 86_400_000;

/** Default retention: Days, or Years of 365 days, from `now`. */
export function defaultRetainUntil(d: LockDefault, now: number): number {
  return now + (d.days !== undefined ? d.days * DAY : (d.years ?? 0) * 365 * DAY);
}

/**
 * The lock of a new version: what the request asked for, else the bucket's
 * default retention (a legal hold asked for alone keeps the default
 * retention). Asking for a lock on a bucket without Object Lock, or a
 * retain-until date in the past, is refused; `asked` false skips the date
 * (a multipart upload's lock, asked for at its start, applied at Complete).
 */
export function lockForNewVersion(bucket: Bucket, requested: LockRequest | undefined, now: number, asked = true): LockSettings | undefined {
  if (requested && (requested.mode !== undefined || requested.until !== undefined || requested.legalHold !== undefined) && !bucket.objectLock) {
    throw new DomainError('ObjectLockNotEnabled', 'Bucket is missing Object Lock Configuration');
  }
  // Judged when the request asks (not again when a multipart upload asked long before completes).
  if (asked && requested?.until !== undefined && requested.until <= now) {
    throw new DomainError('InvalidArgument', 'The retain until date must be in the future!', {
      ArgumentName: 'x-amz-object-lock-retain-until-date',
      ArgumentValue: new Date(requested.until).toISOString(),
    });
  }
  const out: LockSettings = {};
  if (requested?.mode !== undefined && requested.until !== undefined) {
    out.mode = requested.mode;
    out.until = requested.until;
  } else if (bucket.objectLock && bucket.lockDefault) {
    out.mode = bucket.lockDefault.mode;
    out.until = defaultRetainUntil(bucket.lockDefault, now);
  }
  if (requested?.legalHold !== undefined) out.legalHold = requested.legalHold;
  return out.mode || out.legalHold !== undefined ? out : undefined;
}

const LOCKED = 'Access Denied because object protected by object lock.';

/** Is retention in force on this version now? */
export function retentionActive(v: ObjectRecord, now: number): boolean {
  return v.lockMode !== undefined && v.lockUntil !== undefined && v.lockUntil > now;
}

/**
 * Refuses to remove a version that a legal hold or an unexpired retention
 * protects: COMPLIANCE never, GOVERNANCE only with the bypass permission.
 */
export function guardRemoval(v: ObjectRecord, now: number, mayBypassGovernance: boolean): void {
  if (v.deleteMarker) return;
  if (v.legalHold) throw new DomainError('ObjectLocked', LOCKED);
  if (retentionActive(v, now) && (v.lockMode === 'COMPLIANCE' || !mayBypassGovernance)) throw new DomainError('ObjectLocked', LOCKED);
}

/**
 * May a version's retention become (mode, until)? Retention in force may be
 * extended; shortening, removing or changing its mode needs the bypass for
 * GOVERNANCE and is never allowed for COMPLIANCE.
 */
export function guardRetentionChange(v: ObjectRecord, mode: LockMode | undefined, until: number | undefined, now: number, mayBypassGovernance: boolean): void {
  if (until !== undefined && until <= now) {
    throw new DomainError('InvalidArgument', 'The retain until date must be in the future!', { ArgumentName: 'RetainUntilDate' });
  }
  if (!retentionActive(v, now)) return;
  const weakens = until === undefined || until < v.lockUntil! || mode !== v.lockMode;
  if (!weakens) return;
  if (v.lockMode === 'COMPLIANCE' || !mayBypassGovernance) throw new DomainError('ObjectLocked', LOCKED);
}

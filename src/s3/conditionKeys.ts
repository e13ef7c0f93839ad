/**
 * The S3 condition keys a write request's headers (or a POST form's fields)
 * supply to the evaluator. A key is present only when the request carries
 * it, as AWS judges them: a policy's `Null` or `StringEquals` on
 * s3:x-amz-storage-class sees a request that sent no storage class as one
 * without the key, not as STANDARD.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { LockRequest } from '../core/objectLock.js';
import { header } from './params.js';

export type ConditionKeys = Record<string, string | undefined>;

/**
 * s3:object-lock-mode, s3:object-lock-retain-until-date and
 * s3:object-lock-legal-hold of a write, a PutObjectRetention or a
 * PutObjectLegalHold (s3:object-lock-remaining-retention-days is derived
 * from the date by the evaluator, which has the clock).
 */
export function lockConditionKeys(lock: LockRequest | undefined): ConditionKeys {
  const out: ConditionKeys = {};
  if (lock?.mode !== undefined) out['s3:object-lock-mode'] = lock.mode;
  if (lock?.until !== undefined) out['s3:object-lock-retain-until-date'] = new Date(lock.until).toISOString();
  if (lock?.legalHold !== undefined) out['s3:object-lock-legal-hold'] = lock.legalHold ? 'ON' : 'OFF';
  return out;
}

/** The keys of an object write (PutObject, CopyObject, CreateMultipartUpload, PostObject): storage class as sent, Object Lock. */
export function writeConditionKeys(h: IncomingHttpHeaders, lock: LockRequest | undefined): ConditionKeys {
  const out = lockConditionKeys(lock);
  const sc = header(h, 'x-amz-storage-class');
  if (sc !== undefined && sc !== '') out['s3:x-amz-storage-class'] = sc;
  return out;
}

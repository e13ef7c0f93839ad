/**
 * What a change tells the bucket's notifications about the request that
 * made it (userIdentity, sourceIPAddress, x-amz-request-id), handed to the
 * domain with the write so the event is recorded in the change's commit.
 */
import type { Notice } from '../core/objects.js';
import type { S3Request } from './operation.js';

/** userIdentity.principalId as S3 writes it: the account id for a root user, `AWS:<user id>` for IAM users and roles, `Anonymous`. */
export function principalIdOf(req: S3Request): string {
  const p = req.principal;
  if (!p) return 'Anonymous';
  return p.type === 'Account' ? p.userId : `AWS:${p.userId}`;
}

/** The notice of a change this request makes; `event` without "s3:" (a delete chooses its own). */
export function noticeOf(req: S3Request, event?: string): Notice {
  return { event, origin: { principalId: principalIdOf(req), sourceIp: req.sourceIp ?? '', requestId: req.id } };
}

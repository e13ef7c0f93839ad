/**
 * Requester Pays buckets: a request from another account (or an anonymous
 * one) must acknowledge that it pays with `x-amz-request-payer: requester`,
 * else S3 answers 403 AccessDenied; an acknowledged request's answer says so
 * with `x-amz-request-charged: requester`. The bucket owner's requests need
 * nothing. Judged by the pipeline after authorization, for every operation on
 * an existing bucket but CreateBucket.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../auth/principal.js';
import { S3Error } from '../errors/s3error.js';
import type { OpContext } from './operation.js';
import { header } from './params.js';
import type { OperationName } from './router.js';

/** True when the answer must carry `x-amz-request-charged: requester`; throws AccessDenied for an unacknowledged request. */
export function requestCharged(
  ctx: OpContext,
  name: OperationName,
  bucketName: string | undefined,
  principal: Principal | undefined,
  headers: IncomingHttpHeaders,
): boolean {
  if (bucketName === undefined || name === 'CreateBucket') return false;
  const b = ctx.services.buckets.get(bucketName);
  if (!b || principal?.account.id === b.ownerId) return false;
  if (ctx.services.buckets.config<{ payer: string }>(b, 'requestPayment')?.payer !== 'Requester') return false;
  if (header(headers, 'x-amz-request-payer')?.toLowerCase() !== 'requester') throw new S3Error('AccessDenied');
  return true;
}

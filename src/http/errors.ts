/**
 * Anything an operation throws, as the S3 error to answer with: S3 errors
 * pass through, domain errors are mapped by code, a client that went away or
 * a full disk get their S3 codes; anything else is logged and InternalError.
 */
import type { Logger } from 'pino';
import { DomainError, type DomainErrorCode } from '../core/errors.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { S3Error, isS3Error } from '../errors/s3error.js';

const FROM_DOMAIN: Readonly<Record<DomainErrorCode, ErrorCode>> = {
  NoSuchBucket: 'NoSuchBucket',
  NoSuchKey: 'NoSuchKey',
  NoSuchVersion: 'NoSuchVersion',
  NoSuchUpload: 'NoSuchUpload',
  BucketAlreadyExists: 'BucketAlreadyExists',
  BucketAlreadyOwnedByYou: 'BucketAlreadyOwnedByYou',
  BucketNotEmpty: 'BucketNotEmpty',
  PreconditionFailed: 'PreconditionFailed',
  ObjectLocked: 'AccessDenied',
  ObjectLockNotEnabled: 'InvalidRequest',
  DeleteMarker: 'MethodNotAllowed',
  InvalidBucketState: 'InvalidBucketState',
  InvalidPart: 'InvalidPart',
  InvalidPartOrder: 'InvalidPartOrder',
  EntityTooSmall: 'EntityTooSmall',
  EntityTooLarge: 'EntityTooLarge',
  BadDigest: 'BadDigest',
  InvalidRequest: 'InvalidRequest',
  InvalidArgument: 'InvalidArgument',
  InsufficientStorage: 'InsufficientStorage',
  IncompleteBody: 'IncompleteBody',
  DataMissing: 'InternalError',
  NoSuchEntity: 'InvalidRequest',
  EntityAlreadyExists: 'InvalidRequest',
  DeleteConflict: 'InvalidRequest',
  LimitExceeded: 'InvalidRequest',
  ValidationError: 'InvalidRequest',
  InvalidInput: 'InvalidRequest',
  MalformedPolicyDocument: 'InvalidRequest',
  AccessDenied: 'AccessDenied',
  QuotaExceeded: 'QuotaExceeded',
  KmsNotFound: 'KMS.NotFoundException',
  KmsDisabled: 'KMS.DisabledException',
};

/** The S3 error a domain error answers as (its message unless it only names its code). */
export function fromDomainError(e: DomainError): S3Error {
  return new S3Error(FROM_DOMAIN[e.code], e.message === e.code ? undefined : e.message, { ...e.detail });
}

/** Turns anything thrown into the S3Error to answer with. */
export function toS3Error(e: unknown, log: Logger, requestId: string): S3Error {
  if (isS3Error(e)) return e;
  if (e instanceof DomainError) {
    if (e.code === 'DataMissing') log.error({ err: e, reqId: requestId }, 'object data missing');
    return fromDomainError(e);
  }
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (e as Error)?.message === 'aborted') return new S3Error('IncompleteBody');
  if (code === 'ENOSPC' || code === 'EDQUOT') return new S3Error('InsufficientStorage');
  log.error({ err: e, reqId: requestId }, 'internal error');
  return new S3Error('InternalError');
}

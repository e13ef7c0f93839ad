/**
 * Typed domain errors: what Cairn's object model refuses, in its own terms.
 * Domain and storage code throw these (never S3 errors, XML or HTTP); the
 * protocol layer maps each code to the S3 (or IAM) error it answers with.
 */
export type DomainErrorCode =
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'NoSuchVersion'
  | 'NoSuchUpload'
  | 'BucketAlreadyExists'
  | 'BucketAlreadyOwnedByYou'
  | 'BucketNotEmpty'
  /** A write, copy or completion whose If-Match / If-None-Match did not hold. */
  | 'PreconditionFailed'
  /** A version protected by retention or a legal hold. */
  | 'ObjectLocked'
  /** Object Lock asked of a bucket without it. */
  | 'ObjectLockNotEnabled'
  /** A delete marker addressed where an object is needed. */
  | 'DeleteMarker'
  | 'InvalidBucketState'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'EntityTooSmall'
  | 'EntityTooLarge'
  | 'BadDigest'
  /** A request the model cannot carry out as asked (the message says why). */
  | 'InvalidRequest'
  | 'InvalidArgument'
  /** The disk (or quota of the filesystem) is full. */
  | 'InsufficientStorage'
  /** A client's body ended before its declared length, or broke off. */
  | 'IncompleteBody'
  /** Data the metadata points at is missing (damage, not a client error). */
  | 'DataMissing'
  // IAM and STS (the IAM protocol maps these; an S3 request never meets them).
  | 'NoSuchEntity'
  | 'EntityAlreadyExists'
  | 'DeleteConflict'
  | 'LimitExceeded'
  | 'ValidationError'
  | 'InvalidInput'
  | 'MalformedPolicyDocument'
  | 'AccessDenied'
  /** A write the bucket's quota does not allow (core/quotas.ts). */
  | 'QuotaExceeded'
  // Server-side encryption: a named keyring key that does not exist, or is disabled.
  | 'KmsNotFound'
  | 'KmsDisabled';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message?: string,
    /** Details the protocol layer may show (e.g. Key, VersionId, UploadId, Condition). */
    readonly detail: Readonly<Record<string, string>> = {},
  ) {
    super(message ?? code);
    this.name = 'DomainError';
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

import { ERRORS, type ErrorCode } from './catalogue.js';

/**
 * An S3 error answer. `extra` holds the additional elements AWS puts in the
 * <Error> body (Key, BucketName, ServerTime, RangeRequested, ...), in order;
 * `headers` are extra response headers (e.g. x-amz-delete-marker).
 */
export class S3Error extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extra: Record<string, string>;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message?: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) {
    const [status, defaultMessage] = ERRORS[code];
    super(message ?? defaultMessage);
    this.code = code;
    this.status = status;
    this.extra = extra;
    this.headers = headers;
  }
}

export function isS3Error(e: unknown): e is S3Error {
  return e instanceof S3Error;
}

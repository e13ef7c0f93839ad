/**
 * What the request pipelines (S3, and the IAM and STS Query APIs) need of
 * the server, and the access-log line they fill in.
 */
import type { Logger } from 'pino';
import type { AuthzContext } from '../auth/authorize.js';
import type { OpContext, OpEvent, S3Request } from '../s3/operation.js';
import type { OperationName } from '../s3/router.js';
import type { ServerAccessEntry } from '../s3/serverAccessLog.js';
import type { RequestIds } from './reply.js';

/** Liveness endpoint: '-' cannot start a bucket name, so this path is never a bucket. */
export const HEALTH_PATH = '/-/health';

/** Writes one access-log line (pino's format: level 30, time, then the request's fields). */
export type AccessLog = (line: { level: number; time: number } & Record<string, unknown>) => void;

/** What the pipeline needs of the server: everything operations get, plus logging and ids. */
export interface PipelineContext extends OpContext, Omit<AuthzContext, 'services'> {
  readonly log: Logger;
  readonly accessLog: AccessLog;
  readonly ids: RequestIds;
  /**
   * Called after each answered request with what it did (notifications and metrics hook in here); background
   * workers may call it without a request (the events are then S3's own, e.g. lifecycle expirations).
   */
  readonly onEvents?: (events: readonly OpEvent[], req?: S3Request) => void;
  /** Receives the server access log records of buckets whose Logging is on (set by the worker that writes them). */
  serverAccessLog?: (entry: ServerAccessEntry) => void;
}

export interface RequestLog {
  reqId: string;
  /** The AWS name of the operation or action (S3's, or IAM's and STS's with `service` set). */
  op?: OperationName | 'Health' | (string & {});
  service?: 'iam' | 'sts';
  method: string;
  bucket?: string;
  key?: string;
  user?: string;
  status?: number;
  code?: string;
  bytes?: number;
}

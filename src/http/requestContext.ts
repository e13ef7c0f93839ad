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
/** Readiness endpoint: 200 when the server can take writes, else 503 with a reason. */
export const READY_PATH = '/-/ready';
/** Prometheus metrics (a bearer token, or public when configured). */
export const METRICS_PATH = '/-/metrics';
/** The last hour per minute and operation, background work, version and uptime, as JSON (the console's dashboard; same access as metrics). */
export const METRICS_HISTORY_PATH = '/-/metrics/history';
/** The webhook targets' ids and ARNs (a Cairn extension for the console): any signed-in principal, never anonymous. */
export const NOTIFICATION_TARGETS_PATH = '/-/notification-targets';

/** What the server's own endpoints (`/-/ready`, `/-/metrics`, `/-/metrics/history`) answer: the composition root provides them. */
export interface Probes {
  /** Why the server is not ready (undefined: ready). */
  notReady(): string | undefined;
  /** The metrics text for a request with this Authorization header; undefined: metrics are off (404). */
  metrics?(authorization: string | undefined): Promise<{ status: number; contentType: string; body: string }>;
  /** The same for /-/metrics/history (JSON). */
  metricsHistory?(authorization: string | undefined): Promise<{ status: number; contentType: string; body: string }>;
}

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
  /** Readiness and metrics (absent: /-/ready always ready, /-/metrics not served). */
  probes?: Probes;
  /** Per-request figures (absent: CAIRN_METRICS=false, nothing is recorded). */
  requestMetrics?: RequestMetrics;
}

/** What the pipeline reports about each request (kept cheap: plain arguments, no objects). */
export interface RequestMetrics {
  started(): void;
  /** `op`: the AWS name ('Unknown' when the request failed before it was named); bytes: body bytes read and bytes written. */
  finished(op: string, status: number, code: string | undefined, seconds: number, received: number, sent: number): void;
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

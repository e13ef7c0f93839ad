/**
 * Server access logging: one record per request on a bucket whose Logging
 * configuration is on, in Amazon S3's server access log format (space
 * separated; `-` for an empty field; quoted Request-URI, Referer and
 * User-Agent), handed to the worker (src/workers/serverAccessLogs.ts) that
 * batches records into log objects in the target bucket.
 */
import type { OpContext } from './operation.js';
import { loggingOf, type LoggingConfig } from './ops/BucketLogging.js';
import { urlEncodeKey } from './params.js';
import type { OperationName } from './router.js';

/** One record on its way to a log object. */
export interface ServerAccessEntry {
  readonly sourceBucket: string;
  /** The source bucket owner's 12-digit account id (partitioned keys). */
  readonly sourceAccountId: string;
  readonly config: LoggingConfig;
  /** When the request was received (ms). */
  readonly time: number;
  readonly line: string;
}

/** The facts of one request, as the pipeline knows them when the response closes. */
export interface AccessFacts {
  bucketOwner: string;
  bucket: string;
  time: number;
  remoteIp?: string;
  requester?: string;
  requestId: string;
  operation: string;
  key?: string;
  method: string;
  url: string;
  httpVersion: string;
  status: number;
  errorCode?: string;
  bytesSent?: number;
  objectSize?: number;
  totalMs: number;
  turnAroundMs?: number;
  referer?: string;
  userAgent?: string;
  versionId?: string;
  hostId: string;
  signatureVersion?: 'SigV2' | 'SigV4';
  cipherSuite?: string;
  authType?: 'AuthHeader' | 'QueryString';
  hostHeader?: string;
  tlsVersion?: string;
}

/** The bucket's logging configuration and owner when it logs; undefined (the usual case) costs two cached lookups. */
export function loggingTarget(ctx: OpContext, bucketName: string): { config: LoggingConfig; ownerId: number } | undefined {
  const b = ctx.services.buckets.get(bucketName);
  if (!b) return undefined;
  const config = loggingOf(ctx.services.buckets.config(b, 'logging'));
  return config ? { config, ownerId: b.ownerId } : undefined;
}

/** The resource part of S3's `REST.<METHOD>.<RESOURCE>` operation names, where it is not the sub-resource's. */
const RESOURCES: Partial<Record<OperationName, string>> = {
  ListObjects: 'BUCKET',
  ListObjectsV2: 'BUCKET',
  HeadBucket: 'BUCKET',
  CreateBucket: 'BUCKET',
  DeleteBucket: 'BUCKET',
  ListObjectVersions: 'BUCKETVERSIONS',
  CreateMultipartUpload: 'UPLOADS',
  ListMultipartUploads: 'UPLOADS',
  UploadPart: 'PART',
  CompleteMultipartUpload: 'UPLOAD',
  AbortMultipartUpload: 'UPLOAD',
  ListParts: 'UPLOAD',
  DeleteObjects: 'MULTI_OBJECT_DELETE',
  GetBucketLogging: 'LOGGING_STATUS',
  PutBucketLogging: 'LOGGING_STATUS',
  GetBucketPolicy: 'BUCKETPOLICY',
  PutBucketPolicy: 'BUCKETPOLICY',
  DeleteBucketPolicy: 'BUCKETPOLICY',
  GetObjectTagging: 'OBJECT_TAGGING',
  PutObjectTagging: 'OBJECT_TAGGING',
  DeleteObjectTagging: 'OBJECT_TAGGING',
  GetObjectLockConfiguration: 'OBJECT_LOCK_CONFIGURATION',
  PutObjectLockConfiguration: 'OBJECT_LOCK_CONFIGURATION',
  GetObjectRetention: 'OBJECT_RETENTION',
  PutObjectRetention: 'OBJECT_RETENTION',
  GetObjectLegalHold: 'OBJECT_LEGAL_HOLD',
  PutObjectLegalHold: 'OBJECT_LEGAL_HOLD',
  GetBucketRequestPayment: 'REQUEST_PAYMENT',
  PutBucketRequestPayment: 'REQUEST_PAYMENT',
  GetObjectAttributes: 'OBJECT_ATTRIBUTES',
};

/**
 * S3's operation name for the log: `REST.GET.OBJECT`, `REST.PUT.PART`,
 * `REST.COPY.OBJECT`, `REST.GET.VERSIONING`, ...
 */
export function operationLabel(name: OperationName | undefined, method: string, sub: string | undefined, hasKey: boolean): string {
  if (name === 'CopyObject') return 'REST.COPY.OBJECT';
  if (name === 'UploadPartCopy') return 'REST.COPY.PART';
  const resource = (name && RESOURCES[name]) ?? (sub ? sub.toUpperCase().replaceAll('-', '_') : hasKey ? 'OBJECT' : 'BUCKET');
  return `REST.${method.toUpperCase()}.${resource}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `[06/Feb/2019:00:00:38 +0000]`. */
export function logTime(ms: number): string {
  const d = new Date(ms);
  return `[${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000]`;
}

const dash = (v: string | number | undefined) => (v === undefined || v === '' ? '-' : String(v));
/** A quoted field: `"-"` when empty; a double quote or backslash inside is escaped, control characters dropped. */
const quoted = (v: string | undefined) =>
  v === undefined || v === '' ? '"-"' : `"${v.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/g, '')}"`;
/** An unquoted field never holds a space. */
const bare = (v: string | number | undefined) => dash(typeof v === 'string' ? v.replace(/\s/g, '+') : v);

/** One server access log record (without the newline). */
export function formatAccessRecord(f: AccessFacts): string {
  return [
    bare(f.bucketOwner),
    bare(f.bucket),
    logTime(f.time),
    bare(f.remoteIp),
    bare(f.requester),
    bare(f.requestId),
    bare(f.operation),
    f.key === undefined || f.key === '' ? '-' : urlEncodeKey(f.key),
    quoted(`${f.method} ${f.url} HTTP/${f.httpVersion}`),
    String(f.status),
    bare(f.errorCode),
    f.bytesSent ? String(f.bytesSent) : '-',
    dash(f.objectSize),
    String(Math.round(f.totalMs)),
    f.turnAroundMs === undefined ? '-' : String(Math.round(f.turnAroundMs)),
    quoted(f.referer),
    quoted(f.userAgent),
    bare(f.versionId),
    bare(f.hostId),
    bare(f.signatureVersion),
    bare(f.cipherSuite),
    bare(f.authType),
    bare(f.hostHeader),
    bare(f.tlsVersion),
    '-',
    '-',
  ].join(' ');
}

import { S3Error } from '../../errors/s3error.js';
import type { XmlObject } from '../../xml/xml.js';
import { bucketConfig } from '../bucket-config.js';
import { child, children, compact, oneOf, text, type Doc } from '../configShapes.js';

/** A grant on the log objects, as stored (Grantee type and its one identifier). */
export interface LogGrant {
  type: 'CanonicalUser' | 'AmazonCustomerByEmail' | 'Group';
  id?: string;
  displayName?: string;
  email?: string;
  uri?: string;
  permission: 'FULL_CONTROL' | 'READ' | 'WRITE';
}

/** Server access logging, as stored: where log objects go and how their keys are made. */
export interface LoggingConfig {
  targetBucket: string;
  targetPrefix: string;
  grants: LogGrant[];
  /** Absent or 'simple': `prefix` + `YYYY-mm-DD-HH-MM-SS-<unique>`; partitioned: by account, region, bucket and date. */
  keyFormat?: { partitioned: false } | { partitioned: true; dateSource: 'EventTime' | 'DeliveryTime' };
}

/** The document a Put sends: LoggingEnabled, or nothing (logging off). */
type LoggingDoc = LoggingConfig | { off: true };

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

function parseGrant(g: Doc): LogGrant {
  const grantee = child(g, 'Grantee', true)!;
  const permission = oneOf(g, 'Permission', ['FULL_CONTROL', 'READ', 'WRITE'] as const, true)!;
  const id = text(grantee, 'ID');
  const email = text(grantee, 'EmailAddress');
  const uri = text(grantee, 'URI');
  if ([id, email, uri].filter((x) => x !== undefined).length !== 1) throw new S3Error('MalformedXML');
  if (id !== undefined) return { type: 'CanonicalUser', id: id.trim(), displayName: text(grantee, 'DisplayName'), permission };
  if (email !== undefined) return { type: 'AmazonCustomerByEmail', email: email.trim(), permission };
  return { type: 'Group', uri: uri!.trim(), permission };
}

function renderGrant(g: LogGrant): XmlObject {
  return {
    Grantee: compact({
      $attrs: { 'xmlns:xsi': XSI, 'xsi:type': g.type },
      ID: g.id,
      DisplayName: g.displayName,
      EmailAddress: g.email,
      URI: g.uri,
    }),
    Permission: g.permission,
  };
}

export const bucketLogging = bucketConfig<LoggingDoc>({
  kind: 'logging',
  names: { get: 'GetBucketLogging', put: 'PutBucketLogging' },
  actions: { get: 's3:GetBucketLogging', put: 's3:PutBucketLogging' },
  root: 'BucketLoggingStatus',
  lists: ['BucketLoggingStatus.LoggingEnabled.TargetGrants.Grant'],
  integrity: 'required',
  parse(doc) {
    const on = child(doc, 'LoggingEnabled');
    if (!on) return { off: true };
    const targetBucket = text(on, 'TargetBucket', true)!.trim();
    const targetPrefix = text(on, 'TargetPrefix', true)!;
    const grantsEl = child(on, 'TargetGrants');
    const grants = grantsEl ? children(grantsEl, 'Grant').map(parseGrant) : [];
    const fmt = child(on, 'TargetObjectKeyFormat');
    let keyFormat: LoggingConfig['keyFormat'];
    if (fmt) {
      const simple = child(fmt, 'SimplePrefix');
      const part = child(fmt, 'PartitionedPrefix');
      if ((simple === undefined) === (part === undefined)) throw new S3Error('MalformedXML');
      keyFormat = part
        ? { partitioned: true, dateSource: oneOf(part, 'PartitionDateSource', ['EventTime', 'DeliveryTime'] as const) ?? 'DeliveryTime' }
        : { partitioned: false };
    }
    return { targetBucket, targetPrefix, grants, keyFormat };
  },
  render(d) {
    if ('off' in d) return {};
    return {
      LoggingEnabled: compact({
        TargetBucket: d.targetBucket,
        TargetPrefix: d.targetPrefix,
        TargetGrants: d.grants.length > 0 ? { Grant: d.grants.map(renderGrant) } : undefined,
        TargetObjectKeyFormat: d.keyFormat
          ? d.keyFormat.partitioned
            ? { PartitionedPrefix: { PartitionDateSource: d.keyFormat.dateSource } }
            : { SimplePrefix: {} }
          : undefined,
      }),
    };
  },
  whenAbsent: {},
  isEmpty: (d) => 'off' in d,
  check(ctx, bucket, d) {
    if ('off' in d) return;
    const target = ctx.services.buckets.get(d.targetBucket);
    if (!target) throw new S3Error('InvalidTargetBucketForLogging', 'The target bucket for logging does not exist', { TargetBucket: d.targetBucket });
    if (target.ownerId !== bucket.ownerId)
      throw new S3Error('InvalidTargetBucketForLogging', 'The owner for the bucket to be logged and the target bucket must be the same.', {
        TargetBucket: d.targetBucket,
      });
    // AWS's rules for a destination: no default retention (log objects could never be removed), no Requester Pays.
    if (target.objectLock && target.lockDefault !== undefined)
      throw new S3Error('InvalidTargetBucketForLogging', 'The target bucket for logging must not have an Object Lock default retention period configuration.', {
        TargetBucket: d.targetBucket,
      });
    if (ctx.services.buckets.config<{ payer: string }>(target, 'requestPayment')?.payer === 'Requester')
      throw new S3Error('InvalidTargetBucketForLogging', 'The target bucket for logging must not have Requester Pays enabled.', {
        TargetBucket: d.targetBucket,
      });
  },
});

/** A bucket's logging configuration, when logging is on. */
export function loggingOf(doc: LoggingDoc | undefined): LoggingConfig | undefined {
  return doc === undefined || 'off' in doc ? undefined : doc;
}

import { randomUUID } from 'node:crypto';
import { S3Error } from '../../errors/s3error.js';
import type { XmlObject } from '../../xml/xml.js';
import { bucketConfig } from '../bucket-config.js';
import { STORAGE_CLASS_NAMES } from '../headers.js';
import { bucketArn, child, children, compact, filterLists, int, oneOf, parseFilter, text, type Doc } from '../configShapes.js';

const STATUS = ['Enabled', 'Disabled'] as const;

const statusOf = (d: Doc | undefined) => (d ? { Status: oneOf(d, 'Status', STATUS, true)! } : undefined);

function minutesOf(d: Doc | undefined, name: string): XmlObject | undefined {
  if (!d) return undefined;
  const m = child(d, name);
  return compact({ Status: oneOf(d, 'Status', STATUS, true)!, [name]: m ? { Minutes: int(m, 'Minutes', true)! } : undefined });
}

function destination(d: Doc): XmlObject {
  const act = child(d, 'AccessControlTranslation');
  const enc = child(d, 'EncryptionConfiguration');
  return compact({
    Bucket: bucketArn(text(d, 'Bucket', true)!),
    Account: text(d, 'Account')?.trim(),
    StorageClass: oneOf(d, 'StorageClass', STORAGE_CLASS_NAMES),
    AccessControlTranslation: act ? { Owner: oneOf(act, 'Owner', ['Destination'] as const, true)! } : undefined,
    EncryptionConfiguration: enc ? compact({ ReplicaKmsKeyID: text(enc, 'ReplicaKmsKeyID')?.trim() }) : undefined,
    ReplicationTime: minutesOf(child(d, 'ReplicationTime'), 'Time'),
    Metrics: minutesOf(child(d, 'Metrics'), 'EventThreshold'),
  });
}

function rule(r: Doc): XmlObject {
  const filter = child(r, 'Filter');
  const prefix = text(r, 'Prefix');
  if (filter !== undefined && prefix !== undefined) throw new S3Error('MalformedXML');
  const priority = int(r, 'Priority');
  const dmr = child(r, 'DeleteMarkerReplication');
  // The current schema (a Filter) needs DeleteMarkerReplication and Priority; the legacy one (a Prefix) has neither.
  if (filter !== undefined) {
    if (!dmr)
      throw new S3Error('InvalidRequest', 'DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.');
    if (priority === undefined)
      throw new S3Error('InvalidRequest', 'Priority must be specified for this version of Cross Region Replication configuration schema.');
  }
  const id = text(r, 'ID');
  if (id !== undefined && [...id].length > 255)
    throw new S3Error('InvalidArgument', 'The ID is too long. The maximum length is 255 characters.', { ArgumentName: 'ID', ArgumentValue: id });
  const ssc = child(r, 'SourceSelectionCriteria');
  return compact({
    // A rule sent without an ID gets one, as S3 assigns it.
    ID: id ?? Buffer.from(randomUUID()).toString('base64'),
    Priority: priority,
    Prefix: prefix,
    Filter: parseFilter(filter),
    Status: oneOf(r, 'Status', STATUS, true)!,
    SourceSelectionCriteria: ssc
      ? compact({ SseKmsEncryptedObjects: statusOf(child(ssc, 'SseKmsEncryptedObjects')), ReplicaModifications: statusOf(child(ssc, 'ReplicaModifications')) })
      : undefined,
    ExistingObjectReplication: statusOf(child(r, 'ExistingObjectReplication')),
    Destination: destination(child(r, 'Destination', true)!),
    DeleteMarkerReplication: dmr ? { Status: oneOf(dmr, 'Status', STATUS, true)! } : undefined,
  });
}

/**
 * Replication configurations: validated as S3 validates them and stored;
 * replication itself is not performed yet. The bucket's versioning must be
 * Enabled.
 */
export const bucketReplication = bucketConfig<XmlObject>({
  kind: 'replication',
  names: { get: 'GetBucketReplication', put: 'PutBucketReplication', delete: 'DeleteBucketReplication' },
  actions: { get: 's3:GetReplicationConfiguration', put: 's3:PutReplicationConfiguration', delete: 's3:PutReplicationConfiguration' },
  root: 'ReplicationConfiguration',
  lists: ['ReplicationConfiguration.Rule', ...filterLists('ReplicationConfiguration.Rule.Filter')],
  integrity: 'required',
  maxBytes: 2 * 1024 * 1024,
  parse(doc) {
    const role = text(doc, 'Role', true)!.trim();
    const rules = children(doc, 'Rule');
    if (rules.length === 0) throw new S3Error('MalformedXML');
    if (rules.length > 1000) throw new S3Error('InvalidRequest', 'The number of rules in the replication configuration cannot exceed 1000.');
    const parsed = rules.map(rule);
    const ids = parsed.map((r) => r.ID).filter((x) => x !== undefined);
    if (new Set(ids).size !== ids.length) throw new S3Error('InvalidRequest', 'Rule Id must be unique.');
    const priorities = parsed.map((r) => r.Priority).filter((x) => x !== undefined);
    if (new Set(priorities).size !== priorities.length) throw new S3Error('InvalidRequest', 'Found duplicate priority. Priority must be unique among rules.');
    return { Role: role, Rule: parsed };
  },
  render: (d) => d,
  notFound: 'ReplicationConfigurationNotFoundError',
  check(_ctx, bucket) {
    if (bucket.versioning !== 'Enabled') throw new S3Error('InvalidRequest', "Versioning must be 'Enabled' on the bucket to apply a replication configuration");
  },
});

import { S3Error } from '../../errors/s3error.js';
import type { XmlObject } from '../../xml/xml.js';
import { bucketConfigList } from '../bucket-config.js';
import { bool, bucketArn, child, compact, oneOf, text, type Doc } from '../configShapes.js';

/** The inventory report's optional fields AWS accepts. */
const FIELDS = [
  'Size',
  'LastModifiedDate',
  'StorageClass',
  'ETag',
  'IsMultipartUploaded',
  'ReplicationStatus',
  'EncryptionStatus',
  'ObjectLockRetainUntilDate',
  'ObjectLockMode',
  'ObjectLockLegalHoldStatus',
  'IntelligentTieringAccessTier',
  'BucketKeyStatus',
  'ChecksumAlgorithm',
  'ObjectAccessControlList',
  'ObjectOwner',
] as const;

function encryption(e: Doc | undefined): XmlObject | undefined {
  if (!e) return undefined;
  const s3 = child(e, 'SSE-S3');
  const kms = child(e, 'SSE-KMS');
  if ((s3 === undefined) === (kms === undefined)) throw new S3Error('MalformedXML');
  return s3 ? { 'SSE-S3': {} } : { 'SSE-KMS': { KeyId: text(kms!, 'KeyId', true)!.trim() } };
}

/** Inventory report configurations: stored and answered (no report is produced yet). */
export const bucketInventory = bucketConfigList<XmlObject>({
  kind: 'inventory',
  names: {
    get: 'GetBucketInventoryConfiguration',
    put: 'PutBucketInventoryConfiguration',
    delete: 'DeleteBucketInventoryConfiguration',
    list: 'ListBucketInventoryConfigurations',
  },
  actions: {
    get: 's3:GetInventoryConfiguration',
    put: 's3:PutInventoryConfiguration',
    delete: 's3:PutInventoryConfiguration',
    list: 's3:GetInventoryConfiguration',
  },
  root: 'InventoryConfiguration',
  listRoot: 'ListInventoryConfigurationsResult',
  lists: ['OptionalFields.Field'],
  integrity: 'verify',
  parse(doc) {
    const dest = child(child(doc, 'Destination', true)!, 'S3BucketDestination', true)!;
    const filter = child(doc, 'Filter');
    const optional = child(doc, 'OptionalFields');
    const raw = optional?.Field;
    const fields = optional
      ? (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).map((f: unknown) => {
          const v = typeof f === 'string' ? f.trim() : undefined;
          if (v === undefined || !(FIELDS as readonly string[]).includes(v)) throw new S3Error('MalformedXML');
          return v;
        })
      : undefined;
    const schedule = child(doc, 'Schedule', true)!;
    return compact({
      Destination: {
        S3BucketDestination: compact({
          AccountId: text(dest, 'AccountId')?.trim(),
          Bucket: bucketArn(text(dest, 'Bucket', true)!),
          Format: oneOf(dest, 'Format', ['CSV', 'ORC', 'Parquet'] as const, true)!,
          Prefix: text(dest, 'Prefix'),
          Encryption: encryption(child(dest, 'Encryption')),
        }),
      },
      IsEnabled: bool(doc, 'IsEnabled', true)!,
      Filter: filter ? { Prefix: text(filter, 'Prefix', true)! } : undefined,
      Id: text(doc, 'Id', true)!.trim(),
      IncludedObjectVersions: oneOf(doc, 'IncludedObjectVersions', ['All', 'Current'] as const, true)!,
      OptionalFields: fields ? { Field: [...new Set(fields)] } : undefined,
      Schedule: { Frequency: oneOf(schedule, 'Frequency', ['Daily', 'Weekly'] as const, true)! },
    });
  },
  id: (d) => d.Id as string,
  render: (d) => d,
});

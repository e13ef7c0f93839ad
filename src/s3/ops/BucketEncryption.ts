import { S3Error } from '../../errors/s3error.js';
import type { XmlObject } from '../../xml/xml.js';
import { bucketConfig } from '../bucket-config.js';
import { kmsKeyIdOf, type BucketEncryption } from '../sse.js';

/**
 * A ServerSideEncryptionConfiguration as AWS validates it: one Rule whose
 * ApplyServerSideEncryptionByDefault names AES256 or aws:kms (with an
 * optional KMSMasterKeyID, only for aws:kms), and BucketKeyEnabled.
 */
function parseEncryption(doc: Record<string, unknown>): BucketEncryption {
  const rules = doc.Rule;
  if (!Array.isArray(rules) || rules.length === 0) throw new S3Error('MalformedXML');
  if (rules.length > 1) throw new S3Error('InvalidArgument', 'Multiple Rules are not supported', { ArgumentName: 'Rule' });
  const rule = rules[0] as Record<string, unknown>;
  if (typeof rule !== 'object' || rule === null) throw new S3Error('MalformedXML');
  const by = rule.ApplyServerSideEncryptionByDefault as Record<string, unknown> | undefined;
  if (typeof by !== 'object' || by === null) throw new S3Error('MalformedXML');
  const algo = by.SSEAlgorithm;
  if (algo !== 'AES256' && algo !== 'aws:kms') throw new S3Error('MalformedXML');
  const keyId = by.KMSMasterKeyID;
  if (keyId !== undefined && typeof keyId !== 'string') throw new S3Error('MalformedXML');
  if (keyId !== undefined && algo !== 'aws:kms') {
    throw new S3Error('InvalidArgument', 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms', {
      ArgumentName: 'ApplyServerSideEncryptionByDefault',
    });
  }
  const bke = rule.BucketKeyEnabled;
  if (bke !== undefined && bke !== 'true' && bke !== 'false') throw new S3Error('MalformedXML');
  const out: BucketEncryption = { algorithm: algo };
  if (keyId) out.kmsKeyId = kmsKeyIdOf(keyId);
  if (bke === 'true') out.bucketKey = true;
  return out;
}

function renderEncryption(e: BucketEncryption): XmlObject {
  const by: XmlObject = { SSEAlgorithm: e.algorithm };
  if (e.kmsKeyId) by.KMSMasterKeyID = e.kmsKeyId;
  return { Rule: { ApplyServerSideEncryptionByDefault: by, BucketKeyEnabled: e.bucketKey ? 'true' : 'false' } };
}

export const bucketEncryption = bucketConfig<BucketEncryption>({
  kind: 'encryption',
  names: { get: 'GetBucketEncryption', put: 'PutBucketEncryption', delete: 'DeleteBucketEncryption' },
  actions: { get: 's3:GetEncryptionConfiguration', put: 's3:PutEncryptionConfiguration', delete: 's3:PutEncryptionConfiguration' },
  root: 'ServerSideEncryptionConfiguration',
  lists: ['ServerSideEncryptionConfiguration.Rule'],
  integrity: 'verify',
  parse: parseEncryption,
  render: renderEncryption,
  notFound: 'ServerSideEncryptionConfigurationNotFoundError',
});

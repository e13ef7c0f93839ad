/**
 * PutPublicAccessBlock, GetPublicAccessBlock, DeletePublicAccessBlock: a bucket's four Block Public
 * Access flags (a flag left out is false). Enforced by the evaluator (RestrictPublicBuckets), by
 * PutBucketPolicy (BlockPublicPolicy) and by the ACL operations (BlockPublicAcls, IgnorePublicAcls)
 * through `publicAccessBlock()` in auth/access.ts, which also applies the instance-wide setting.
 */
import { PUBLIC_ACCESS_BLOCK_KIND, type PublicAccessBlock } from '../../auth/access.js';
import { S3Error } from '../../errors/s3error.js';
import { parseXmlBoolean } from '../../xml/xml.js';
import { bucketConfig } from '../bucket-config.js';

const FLAGS = [
  ['BlockPublicAcls', 'blockPublicAcls'],
  ['IgnorePublicAcls', 'ignorePublicAcls'],
  ['BlockPublicPolicy', 'blockPublicPolicy'],
  ['RestrictPublicBuckets', 'restrictPublicBuckets'],
] as const;

function flag(doc: Record<string, unknown>, name: string): boolean {
  const v = doc[name];
  if (v === undefined) return false;
  try {
    return parseXmlBoolean(v);
  } catch {
    throw new S3Error('MalformedXML');
  }
}

export const publicAccessBlockOps = bucketConfig<PublicAccessBlock>({
  kind: PUBLIC_ACCESS_BLOCK_KIND,
  names: { get: 'GetPublicAccessBlock', put: 'PutPublicAccessBlock', delete: 'DeletePublicAccessBlock' },
  actions: { get: 's3:GetBucketPublicAccessBlock', put: 's3:PutBucketPublicAccessBlock', delete: 's3:PutBucketPublicAccessBlock' },
  root: 'PublicAccessBlockConfiguration',
  integrity: 'required',
  parse(doc) {
    const known = new Set<string>(FLAGS.map(([x]) => x));
    for (const k of Object.keys(doc)) if (!k.startsWith('@') && !known.has(k)) throw new S3Error('MalformedXML');
    return {
      blockPublicAcls: flag(doc, 'BlockPublicAcls'),
      ignorePublicAcls: flag(doc, 'IgnorePublicAcls'),
      blockPublicPolicy: flag(doc, 'BlockPublicPolicy'),
      restrictPublicBuckets: flag(doc, 'RestrictPublicBuckets'),
    };
  },
  render: (c) => Object.fromEntries(FLAGS.map(([x, k]) => [x, c[k]])),
  notFound: 'NoSuchPublicAccessBlockConfiguration',
});

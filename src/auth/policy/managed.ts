/**
 * The 20 AWS-managed policies S4 provides (mega-s4-api §3.2 "S4 Managed
 * Policies"): each `arn:aws:iam::aws:policy/<Name>`, PolicyId the name in
 * upper case, one version `v1` (the default), Path `/`, attachable, and not
 * deletable (they belong to AWS, not to an account). The documents are the
 * reference's, byte for byte; each is validated and compiled the first time
 * it is asked for.
 */
import { compilePolicy, type CompiledPolicy } from './compile.js';
import { POLICY_LIMITS, validatePolicy, type PolicyDocument } from './document.js';

export interface ManagedPolicy {
  readonly name: string;
  readonly arn: string;
  readonly policyId: string;
  readonly path: '/';
  readonly defaultVersionId: 'v1';
  readonly isAttachable: true;
  /** The reference's GetPolicy example date for AdministratorAccess, used for all. */
  readonly createDate: string;
  /** The policy document exactly as the reference gives it (GetPolicyVersion returns it URL-encoded). */
  readonly document: string;
  /** The parsed document. */
  readonly parsed: PolicyDocument;
  /** The compiled document, ready for evaluate(). */
  readonly compiled: CompiledPolicy;
}

export const AWS_MANAGED_POLICY_PREFIX = 'arn:aws:iam::aws:policy/';
const CREATE_DATE = '2022-07-29T20:05:50.000Z';

const DOCUMENTS: readonly (readonly [string, string])[] = [
  [
    'AdministratorAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "*",
    "Resource": "*"
  }
}`,
  ],
  [
    'S3ListAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "s3:List*",
    "Resource": "*"
  }
}`,
  ],
  [
    'S3ReadAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": [
      "s3:List*",
      "s3:Get*"
    ],
    "Resource": "*"
  }
}`,
  ],
  [
    'S3WriteAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": [
      "s3:Put*",
      "s3:Create*"
    ],
    "Resource": "*"
  }
}`,
  ],
  [
    'S3DeleteAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "s3:Delete*",
    "Resource": "*"
  }
}`,
  ],
  [
    'S3FullAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "s3:*",
    "Resource": "*"
  }
}`,
  ],
  [
    'S3BucketListAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "s3:ListAllMyBuckets",
    "Resource": "*"
  }
}`,
  ],
  [
    'S3BucketReadAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": [
      "s3:ListAllMyBuckets",
      "s3:GetBucket*"
    ],
    "Resource": "*"
  }
}`,
  ],
  [
    'S3BucketWriteAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": [
      "s3:CreateBucket",
      "s3:PutBucket*"
    ],
    "Resource": "*"
  }
}`,
  ],
  [
    'S3BucketDeleteAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "s3:DeleteBucket*",
    "Resource": "*"
  }
}`,
  ],
  [
    'S3BucketFullAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": [
      "s3:ListAllMyBuckets",
      "s3:GetBucket*",
      "s3:CreateBucket",
      "s3:PutBucket*",
      "s3:DeleteBucket*"
    ],
    "Resource": "*"
  }
}`,
  ],
  [
    'S3ObjectListAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "s3:ListBucket*",
    "Resource": "*"
  }
}`,
  ],
  [
    'S3ObjectReadAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": [
      "s3:GetObject*",
      "s3:ListMultipartUploadParts",
      "s3:ListBucket*"
    ],
    "Resource": "*"
  }
}`,
  ],
  [
    'S3ObjectWriteAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "s3:PutObject*",
    "Resource": "*"
  }
}`,
  ],
  [
    'S3ObjectDeleteAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": [
      "s3:DeleteObject*",
      "s3:AbortMultipartUpload"
    ],
    "Resource": "*"
  }
}`,
  ],
  [
    'S3ObjectFullAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": [
      "s3:ListBucket*",
      "s3:GetObject*",
      "s3:ListMultipartUploadParts",
      "s3:PutObject*",
      "s3:DeleteObject*",
      "s3:AbortMultipartUpload"
    ],
    "Resource": "*"
  }
}`,
  ],
  [
    'IAMListAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "iam:List*",
    "Resource": "*"
  }
}`,
  ],
  [
    'IAMReadAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": [
      "iam:Get*",
      "iam:List*"
    ],
    "Resource": "*"
  }
}`,
  ],
  [
    'IAMAttachDetachAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": [
      "iam:Attach*",
      "iam:Detach*"
    ],
    "Resource": "*"
  }
}`,
  ],
  [
    'IAMFullAccess',
    `{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Allow",
    "Action": "iam:*",
    "Resource": "*"
  }
}`,
  ],
];

function managed(name: string, document: string): ManagedPolicy {
  let parsed: PolicyDocument | undefined;
  let compiled: CompiledPolicy | undefined;
  const doc = (): PolicyDocument => (parsed ??= validatePolicy(document, 'identity', POLICY_LIMITS.managed()));
  return Object.freeze({
    name,
    arn: AWS_MANAGED_POLICY_PREFIX + name,
    policyId: name.toUpperCase(),
    path: '/',
    defaultVersionId: 'v1',
    isAttachable: true,
    createDate: CREATE_DATE,
    document,
    get parsed() {
      return doc();
    },
    get compiled() {
      return (compiled ??= compilePolicy(doc()));
    },
  } as const);
}

/** The 20 policies, in the reference's order. */
export const MANAGED_POLICIES: readonly ManagedPolicy[] = Object.freeze(DOCUMENTS.map(([name, document]) => managed(name, document)));

const BY_ARN = new Map(MANAGED_POLICIES.map((p) => [p.arn, p]));

/** The AWS-managed policy with this ARN (exact, case-sensitive as IAM ARNs are), if any. */
export function managedPolicy(arn: string): ManagedPolicy | undefined {
  return BY_ARN.get(arn);
}

/** Is this ARN in the AWS-managed namespace (`arn:aws:iam::aws:policy/...`)? Such policies cannot be created or deleted by an account. */
export function isAwsManagedPolicyArn(arn: string): boolean {
  return arn.startsWith(AWS_MANAGED_POLICY_PREFIX);
}

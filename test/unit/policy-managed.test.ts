import { describe, expect, it } from 'vitest';
import { MANAGED_POLICIES, evaluate, isAwsManagedPolicyArn, managedPolicy } from '../../src/auth/policy/index.js';

// mega-s4-api §3.2 "S4 Managed Policies": every document is Version 2012-10-17 with one Statement object, Effect Allow,
// Resource "*"; these are the Actions, in the reference's order. The documents are printed with two-space indentation,
// which is JSON.stringify(document, null, 2).
const ACTIONS: [string, string | string[]][] = [
  ['AdministratorAccess', '*'],
  ['S3ListAccess', 's3:List*'],
  ['S3ReadAccess', ['s3:List*', 's3:Get*']],
  ['S3WriteAccess', ['s3:Put*', 's3:Create*']],
  ['S3DeleteAccess', 's3:Delete*'],
  ['S3FullAccess', 's3:*'],
  ['S3BucketListAccess', 's3:ListAllMyBuckets'],
  ['S3BucketReadAccess', ['s3:ListAllMyBuckets', 's3:GetBucket*']],
  ['S3BucketWriteAccess', ['s3:CreateBucket', 's3:PutBucket*']],
  ['S3BucketDeleteAccess', 's3:DeleteBucket*'],
  ['S3BucketFullAccess', ['s3:ListAllMyBuckets', 's3:GetBucket*', 's3:CreateBucket', 's3:PutBucket*', 's3:DeleteBucket*']],
  ['S3ObjectListAccess', 's3:ListBucket*'],
  ['S3ObjectReadAccess', ['s3:GetObject*', 's3:ListMultipartUploadParts', 's3:ListBucket*']],
  ['S3ObjectWriteAccess', 's3:PutObject*'],
  ['S3ObjectDeleteAccess', ['s3:DeleteObject*', 's3:AbortMultipartUpload']],
  ['S3ObjectFullAccess', ['s3:ListBucket*', 's3:GetObject*', 's3:ListMultipartUploadParts', 's3:PutObject*', 's3:DeleteObject*', 's3:AbortMultipartUpload']],
  ['IAMListAccess', 'iam:List*'],
  ['IAMReadAccess', ['iam:Get*', 'iam:List*']],
  ['IAMAttachDetachAccess', ['iam:Attach*', 'iam:Detach*']],
  ['IAMFullAccess', 'iam:*'],
];

describe('the 20 S4 managed policies', () => {
  it('are the reference’s, in its order, byte for byte', () => {
    expect(MANAGED_POLICIES.map((p) => p.name)).toEqual(ACTIONS.map(([n]) => n));
    for (const [name, Action] of ACTIONS) {
      const p = managedPolicy(`arn:aws:iam::aws:policy/${name}`)!;
      expect(p.document).toBe(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action, Resource: '*' } }, null, 2));
      expect(p).toMatchObject({
        name,
        arn: `arn:aws:iam::aws:policy/${name}`,
        policyId: name.toUpperCase(),
        defaultVersionId: 'v1',
        path: '/',
        isAttachable: true,
      });
      expect(p.parsed.version).toBe('2012-10-17');
      expect(p.parsed.statements).toEqual([
        { sid: undefined, effect: 'Allow', action: typeof Action === 'string' ? [Action] : Action, resource: ['*'], conditions: [] },
      ]);
    }
    expect(managedPolicy('arn:aws:iam::aws:policy/FullAccess')).toBeUndefined();
    expect(managedPolicy('arn:aws:iam::aws:policy/administratoraccess')).toBeUndefined();
    expect(managedPolicy('arn:aws:iam::123456789012:policy/AdministratorAccess')).toBeUndefined();
  });

  it('live in the AWS namespace, not an account’s', () => {
    for (const p of MANAGED_POLICIES) expect(isAwsManagedPolicyArn(p.arn)).toBe(true);
    expect(isAwsManagedPolicyArn('arn:aws:iam::123456789012:policy/AdministratorAccess')).toBe(false);
    expect(Object.isFrozen(MANAGED_POLICIES)).toBe(true);
    expect(Object.isFrozen(MANAGED_POLICIES[0])).toBe(true);
  });

  it('compile once', () => {
    const p = MANAGED_POLICIES[0]!;
    expect(p.compiled).toBe(p.compiled);
  });

  // What each one grants: a few S3 and IAM actions it allows, and some it does not (undefined: no statement applies).
  const OBJECT = 'arn:aws:s3:::bucket/key';
  const BUCKET = 'arn:aws:s3:::bucket';
  const CASES: Record<string, { allows: string[]; not: string[] }> = {
    AdministratorAccess: { allows: ['s3:GetObject', 's3:DeleteBucket', 'iam:CreateUser', 'iam:AttachUserPolicy', 'sts:AssumeRole'], not: [] },
    S3ListAccess: {
      allows: ['s3:ListBucket', 's3:ListAllMyBuckets', 's3:ListBucketVersions', 's3:ListMultipartUploadParts'],
      not: ['s3:GetObject', 's3:PutObject', 'iam:ListUsers'],
    },
    S3ReadAccess: {
      allows: ['s3:ListBucket', 's3:GetObject', 's3:GetObjectVersion', 's3:GetBucketPolicy'],
      not: ['s3:PutObject', 's3:DeleteObject', 'iam:GetUser'],
    },
    S3WriteAccess: {
      allows: ['s3:PutObject', 's3:CreateBucket', 's3:PutBucketPolicy', 's3:PutObjectTagging'],
      not: ['s3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    },
    S3DeleteAccess: {
      allows: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:DeleteBucket', 's3:DeleteBucketPolicy'],
      not: ['s3:AbortMultipartUpload', 's3:PutObject', 's3:GetObject'],
    },
    S3FullAccess: {
      allows: ['s3:GetObject', 's3:PutObject', 's3:DeleteBucket', 's3:AbortMultipartUpload', 's3:BypassGovernanceRetention'],
      not: ['iam:ListUsers', 'sts:AssumeRole'],
    },
    S3BucketListAccess: { allows: ['s3:ListAllMyBuckets'], not: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetObject'] },
    S3BucketReadAccess: {
      allows: ['s3:ListAllMyBuckets', 's3:GetBucketLocation', 's3:GetBucketVersioning', 's3:GetBucketPolicy'],
      not: ['s3:ListBucket', 's3:GetObject'],
    },
    S3BucketWriteAccess: {
      allows: ['s3:CreateBucket', 's3:PutBucketVersioning', 's3:PutBucketPolicy'],
      not: ['s3:PutObject', 's3:DeleteBucket', 's3:ListAllMyBuckets'],
    },
    S3BucketDeleteAccess: { allows: ['s3:DeleteBucket', 's3:DeleteBucketPolicy'], not: ['s3:DeleteObject', 's3:CreateBucket'] },
    S3BucketFullAccess: {
      allows: ['s3:ListAllMyBuckets', 's3:GetBucketTagging', 's3:CreateBucket', 's3:PutBucketTagging', 's3:DeleteBucketTagging', 's3:DeleteBucket'],
      not: ['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    },
    S3ObjectListAccess: {
      allows: ['s3:ListBucket', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads'],
      not: ['s3:ListAllMyBuckets', 's3:GetObject', 's3:ListMultipartUploadParts'],
    },
    S3ObjectReadAccess: {
      allows: ['s3:GetObject', 's3:GetObjectTagging', 's3:GetObjectVersion', 's3:ListMultipartUploadParts', 's3:ListBucket'],
      not: ['s3:PutObject', 's3:GetBucketPolicy', 's3:ListAllMyBuckets'],
    },
    S3ObjectWriteAccess: {
      allows: ['s3:PutObject', 's3:PutObjectTagging', 's3:PutObjectRetention'],
      not: ['s3:GetObject', 's3:AbortMultipartUpload', 's3:PutBucketPolicy'],
    },
    S3ObjectDeleteAccess: {
      allows: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:DeleteObjectTagging', 's3:AbortMultipartUpload'],
      not: ['s3:DeleteBucket', 's3:PutObject'],
    },
    S3ObjectFullAccess: {
      allows: ['s3:ListBucket', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      not: ['s3:CreateBucket', 's3:DeleteBucket', 's3:ListAllMyBuckets', 's3:GetBucketPolicy'],
    },
    IAMListAccess: { allows: ['iam:ListUsers', 'iam:ListPolicies', 'iam:ListAttachedUserPolicies'], not: ['iam:GetUser', 'iam:GetPolicy', 's3:ListBucket'] },
    IAMReadAccess: { allows: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicies'], not: ['iam:AttachUserPolicy', 'iam:CreateUser', 's3:GetObject'] },
    IAMAttachDetachAccess: {
      allows: ['iam:AttachUserPolicy', 'iam:DetachGroupPolicy', 'iam:AttachGroupPolicy'],
      not: ['iam:ListPolicies', 'iam:GetPolicy', 'iam:CreateUser'],
    },
    IAMFullAccess: { allows: ['iam:CreateUser', 'iam:GetPolicy', 'iam:AttachUserPolicy', 'iam:DeletePolicy'], not: ['s3:GetObject', 's3:ListAllMyBuckets'] },
  };

  it.each(Object.entries(CASES))('%s grants what its Actions name', (name, { allows, not }) => {
    const p = managedPolicy(`arn:aws:iam::aws:policy/${name}`)!;
    for (const action of allows) {
      for (const resource of [OBJECT, BUCKET, '*']) expect(evaluate([p.compiled], { action, resource }), `${name} ${action}`).toBe('Allow');
    }
    for (const action of not) expect(evaluate([p.compiled], { action, resource: OBJECT }), `${name} ${action}`).toBeUndefined();
  });

  it('several attached policies: any one Allow suffices', () => {
    const full = managedPolicy('arn:aws:iam::aws:policy/S3FullAccess')!.compiled;
    const read = managedPolicy('arn:aws:iam::aws:policy/S3ObjectReadAccess')!.compiled;
    expect(evaluate([read, full], { action: 's3:PutObject', resource: OBJECT })).toBe('Allow');
    expect(evaluate([read], { action: 's3:PutObject', resource: OBJECT })).toBeUndefined();
  });
});

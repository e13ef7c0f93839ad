/**
 * The combined evaluator (src/auth/authorize.ts) against a table built from AWS's "Policy evaluation
 * logic" (same-account, cross-account) and "How Amazon S3 authorizes a request" examples: explicit
 * Deny anywhere wins; within the owner's account an Allow in the identity policy or in the bucket
 * policy suffices (a grant to the account delegates to identity policies); across accounts both
 * sides must allow; anonymous callers are judged by the bucket policy alone; the owner's root keeps
 * the policy operations; RestrictPublicBuckets confines a public policy to the owner's account; ACLs
 * grant as resource policies do (a grant to the caller's own account delegates), IgnorePublicAcls
 * voids their AllUsers/AuthenticatedUsers grants and BucketOwnerEnforced voids them all.
 */
import { describe, expect, it } from 'vitest';
import { BucketAccessCache, type PublicAccessBlock, type StoredPolicy } from '../../src/auth/access.js';
import { authorize, PolicyCache, type AuthzContext, type RequestFacts } from '../../src/auth/authorize.js';
import { isPublicPolicy, validatePolicy } from '../../src/auth/policy/index.js';
import type { Bucket } from '../../src/core/buckets.js';
import type { Account, Principal } from '../../src/core/identities.js';
import type { Services } from '../../src/core/services.js';
import type { Permission } from '../../src/s3/operation.js';
import { ALL_USERS, AUTHENTICATED_USERS, type Grant } from '../../src/auth/acl.js';
import type { ObjectRecord } from '../../src/core/objects.js';

const account = (id: number, digit: string, isAdmin = false): Account => ({
  id,
  accountId: digit.repeat(12),
  canonicalId: digit.repeat(64),
  name: `acct${id}`,
  isAdmin,
  createdAt: 0,
});
const ADMIN = account(9, '9', true);
const A = account(1, '1');
const B = account(2, '2');

const root = (a: Account): Principal => ({
  type: 'Account',
  account: a,
  accessKey: `AK${a.id}`,
  arn: `arn:aws:iam::${a.accountId}:root`,
  userId: a.accountId,
  isAdmin: a.isAdmin,
  temporary: false,
});
let userIds = 100;
const user = (a: Account, name: string): Principal => {
  const id = userIds++;
  return {
    type: 'User',
    account: a,
    accessKey: `AKU${id}`,
    arn: `arn:aws:iam::${a.accountId}:user/${name}`,
    userId: `AIDA${id}`,
    username: name,
    iamUser: { id, account: a.id, name, path: '/', userId: `AIDA${id}`, tags: [], createdAt: 0 },
    isAdmin: false,
    temporary: false,
  };
};

const BUCKET_A: Bucket = { id: 1, name: 'bkt', ownerId: A.id, region: 'us-east-1', createdAt: 0, objectLock: false };
const BUCKET_B: Bucket = { id: 2, name: 'bbkt', ownerId: B.id, region: 'us-east-1', createdAt: 0, objectLock: false };

interface World {
  policy?: object;
  confirmRemoveSelf?: boolean;
  pab?: Partial<PublicAccessBlock>;
  /** The bucket ACL's grants, OwnershipControls, and the object's (key 'k') owner and ACL. */
  bucketAcl?: Grant[];
  ownership?: 'BucketOwnerEnforced' | 'ObjectWriter';
  object?: { ownerId: number; acl?: Grant[] };
  /** Identity policies by user name. */
  identity?: Record<string, object[]>;
  instanceBlock?: boolean;
}

function contextFor(w: World): AuthzContext {
  const configs = new Map<string, unknown>();
  if (w.policy) configs.set(`1/policy`, { text: JSON.stringify(w.policy), confirmRemoveSelf: w.confirmRemoveSelf } satisfies StoredPolicy);
  if (w.pab)
    configs.set(`1/publicAccessBlock`, {
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
      ...w.pab,
    });
  if (w.bucketAcl) configs.set('1/acl', { grants: w.bucketAcl });
  if (w.ownership) configs.set('1/ownership', { objectOwnership: w.ownership });
  const object = w.object
    ? ({
        bucketId: 1,
        key: 'k',
        ownerId: w.object.ownerId,
        acl: w.object.acl ? JSON.stringify(w.object.acl) : undefined,
        deleteMarker: false,
      } as unknown as ObjectRecord)
    : undefined;
  const objects = {
    latest: (_b: Bucket, key: string) => (key === 'k' ? object : undefined),
    version: () => undefined,
  } as unknown as Services['objects'];
  const buckets = {
    get: (name: string) => [BUCKET_A, BUCKET_B].find((b) => b.name === name),
    configGeneration: 0,
    config: (b: Bucket, kind: string) => configs.get(`${b.id}/${kind}`),
  } as unknown as Services['buckets'];
  const iam = {
    generation: 0,
    policiesFor: (p: Principal) => ({ documents: (w.identity?.[p.username ?? ''] ?? []).map((d) => JSON.stringify(d)) }),
  } as unknown as Services['iam'];
  const identities = { account: (id: number) => [A, B, ADMIN].find((a) => a.id === id) } as unknown as Services['identities'];
  return {
    services: { buckets, iam, objects, identities },
    clock: () => Date.parse('2026-01-01T00:00:00Z'),
    policies: new PolicyCache(iam),
    access: new BucketAccessCache({ config: { blockPublicAccess: w.instanceBlock ?? false }, services: { buckets, identities } }),
  };
}

const FACTS: RequestFacts = { sourceIp: '192.0.2.10', secure: true };
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const allow = (Principal: unknown, Action: string | string[], Resource: string | string[] = 'arn:aws:s3:::bkt/*', extra: object = {}) => ({
  Effect: 'Allow',
  Principal,
  Action,
  Resource,
  ...extra,
});
const deny = (Principal: unknown, Action: string | string[], Resource: string | string[] = 'arn:aws:s3:::bkt/*', extra: object = {}) => ({
  Effect: 'Deny',
  Principal,
  Action,
  Resource,
  ...extra,
});
const idAllow = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const idDeny = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Deny', Action, Resource });

const alice = user(A, 'alice');
const bob = user(B, 'bob');
const get: Permission = { action: 's3:GetObject', bucket: 'bkt', key: 'k' };
const put: Permission = { action: 's3:PutObject', bucket: 'bkt', key: 'k' };
const list: Permission = { action: 's3:ListBucket', bucket: 'bkt' };
const putPolicy: Permission = { action: 's3:PutBucketPolicy', bucket: 'bkt' };

interface Row {
  name: string;
  who: Principal | undefined;
  world: World;
  perm: Permission;
  facts?: RequestFacts;
  expect: 'Allow' | 'Deny' | undefined;
}

const group = (uri: string, permission: Grant['permission']): Grant => ({ grantee: { type: 'Group', uri }, permission });
const canonical = (a: Account, permission: Grant['permission']): Grant => ({ grantee: { type: 'CanonicalUser', id: a.canonicalId }, permission });

const PUBLIC_READ = doc(allow('*', 's3:GetObject'));

const ROWS: Row[] = [
  // Same account.
  { name: 'owner root, no policies', who: root(A), world: {}, perm: get, expect: 'Allow' },
  { name: 'IAM user, no policies: implicit deny', who: alice, world: {}, perm: get, expect: undefined },
  { name: 'IAM user, identity Allow', who: alice, world: { identity: { alice: [doc(idAllow('s3:GetObject'))] } }, perm: get, expect: 'Allow' },
  {
    name: 'IAM user, bucket policy naming the user',
    who: alice,
    world: { policy: doc(allow({ AWS: alice.arn }, 's3:GetObject')) },
    perm: get,
    expect: 'Allow',
  },
  {
    name: 'IAM user, bucket policy granting the account (delegation): identity must allow',
    who: alice,
    world: { policy: doc(allow({ AWS: A.accountId }, 's3:GetObject')) },
    perm: get,
    expect: undefined,
  },
  {
    name: 'IAM user, bucket policy granting the account root ARN and identity Allow',
    who: alice,
    world: { policy: doc(allow({ AWS: `arn:aws:iam::${A.accountId}:root` }, 's3:GetObject')), identity: { alice: [doc(idAllow('s3:GetObject'))] } },
    perm: get,
    expect: 'Allow',
  },
  { name: 'IAM user, public bucket policy', who: alice, world: { policy: PUBLIC_READ }, perm: get, expect: 'Allow' },
  {
    name: 'IAM user, identity Allow, bucket policy Deny: Deny',
    who: alice,
    world: { identity: { alice: [doc(idAllow('s3:*'))] }, policy: doc(deny({ AWS: alice.arn }, 's3:GetObject')) },
    perm: get,
    expect: 'Deny',
  },
  {
    name: 'IAM user, bucket policy Allow, identity Deny: Deny',
    who: alice,
    world: { identity: { alice: [doc(idDeny('s3:GetObject'))] }, policy: PUBLIC_READ },
    perm: get,
    expect: 'Deny',
  },
  { name: 'owner root, bucket policy Deny to everyone: Deny', who: root(A), world: { policy: doc(deny('*', 's3:GetObject')) }, perm: get, expect: 'Deny' },
  {
    name: 'owner root keeps PutBucketPolicy whatever its policy denies',
    who: root(A),
    world: { policy: doc(deny('*', 's3:*', ['arn:aws:s3:::bkt', 'arn:aws:s3:::bkt/*'])) },
    perm: putPolicy,
    expect: 'Allow',
  },
  {
    name: 'owner root gave up the lock-out protection (x-amz-confirm-remove-self-bucket-access)',
    who: root(A),
    world: { policy: doc(deny('*', 's3:*', ['arn:aws:s3:::bkt', 'arn:aws:s3:::bkt/*'])), confirmRemoveSelf: true },
    perm: putPolicy,
    expect: 'Deny',
  },
  {
    name: 'an IAM user has no lock-out protection',
    who: alice,
    world: { identity: { alice: [doc(idAllow('s3:*'))] }, policy: doc(deny('*', 's3:PutBucketPolicy', 'arn:aws:s3:::bkt')) },
    perm: putPolicy,
    expect: 'Deny',
  },
  // Cross account.
  { name: 'other account root, no bucket policy', who: root(B), world: {}, perm: get, expect: undefined },
  {
    name: 'other account root, bucket policy grants its account',
    who: root(B),
    world: { policy: doc(allow({ AWS: B.accountId }, 's3:GetObject')) },
    perm: get,
    expect: 'Allow',
  },
  {
    name: 'other account root, bucket policy grants its canonical user',
    who: root(B),
    world: { policy: doc(allow({ CanonicalUser: B.canonicalId }, 's3:GetObject')) },
    perm: get,
    expect: 'Allow',
  },
  {
    name: "other account's IAM user, bucket policy grants its account, its identity does not: denied",
    who: bob,
    world: { policy: doc(allow({ AWS: B.accountId }, 's3:GetObject')) },
    perm: get,
    expect: undefined,
  },
  {
    name: "other account's IAM user, both sides allow",
    who: bob,
    world: { policy: doc(allow({ AWS: B.accountId }, 's3:GetObject')), identity: { bob: [doc(idAllow('s3:GetObject', 'arn:aws:s3:::bkt/*'))] } },
    perm: get,
    expect: 'Allow',
  },
  {
    name: "other account's IAM user named by ARN still needs its identity Allow",
    who: bob,
    world: { policy: doc(allow({ AWS: bob.arn }, 's3:GetObject')) },
    perm: get,
    expect: undefined,
  },
  {
    name: "other account's IAM user, identity Allow only: denied",
    who: bob,
    world: { identity: { bob: [doc(idAllow('s3:*'))] } },
    perm: get,
    expect: undefined,
  },
  {
    name: 'other account, bucket policy grants a different action',
    who: root(B),
    world: { policy: doc(allow({ AWS: B.accountId }, 's3:GetObject')) },
    perm: put,
    expect: undefined,
  },
  // Anonymous.
  { name: 'anonymous, no policy', who: undefined, world: {}, perm: get, expect: undefined },
  { name: 'anonymous, public-read policy', who: undefined, world: { policy: PUBLIC_READ }, perm: get, expect: 'Allow' },
  { name: 'anonymous, {"AWS": "*"}', who: undefined, world: { policy: doc(allow({ AWS: '*' }, 's3:GetObject')) }, perm: get, expect: 'Allow' },
  { name: 'anonymous, public-read policy does not grant writes', who: undefined, world: { policy: PUBLIC_READ }, perm: put, expect: undefined },
  {
    name: 'anonymous, public-write prefix',
    who: undefined,
    world: { policy: doc(allow('*', 's3:PutObject', 'arn:aws:s3:::bkt/uploads/*')) },
    perm: { action: 's3:PutObject', bucket: 'bkt', key: 'uploads/x' },
    expect: 'Allow',
  },
  {
    name: 'anonymous, policy naming an account does not cover anonymous',
    who: undefined,
    world: { policy: doc(allow({ AWS: B.accountId }, 's3:GetObject')) },
    perm: get,
    expect: undefined,
  },
  // Conditions only resource policies see.
  {
    name: 'Deny by aws:SourceIp applies to the owner root',
    who: root(A),
    world: { policy: doc(deny('*', 's3:*', 'arn:aws:s3:::bkt/*', { Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })) },
    perm: get,
    expect: 'Deny',
  },
  {
    name: 'Deny by aws:SourceIp does not apply from inside the range',
    who: root(A),
    world: { policy: doc(deny('*', 's3:*', 'arn:aws:s3:::bkt/*', { Condition: { NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } })) },
    perm: get,
    expect: 'Allow',
  },
  {
    name: 'Deny unless aws:SecureTransport, over plain HTTP',
    who: alice,
    world: {
      identity: { alice: [doc(idAllow('s3:*'))] },
      policy: doc(deny('*', 's3:*', 'arn:aws:s3:::bkt/*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })),
    },
    perm: get,
    facts: { sourceIp: '192.0.2.10', secure: false },
    expect: 'Deny',
  },
  {
    name: 'Deny unless aws:SecureTransport, over TLS',
    who: alice,
    world: {
      identity: { alice: [doc(idAllow('s3:*'))] },
      policy: doc(deny('*', 's3:*', 'arn:aws:s3:::bkt/*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })),
    },
    perm: get,
    expect: 'Allow',
  },
  {
    name: 'Deny below TLS 1.2 (s3:TlsVersion)',
    who: root(A),
    world: { policy: doc(deny('*', 's3:*', 'arn:aws:s3:::bkt/*', { Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } })) },
    perm: get,
    facts: { secure: true, tlsVersion: '1.1' },
    expect: 'Deny',
  },
  {
    name: 'identity policy limited by s3:ResourceAccount: own account',
    who: alice,
    world: { identity: { alice: [doc(idAllow('s3:GetObject', '*', { Condition: { StringEquals: { 's3:ResourceAccount': A.accountId } } }))] } },
    perm: get,
    expect: 'Allow',
  },
  {
    name: 'identity policy limited by s3:ResourceAccount: not another account',
    who: alice,
    world: { identity: { alice: [doc(idAllow('s3:ListBucket', '*', { Condition: { StringEquals: { 's3:ResourceAccount': B.accountId } } }))] } },
    perm: list,
    expect: undefined,
  },
  // Block Public Access: RestrictPublicBuckets.
  {
    name: 'RestrictPublicBuckets: anonymous loses a public grant',
    who: undefined,
    world: { policy: PUBLIC_READ, pab: { restrictPublicBuckets: true } },
    perm: get,
    expect: undefined,
  },
  {
    name: 'RestrictPublicBuckets: the owner account keeps it',
    who: alice,
    world: { policy: PUBLIC_READ, pab: { restrictPublicBuckets: true } },
    perm: get,
    expect: 'Allow',
  },
  {
    name: 'RestrictPublicBuckets: a named account loses its grant in a public policy',
    who: root(B),
    world: { policy: doc(allow('*', 's3:GetObject'), allow({ AWS: B.accountId }, 's3:ListBucket', 'arn:aws:s3:::bkt')), pab: { restrictPublicBuckets: true } },
    perm: list,
    expect: undefined,
  },
  {
    name: 'RestrictPublicBuckets: a non-public policy still grants a named account',
    who: root(B),
    world: { policy: doc(allow({ AWS: B.accountId }, 's3:ListBucket', 'arn:aws:s3:::bkt')), pab: { restrictPublicBuckets: true } },
    perm: list,
    expect: 'Allow',
  },
  {
    name: 'instance-wide Block Public Access restricts public buckets',
    who: undefined,
    world: { policy: PUBLIC_READ, instanceBlock: true },
    perm: get,
    expect: undefined,
  },
  { name: 'RestrictPublicBuckets off', who: undefined, world: { policy: PUBLIC_READ, pab: { blockPublicPolicy: true } }, perm: get, expect: 'Allow' },
  // ACLs.
  { name: 'anonymous, public-read bucket ACL lists the bucket', who: undefined, world: { bucketAcl: [group(ALL_USERS, 'READ')] }, perm: list, expect: 'Allow' },
  {
    name: 'anonymous, public-read-write bucket ACL writes objects',
    who: undefined,
    world: { bucketAcl: [group(ALL_USERS, 'WRITE')] },
    perm: put,
    expect: 'Allow',
  },
  {
    name: 'anonymous, a bucket READ grant does not read objects',
    who: undefined,
    world: { bucketAcl: [group(ALL_USERS, 'READ')], object: { ownerId: A.id } },
    perm: get,
    expect: undefined,
  },
  {
    name: 'anonymous, public-read object ACL',
    who: undefined,
    world: { object: { ownerId: A.id, acl: [group(ALL_USERS, 'READ')] } },
    perm: get,
    expect: 'Allow',
  },
  {
    name: 'anonymous, authenticated-read object ACL',
    who: undefined,
    world: { object: { ownerId: A.id, acl: [group(AUTHENTICATED_USERS, 'READ')] } },
    perm: get,
    expect: undefined,
  },
  {
    name: 'any signed caller, authenticated-read object ACL',
    who: root(B),
    world: { object: { ownerId: A.id, acl: [group(AUTHENTICATED_USERS, 'READ')] } },
    perm: get,
    expect: 'Allow',
  },
  { name: 'other account, ACL grant to its canonical id (ACL only)', who: root(B), world: { bucketAcl: [canonical(B, 'READ')] }, perm: list, expect: 'Allow' },
  {
    name: "other account's IAM user, ACL grant to its account but no identity Allow",
    who: bob,
    world: { bucketAcl: [canonical(B, 'READ')] },
    perm: list,
    expect: undefined,
  },
  {
    name: "other account's IAM user, ACL grant and identity Allow",
    who: bob,
    world: { bucketAcl: [canonical(B, 'READ')], identity: { bob: [doc(idAllow('s3:ListBucket'))] } },
    perm: list,
    expect: 'Allow',
  },
  {
    name: 'owner-account IAM user, ACL grant to its own account delegates: denied',
    who: alice,
    world: { bucketAcl: [canonical(A, 'FULL_CONTROL')] },
    perm: list,
    expect: undefined,
  },
  { name: 'owner-account IAM user, public-read bucket ACL', who: alice, world: { bucketAcl: [group(ALL_USERS, 'READ')] }, perm: list, expect: 'Allow' },
  { name: 'object written by another account: its root has the object ACL', who: root(B), world: { object: { ownerId: B.id } }, perm: get, expect: 'Allow' },
  {
    name: 'a FULL_CONTROL object grant covers READ_ACP',
    who: root(B),
    world: { object: { ownerId: A.id, acl: [canonical(B, 'FULL_CONTROL')] } },
    perm: { action: 's3:GetObjectAcl', bucket: 'bkt', key: 'k' },
    expect: 'Allow',
  },
  {
    name: 'an object ACL does not grant deletes',
    who: root(B),
    world: { object: { ownerId: A.id, acl: [canonical(B, 'FULL_CONTROL')] } },
    perm: { action: 's3:DeleteObject', bucket: 'bkt', key: 'k' },
    expect: undefined,
  },
  {
    name: 'a missing object has no ACL',
    who: undefined,
    world: { object: { ownerId: A.id, acl: [group(ALL_USERS, 'READ')] } },
    perm: { action: 's3:GetObject', bucket: 'bkt', key: 'other' },
    expect: undefined,
  },
  {
    name: 'bucket policy Deny beats an ACL grant',
    who: undefined,
    world: { bucketAcl: [group(ALL_USERS, 'READ')], policy: doc(deny('*', 's3:ListBucket', 'arn:aws:s3:::bkt')) },
    perm: list,
    expect: 'Deny',
  },
  // Object ownership: BucketOwnerEnforced disables ACLs.
  {
    name: 'BucketOwnerEnforced: a public-read bucket ACL grants nothing',
    who: undefined,
    world: { bucketAcl: [group(ALL_USERS, 'READ')], ownership: 'BucketOwnerEnforced' },
    perm: list,
    expect: undefined,
  },
  {
    name: 'BucketOwnerEnforced: an object ACL grants nothing',
    who: root(B),
    world: { object: { ownerId: A.id, acl: [canonical(B, 'READ')] }, ownership: 'BucketOwnerEnforced' },
    perm: get,
    expect: undefined,
  },
  {
    name: 'BucketOwnerEnforced: the bucket policy still grants',
    who: undefined,
    world: { policy: PUBLIC_READ, ownership: 'BucketOwnerEnforced' },
    perm: get,
    expect: 'Allow',
  },
  // Block Public Access: IgnorePublicAcls.
  {
    name: 'IgnorePublicAcls: a public-read bucket ACL counts for nothing',
    who: undefined,
    world: { bucketAcl: [group(ALL_USERS, 'READ')], pab: { ignorePublicAcls: true } },
    perm: list,
    expect: undefined,
  },
  {
    name: 'IgnorePublicAcls: a public-read object ACL counts for nothing',
    who: undefined,
    world: { object: { ownerId: A.id, acl: [group(ALL_USERS, 'READ')] }, pab: { ignorePublicAcls: true } },
    perm: get,
    expect: undefined,
  },
  {
    name: 'IgnorePublicAcls: an authenticated-read ACL counts for nothing',
    who: root(B),
    world: { object: { ownerId: A.id, acl: [group(AUTHENTICATED_USERS, 'READ')] }, pab: { ignorePublicAcls: true } },
    perm: get,
    expect: undefined,
  },
  {
    name: 'IgnorePublicAcls: a grant to a named account still counts',
    who: root(B),
    world: { bucketAcl: [canonical(B, 'READ')], pab: { ignorePublicAcls: true } },
    perm: list,
    expect: 'Allow',
  },
  {
    name: 'IgnorePublicAcls leaves bucket policies alone',
    who: undefined,
    world: { policy: PUBLIC_READ, pab: { ignorePublicAcls: true } },
    perm: get,
    expect: 'Allow',
  },
  // Missing buckets and the administrator.
  {
    name: 'missing bucket: the operation answers NoSuchBucket',
    who: undefined,
    world: {},
    perm: { action: 's3:GetObject', bucket: 'nope', key: 'k' },
    expect: 'Allow',
  },
  { name: 'instance administrator, whatever the policy', who: root(ADMIN), world: { policy: doc(deny('*', 's3:*')) }, perm: get, expect: 'Allow' },
  { name: 'anonymous ListAllMyBuckets', who: undefined, world: {}, perm: { action: 's3:ListAllMyBuckets' }, expect: undefined },
  {
    name: "another account's bucket policy cannot grant CreateBucket",
    who: alice,
    world: { policy: doc(allow('*', 's3:*', ['arn:aws:s3:::bkt', 'arn:aws:s3:::bkt/*'])) },
    perm: { action: 's3:CreateBucket', bucket: 'bkt' },
    expect: undefined,
  },
];

describe('combined evaluator: identity policies, bucket policy, Block Public Access', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const judgement = authorize(contextFor(row.world), row.who, [], row.facts ?? FACTS);
      expect(judgement.decision(row.perm)).toBe(row.expect);
    });
  }

  it('a required permission denied is AccessDenied; an allowed one passes', () => {
    const ctx = contextFor({ policy: PUBLIC_READ });
    expect(() => authorize(ctx, undefined, [put], FACTS)).toThrow(expect.objectContaining({ code: 'AccessDenied' }));
    expect(authorize(ctx, undefined, [get], FACTS).allowed(get)).toBe(true);
  });

  it('the bucket state is kept until a configuration changes', () => {
    const ctx = contextFor({ policy: PUBLIC_READ });
    const first = ctx.access.of(BUCKET_A);
    expect(ctx.access.of(BUCKET_A)).toBe(first);
    (ctx.services.buckets as unknown as { configGeneration: number }).configGeneration = 1;
    expect(ctx.access.of(BUCKET_A)).not.toBe(first);
  });
});

describe('isPublicPolicy (AWS "The meaning of public")', () => {
  const pub = (d: object) => isPublicPolicy(validatePolicy(JSON.stringify(d), 'resource'));
  const cases: Array<[string, object, boolean]> = [
    ['Principal "*"', PUBLIC_READ, true],
    ['{"AWS": "*"}', doc(allow({ AWS: '*' }, 's3:GetObject')), true],
    ['a named account', doc(allow({ AWS: B.accountId }, 's3:GetObject')), false],
    ['a canonical user', doc(allow({ CanonicalUser: B.canonicalId }, 's3:GetObject')), false],
    ['Deny to everyone', doc(deny('*', 's3:GetObject')), false],
    [
      '"*" pinned to a CIDR block',
      doc(allow('*', 's3:GetObject', 'arn:aws:s3:::bkt/*', { Condition: { IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } })),
      false,
    ],
    [
      '"*" with a CIDR block as wide as the Internet',
      doc(allow('*', 's3:GetObject', 'arn:aws:s3:::bkt/*', { Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } } })),
      true,
    ],
    [
      '"*" pinned to a fixed aws:SourceVpc',
      doc(allow('*', 's3:GetObject', 'arn:aws:s3:::bkt/*', { Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-91237329' } } })),
      false,
    ],
    [
      '"*" with a wildcard aws:SourceVpc',
      doc(allow('*', 's3:GetObject', 'arn:aws:s3:::bkt/*', { Condition: { StringLike: { 'aws:SourceVpc': 'vpc-*' } } })),
      true,
    ],
    [
      '"*" pinned to aws:PrincipalAccount',
      doc(allow('*', 's3:GetObject', 'arn:aws:s3:::bkt/*', { Condition: { StringEquals: { 'aws:PrincipalAccount': B.accountId } } })),
      false,
    ],
    [
      '"*" with an IfExists pin',
      doc(allow('*', 's3:GetObject', 'arn:aws:s3:::bkt/*', { Condition: { StringEqualsIfExists: { 'aws:SourceVpc': 'vpc-1' } } })),
      true,
    ],
    [
      '"*" with a condition that does not pin the caller',
      doc(allow('*', 's3:GetObject', 'arn:aws:s3:::bkt/*', { Condition: { Bool: { 'aws:SecureTransport': 'true' } } })),
      true,
    ],
    [
      'NotPrincipal with Allow',
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotPrincipal: { AWS: B.accountId }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::bkt/*' }] },
      true,
    ],
  ];
  for (const [name, d, expected] of cases) it(`${name}: ${expected ? 'public' : 'not public'}`, () => expect(pub(d)).toBe(expected));
});

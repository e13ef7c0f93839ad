/**
 * PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy, GetBucketPolicyStatus. The policy is stored
 * as written (GetBucketPolicy answers the same bytes) and validated as S3 validates it: the policy
 * grammar (MalformedPolicy), principals that exist, S3 actions, resources inside this bucket, at most
 * 20 KB; Block Public Access's BlockPublicPolicy refuses a public policy. Only the owner's account
 * may manage the policy (others: 405, as AWS answers them).
 */
import { POLICY_KIND, publicAccessBlock, type StoredPolicy } from '../../auth/access.js';
import { compileGlob, isPublicPolicy, PolicyError, validatePolicy, type PolicyDocument, type PrincipalSpec } from '../../auth/policy/index.js';
import type { Bucket } from '../../core/buckets.js';
import { S3Error } from '../../errors/s3error.js';
import { requireBucket } from '../lookup.js';
import { operation, type OpContext, type S3Request } from '../operation.js';
import { requireBucketName } from '../params.js';
import { ACTIONS } from '../router.js';

/** "The maximum size of a bucket policy is 20 KB." */
export const MAX_POLICY_BYTES = 20 * 1024;

/** S3 actions a bucket policy may name: every operation's, and those only permissions name. */
const S3_ACTIONS: readonly string[] = [
  ...new Set([
    ...Object.values(ACTIONS)
      .filter((a) => a.startsWith('s3:'))
      .map((a) => a.toLowerCase()),
    ...[
      's3:GetObjectVersion',
      's3:DeleteObjectVersion',
      's3:GetObjectVersionAcl',
      's3:PutObjectVersionAcl',
      's3:GetObjectVersionTagging',
      's3:PutObjectVersionTagging',
      's3:DeleteObjectVersionTagging',
      's3:GetObjectVersionAttributes',
      's3:GetObjectAttributes',
      's3:ListBucketVersions',
      's3:ListBucketMultipartUploads',
      's3:ListMultipartUploadParts',
      's3:BypassGovernanceRetention',
      's3:GetObjectVersionForReplication',
      's3:ReplicateObject',
      's3:ReplicateDelete',
      's3:ReplicateTags',
      's3:ObjectOwnerOverrideToBucketOwner',
      's3:PutBucketOwnershipControls',
      's3:GetBucketOwnershipControls',
      's3:GetBucketPolicyStatus',
      's3:GetBucketPublicAccessBlock',
      's3:PutBucketPublicAccessBlock',
      's3:GetBucketCORS',
      's3:PutBucketCORS',
      's3:ListAllMyBuckets',
    ].map((a) => a.toLowerCase()),
  ]),
];

const malformed = (message: string) => new S3Error('MalformedPolicy', message);

function checkAction(a: string): void {
  if (a === '*') return;
  const colon = a.indexOf(':');
  if (colon < 0 || a.slice(0, colon).toLowerCase() !== 's3') throw malformed(`Policy has invalid action (${JSON.stringify(a)} is not an Amazon S3 action)`);
  const m = compileGlob(a.toLowerCase(), 'action');
  if (!S3_ACTIONS.some((known) => m.test(known))) throw malformed(`Policy has invalid action (${JSON.stringify(a)} names no Amazon S3 action)`);
}

function checkResource(r: string, bucket: string): void {
  const arn = `arn:aws:s3:::${bucket}`;
  if (r === arn || r.startsWith(`${arn}/`)) return;
  throw malformed(`Policy has invalid resource (${JSON.stringify(r)} is not ${arn} or an object in it)`);
}

/** A principal must exist: its account, and the user or role an ARN names. */
function checkPrincipal(ctx: OpContext, spec: PrincipalSpec): void {
  if (spec === '*') return;
  const iam = ctx.services.iam;
  const invalid = (v: string, why: string) => malformed(`Invalid principal in policy (${JSON.stringify(v)}: ${why})`);
  for (const v of spec.AWS ?? []) {
    if (v === '*') continue;
    const accountId = /^\d{12}$/.test(v) ? v : /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(v)?.[1];
    const account = accountId === undefined ? undefined : iam.accountByAccountId(accountId);
    if (!account) throw invalid(v, 'no such account');
    const user = /^arn:[^:]+:iam::\d{12}:user(\/(?:.*\/)?)([^/]+)$/.exec(v);
    if (user) {
      const u = iam.findUser(account, user[2]!);
      if (!u || u.path !== user[1]) throw invalid(v, 'no such user');
    }
    const role = /^arn:[^:]+:iam::\d{12}:role(\/(?:.*\/)?)([^/]+)$/.exec(v);
    if (role) {
      const r = iam.findRole(account, role[2]!);
      if (!r || r.path !== role[1]) throw invalid(v, 'no such role');
    }
  }
  for (const v of spec.CanonicalUser ?? []) if (!iam.accountByCanonicalId(v.toLowerCase())) throw invalid(v, 'no such canonical user');
  for (const v of spec.Federated ?? []) throw invalid(v, 'federated principals are not supported by Cairn');
}

/** Validates a bucket policy for this bucket; throws MalformedPolicy naming what is wrong. */
export function validateBucketPolicy(ctx: OpContext, bucket: string, text: string): PolicyDocument {
  let doc: PolicyDocument;
  try {
    doc = validatePolicy(text, 'resource');
  } catch (e) {
    if (e instanceof PolicyError) throw malformed(e.message);
    throw e;
  }
  for (const s of doc.statements) {
    for (const a of s.action ?? s.notAction ?? []) checkAction(a);
    for (const r of s.resource ?? s.notResource ?? []) checkResource(r, bucket);
    const p = s.principal ?? s.notPrincipal;
    if (p !== undefined) checkPrincipal(ctx, p);
  }
  return doc;
}

/** Policy operations are for the owner's account only (other accounts get 405 even when a policy allows them; anonymous callers AccessDenied). */
function ownersOnly(req: S3Request, b: Bucket): void {
  const p = req.principal;
  // Anonymous callers never manage a policy, whatever a policy says.
  if (!p) throw new S3Error('AccessDenied');
  if (!p.isAdmin && p.account.id !== b.ownerId) {
    throw new S3Error('MethodNotAllowed', undefined, { Method: req.method, ResourceType: 'BUCKET' });
  }
}

const stored = (ctx: OpContext, b: Bucket): StoredPolicy => {
  const s = ctx.services.buckets.config<StoredPolicy>(b, POLICY_KIND);
  if (s === undefined) throw new S3Error('NoSuchBucketPolicy', undefined, { BucketName: b.name });
  return s;
};

export const PutBucketPolicy = operation({
  name: 'PutBucketPolicy',
  body: { kind: 'document', max: 64 * 1024, integrity: 'required' },
  parse(req) {
    const bucket = requireBucketName(req.target.bucket);
    const body = req.document!;
    if (body.length > MAX_POLICY_BYTES) throw new S3Error('PolicyTooLarge', `Policies must be at most ${MAX_POLICY_BYTES} bytes; this one is ${body.length}.`);
    const text = body.toString('utf8');
    if (text.trim() === '') throw malformed("Policies must be valid JSON and the first byte must be '{'");
    const confirm = req.headers['x-amz-confirm-remove-self-bucket-access'];
    return { bucket, text, confirmRemoveSelf: typeof confirm === 'string' && confirm.toLowerCase() === 'true' };
  },
  permissions: (i) => [{ action: 's3:PutBucketPolicy', bucket: i.bucket }],
  async run(ctx, i, req) {
    const b = requireBucket(ctx, i.bucket);
    ownersOnly(req, b);
    const doc = validateBucketPolicy(ctx, b.name, i.text);
    // BlockPublicPolicy: "reject calls to PUT Bucket policy if the specified bucket policy allows public access."
    if (isPublicPolicy(doc) && publicAccessBlock(ctx, b).blockPublicPolicy) throw new S3Error('AccessDenied');
    const value: StoredPolicy = i.confirmRemoveSelf ? { text: i.text, confirmRemoveSelf: true } : { text: i.text };
    await ctx.services.buckets.putConfig(b, POLICY_KIND, value);
    return { status: 204 };
  },
});

export const GetBucketPolicy = operation({
  name: 'GetBucketPolicy',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket) }),
  permissions: (i) => [{ action: 's3:GetBucketPolicy', bucket: i.bucket }],
  async run(ctx, i, req) {
    const b = requireBucket(ctx, i.bucket);
    ownersOnly(req, b);
    const body = Buffer.from(stored(ctx, b).text, 'utf8');
    return { headers: { 'content-type': 'application/json', 'content-length': body.length }, body };
  },
});

export const DeleteBucketPolicy = operation({
  name: 'DeleteBucketPolicy',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket) }),
  permissions: (i) => [{ action: 's3:DeleteBucketPolicy', bucket: i.bucket }],
  async run(ctx, i, req) {
    const b = requireBucket(ctx, i.bucket);
    ownersOnly(req, b);
    // AWS answers 204 whether or not there was a policy.
    await ctx.services.buckets.deleteConfig(b, POLICY_KIND);
    return { status: 204 };
  },
});

export const GetBucketPolicyStatus = operation({
  name: 'GetBucketPolicyStatus',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket) }),
  permissions: (i) => [{ action: 's3:GetBucketPolicyStatus', bucket: i.bucket }],
  async run(ctx, i) {
    const b = requireBucket(ctx, i.bucket);
    const s = stored(ctx, b);
    let isPublic = false;
    try {
      isPublic = isPublicPolicy(validatePolicy(s.text, 'resource'));
    } catch {
      // A stored policy always validated; one that no longer does grants nothing.
    }
    return { xml: { root: 'PolicyStatus', body: { IsPublic: isPublic } } };
  },
});

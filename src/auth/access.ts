/**
 * A bucket's resource-side access state, as the evaluator (authorize.ts) and the operations need
 * it: the bucket policy (stored as written, compiled once), whether it is public, and the
 * effective Block Public Access flags (the bucket's configuration, or all four when the instance
 * setting `blockPublicAccess` is on). Kept per bucket until a bucket configuration changes
 * (BucketService.configGeneration), so a GET pays a map lookup, not a parse.
 */
import type { Bucket } from '../core/buckets.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Grant } from './acl.js';
import type { Services } from '../core/services.js';
import { S3Error } from '../errors/s3error.js';
import { compilePolicy, isPublicPolicy, validatePolicy, type CompiledPolicy, type PolicyDocument } from './policy/index.js';

/** The stored kinds (bucket_configs). */
export const POLICY_KIND = 'policy';
export const PUBLIC_ACCESS_BLOCK_KIND = 'publicAccessBlock';
/** Where the ACL operations (s3/acls.ts) keep a bucket's ACL grants and its OwnershipControls. */
const ACL_KIND = 'acl';
const OWNERSHIP_KIND = 'ownership';

/** A bucket policy as stored: the JSON exactly as PutBucketPolicy received it (GetBucketPolicy answers it). */
export interface StoredPolicy {
  readonly text: string;
  /** Put with x-amz-confirm-remove-self-bucket-access: the owner's root gives up its lock-out protection (its Deny applies to the policy operations too). */
  readonly confirmRemoveSelf?: boolean;
}

/** The four Block Public Access flags. */
export interface PublicAccessBlock {
  readonly blockPublicAcls: boolean;
  readonly ignorePublicAcls: boolean;
  readonly blockPublicPolicy: boolean;
  readonly restrictPublicBuckets: boolean;
}

export const NO_BLOCK: PublicAccessBlock = Object.freeze({
  blockPublicAcls: false,
  ignorePublicAcls: false,
  blockPublicPolicy: false,
  restrictPublicBuckets: false,
});
export const FULL_BLOCK: PublicAccessBlock = Object.freeze({
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
});

/** What the access functions need: the instance setting and the bucket configurations. */
export interface AccessSource {
  readonly config: { readonly blockPublicAccess: boolean };
  readonly services: Pick<Services, 'buckets' | 'identities'>;
}

/**
 * The Block Public Access flags in force on a bucket: its PutPublicAccessBlock configuration, each
 * flag also on when the instance applies Block Public Access everywhere (`blockPublicAccess`).
 * The ACL operations use this (BlockPublicAcls on writes, IgnorePublicAcls on reads).
 */
export function publicAccessBlock(src: AccessSource, bucket: Bucket): PublicAccessBlock {
  if (src.config.blockPublicAccess) return FULL_BLOCK;
  return src.services.buckets.config<PublicAccessBlock>(bucket, PUBLIC_ACCESS_BLOCK_KIND) ?? NO_BLOCK;
}

/** A bucket's compiled policy state. */
export interface BucketAccess {
  readonly bucket: Bucket;
  readonly generation: number;
  /** The compiled bucket policy; undefined when the bucket has none. */
  readonly policy: CompiledPolicy | undefined;
  /** Its Deny statements alone: all that matters for a caller allowed anyway (the owner's root, an IAM user its policies allow). */
  readonly policyDenies: CompiledPolicy | undefined;
  /** Whether the policy is public (GetBucketPolicyStatus's IsPublic). */
  readonly policyPublic: boolean;
  /** The owner's root may manage the policy whatever it denies (unless the policy was put with x-amz-confirm-remove-self-bucket-access). */
  readonly lockoutSafe: boolean;
  readonly pab: PublicAccessBlock;
  /** Whether ACLs take part in access decisions (not under BucketOwnerEnforced). */
  readonly aclsEnabled: boolean;
  /** The bucket ACL's grants when they give anything beyond the owner's own full control; undefined otherwise. */
  readonly bucketGrants: readonly Grant[] | undefined;
  /** The owner's 12-digit account id (s3:ResourceAccount) and canonical id. */
  readonly ownerAccountId: string | undefined;
  readonly ownerCanonicalId: string | undefined;
}

/** Validates a stored policy again (it validated when stored) into its document; undefined if it no longer does. */
export function storedPolicyDocument(stored: StoredPolicy | undefined): PolicyDocument | undefined {
  if (stored === undefined) return undefined;
  try {
    return validatePolicy(stored.text, 'resource');
  } catch {
    return undefined;
  }
}

const CACHE_MAX = 4096;

/** Per-bucket access state, dropped when any bucket configuration changes. */
export class BucketAccessCache {
  private readonly byBucket = new Map<number, BucketAccess>();

  constructor(private readonly src: AccessSource) {}

  of(bucket: Bucket): BucketAccess {
    const buckets = this.src.services.buckets;
    const generation = buckets.configGeneration;
    const hit = this.byBucket.get(bucket.id);
    // The Bucket object is compared too: a bucket deleted and made again gets a new id, but its cached record may change (versioning).
    if (hit !== undefined && hit.generation === generation && hit.bucket === bucket) return hit;
    const owner = this.src.services.identities.account(bucket.ownerId);
    const aclsEnabled = buckets.config<{ objectOwnership: string }>(bucket, OWNERSHIP_KIND)?.objectOwnership !== 'BucketOwnerEnforced';
    const grants = aclsEnabled ? buckets.config<{ grants: readonly Grant[] }>(bucket, ACL_KIND)?.grants : undefined;
    const beyondOwner = grants?.some((g) => g.grantee.type !== 'CanonicalUser' || g.grantee.id !== owner?.canonicalId);
    const stored = buckets.config<StoredPolicy>(bucket, POLICY_KIND);
    const doc = storedPolicyDocument(stored);
    const policy = doc === undefined ? undefined : compilePolicy(doc);
    const access: BucketAccess = {
      bucket,
      generation,
      policy,
      policyDenies: policy === undefined ? undefined : { ...policy, allow: [] },
      policyPublic: doc !== undefined && isPublicPolicy(doc),
      lockoutSafe: stored?.confirmRemoveSelf !== true,
      aclsEnabled,
      bucketGrants: beyondOwner ? grants : undefined,
      pab: publicAccessBlock(this.src, bucket),
      ownerAccountId: owner?.accountId,
      ownerCanonicalId: owner?.canonicalId,
    };
    if (this.byBucket.size >= CACHE_MAX) this.byBucket.clear();
    this.byBucket.set(bucket.id, access);
    return access;
  }
}

/** The bucket a copy source names (`/bucket/key`, `bucket/key?versionId=`, or an access-point ARN we do not serve). */
function copySourceBucket(h: IncomingHttpHeaders): string | undefined {
  const v = h['x-amz-copy-source'];
  if (typeof v !== 'string') return undefined;
  let path = v.startsWith('/') ? v.slice(1) : v;
  const q = path.indexOf('?');
  if (q >= 0) path = path.slice(0, q);
  const slash = path.indexOf('/');
  try {
    return decodeURIComponent(slash < 0 ? path : path.slice(0, slash));
  } catch {
    return undefined;
  }
}

/**
 * x-amz-expected-bucket-owner and x-amz-source-expected-bucket-owner, on every operation: when the
 * bucket (or the copy source's bucket) exists and another account owns it, AccessDenied. A bucket
 * that does not exist is left to the operation (NoSuchBucket).
 */
export function checkExpectedOwners(src: Pick<AccessSource, 'services'>, bucket: string | undefined, h: IncomingHttpHeaders): void {
  const check = (name: string | undefined, header: string): void => {
    const expected = h[header];
    if (name === undefined || name === '' || typeof expected !== 'string') return;
    const b = src.services.buckets.get(name);
    if (!b) return;
    if (src.services.identities.account(b.ownerId)?.accountId !== expected.trim()) throw new S3Error('AccessDenied');
  };
  check(bucket, 'x-amz-expected-bucket-owner');
  check(copySourceBucket(h), 'x-amz-source-expected-bucket-owner');
}

/**
 * The one place access is decided: every operation's permissions (action,
 * resource, condition keys) are judged here, after authentication and before
 * the operation runs. Required permissions that are denied answer
 * AccessDenied; optional ones are answered to the operation (Grants).
 *
 * AWS's evaluation logic ("policy evaluation logic", "how Amazon S3
 * authorizes a request"), for a permission on a bucket or its objects:
 * - the instance administrator (the admin account's root) may do anything;
 * - an explicit Deny anywhere wins: in the caller's identity policies (or
 *   session policy), or in the bucket policy — the bucket policy's Deny
 *   applies to the owner's root too, except for GetBucketPolicy,
 *   PutBucketPolicy and DeleteBucketPolicy (AWS's lock-out protection);
 * - within the bucket owner's account: the root may do anything; an IAM
 *   user or role session needs an Allow in its identity policies or in the
 *   bucket policy (one naming the user or role, or everyone; a grant to the
 *   account delegates to identity policies);
 * - another account's principal needs both: its own account's consent (its
 *   identity policies; implicit for that account's root) and the bucket
 *   owner's (the bucket policy);
 * - anonymous callers are judged by the bucket policy alone;
 * - Block Public Access: RestrictPublicBuckets makes a public policy grant
 *   nothing outside the owner's account.
 * A permission on a bucket that does not exist is allowed (the operation
 * answers NoSuchBucket as S3 does). Permissions not on a bucket (IAM, STS,
 * ListAllMyBuckets) and CreateBucket are the caller's own account's: its
 * root may, IAM users and roles as their identity policies allow.
 * The bucket's state (compiled policy, flags) is loaded once per bucket and
 * kept until a bucket configuration changes (auth/access.ts).
 */
import type { Services } from '../core/services.js';
import type { Principal } from '../core/identities.js';
import { S3Error } from '../errors/s3error.js';
import type { BucketAccess, BucketAccessCache } from './access.js';
import { aclAllows, aclPermissionFor, type AclCaller, type Grant } from './acl.js';
import type { ObjectRecord } from '../core/objects.js';
import type { Grants, Permission } from '../s3/operation.js';
import {
  compilePolicy,
  evaluate,
  globalContext,
  intersectDecisions,
  layeredLookup,
  validatePolicy,
  type CompiledPolicy,
  type ContextLookup,
  type Decision,
  type RequestPrincipal,
} from './policy/index.js';

/** What the request itself tells the condition keys (aws:SourceIp, aws:SecureTransport, s3:authType, ...). */
export interface RequestFacts {
  readonly sourceIp?: string;
  readonly secure: boolean;
  readonly userAgent?: string;
  readonly referer?: string;
  /** s3:authType: REST-HEADER, REST-QUERY-STRING or POST. */
  readonly authType?: 'REST-HEADER' | 'REST-QUERY-STRING' | 'POST';
  /** s3:signatureversion: AWS4-HMAC-SHA256 or AWS. */
  readonly signatureVersion?: 'AWS4-HMAC-SHA256' | 'AWS';
  /** s3:x-amz-content-sha256. */
  readonly contentSha256?: string;
  /** s3:TlsVersion: the TLS protocol version of a TLS request ("1.2", "1.3"). */
  readonly tlsVersion?: string;
}

export interface AuthzContext {
  readonly services: Pick<Services, 'buckets' | 'iam' | 'objects' | 'identities'>;
  readonly clock: () => number;
  readonly policies: PolicyCache;
  /** Per-bucket resource state: bucket policy, Block Public Access. */
  readonly access: BucketAccessCache;
}

/** A principal's compiled identity policies. */
interface CompiledSet {
  generation: number;
  policies: CompiledPolicy[];
  session?: CompiledPolicy;
}

const CACHE_MAX = 2048;

/**
 * Compiled identity policies per principal, kept until the next IAM change
 * (IamService.generation: every change in this process, and commits by
 * other connections through PRAGMA data_version), so a request by an IAM
 * user costs one map lookup and the statement matching, not a parse.
 */
export class PolicyCache {
  private readonly sets = new Map<string, CompiledSet>();

  constructor(private readonly iam: Services['iam']) {}

  /** Principals are resolved once per key and kept (IdentityService), so most requests find their set here. */
  private readonly byPrincipal = new WeakMap<Principal, CompiledSet>();

  of(p: Principal): CompiledSet {
    const mine = this.byPrincipal.get(p);
    if (mine && mine.generation === this.iam.generation) return mine;
    const set = this.byKey(p);
    this.byPrincipal.set(p, set);
    return set;
  }

  private byKey(p: Principal): CompiledSet {
    const key = p.type === 'AssumedRole' ? `r:${p.role?.id}:${p.sessionPolicy ?? ''}` : `u:${p.iamUser?.id}:${p.sessionPolicy ?? ''}`;
    const generation = this.iam.generation;
    const hit = this.sets.get(key);
    if (hit && hit.generation === generation) return hit;
    const set = this.iam.policiesFor(p);
    const compiled: CompiledSet = {
      generation,
      policies: set.documents.map((d) => compileStored(d, 'identity')),
      session: set.sessionPolicy === undefined ? undefined : compileStored(set.sessionPolicy, 'session'),
    };
    if (this.sets.size >= CACHE_MAX) this.sets.clear();
    this.sets.set(key, compiled);
    return compiled;
  }
}

/** A stored document, compiled; one that no longer validates (it never should) grants nothing. */
function compileStored(json: string, kind: 'identity' | 'session'): CompiledPolicy {
  try {
    return compilePolicy(validatePolicy(json, kind));
  } catch {
    return compilePolicy(validatePolicy('{"Version":"2012-10-17","Statement":[]}', kind));
  }
}

/**
 * The ARN a permission is on. An S3 action on no bucket (s3:ListAllMyBuckets)
 * is on `arn:aws:s3:::`, which both `*` and `arn:aws:s3:::*` match, as the
 * AWS documentation's policies for the bucket list use either.
 */
export function resourceArn(p: Permission): string {
  if (p.resource !== undefined) return p.resource;
  if (p.bucket === undefined) return 'arn:aws:s3:::';
  return p.key === undefined ? `arn:aws:s3:::${p.bucket}` : `arn:aws:s3:::${p.bucket}/${p.key}`;
}

const DAY_MS = 86_400_000;

/**
 * The keys an operation declared (lower-cased on first lookup; an undefined
 * value is a key the request does not have), and
 * s3:object-lock-remaining-retention-days, derived from a declared
 * s3:object-lock-retain-until-date on the evaluator's clock (whole days,
 * rounded up).
 */
function permissionLookup(p: Permission, now: () => number): ContextLookup | undefined {
  const c = p.conditions;
  const later = p.conditionsLater;
  if (c === undefined && later === undefined) return undefined;
  let lower: Map<string, string | readonly string[]> | undefined;
  return (key) => {
    if (!lower) {
      lower = new Map();
      for (const [k, v] of Object.entries({ ...c, ...later?.() })) if (v !== undefined) lower.set(k.toLowerCase(), v);
      const until = lower.get('s3:object-lock-retain-until-date');
      if (typeof until === 'string') lower.set('s3:object-lock-remaining-retention-days', String(Math.max(0, Math.ceil((Date.parse(until) - now()) / DAY_MS))));
    }
    return lower.get(key);
  };
}

/** The global condition keys of a request (aws:*, and the s3: keys every S3 request has), computed when a condition asks. */
export function requestContext(now: number, p: Principal | undefined, f: RequestFacts): ContextLookup {
  const base = globalContext({
    sourceIp: f.sourceIp,
    secureTransport: f.secure,
    now,
    userAgent: f.userAgent,
    referer: f.referer,
    username: p?.username,
    userid: p ? p.userId : 'anonymous',
    principalArn: p?.arn,
    principalAccount: p?.account.accountId,
    principalType: p ? p.type : 'Anonymous',
    multiFactorAuthPresent: p?.temporary ? false : undefined,
  });
  const s3: ContextLookup = (key) => {
    switch (key) {
      case 's3:authtype':
        return f.authType;
      case 's3:signatureversion':
        return f.signatureVersion;
      case 's3:x-amz-content-sha256':
        return f.contentSha256;
      case 's3:tlsversion':
        return f.tlsVersion;
      default:
        return undefined;
    }
  };
  return layeredLookup(base, s3);
}

/** How a caller is named to a policy's Principal element. */
export function requestPrincipal(p: Principal): RequestPrincipal {
  return {
    accountId: p.account.accountId,
    arn: p.arn,
    roleArn: p.role ? `arn:aws:iam::${p.account.accountId}:role${p.role.path}${p.role.name}` : undefined,
    canonicalUserId: p.account.canonicalId,
  };
}

/**
 * Does a role's trust policy let `p` assume it? 'principal' when it names
 * the caller itself (its ARN, or its role for a session), 'account' when it
 * allows the caller's whole account (the caller's identity policies must then
 * allow sts:AssumeRole too), undefined when it does not allow.
 */
export function trustAllows(now: number, p: Principal, trustPolicy: string, roleArn: string, facts: RequestFacts): 'principal' | 'account' | undefined {
  let compiled: CompiledPolicy;
  try {
    compiled = compilePolicy(validatePolicy(trustPolicy, 'trust'));
  } catch {
    return undefined;
  }
  const context = requestContext(now, p, facts);
  const principal = requestPrincipal(p);
  const request = { action: 'sts:AssumeRole', resource: roleArn, context, principal };
  if (evaluate([compiled], request) !== 'Allow') return undefined;
  const named = evaluate([compiled], { ...request, principal: { arn: principal.arn, roleArn: principal.roleArn } });
  return named === 'Allow' ? 'principal' : 'account';
}

/** The evaluator's answers for one request: Grants for operations, and the decision itself (STS needs to tell an explicit Deny apart). */
export interface Judgement extends Grants {
  /** 'Allow', 'Deny' (an explicit Deny applies), or undefined (nothing allows: an implicit deny). */
  decision(p: Permission): Decision;
}

/** Object ACLs parsed once per (cached, immutable) object record. */
const OBJECT_GRANTS = new WeakMap<ObjectRecord, readonly Grant[]>();

/** What the owner's root may still do when its own bucket policy denies it (AWS's lock-out protection). */
const LOCKOUT_SAFE = new Set(['s3:getbucketpolicy', 's3:putbucketpolicy', 's3:deletebucketpolicy']);

class Decisions implements Judgement {
  private global: ContextLookup | undefined;

  constructor(
    private readonly ctx: AuthzContext,
    private readonly principal: Principal | undefined,
    private readonly facts: RequestFacts,
  ) {}

  private context(): ContextLookup {
    return (this.global ??= requestContext(this.ctx.clock(), this.principal, this.facts));
  }

  /** An IAM user's or role session's identity policies (and session policy) on this request. */
  private identity(p: Principal, perm: Permission, context: ContextLookup): Decision {
    const set = this.ctx.policies.of(p);
    const request = { action: perm.action, resource: resourceArn(perm), context };
    let d: Decision = evaluate(set.policies, request);
    if (set.session) d = intersectDecisions(d, evaluate([set.session], request));
    return d;
  }

  decision(perm: Permission): Decision {
    const p = this.principal;
    if (p?.isAdmin) return 'Allow';
    const lookup = permissionLookup(perm, this.ctx.clock);
    // Not on a bucket (IAM, STS, ListAllMyBuckets), or CreateBucket: the caller's own account is the resource, judged
    // by identity policies alone (CreateBucket answers BucketAlreadyExists / BucketAlreadyOwnedByYou for a taken name).
    if (perm.bucket === undefined || perm.resource !== undefined || perm.action === 's3:CreateBucket') {
      if (!p) return undefined;
      if (p.type === 'Account') return 'Allow';
      return this.identity(p, perm, lookup ? layeredLookup(lookup, this.context()) : this.context());
    }
    const b = this.ctx.services.buckets.get(perm.bucket);
    // A bucket that does not exist: the operation answers NoSuchBucket.
    if (!b) return 'Allow';
    const access = this.ctx.access.of(b);
    const own = p !== undefined && b.ownerId === p.account.id;
    const resourceKeys: ContextLookup = (key) => (key === 's3:resourceaccount' ? access.ownerAccountId : undefined);
    const context = lookup ? layeredLookup(lookup, resourceKeys, this.context()) : layeredLookup(resourceKeys, this.context());

    // The caller's side: an account's root has every right its account can give; IAM users and roles have what
    // their identity policies allow; anonymous callers have no identity.
    const identity: Decision = p === undefined ? undefined : p.type === 'Account' ? 'Allow' : this.identity(p, perm, context);
    if (identity === 'Deny') return 'Deny';

    // The bucket's side: its policy (and, for other accounts and anonymous callers, its ACLs).
    let resource: Decision = undefined;
    if (access.policy && own && (p.type === 'Account' || identity === 'Allow')) {
      // Allowed anyway: only an explicit Deny in the bucket policy can change that.
      const request = { action: perm.action, resource: resourceArn(perm), context, principal: requestPrincipal(p) };
      if (evaluate([access.policyDenies!], request) === 'Deny' && !(p.type === 'Account' && access.lockoutSafe && LOCKOUT_SAFE.has(perm.action.toLowerCase())))
        return 'Deny';
      return 'Allow';
    }
    if (access.policy) {
      const request = { action: perm.action, resource: resourceArn(perm), context, principal: p ? requestPrincipal(p) : undefined };
      let d = evaluate([access.policy], request);
      if (d === 'Deny') {
        if (!(own && p.type === 'Account' && access.lockoutSafe && LOCKOUT_SAFE.has(perm.action.toLowerCase()))) return 'Deny';
        d = undefined;
      }
      if (d === 'Allow') {
        if (!own && access.policyPublic && access.pab.restrictPublicBuckets) {
          // RestrictPublicBuckets: a public policy grants nothing outside the owner's account (not even its non-public
          // grants to named accounts).
          d = undefined;
        } else if (own && p.type !== 'Account' && identity !== 'Allow') {
          // Within the account, a grant to the account (its id, root ARN or canonical id) delegates to identity
          // policies; only a grant naming the user or role itself (or everyone) suffices on its own.
          const direct = evaluate([access.policy], { ...request, principal: { arn: request.principal!.arn, roleArn: request.principal!.roleArn } });
          d = direct === 'Allow' ? 'Allow' : undefined;
        }
      }
      resource = d;
    }

    // The ACLs (unless BucketOwnerEnforced disabled them): the bucket ACL for bucket actions and object writes, the
    // object's ACL for object reads and its ACL operations. Not needed when the caller is allowed anyway.
    if (resource !== 'Allow' && access.aclsEnabled && !(own && (p.type === 'Account' || identity === 'Allow'))) {
      if (this.aclGrants(perm, access, own ? undefined : p)) resource = 'Allow';
    }

    if (own) {
      if (p.type === 'Account') return 'Allow';
      return identity === 'Allow' || resource === 'Allow' ? 'Allow' : undefined;
    }
    // Another account's principal: its own account (identity policies) and the bucket's owner must both allow.
    // Anonymous: the bucket's side alone.
    const callerAllows = p === undefined || identity === 'Allow';
    return callerAllows && resource === 'Allow' ? 'Allow' : undefined;
  }

  /**
   * Does an ACL grant this permission? `other` is a caller from another account (or undefined: anonymous, or an IAM
   * principal of the owner's account, for whom a grant to its own account delegates to identity policies, so only
   * grants to the AllUsers and AuthenticatedUsers groups count). IgnorePublicAcls makes those groups count for nothing.
   */
  private aclGrants(perm: Permission, access: BucketAccess, other: Principal | undefined): boolean {
    const caller: AclCaller = other ? { canonicalId: other.account.canonicalId, authenticated: true } : { authenticated: this.principal !== undefined };
    const opts = { ignorePublic: access.pab.ignorePublicAcls };
    // A write's companion s3:PutObjectAcl is granted as the write is (bucket WRITE): the object does not exist yet.
    const action = perm.aclAction ?? perm.action;
    const onObject = perm.key !== undefined ? aclPermissionFor(action, true) : undefined;
    if (onObject !== undefined) {
      const grants = this.objectGrants(access, perm);
      return grants !== undefined && aclAllows({ owner: { id: '' }, grants }, caller, onObject, opts);
    }
    const onBucket = aclPermissionFor(action, false);
    // A bucket ACL of the owner's full control alone grants nothing to anyone but the owner.
    if (onBucket === undefined || access.bucketGrants === undefined) return false;
    return aclAllows({ owner: { id: '' }, grants: access.bucketGrants }, caller, onBucket, opts);
  }

  /** The grants of the object version a permission names (its owner's full control when it has no ACL of its own). */
  private objectGrants(access: BucketAccess, perm: Permission): readonly Grant[] | undefined {
    const objects = this.ctx.services.objects;
    const versionId = perm.conditions?.['s3:VersionId'];
    const o = typeof versionId === 'string' ? objects.version(access.bucket, perm.key!, versionId) : objects.latest(access.bucket, perm.key!);
    if (!o || o.deleteMarker) return undefined;
    let grants = OBJECT_GRANTS.get(o);
    if (grants === undefined) {
      if (o.acl) grants = JSON.parse(o.acl) as Grant[];
      else {
        const owner = this.ctx.services.identities.account(o.ownerId);
        grants = owner ? [{ grantee: { type: 'CanonicalUser', id: owner.canonicalId }, permission: 'FULL_CONTROL' }] : [];
      }
      OBJECT_GRANTS.set(o, grants);
    }
    return grants;
  }

  allowed(p: Permission): boolean {
    return this.decision(p) === 'Allow';
  }

  get listOwner(): number | undefined {
    const p = this.principal;
    return p === undefined ? -1 : p.isAdmin ? undefined : p.account.id;
  }
}

/** Judges a request's permissions: throws AccessDenied for a required one denied; answers the optional ones. */
export function authorize(ctx: AuthzContext, principal: Principal | undefined, permissions: readonly Permission[], facts: RequestFacts): Judgement {
  const d = new Decisions(ctx, principal, facts);
  for (const p of permissions) {
    if (!p.optional && !d.allowed(p)) throw new S3Error('AccessDenied');
  }
  return d;
}

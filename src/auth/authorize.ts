/**
 * The one place access is decided: every operation's permissions (action,
 * resource, condition keys) are judged here, after authentication and before
 * the operation runs. Required permissions that are denied answer
 * AccessDenied; optional ones are answered to the operation (Grants).
 *
 * Identity-based rules (AWS's evaluation logic for one account):
 * - the instance administrator (the admin account's root) may do anything;
 * - an account's root may do anything to its own account's resources;
 * - an IAM user or a role session is judged by its identity policies (its
 *   own and its groups', or the role's intersected with the session policy):
 *   an explicit Deny wins, an Allow grants access to its own account's
 *   resources, anything else is an implicit deny;
 * - anonymous callers and other accounts' resources are denied until
 *   resource policies (bucket policies and ACLs) arrive.
 * A permission on a bucket that does not exist is allowed (the operation
 * answers NoSuchBucket as S3 does), except CreateBucket's, which identity
 * policies must grant.
 */
import type { Services } from '../core/services.js';
import type { Principal } from '../core/identities.js';
import { S3Error } from '../errors/s3error.js';
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
}

export interface AuthzContext {
  readonly services: Pick<Services, 'buckets' | 'iam'>;
  readonly clock: () => number;
  readonly policies: PolicyCache;
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

  decision(perm: Permission): Decision {
    const p = this.principal;
    if (!p) return undefined;
    if (p.isAdmin) return 'Allow';
    // Whose resource: a bucket's owner; IAM and STS act within the caller's own account.
    let own = true;
    if (perm.bucket !== undefined && perm.resource === undefined) {
      const b = this.ctx.services.buckets.get(perm.bucket);
      // A bucket that does not exist: the operation answers NoSuchBucket. CreateBucket is judged by identity
      // policies alone: the operation answers BucketAlreadyExists / BucketAlreadyOwnedByYou for a taken name.
      if (perm.action !== 's3:CreateBucket') {
        if (!b) return 'Allow';
        own = b.ownerId === p.account.id;
      }
    }
    if (p.type === 'Account') return own ? 'Allow' : undefined;
    const set = this.ctx.policies.of(p);
    const lookup = permissionLookup(perm, this.ctx.clock);
    const context = lookup ? layeredLookup(lookup, this.context()) : this.context();
    const request = { action: perm.action, resource: resourceArn(perm), context };
    let d: Decision = evaluate(set.policies, request);
    if (set.session) d = intersectDecisions(d, evaluate([set.session], request));
    // An Allow grants only the caller's own account's resources; a Deny denies anywhere.
    return d === 'Allow' && !own ? undefined : d;
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

/**
 * IAM's XML shapes (User, Group, Role, Policy, PolicyVersion, AccessKey…),
 * the ARNs of an account's entities, and the checks shared by actions:
 * policy documents validated against AWS's limits, the caller's account.
 */
import type { Principal } from '../auth/principal.js';
import type { Account, AccessKey, IamGroup, IamRole, IamUser, PolicyRef } from '../core/iam.js';
import { POLICY_LIMITS, PolicyError, policySize, validatePolicy, type PolicyKind, type PolicyLimits } from '../auth/policy/index.js';
import type { Permission } from '../s3/operation.js';
import type { XmlObject } from '../xml/xml.js';
import { iamDate, members, queryError, type QueryContext, type QueryRequest } from './protocol.js';

export type EntityKind = 'user' | 'group' | 'role';

/** `arn:aws:iam::<account>:<kind><path><name>`. */
export function entityArn(account: Account, kind: EntityKind | 'policy', path: string, name: string): string {
  return `arn:aws:iam::${account.accountId}:${kind}${path}${name}`;
}

/** The permission an action needs on an entity: its ARN with the entity's real path when it exists. */
export function onEntity(ctx: QueryContext, req: QueryRequest, action: string, kind: EntityKind, name: string | undefined, path?: string): Permission[] {
  const account = req.principal.account;
  if (name === undefined) return [{ action, resource: callerArn(req.principal) }];
  const found =
    kind === 'user'
      ? ctx.services.iam.findUser(account, name)
      : kind === 'role'
        ? ctx.services.iam.findRole(account, name)
        : ctx.services.iam.findGroup(account, name);
  return [{ action, resource: entityArn(account, kind, found?.path ?? path ?? '/', found?.name ?? name) }];
}

/** A permission on a resource ARN (or `*` for actions with no resource type: the List* of an account, GetAccountSummary). */
export function on(action: string, resource = '*'): Permission[] {
  return [{ action, resource }];
}

/** The caller's own ARN as IAM names it (a user's, the account root's; a role session's role). */
export function callerArn(p: Principal): string {
  if (p.type === 'AssumedRole' && p.role) return entityArn(p.account, 'role', p.role.path, p.role.name);
  return p.arn;
}

/**
 * The IAM user an action without UserName applies to: the caller when it is
 * an IAM user; undefined for the account root (its own keys). A role
 * session must name a user, as AWS requires.
 */
export function implicitUser(req: QueryRequest, given: string | undefined): string | undefined {
  if (given !== undefined) return given;
  const p = req.principal;
  if (p.type === 'User') return p.username;
  if (p.type === 'AssumedRole') throw queryError('ValidationError', 'Must specify userName when calling with non-User credentials');
  return undefined;
}

export function tagsXml(tags: ReadonlyArray<{ Key: string; Value: string }>): XmlObject | undefined {
  return tags.length === 0 ? undefined : members(tags.map((t) => ({ Key: t.Key, Value: t.Value })));
}

export function userXml(account: Account, u: IamUser, withTags = false): XmlObject {
  return {
    Path: u.path,
    UserName: u.name,
    UserId: u.userId,
    Arn: entityArn(account, 'user', u.path, u.name),
    CreateDate: iamDate(u.createdAt),
    Tags: withTags ? tagsXml(u.tags) : undefined,
  };
}

export function groupXml(account: Account, g: IamGroup): XmlObject {
  return { Path: g.path, GroupName: g.name, GroupId: g.groupId, Arn: entityArn(account, 'group', g.path, g.name), CreateDate: iamDate(g.createdAt) };
}

export function roleXml(account: Account, r: IamRole, full = false): XmlObject {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: entityArn(account, 'role', r.path, r.name),
    CreateDate: iamDate(r.createdAt),
    AssumeRolePolicyDocument: encodeURIComponent(r.trustPolicy),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    Tags: full ? tagsXml(r.tags) : undefined,
    RoleLastUsed: full ? {} : undefined,
  };
}

export function accessKeyXml(k: AccessKey, userName: string | undefined): XmlObject {
  return { UserName: userName, AccessKeyId: k.accessKey, Status: k.status, CreateDate: iamDate(k.createdAt) };
}

/** A managed policy (customer or AWS) as GetPolicy / ListPolicies / CreatePolicy show it. */
export function policyXml(ctx: QueryContext, account: Account, ref: PolicyRef, withDescription: boolean): XmlObject {
  const iam = ctx.services.iam;
  const common = { AttachmentCount: iam.attachmentCount(account, ref), PermissionsBoundaryUsageCount: 0, IsAttachable: true };
  if (ref.kind === 'aws') {
    const m = ref.managed;
    return {
      PolicyName: m.name,
      PolicyId: m.policyId,
      Arn: m.arn,
      Path: '/',
      DefaultVersionId: 'v1',
      ...common,
      Description: withDescription ? m.description : undefined,
      CreateDate: iamDate(m.createdAt),
      UpdateDate: iamDate(m.createdAt),
    };
  }
  const p = ref.policy;
  return {
    PolicyName: p.name,
    PolicyId: p.policyId,
    Arn: iam.refArn(ref),
    Path: p.path,
    DefaultVersionId: p.defaultVersion,
    ...common,
    Description: withDescription ? p.description : undefined,
    CreateDate: iamDate(p.createdAt),
    UpdateDate: iamDate(p.updatedAt),
  };
}

export function policyVersionXml(v: { versionId: string; document: string; createdAt: number; isDefault: boolean }, withDocument: boolean): XmlObject {
  return {
    Document: withDocument ? encodeURIComponent(v.document) : undefined,
    VersionId: v.versionId,
    IsDefaultVersion: v.isDefault,
    CreateDate: iamDate(v.createdAt),
  };
}

/** Validates a policy document, as a Query error (MalformedPolicyDocument, LimitExceeded) when it is wrong. */
export function checkPolicy(document: string, kind: PolicyKind, limits?: PolicyLimits): void {
  try {
    validatePolicy(document, kind, limits);
  } catch (e) {
    if (e instanceof PolicyError) throw queryError(e.code === 'MalformedPolicy' ? 'MalformedPolicyDocument' : e.code, e.message);
    throw e;
  }
}

/**
 * An inline policy for an entity: valid, and the entity's inline policies
 * together (the one replaced left out) within AWS's quota for its kind.
 */
export function checkInlinePolicy(ctx: QueryContext, account: Account, kind: EntityKind, name: string, policyName: string, document: string): void {
  checkPolicy(document, 'identity');
  const limits = POLICY_LIMITS[kind](name);
  const iam = ctx.services.iam;
  let total = policySize(document);
  for (const other of iam.inlinePolicyNames(account, kind, name)) {
    if (other !== policyName) total += policySize(iam.inlinePolicy(account, kind, name, other));
  }
  if (limits.maxSize !== undefined && total > limits.maxSize) throw queryError('LimitExceeded', limits.sizeMessage ?? 'Maximum policy size exceeded');
}

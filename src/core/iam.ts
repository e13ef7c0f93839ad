/**
 * IamService: accounts' IAM entities with AWS's rules (unique names per
 * account case-insensitively, limits, what blocks a deletion, ids and ARNs),
 * and the policies that apply to a principal, for the evaluator. Policy
 * documents arrive validated by the protocol layer; this layer stores them.
 * Returns data or throws DomainError (NoSuchEntity, EntityAlreadyExists,
 * DeleteConflict, LimitExceeded, InvalidInput).
 */
import { randomBytes } from 'node:crypto';
import type { Account, AccountsRepo, AccessKey, KeyStatus } from '../store/accounts.js';
import { generateAccessKey, generateSecretKey } from '../store/accounts.js';
import type { GroupCommit } from '../store/commits.js';
import type { EntityType, IamGroup, IamPolicy, IamRepo, IamRole, IamUser, PolicyVersion, Tags } from '../store/iam.js';
import { DomainError } from './errors.js';
import { roleArn, userArn, type Principal } from './identities.js';

export type { Account, AccessKey, EntityType, IamGroup, IamPolicy, IamRole, IamUser, PolicyVersion, Tags, KeyStatus };

/** An AWS-managed policy (built in: `arn:aws:iam::aws:policy/<Name>`), as the catalog the composition root injects gives it. */
export interface ManagedPolicy {
  name: string;
  arn: string;
  policyId: string;
  document: string;
  description?: string;
  createdAt: number;
}

export interface ManagedCatalog {
  get(arn: string): ManagedPolicy | undefined;
  list(): readonly ManagedPolicy[];
}

/** AWS's default IAM quotas that Cairn enforces. */
export const LIMITS = {
  accessKeysPerUser: 2,
  versionsPerPolicy: 5,
  attachedPoliciesPerEntity: 10,
  groupsPerUser: 10,
} as const;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An AWS-style unique id: a 4-letter prefix and 17 upper-case letters and digits (21 characters). */
export function uniqueId(prefix: 'AIDA' | 'AGPA' | 'AROA' | 'ANPA'): string {
  const b = randomBytes(17);
  let s = prefix;
  for (let i = 0; i < 17; i++) s += ID_ALPHABET[b[i]! % 32];
  return s;
}

/** A policy reached by ARN: customer-managed (in an account) or AWS-managed (built in). */
export type PolicyRef = { kind: 'customer'; account: Account; policy: IamPolicy } | { kind: 'aws'; managed: ManagedPolicy };

/** The identity policies that apply to a principal, for the evaluator. */
export interface PolicySet {
  /** Policy documents (JSON) whose statements are OR-ed (a Deny in any wins). */
  documents: string[];
  /** For a role session with a session policy: it must allow too. */
  sessionPolicy?: string;
}

const noEntity = (what: string, name: string) => new DomainError('NoSuchEntity', `The ${what} with name ${name} cannot be found.`);

export class IamService {
  constructor(
    private readonly accounts: AccountsRepo,
    private readonly iam: IamRepo,
    private readonly commits: GroupCommit,
    private readonly managed: ManagedCatalog,
    private readonly clock: () => number,
  ) {}

  /** Bumped on every IAM change (this process's; others' are seen through PRAGMA data_version). */
  get generation(): number {
    return this.iam.generation;
  }

  private write<T>(fn: () => T): Promise<T> {
    return this.commits.run(() => {
      const r = fn();
      // Keys and users changed: the access-key cache must not answer with a deleted user or an old status.
      this.accounts.invalidate();
      return r;
    });
  }

  // ---------------------------------------------------------------- accounts

  account(id: number): Account | undefined {
    return this.accounts.get(id);
  }

  accountByName(name: string): Account | undefined {
    return this.accounts.byName(name);
  }

  accountByAccountId(accountId: string): Account | undefined {
    return this.accounts.byAccountId(accountId);
  }

  accountByCanonicalId(canonicalId: string): Account | undefined {
    return this.accounts.byCanonicalId(canonicalId);
  }

  accountByEmail(email: string): Account | undefined {
    return this.accounts.byEmail(email);
  }

  listAccounts(): Account[] {
    return this.accounts.list();
  }

  // ---------------------------------------------------------------- users

  arnOfUser(account: Account, u: IamUser): string {
    return userArn(account, u);
  }

  user(account: Account, name: string): IamUser {
    const u = this.iam.userByName(account.id, name);
    if (!u) throw noEntity('user', name);
    return u;
  }

  findUser(account: Account, name: string): IamUser | undefined {
    return this.iam.userByName(account.id, name);
  }

  userById(id: number): IamUser | undefined {
    return this.iam.user(id);
  }

  listUsers(account: Account, pathPrefix = '/'): IamUser[] {
    return this.iam.users(account.id).filter((u) => u.path.startsWith(pathPrefix));
  }

  createUser(account: Account, name: string, path = '/', tags: Tags = []): Promise<IamUser> {
    return this.write(() => {
      const u = this.iam.createUser(account.id, name, path, uniqueId('AIDA'), tags, this.clock());
      if (!u) throw new DomainError('EntityAlreadyExists', `User with name ${name} already exists.`);
      return u;
    });
  }

  updateUser(account: Account, name: string, newName?: string, newPath?: string): Promise<IamUser> {
    return this.write(() => {
      const u = this.user(account, name);
      if (!this.iam.updateUser(u, newName ?? u.name, newPath ?? u.path))
        throw new DomainError('EntityAlreadyExists', `User with name ${newName} already exists.`);
      return this.iam.user(u.id)!;
    });
  }

  /** Deletes a user: refused (DeleteConflict) while it has access keys, policies or group memberships, as AWS refuses. */
  deleteUser(account: Account, name: string): Promise<void> {
    return this.write(() => {
      const u = this.user(account, name);
      const a = this.iam.userAttachments(u);
      if (a.keys > 0) throw new DomainError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
      if (a.policies > 0) throw new DomainError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      if (a.inline > 0) throw new DomainError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      if (a.groups > 0) throw new DomainError('DeleteConflict', 'Cannot delete entity, must remove users from group first.');
      this.iam.deleteUser(u);
    });
  }

  tagUser(account: Account, name: string, tags: Tags): Promise<void> {
    return this.write(() => {
      const u = this.user(account, name);
      const merged = new Map(u.tags.map((t) => [t.Key, t.Value]));
      for (const t of tags) merged.set(t.Key, t.Value);
      if (merged.size > 50) throw new DomainError('LimitExceeded', 'Cannot exceed quota for TagsPerUser: 50.');
      this.iam.setUserTags(
        u,
        [...merged].map(([Key, Value]) => ({ Key, Value })),
      );
    });
  }

  untagUser(account: Account, name: string, keys: string[]): Promise<void> {
    return this.write(() => {
      const u = this.user(account, name);
      const drop = new Set(keys);
      this.iam.setUserTags(
        u,
        u.tags.filter((t) => !drop.has(t.Key)),
      );
    });
  }

  // ---------------------------------------------------------------- access keys

  /** The IAM user a key request names, or the account root (undefined) when it names none. */
  private keyOwner(account: Account, userName: string | undefined): IamUser | undefined {
    return userName === undefined ? undefined : this.user(account, userName);
  }

  accessKeys(account: Account, userName?: string): AccessKey[] {
    return this.accounts.keys(account.id, this.keyOwner(account, userName)?.id);
  }

  /** A new access key (its secret shown once): at most 2 per user (LimitExceeded). */
  createAccessKey(account: Account, userName?: string, given?: { accessKey: string; secretKey: string }): Promise<{ key: AccessKey; secret: string }> {
    return this.write(() => {
      const u = this.keyOwner(account, userName);
      const existing = this.accounts.keys(account.id, u?.id);
      if (existing.length >= LIMITS.accessKeysPerUser)
        throw new DomainError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${LIMITS.accessKeysPerUser}`);
      const accessKey = given?.accessKey ?? generateAccessKey(u ? 'AKIA' : 'CKIA');
      const secret = given?.secretKey ?? generateSecretKey();
      if (!this.accounts.addKey(account.id, u?.id, accessKey, secret, this.clock()))
        throw new DomainError('EntityAlreadyExists', `The access key ${accessKey} already exists.`);
      const key = this.accounts.keys(account.id, u?.id).find((k) => k.accessKey === accessKey)!;
      return { key, secret };
    });
  }

  private ownKey(account: Account, userName: string | undefined, accessKey: string): AccessKey {
    const k = this.accessKeys(account, userName).find((x) => x.accessKey === accessKey);
    if (!k) throw new DomainError('NoSuchEntity', `The Access Key with id ${accessKey} cannot be found.`);
    return k;
  }

  updateAccessKey(account: Account, userName: string | undefined, accessKey: string, status: KeyStatus): Promise<void> {
    return this.write(() => {
      this.ownKey(account, userName, accessKey);
      this.accounts.setKeyStatus(accessKey, status);
    });
  }

  deleteAccessKey(account: Account, userName: string | undefined, accessKey: string): Promise<void> {
    return this.write(() => {
      this.ownKey(account, userName, accessKey);
      this.accounts.deleteKey(accessKey);
    });
  }

  /** A key of this account (root or any IAM user), with its owner's name. */
  keyOf(account: Account, accessKey: string): { key: AccessKey; userName?: string } | undefined {
    const k = this.accounts.findKey(accessKey);
    if (!k || k.account !== account.id) return undefined;
    return { key: k, userName: k.iamUser === undefined ? undefined : this.iam.user(k.iamUser)?.name };
  }

  // ---------------------------------------------------------------- groups

  group(account: Account, name: string): IamGroup {
    const g = this.iam.groupByName(account.id, name);
    if (!g) throw noEntity('group', name);
    return g;
  }

  findGroup(account: Account, name: string): IamGroup | undefined {
    return this.iam.groupByName(account.id, name);
  }

  listGroups(account: Account, pathPrefix = '/'): IamGroup[] {
    return this.iam.groups(account.id).filter((g) => g.path.startsWith(pathPrefix));
  }

  groupMembers(g: IamGroup): IamUser[] {
    return this.iam.members(g);
  }

  groupsForUser(account: Account, userName: string): IamGroup[] {
    return this.iam.groupsOfUser(this.user(account, userName));
  }

  createGroup(account: Account, name: string, path = '/'): Promise<IamGroup> {
    return this.write(() => {
      const g = this.iam.createGroup(account.id, name, path, uniqueId('AGPA'), this.clock());
      if (!g) throw new DomainError('EntityAlreadyExists', `Group with name ${name} already exists.`);
      return g;
    });
  }

  updateGroup(account: Account, name: string, newName?: string, newPath?: string): Promise<IamGroup> {
    return this.write(() => {
      const g = this.group(account, name);
      if (!this.iam.updateGroup(g, newName ?? g.name, newPath ?? g.path))
        throw new DomainError('EntityAlreadyExists', `Group with name ${newName} already exists.`);
      return this.iam.group(g.id)!;
    });
  }

  deleteGroup(account: Account, name: string): Promise<void> {
    return this.write(() => {
      const g = this.group(account, name);
      const a = this.iam.groupAttachments(g);
      if (a.members > 0) throw new DomainError('DeleteConflict', 'Cannot delete entity, must remove users from group first.');
      if (a.policies > 0) throw new DomainError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      if (a.inline > 0) throw new DomainError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      this.iam.deleteGroup(g);
    });
  }

  addUserToGroup(account: Account, groupName: string, userName: string): Promise<void> {
    return this.write(() => {
      const g = this.group(account, groupName);
      const u = this.user(account, userName);
      const groups = this.iam.groupsOfUser(u);
      if (!groups.some((x) => x.id === g.id) && groups.length >= LIMITS.groupsPerUser) {
        throw new DomainError('LimitExceeded', `Cannot exceed quota for GroupsPerUser: ${LIMITS.groupsPerUser}`);
      }
      this.iam.addMember(g, u);
    });
  }

  removeUserFromGroup(account: Account, groupName: string, userName: string): Promise<void> {
    return this.write(() => {
      const g = this.group(account, groupName);
      const u = this.user(account, userName);
      if (!this.iam.removeMember(g, u)) throw new DomainError('NoSuchEntity', `The user with name ${userName} cannot be found in group ${groupName}.`);
    });
  }

  // ---------------------------------------------------------------- roles

  arnOfRole(account: Account, r: IamRole): string {
    return roleArn(account, r);
  }

  role(account: Account, name: string): IamRole {
    const r = this.iam.roleByName(account.id, name);
    if (!r) throw noEntity('role', name);
    return r;
  }

  findRole(account: Account, name: string): IamRole | undefined {
    return this.iam.roleByName(account.id, name);
  }

  listRoles(account: Account, pathPrefix = '/'): IamRole[] {
    return this.iam.roles(account.id).filter((r) => r.path.startsWith(pathPrefix));
  }

  createRole(
    account: Account,
    r: { name: string; path?: string; trustPolicy: string; description?: string; maxSessionDuration?: number; tags?: Tags },
  ): Promise<IamRole> {
    return this.write(() => {
      const role = this.iam.createRole(
        {
          account: account.id,
          name: r.name,
          path: r.path ?? '/',
          roleId: uniqueId('AROA'),
          trustPolicy: r.trustPolicy,
          description: r.description,
          maxSessionDuration: r.maxSessionDuration ?? 3600,
          tags: r.tags ?? [],
        },
        this.clock(),
      );
      if (!role) throw new DomainError('EntityAlreadyExists', `Role with name ${r.name} already exists.`);
      return role;
    });
  }

  updateRole(account: Account, name: string, description: string | undefined, maxSessionDuration: number | undefined): Promise<void> {
    return this.write(() => {
      const r = this.role(account, name);
      this.iam.updateRole(r, description ?? r.description, maxSessionDuration ?? r.maxSessionDuration);
    });
  }

  updateAssumeRolePolicy(account: Account, name: string, document: string): Promise<void> {
    return this.write(() => this.iam.setTrustPolicy(this.role(account, name), document));
  }

  deleteRole(account: Account, name: string): Promise<void> {
    return this.write(() => {
      const r = this.role(account, name);
      const a = this.iam.roleAttachments(r);
      if (a.policies > 0) throw new DomainError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
      if (a.inline > 0) throw new DomainError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
      this.iam.deleteRole(r);
    });
  }

  // ---------------------------------------------------------------- managed policies

  policyArn(account: Account, p: IamPolicy): string {
    return `arn:aws:iam::${account.accountId}:policy${p.path}${p.name}`;
  }

  /** A policy by ARN, customer-managed in `caller`'s account or AWS-managed; NoSuchEntity otherwise (no principal reaches another account's). */
  policy(caller: Account, arn: string): PolicyRef {
    const aws = this.managed.get(arn);
    if (aws) return { kind: 'aws', managed: aws };
    // AWS's namespace holds only the built-in policies: any other name there does not exist.
    if (/^arn:aws:iam::aws:policy\/(?:[\x21-\x7e]*\/)?[\w+=,.@-]+$/.test(arn)) {
      throw new DomainError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    }
    const m = /^arn:aws:iam::(\d{12}):policy(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]+)$/.exec(arn);
    if (!m) throw new DomainError('InvalidInput', `ARN ${arn} is not valid.`);
    const [, accountId, path, name] = m as unknown as [string, string, string, string];
    if (accountId !== caller.accountId) throw new DomainError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    const p = this.iam.policyByName(caller.id, name);
    if (!p || p.path !== path) throw new DomainError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    return { kind: 'customer', account: caller, policy: p };
  }

  refArn(ref: PolicyRef): string {
    return ref.kind === 'aws' ? ref.managed.arn : this.policyArn(ref.account, ref.policy);
  }

  /** Customer policies of an account, and the AWS-managed ones, for ListPolicies (Scope All | AWS | Local). */
  listPolicies(account: Account, scope: 'All' | 'AWS' | 'Local' = 'All', onlyAttached = false, pathPrefix = '/'): PolicyRef[] {
    const out: PolicyRef[] = [];
    if (scope !== 'Local') for (const m of this.managed.list()) out.push({ kind: 'aws', managed: m });
    if (scope !== 'AWS') for (const p of this.iam.policies(account.id)) out.push({ kind: 'customer', account, policy: p });
    return out.filter((r) => {
      const path = r.kind === 'aws' ? '/' : r.policy.path;
      if (!path.startsWith(pathPrefix)) return false;
      return !onlyAttached || this.attachmentCount(account, r) > 0;
    });
  }

  /** How many entities a policy is attached to (an AWS-managed one: in this account). */
  attachmentCount(account: Account, ref: PolicyRef): number {
    return this.iam.attachmentCount(this.refArn(ref), account.id);
  }

  createPolicy(account: Account, name: string, path: string, description: string | undefined, document: string): Promise<IamPolicy> {
    return this.write(() => {
      const p = this.iam.createPolicy(account.id, name, path, uniqueId('ANPA'), description, document, this.clock());
      if (!p) throw new DomainError('EntityAlreadyExists', `A policy called ${name} already exists. Duplicate names are not allowed.`);
      return p;
    });
  }

  private customer(account: Account, arn: string): IamPolicy {
    const ref = this.policy(account, arn);
    // AWS-managed policies live outside every account: changing one is refused as a resource of another account.
    if (ref.kind !== 'customer') throw new DomainError('AccessDenied', `Cannot change policies outside your own account: ${arn} is an AWS-managed policy.`);
    return ref.policy;
  }

  deletePolicy(account: Account, arn: string): Promise<void> {
    return this.write(() => {
      const p = this.customer(account, arn);
      // Attachments are stored under the policy's own ARN, whatever case the caller wrote its name in.
      if (this.iam.attachmentCount(this.policyArn(account, p)) > 0) throw new DomainError('DeleteConflict', 'Cannot delete a policy attached to entities.');
      if (this.iam.versions(p).length > 1) throw new DomainError('DeleteConflict', 'Cannot delete a policy with non-default versions. Delete them first.');
      this.iam.deletePolicy(p);
    });
  }

  versions(account: Account, arn: string): Array<PolicyVersion & { isDefault: boolean }> {
    const ref = this.policy(account, arn);
    if (ref.kind === 'aws') return [{ versionId: 'v1', document: ref.managed.document, createdAt: ref.managed.createdAt, isDefault: true }];
    return this.iam.versions(ref.policy).map((v) => ({ ...v, isDefault: v.versionId === ref.policy.defaultVersion }));
  }

  version(account: Account, arn: string, versionId: string): PolicyVersion & { isDefault: boolean } {
    const v = this.versions(account, arn).find((x) => x.versionId === versionId);
    if (!v) throw new DomainError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist or is not attachable.`);
    return v;
  }

  createPolicyVersion(account: Account, arn: string, document: string, setDefault: boolean): Promise<PolicyVersion & { isDefault: boolean }> {
    return this.write(() => {
      const p = this.customer(account, arn);
      if (this.iam.versions(p).length >= LIMITS.versionsPerPolicy) {
        throw new DomainError(
          'LimitExceeded',
          `A managed policy can have up to ${LIMITS.versionsPerPolicy} versions. Before you create a new version, you must delete an existing version.`,
        );
      }
      const id = this.iam.addVersion(p, document, setDefault, this.clock());
      return { ...this.iam.version(p, id)!, isDefault: setDefault };
    });
  }

  deletePolicyVersion(account: Account, arn: string, versionId: string): Promise<void> {
    return this.write(() => {
      const p = this.customer(account, arn);
      if (!this.iam.version(p, versionId)) throw new DomainError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist.`);
      if (p.defaultVersion === versionId) throw new DomainError('DeleteConflict', 'Cannot delete the default version of a policy.');
      this.iam.deleteVersion(p, versionId);
    });
  }

  setDefaultPolicyVersion(account: Account, arn: string, versionId: string): Promise<void> {
    return this.write(() => {
      const p = this.customer(account, arn);
      if (!this.iam.version(p, versionId)) throw new DomainError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist.`);
      this.iam.setDefaultVersion(p, versionId, this.clock());
    });
  }

  /** Who a policy is attached to in `account`. */
  entitiesForPolicy(account: Account, arn: string): { users: IamUser[]; groups: IamGroup[]; roles: IamRole[] } {
    const canonical = this.refArn(this.policy(account, arn));
    const out = { users: [] as IamUser[], groups: [] as IamGroup[], roles: [] as IamRole[] };
    for (const e of this.iam.attachmentsOf(canonical, account.id)) {
      if (e.type === 'user') {
        const u = this.iam.user(e.id);
        if (u) out.users.push(u);
      } else if (e.type === 'group') {
        const g = this.iam.group(e.id);
        if (g) out.groups.push(g);
      } else {
        const r = this.iam.role(e.id);
        if (r) out.roles.push(r);
      }
    }
    return out;
  }

  private entity(account: Account, type: EntityType, name: string): number {
    return type === 'user' ? this.user(account, name).id : type === 'group' ? this.group(account, name).id : this.role(account, name).id;
  }

  attachPolicy(account: Account, type: EntityType, name: string, arn: string): Promise<void> {
    return this.write(() => {
      const id = this.entity(account, type, name);
      const ref = this.policy(account, arn);
      const attached = this.iam.attached(type, id);
      if (!attached.includes(this.refArn(ref)) && attached.length >= LIMITS.attachedPoliciesPerEntity) {
        throw new DomainError(
          'LimitExceeded',
          `Cannot exceed quota for PoliciesPer${type === 'user' ? 'User' : type === 'group' ? 'Group' : 'Role'}: ${LIMITS.attachedPoliciesPerEntity}`,
        );
      }
      this.iam.attach(account.id, type, id, this.refArn(ref));
    });
  }

  detachPolicy(account: Account, type: EntityType, name: string, arn: string): Promise<void> {
    return this.write(() => {
      const id = this.entity(account, type, name);
      if (!this.iam.detach(type, id, this.refArn(this.policy(account, arn)))) throw new DomainError('NoSuchEntity', `Policy ${arn} was not found.`);
    });
  }

  attachedPolicies(account: Account, type: EntityType, name: string): PolicyRef[] {
    const id = this.entity(account, type, name);
    return this.iam.attached(type, id).flatMap((arn) => {
      try {
        return [this.policy(account, arn)];
      } catch {
        return [];
      }
    });
  }

  // ---------------------------------------------------------------- inline policies

  putInlinePolicy(account: Account, type: EntityType, name: string, policyName: string, document: string): Promise<void> {
    return this.write(() => this.iam.putInline(account.id, type, this.entity(account, type, name), policyName, document));
  }

  inlinePolicy(account: Account, type: EntityType, name: string, policyName: string): string {
    const doc = this.iam.inline(type, this.entity(account, type, name), policyName);
    if (doc === undefined) throw new DomainError('NoSuchEntity', `The ${type} policy with name ${policyName} cannot be found.`);
    return doc;
  }

  inlinePolicyNames(account: Account, type: EntityType, name: string): string[] {
    return this.iam.inlinePolicies(type, this.entity(account, type, name)).map((p) => p.name);
  }

  deleteInlinePolicy(account: Account, type: EntityType, name: string, policyName: string): Promise<void> {
    return this.write(() => {
      if (!this.iam.deleteInline(type, this.entity(account, type, name), policyName)) {
        throw new DomainError('NoSuchEntity', `The ${type} policy with name ${policyName} cannot be found.`);
      }
    });
  }

  // ---------------------------------------------------------------- what applies to a principal

  private attachedDocuments(account: Account, type: EntityType, id: number): string[] {
    const docs: string[] = [];
    for (const arn of this.iam.attached(type, id)) {
      const aws = this.managed.get(arn);
      if (aws) {
        docs.push(aws.document);
        continue;
      }
      try {
        const ref = this.policy(account, arn);
        if (ref.kind === 'customer') docs.push(this.iam.version(ref.policy, ref.policy.defaultVersion)!.document);
      } catch {
        // an attachment whose policy is gone grants nothing
      }
    }
    for (const p of this.iam.inlinePolicies(type, id)) docs.push(p.document);
    return docs;
  }

  /**
   * The identity policies of a principal: an IAM user's inline and attached
   * policies and those of its groups; a role's, narrowed by the session
   * policy. An account root has none (it may do anything in its account).
   */
  policiesFor(p: Principal): PolicySet {
    if (p.type === 'AssumedRole' && p.role) return { documents: this.attachedDocuments(p.account, 'role', p.role.id), sessionPolicy: p.sessionPolicy };
    if (p.type === 'User' && p.iamUser) {
      const docs = this.attachedDocuments(p.account, 'user', p.iamUser.id);
      for (const g of this.iam.groupsOfUser(p.iamUser)) docs.push(...this.attachedDocuments(p.account, 'group', g.id));
      return { documents: docs, sessionPolicy: p.sessionPolicy };
    }
    return { documents: [] };
  }

  /** GetAccountSummary's counts. */
  summary(account: Account): Record<string, number> {
    const users = this.iam.users(account.id);
    const groups = this.iam.groups(account.id);
    const roles = this.iam.roles(account.id);
    const policies = this.iam.policies(account.id);
    return {
      Users: users.length,
      Groups: groups.length,
      Roles: roles.length,
      Policies: policies.length,
      PolicyVersionsInUse: policies.reduce((n, p) => n + this.iam.attachmentCount(this.policyArn(account, p)), 0),
      AccessKeysPerUserQuota: LIMITS.accessKeysPerUser,
      PolicyVersionsInUseQuota: 10000,
      AttachedPoliciesPerUserQuota: LIMITS.attachedPoliciesPerEntity,
      AttachedPoliciesPerGroupQuota: LIMITS.attachedPoliciesPerEntity,
      AttachedPoliciesPerRoleQuota: LIMITS.attachedPoliciesPerEntity,
      GroupsPerUserQuota: LIMITS.groupsPerUser,
      UsersQuota: 5000,
      GroupsQuota: 300,
      RolesQuota: 1000,
      PoliciesQuota: 1500,
      VersionsPerPolicyQuota: LIMITS.versionsPerPolicy,
      AccountAccessKeysPresent: this.accounts.keys(account.id).length > 0 ? 1 : 0,
      AccountMFAEnabled: 0,
      MFADevices: 0,
      MFADevicesInUse: 0,
      ServerCertificates: 0,
      ServerCertificatesQuota: 20,
      UserPolicySizeQuota: 2048,
      GroupPolicySizeQuota: 5120,
      PolicySizeQuota: 6144,
      AssumeRolePolicySizeQuota: 2048,
      InstanceProfiles: 0,
      InstanceProfilesQuota: 1000,
      Providers: 0,
      SigningCertificatesPerUserQuota: 2,
      GlobalEndpointTokenVersion: 1,
    };
  }

  // ---------------------------------------------------------------- administration (the CLI, the administrator)

  createAccount(
    name: string,
    opts: { email?: string; accessKey?: string; secretKey?: string; isAdmin?: boolean } = {},
  ): Promise<{ account: Account; accessKey: string; secret: string }> {
    return this.write(() => {
      const accessKey = opts.accessKey ?? generateAccessKey('CKIA');
      const secret = opts.secretKey ?? generateSecretKey();
      const r = this.accounts.create(name, { email: opts.email, accessKey, secretKey: secret, isAdmin: opts.isAdmin, now: this.clock() });
      if (r === 'name-taken') throw new DomainError('EntityAlreadyExists', `An account named ${name} already exists.`);
      if (r === 'email-taken') throw new DomainError('EntityAlreadyExists', `An account with the email ${opts.email} already exists.`);
      if (r === 'key-taken') throw new DomainError('EntityAlreadyExists', `The access key ${accessKey} already exists.`);
      return { account: r.account, accessKey, secret };
    });
  }

  deleteAccount(name: string): Promise<void> {
    return this.write(() => {
      const a = this.accounts.byName(name);
      if (!a) throw new DomainError('NoSuchEntity', `The account with name ${name} cannot be found.`);
      const r = this.accounts.delete(a.id);
      if (r === 'admin') throw new DomainError('DeleteConflict', "The administrator's account cannot be deleted.");
      if (r === 'owns-buckets') throw new DomainError('DeleteConflict', `Account ${name} still owns buckets; delete them first.`);
      this.iam.invalidate();
    });
  }
}

import type { Db } from './db.js';

/**
 * IAM entities of accounts: users, groups (and members), roles, customer
 * managed policies (with versions), attachments and inline policies. Names
 * are unique per account case-insensitively (name_lower). Every change bumps
 * `generation`, which the authorization cache keys on.
 */

export type Tags = Array<{ Key: string; Value: string }>;

export interface IamUser {
  id: number;
  account: number;
  name: string;
  path: string;
  /** The AWS-style unique id (AIDA…), aws:userid. */
  userId: string;
  tags: Tags;
  createdAt: number;
}

export interface IamGroup {
  id: number;
  account: number;
  name: string;
  path: string;
  groupId: string;
  createdAt: number;
}

export interface IamRole {
  id: number;
  account: number;
  name: string;
  path: string;
  roleId: string;
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  tags: Tags;
  createdAt: number;
}

export interface IamPolicy {
  id: number;
  account: number;
  name: string;
  path: string;
  policyId: string;
  description?: string;
  defaultVersion: string;
  nextVersion: number;
  createdAt: number;
  updatedAt: number;
}

export interface PolicyVersion {
  versionId: string;
  document: string;
  createdAt: number;
}

export type EntityType = 'user' | 'group' | 'role';

interface UserRow {
  id: number;
  account: number;
  name: string;
  path: string;
  user_id: string;
  tags: string | null;
  created_at: number;
}
interface GroupRow {
  id: number;
  account: number;
  name: string;
  path: string;
  group_id: string;
  created_at: number;
}
interface RoleRow {
  id: number;
  account: number;
  name: string;
  path: string;
  role_id: string;
  trust_policy: string;
  description: string | null;
  max_session_duration: number;
  tags: string | null;
  created_at: number;
}
interface PolicyRow {
  id: number;
  account: number;
  name: string;
  path: string;
  policy_id: string;
  description: string | null;
  default_version: string;
  next_version: number;
  created_at: number;
  updated_at: number;
}

const toUser = (r: UserRow): IamUser => ({
  id: r.id,
  account: r.account,
  name: r.name,
  path: r.path,
  userId: r.user_id,
  tags: r.tags ? (JSON.parse(r.tags) as Tags) : [],
  createdAt: r.created_at,
});
const toGroup = (r: GroupRow): IamGroup => ({ id: r.id, account: r.account, name: r.name, path: r.path, groupId: r.group_id, createdAt: r.created_at });
const toRole = (r: RoleRow): IamRole => ({
  id: r.id,
  account: r.account,
  name: r.name,
  path: r.path,
  roleId: r.role_id,
  trustPolicy: r.trust_policy,
  description: r.description ?? undefined,
  maxSessionDuration: r.max_session_duration,
  tags: r.tags ? (JSON.parse(r.tags) as Tags) : [],
  createdAt: r.created_at,
});
const toPolicy = (r: PolicyRow): IamPolicy => ({
  id: r.id,
  account: r.account,
  name: r.name,
  path: r.path,
  policyId: r.policy_id,
  description: r.description ?? undefined,
  defaultVersion: r.default_version,
  nextVersion: r.next_version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const tagsJson = (t: Tags) => (t.length ? JSON.stringify(t) : null);

export class IamRepo {
  /** Bumped by every change; the authorization cache keys on it (and on PRAGMA data_version for other connections). */
  generation = 0;
  private readonly s;

  constructor(private readonly db: Db) {
    const p = <A extends unknown[], R>(sql: string) => db.prepare<A, R>(sql);
    this.s = {
      userById: p<[number], UserRow>('SELECT * FROM iam_users WHERE id = ?'),
      userByName: p<[number, string], UserRow>('SELECT * FROM iam_users WHERE account = ? AND name_lower = ?'),
      usersOf: p<[number], UserRow>('SELECT * FROM iam_users WHERE account = ? ORDER BY name_lower'),
      insertUser: db.prepare('INSERT INTO iam_users (account, name, name_lower, path, user_id, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      updateUser: db.prepare('UPDATE iam_users SET name = ?, name_lower = ?, path = ? WHERE id = ?'),
      setUserTags: db.prepare('UPDATE iam_users SET tags = ? WHERE id = ?'),
      delUser: db.prepare('DELETE FROM iam_users WHERE id = ?'),
      groupById: p<[number], GroupRow>('SELECT * FROM iam_groups WHERE id = ?'),
      groupByName: p<[number, string], GroupRow>('SELECT * FROM iam_groups WHERE account = ? AND name_lower = ?'),
      groupsOf: p<[number], GroupRow>('SELECT * FROM iam_groups WHERE account = ? ORDER BY name_lower'),
      insertGroup: db.prepare('INSERT INTO iam_groups (account, name, name_lower, path, group_id, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      updateGroup: db.prepare('UPDATE iam_groups SET name = ?, name_lower = ?, path = ? WHERE id = ?'),
      delGroup: db.prepare('DELETE FROM iam_groups WHERE id = ?'),
      addMember: db.prepare('INSERT OR IGNORE INTO iam_group_members (group_id, user_id) VALUES (?, ?)'),
      delMember: db.prepare('DELETE FROM iam_group_members WHERE group_id = ? AND user_id = ?'),
      membersOf: p<[number], UserRow>('SELECT u.* FROM iam_users u JOIN iam_group_members m ON m.user_id = u.id WHERE m.group_id = ? ORDER BY u.name_lower'),
      groupsOfUser: p<[number], GroupRow>(
        'SELECT g.* FROM iam_groups g JOIN iam_group_members m ON m.group_id = g.id WHERE m.user_id = ? ORDER BY g.name_lower',
      ),
      roleById: p<[number], RoleRow>('SELECT * FROM iam_roles WHERE id = ?'),
      roleByName: p<[number, string], RoleRow>('SELECT * FROM iam_roles WHERE account = ? AND name_lower = ?'),
      rolesOf: p<[number], RoleRow>('SELECT * FROM iam_roles WHERE account = ? ORDER BY name_lower'),
      insertRole: db.prepare(
        'INSERT INTO iam_roles (account, name, name_lower, path, role_id, trust_policy, description, max_session_duration, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      updateRole: db.prepare('UPDATE iam_roles SET description = ?, max_session_duration = ? WHERE id = ?'),
      setTrust: db.prepare('UPDATE iam_roles SET trust_policy = ? WHERE id = ?'),
      delRole: db.prepare('DELETE FROM iam_roles WHERE id = ?'),
      policyById: p<[number], PolicyRow>('SELECT * FROM iam_policies WHERE id = ?'),
      policyByName: p<[number, string], PolicyRow>('SELECT * FROM iam_policies WHERE account = ? AND name_lower = ?'),
      policiesOf: p<[number], PolicyRow>('SELECT * FROM iam_policies WHERE account = ? ORDER BY name_lower'),
      insertPolicy: db.prepare(
        'INSERT INTO iam_policies (account, name, name_lower, path, policy_id, description, default_version, next_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 2, ?, ?)',
      ),
      delPolicy: db.prepare('DELETE FROM iam_policies WHERE id = ?'),
      setDefault: db.prepare('UPDATE iam_policies SET default_version = ?, updated_at = ? WHERE id = ?'),
      bumpVersion: db.prepare('UPDATE iam_policies SET next_version = next_version + 1, updated_at = ? WHERE id = ?'),
      insertVersion: db.prepare('INSERT INTO iam_policy_versions (policy, version_id, document, created_at) VALUES (?, ?, ?, ?)'),
      versionsOf: p<[number], { version_id: string; document: string; created_at: number }>(
        'SELECT version_id, document, created_at FROM iam_policy_versions WHERE policy = ? ORDER BY created_at DESC, version_id DESC',
      ),
      version: p<[number, string], { version_id: string; document: string; created_at: number }>(
        'SELECT version_id, document, created_at FROM iam_policy_versions WHERE policy = ? AND version_id = ?',
      ),
      delVersion: db.prepare('DELETE FROM iam_policy_versions WHERE policy = ? AND version_id = ?'),
      attach: db.prepare('INSERT OR IGNORE INTO iam_attachments (account, entity_type, entity_id, policy_arn) VALUES (?, ?, ?, ?)'),
      detach: db.prepare('DELETE FROM iam_attachments WHERE entity_type = ? AND entity_id = ? AND policy_arn = ?'),
      attachedTo: p<[string, number], { policy_arn: string }>(
        'SELECT policy_arn FROM iam_attachments WHERE entity_type = ? AND entity_id = ? ORDER BY policy_arn',
      ),
      attachmentsOf: p<[string], { account: number; entity_type: EntityType; entity_id: number }>(
        'SELECT account, entity_type, entity_id FROM iam_attachments WHERE policy_arn = ? ORDER BY entity_type, entity_id',
      ),
      attachmentCount: p<[string], { n: number }>('SELECT count(*) AS n FROM iam_attachments WHERE policy_arn = ?'),
      attachmentCountIn: p<[string, number], { n: number }>('SELECT count(*) AS n FROM iam_attachments WHERE policy_arn = ? AND account = ?'),
      detachAllOf: db.prepare('DELETE FROM iam_attachments WHERE entity_type = ? AND entity_id = ?'),
      putInline: db.prepare(
        'INSERT INTO iam_inline_policies (account, entity_type, entity_id, name, document) VALUES (?, ?, ?, ?, ?) ON CONFLICT (entity_type, entity_id, name) DO UPDATE SET document = excluded.document',
      ),
      getInline: p<[string, number, string], { name: string; document: string }>(
        'SELECT name, document FROM iam_inline_policies WHERE entity_type = ? AND entity_id = ? AND name = ?',
      ),
      inlineOf: p<[string, number], { name: string; document: string }>(
        'SELECT name, document FROM iam_inline_policies WHERE entity_type = ? AND entity_id = ? ORDER BY name',
      ),
      delInline: db.prepare('DELETE FROM iam_inline_policies WHERE entity_type = ? AND entity_id = ? AND name = ?'),
      delAllInline: db.prepare('DELETE FROM iam_inline_policies WHERE entity_type = ? AND entity_id = ?'),
      membershipsOf: p<[number], { n: number }>('SELECT count(*) AS n FROM iam_group_members WHERE user_id = ?'),
      membersCount: p<[number], { n: number }>('SELECT count(*) AS n FROM iam_group_members WHERE group_id = ?'),
      keysOfUser: p<[number], { n: number }>('SELECT count(*) AS n FROM access_keys WHERE iam_user = ?'),
    };
  }

  private changed(): void {
    this.generation++;
  }

  /** Forgets nothing (no caches here) but tells the authorization cache that something changed elsewhere. */
  invalidate(): void {
    this.changed();
  }

  // ---------------------------------------------------------------- users

  user(id: number): IamUser | undefined {
    const r = this.s.userById.get(id);
    return r ? toUser(r) : undefined;
  }

  userByName(account: number, name: string): IamUser | undefined {
    const r = this.s.userByName.get(account, name.toLowerCase());
    return r ? toUser(r) : undefined;
  }

  users(account: number): IamUser[] {
    return this.s.usersOf.all(account).map(toUser);
  }

  /** Creates a user; undefined when the name is taken (case-insensitively). */
  createUser(account: number, name: string, path: string, userId: string, tags: Tags, now: number): IamUser | undefined {
    return this.db.transaction(() => {
      if (this.s.userByName.get(account, name.toLowerCase())) return undefined;
      const id = Number(this.s.insertUser.run(account, name, name.toLowerCase(), path, userId, tagsJson(tags), now).lastInsertRowid);
      this.changed();
      return this.user(id);
    })();
  }

  /** Renames or moves a user; false when the new name is taken by another user. */
  updateUser(u: IamUser, name: string, path: string): boolean {
    const other = this.s.userByName.get(u.account, name.toLowerCase());
    if (other && other.id !== u.id) return false;
    this.s.updateUser.run(name, name.toLowerCase(), path, u.id);
    this.changed();
    return true;
  }

  setUserTags(u: IamUser, tags: Tags): void {
    this.s.setUserTags.run(tagsJson(tags), u.id);
    this.changed();
  }

  /** What keeps a user from being deleted (AWS: keys, attached and inline policies, group memberships). */
  userAttachments(u: IamUser): { keys: number; policies: number; inline: number; groups: number } {
    return {
      keys: this.s.keysOfUser.get(u.id)!.n,
      policies: this.s.attachedTo.all('user', u.id).length,
      inline: this.s.inlineOf.all('user', u.id).length,
      groups: this.s.membershipsOf.get(u.id)!.n,
    };
  }

  deleteUser(u: IamUser): void {
    this.s.delUser.run(u.id);
    this.changed();
  }

  // ---------------------------------------------------------------- groups

  group(id: number): IamGroup | undefined {
    const r = this.s.groupById.get(id);
    return r ? toGroup(r) : undefined;
  }

  groupByName(account: number, name: string): IamGroup | undefined {
    const r = this.s.groupByName.get(account, name.toLowerCase());
    return r ? toGroup(r) : undefined;
  }

  groups(account: number): IamGroup[] {
    return this.s.groupsOf.all(account).map(toGroup);
  }

  createGroup(account: number, name: string, path: string, groupId: string, now: number): IamGroup | undefined {
    return this.db.transaction(() => {
      if (this.s.groupByName.get(account, name.toLowerCase())) return undefined;
      const id = Number(this.s.insertGroup.run(account, name, name.toLowerCase(), path, groupId, now).lastInsertRowid);
      this.changed();
      return this.group(id);
    })();
  }

  updateGroup(g: IamGroup, name: string, path: string): boolean {
    const other = this.s.groupByName.get(g.account, name.toLowerCase());
    if (other && other.id !== g.id) return false;
    this.s.updateGroup.run(name, name.toLowerCase(), path, g.id);
    this.changed();
    return true;
  }

  groupAttachments(g: IamGroup): { members: number; policies: number; inline: number } {
    return {
      members: this.s.membersCount.get(g.id)!.n,
      policies: this.s.attachedTo.all('group', g.id).length,
      inline: this.s.inlineOf.all('group', g.id).length,
    };
  }

  deleteGroup(g: IamGroup): void {
    this.s.delGroup.run(g.id);
    this.changed();
  }

  addMember(g: IamGroup, u: IamUser): void {
    this.s.addMember.run(g.id, u.id);
    this.changed();
  }

  removeMember(g: IamGroup, u: IamUser): boolean {
    const r = this.s.delMember.run(g.id, u.id).changes > 0;
    this.changed();
    return r;
  }

  members(g: IamGroup): IamUser[] {
    return this.s.membersOf.all(g.id).map(toUser);
  }

  groupsOfUser(u: IamUser): IamGroup[] {
    return this.s.groupsOfUser.all(u.id).map(toGroup);
  }

  // ---------------------------------------------------------------- roles

  role(id: number): IamRole | undefined {
    const r = this.s.roleById.get(id);
    return r ? toRole(r) : undefined;
  }

  roleByName(account: number, name: string): IamRole | undefined {
    const r = this.s.roleByName.get(account, name.toLowerCase());
    return r ? toRole(r) : undefined;
  }

  roles(account: number): IamRole[] {
    return this.s.rolesOf.all(account).map(toRole);
  }

  createRole(r: Omit<IamRole, 'id' | 'createdAt'>, now: number): IamRole | undefined {
    return this.db.transaction(() => {
      if (this.s.roleByName.get(r.account, r.name.toLowerCase())) return undefined;
      const id = Number(
        this.s.insertRole.run(
          r.account,
          r.name,
          r.name.toLowerCase(),
          r.path,
          r.roleId,
          r.trustPolicy,
          r.description ?? null,
          r.maxSessionDuration,
          tagsJson(r.tags),
          now,
        ).lastInsertRowid,
      );
      this.changed();
      return this.role(id);
    })();
  }

  updateRole(r: IamRole, description: string | undefined, maxSessionDuration: number): void {
    this.s.updateRole.run(description ?? null, maxSessionDuration, r.id);
    this.changed();
  }

  setTrustPolicy(r: IamRole, doc: string): void {
    this.s.setTrust.run(doc, r.id);
    this.changed();
  }

  roleAttachments(r: IamRole): { policies: number; inline: number } {
    return { policies: this.s.attachedTo.all('role', r.id).length, inline: this.s.inlineOf.all('role', r.id).length };
  }

  deleteRole(r: IamRole): void {
    this.s.delRole.run(r.id);
    this.changed();
  }

  // ---------------------------------------------------------------- customer-managed policies

  policy(id: number): IamPolicy | undefined {
    const r = this.s.policyById.get(id);
    return r ? toPolicy(r) : undefined;
  }

  policyByName(account: number, name: string): IamPolicy | undefined {
    const r = this.s.policyByName.get(account, name.toLowerCase());
    return r ? toPolicy(r) : undefined;
  }

  policies(account: number): IamPolicy[] {
    return this.s.policiesOf.all(account).map(toPolicy);
  }

  createPolicy(
    account: number,
    name: string,
    path: string,
    policyId: string,
    description: string | undefined,
    document: string,
    now: number,
  ): IamPolicy | undefined {
    return this.db.transaction(() => {
      if (this.s.policyByName.get(account, name.toLowerCase())) return undefined;
      const id = Number(this.s.insertPolicy.run(account, name, name.toLowerCase(), path, policyId, description ?? null, 'v1', now, now).lastInsertRowid);
      this.s.insertVersion.run(id, 'v1', document, now);
      this.changed();
      return this.policy(id);
    })();
  }

  deletePolicy(p: IamPolicy): void {
    this.s.delPolicy.run(p.id);
    this.changed();
  }

  versions(p: IamPolicy): PolicyVersion[] {
    return this.s.versionsOf.all(p.id).map((v) => ({ versionId: v.version_id, document: v.document, createdAt: v.created_at }));
  }

  version(p: IamPolicy, versionId: string): PolicyVersion | undefined {
    const v = this.s.version.get(p.id, versionId);
    return v ? { versionId: v.version_id, document: v.document, createdAt: v.created_at } : undefined;
  }

  /** Adds a version (v<next>), optionally the default; returns its id. */
  addVersion(p: IamPolicy, document: string, setDefault: boolean, now: number): string {
    return this.db.transaction(() => {
      const current = this.s.policyById.get(p.id)!;
      const versionId = `v${current.next_version}`;
      this.s.insertVersion.run(p.id, versionId, document, now);
      this.s.bumpVersion.run(now, p.id);
      if (setDefault) this.s.setDefault.run(versionId, now, p.id);
      this.changed();
      return versionId;
    })();
  }

  setDefaultVersion(p: IamPolicy, versionId: string, now: number): void {
    this.s.setDefault.run(versionId, now, p.id);
    this.changed();
  }

  deleteVersion(p: IamPolicy, versionId: string): void {
    this.s.delVersion.run(p.id, versionId);
    this.changed();
  }

  // ---------------------------------------------------------------- attachments and inline policies

  attach(account: number, type: EntityType, id: number, arn: string): void {
    this.s.attach.run(account, type, id, arn);
    this.changed();
  }

  detach(type: EntityType, id: number, arn: string): boolean {
    const r = this.s.detach.run(type, id, arn).changes > 0;
    this.changed();
    return r;
  }

  attached(type: EntityType, id: number): string[] {
    return this.s.attachedTo.all(type, id).map((r) => r.policy_arn);
  }

  /** Who a policy is attached to (every account for an AWS-managed policy, unless `account` is given). */
  attachmentsOf(arn: string, account?: number): Array<{ type: EntityType; id: number }> {
    return this.s.attachmentsOf
      .all(arn)
      .filter((r) => account === undefined || r.account === account)
      .map((r) => ({ type: r.entity_type, id: r.entity_id }));
  }

  attachmentCount(arn: string, account?: number): number {
    return account === undefined ? this.s.attachmentCount.get(arn)!.n : this.s.attachmentCountIn.get(arn, account)!.n;
  }

  putInline(account: number, type: EntityType, id: number, name: string, document: string): void {
    this.s.putInline.run(account, type, id, name, document);
    this.changed();
  }

  inline(type: EntityType, id: number, name: string): string | undefined {
    return this.s.getInline.get(type, id, name)?.document;
  }

  inlinePolicies(type: EntityType, id: number): Array<{ name: string; document: string }> {
    return this.s.inlineOf.all(type, id);
  }

  deleteInline(type: EntityType, id: number, name: string): boolean {
    const r = this.s.delInline.run(type, id, name).changes > 0;
    this.changed();
    return r;
  }

  /** Removes an entity's attachments and inline policies (when its account is deleted). */
  forgetEntity(type: EntityType, id: number): void {
    this.s.detachAllOf.run(type, id);
    this.s.delAllInline.run(type, id);
    this.changed();
  }
}

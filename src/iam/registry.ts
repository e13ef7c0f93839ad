/**
 * Every IAM action Cairn serves, by its AWS name. A new action is one
 * definition in src/iam/actions/ and one entry here.
 */
import { GetAccountSummary } from './actions/account.js';
import { ACCOUNT_ACTIONS } from './actions/accounts.js';
import { CreateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed, ListAccessKeys, UpdateAccessKey } from './actions/accessKeys.js';
import { AddUserToGroup, CreateGroup, DeleteGroup, GetGroup, ListGroups, ListGroupsForUser, RemoveUserFromGroup, UpdateGroup } from './actions/groups.js';
import { INLINE_POLICY_ACTIONS } from './actions/inlinePolicies.js';
import {
  ATTACHMENT_ACTIONS,
  CreatePolicy,
  CreatePolicyVersion,
  DeletePolicy,
  DeletePolicyVersion,
  GetPolicy,
  GetPolicyVersion,
  ListEntitiesForPolicy,
  ListPolicies,
  ListPolicyVersions,
  SetDefaultPolicyVersion,
} from './actions/managedPolicies.js';
import { CreateRole, DeleteRole, GetRole, ListRoles, UpdateAssumeRolePolicy, UpdateRole } from './actions/roles.js';
import { CreateUser, DeleteUser, GetUser, ListUsers, ListUserTags, TagUser, UntagUser, UpdateUser } from './actions/users.js';
import type { QueryAction } from './protocol.js';

const ALL: readonly QueryAction[] = [
  CreateUser,
  GetUser,
  ListUsers,
  UpdateUser,
  DeleteUser,
  TagUser,
  UntagUser,
  ListUserTags,
  CreateAccessKey,
  ListAccessKeys,
  UpdateAccessKey,
  DeleteAccessKey,
  GetAccessKeyLastUsed,
  CreateGroup,
  GetGroup,
  ListGroups,
  UpdateGroup,
  DeleteGroup,
  AddUserToGroup,
  RemoveUserFromGroup,
  ListGroupsForUser,
  ...INLINE_POLICY_ACTIONS,
  CreatePolicy,
  GetPolicy,
  DeletePolicy,
  ListPolicies,
  CreatePolicyVersion,
  GetPolicyVersion,
  ListPolicyVersions,
  DeletePolicyVersion,
  SetDefaultPolicyVersion,
  ListEntitiesForPolicy,
  ...ATTACHMENT_ACTIONS,
  CreateRole,
  GetRole,
  ListRoles,
  UpdateRole,
  UpdateAssumeRolePolicy,
  DeleteRole,
  GetAccountSummary,
  ...ACCOUNT_ACTIONS,
];

export const IAM_ACTIONS: ReadonlyMap<string, QueryAction> = new Map(ALL.map((a) => [a.name, a]));

/**
 * Groups: CreateGroup, GetGroup (with its users), ListGroups, UpdateGroup,
 * DeleteGroup, AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser.
 */
import { members, NAMES, page, action, type QueryRequest } from '../protocol.js';
import { entityArn, groupXml, onEntity, on, userXml } from '../shapes.js';

const groupName = (req: QueryRequest) => req.params.name('GroupName', NAMES.group, 128, true);

export const CreateGroup = action({
  name: 'CreateGroup',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:CreateGroup', 'group', groupName(req), req.params.name('Path', NAMES.path, 512)),
  run: async (ctx, req) => {
    const g = await ctx.services.iam.createGroup(req.principal.account, groupName(req), req.params.name('Path', NAMES.path, 512) ?? '/');
    return { Group: groupXml(req.principal.account, g) };
  },
});

export const GetGroup = action({
  name: 'GetGroup',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:GetGroup', 'group', groupName(req)),
  run: (ctx, req) => {
    const account = req.principal.account;
    const g = ctx.services.iam.group(account, groupName(req));
    const { items, truncation } = page(ctx.services.iam.groupMembers(g), req.params, (u) => u.name.toLowerCase());
    return { Group: groupXml(account, g), Users: members(items.map((u) => userXml(account, u))), ...truncation };
  },
});

export const ListGroups = action({
  name: 'ListGroups',
  permissions: () => on('iam:ListGroups'),
  run: (ctx, req) => {
    const account = req.principal.account;
    const prefix = req.params.name('PathPrefix', NAMES.pathPrefix, 512) ?? '/';
    const { items, truncation } = page(ctx.services.iam.listGroups(account, prefix), req.params, (g) => g.name.toLowerCase());
    return { Groups: members(items.map((g) => groupXml(account, g))), ...truncation };
  },
});

export const UpdateGroup = action({
  name: 'UpdateGroup',
  permissions: (ctx, req) => {
    const account = req.principal.account;
    const name = groupName(req);
    const perms = onEntity(ctx, req, 'iam:UpdateGroup', 'group', name);
    const newName = req.params.name('NewGroupName', NAMES.group, 128);
    const newPath = req.params.name('NewPath', NAMES.path, 512);
    // The target too (the new name under the new path, or the current one), as for UpdateUser.
    if (newName !== undefined || newPath !== undefined) {
      const current = ctx.services.iam.findGroup(account, name);
      perms.push({ action: 'iam:UpdateGroup', resource: entityArn(account, 'group', newPath ?? current?.path ?? '/', newName ?? current?.name ?? name) });
    }
    return perms;
  },
  run: async (ctx, req) => {
    const p = req.params;
    await ctx.services.iam.updateGroup(req.principal.account, groupName(req), p.name('NewGroupName', NAMES.group, 128), p.name('NewPath', NAMES.path, 512));
    return undefined;
  },
});

export const DeleteGroup = action({
  name: 'DeleteGroup',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:DeleteGroup', 'group', groupName(req)),
  run: async (ctx, req) => {
    await ctx.services.iam.deleteGroup(req.principal.account, groupName(req));
    return undefined;
  },
});

export const AddUserToGroup = action({
  name: 'AddUserToGroup',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:AddUserToGroup', 'group', groupName(req)),
  run: async (ctx, req) => {
    await ctx.services.iam.addUserToGroup(req.principal.account, groupName(req), req.params.name('UserName', NAMES.user, 128, true));
    return undefined;
  },
});

export const RemoveUserFromGroup = action({
  name: 'RemoveUserFromGroup',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:RemoveUserFromGroup', 'group', groupName(req)),
  run: async (ctx, req) => {
    await ctx.services.iam.removeUserFromGroup(req.principal.account, groupName(req), req.params.name('UserName', NAMES.user, 128, true));
    return undefined;
  },
});

export const ListGroupsForUser = action({
  name: 'ListGroupsForUser',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:ListGroupsForUser', 'user', req.params.name('UserName', NAMES.user, 128, true)),
  run: (ctx, req) => {
    const account = req.principal.account;
    const groups = ctx.services.iam.groupsForUser(account, req.params.name('UserName', NAMES.user, 128, true));
    const { items, truncation } = page(groups, req.params, (g) => g.name.toLowerCase());
    return { Groups: members(items.map((g) => groupXml(account, g))), ...truncation };
  },
});

/**
 * IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser,
 * TagUser, UntagUser, ListUserTags.
 */
import { iamDate, members, NAMES, page, action, validationError } from '../protocol.js';
import { callerArn, entityArn, onEntity, on, tagsXml, userXml } from '../shapes.js';

export const CreateUser = action({
  name: 'CreateUser',
  permissions: (ctx, req) => {
    const path = req.params.name('Path', NAMES.path, 512) ?? '/';
    return onEntity(ctx, req, 'iam:CreateUser', 'user', req.params.name('UserName', NAMES.user, 64, true), path);
  },
  run: async (ctx, req) => {
    const p = req.params;
    const name = p.name('UserName', NAMES.user, 64, true);
    const path = p.name('Path', NAMES.path, 512) ?? '/';
    const tags = p.tags();
    const u = await ctx.services.iam.createUser(req.principal.account, name, path, tags);
    return { User: userXml(req.principal.account, u, true) };
  },
});

export const GetUser = action({
  name: 'GetUser',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:GetUser', 'user', req.params.name('UserName', NAMES.user, 128)),
  run: (ctx, req) => {
    const account = req.principal.account;
    const name = req.params.name('UserName', NAMES.user, 128);
    if (name === undefined) {
      const p = req.principal;
      if (p.type === 'User' && p.iamUser) return { User: userXml(account, ctx.services.iam.user(account, p.iamUser.name), true) };
      if (p.type === 'AssumedRole') throw validationError('userName', undefined, 'Must specify userName when calling with non-User credentials');
      // The account's root user.
      return { User: { UserId: account.accountId, Arn: callerArn(p), CreateDate: iamDate(account.createdAt) } };
    }
    return { User: userXml(account, ctx.services.iam.user(account, name), true) };
  },
});

export const ListUsers = action({
  name: 'ListUsers',
  permissions: () => on('iam:ListUsers'),
  run: (ctx, req) => {
    const account = req.principal.account;
    const prefix = req.params.name('PathPrefix', NAMES.pathPrefix, 512) ?? '/';
    const { items, truncation } = page(ctx.services.iam.listUsers(account, prefix), req.params, (u) => u.name.toLowerCase());
    return { Users: members(items.map((u) => userXml(account, u))), ...truncation };
  },
});

export const UpdateUser = action({
  name: 'UpdateUser',
  permissions: (ctx, req) => {
    const account = req.principal.account;
    const name = req.params.name('UserName', NAMES.user, 128, true);
    const perms = onEntity(ctx, req, 'iam:UpdateUser', 'user', name);
    const newName = req.params.name('NewUserName', NAMES.user, 64);
    const newPath = req.params.name('NewPath', NAMES.path, 512);
    // Renaming or moving needs the permission on the target too, as AWS asks: the new name under the new path,
    // or under the user's current one when only the name changes.
    if (newName !== undefined || newPath !== undefined) {
      const current = ctx.services.iam.findUser(account, name);
      perms.push({ action: 'iam:UpdateUser', resource: entityArn(account, 'user', newPath ?? current?.path ?? '/', newName ?? current?.name ?? name) });
    }
    return perms;
  },
  run: async (ctx, req) => {
    const p = req.params;
    const name = p.name('UserName', NAMES.user, 128, true);
    const newName = p.name('NewUserName', NAMES.user, 64);
    const newPath = p.name('NewPath', NAMES.path, 512);
    await ctx.services.iam.updateUser(req.principal.account, name, newName, newPath);
    return undefined;
  },
});

export const DeleteUser = action({
  name: 'DeleteUser',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:DeleteUser', 'user', req.params.name('UserName', NAMES.user, 128, true)),
  run: async (ctx, req) => {
    await ctx.services.iam.deleteUser(req.principal.account, req.params.name('UserName', NAMES.user, 128, true));
    return undefined;
  },
});

export const TagUser = action({
  name: 'TagUser',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:TagUser', 'user', req.params.name('UserName', NAMES.user, 128, true)),
  run: async (ctx, req) => {
    const tags = req.params.tags();
    if (tags.length === 0) throw validationError('tags', undefined, 'Member must not be null');
    await ctx.services.iam.tagUser(req.principal.account, req.params.name('UserName', NAMES.user, 128, true), tags);
    return undefined;
  },
});

export const UntagUser = action({
  name: 'UntagUser',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:UntagUser', 'user', req.params.name('UserName', NAMES.user, 128, true)),
  run: async (ctx, req) => {
    const keys = req.params.members('TagKeys');
    if (keys.length === 0) throw validationError('tagKeys', undefined, 'Member must not be null');
    await ctx.services.iam.untagUser(req.principal.account, req.params.name('UserName', NAMES.user, 128, true), keys);
    return undefined;
  },
});

export const ListUserTags = action({
  name: 'ListUserTags',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:ListUserTags', 'user', req.params.name('UserName', NAMES.user, 128, true)),
  run: (ctx, req) => {
    const u = ctx.services.iam.user(req.principal.account, req.params.name('UserName', NAMES.user, 128, true));
    const { items, truncation } = page(u.tags, req.params, (t) => t.Key);
    return { Tags: tagsXml(items) ?? members([]), ...truncation };
  },
});

/**
 * Roles: CreateRole (with its trust policy), GetRole, ListRoles, UpdateRole,
 * UpdateAssumeRolePolicy, DeleteRole. Sessions are issued by STS AssumeRole.
 */
import { POLICY_LIMITS } from '../../auth/policy/index.js';
import { members, NAMES, page, action, queryError, type QueryRequest } from '../protocol.js';
import { checkPolicy, onEntity, on, roleXml } from '../shapes.js';

const roleName = (req: QueryRequest) => req.params.name('RoleName', NAMES.user, 64, true);
const description = (req: QueryRequest) => {
  const d = req.params.get('Description');
  if (d !== undefined && d.length > 1000) throw queryError('ValidationError', 'Description must be at most 1000 characters.');
  return d;
};
const maxSession = (req: QueryRequest) => req.params.int('MaxSessionDuration', 3600, 43200);

export const CreateRole = action({
  name: 'CreateRole',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:CreateRole', 'role', roleName(req), req.params.name('Path', NAMES.path, 512)),
  run: async (ctx, req) => {
    const p = req.params;
    const trustPolicy = p.required('AssumeRolePolicyDocument');
    checkPolicy(trustPolicy, 'trust', POLICY_LIMITS.trust());
    const r = await ctx.services.iam.createRole(req.principal.account, {
      name: roleName(req),
      path: p.name('Path', NAMES.path, 512) ?? '/',
      trustPolicy,
      description: description(req),
      maxSessionDuration: maxSession(req),
      tags: p.tags(),
    });
    return { Role: roleXml(req.principal.account, r, true) };
  },
});

export const GetRole = action({
  name: 'GetRole',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:GetRole', 'role', roleName(req)),
  run: (ctx, req) => ({ Role: roleXml(req.principal.account, ctx.services.iam.role(req.principal.account, roleName(req)), true) }),
});

export const ListRoles = action({
  name: 'ListRoles',
  permissions: () => on('iam:ListRoles'),
  run: (ctx, req) => {
    const account = req.principal.account;
    const prefix = req.params.name('PathPrefix', NAMES.pathPrefix, 512) ?? '/';
    const { items, truncation } = page(ctx.services.iam.listRoles(account, prefix), req.params, (r) => r.name.toLowerCase());
    return { Roles: members(items.map((r) => roleXml(account, r))), ...truncation };
  },
});

export const UpdateRole = action({
  name: 'UpdateRole',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:UpdateRole', 'role', roleName(req)),
  run: async (ctx, req) => {
    await ctx.services.iam.updateRole(req.principal.account, roleName(req), description(req), maxSession(req));
    return {};
  },
});

export const UpdateAssumeRolePolicy = action({
  name: 'UpdateAssumeRolePolicy',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:UpdateAssumeRolePolicy', 'role', roleName(req)),
  run: async (ctx, req) => {
    const document = req.params.required('PolicyDocument');
    ctx.services.iam.role(req.principal.account, roleName(req));
    checkPolicy(document, 'trust', POLICY_LIMITS.trust());
    await ctx.services.iam.updateAssumeRolePolicy(req.principal.account, roleName(req), document);
    return undefined;
  },
});

export const DeleteRole = action({
  name: 'DeleteRole',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:DeleteRole', 'role', roleName(req)),
  run: async (ctx, req) => {
    await ctx.services.iam.deleteRole(req.principal.account, roleName(req));
    return undefined;
  },
});

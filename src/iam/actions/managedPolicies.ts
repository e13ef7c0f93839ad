/**
 * Managed policies: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies,
 * CreatePolicyVersion, GetPolicyVersion (the document URL-encoded),
 * ListPolicyVersions, DeletePolicyVersion, SetDefaultPolicyVersion,
 * ListEntitiesForPolicy, and attaching them: Attach/Detach/ListAttached
 * User|Group|Role Policies. The 20 AWS-managed policies are attachable and
 * readable but not changeable.
 */
import { POLICY_LIMITS } from '../../auth/policy/index.js';
import { members, NAMES, page, action, queryError, validationError, type QueryAction, type QueryContext, type QueryRequest } from '../protocol.js';
import { checkPolicy, entityArn, onEntity, on, policyVersionXml, policyXml, type EntityKind } from '../shapes.js';

const ARN_RE = /^arn:[\w+=/,.@:-]+$/;
/** PolicyArn: 20 to 2048 characters (ValidationError), then an ARN (InvalidInput when it is not one a policy can have). */
function policyArn(req: QueryRequest): string {
  const arn = req.params.name('PolicyArn', /^[\s\S]*$/, 2048, true);
  if (arn.length < 20) throw validationError('policyArn', arn, 'Member must have length greater than or equal to 20');
  if (!ARN_RE.test(arn)) throw queryError('InvalidInput', `ARN ${arn} is not valid.`);
  return arn;
}
const versionId = (req: QueryRequest) => req.params.name('VersionId', NAMES.versionId, 128, true);

export const CreatePolicy = action({
  name: 'CreatePolicy',
  permissions: (_ctx, req) => {
    const path = req.params.name('Path', NAMES.path, 512) ?? '/';
    return on('iam:CreatePolicy', entityArn(req.principal.account, 'policy', path, req.params.name('PolicyName', NAMES.group, 128, true)));
  },
  run: async (ctx, req) => {
    const p = req.params;
    const account = req.principal.account;
    const name = p.name('PolicyName', NAMES.group, 128, true);
    const path = p.name('Path', NAMES.path, 512) ?? '/';
    const description = p.get('Description');
    if (description !== undefined && description.length > 1000) throw queryError('ValidationError', 'Description must be at most 1000 characters.');
    const document = p.required('PolicyDocument');
    checkPolicy(document, 'identity', POLICY_LIMITS.managed());
    const created = await ctx.services.iam.createPolicy(account, name, path, description, document);
    const ref = ctx.services.iam.policy(account, ctx.services.iam.policyArn(account, created));
    return { Policy: policyXml(ctx, account, ref, false) };
  },
});

export const GetPolicy = action({
  name: 'GetPolicy',
  permissions: (_ctx, req) => on('iam:GetPolicy', policyArn(req)),
  run: (ctx, req) => ({ Policy: policyXml(ctx, req.principal.account, ctx.services.iam.policy(req.principal.account, policyArn(req)), true) }),
});

export const DeletePolicy = action({
  name: 'DeletePolicy',
  permissions: (_ctx, req) => on('iam:DeletePolicy', policyArn(req)),
  run: async (ctx, req) => {
    await ctx.services.iam.deletePolicy(req.principal.account, policyArn(req));
    return undefined;
  },
});

export const ListPolicies = action({
  name: 'ListPolicies',
  permissions: () => on('iam:ListPolicies'),
  run: (ctx, req) => {
    const p = req.params;
    const account = req.principal.account;
    const scope = p.oneOf('Scope', ['All', 'AWS', 'Local'] as const) ?? 'All';
    const onlyAttached = p.bool('OnlyAttached') ?? false;
    const prefix = p.name('PathPrefix', NAMES.pathPrefix, 512) ?? '/';
    const iam = ctx.services.iam;
    const { items, truncation } = page(iam.listPolicies(account, scope, onlyAttached, prefix), p, (r) => iam.refArn(r));
    return { Policies: members(items.map((r) => policyXml(ctx, account, r, false))), ...truncation };
  },
});

export const CreatePolicyVersion = action({
  name: 'CreatePolicyVersion',
  permissions: (_ctx, req) => on('iam:CreatePolicyVersion', policyArn(req)),
  run: async (ctx, req) => {
    const document = req.params.required('PolicyDocument');
    const arn = policyArn(req);
    ctx.services.iam.policy(req.principal.account, arn);
    checkPolicy(document, 'identity', POLICY_LIMITS.managed());
    const v = await ctx.services.iam.createPolicyVersion(req.principal.account, arn, document, req.params.bool('SetAsDefault') ?? false);
    return { PolicyVersion: policyVersionXml(v, false) };
  },
});

export const GetPolicyVersion = action({
  name: 'GetPolicyVersion',
  permissions: (_ctx, req) => on('iam:GetPolicyVersion', policyArn(req)),
  run: (ctx, req) => ({ PolicyVersion: policyVersionXml(ctx.services.iam.version(req.principal.account, policyArn(req), versionId(req)), true) }),
});

export const ListPolicyVersions = action({
  name: 'ListPolicyVersions',
  permissions: (_ctx, req) => on('iam:ListPolicyVersions', policyArn(req)),
  run: (ctx, req) => {
    const versions = ctx.services.iam.versions(req.principal.account, policyArn(req));
    // Newest first, as IAM lists them.
    const ordered = [...versions].sort((a, b) => Number(b.versionId.slice(1)) - Number(a.versionId.slice(1)));
    const { items, truncation } = page(ordered, req.params, (v) => String(1e9 - Number(v.versionId.slice(1))).padStart(10, '0'));
    return { Versions: members(items.map((v) => policyVersionXml(v, false))), ...truncation };
  },
});

export const DeletePolicyVersion = action({
  name: 'DeletePolicyVersion',
  permissions: (_ctx, req) => on('iam:DeletePolicyVersion', policyArn(req)),
  run: async (ctx, req) => {
    await ctx.services.iam.deletePolicyVersion(req.principal.account, policyArn(req), versionId(req));
    return undefined;
  },
});

export const SetDefaultPolicyVersion = action({
  name: 'SetDefaultPolicyVersion',
  permissions: (_ctx, req) => on('iam:SetDefaultPolicyVersion', policyArn(req)),
  run: async (ctx, req) => {
    await ctx.services.iam.setDefaultPolicyVersion(req.principal.account, policyArn(req), versionId(req));
    return undefined;
  },
});

export const ListEntitiesForPolicy = action({
  name: 'ListEntitiesForPolicy',
  permissions: (_ctx, req) => on('iam:ListEntitiesForPolicy', policyArn(req)),
  run: (ctx, req) => {
    const filter = req.params.oneOf('EntityFilter', ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const);
    const prefix = req.params.name('PathPrefix', NAMES.pathPrefix, 512) ?? '/';
    const e = ctx.services.iam.entitiesForPolicy(req.principal.account, policyArn(req));
    const want = (k: 'User' | 'Role' | 'Group') => filter === undefined || filter === k;
    const byPath = <T extends { path: string }>(xs: T[]) => xs.filter((x) => x.path.startsWith(prefix));
    return {
      PolicyGroups: members(want('Group') ? byPath(e.groups).map((g) => ({ GroupName: g.name, GroupId: g.groupId })) : []),
      PolicyUsers: members(want('User') ? byPath(e.users).map((u) => ({ UserName: u.name, UserId: u.userId })) : []),
      PolicyRoles: members(want('Role') ? byPath(e.roles).map((r) => ({ RoleName: r.name, RoleId: r.roleId })) : []),
      IsTruncated: false,
    };
  },
});

const KINDS: ReadonlyArray<{ kind: EntityKind; Name: 'User' | 'Group' | 'Role'; max: number }> = [
  { kind: 'user', Name: 'User', max: 128 },
  { kind: 'group', Name: 'Group', max: 128 },
  { kind: 'role', Name: 'Role', max: 64 },
];

function attachments(kind: EntityKind, Name: 'User' | 'Group' | 'Role', max: number): QueryAction[] {
  const entity = (req: QueryRequest) => req.params.name(`${Name}Name`, NAMES.user, max, true);
  const perm = (ctx: QueryContext, req: QueryRequest, a: string) => onEntity(ctx, req, `iam:${a}`, kind, entity(req));
  return [
    action({
      name: `Attach${Name}Policy`,
      permissions: (ctx, req) => perm(ctx, req, `Attach${Name}Policy`),
      run: async (ctx, req) => {
        await ctx.services.iam.attachPolicy(req.principal.account, kind, entity(req), policyArn(req));
        return undefined;
      },
    }),
    action({
      name: `Detach${Name}Policy`,
      permissions: (ctx, req) => perm(ctx, req, `Detach${Name}Policy`),
      run: async (ctx, req) => {
        await ctx.services.iam.detachPolicy(req.principal.account, kind, entity(req), policyArn(req));
        return undefined;
      },
    }),
    action({
      name: `ListAttached${Name}Policies`,
      permissions: (ctx, req) => perm(ctx, req, `ListAttached${Name}Policies`),
      run: (ctx, req) => {
        const iam = ctx.services.iam;
        const prefix = req.params.name('PathPrefix', NAMES.pathPrefix, 512) ?? '/';
        const refs = iam.attachedPolicies(req.principal.account, kind, entity(req)).filter((r) => (r.kind === 'aws' ? '/' : r.policy.path).startsWith(prefix));
        const { items, truncation } = page(refs, req.params, (r) => iam.refArn(r));
        return {
          AttachedPolicies: members(items.map((r) => ({ PolicyName: r.kind === 'aws' ? r.managed.name : r.policy.name, PolicyArn: iam.refArn(r) }))),
          ...truncation,
        };
      },
    }),
  ];
}

export const ATTACHMENT_ACTIONS: readonly QueryAction[] = KINDS.flatMap((k) => attachments(k.kind, k.Name, k.max));

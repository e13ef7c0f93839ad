/**
 * Inline policies of users, groups and roles: Put/Get/Delete/List
 * User|Group|Role Policy/Policies. One definition per action family,
 * instantiated for each kind of entity.
 */
import { members, NAMES, page, action, type QueryAction, type QueryRequest } from '../protocol.js';
import { checkInlinePolicy, onEntity, type EntityKind } from '../shapes.js';

const KINDS: ReadonlyArray<{ kind: EntityKind; Name: 'User' | 'Group' | 'Role'; max: number }> = [
  { kind: 'user', Name: 'User', max: 128 },
  { kind: 'group', Name: 'Group', max: 128 },
  { kind: 'role', Name: 'Role', max: 64 },
];

function family(kind: EntityKind, Name: 'User' | 'Group' | 'Role', max: number): QueryAction[] {
  const entity = (req: QueryRequest) => req.params.name(`${Name}Name`, NAMES.user, max, true);
  const policyName = (req: QueryRequest) => req.params.name('PolicyName', NAMES.group, 128, true);
  return [
    action({
      name: `Put${Name}Policy`,
      permissions: (ctx, req) => onEntity(ctx, req, `iam:Put${Name}Policy`, kind, entity(req)),
      run: async (ctx, req) => {
        const account = req.principal.account;
        const name = entity(req);
        const pn = policyName(req);
        const document = req.params.required('PolicyDocument');
        // NoSuchEntity before a policy is judged: the entity is looked up first.
        ctx.services.iam.inlinePolicyNames(account, kind, name);
        checkInlinePolicy(ctx, account, kind, name, pn, document);
        await ctx.services.iam.putInlinePolicy(account, kind, name, pn, document);
        return undefined;
      },
    }),
    action({
      name: `Get${Name}Policy`,
      permissions: (ctx, req) => onEntity(ctx, req, `iam:Get${Name}Policy`, kind, entity(req)),
      run: (ctx, req) => {
        const name = entity(req);
        const pn = policyName(req);
        const document = ctx.services.iam.inlinePolicy(req.principal.account, kind, name, pn);
        return { [`${Name}Name`]: name, PolicyName: pn, PolicyDocument: encodeURIComponent(document) };
      },
    }),
    action({
      name: `Delete${Name}Policy`,
      permissions: (ctx, req) => onEntity(ctx, req, `iam:Delete${Name}Policy`, kind, entity(req)),
      run: async (ctx, req) => {
        await ctx.services.iam.deleteInlinePolicy(req.principal.account, kind, entity(req), policyName(req));
        return undefined;
      },
    }),
    action({
      name: `List${Name}Policies`,
      permissions: (ctx, req) => onEntity(ctx, req, `iam:List${Name}Policies`, kind, entity(req)),
      run: (ctx, req) => {
        const names = ctx.services.iam.inlinePolicyNames(req.principal.account, kind, entity(req));
        const { items, truncation } = page(names, req.params, (n) => n);
        return { PolicyNames: members(items), ...truncation };
      },
    }),
  ];
}

export const INLINE_POLICY_ACTIONS: readonly QueryAction[] = KINDS.flatMap((k) => family(k.kind, k.Name, k.max));

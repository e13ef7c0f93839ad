/**
 * Access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey,
 * DeleteAccessKey, GetAccessKeyLastUsed. Without UserName each acts on the
 * caller's own keys (an IAM user's, or the account root's). A secret is
 * shown once, in CreateAccessKey's answer.
 */
import { iamDate, members, NAMES, page, action, queryError, validationError, type QueryContext, type QueryRequest } from '../protocol.js';
import { accessKeyXml, implicitUser, on, onEntity } from '../shapes.js';

const userParam = (req: QueryRequest) => implicitUser(req, req.params.name('UserName', NAMES.user, 128));

/** AccessKeyId: 16 to 128 word characters, as the API reference constrains it. */
function accessKeyId(req: QueryRequest): string {
  const id = req.params.name('AccessKeyId', NAMES.accessKey, 128, true);
  if (id.length < 16) throw validationError('accessKeyId', id, 'Member must have length greater than or equal to 16');
  return id;
}

export const CreateAccessKey = action({
  name: 'CreateAccessKey',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:CreateAccessKey', 'user', userParam(req)),
  run: async (ctx, req) => {
    const user = userParam(req);
    const { key, secret } = await ctx.services.iam.createAccessKey(req.principal.account, user);
    return { AccessKey: { ...accessKeyXml(key, user), SecretAccessKey: secret } };
  },
});

export const ListAccessKeys = action({
  name: 'ListAccessKeys',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:ListAccessKeys', 'user', userParam(req)),
  run: (ctx, req) => {
    const user = userParam(req);
    const { items, truncation } = page(ctx.services.iam.accessKeys(req.principal.account, user), req.params, (k) => k.accessKey);
    return { AccessKeyMetadata: members(items.map((k) => accessKeyXml(k, user))), ...truncation };
  },
});

export const UpdateAccessKey = action({
  name: 'UpdateAccessKey',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:UpdateAccessKey', 'user', userParam(req)),
  run: async (ctx, req) => {
    const p = req.params;
    const key = accessKeyId(req);
    const status = p.oneOf('Status', ['Active', 'Inactive'] as const);
    if (status === undefined) p.required('Status');
    await ctx.services.iam.updateAccessKey(req.principal.account, userParam(req), key, status!);
    return undefined;
  },
});

export const DeleteAccessKey = action({
  name: 'DeleteAccessKey',
  permissions: (ctx, req) => onEntity(ctx, req, 'iam:DeleteAccessKey', 'user', userParam(req)),
  run: async (ctx, req) => {
    await ctx.services.iam.deleteAccessKey(req.principal.account, userParam(req), accessKeyId(req));
    return undefined;
  },
});

/** The key (of the caller's account) and its owner; the permission is on that user (the account root for a root key). */
function keyOwner(ctx: QueryContext, req: QueryRequest) {
  const id = accessKeyId(req);
  const found = ctx.services.iam.keyOf(req.principal.account, id);
  if (!found) throw queryError('AccessDenied', `The access key ${id} is not in this account.`);
  return found;
}

export const GetAccessKeyLastUsed = action({
  name: 'GetAccessKeyLastUsed',
  permissions: (ctx, req) => {
    const found = keyOwner(ctx, req);
    if (found.userName === undefined) return on('iam:GetAccessKeyLastUsed', `arn:aws:iam::${req.principal.account.accountId}:root`);
    return onEntity(ctx, req, 'iam:GetAccessKeyLastUsed', 'user', found.userName);
  },
  run: (ctx, req) => {
    const found = keyOwner(ctx, req);
    const use = ctx.services.identities.lastUse(found.key);
    return {
      UserName: found.userName ?? 'root',
      AccessKeyLastUsed:
        use.at === undefined
          ? { ServiceName: 'N/A', Region: 'N/A' }
          : { LastUsedDate: iamDate(use.at), ServiceName: use.service ?? 'N/A', Region: use.region ?? 'N/A' },
    };
  },
});

/**
 * Cairn extensions to the IAM Query API: CreateAccount, ListAccounts,
 * DeleteAccount — the instance administrator's account management (what
 * `cairn account create|list|delete` does, through the same IamService
 * calls), so that the console, which signs its own requests, can offer it.
 * Only the administrator (the admin account's root user) may call them;
 * anyone else — other accounts' roots, IAM users whatever their policies,
 * role sessions — is denied before anything is read.
 */
import type { Account } from '../../core/iam.js';
import { action, iamDate, members, NAMES, page, queryError, validationError, type QueryRequest } from '../protocol.js';
import { on } from '../shapes.js';

/** The permission these actions name; only the administrator holds it (the evaluator allows it everything). */
function adminOnly(req: QueryRequest, name: string) {
  if (!req.principal.isAdmin) {
    throw queryError(
      'AccessDenied',
      `User: ${req.principal.arn} is not authorized to perform: iam:${name} on resource: * because only the instance administrator (the admin account's root user) may manage accounts`,
    );
  }
  return on(`iam:${name}`);
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

function accountXml(a: Account) {
  return {
    AccountName: a.name,
    AccountId: a.accountId,
    CanonicalId: a.canonicalId,
    Email: a.email,
    CreateDate: iamDate(a.createdAt),
    IsAdministrator: a.isAdmin,
  };
}

export const CreateAccount = action({
  name: 'CreateAccount',
  permissions: (_ctx, req) => adminOnly(req, 'CreateAccount'),
  run: async (ctx, req) => {
    const name = req.params.name('AccountName', NAMES.user, 64, true);
    const email = req.params.get('Email');
    if (email !== undefined && (email.length > 254 || !EMAIL_RE.test(email))) {
      throw validationError('email', email, 'Member must satisfy regular expression pattern: [^\\s@]+@[^\\s@]+');
    }
    const r = await ctx.services.iam.createAccount(name, { email });
    return {
      Account: accountXml(r.account),
      AccessKey: { AccessKeyId: r.accessKey, SecretAccessKey: r.secret, Status: 'Active', CreateDate: iamDate(r.account.createdAt) },
    };
  },
});

export const ListAccounts = action({
  name: 'ListAccounts',
  permissions: (_ctx, req) => adminOnly(req, 'ListAccounts'),
  run: (ctx, req) => {
    const { items, truncation } = page(ctx.services.iam.listAccounts(), req.params, (a) => a.name);
    return { Accounts: members(items.map(accountXml)), ...truncation };
  },
});

export const DeleteAccount = action({
  name: 'DeleteAccount',
  permissions: (_ctx, req) => adminOnly(req, 'DeleteAccount'),
  run: async (ctx, req) => {
    const p = req.params;
    const name = p.name('AccountName', NAMES.user, 64);
    const id = p.name('AccountId', /^\d{12}$/, 12);
    if ((name === undefined) === (id === undefined)) throw queryError('InvalidInput', 'Specify exactly one of AccountName and AccountId.');
    let target = name;
    if (id !== undefined) {
      const a = ctx.services.iam.accountByAccountId(id);
      if (!a) throw queryError('NoSuchEntity', `The account with id ${id} cannot be found.`);
      target = a.name;
    }
    await ctx.services.iam.deleteAccount(target!);
    return undefined;
  },
});

export const ACCOUNT_ACTIONS = [CreateAccount, ListAccounts, DeleteAccount] as const;

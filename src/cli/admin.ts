/**
 * The `cairn` administration commands: accounts (the administrator's
 * power), and the IAM entities of one account (users, access keys, groups,
 * policies) — the admin account unless `--account NAME` is given. They run
 * over the same services as the IAM API (IamService), with the same checks
 * (names, limits, policy validation); a running server sees each change on
 * its next request (within 0.1 s).
 */
import { readFileSync } from 'node:fs';
import { accessKeyProblem, secretKeyProblem } from '../config.js';
import type { AppContext } from '../context.js';
import { DomainError } from '../core/errors.js';
import type { Account, EntityType } from '../core/iam.js';
import { ACCOUNT_NAME_RE } from '../store/accounts.js';
import { POLICY_LIMITS } from '../auth/policy/index.js';
import { QueryError } from '../iam/protocol.js';
import { checkInlinePolicy, checkPolicy, entityArn } from '../iam/shapes.js';

export class CliError extends Error {}

const fail = (msg: string): never => {
  throw new CliError(msg);
};

/** Takes `--name VALUE` out of args. */
export function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

/** Takes a boolean `--name` out of args. */
export function option(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}

/** Why these keys are refused (the rules CAIRN_ACCESS_KEY/CAIRN_SECRET_KEY follow); undefined when fine. */
export function keysProblem(accessKey: string | undefined, secretKey: string | undefined): string | undefined {
  if ((accessKey === undefined) !== (secretKey === undefined)) return 'give both --access-key and --secret-key, or neither';
  const ak = accessKey === undefined ? undefined : accessKeyProblem(accessKey);
  if (ak) return `--access-key: ${ak}`;
  const sk = secretKey === undefined ? undefined : secretKeyProblem(secretKey);
  if (sk) return `--secret-key: ${sk}`;
  return undefined;
}

export const ADMIN_USAGE = `accounts (the administrator's):
  cairn account create NAME [--email E] [--access-key K --secret-key S]
                                                prints the account id, canonical id and root keys
  cairn account list [--json]
  cairn account delete NAME                     refused while the account owns buckets
IAM entities of an account (the admin account unless --account NAME):
  cairn user create NAME [--path /P/] [--allow read|write|readwrite --bucket B [--prefix P]] [--no-key]
                                                an IAM user with an access key; --allow writes the
                                                equivalent inline policy
  cairn user list [--json]
  cairn user delete NAME                        its keys and policies go with it
  cairn key create [USER]                       a key for IAM user USER, or for the account's root user
  cairn key list [USER] [--json]                keys, without secrets
  cairn key activate|deactivate ACCESS_KEY
  cairn key delete ACCESS_KEY
  cairn group create NAME | list | delete NAME
  cairn group add GROUP USER | remove GROUP USER
  cairn policy create NAME FILE                 a customer-managed policy from a JSON file ('-': stdin)
  cairn policy put USER|--group G|--role R NAME FILE   an inline policy
  cairn policy attach POLICY (--user U | --group G | --role R)   POLICY: a name or an ARN
  cairn policy detach POLICY (--user U | --group G | --role R)
  cairn policy list [--scope All|AWS|Local] [--json]`;

type Out = (line: string) => void;

/** What the commands need: the context, and where their output goes. */
interface Cli {
  ctx: AppContext;
  out: Out;
}

function accountOf(cli: Cli, args: string[]): Account {
  const name = flag(args, '--account');
  const iam = cli.ctx.services.iam;
  if (name === undefined) return cli.ctx.accounts.admin() ?? fail('there is no admin account yet: start the server once (it creates it), or pass --account');
  return iam.accountByName(name) ?? fail(`no account "${name}" (see \`cairn account list\`)`);
}

function readDocument(file: string | undefined): string {
  if (file === undefined) fail('a policy document file is needed (or - for stdin)');
  try {
    return readFileSync(file === '-' ? 0 : file!, 'utf8');
  } catch (e) {
    return fail(`cannot read ${file}: ${(e as Error).message}`);
  }
}

const json = (v: unknown) => JSON.stringify(v, null, 2);
const iso = (ms: number) => new Date(ms).toISOString();

/** The inline policy `cairn user create --allow` writes: AWS's usual shape for one bucket (and prefix). */
export function allowPolicy(allow: 'read' | 'write' | 'readwrite', bucket: string, prefix = ''): string {
  const objects = `arn:aws:s3:::${bucket}/${prefix}*`;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const read = allow === 'read' || allow === 'readwrite';
  const write = allow === 'write' || allow === 'readwrite';
  const statements: unknown[] = [];
  const list: Record<string, unknown> = { Sid: 'ListTheBucket', Effect: 'Allow', Action: ['s3:ListBucket', 's3:ListBucketVersions'], Resource: bucketArn };
  if (prefix !== '') list.Condition = { StringLike: { 's3:prefix': [`${prefix}*`] } };
  statements.push({ Sid: 'LocateTheBucket', Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: bucketArn });
  if (read) {
    statements.push(list);
    statements.push({
      Sid: 'ReadObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'],
      Resource: objects,
    });
  }
  if (write) {
    statements.push({ Sid: 'Uploads', Effect: 'Allow', Action: ['s3:ListBucketMultipartUploads'], Resource: bucketArn });
    statements.push({
      Sid: 'WriteObjects',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:DeleteObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      Resource: objects,
    });
  }
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

function printKey(out: Out, accessKey: string, secret: string): void {
  out(`AWS_ACCESS_KEY_ID=${accessKey}`);
  out(`AWS_SECRET_ACCESS_KEY=${secret}`);
}

async function accountCommand(cli: Cli, verb: string | undefined, args: string[]): Promise<void> {
  const { ctx, out } = cli;
  const iam = ctx.services.iam;
  if (verb === 'create') {
    const email = flag(args, '--email');
    const ak = flag(args, '--access-key');
    const sk = flag(args, '--secret-key');
    const problem = keysProblem(ak, sk);
    if (problem) fail(problem);
    const name = args[0];
    if (!name || args.length !== 1) fail('usage: cairn account create NAME [--email E] [--access-key K --secret-key S]');
    if (!ACCOUNT_NAME_RE.test(name!)) fail(`invalid account name "${name}" (1-64 of A-Z a-z 0-9 + = , . @ _ -)`);
    if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) fail(`invalid email "${email}"`);
    const r = await iam.createAccount(name!, { email, accessKey: ak, secretKey: sk });
    out(`account: ${r.account.name}`);
    out(`account id: ${r.account.accountId}`);
    out(`canonical id: ${r.account.canonicalId}`);
    printKey(out, r.accessKey, r.secret);
  } else if (verb === 'list') {
    const asJson = option(args, '--json');
    const rows = iam.listAccounts().map((a) => ({
      name: a.name,
      accountId: a.accountId,
      canonicalId: a.canonicalId,
      displayName: a.name,
      email: a.email ?? null,
      admin: a.isAdmin,
    }));
    if (asJson) out(json(rows));
    else for (const a of rows) out(`${a.name}${a.admin ? ' (admin)' : ''}\t${a.accountId}\t${a.canonicalId}\t${a.email ?? ''}`);
  } else if (verb === 'delete') {
    const name = args[0];
    if (!name || args.length !== 1) fail('usage: cairn account delete NAME');
    await iam.deleteAccount(name!);
    out(`deleted account ${name}`);
  } else fail(ADMIN_USAGE);
}

async function userCommand(cli: Cli, verb: string | undefined, args: string[]): Promise<void> {
  const { ctx, out } = cli;
  const iam = ctx.services.iam;
  const account = accountOf(cli, args);
  if (verb === 'create') {
    const path = flag(args, '--path') ?? '/';
    const allow = flag(args, '--allow');
    const bucket = flag(args, '--bucket');
    const prefix = flag(args, '--prefix');
    const noKey = option(args, '--no-key');
    const name = args[0];
    if (!name || args.length !== 1) fail('usage: cairn user create NAME [--path /P/] [--allow read|write|readwrite --bucket B [--prefix P]] [--no-key]');
    if (!/^[\w+=,.@-]{1,64}$/.test(name!)) fail(`invalid user name "${name}" (1-64 of A-Z a-z 0-9 + = , . @ _ -)`);
    if (!/^(?:\/|\/[\x21-\x7e]+\/)$/.test(path)) fail(`invalid path "${path}" (/ or /a/b/)`);
    if (allow !== undefined && allow !== 'read' && allow !== 'write' && allow !== 'readwrite') fail('--allow must be read, write or readwrite');
    if ((allow === undefined) !== (bucket === undefined)) fail('--allow and --bucket go together');
    if (prefix !== undefined && allow === undefined) fail('--prefix needs --allow and --bucket');
    const policy = allow === undefined ? undefined : allowPolicy(allow as 'read', bucket!, prefix);
    if (policy !== undefined) checkPolicy(policy, 'identity', POLICY_LIMITS.user(name!));
    const u = await iam.createUser(account, name!, path);
    if (policy !== undefined) await iam.putInlinePolicy(account, 'user', u.name, `cairn-${allow}-${bucket}`, policy);
    out(`user: ${u.name} in account ${account.name}`);
    out(`arn: ${entityArn(account, 'user', u.path, u.name)}`);
    if (policy !== undefined) out(`inline policy cairn-${allow}-${bucket}: ${allow} ${bucket}${prefix ? `/${prefix}*` : ''}`);
    if (!noKey) {
      const k = await iam.createAccessKey(account, u.name);
      printKey(out, k.key.accessKey, k.secret);
    }
  } else if (verb === 'list') {
    const asJson = option(args, '--json');
    const rows = iam.listUsers(account).map((u) => ({
      name: u.name,
      path: u.path,
      userId: u.userId,
      arn: entityArn(account, 'user', u.path, u.name),
      groups: iam.groupsForUser(account, u.name).map((g) => g.name),
      keys: iam.accessKeys(account, u.name).map((k) => ({ accessKey: k.accessKey, status: k.status })),
      createdAt: iso(u.createdAt),
    }));
    if (asJson) out(json(rows));
    else
      for (const u of rows)
        out(`${u.name}\t${u.arn}\t${u.keys.map((k) => k.accessKey + (k.status === 'Active' ? '' : ' (inactive)')).join(',')}\t${u.groups.join(',')}`);
  } else if (verb === 'delete') {
    const name = args[0];
    if (!name || args.length !== 1) fail('usage: cairn user delete NAME');
    const u = iam.user(account, name!);
    // What the IAM API asks a client to remove first, removed here in one command.
    for (const k of iam.accessKeys(account, u.name)) await iam.deleteAccessKey(account, u.name, k.accessKey);
    for (const p of iam.inlinePolicyNames(account, 'user', u.name)) await iam.deleteInlinePolicy(account, 'user', u.name, p);
    for (const r of iam.attachedPolicies(account, 'user', u.name)) await iam.detachPolicy(account, 'user', u.name, iam.refArn(r));
    for (const g of iam.groupsForUser(account, u.name)) await iam.removeUserFromGroup(account, g.name, u.name);
    await iam.deleteUser(account, u.name);
    out(`deleted user ${u.name} from account ${account.name}`);
  } else fail(ADMIN_USAGE);
}

async function keyCommand(cli: Cli, verb: string | undefined, args: string[]): Promise<void> {
  const { ctx, out } = cli;
  const iam = ctx.services.iam;
  const account = accountOf(cli, args);
  const userHint = (name: string) => {
    if (!iam.findUser(account, name)) {
      const other = iam.accountByName(name);
      fail(
        `no IAM user "${name}" in account ${account.name}` +
          (other ? `; for the root keys of account ${name} use \`cairn key ${verb} --account ${name}\`` : '') +
          (name === 'root' ? `; for the admin account's root keys leave the name out: \`cairn key ${verb}\`` : ''),
      );
    }
  };
  if (verb === 'create') {
    const user = args[0];
    if (args.length > 1) fail('usage: cairn key create [USER] [--account A]');
    if (user !== undefined) userHint(user);
    const k = await iam.createAccessKey(account, user);
    out(user === undefined ? `root user of account ${account.name}` : `user: ${user} in account ${account.name}`);
    printKey(out, k.key.accessKey, k.secret);
  } else if (verb === 'list') {
    const asJson = option(args, '--json');
    const user = args[0];
    if (args.length > 1) fail('usage: cairn key list [USER] [--account A] [--json]');
    if (user !== undefined) userHint(user);
    const owners: Array<string | undefined> = user === undefined ? [undefined, ...iam.listUsers(account).map((u) => u.name)] : [user];
    const rows = owners.flatMap((o) =>
      iam.accessKeys(account, o).map((k) => ({ accessKey: k.accessKey, owner: o ?? '(root)', status: k.status, createdAt: iso(k.createdAt) })),
    );
    if (asJson) out(json(rows));
    else for (const r of rows) out(`${r.accessKey}\t${r.owner}\t${r.status}\t${r.createdAt}`);
  } else if (verb === 'delete' || verb === 'activate' || verb === 'deactivate') {
    const key = args[0];
    if (!key || args.length !== 1) fail(`usage: cairn key ${verb} ACCESS_KEY`);
    // A key is named by itself: whichever account holds it (the admin may manage every account's).
    const found = ctx.accounts.findKey(key!);
    if (!found) fail(`no access key ${key}`);
    const owner = ctx.accounts.get(found!.account)!;
    const user = found!.iamUser === undefined ? undefined : iam.userById(found!.iamUser)?.name;
    if (verb === 'delete') {
      if (owner.isAdmin && user === undefined && iam.accessKeys(owner).length === 1) {
        fail(`${key} is the admin's last root key: create another first (\`cairn key create\`), or nobody can administer the server`);
      }
      await iam.deleteAccessKey(owner, user, key!);
      out(`deleted access key ${key}`);
    } else {
      await iam.updateAccessKey(owner, user, key!, verb === 'activate' ? 'Active' : 'Inactive');
      out(`${verb}d access key ${key}`);
    }
  } else fail(ADMIN_USAGE);
}

async function groupCommand(cli: Cli, verb: string | undefined, args: string[]): Promise<void> {
  const { ctx, out } = cli;
  const iam = ctx.services.iam;
  const account = accountOf(cli, args);
  if (verb === 'create') {
    if (args.length !== 1) fail('usage: cairn group create NAME');
    if (!/^[\w+=,.@-]{1,128}$/.test(args[0]!)) fail(`invalid group name "${args[0]}"`);
    const g = await iam.createGroup(account, args[0]!);
    out(`group: ${g.name} in account ${account.name}`);
  } else if (verb === 'list') {
    const asJson = option(args, '--json');
    const rows = iam
      .listGroups(account)
      .map((g) => ({ name: g.name, arn: entityArn(account, 'group', g.path, g.name), users: iam.groupMembers(g).map((u) => u.name) }));
    if (asJson) out(json(rows));
    else for (const g of rows) out(`${g.name}\t${g.arn}\t${g.users.join(',')}`);
  } else if (verb === 'delete') {
    if (args.length !== 1) fail('usage: cairn group delete NAME');
    await iam.deleteGroup(account, args[0]!);
    out(`deleted group ${args[0]}`);
  } else if (verb === 'add' || verb === 'remove') {
    if (args.length !== 2) fail(`usage: cairn group ${verb} GROUP USER`);
    if (verb === 'add') await iam.addUserToGroup(account, args[0]!, args[1]!);
    else await iam.removeUserFromGroup(account, args[0]!, args[1]!);
    out(`${verb === 'add' ? 'added' : 'removed'} ${args[1]} ${verb === 'add' ? 'to' : 'from'} group ${args[0]}`);
  } else fail(ADMIN_USAGE);
}

/** The entity a policy command names: --user, --group or --role (or a bare USER for `policy put`). */
function entityOf(args: string[]): { type: EntityType; name: string } | undefined {
  const user = flag(args, '--user');
  const group = flag(args, '--group');
  const role = flag(args, '--role');
  const given = [
    user && { type: 'user' as const, name: user },
    group && { type: 'group' as const, name: group },
    role && { type: 'role' as const, name: role },
  ].filter((x): x is { type: EntityType; name: string } => !!x);
  if (given.length > 1) fail('name one of --user, --group, --role');
  return given[0];
}

async function policyCommand(cli: Cli, verb: string | undefined, args: string[]): Promise<void> {
  const { ctx, out } = cli;
  const iam = ctx.services.iam;
  const account = accountOf(cli, args);
  const arnOf = (policy: string) =>
    policy.startsWith('arn:')
      ? policy
      : (iam
          .listPolicies(account, 'All')
          .map((r) => iam.refArn(r))
          .find((a) => a.endsWith(`/${policy}`)) ?? fail(`no policy "${policy}" (see \`cairn policy list\`)`));
  if (verb === 'create') {
    const description = flag(args, '--description');
    if (args.length !== 2) fail('usage: cairn policy create NAME FILE');
    const document = readDocument(args[1]);
    checkPolicy(document, 'identity', POLICY_LIMITS.managed());
    const p = await iam.createPolicy(account, args[0]!, '/', description, document);
    out(`policy: ${iam.policyArn(account, p)}`);
  } else if (verb === 'put') {
    const e = entityOf(args) ?? (args.length === 3 ? { type: 'user' as const, name: args.shift()! } : undefined);
    if (!e || args.length !== 2) fail('usage: cairn policy put USER|--group G|--role R NAME FILE');
    const document = readDocument(args[1]);
    iam.inlinePolicyNames(account, e!.type, e!.name);
    checkInlinePolicy(ctx, account, e!.type, e!.name, args[0]!, document);
    await iam.putInlinePolicy(account, e!.type, e!.name, args[0]!, document);
    out(`inline policy ${args[0]} on ${e!.type} ${e!.name}`);
  } else if (verb === 'attach' || verb === 'detach') {
    const e = entityOf(args);
    if (!e || args.length !== 1) fail(`usage: cairn policy ${verb} POLICY (--user U | --group G | --role R)`);
    const arn = arnOf(args[0]!);
    if (verb === 'attach') await iam.attachPolicy(account, e!.type, e!.name, arn);
    else await iam.detachPolicy(account, e!.type, e!.name, arn);
    out(`${verb}ed ${arn} ${verb === 'attach' ? 'to' : 'from'} ${e!.type} ${e!.name}`);
  } else if (verb === 'list') {
    const asJson = option(args, '--json');
    const scope = (flag(args, '--scope') ?? 'All') as 'All';
    if (!['All', 'AWS', 'Local'].includes(scope)) fail('--scope must be All, AWS or Local');
    const rows = iam
      .listPolicies(account, scope)
      .map((r) => ({ name: r.kind === 'aws' ? r.managed.name : r.policy.name, arn: iam.refArn(r), attachments: iam.attachmentCount(account, r) }));
    if (asJson) out(json(rows));
    else for (const r of rows) out(`${r.name}\t${r.arn}\t${r.attachments}`);
  } else fail(ADMIN_USAGE);
}

/** Runs one administration command; throws CliError (or a DomainError, QueryError) with what went wrong. */
export async function runAdmin(ctx: AppContext, args: string[], out: Out): Promise<void> {
  const [noun, verb, ...rest] = args;
  const cli: Cli = { ctx, out };
  try {
    if (noun === 'account') await accountCommand(cli, verb, rest);
    else if (noun === 'user') await userCommand(cli, verb, rest);
    else if (noun === 'key') await keyCommand(cli, verb, rest);
    else if (noun === 'group') await groupCommand(cli, verb, rest);
    else if (noun === 'policy') await policyCommand(cli, verb, rest);
    else fail(ADMIN_USAGE);
  } catch (e) {
    if (e instanceof DomainError || e instanceof QueryError) throw new CliError(e.message);
    throw e;
  }
}

export const ADMIN_NOUNS = new Set(['account', 'user', 'key', 'group', 'policy']);

#!/usr/bin/env node
import pino from 'pino';
import { ConfigError, accessKeyProblem, loadConfig, secretKeyProblem } from './config.js';
import { openContext } from './context.js';
import { presignBase, startServer } from './main.js';
import { presignUrl } from './cli/signer.js';
import { USER_NAME_RE, generateAccessKey, generateSecretKey } from './store/users.js';

const USAGE = `usage:
  cairn serve                                   run the server in the foreground
  cairn user create NAME [--access-key K --secret-key S]
  cairn user list
  cairn user delete NAME
  cairn key create NAME                         add an access key to user NAME (prints its secret)
  cairn key list [NAME]                         access keys (of user NAME), without secrets
  cairn key delete ACCESS_KEY
  cairn presign BUCKET/KEY [--method GET|PUT|HEAD|DELETE] [--expires SECONDS] [--access-key K]
                                                a presigned URL on CAIRN_PUBLIC_URL, else the running
                                                server's address, else http://127.0.0.1:PORT
Settings: config/default.json, CAIRN_CONFIG, CAIRN_* environment variables (see README).`;

function fail(msg: string): never {
  process.stderr.write(`cairn: ${msg}\n`);
  process.exit(1);
}

/** Why `cairn user create` refuses these keys (the rules CAIRN_ACCESS_KEY/CAIRN_SECRET_KEY follow); undefined when fine. */
function userKeysProblem(accessKey: string | undefined, secretKey: string | undefined): string | undefined {
  if ((accessKey === undefined) !== (secretKey === undefined)) return 'give both --access-key and --secret-key, or neither';
  const ak = accessKey === undefined ? undefined : accessKeyProblem(accessKey);
  if (ak) return `--access-key: ${ak}`;
  const sk = secretKey === undefined ? undefined : secretKeyProblem(secretKey);
  if (sk) return `--secret-key: ${sk}`;
  return undefined;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

async function serve(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    server.ctx.log.info({ signal: sig }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function admin(args: string[]): void {
  const config = loadConfig();
  if (args[0] === 'user' && args[1] === 'create') {
    // Refused before the data directory is opened (or created).
    const rest = args.slice(2);
    const problem = userKeysProblem(flag(rest, '--access-key'), flag(rest, '--secret-key'));
    if (problem) fail(problem);
  }
  // Warnings (file modes repaired at open) go to stderr.
  const ctx = openContext(config, pino({ level: 'warn', base: undefined }, pino.destination({ fd: 2, sync: true })), {}, 'admin');
  try {
    const [noun, verb, ...rest] = args;
    const out = (l: string) => process.stdout.write(`${l}\n`);
    if (noun === 'user' && verb === 'create') {
      const ak = flag(rest, '--access-key');
      const sk = flag(rest, '--secret-key');
      const name = rest[0];
      if (!name || rest.length !== 1) fail('usage: cairn user create NAME [--access-key K --secret-key S]');
      if (!USER_NAME_RE.test(name)) fail(`invalid user name "${name}" (1-64 of A-Z a-z 0-9 + = , . @ _ -)`);
      const accessKey = ak ?? generateAccessKey();
      const secretKey = sk ?? generateSecretKey();
      const made = ctx.users.create(name, accessKey, secretKey);
      if (!made) fail(`user "${name}" or access key ${accessKey} already exists`);
      out(`user: ${name}`);
      out(`AWS_ACCESS_KEY_ID=${accessKey}`);
      out(`AWS_SECRET_ACCESS_KEY=${secretKey}`);
    } else if (noun === 'user' && verb === 'list') {
      for (const u of ctx.users.list()) {
        const keys = ctx.users.keys(u.id).map((k) => k.accessKey);
        out(`${u.name}${u.isRoot ? ' (root)' : ''}\t${keys.join(',')}\t${new Date(u.createdAt).toISOString()}`);
      }
    } else if (noun === 'user' && verb === 'delete') {
      const name = rest[0];
      if (!name || rest.length !== 1) fail('usage: cairn user delete NAME');
      const r = ctx.users.delete(name);
      if (r === 'missing') fail(`no user "${name}"`);
      if (r === 'root') fail('the root user cannot be deleted');
      if (r === 'owns-buckets') fail(`user "${name}" still owns buckets; delete them first`);
      out(`deleted user ${name}`);
    } else if (noun === 'key' && verb === 'create') {
      const name = rest[0];
      if (!name || rest.length !== 1) fail('usage: cairn key create NAME');
      const u = ctx.users.getByName(name);
      if (!u) fail(`no user "${name}"`);
      const accessKey = generateAccessKey();
      const secretKey = generateSecretKey();
      ctx.users.addKey(u.id, accessKey, secretKey);
      out(`user: ${name}`);
      out(`AWS_ACCESS_KEY_ID=${accessKey}`);
      out(`AWS_SECRET_ACCESS_KEY=${secretKey}`);
    } else if (noun === 'key' && verb === 'list') {
      const name = rest[0];
      if (rest.length > 1) fail('usage: cairn key list [NAME]');
      const users = name === undefined ? ctx.users.list() : [ctx.users.getByName(name) ?? fail(`no user "${name}"`)];
      for (const u of users) {
        for (const k of ctx.users.keys(u.id)) out(`${k.accessKey}\t${u.name}${u.isRoot ? ' (root)' : ''}\t${new Date(k.createdAt).toISOString()}`);
      }
    } else if (noun === 'key' && verb === 'delete') {
      const key = rest[0];
      if (!key || rest.length !== 1) fail('usage: cairn key delete ACCESS_KEY');
      if (!ctx.users.deleteKey(key)) fail(`no access key ${key}`);
      out(`deleted access key ${key}`);
    } else if (noun === 'presign') {
      if (verb !== undefined) rest.unshift(verb);
      const method = (flag(rest, '--method') ?? 'GET').toUpperCase();
      const expires = Number(flag(rest, '--expires') ?? '3600');
      const ak = flag(rest, '--access-key');
      const target = rest[0]?.replace(/^s3:\/\//, '');
      const slash = target?.indexOf('/') ?? -1;
      if (!target || rest.length !== 1 || slash <= 0 || slash === target.length - 1)
        fail('usage: cairn presign BUCKET/KEY [--method GET|PUT|HEAD|DELETE] [--expires SECONDS] [--access-key K]');
      if (!['GET', 'PUT', 'HEAD', 'DELETE'].includes(method)) fail('--method must be GET, PUT, HEAD or DELETE');
      if (!Number.isInteger(expires) || expires < 1 || expires > 604800) fail('--expires must be 1 to 604800 seconds');
      let cred: { accessKey: string; secretKey: string } | undefined;
      if (ak) {
        const found = ctx.users.findByAccessKey(ak);
        if (found) cred = { accessKey: ak, secretKey: found.secretKey };
      } else {
        const root = ctx.users.getRoot();
        const k = root ? ctx.users.keys(root.id)[0] : undefined;
        if (k) cred = { accessKey: k.accessKey, secretKey: k.secretKey };
      }
      if (!cred) fail(ak ? `no access key ${ak}` : 'no root access key: start the server once, or pass --access-key');
      const base = presignBase(config);
      process.stderr.write(
        `cairn: URL on ${base.url} (${base.source}${base.source === 'CAIRN_PUBLIC_URL' ? '' : '; set CAIRN_PUBLIC_URL to choose another'})\n`,
      );
      out(
        presignUrl({
          baseUrl: base.url,
          method: method as 'GET',
          bucket: target.slice(0, slash),
          key: target.slice(slash + 1),
          ...cred,
          region: config.region,
          expiresSeconds: expires,
          now: new Date(),
        }),
      );
    } else {
      fail(USAGE);
    }
  } finally {
    ctx.blobs.close();
    ctx.db.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === 'serve') await serve();
    else if (cmd === 'user' || cmd === 'key' || cmd === 'presign') admin([cmd, ...rest]);
    else if (cmd === '--help' || cmd === '-h' || cmd === 'help') process.stdout.write(`${USAGE}\n`);
    else fail(`unknown command "${cmd}"\n${USAGE}`);
  } catch (e) {
    if (e instanceof ConfigError) fail(`bad setting: ${e.message}`);
    fail((e as Error).message);
  }
}

void main(process.argv.slice(2));

#!/usr/bin/env node
import pino from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { closeContext, openContext } from './context.js';
import { ADMIN_NOUNS, ADMIN_USAGE, CliError, flag, keysProblem, runAdmin } from './cli/admin.js';
import { presignBase, readServerRecord, startServer } from './main.js';
import { presignUrl } from './cli/signer.js';
import { BUCKET_USAGE, NOTIFICATIONS_USAGE, bucketCommand, notificationsCommand } from './cli/bucket.js';
import { KMS_USAGE, kmsCommand } from './cli/kms.js';
import { Keyring } from './store/keyring.js';
import { CERT_USAGE, selfSigned } from './cli/cert.js';
import { OPS_COMMANDS, OPS_USAGE, restoreCommand, runOps } from './cli/ops.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const USAGE = `usage:
  cairn serve                                   run the server in the foreground
  cairn healthcheck [--ready]                   exit 0 when the local server is alive (ready), else 1
  ${CERT_USAGE}
                                                a self-signed certificate and key in DATA/tls/
${OPS_USAGE}
${ADMIN_USAGE}
${BUCKET_USAGE}
${NOTIFICATIONS_USAGE}
${KMS_USAGE}
  cairn presign BUCKET/KEY [--method GET|PUT|HEAD|DELETE] [--expires SECONDS] [--access-key K]
                                                a presigned URL on CAIRN_PUBLIC_URL, else the running
                                                server's address, else http://127.0.0.1:PORT
Settings: config/default.json, CAIRN_CONFIG, CAIRN_* environment variables (see README).`;

function fail(msg: string): never {
  process.stderr.write(`cairn: ${msg}\n`);
  process.exit(1);
}

async function serve(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  let stopping = false;
  const stop = (sig: NodeJS.Signals) => {
    if (stopping) {
      // A second signal: out at once. Every acknowledged change is already durable in the WAL (fsynced before its answer).
      server.ctx.log.warn({ signal: sig }, 'second signal: exiting now');
      server.ctx.log.flush();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    stopping = true;
    server.ctx.log.info({ signal: sig, graceSeconds: config.shutdownGraceSeconds }, 'shutting down: finishing in-flight requests');
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`cairn: shutdown failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // SIGHUP: read the TLS certificate and key again (they are also reloaded when the files change).
  process.on('SIGHUP', () => {
    if (server.tls) server.tls.reload('SIGHUP');
    else server.ctx.log.info('SIGHUP: no TLS certificate to reload');
  });
}

/** `cairn cert self-signed --host NAME ...`: a certificate and key in DATA/tls/ and the settings that use them. */
function cert(args: string[]): void {
  const config = loadConfig();
  if (args[0] !== 'self-signed') fail(`usage: ${CERT_USAGE}`);
  const rest = args.slice(1);
  const hosts: string[] = [];
  for (let h = flag(rest, '--host'); h !== undefined; h = flag(rest, '--host')) hosts.push(h);
  const days = Number(flag(rest, '--days') ?? '825');
  const force = rest.includes('--force');
  const extra = rest.filter((a) => a !== '--force');
  if (extra.length > 0) fail(`unexpected ${extra.join(' ')}\nusage: ${CERT_USAGE}`);
  const r = selfSigned(config.dataDir, hosts, days, force);
  const out = (l: string) => process.stdout.write(`${l}\n`);
  out(`certificate: ${r.cert}`);
  out(`key:         ${r.key}`);
  out(`valid to:    ${r.validTo}`);
  out(`SHA-256 fingerprint: ${r.fingerprint256}`);
  out('Serve HTTPS with:');
  out(`  CAIRN_TLS_CERT=${r.cert}`);
  out(`  CAIRN_TLS_KEY=${r.key}`);
  out(`Clients trust it with the certificate file (aws --ca-bundle ${r.cert}) or by pinning the fingerprint (Proxmox Backup Server).`);
}

/**
 * `cairn healthcheck [--ready]`: exits 0 when the local server answers 200 on
 * /-/health (or /-/ready), else 1; for Docker's HEALTHCHECK (no curl needed).
 */
async function healthcheck(args: string[]): Promise<void> {
  const config = loadConfig();
  const path = args.includes('--ready') ? '/-/ready' : '/-/health';
  const rec = readServerRecord(config.dataDir);
  const port = config.port !== 0 ? config.port : rec?.port;
  if (!port) fail('no port: CAIRN_PORT is 0 and no running server is recorded in the data directory');
  const tls = config.tlsCert !== '';
  const { request } = tls ? await import('node:https') : await import('node:http');
  const code = await new Promise<number>((resolve) => {
    // Loopback to our own listener: the certificate's name is not 127.0.0.1, and there is nothing to verify it against.
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', timeout: 5000, rejectUnauthorized: false },
      (res: import('node:http').IncomingMessage) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e: Error) => {
      process.stderr.write(`cairn: healthcheck: ${e.message}\n`);
      resolve(0);
    });
    req.end();
  });
  if (code !== 200 && code !== 0) process.stderr.write(`cairn: healthcheck: ${path} answered ${code}\n`);
  process.exit(code === 200 ? 0 : 1);
}

async function admin(args: string[]): Promise<void> {
  const config = loadConfig();
  if (args[0] === 'account' && args[1] === 'create') {
    // Refused before the data directory is opened (or created).
    const rest = args.slice(2);
    const problem = keysProblem(flag(rest, '--access-key'), flag(rest, '--secret-key'));
    if (problem) fail(problem);
  }
  // Warnings (file modes repaired at open) go to stderr.
  const ctx = openContext(config, pino({ level: 'warn', base: undefined }, pino.destination({ fd: 2, sync: true })), {}, 'admin');
  const out = (l: string) => process.stdout.write(`${l}\n`);
  try {
    if (args[0] === 'bucket') {
      await bucketCommand(ctx, args[1], args.slice(2), out);
      return;
    }
    if (args[0] === 'notifications') {
      notificationsCommand(ctx, args.slice(1), out);
      return;
    }
    if (args[0] !== 'presign') {
      await runAdmin(ctx, args, out);
      return;
    }
    const rest = args.slice(1);
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
      const found = ctx.accounts.findKey(ak);
      if (found) cred = { accessKey: ak, secretKey: found.secret };
    } else {
      const adminAccount = ctx.accounts.admin();
      const k = adminAccount ? ctx.accounts.keys(adminAccount.id).find((x) => x.status === 'Active') : undefined;
      if (k) cred = { accessKey: k.accessKey, secretKey: k.secret };
    }
    if (!cred) fail(ak ? `no access key ${ak}` : 'no admin access key: start the server once, or pass --access-key');
    const base = presignBase(config);
    process.stderr.write(`cairn: URL on ${base.url} (${base.source}${base.source === 'CAIRN_PUBLIC_URL' ? '' : '; set CAIRN_PUBLIC_URL to choose another'})\n`);
    out(
      presignUrl({
        baseUrl: base.url,
        method: method as 'GET',
        bucket: target.slice(0, slash),
        key: target.slice(slash + 1),
        ...cred!,
        region: config.region,
        expiresSeconds: expires,
        now: new Date(),
      }),
    );
  } finally {
    closeContext(ctx);
  }
}

/** `cairn scrub | backup | restore | status`. */
async function ops(args: string[]): Promise<void> {
  const config = loadConfig();
  const out = (l: string) => process.stdout.write(`${l}\n`);
  const running = readServerRecord(config.dataDir);
  if (args[0] === 'restore') process.exit(restoreCommand(config, args.slice(1), out, running !== undefined));
  if (args[0] === 'backup' && args.length === 2 && !existsSync(join(config.dataDir, 'cairn.db'))) fail(`no Cairn data in ${config.dataDir} (CAIRN_DATA_DIR)`);
  const ctx = openContext(config, pino({ level: 'warn', base: undefined }, pino.destination({ fd: 2, sync: true })), {}, 'admin');
  let code = 0;
  try {
    code = await runOps(ctx, args, out, running);
  } finally {
    closeContext(ctx);
  }
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === 'serve') await serve();
    else if (cmd === 'healthcheck') await healthcheck(rest);
    else if (cmd === 'cert') cert(rest);
    else if (OPS_COMMANDS.has(cmd)) await ops([cmd, ...rest]);
    else if (ADMIN_NOUNS.has(cmd) || cmd === 'presign' || cmd === 'bucket' || cmd === 'notifications') await admin([cmd, ...rest]);
    else if (cmd === 'kms') kmsCommand(new Keyring(loadConfig().dataDir), rest, (l) => process.stdout.write(`${l}\n`));
    else if (cmd === '--help' || cmd === '-h' || cmd === 'help') process.stdout.write(`${USAGE}\n`);
    else fail(`unknown command "${cmd}"\n${USAGE}`);
  } catch (e) {
    if (e instanceof ConfigError) fail(`bad setting: ${e.message}`);
    if (e instanceof CliError) fail(e.message);
    fail((e as Error).message);
  }
}

void main(process.argv.slice(2));

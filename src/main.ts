import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { BlobStore, type BlobStoreOptions } from './store/blobs.js';
import { BucketsRepo } from './store/buckets.js';
import { GroupCommit } from './store/commits.js';
import { openDb } from './store/db.js';
import { DB_FILE, makePrivateDir, repairModes } from './store/modes.js';
import { Garbage } from './store/garbage.js';
import { ObjectsRepo } from './store/objects.js';
import { UploadsRepo } from './store/uploads.js';
import { UsersRepo, generateAccessKey, generateSecretKey } from './store/users.js';
import { startSweeper, sweep } from './workers/sweeper.js';

export interface StartOptions {
  /** Where human-facing start-up lines go (credentials, address); default stdout. */
  print?: (line: string) => void;
  logger?: Logger;
  clock?: () => number;
  blobOptions?: Partial<BlobStoreOptions>;
}

export interface RunningServer {
  ctx: AppContext;
  url: string;
  port: number;
  close(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['authorization', 'headers.authorization', 'secretKey', 'secret', '*.secretKey'], censor: '[redacted]' },
    },
    // Lines are written in batches of 4 KiB, or after at most 250 ms on a quiet server: one write() per request cost ~4% of a small GET.
    pino.destination({ sync: false, minLength: 4096, periodicFlush: 250 }),
  );
}

/**
 * Opens the data directory: database (migrated), repositories, blob store.
 * The directory is created 0700 (its files 0600, see store/modes.ts); the
 * modes of an existing one are repaired first, each change logged.
 */
export function openContext(config: Config, log: Logger, opts: StartOptions = {}, role: 'server' | 'admin' = 'server'): AppContext {
  if (!makePrivateDir(config.dataDir, true)) repairModes(config.dataDir, log);
  const dbPath = join(config.dataDir, DB_FILE);
  // The server fsyncs the WAL itself, off the event loop (GroupCommit); the admin CLI lets SQLite do it.
  const db = openDb(dbPath, role === 'admin' && config.fsync ? 'FULL' : 'NORMAL');
  const blobs = new BlobStore(config.dataDir, { fsync: config.fsync, ...opts.blobOptions });
  const objects = new ObjectsRepo(db);
  const commits = new GroupCommit(db, `${dbPath}-wal`, config.fsync);
  return {
    config,
    db,
    commits,
    users: new UsersRepo(db),
    buckets: new BucketsRepo(db),
    objects,
    uploads: new UploadsRepo(db, objects),
    blobs,
    garbage: new Garbage(db, blobs, objects, log, commits),
    log,
    clock: opts.clock ?? Date.now,
  };
}

/** Makes sure the root user exists with the configured (or generated, then printed once) credentials. */
export function ensureRoot(ctx: AppContext, print: (line: string) => void): void {
  const { accessKey, secretKey } = ctx.config;
  const root = ctx.users.getRoot();
  if (accessKey !== undefined && secretKey !== undefined) {
    const owner = ctx.users.findByAccessKey(accessKey);
    if (owner && !owner.user.isRoot) throw new Error(`CAIRN_ACCESS_KEY: ${accessKey} already belongs to user ${owner.user.name}`);
    if (!root) {
      ctx.users.create('root', accessKey, secretKey, true);
    } else if (!owner || owner.secretKey !== secretKey) {
      if (owner) ctx.users.deleteKey(accessKey);
      ctx.users.addKey(root.id, accessKey, secretKey);
    }
    print(`Cairn root access key: ${accessKey} (from CAIRN_ACCESS_KEY)`);
    return;
  }
  if (root) {
    const k = ctx.users.keys(root.id)[0];
    print(`Cairn root access key: ${k?.accessKey ?? '(none: create one with `cairn key create root`)'}`);
    return;
  }
  const ak = generateAccessKey();
  const sk = generateSecretKey();
  ctx.users.create('root', ak, sk, true);
  print('Generated root credentials (shown once; they are stored in the data directory):');
  print(`  AWS_ACCESS_KEY_ID=${ak}`);
  print(`  AWS_SECRET_ACCESS_KEY=${sk}`);
}

/** Starts Cairn: data dir, start-up sweep, HTTP server, background workers. */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const ctx = openContext(config, log, opts);
  ensureRoot(ctx, print);
  await ctx.commits.sync();
  const isReferenced = (id: string) => ctx.objects.references(id) || ctx.uploads.references(id);
  const swept = await sweep(ctx, true, isReferenced);
  if (swept.staleUploads + swept.temps + swept.garbage + swept.orphans > 0) log.info({ worker: 'sweeper', ...swept }, 'start-up sweep');
  const stopSweeper = startSweeper(ctx, isReferenced);
  const app = buildApp(ctx);
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  print(`Cairn listening on ${url} (data: ${config.dataDir}, region: ${config.region})`);
  let closed = false;
  return {
    ctx,
    url,
    port,
    async close() {
      if (closed) return;
      closed = true;
      stopSweeper();
      await app.close();
      ctx.blobs.close();
      ctx.commits.close();
      ctx.db.close();
      await new Promise<void>((resolve) => log.flush(() => resolve()));
    },
  };
}

import { closeSync, fchmodSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { closeContext, openContext, type AppContext, type ContextOptions } from './context.js';
import { createLogger } from './logger.js';
import { FILE_MODE, SERVER_FILE } from './store/modes.js';
import { generateAccessKey, generateSecretKey } from './store/accounts.js';
import { startSweeper, sweep } from './workers/sweeper.js';
import { startLifecycle } from './workers/lifecycle.js';
import { startNotifier } from './workers/notifier.js';
import { ServerAccessLogs } from './workers/serverAccessLogs.js';
import { Readiness } from './workers/health.js';
import { checkpoint } from './store/db.js';
import { loadTls, TlsReloader } from './workers/tls.js';
import { Metrics } from './workers/metrics.js';
import { startScrubber } from './workers/scrub.js';
import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';

export interface StartOptions extends ContextOptions {
  /** Where human-facing start-up lines go (credentials, address); default stdout. */
  print?: (line: string) => void;
  logger?: Logger;
  /** How long a slice of /-/metrics/history lasts (default a minute; tests pass less). */
  metricsHistorySliceMs?: number;
}

export interface RunningServer {
  ctx: AppContext;
  url: string;
  port: number;
  /** The plain-HTTP listener's port beside HTTPS (CAIRN_HTTP_PORT), when there is one. */
  httpPort?: number;
  readiness: Readiness;
  /** The HTTPS certificate's reloader (CAIRN_TLS_CERT / CAIRN_TLS_KEY), when TLS is on. */
  tls?: TlsReloader;
  /** Prometheus metrics (absent with CAIRN_METRICS=false). */
  metrics?: Metrics;
  /**
   * Stops: not ready from now on, no new connections, in-flight requests
   * finish (for up to `graceMs`, CAIRN_SHUTDOWN_GRACE_SECONDS by default; then
   * their connections are closed), queued notifications are delivered in
   * what is left of that period (the rest stays in the outbox), the WAL is
   * checkpointed, the database closed and the log flushed.
   */
  close(graceMs?: number): Promise<void>;
}

export { createLogger };
export { openContext };

/** The name of the administrator's account on a new instance (one upgraded from before accounts keeps its root user's name, `root`). */
export const ADMIN_ACCOUNT = 'admin';

/**
 * Makes sure the instance administrator's account exists, its root user
 * signing with the configured (or generated, then printed once) credentials.
 */
export function ensureRoot(ctx: AppContext, print: (line: string) => void): void {
  const { accessKey, secretKey } = ctx.config;
  const admin = ctx.accounts.admin();
  const rootKeys = (id: number) => ctx.accounts.keys(id);
  if (accessKey !== undefined && secretKey !== undefined) {
    const owner = ctx.accounts.findKey(accessKey);
    if (owner && (owner.account !== admin?.id || owner.iamUser !== undefined)) {
      const who = ctx.accounts.get(owner.account)?.name ?? '?';
      throw new Error(`CAIRN_ACCESS_KEY: ${accessKey} already belongs to ${owner.iamUser !== undefined ? 'an IAM user of ' : ''}account ${who}`);
    }
    if (!admin) {
      const r = ctx.accounts.create(ADMIN_ACCOUNT, { accessKey, secretKey, isAdmin: true });
      if (typeof r === 'string') throw new Error(`cannot create the administrator's account: ${r}`);
    } else if (!owner || owner.secret !== secretKey) {
      if (owner) ctx.accounts.deleteKey(accessKey);
      ctx.accounts.addKey(admin.id, undefined, accessKey, secretKey);
    }
    print(`Cairn admin access key: ${accessKey} (from CAIRN_ACCESS_KEY)`);
    // CAIRN_ACCESS_KEY adds a key to the admin's root user: keys it had before (the generated one) keep working until deleted.
    const older = admin ? rootKeys(admin.id).filter((k) => k.accessKey !== accessKey) : [];
    if (older.length > 0) {
      const list = older.map((k) => k.accessKey).join(', ');
      print(
        `  the admin's older access key${older.length > 1 ? 's' : ''} ${list} ${older.length > 1 ? 'are' : 'is'} still valid: CAIRN_ACCESS_KEY adds a key, it replaces none.`,
      );
      print(`  To revoke: ${older.map((k) => `\`cairn key delete ${k.accessKey}\``).join(', ')}`);
    }
    ctx.accounts.invalidate();
    return;
  }
  if (admin) {
    const keys = rootKeys(admin.id);
    if (keys.length === 0) {
      print('Cairn admin access key: (none: create one with `cairn key create`)');
      return;
    }
    print(`Cairn admin access key${keys.length > 1 ? 's' : ''}: ${keys.map((k) => k.accessKey).join(', ')}`);
    print(
      `  The secret was printed at the first start only. Lost it? \`cairn key create\` prints a new key pair; then revoke the old one with \`cairn key delete ${keys[0]!.accessKey}\`.`,
    );
    return;
  }
  const ak = generateAccessKey();
  const sk = generateSecretKey();
  const r = ctx.accounts.create(ADMIN_ACCOUNT, { accessKey: ak, secretKey: sk, isAdmin: true });
  if (typeof r === 'string') throw new Error(`cannot create the administrator's account: ${r}`);
  print('Generated admin credentials (shown once; the secret is stored encrypted in the data directory):');
  print(`  AWS_ACCESS_KEY_ID=${ak}`);
  print(`  AWS_SECRET_ACCESS_KEY=${sk}`);
}

const hostInUrl = (h: string) => (h.includes(':') ? `[${h}]` : h);
const isLoopback = (h: string) => h === '::1' || h.startsWith('127.');

/**
 * The URLs a server listening on `addresses` (net.Server addresses: one
 * wildcard or specific address each) can be reached on: a wildcard stands for
 * every address of the machine's interfaces (0.0.0.0: the IPv4 ones; '::':
 * IPv4 and IPv6 as Node listens dual-stack, without link-local addresses,
 * which need a zone). Loopback addresses come first.
 */
export function listeningUrls(
  addresses: ReadonlyArray<{ address: string; port: number }>,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
  scheme: 'http' | 'https' = 'http',
): string[] {
  const all = Object.values(interfaces).flatMap((list) => list ?? []);
  const ipv4 = all.filter((i) => i.family === 'IPv4').map((i) => i.address);
  const ipv6 = all.filter((i) => i.family === 'IPv6' && !/^fe[89ab]/i.test(i.address)).map((i) => i.address);
  const hosts: Array<{ host: string; port: number }> = [];
  for (const a of addresses) {
    const expanded = a.address === '0.0.0.0' ? ipv4 : a.address === '::' ? [...ipv4, ...ipv6] : [a.address];
    for (const host of expanded.length > 0 ? expanded : [a.address === '::' ? '::1' : '127.0.0.1']) hosts.push({ host, port: a.port });
  }
  const urls = [
    ...new Set(
      hosts
        .filter((h) => isLoopback(h.host))
        .concat(hosts.filter((h) => !isLoopback(h.host)))
        .map((h) => `${scheme}://${hostInUrl(h.host)}:${h.port}`),
    ),
  ];
  return urls;
}

/** What `server.json` in the data directory records about the running server (for `cairn presign`). */
export interface ServerRecord {
  /** The URL clients reach it on: CAIRN_PUBLIC_URL when set, else the first (loopback) listening URL. */
  url: string;
  listening: string[];
  port: number;
  pid: number;
  startedAt: string;
  /** The background workers' last runs (for `cairn status`), rewritten when one finishes. */
  workers?: WorkerHealth;
}

export interface WorkerHealth {
  sweeper?: { lastRun: string; ok: boolean; error?: string; removed?: number };
  scrub?: { lastRun: string; checked: number; missing: number; truncated: number; corrupt: number };
}

function writeServerRecord(dataDir: string, rec: ServerRecord): void {
  const fd = openSync(join(dataDir, SERVER_FILE), 'w', FILE_MODE);
  try {
    fchmodSync(fd, FILE_MODE);
    writeSync(fd, `${JSON.stringify(rec, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
}

/** The record of the server running on `dataDir`; undefined when none is (no file, unreadable, or its process is gone). */
export function readServerRecord(dataDir: string): ServerRecord | undefined {
  let rec: ServerRecord;
  try {
    rec = JSON.parse(readFileSync(join(dataDir, SERVER_FILE), 'utf8')) as ServerRecord;
  } catch {
    return undefined;
  }
  if (typeof rec?.url !== 'string' || !Number.isInteger(rec.pid) || rec.pid <= 0) return undefined;
  try {
    process.kill(rec.pid, 0);
  } catch (e) {
    // EPERM: alive, but another user's process.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return rec;
}

/** Where `cairn presign` points its URLs: CAIRN_PUBLIC_URL, else the running server's recorded URL, else 127.0.0.1 on the configured port. */
export function presignBase(config: Config): { url: string; source: string } {
  if (config.publicUrl) return { url: config.publicUrl, source: 'CAIRN_PUBLIC_URL' };
  const rec = readServerRecord(config.dataDir);
  if (rec) return { url: rec.url, source: `the running server (pid ${rec.pid}), recorded in ${join(config.dataDir, SERVER_FILE)}` };
  return { url: `http://127.0.0.1:${config.port}`, source: `no running server recorded in ${join(config.dataDir, SERVER_FILE)}: the configured port` };
}

/** Starts Cairn: data dir, start-up sweep, HTTP server, background workers. */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const print = opts.print ?? ((l: string) => process.stdout.write(`${l}\n`));
  const ctx = openContext(config, log, opts);
  ensureRoot(ctx, print);
  await ctx.commits.sync();
  const isReferenced = (id: string) => ctx.objects.references(id) || ctx.uploads.references(id);
  // CAIRN_METRICS=false records nothing and serves no /-/metrics (for A/B measurements of their cost).
  const metrics = config.metrics ? new Metrics(ctx) : undefined;
  const swept = await sweep(ctx, true, isReferenced);
  metrics?.sweep(swept);
  if (swept.staleUploads + swept.temps + swept.garbage + swept.orphans > 0) log.info({ worker: 'sweeper', ...swept }, 'start-up sweep');
  const workers: WorkerHealth = {
    sweeper: { lastRun: new Date().toISOString(), ok: true, removed: swept.staleUploads + swept.temps + swept.garbage + swept.orphans },
  };
  let noteWorkers = () => {};
  const stopSweeper = startSweeper(
    ctx,
    isReferenced,
    (r) => {
      metrics?.sweep(r);
      workers.sweeper = { lastRun: new Date().toISOString(), ok: true, removed: r.staleUploads + r.temps + r.garbage + r.orphans };
      noteWorkers();
    },
    (e) => {
      metrics?.sweepFailed(e);
      workers.sweeper = { lastRun: new Date().toISOString(), ok: false, error: (e as Error).message };
      noteWorkers();
    },
  );
  const stopScrubber = startScrubber(ctx, (r) => {
    metrics?.scrubbed({ finishedAt: Date.now(), checked: r.checked, bytes: r.bytes, missing: r.missing, truncated: r.truncated, corrupt: r.corrupt });
    workers.scrub = { lastRun: new Date().toISOString(), checked: r.checked, missing: r.missing, truncated: r.truncated, corrupt: r.corrupt };
    noteWorkers();
  });
  const readiness = new Readiness(ctx);
  ctx.probes = {
    notReady: () => readiness.reason(),
    metrics: metrics && ((a) => metrics.answer(a)),
    metricsHistory: metrics && ((a) => metrics.answerHistory(a)),
  };
  const stopHistory = metrics ? metrics.startHistory(opts.metricsHistorySliceMs) : () => {};
  ctx.requestMetrics = metrics;
  let first: ReturnType<typeof loadTls> | undefined;
  if (config.tlsCert !== '') {
    try {
      first = loadTls(config.tlsCert, config.tlsKey);
    } catch (e) {
      stopSweeper();
      stopHistory();
      closeContext(ctx);
      throw new Error(`CAIRN_TLS_CERT / CAIRN_TLS_KEY: ${(e as Error).message}`);
    }
  }
  const stopLifecycle = startLifecycle(ctx, metrics && { ran: (r) => metrics.lifecycleRan(r), failed: () => metrics.lifecycleFailed() });
  const notifier = startNotifier(ctx);
  if (metrics) metrics.notifier = notifier.stats;
  const accessLogs = new ServerAccessLogs(ctx);
  ctx.serverAccessLog = accessLogs.add;
  accessLogs.start();
  const app = buildApp(ctx, first);
  // CAIRN_HTTP_PORT: plain HTTP beside HTTPS (e.g. for a TLS-terminating proxy or a local client).
  const plain = first && config.httpPort !== 0 ? buildApp(ctx) : undefined;
  const apps: FastifyInstance[] = plain ? [app, plain] : [app];
  const listen = async (a: FastifyInstance, port: number, name: string) => {
    try {
      await a.listen({ host: config.host, port });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new Error(`cannot listen on ${config.host} port ${port}: it is already in use (choose another with ${name})`);
      }
      throw e;
    }
  };
  try {
    await listen(app, config.port, 'CAIRN_PORT');
    if (plain) await listen(plain, config.httpPort, 'CAIRN_HTTP_PORT');
  } catch (e) {
    stopSweeper();
    stopHistory();
    await stopLifecycle();
    await notifier.stop();
    for (const a of apps) await a.close().catch(() => undefined);
    await accessLogs.stop();
    closeContext(ctx);
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const scheme = first ? 'https' : 'http';
  const urls = listeningUrls(
    app.addresses().filter((a): a is AddressInfo => typeof a === 'object'),
    undefined,
    scheme,
  );
  const url = urls[0] ?? `${scheme}://127.0.0.1:${port}`;
  print(`Cairn listening on ${urls.join(', ')} (data: ${config.dataDir}, region: ${config.region})`);
  let httpPort: number | undefined;
  if (plain) {
    const plainUrls = listeningUrls(plain.addresses().filter((a): a is AddressInfo => typeof a === 'object'));
    httpPort = (plain.server.address() as AddressInfo).port;
    print(`Cairn also listening on ${plainUrls.join(', ')} (plain HTTP, CAIRN_HTTP_PORT)`);
  }
  let tls: TlsReloader | undefined;
  let stopWatch = () => {};
  if (first) {
    tls = new TlsReloader(config.tlsCert, config.tlsKey, app.server as unknown as TlsServer, log, first.info);
    stopWatch = tls.watch();
    const reloader = tls;
    if (metrics) metrics.certificateExpiry = () => Date.parse(reloader.certificate.validTo);
    print(`TLS certificate: ${first.info.subject}, valid to ${first.info.validTo}, SHA-256 ${first.info.fingerprint256}`);
  }
  const closedFlag = { closed: false };
  // Removed on a clean stop; a crash leaves it, and readers check that its pid still runs.
  const record: ServerRecord = { url: config.publicUrl || url, listening: urls, port, pid: process.pid, startedAt: new Date().toISOString(), workers };
  writeServerRecord(config.dataDir, record);
  noteWorkers = () => {
    try {
      if (!closedFlag.closed) writeServerRecord(config.dataDir, record);
    } catch (e) {
      log.warn({ err: (e as Error).message }, `cannot update ${SERVER_FILE}`);
    }
  };
  let closed = false;
  return {
    ctx,
    url,
    port,
    httpPort,
    readiness,
    tls,
    metrics,
    async close(graceMs = config.shutdownGraceSeconds * 1000) {
      if (closed) return;
      closed = true;
      const graceEnd = Date.now() + graceMs;
      closedFlag.closed = true;
      readiness.shuttingDown = true;
      stopSweeper();
      stopHistory();
      // A lifecycle pass under way may finish (within the grace period) while the listeners close.
      const lifecycleStopped = stopLifecycle(graceMs);
      stopScrubber();
      stopWatch();
      // Idle keep-alive connections close now; busy ones once their request is answered (Connection: close), or at the deadline.
      const deadline = setTimeout(() => {
        log.warn({ graceSeconds: graceMs / 1000 }, 'shutdown grace period over: closing the connections still open');
        for (const a of apps) a.server.closeAllConnections();
      }, graceMs);
      try {
        await Promise.all(apps.map((a) => a.close()));
      } finally {
        clearTimeout(deadline);
      }
      await lifecycleStopped;
      // What is queued for notification targets goes out within what is left of the grace period; the rest stays in the durable outbox for the next start.
      await notifier.drain(graceEnd);
      await notifier.stop();
      // Records of the last requests are written before the store closes.
      await accessLogs.stop();
      const rec = readServerRecord(config.dataDir);
      if (rec?.pid === record.pid && rec.startedAt === record.startedAt && rec.port === record.port) {
        try {
          unlinkSync(join(config.dataDir, SERVER_FILE));
        } catch {
          // already gone
        }
      }
      // Deferred changes ride along, then the WAL is folded into the database so the next start replays nothing.
      ctx.commits.close();
      try {
        checkpoint(ctx.db);
      } catch (e) {
        log.warn({ err: e }, 'WAL checkpoint at shutdown failed');
      }
      closeContext(ctx);
      await new Promise<void>((resolve) => log.flush(() => resolve()));
    },
  };
}

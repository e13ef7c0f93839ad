/**
 * Operations commands: `cairn scrub`, `cairn backup`, `cairn restore`,
 * `cairn status`. Scrub and backup run beside a running server (SQLite's
 * WAL lets them read while it writes); restore needs it stopped.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import type { ServerRecord } from '../main.js';
import { DB_FILE, FILE_MODE, KEYS_DIR, makePrivateDir, SERVER_FILE } from '../store/modes.js';
import { UsageRepo } from '../store/usage.js';
import { diskUsage } from '../workers/health.js';
import { forgetMissing, scrub, type ScrubReport } from '../workers/scrub.js';
import { CliError, flag } from './admin.js';

type Out = (line: string) => void;

export const OPS_USAGE = `  cairn scrub [--bucket B] [--repair [--yes]]  re-read every blob, check sizes, MD5s and checksums; --repair
                                                removes rows whose blob is gone (after confirmation)
  cairn backup DIR                              an online copy of the metadata database and the key files
  cairn restore DIR [--force]                   put a backup back (the server must be stopped)
  cairn status                                  version, uptime, data directory, disk, objects, workers`;

export const OPS_COMMANDS = new Set(['scrub', 'backup', 'restore', 'status']);

const human = (n: number) => {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${u[i]}`;
};
const duration = (s: number) =>
  s < 60 ? `${Math.round(s)}s` : s < 3600 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

/** A progress line on a terminal (bar, counts, ETA); nothing otherwise. */
function progress(total: { objects: number; bytes: number }, what: string) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let lastDraw = 0;
  return {
    update(objects: number, bytes: number) {
      if (!tty) return;
      const now = Date.now();
      if (now - lastDraw < 200 && objects < total.objects) return;
      lastDraw = now;
      const frac = total.bytes > 0 ? bytes / total.bytes : total.objects > 0 ? objects / total.objects : 1;
      const width = 30;
      const filled = Math.round(Math.min(1, frac) * width);
      const elapsed = (now - started) / 1000;
      const eta = frac > 0 && frac < 1 ? ` ETA ${duration((elapsed / frac) * (1 - frac))}` : '';
      process.stderr.write(
        `\r${what} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(frac * 100)}% ${objects}/${total.objects} objects, ${human(bytes)}/${human(total.bytes)}${eta}   `,
      );
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function printScrubReport(r: ScrubReport, out: Out): void {
  for (const f of r.findings) out(`${f.kind.toUpperCase()} s3://${f.bucket}/${f.key} version ${f.versionId}: ${f.detail}`);
  out(
    `scrub: ${r.checked} object versions, ${human(r.bytes)} checked in ${duration(r.seconds)}: ${r.missing} missing, ${r.truncated} truncated, ${r.corrupt} corrupt`,
  );
}

async function scrubCommand(ctx: AppContext, args: string[], out: Out): Promise<number> {
  const rest = [...args];
  const bucket = flag(rest, '--bucket');
  const repair = rest.includes('--repair');
  const yes = rest.includes('--yes');
  const extra = rest.filter((a) => a !== '--repair' && a !== '--yes');
  if (extra.length > 0) throw new CliError(`unexpected ${extra.join(' ')}\nusage: cairn scrub [--bucket B] [--repair [--yes]]`);
  if (bucket !== undefined && !ctx.buckets.get(bucket)) throw new CliError(`no bucket ${bucket}`);
  const total = new UsageRepo(ctx.db).buckets().filter((u) => bucket === undefined || u.bucket === bucket);
  const bar = progress({ objects: total.reduce((n, u) => n + u.versions, 0), bytes: total.reduce((n, u) => n + u.versionBytes, 0) }, 'scrub');
  const r = await scrub(ctx, { bucket, onProgress: (o, b) => bar.update(o, b) });
  bar.done();
  printScrubReport(r, out);
  if (repair) {
    const missing = r.findings.filter((f) => f.kind === 'missing');
    if (missing.length === 0)
      out('repair: no rows to remove (only versions whose blob is missing are removed; truncated or corrupt ones are kept for you to judge)');
    else if (yes || (await confirm(`Remove the ${missing.length} object version row(s) whose data is gone? This cannot be undone.`))) {
      const n = forgetMissing(ctx, missing);
      out(`repair: removed ${n} object version row(s) whose blob was missing`);
    } else out('repair: nothing removed (answer y on a terminal, or pass --yes)');
  }
  return r.missing + r.truncated + r.corrupt > 0 ? 2 : 0;
}

/** The key files a backup holds (the instance key seals every secret key: without it the metadata is of no use). */
function keyFiles(dataDir: string): string[] {
  const dir = join(dataDir, KEYS_DIR);
  return existsSync(dir) ? readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile()) : [];
}

async function backupCommand(ctx: AppContext, args: string[], out: Out): Promise<number> {
  if (args.length !== 1) throw new CliError('usage: cairn backup DIR');
  const dir = resolve(args[0]!);
  if (existsSync(join(dir, DB_FILE))) throw new CliError(`${dir} already holds a backup (${DB_FILE}): choose an empty or new directory`);
  mkdirSync(dirname(dir), { recursive: true });
  makePrivateDir(dir);
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  // SQLite's online backup: a consistent copy while the server keeps writing (pages changed meanwhile are copied again).
  await ctx.db.backup(join(dir, DB_FILE), {
    progress({ totalPages, remainingPages }) {
      if (tty) process.stderr.write(`\rbackup: ${Math.floor(((totalPages - remainingPages) / Math.max(1, totalPages)) * 100)}% of ${totalPages} pages   `);
      return 256;
    },
  });
  if (tty) process.stderr.write('\n');
  makePrivateDir(join(dir, KEYS_DIR));
  const keys = keyFiles(ctx.config.dataDir);
  for (const f of keys) copyFileSync(join(ctx.config.dataDir, KEYS_DIR, f), join(dir, KEYS_DIR, f));
  const usage = new UsageRepo(ctx.db).buckets();
  const manifest = {
    cairn: version(),
    createdAt: new Date().toISOString(),
    dataDir: ctx.config.dataDir,
    buckets: usage.length,
    objectVersions: usage.reduce((n, u) => n + u.versions, 0),
    bytes: usage.reduce((n, u) => n + u.versionBytes, 0),
    keys,
  };
  writeFileSync(join(dir, 'backup.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: FILE_MODE });
  out(
    `backup: ${join(dir, DB_FILE)} (${human(statSync(join(dir, DB_FILE)).size)}) and ${keys.length} key file(s) in ${duration((Date.now() - started) / 1000)}`,
  );
  out(
    `backup: ${manifest.buckets} buckets, ${manifest.objectVersions} object versions, ${human(manifest.bytes)} of blobs (not copied: back up ${join(ctx.config.dataDir, 'blobs')} separately)`,
  );
  return 0;
}

/** `cairn restore DIR`: runs without opening the data directory's database (it is being replaced). */
export function restoreCommand(config: Config, args: string[], out: Out, serverRunning: boolean): number {
  const rest = args.filter((a) => a !== '--force');
  const force = args.includes('--force');
  if (rest.length !== 1) throw new CliError('usage: cairn restore DIR [--force]');
  const dir = resolve(rest[0]!);
  if (!existsSync(join(dir, DB_FILE))) throw new CliError(`${dir} holds no backup (no ${DB_FILE})`);
  if (serverRunning) throw new CliError(`a server is running on ${config.dataDir}: stop it first`);
  const data = config.dataDir;
  makePrivateDir(data, true);
  const target = join(data, DB_FILE);
  if (existsSync(target) && !force) throw new CliError(`${target} exists: --force replaces it (the current one is kept as ${DB_FILE}.before-restore-…)`);
  if (existsSync(target)) {
    const aside = `${target}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(target, aside);
    for (const ext of ['-wal', '-shm']) if (existsSync(target + ext)) renameSync(target + ext, aside + ext);
    out(`restore: the current database is kept as ${aside}`);
  }
  copyFileSync(join(dir, DB_FILE), target);
  makePrivateDir(join(data, KEYS_DIR));
  let keys = 0;
  if (existsSync(join(dir, KEYS_DIR))) {
    for (const f of readdirSync(join(dir, KEYS_DIR))) {
      copyFileSync(join(dir, KEYS_DIR, f), join(data, KEYS_DIR, f));
      keys++;
    }
  }
  rmSync(join(data, SERVER_FILE), { force: true });
  out(`restore: ${target} and ${keys} key file(s) restored from ${dir}`);
  out(`restore: ${join(data, 'blobs')} must hold every blob the restored metadata names: a copy of blobs/ taken at or after the backup`);
  out('  (blobs written after it are orphans the start-up sweep removes; objects whose blob is missing are found by `cairn scrub`,');
  out('   and `cairn scrub --repair` removes their rows).');
  return 0;
}

async function statusCommand(ctx: AppContext, out: Out, running: ServerRecord | undefined): Promise<number> {
  const { config } = ctx;
  out(`cairn ${version()}`);
  out(`data directory: ${config.dataDir}`);
  if (running) {
    const up = (Date.now() - Date.parse(running.startedAt)) / 1000;
    let ready = 'unknown';
    try {
      const { request } = running.url.startsWith('https') ? await import('node:https') : await import('node:http');
      ready = await new Promise<string>((res) => {
        const u = new URL('/-/ready', running.url);
        const req = request(u, { timeout: 3000, rejectUnauthorized: false }, (r) => {
          let body = '';
          r.on('data', (d: Buffer) => (body += d.toString()));
          r.on('end', () => res(r.statusCode === 200 ? 'ready' : `not ready (${body})`));
        });
        req.on('error', (e: Error) => res(`unreachable (${e.message})`));
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.end();
      });
    } catch (e) {
      ready = (e as Error).message;
    }
    out(`server: running, pid ${running.pid}, up ${duration(up)}, ${running.url}: ${ready}`);
  } else out('server: not running');
  const d = diskUsage(config.dataDir);
  out(`disk: ${human(d.totalBytes - d.freeBytes)} used of ${human(d.totalBytes)}, ${human(d.freeBytes)} free (minimum for /-/ready: ${config.minFreeMb} MiB)`);
  const size = (f: string) => (existsSync(join(config.dataDir, f)) ? statSync(join(config.dataDir, f)).size : 0);
  out(`database: ${human(size(DB_FILE))}, WAL ${human(size(`${DB_FILE}-wal`))}`);
  const usage = new UsageRepo(ctx.db);
  const b = usage.buckets();
  out(
    `objects: ${b.reduce((n, u) => n + u.objects, 0)} in ${b.length} bucket(s), ${human(b.reduce((n, u) => n + u.bytes, 0))}; ${b.reduce((n, u) => n + u.versions, 0)} stored versions, ${human(b.reduce((n, u) => n + u.versionBytes, 0))}`,
  );
  const garbage = usage.garbagePending();
  const ago = (iso: string) => `${duration((Date.now() - Date.parse(iso)) / 1000)} ago`;
  const sw = running?.workers?.sweeper;
  const sweeperState = !running
    ? 'not running'
    : !sw
      ? 'no run recorded'
      : sw.ok
        ? `last run ${ago(sw.lastRun)}, ok`
        : `last run ${ago(sw.lastRun)} FAILED: ${sw.error}`;
  out(
    `sweeper: ${sweeperState} (every ${config.sweepIntervalSeconds}s); ${garbage} blob(s) waiting for removal, ${usage.openUploads()} multipart upload(s) open`,
  );
  const sc = running?.workers?.scrub;
  const schedule =
    config.scrubIntervalDays > 0
      ? `every ${config.scrubIntervalDays} day(s) at ${config.scrubMbPerSecond} MiB/s`
      : 'no background scrub (CAIRN_SCRUB_INTERVAL_DAYS=0); run `cairn scrub`';
  const last = sc ? `; last finished ${ago(sc.lastRun)}: ${sc.checked} checked, ${sc.missing} missing, ${sc.truncated} truncated, ${sc.corrupt} corrupt` : '';
  out(`scrub: ${schedule}${last}`);
  return 0;
}

/** Runs an operations command on an opened context; the exit code. */
export async function runOps(ctx: AppContext, args: string[], out: Out, running: ServerRecord | undefined): Promise<number> {
  const [cmd, ...rest] = args;
  if (cmd === 'scrub') return scrubCommand(ctx, rest, out);
  if (cmd === 'backup') return backupCommand(ctx, rest, out);
  if (cmd === 'status') return statusCommand(ctx, out, running);
  throw new CliError(`unknown command ${cmd}`);
}

/**
 * `cairn bucket quota BUCKET [--max-size SIZE|none] [--max-objects N|none] [--json]`:
 * sets a bucket's hard quota (either limit; `none` removes it) and prints
 * the quota with the bucket's exact usage. A running server enforces the
 * new quota on its next write (it notices the change within 0.1 s).
 */
import type { AppContext } from '../context.js';
import { formatSize, parseSize, type Quota } from '../core/quotas.js';
import { CliError, flag, option } from './admin.js';

export const BUCKET_USAGE = `bucket quotas (hard limits, enforced in the commit of each write):
  cairn bucket quota BUCKET [--max-size SIZE|none] [--max-objects N|none] [--json]
                                                SIZE: bytes or 500GiB, 1.5TB, ...; prints quota and usage`;

const fail = (msg: string): never => {
  throw new CliError(msg);
};

function sizeLimit(v: string | undefined, current: number | undefined): number | undefined {
  if (v === undefined) return current;
  if (v === 'none') return undefined;
  const n = parseSize(v);
  if (n === undefined) return fail(`--max-size: "${v}" is not a size (bytes, or a number with B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)`);
  return n;
}

function countLimit(v: string | undefined, current: number | undefined): number | undefined {
  if (v === undefined) return current;
  if (v === 'none') return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) return fail(`--max-objects: "${v}" is not a whole number`);
  return Number(v);
}

export async function bucketCommand(ctx: AppContext, verb: string | undefined, args: string[], out: (l: string) => void): Promise<void> {
  if (verb !== 'quota') fail(BUCKET_USAGE);
  const maxSize = flag(args, '--max-size');
  const maxObjects = flag(args, '--max-objects');
  const asJson = option(args, '--json');
  const name = args[0];
  if (!name || args.length !== 1) fail(`usage: ${BUCKET_USAGE.split('\n')[1]!.trim()}`);
  const quotas = ctx.services.quotas;
  const bucket = ctx.services.buckets.get(name!) ?? fail(`no bucket "${name}"`);
  if (maxSize !== undefined || maxObjects !== undefined) {
    const cur = quotas.quota(bucket) ?? {};
    const q: Quota = { maxBytes: sizeLimit(maxSize, cur.maxBytes), maxObjects: countLimit(maxObjects, cur.maxObjects) };
    await quotas.setQuota(bucket, q);
  }
  const q = quotas.quota(bucket);
  const u = quotas.usage(bucket);
  if (asJson) {
    out(
      JSON.stringify(
        { bucket: bucket.name, maxSize: q?.maxBytes ?? null, maxObjects: q?.maxObjects ?? null, usedBytes: u.bytes, usedObjects: u.objects },
        null,
        2,
      ),
    );
    return;
  }
  out(`bucket: ${bucket.name}`);
  out(`max size: ${q?.maxBytes === undefined ? 'none' : `${formatSize(q.maxBytes)} (${q.maxBytes} bytes)`}`);
  out(`max objects: ${q?.maxObjects ?? 'none'}`);
  out(`used: ${formatSize(u.bytes)} (${u.bytes} bytes), ${u.objects} objects`);
}

export const NOTIFICATIONS_USAGE = `  cairn notifications [--json]                  per webhook target: messages waiting, messages refused (queue full)`;

/** `cairn notifications`: the outbox per target (configured or not): pending and overflow counts. */
export function notificationsCommand(ctx: AppContext, args: string[], out: (l: string) => void): void {
  const asJson = option(args, '--json');
  if (args.length > 0) fail(`usage: ${NOTIFICATIONS_USAGE.trim()}`);
  const stats = new Map(ctx.outbox.stats().map((s) => [s.target, s]));
  const rows = [...new Set([...ctx.config.notificationTargets.map((t) => t.id), ...stats.keys()])].map((id) => {
    const t = ctx.config.notificationTargets.find((x) => x.id === id);
    return { target: id, url: t?.url ?? null, pending: stats.get(id)?.pending ?? 0, overflow: stats.get(id)?.overflow ?? 0 };
  });
  if (asJson) out(JSON.stringify(rows, null, 2));
  else if (rows.length === 0) out('no notification targets (set notificationTargets in the config file)');
  else for (const r of rows) out(`${r.target}\t${r.url ?? '(not configured)'}\tpending ${r.pending}\toverflow ${r.overflow}`);
}

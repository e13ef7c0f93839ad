/**
 * Prometheus metrics (`/-/metrics`, prom-client, a registry per server).
 * Requests are recorded on the request path with children looked up in
 * nested maps (no label object or key string is built per request); what
 * the database and the disk know (per-bucket usage from migration 009's
 * counters, garbage, open uploads, database and WAL sizes, disk space) is
 * read when Prometheus scrapes, as are the notification outbox (messages
 * waiting and overflowed per target, migration 011's counters) and the
 * notification worker's delivery figures; the lifecycle worker reports each
 * pass. CAIRN_METRICS_MINIO_COMPAT adds the same
 * figures under MinIO's names, so its Grafana dashboards work unchanged.
 * `/-/metrics/history` (the console's dashboard) answers JSON: the last hour
 * per minute and operation (metricsHistory.ts, read from these counters by a
 * timer), capacity, background work, version and uptime.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../context.js';
import type { RequestMetrics } from '../http/requestContext.js';
import { DB_FILE } from '../store/modes.js';
import { UsageRepo } from '../store/usage.js';
import { diskUsage } from './health.js';
import type { LifecycleReport } from './lifecycle.js';
import type { NotifierStats } from './notifier.js';
import type { HistoryReport } from './historyReport.js';
import type { SweepReport } from './sweeper.js';
import { accumulate, History, HISTORY_SLICE_MS, summarize, total, zero, type Reading, type Slice } from './metricsHistory.js';

/** S3 error codes that are authentication (or authorization) failures, counted by reason. */
const AUTH_CODES = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'RequestTimeTooSkewed',
  'ExpiredToken',
  'InvalidToken',
  'AuthorizationHeaderMalformed',
  'AuthorizationQueryParametersError',
  'MissingSecurityHeader',
  'CredentialsNotSupported',
  'InvalidClientTokenId',
]);

/** The event-loop delay timer's period (cairn_eventloop_delay_seconds). */
const EVENT_LOOP_RESOLUTION_MS = 10;

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

type Inc = { inc(v?: number): void };
type Obs = { observe(v: number): void };

/** A child per label value, found without building a key (a Map per level). */
class Children<T> {
  private readonly map = new Map<string | number, T>();
  constructor(private readonly make: (v: string) => T) {}
  get(v: string | number): T {
    let c = this.map.get(v);
    if (c === undefined) this.map.set(v, (c = this.make(String(v))));
    return c;
  }
}

export interface ScrubFigures {
  finishedAt: number;
  checked: number;
  bytes: number;
  missing: number;
  truncated: number;
  corrupt: number;
}

export interface MetricsAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** Every configured notification target with what the outbox holds for it (pending, overflowed). */
function outboxTargets(
  configured: readonly { id: string }[],
  stats: readonly { target: string; pending: number; overflow: number }[],
): Map<string, { pending: number; overflow: number }> {
  const rows = new Map(configured.map((t) => [t.id, { pending: 0, overflow: 0 }]));
  for (const s of stats) rows.set(s.target, { pending: s.pending, overflow: s.overflow });
  return rows;
}

/** Cairn's version (package.json; '' when it cannot be read). */
function packageVersion(): string {
  try {
    // dist/workers/metrics.js or src/workers/metrics.ts: the package root is two levels up.
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '';
  } catch {
    return '';
  }
}

export type { HistoryReport };

export class Metrics implements RequestMetrics {
  readonly registry = new Registry();
  /** How late each run of a 10 ms timer was, in ns (at least 1: a histogram records positive values), since the last scrape. */
  private readonly loopDelay = createHistogram();
  private readonly requests: Children<Children<Inc>>;
  private readonly durations: Children<Obs>;
  private readonly received: Children<Inc>;
  private readonly sent: Children<Inc>;
  private readonly errors: Children<Children<Inc>>;
  private readonly authFailures: Children<Inc>;
  private readonly inflight: Gauge;
  private readonly swept: Counter;
  private readonly requestsC: Counter;
  private readonly durationH: Histogram;
  private readonly receivedC: Counter;
  private readonly sentC: Counter;
  private readonly usage: UsageRepo;
  private scrub: ScrubFigures | undefined;
  private readonly token: Buffer | undefined;
  /** The HTTPS certificate's expiry (ms since the epoch), when TLS is on. */
  certificateExpiry: (() => number | undefined) | undefined;
  /** The notification worker's figures (set once it runs). */
  notifier: NotifierStats | undefined;
  private readonly lifecycleRuns: Counter;
  private readonly lifecycleActions: Counter;
  private lifecycleLast: number | undefined;
  // Plain copies of what the background workers reported, for /-/metrics/history (set per pass, never per request).
  private readonly lifecycleTotals = { runs: 0, failures: 0, expired: 0, deleteMarkers: 0, noncurrent: 0, uploads: 0, held: 0 };
  private sweepLast: { at: number; ok: boolean; error?: string } | undefined;
  private readonly sweptTotals: SweepReport = { staleUploads: 0, temps: 0, garbage: 0, orphans: 0 };
  private readonly startedAt = Date.now();
  private readonly version = packageVersion();
  private readonly history = new History(this.startedAt);
  private sliceMs = HISTORY_SLICE_MS;

  constructor(private readonly ctx: AppContext) {
    const r = [this.registry];
    const { config } = ctx;
    this.token = config.metricsToken === '' ? undefined : createHash('sha256').update(config.metricsToken).digest();
    this.usage = new UsageRepo(ctx.db);
    collectDefaultMetrics({ register: this.registry });
    // prom-client's nodejs_eventloop_lag_p99_seconds records the time between its 10 ms timer's runs, so it
    // never reads under 10 ms; this gauge is the delay itself (how late a 10 ms timer ran), over the time since
    // the previous scrape. The timer is Cairn's own (startHistory starts it): perf_hooks' monitorEventLoopDelay
    // forgets its previous tick on reset(), so a block that began within 10 ms after a scrape was never counted.
    const delay = this.loopDelay;
    new Gauge({
      name: 'cairn_eventloop_delay_seconds',
      help: 'Event-loop delay since the previous scrape: stat p50, p99 or max (a timer firing late by that much).',
      labelNames: ['stat'],
      registers: r,
      collect() {
        if (delay.count > 0) {
          this.labels('p50').set(delay.percentile(50) / 1e9);
          this.labels('p99').set(delay.percentile(99) / 1e9);
          this.labels('max').set(delay.max / 1e9);
        }
        delay.reset();
      },
    });

    this.requestsC = new Counter({
      name: 'cairn_s3_requests_total',
      help: 'Requests answered, by AWS operation name and HTTP status.',
      labelNames: ['operation', 'status'],
      registers: r,
    });
    this.durationH = new Histogram({
      name: 'cairn_s3_request_duration_seconds',
      help: 'Time from the request to its response closing, by AWS operation name.',
      labelNames: ['operation'],
      buckets: DURATION_BUCKETS,
      registers: r,
    });
    this.receivedC = new Counter({
      name: 'cairn_s3_received_bytes_total',
      help: 'Request body bytes received, by AWS operation name.',
      labelNames: ['operation'],
      registers: r,
    });
    this.sentC = new Counter({
      name: 'cairn_s3_sent_bytes_total',
      help: 'Response bytes sent (headers and body), by AWS operation name.',
      labelNames: ['operation'],
      registers: r,
    });
    const errorsC = new Counter({
      name: 'cairn_s3_errors_total',
      help: 'Error responses, by AWS operation name and S3 error code.',
      labelNames: ['operation', 'code'],
      registers: r,
    });
    const authC = new Counter({
      name: 'cairn_auth_failures_total',
      help: 'Requests refused by authentication or authorization, by S3 error code.',
      labelNames: ['reason'],
      registers: r,
    });
    this.inflight = new Gauge({ name: 'cairn_s3_requests_inflight', help: 'Requests being served.', registers: r });
    this.requests = new Children((op) => new Children((st) => this.requestsC.labels(op, st)));
    this.durations = new Children((op) => this.durationH.labels(op));
    this.received = new Children((op) => this.receivedC.labels(op));
    this.sent = new Children((op) => this.sentC.labels(op));
    this.errors = new Children((op) => new Children((code) => errorsC.labels(op, code)));
    this.authFailures = new Children((reason) => authC.labels(reason));

    const batch = new Histogram({
      name: 'cairn_commit_batch_changes',
      help: 'Changes per group-commit batch (one transaction and one WAL fsync each).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: r,
    });
    const fsync = new Histogram({
      name: 'cairn_wal_fsync_seconds',
      help: 'WAL fsync latency.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: r,
    });
    ctx.commits.observer = { batch: (n) => batch.observe(n), fsync: (s) => fsync.observe(s) };
    this.swept = new Counter({
      name: 'cairn_sweeper_removed_total',
      help: 'What the sweeper removed: stale_uploads, temps, garbage, orphans.',
      labelNames: ['kind'],
      registers: r,
    });

    const usage = this.usage;
    const usageRows = () => usage.buckets();
    const lastScrub = () => this.scrub;
    const expiry = () => this.certificateExpiry?.();
    new Gauge({
      name: 'cairn_bucket_objects',
      help: 'Objects in a bucket (current versions that are not delete markers), exact.',
      labelNames: ['bucket'],
      registers: r,
      collect() {
        this.reset();
        for (const u of usageRows()) this.labels(u.bucket).set(u.objects);
      },
    });
    new Gauge({
      name: 'cairn_bucket_bytes',
      help: 'Bytes of the objects in a bucket (current versions), exact.',
      labelNames: ['bucket'],
      registers: r,
      collect() {
        this.reset();
        for (const u of usageRows()) this.labels(u.bucket).set(u.bytes);
      },
    });
    new Gauge({
      name: 'cairn_bucket_stored_bytes',
      help: 'Bytes of every stored version in a bucket (what the disk holds), exact.',
      labelNames: ['bucket'],
      registers: r,
      collect() {
        this.reset();
        for (const u of usageRows()) this.labels(u.bucket).set(u.versionBytes);
      },
    });
    new Gauge({
      name: 'cairn_buckets',
      help: 'Buckets.',
      registers: r,
      collect() {
        this.set(usageRows().length);
      },
    });
    new Gauge({
      name: 'cairn_disk_bytes',
      help: 'The data directory file system: total and free (available to Cairn) bytes.',
      labelNames: ['kind'],
      registers: r,
      collect() {
        const d = diskUsage(config.dataDir);
        this.labels('total').set(d.totalBytes);
        this.labels('free').set(d.freeBytes);
      },
    });
    new Gauge({
      name: 'cairn_database_bytes',
      help: 'Size of the metadata database file and of its WAL.',
      labelNames: ['file'],
      registers: r,
      collect() {
        const size = (f: string) => {
          try {
            return statSync(join(config.dataDir, f)).size;
          } catch {
            return 0;
          }
        };
        this.labels('db').set(size(DB_FILE));
        this.labels('wal').set(size(`${DB_FILE}-wal`));
      },
    });
    new Gauge({
      name: 'cairn_garbage_pending',
      help: 'Blobs recorded for removal and not removed yet.',
      registers: r,
      collect() {
        this.set(usage.garbagePending());
      },
    });
    new Gauge({
      name: 'cairn_multipart_uploads_open',
      help: 'Multipart uploads in progress.',
      registers: r,
      collect() {
        this.set(usage.openUploads());
      },
    });
    new Gauge({
      name: 'cairn_tls_certificate_expiry_timestamp_seconds',
      help: 'When the HTTPS certificate expires (absent without TLS).',
      registers: r,
      collect() {
        const t = expiry();
        if (t !== undefined) this.set(t / 1000);
      },
    });
    new Gauge({
      name: 'cairn_scrub_last_finished_timestamp_seconds',
      help: 'When the last scrub finished (absent before the first).',
      registers: r,
      collect() {
        const s = lastScrub();
        if (s) this.set(s.finishedAt / 1000);
      },
    });
    new Gauge({
      name: 'cairn_scrub_last_objects',
      help: 'What the last scrub found: checked, missing, truncated, corrupt.',
      labelNames: ['result'],
      registers: r,
      collect() {
        const s = lastScrub();
        if (!s) return;
        this.labels('checked').set(s.checked);
        this.labels('missing').set(s.missing);
        this.labels('truncated').set(s.truncated);
        this.labels('corrupt').set(s.corrupt);
      },
    });
    // Notifications and lifecycle (the outbox is read at scrape time: two small queries, nothing per request).
    const outbox = ctx.outbox;
    const notifierStats = () => this.notifier;
    const targets = () => outboxTargets(ctx.config.notificationTargets, outbox.stats());
    new Gauge({
      name: 'cairn_notification_queue_messages',
      help: 'Notification messages waiting in the outbox for delivery, by target.',
      labelNames: ['target'],
      registers: r,
      collect() {
        this.reset();
        for (const [t, s] of targets()) this.labels(t).set(s.pending);
      },
    });
    new Counter({
      name: 'cairn_notification_overflow_total',
      help: 'Notification messages not queued because the target queue was full (CAIRN_NOTIFICATION_QUEUE_SIZE), by target; kept across restarts.',
      labelNames: ['target'],
      registers: r,
      collect() {
        this.reset();
        for (const [t, s] of targets()) this.labels(t).inc(s.overflow);
      },
    });
    const perTarget = (name: string, help: string, pick: (s: { delivered: number; failed: number }) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['target'],
        registers: r,
        collect() {
          this.reset();
          for (const [t, s] of notifierStats()?.targets ?? []) this.labels(t).inc(pick(s));
        },
      });
    perTarget('cairn_notification_delivered_total', 'Notification messages delivered (a 2xx answer), by target, since start.', (s) => s.delivered);
    perTarget(
      'cairn_notification_delivery_failures_total',
      'Notification delivery attempts that failed (no answer, or not 2xx; the message stays queued and is retried), by target, since start.',
      (s) => s.failed,
    );
    this.lifecycleRuns = new Counter({
      name: 'cairn_lifecycle_runs_total',
      help: 'Lifecycle worker passes, by result (ok, error).',
      labelNames: ['result'],
      registers: r,
    });
    this.lifecycleRuns.labels('ok').inc(0);
    this.lifecycleRuns.labels('error').inc(0);
    this.lifecycleActions = new Counter({
      name: 'cairn_lifecycle_actions_total',
      help: 'What lifecycle passes did: expired (current versions), delete_markers, noncurrent (versions removed), uploads (aborted), held (kept by Object Lock).',
      labelNames: ['action'],
      registers: r,
    });
    for (const a of ['expired', 'delete_markers', 'noncurrent', 'uploads', 'held']) this.lifecycleActions.labels(a).inc(0);
    const lifecycle = ctx.lifecycle;
    new Gauge({
      name: 'cairn_lifecycle_held_versions',
      help: 'Versions an expiration is due for that Object Lock keeps, waiting to be judged again.',
      registers: r,
      collect() {
        this.set(lifecycle.heldCount());
      },
    });
    const lastLifecycle = () => this.lifecycleLast;
    new Gauge({
      name: 'cairn_lifecycle_last_run_timestamp_seconds',
      help: 'When the last successful lifecycle pass finished (absent before the first).',
      registers: r,
      collect() {
        const t = lastLifecycle();
        if (t !== undefined) this.set(t / 1000);
      },
    });
    if (config.metricsMinioCompat) this.minioCompat();
  }

  started(): void {
    this.inflight.inc();
  }

  finished(op: string, status: number, code: string | undefined, seconds: number, received: number, sent: number): void {
    this.inflight.dec();
    this.requests.get(op).get(status).inc();
    this.durations.get(op).observe(seconds);
    if (received > 0) this.received.get(op).inc(received);
    if (sent > 0) this.sent.get(op).inc(sent);
    if (code !== undefined) {
      this.errors.get(op).get(code).inc();
      if (AUTH_CODES.has(code)) this.authFailures.get(code).inc();
    }
  }

  sweep(r: SweepReport): void {
    this.sweepLast = { at: Date.now(), ok: true };
    this.sweptTotals.staleUploads += r.staleUploads;
    this.sweptTotals.temps += r.temps;
    this.sweptTotals.garbage += r.garbage;
    this.sweptTotals.orphans += r.orphans;
    if (r.staleUploads) this.swept.labels('stale_uploads').inc(r.staleUploads);
    if (r.temps) this.swept.labels('temps').inc(r.temps);
    if (r.garbage) this.swept.labels('garbage').inc(r.garbage);
    if (r.orphans) this.swept.labels('orphans').inc(r.orphans);
  }

  sweepFailed(e: unknown): void {
    this.sweepLast = { at: Date.now(), ok: false, error: e instanceof Error ? e.message : String(e) };
  }

  scrubbed(s: ScrubFigures): void {
    this.scrub = s;
  }

  lifecycleRan(rep: LifecycleReport): void {
    this.lifecycleLast = Date.now();
    this.lifecycleRuns.labels('ok').inc();
    const t = this.lifecycleTotals;
    t.runs++;
    t.expired += rep.expired;
    t.deleteMarkers += rep.deleteMarkers;
    t.noncurrent += rep.noncurrent;
    t.uploads += rep.uploads;
    t.held += rep.held;
    const a = this.lifecycleActions;
    if (rep.expired) a.labels('expired').inc(rep.expired);
    if (rep.deleteMarkers) a.labels('delete_markers').inc(rep.deleteMarkers);
    if (rep.noncurrent) a.labels('noncurrent').inc(rep.noncurrent);
    if (rep.uploads) a.labels('uploads').inc(rep.uploads);
    if (rep.held) a.labels('held').inc(rep.held);
  }

  lifecycleFailed(): void {
    this.lifecycleRuns.labels('error').inc();
    this.lifecycleTotals.failures++;
  }

  /** Why a request with this Authorization header may not read the metrics (undefined: it may). */
  private refused(authorization: string | undefined): MetricsAnswer | undefined {
    if (this.ctx.config.metricsPublic) return undefined;
    if (this.token === undefined) {
      return { status: 403, contentType: 'text/plain', body: 'metrics need CAIRN_METRICS_TOKEN (a bearer token), or CAIRN_METRICS_PUBLIC=true\n' };
    }
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const given = m ? createHash('sha256').update(m[1]!.trim()).digest() : undefined;
    if (!given || !timingSafeEqual(given, this.token)) return { status: 401, contentType: 'text/plain', body: 'a valid bearer token is required\n' };
    return undefined;
  }

  /** The /-/metrics answer for a request with this Authorization header. */
  async answer(authorization: string | undefined): Promise<MetricsAnswer> {
    return this.refused(authorization) ?? { status: 200, contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** The /-/metrics/history answer (JSON), under the same rule as /-/metrics. */
  async answerHistory(authorization: string | undefined): Promise<MetricsAnswer> {
    return this.refused(authorization) ?? { status: 200, contentType: 'application/json', body: JSON.stringify(await this.historyReport()) };
  }

  /**
   * Starts closing a history slice every `sliceMs` (a minute; tests pass less) from the counters, and the
   * event-loop delay sampler; returns the stop of both.
   * The timer is unref()'d: it never keeps the process alive.
   */
  startHistory(sliceMs = HISTORY_SLICE_MS): () => void {
    this.sliceMs = sliceMs;
    // The event-loop delay sampler (cairn_eventloop_delay_seconds): its previous run is never forgotten at a scrape.
    let prev = performance.now();
    const sampler = setInterval(() => {
      const now = performance.now();
      this.loopDelay.record(Math.max(1, Math.round((now - prev - EVENT_LOOP_RESOLUTION_MS) * 1e6)));
      prev = now;
    }, EVENT_LOOP_RESOLUTION_MS);
    sampler.unref();
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.reading()
        .then((r) => this.history.record(Date.now(), r))
        .catch((e: unknown) => this.ctx.log.warn({ err: e }, 'metrics history: cannot read the counters'))
        .finally(() => (busy = false));
    }, sliceMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      clearInterval(sampler);
    };
  }

  /** The request counters and the duration histogram, cumulative, by operation (read from prom-client: nothing kept per request). */
  private async reading(): Promise<Reading> {
    const n = DURATION_BUCKETS.length + 1;
    const out: Reading = new Map();
    const of = (op: string | number | undefined) => {
      const name = String(op ?? 'Unknown');
      let f = out.get(name);
      if (!f) out.set(name, (f = zero(n)));
      return f;
    };
    for (const v of (await this.requestsC.get()).values) {
      const f = of(v.labels.operation);
      const status = Number(v.labels.status);
      f.requests += v.value;
      if (status >= 500) f.errors5xx += v.value;
      else if (status >= 400) f.errors4xx += v.value;
    }
    for (const v of (await this.durationH.get()).values) {
      const f = of(v.labels.operation);
      const name = v.metricName ?? '';
      if (name.endsWith('_sum')) f.seconds = v.value;
      else if (name.endsWith('_count')) f.count = v.value;
      else if (name.endsWith('_bucket')) {
        const le = v.labels.le;
        const i = le === '+Inf' ? n - 1 : DURATION_BUCKETS.indexOf(Number(le));
        if (i >= 0) f.buckets[i] = v.value;
      }
    }
    // prom-client's buckets are cumulative: per bucket from here on.
    for (const f of out.values()) for (let i = n - 1; i > 0; i--) f.buckets[i] = Math.max(0, f.buckets[i]! - f.buckets[i - 1]!);
    return out;
  }

  /** What /-/metrics/history answers. */
  async historyReport(): Promise<HistoryReport> {
    const now = Date.now();
    const slices = this.history.slices(now, await this.reading());
    const from = slices[0]?.start ?? now;
    const windowSeconds = (now - from) / 1000;
    const n = DURATION_BUCKETS.length + 1;
    const all: Reading = new Map();
    for (const s of slices) accumulate(all, s.ops);
    const minute = (s: Slice) => {
      const t = summarize('', total(s.ops, n), DURATION_BUCKETS, (s.end - s.start) / 1000);
      return {
        start: new Date(s.start).toISOString(),
        end: new Date(s.end).toISOString(),
        requests: t.requests,
        errors4xx: t.errors4xx,
        errors5xx: t.errors5xx,
        p50Seconds: t.p50Seconds ?? null,
        p99Seconds: t.p99Seconds ?? null,
        operations: Object.fromEntries(
          [...s.ops].map(([op, f]) => {
            const o = summarize(op, f, DURATION_BUCKETS, 0);
            return [
              op,
              { requests: o.requests, errors4xx: o.errors4xx, errors5xx: o.errors5xx, meanSeconds: o.meanSeconds ?? null, p99Seconds: o.p99Seconds ?? null },
            ];
          }),
        ),
      };
    };
    const { config } = this.ctx;
    const disk = diskUsage(config.dataDir);
    const size = (f: string) => {
      try {
        return statSync(join(config.dataDir, f)).size;
      } catch {
        return 0;
      }
    };
    const notifier = this.notifier;
    const lc = this.lifecycleTotals;
    const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    return {
      version: this.version,
      startedAt: iso(this.startedAt)!,
      uptimeSeconds: Math.floor((now - this.startedAt) / 1000),
      now: iso(now)!,
      windowSeconds,
      sliceSeconds: this.sliceMs / 1000,
      operations: [...all]
        .map(([op, f]) => summarize(op, f, DURATION_BUCKETS, windowSeconds))
        .sort((x, y) => y.requests - x.requests || x.operation.localeCompare(y.operation))
        .map((o) => ({ ...o, meanSeconds: o.meanSeconds ?? null, p50Seconds: o.p50Seconds ?? null, p99Seconds: o.p99Seconds ?? null })),
      minutes: slices.map(minute),
      capacity: { diskTotalBytes: disk.totalBytes, diskFreeBytes: disk.freeBytes, databaseBytes: size(DB_FILE), walBytes: size(`${DB_FILE}-wal`) },
      background: {
        sweeper: {
          lastRun: iso(this.sweepLast?.at),
          ok: this.sweepLast?.ok ?? null,
          error: this.sweepLast?.error ?? null,
          removed: { ...this.sweptTotals },
          garbagePending: this.usage.garbagePending(),
          uploadsOpen: this.usage.openUploads(),
        },
        lifecycle: {
          lastRun: iso(this.lifecycleLast),
          runs: lc.runs,
          failures: lc.failures,
          expired: lc.expired,
          deleteMarkers: lc.deleteMarkers,
          noncurrent: lc.noncurrent,
          uploadsAborted: lc.uploads,
          held: lc.held,
          heldVersions: this.ctx.lifecycle.heldCount(),
        },
        notifications: [...outboxTargets(config.notificationTargets, this.ctx.outbox.stats())].map(([target, q]) => {
          const d = notifier?.targets.get(target);
          return { target, pending: q.pending, overflow: q.overflow, delivered: d?.delivered ?? 0, failed: d?.failed ?? 0 };
        }),
        scrub: this.scrub
          ? {
              finishedAt: iso(this.scrub.finishedAt)!,
              checked: this.scrub.checked,
              bytes: this.scrub.bytes,
              missing: this.scrub.missing,
              truncated: this.scrub.truncated,
              corrupt: this.scrub.corrupt,
            }
          : null,
      },
    };
  }

  /** MinIO's v2 names (minio_s3_requests_total{api="getobject"}, ...), computed from Cairn's own figures at scrape time. */
  private minioCompat(): void {
    const r = [this.registry];
    const { requestsC, receivedC, sentC, inflight, durationH, usage } = this;
    const dataDir = this.ctx.config.dataDir;
    const api = (op: string | number | undefined) => String(op ?? '').toLowerCase();
    const byApi = async (pick: (status: number) => boolean) => {
      const out = new Map<string, number>();
      for (const v of (await requestsC.get()).values) {
        if (!pick(Number(v.labels.status))) continue;
        const a = api(v.labels.operation);
        out.set(a, (out.get(a) ?? 0) + v.value);
      }
      return out;
    };
    const counter = (name: string, help: string, pick: (status: number) => boolean) =>
      new Counter({
        name,
        help,
        labelNames: ['api'],
        registers: r,
        async collect() {
          this.reset();
          for (const [a, n] of await byApi(pick)) this.labels(a).inc(n);
        },
      });
    counter('minio_s3_requests_total', 'Total number of S3 requests (Cairn, MinIO-compatible name).', () => true);
    counter('minio_s3_requests_errors_total', 'Total number of S3 requests with (4xx and 5xx) errors.', (s) => s >= 400);
    counter('minio_s3_requests_4xx_errors_total', 'Total number of S3 requests with (4xx) errors.', (s) => s >= 400 && s < 500);
    counter('minio_s3_requests_5xx_errors_total', 'Total number of S3 requests with (5xx) errors.', (s) => s >= 500);
    const sum = async (c: Counter) => (await c.get()).values.reduce((n, v) => n + v.value, 0);
    new Counter({
      name: 'minio_s3_traffic_received_bytes',
      help: 'Total number of s3 bytes received.',
      registers: r,
      async collect() {
        this.reset();
        this.inc(await sum(receivedC));
      },
    });
    new Counter({
      name: 'minio_s3_traffic_sent_bytes',
      help: 'Total number of s3 bytes sent.',
      registers: r,
      async collect() {
        this.reset();
        this.inc(await sum(sentC));
      },
    });
    new Gauge({
      name: 'minio_s3_requests_inflight_total',
      help: 'Total number of S3 requests currently in flight.',
      registers: r,
      async collect() {
        this.set((await inflight.get()).values[0]?.value ?? 0);
      },
    });
    new Counter({
      name: 'minio_s3_requests_ttfb_seconds_distribution',
      help: 'Distribution of the time to first byte across API calls.',
      labelNames: ['api', 'le'],
      registers: r,
      async collect() {
        this.reset();
        for (const v of (await durationH.get()).values) {
          if (!v.metricName?.endsWith('_bucket')) continue;
          this.labels(api(v.labels.operation), String(v.labels.le)).inc(v.value);
        }
      },
    });
    const usageGauge = (name: string, help: string, pick: (u: ReturnType<UsageRepo['buckets']>[number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['bucket'],
        registers: r,
        collect() {
          this.reset();
          for (const u of usage.buckets()) this.labels(u.bucket).set(pick(u));
        },
      });
    usageGauge('minio_bucket_usage_object_total', 'Total number of objects.', (u) => u.objects);
    usageGauge('minio_bucket_usage_total_bytes', 'Total bucket size in bytes.', (u) => u.bytes);
    const cluster = (name: string, help: string, value: () => number) =>
      new Gauge({
        name,
        help,
        registers: r,
        collect() {
          this.set(value());
        },
      });
    const disk = () => diskUsage(dataDir);
    cluster('minio_cluster_capacity_raw_total_bytes', 'Total capacity online in the cluster.', () => disk().totalBytes);
    cluster('minio_cluster_capacity_raw_free_bytes', 'Total free capacity online in the cluster.', () => disk().freeBytes);
    cluster('minio_cluster_capacity_usable_total_bytes', 'Total usable capacity online in the cluster.', () => disk().totalBytes);
    cluster('minio_cluster_capacity_usable_free_bytes', 'Total free usable capacity online in the cluster.', () => disk().freeBytes);
    cluster('minio_cluster_usage_object_total', 'Total number of objects in a cluster.', () => usage.buckets().reduce((n, u) => n + u.objects, 0));
    cluster('minio_cluster_usage_total_bytes', 'Total cluster usage in bytes.', () => usage.buckets().reduce((n, u) => n + u.bytes, 0));
    cluster('minio_cluster_bucket_total', 'Total number of buckets in the cluster.', () => usage.buckets().length);
    cluster('minio_cluster_nodes_online_total', 'Total number of MinIO nodes online.', () => 1);
    cluster('minio_cluster_nodes_offline_total', 'Total number of MinIO nodes offline.', () => 0);
    new Gauge({
      name: 'minio_node_disk_free_bytes',
      help: 'Total storage available on a disk.',
      labelNames: ['disk'],
      registers: r,
      collect() {
        this.labels(dataDir).set(disk().freeBytes);
      },
    });
    new Gauge({
      name: 'minio_node_disk_total_bytes',
      help: 'Total storage on a disk.',
      labelNames: ['disk'],
      registers: r,
      collect() {
        this.labels(dataDir).set(disk().totalBytes);
      },
    });
  }
}

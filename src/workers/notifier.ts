/**
 * The notification worker: drains the outbox (written in the transaction of
 * each change, store/outbox.ts) to the webhook targets through undici.
 * At-least-once: a message is forgotten only after its target answered 2xx
 * (a crash in between sends it again; receivers de-duplicate by the
 * sequencer or the x-cairn-event-id header). In order per key: of a
 * target's oldest messages, only the first of each key is in flight, the
 * next one of that key goes after it was delivered. A target that fails is
 * retried with exponential backoff (0.5 s doubling up to
 * notificationRetryMaxSeconds) while its messages wait in the outbox, which
 * survives restarts; requests never wait for any of this.
 */
import { Agent, request } from 'undici';
import type { NotificationTargetConfig } from '../config.js';
import type { AppContext } from '../context.js';
import type { OutboxEntry } from '../store/outbox.js';

/** Messages looked at per round, and sent at once per target (distinct keys). */
const WINDOW = 64;
const PARALLEL = 8;
const TIMEOUT_MS = 10_000;
const BASE_BACKOFF_MS = 500;
/** With nothing queued, the outbox is looked at again this often (another process may have written). */
const IDLE_MS = 1000;

export interface NotifierStats {
  delivered: number;
  failures: number;
  /** Per configured target, since start: messages delivered, and delivery attempts that failed (no 2xx answer). */
  targets: Map<string, { delivered: number; failed: number }>;
}

class TargetLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private failuresInARow = 0;
  private downUntil = 0;
  /** Delivered, deletion not yet committed (GroupCommit.defer): not sent again meanwhile. */
  private readonly forgetting = new Set<number>();
  /** The round in progress, if any. */
  private current: Promise<void> | undefined;
  stopped = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly target: NotificationTargetConfig,
    private readonly agent: Agent,
    private readonly stats: NotifierStats,
  ) {}

  /** Runs a round soon (`delay` ms), unless one is due sooner or running (it then runs again). */
  kick(delay = 0): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = Math.max(delay, this.downUntil - Date.now());
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.current = this.round().finally(() => (this.current = undefined));
    }, wait);
    this.timer.unref();
  }

  /**
   * Delivers what is queued for this target, for a shutdown: resolves once
   * nothing is left to send, when the target fails (it is backing off: its
   * messages wait in the outbox for the next start), or at `until` (ms since
   * the epoch), whichever comes first. Never sends faster than rounds do.
   */
  async drain(until: number): Promise<void> {
    if (this.stopped || this.downUntil > Date.now()) return;
    if (!this.running) this.kick(0);
    for (;;) {
      const left = until - Date.now();
      if (this.stopped || left <= 0 || this.downUntil > Date.now()) return;
      if (!this.running) {
        const waiting = this.ctx.outbox.head(this.target.id, WINDOW + this.forgetting.size).some((m) => !this.forgetting.has(m.seq));
        if (!waiting) return;
        if (this.timer === undefined) this.kick(0);
      }
      await new Promise((r) => setTimeout(r, Math.min(20, left)));
    }
  }

  /** No new round starts; resolves when the one in progress (if any) has ended. */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    return this.current ?? Promise.resolve();
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    this.running = true;
    this.again = false;
    let next = IDLE_MS;
    try {
      const head = this.ctx.outbox.head(this.target.id, WINDOW + this.forgetting.size);
      const present = new Set(head.map((m) => m.seq));
      for (const s of this.forgetting) if (!present.has(s)) this.forgetting.delete(s);
      const blocked = new Set<string>();
      const batch: OutboxEntry[] = [];
      for (const m of head) {
        if (this.forgetting.has(m.seq)) continue;
        if (!blocked.has(m.orderKey)) batch.push(m);
        blocked.add(m.orderKey);
        if (batch.length >= PARALLEL) break;
      }
      if (batch.length > 0) {
        // Nothing is reported before the change it reports is durable: an fsync that began after these rows were read covers their commits.
        await this.ctx.commits.sync();
        const ok = await Promise.all(batch.map((m) => this.send(m)));
        const done = batch.filter((_, i) => ok[i]);
        const mine = this.stats.targets.get(this.target.id);
        if (mine) {
          mine.delivered += done.length;
          mine.failed += batch.length - done.length;
        }
        if (done.length > 0) {
          for (const m of done) this.forgetting.add(m.seq);
          this.ctx.commits.defer(() => {
            for (const m of done) this.ctx.outbox.delete(m.seq);
          });
          this.stats.delivered += done.length;
        }
        // Stopping (stop() waits for this round, the database is still open): undelivered messages stay for the next start.
        if (this.stopped) return;
        if (done.length < batch.length) {
          this.failuresInARow++;
          this.stats.failures++;
          const backoff = Math.min(BASE_BACKOFF_MS * 2 ** (this.failuresInARow - 1), this.ctx.config.notificationRetryMaxSeconds * 1000);
          this.downUntil = Date.now() + backoff;
          if (this.failuresInARow === 1 || this.failuresInARow % 10 === 0) {
            this.ctx.log.warn(
              { worker: 'notifier', target: this.target.id, failures: this.failuresInARow, retryInMs: backoff },
              'notification target unreachable: messages kept in the outbox, retrying',
            );
          }
          next = backoff;
        } else {
          if (this.failuresInARow > 0) this.ctx.log.info({ worker: 'notifier', target: this.target.id }, 'notification target reachable again');
          this.failuresInARow = 0;
          this.downUntil = 0;
          next = 0;
        }
      }
    } catch (e) {
      this.ctx.log.error({ err: e, worker: 'notifier', target: this.target.id }, 'notification round failed');
      next = IDLE_MS;
    } finally {
      this.running = false;
    }
    this.kick(this.again ? 0 : next);
  }

  private async send(m: OutboxEntry): Promise<boolean> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Cairn-Notifications/1',
      'x-cairn-event-id': String(m.eventId),
    };
    if (this.target.authHeader !== undefined) headers.authorization = this.target.authHeader;
    try {
      const res = await request(this.target.url, {
        method: 'POST',
        headers,
        body: m.message,
        dispatcher: this.agent,
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300;
    } catch {
      return false;
    }
  }
}

export interface Notifier {
  readonly stats: NotifierStats;
  /** Delivers what is queued (to targets that answer) until nothing is left or `until` (ms since the epoch); then stop(). */
  drain(until: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts one delivery loop per configured target; messages queued for a target no longer configured stay in the outbox. */
export function startNotifier(ctx: AppContext): Notifier {
  const stats: NotifierStats = { delivered: 0, failures: 0, targets: new Map(ctx.config.notificationTargets.map((t) => [t.id, { delivered: 0, failed: 0 }])) };
  const agents: Agent[] = [];
  const loops = ctx.config.notificationTargets.map((t) => {
    const agent = new Agent({ connect: { rejectUnauthorized: t.tlsVerify, timeout: TIMEOUT_MS }, keepAliveTimeout: 4000 });
    agents.push(agent);
    return new TargetLoop(ctx, t, agent, stats);
  });
  const known = new Set(ctx.config.notificationTargets.map((t) => t.id));
  const orphaned = ctx.outbox.targets().filter((t) => !known.has(t));
  if (orphaned.length > 0)
    ctx.log.warn({ worker: 'notifier', targets: orphaned }, 'messages wait in the outbox for notification targets that are not configured');
  ctx.notifier.wake = () => {
    // Called inside the commit that queued the messages: they are read once it is done (and fsynced before sending).
    for (const l of loops) l.kick(25);
  };
  for (const l of loops) l.kick(0);
  return {
    stats,
    async drain(until: number) {
      await Promise.all(loops.map((l) => l.drain(until)));
    },
    async stop() {
      ctx.notifier.wake = undefined;
      const rounds = loops.map((l) => l.stop());
      // Requests in flight are aborted (their messages stay in the outbox), so stopping never waits for a slow target.
      await Promise.all(agents.map((a) => a.destroy().catch(() => undefined)));
      await Promise.all(rounds);
    },
  };
}

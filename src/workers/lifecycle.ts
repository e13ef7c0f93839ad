/**
 * The lifecycle worker: applies each bucket's enabled lifecycle rules.
 *
 * Due work is found through the database, never by scanning a bucket: for
 * each rule and action ("phase"), a range of a time index (current versions
 * by creation time, noncurrent versions by the time they stopped being
 * current, open uploads by initiation) below the rule's cutoff, read after a
 * cursor kept in `lifecycle_cursors`, so each version is judged once per rule
 * and a restart resumes where the worker stopped. A rule that changes starts
 * its phase again. Versions Object Lock keeps are recorded in
 * `lifecycle_held` and retried when their retention ends (a legal hold: a day
 * later). Every deletion goes through ObjectService.delete (the one delete
 * path, with its lock guard) and is announced as an
 * `s3:LifecycleExpiration:*` event.
 */
import type { AppContext } from '../context.js';
import type { Bucket } from '../core/buckets.js';
import { isDomainError } from '../core/errors.js';
import { dueCutoff, filterMatches, ruleFingerprint, type LifecycleConfig, type LifecycleRule } from '../core/lifecycle.js';
import type { OpEvent } from '../s3/operation.js';
import type { LifecycleCursor, LifecycleRow } from '../store/lifecycle.js';

const BATCH = 500;
const START: Omit<LifecycleCursor, 'rules'> = { pos: -1, key: Buffer.alloc(0), seq: -1 };

export interface LifecycleReport {
  expired: number;
  deleteMarkers: number;
  noncurrent: number;
  uploads: number;
  held: number;
}

class Pass {
  readonly report: LifecycleReport = { expired: 0, deleteMarkers: 0, noncurrent: 0, uploads: 0, held: 0 };
  private readonly events: OpEvent[] = [];
  private readonly now: number;
  private readonly dayMs: number;

  constructor(private readonly ctx: AppContext) {
    this.now = ctx.clock();
    this.dayMs = ctx.config.lifecycleDaySeconds * 1000;
  }

  async run(): Promise<LifecycleReport> {
    for (const name of this.ctx.lifecycle.buckets()) {
      const bucket = this.ctx.services.buckets.get(name);
      const cfg = bucket && this.ctx.services.buckets.config<LifecycleConfig>(bucket, 'lifecycle');
      if (!bucket || !cfg) continue;
      await this.retryHeld(bucket, cfg);
      for (const rule of cfg.rules) {
        if (!rule.enabled) continue;
        const e = rule.expiration;
        if (e?.days !== undefined) await this.expireCurrent(bucket, rule, dueCutoff(this.now, e.days, this.dayMs));
        else if (e?.date !== undefined && this.now >= e.date) await this.expireCurrent(bucket, rule, this.now + 1);
        if (e?.expiredObjectDeleteMarker) await this.expiredMarkers(bucket, rule);
        if (rule.noncurrentExpiration?.days !== undefined)
          await this.expireNoncurrent(bucket, rule, dueCutoff(this.now, rule.noncurrentExpiration.days, this.dayMs));
        if (rule.abortIncompleteDays !== undefined) await this.abortUploads(bucket, rule, dueCutoff(this.now, rule.abortIncompleteDays, this.dayMs));
      }
      this.flush();
    }
    this.flush();
    return this.report;
  }

  private flush(): void {
    if (this.events.length === 0) return;
    const out = this.events.splice(0);
    try {
      this.ctx.onEvents?.(out);
    } catch (e) {
      this.ctx.log.error({ err: e, worker: 'lifecycle' }, 'event hook failed');
    }
  }

  /** The cursor of a phase, reset when the rule changed since it was written. */
  private cursor(bucket: Bucket, phase: string, rule: LifecycleRule): LifecycleCursor {
    const fp = ruleFingerprint(rule);
    const c = this.ctx.lifecycle.cursor(bucket.id, phase);
    return c && c.rules === fp ? c : { rules: fp, ...START };
  }

  private async saveCursor(bucket: Bucket, phase: string, c: LifecycleCursor): Promise<void> {
    await this.ctx.commits.run(() => this.ctx.lifecycle.setCursor(bucket.id, phase, c));
  }

  /** Expiration (Days or Date) of current versions: removed (unversioned) or hidden by a delete marker (versioned). */
  private async expireCurrent(bucket: Bucket, rule: LifecycleRule, cutoff: number): Promise<void> {
    const phase = `current:${rule.id}`;
    let c = this.cursor(bucket, phase, rule);
    for (;;) {
      const rows = this.ctx.lifecycle.current(bucket.id, cutoff, c, BATCH);
      // A batch's deletions are sent together, so group commit makes them a few transactions, not one each.
      const due = rows.filter((r) => filterMatches(rule.filter, { key: r.key.toString('utf8'), size: r.size, tags: r.tags }));
      await Promise.all(
        due.map(async (r) => {
          const key = r.key.toString('utf8');
          const res = await this.ctx.services.objects.delete({ bucket, key, ownerId: bucket.ownerId, mayBypassGovernance: false, ifCurrentBlob: r.blobId });
          if (!res.found) return;
          this.report.expired++;
          this.events.push(
            res.deleteMarker
              ? { name: 'LifecycleExpiration:DeleteMarkerCreated', bucket: bucket.name, key, versionId: res.versionId }
              : { name: 'LifecycleExpiration:Delete', bucket: bucket.name, key, size: r.size },
          );
        }),
      );
      if (rows.length === 0) break;
      const last = rows[rows.length - 1]!;
      c = { rules: c.rules, pos: last.lastModified, key: last.key, seq: last.seq };
      await this.saveCursor(bucket, phase, c);
      if (rows.length < BATCH) break;
    }
  }

  /**
   * NoncurrentVersionExpiration: a key's noncurrent versions that have been
   * noncurrent for NoncurrentDays go, except the NewerNoncurrentVersions
   * newest of them.
   */
  private async expireNoncurrent(bucket: Bucket, rule: LifecycleRule, cutoff: number): Promise<void> {
    const phase = `noncurrent:${rule.id}`;
    let c = this.cursor(bucket, phase, rule);
    const keep = rule.noncurrentExpiration?.newerNoncurrentVersions ?? 0;
    for (;;) {
      const rows = this.ctx.lifecycle.noncurrent(bucket.id, cutoff, c, BATCH);
      const keys = new Map<string, Buffer>();
      for (const r of rows) keys.set(r.key.toString('latin1'), r.key);
      // Keys in parallel (their deletions share group commits), each key's versions in order.
      await Promise.all(
        [...keys.values()].map(async (keyBuf) => {
          const versions = this.ctx.lifecycle.noncurrentOf(bucket.id, keyBuf).slice(keep);
          for (const v of versions) {
            if (v.noncurrentSince === undefined || v.noncurrentSince >= cutoff) continue;
            if (!filterMatches(rule.filter, { key: keyBuf.toString('utf8'), size: v.size, tags: v.tags })) continue;
            await this.removeVersion(bucket, keyBuf, v);
          }
        }),
      );
      if (rows.length === 0) break;
      const last = rows[rows.length - 1]!;
      c = { rules: c.rules, pos: last.noncurrentSince ?? 0, key: last.key, seq: last.seq };
      await this.saveCursor(bucket, phase, c);
      if (rows.length < BATCH) break;
    }
  }

  /** Removes one noncurrent version (or an expired delete marker) through the one delete path; a locked one is held. */
  private async removeVersion(bucket: Bucket, keyBuf: Buffer, v: Pick<LifecycleRow, 'versionId' | 'size' | 'deleteMarker'>, marker = false): Promise<boolean> {
    const key = keyBuf.toString('utf8');
    try {
      const res = await this.ctx.services.objects.delete({
        bucket,
        key,
        versionId: v.versionId,
        ownerId: bucket.ownerId,
        mayBypassGovernance: false,
        ifNoncurrent: !marker,
      });
      if (!res.found) return false;
      if (marker) this.report.deleteMarkers++;
      else this.report.noncurrent++;
      this.events.push({ name: 'LifecycleExpiration:Delete', bucket: bucket.name, key, versionId: v.versionId, size: v.deleteMarker ? undefined : v.size });
      return true;
    } catch (e) {
      if (!isDomainError(e) || e.code !== 'ObjectLocked') throw e;
      const o = this.ctx.services.objects.version(bucket, key, v.versionId);
      // Retention ends at lockUntil; a legal hold has no end: look again a day later.
      const retry = o?.legalHold || o?.lockUntil === undefined ? this.now + this.dayMs : Math.max(o.lockUntil + 1, this.now + 1000);
      await this.ctx.commits.run(() => this.ctx.lifecycle.hold(bucket.id, keyBuf, v.versionId, retry));
      this.report.held++;
      return false;
    }
  }

  /** ExpiredObjectDeleteMarker: a delete marker that is its key's only version is removed. */
  private async expiredMarkers(bucket: Bucket, rule: LifecycleRule): Promise<void> {
    let after: Buffer = Buffer.alloc(0);
    for (;;) {
      const rows = this.ctx.lifecycle.currentMarkers(bucket.id, after, BATCH);
      for (const r of rows) {
        const key = r.key.toString('utf8');
        if (rule.filter.prefix !== undefined && !key.startsWith(rule.filter.prefix)) continue;
        if (this.ctx.lifecycle.versionCount(bucket.id, r.key) !== 1) continue;
        await this.removeVersion(bucket, r.key, r, true);
      }
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1]!.key;
    }
  }

  /** AbortIncompleteMultipartUpload: uploads open DaysAfterInitiation days are aborted, their parts with them. */
  private async abortUploads(bucket: Bucket, rule: LifecycleRule, cutoff: number): Promise<void> {
    const phase = `uploads:${rule.id}`;
    const c = this.cursor(bucket, phase, rule);
    let pos = c.pos;
    let id = c.key.toString('utf8');
    for (;;) {
      const rows = this.ctx.lifecycle.openUploads(bucket.id, cutoff, pos, id, BATCH);
      for (const u of rows) {
        if (rule.filter.prefix !== undefined && !u.key.startsWith(rule.filter.prefix)) continue;
        const up = this.ctx.services.uploads.get(u.id);
        if (!up || up.state !== 'uploading') continue;
        await this.ctx.services.uploads.abort(up);
        this.report.uploads++;
      }
      if (rows.length === 0) break;
      pos = rows[rows.length - 1]!.initiated;
      id = rows[rows.length - 1]!.id;
      await this.saveCursor(bucket, phase, { rules: c.rules, pos, key: Buffer.from(id, 'utf8'), seq: 0 });
      if (rows.length < BATCH) break;
    }
  }

  /**
   * Versions to judge again (lifecycle_held): ones Object Lock kept, once
   * their retention ended; ones whose tags changed or that became current
   * again, which a cursor may have passed. Each is judged by the rules as
   * they stand now, and expired if due.
   */
  private async retryHeld(bucket: Bucket, cfg: LifecycleConfig): Promise<void> {
    for (const h of this.ctx.lifecycle.heldDue(bucket.id, this.now, BATCH)) {
      await this.ctx.commits.run(() => this.ctx.lifecycle.unhold(bucket.id, h.key, h.versionId));
      const key = h.key.toString('utf8');
      const v = this.ctx.services.objects.version(bucket, key, h.versionId);
      if (!v) continue;
      const facts = { key, size: v.size, tags: v.tags };
      if (v.isLatest) {
        if (v.deleteMarker) continue;
        const due = cfg.rules.find((r) => {
          if (!r.enabled || !filterMatches(r.filter, facts)) return false;
          const e = r.expiration;
          return e?.days !== undefined ? v.lastModified < dueCutoff(this.now, e.days, this.dayMs) : e?.date !== undefined && this.now >= e.date;
        });
        if (!due) continue;
        const res = await this.ctx.services.objects.delete({ bucket, key, ownerId: bucket.ownerId, mayBypassGovernance: false, ifCurrentBlob: v.blobId });
        if (!res.found) continue;
        this.report.expired++;
        this.events.push(
          res.deleteMarker
            ? { name: 'LifecycleExpiration:DeleteMarkerCreated', bucket: bucket.name, key, versionId: res.versionId }
            : { name: 'LifecycleExpiration:Delete', bucket: bucket.name, key, size: v.size },
        );
        continue;
      }
      for (const r of cfg.rules) {
        const n = r.noncurrentExpiration;
        if (!r.enabled || n?.days === undefined || !filterMatches(r.filter, facts)) continue;
        const row = this.ctx.lifecycle
          .noncurrentOf(bucket.id, h.key)
          .slice(n.newerNoncurrentVersions ?? 0)
          .find((x) => x.versionId === h.versionId);
        if (!row || row.noncurrentSince === undefined || row.noncurrentSince >= dueCutoff(this.now, n.days, this.dayMs)) continue;
        await this.removeVersion(bucket, h.key, row);
        break;
      }
    }
  }
}

/** One pass over every bucket with a lifecycle configuration. */
export function applyLifecycle(ctx: AppContext): Promise<LifecycleReport> {
  return new Pass(ctx).run();
}

/** Runs applyLifecycle() every lifecycleIntervalSeconds (and once soon after start); returns a stop function. `observer` hears each pass's outcome (metrics). */
/**
 * Starts the worker; the function it returns stops it and waits (at most `waitMs`) for a pass that is running, so
 * the database is not closed under it.
 */
export function startLifecycle(ctx: AppContext, observer?: { ran(r: LifecycleReport): void; failed(): void }): (waitMs?: number) => Promise<void> {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = applyLifecycle(ctx)
      .then((r) => {
        observer?.ran(r);
        if (r.expired + r.deleteMarkers + r.noncurrent + r.uploads + r.held > 0) ctx.log.info({ worker: 'lifecycle', ...r }, 'lifecycle applied');
      })
      .catch((e: unknown) => {
        observer?.failed();
        ctx.log.error({ err: e, worker: 'lifecycle' }, 'lifecycle pass failed');
      })
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(tick, 1000);
  first.unref();
  const timer = setInterval(tick, ctx.config.lifecycleIntervalSeconds * 1000);
  timer.unref();
  return async (waitMs = 10_000) => {
    stopped = true;
    clearTimeout(first);
    clearInterval(timer);
    if (running) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise<void>((r) => (t = setTimeout(r, waitMs)))]);
      clearTimeout(t);
    }
  };
}

/**
 * Lifecycle rules as the domain applies them: which versions a rule's filter
 * matches, and when a version becomes eligible (S3's rounding: creation +
 * Days, rounded up to the next midnight UTC; a "day" is configurable for
 * tests). Pure functions; the worker (workers/lifecycle.ts) finds due work
 * through the database and deletes through ObjectService.
 */

/** A rule's filter, normalised: every condition present must hold (empty: every object). */
export interface LifecycleFilter {
  prefix?: string;
  tags?: Array<[string, string]>;
  sizeGreaterThan?: number;
  sizeLessThan?: number;
}

/** How the filter was written, so Get answers in the form it was put (legacy top-level Prefix, Filter, Filter/And). */
export type FilterShape = 'legacy' | 'empty' | 'prefix' | 'tag' | 'and' | 'gt' | 'lt';

export interface LifecycleRule {
  id: string;
  enabled: boolean;
  shape: FilterShape;
  filter: LifecycleFilter;
  expiration?: { days?: number; date?: number; expiredObjectDeleteMarker?: boolean };
  noncurrentExpiration?: { days?: number; newerNoncurrentVersions?: number };
  abortIncompleteDays?: number;
}

export interface LifecycleConfig {
  rules: LifecycleRule[];
}

export const DAY_MS = 86_400_000;

/** The version facts a filter looks at. */
export interface Candidate {
  key: string;
  size: number;
  tags?: ReadonlyArray<[string, string]>;
}

/** Does the filter match this version? Prefix on the key, every tag (key and value), the size strictly between the bounds. */
export function filterMatches(f: LifecycleFilter, c: Candidate): boolean {
  if (f.prefix !== undefined && !c.key.startsWith(f.prefix)) return false;
  if (f.sizeGreaterThan !== undefined && !(c.size > f.sizeGreaterThan)) return false;
  if (f.sizeLessThan !== undefined && !(c.size < f.sizeLessThan)) return false;
  if (f.tags?.length) {
    const have = new Map(c.tags ?? []);
    for (const [k, v] of f.tags) if (have.get(k) !== v) return false;
  }
  return true;
}

/** The start of the next "day" (midnight UTC for the default 86400 s day) strictly after `t`. */
export function nextMidnight(t: number, dayMs = DAY_MS): number {
  return (Math.floor(t / dayMs) + 1) * dayMs;
}

/** When something created (or become noncurrent) at `t` is eligible under a `days` rule: t + days, rounded up to the next midnight. */
export function eligibleAt(t: number, days: number, dayMs = DAY_MS): number {
  return nextMidnight(t + days * dayMs, dayMs);
}

/**
 * The latest (exclusive) time a version may have been created at to be due
 * now under a `days` rule: eligibleAt(t) <= now ⟺ t < cutoff. Monotonic in
 * t, so due work is a range of an index on creation time.
 */
export function dueCutoff(now: number, days: number, dayMs = DAY_MS): number {
  return Math.floor(now / dayMs) * dayMs - days * dayMs;
}

/** When the current version expires under this rule (Days or Date), or undefined. */
export function expiryOf(rule: LifecycleRule, createdAt: number, dayMs = DAY_MS): number | undefined {
  const e = rule.expiration;
  if (!e) return undefined;
  if (e.days !== undefined) return eligibleAt(createdAt, e.days, dayMs);
  if (e.date !== undefined) return e.date;
  return undefined;
}

/**
 * The rule that expires a current version first, and when (the
 * x-amz-expiration header: expiry-date and rule-id), among the enabled
 * rules whose filter matches.
 */
export function currentExpiry(cfg: LifecycleConfig | undefined, c: Candidate, createdAt: number, dayMs = DAY_MS): { date: number; ruleId: string } | undefined {
  let best: { date: number; ruleId: string } | undefined;
  for (const r of cfg?.rules ?? []) {
    if (!r.enabled || !filterMatches(r.filter, c)) continue;
    const d = expiryOf(r, createdAt, dayMs);
    if (d !== undefined && (best === undefined || d < best.date)) best = { date: d, ruleId: r.id };
  }
  return best;
}

/** The x-amz-expiration header value S3 sends. */
export function expirationHeader(e: { date: number; ruleId: string }): string {
  const rid = e.ruleId.replace(/"/g, '%22');
  return `expiry-date="${new Date(e.date).toUTCString()}", rule-id="${rid}"`;
}

/** A fingerprint of what a rule does and matches (a changed rule starts its scan again). */
export function ruleFingerprint(r: LifecycleRule): string {
  return JSON.stringify([r.filter, r.expiration, r.noncurrentExpiration, r.abortIncompleteDays]);
}

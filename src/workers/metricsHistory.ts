/**
 * The last hour of request figures for the console's dashboard
 * (`/-/metrics/history`): a ring of 60 one-minute slices, each the
 * difference between two readings of the counters and the duration
 * histogram the metrics keep anyway. Nothing is done per request: the
 * readings are taken by a timer (and once more when the history is asked
 * for, for the minute in progress), so the memory is fixed (slices ×
 * operations × buckets) and the request path is untouched.
 */

import type { OperationFigures } from './historyReport.js';

/** One operation's cumulative figures (a reading) or their change over a slice. */
export interface OpFigures {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  /** Observations in the duration histogram and the sum of their seconds. */
  count: number;
  seconds: number;
  /** Observations per histogram bucket, not cumulative: index i counts durations in (bounds[i-1], bounds[i]], the last one those above every bound. */
  buckets: number[];
}

/** A reading: cumulative figures by AWS operation name. */
export type Reading = Map<string, OpFigures>;

export interface Slice {
  /** Milliseconds since the epoch. */
  start: number;
  end: number;
  ops: Reading;
}

export const HISTORY_SLOTS = 60;
export const HISTORY_SLICE_MS = 60_000;

/** Figures of nothing yet, with `n` histogram buckets. */
export const zero = (n: number): OpFigures => ({ requests: 0, errors4xx: 0, errors5xx: 0, count: 0, seconds: 0, buckets: new Array<number>(n).fill(0) });

/** What changed from `before` to `after`, operations that did nothing left out (a figure that went down, a reset, counts from zero). */
export function difference(after: Reading, before: Reading): Reading {
  const out: Reading = new Map();
  for (const [op, a] of after) {
    const b = before.get(op);
    const d = (x: number, y: number | undefined) => (y === undefined || x < y ? x : x - y);
    const f: OpFigures = {
      requests: d(a.requests, b?.requests),
      errors4xx: d(a.errors4xx, b?.errors4xx),
      errors5xx: d(a.errors5xx, b?.errors5xx),
      count: d(a.count, b?.count),
      seconds: b === undefined || a.count < b.count ? a.seconds : Math.max(0, a.seconds - b.seconds),
      buckets: a.buckets.map((n, i) => d(n, b?.buckets[i])),
    };
    if (f.requests > 0 || f.count > 0) out.set(op, f);
  }
  return out;
}

/** Adds `x` into `into` (operation by operation). */
export function accumulate(into: Reading, x: Reading): Reading {
  for (const [op, f] of x) {
    let t = into.get(op);
    if (!t) into.set(op, (t = zero(f.buckets.length)));
    t.requests += f.requests;
    t.errors4xx += f.errors4xx;
    t.errors5xx += f.errors5xx;
    t.count += f.count;
    t.seconds += f.seconds;
    for (let i = 0; i < f.buckets.length; i++) t.buckets[i] = (t.buckets[i] ?? 0) + f.buckets[i]!;
  }
  return into;
}

/**
 * The q-quantile (0 < q ≤ 1) of durations counted per bucket, as Prometheus'
 * histogram_quantile estimates it: linear within the bucket the rank falls in
 * (the first bucket from 0); in the bucket above the last bound, that bound.
 * Undefined when nothing was counted.
 */
export function quantile(bounds: readonly number[], buckets: readonly number[], q: number): number | undefined {
  const total = buckets.reduce((s, n) => s + n, 0);
  if (total <= 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i]!;
    if (n > 0 && below + n >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1];
      const lo = i === 0 ? 0 : bounds[i - 1]!;
      const hi = bounds[i]!;
      return lo + (hi - lo) * ((rank - below) / n);
    }
    below += n;
  }
  return bounds[bounds.length - 1];
}

/** The ring: `slots` slices, the oldest overwritten. */
export class History {
  private readonly ring: (Slice | undefined)[];
  private next = 0;
  private last: Reading = new Map();
  private lastAt: number;

  constructor(
    start: number,
    readonly slots = HISTORY_SLOTS,
  ) {
    this.ring = new Array<Slice | undefined>(slots).fill(undefined);
    this.lastAt = start;
  }

  /** Closes the slice that ends now with this reading. */
  record(at: number, reading: Reading): void {
    this.ring[this.next] = { start: this.lastAt, end: at, ops: difference(reading, this.last) };
    this.next = (this.next + 1) % this.slots;
    this.last = reading;
    this.lastAt = at;
  }

  /** The closed slices, oldest first, then (given a reading taken now) the slice in progress. */
  slices(at?: number, reading?: Reading): Slice[] {
    const out: Slice[] = [];
    for (let i = 0; i < this.slots; i++) {
      const s = this.ring[(this.next + i) % this.slots];
      if (s) out.push(s);
    }
    if (at !== undefined && reading) out.push({ start: this.lastAt, end: at, ops: difference(reading, this.last) });
    return out;
  }
}

export type OperationSummary = OperationFigures<undefined>;

/** One operation's (or the whole server's) figures over `seconds`. */
export function summarize(operation: string, f: OpFigures, bounds: readonly number[], seconds: number): OperationSummary {
  const errors = f.errors4xx + f.errors5xx;
  return {
    operation,
    requests: f.requests,
    errors4xx: f.errors4xx,
    errors5xx: f.errors5xx,
    rate: seconds > 0 ? f.requests / seconds : 0,
    errorRate: f.requests > 0 ? errors / f.requests : 0,
    meanSeconds: f.count > 0 ? f.seconds / f.count : undefined,
    p50Seconds: quantile(bounds, f.buckets, 0.5),
    p99Seconds: quantile(bounds, f.buckets, 0.99),
  };
}

/** The whole server's figures in a slice (every operation added up). */
export function total(ops: Reading, nBuckets: number): OpFigures {
  const sum = new Map([['', zero(nBuckets)]]);
  for (const f of ops.values()) accumulate(sum, new Map([['', f]]));
  return sum.get('')!;
}

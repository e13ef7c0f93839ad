/**
 * The pure parts of /-/metrics/history (src/workers/metricsHistory.ts):
 * quantiles from histogram buckets, differences between two readings, the
 * ring of slices and the per-operation summary.
 */
import { describe, expect, it } from 'vitest';
import { difference, History, quantile, summarize, total, zero, type OpFigures, type Reading } from '../../src/workers/metricsHistory.js';

const BOUNDS = [0.01, 0.1, 1];

function figures(requests: number, buckets: number[], seconds = 0, errors4xx = 0, errors5xx = 0): OpFigures {
  return { requests, errors4xx, errors5xx, count: buckets.reduce((s, n) => s + n, 0), seconds, buckets };
}

describe('quantile', () => {
  it('interpolates linearly inside the bucket the rank falls in, from 0 in the first', () => {
    // 10 observations, all in (0, 0.01]: the median is half way.
    expect(quantile(BOUNDS, [10, 0, 0, 0], 0.5)).toBeCloseTo(0.005);
    // 50 in the first bucket, 50 in (0.01, 0.1]: p99 is 98% of the way through the second.
    expect(quantile(BOUNDS, [50, 50, 0, 0], 0.99)).toBeCloseTo(0.01 + 0.09 * 0.98);
    expect(quantile(BOUNDS, [50, 50, 0, 0], 0.5)).toBeCloseTo(0.01);
  });

  it('answers the highest bound for ranks above it, and undefined for nothing', () => {
    expect(quantile(BOUNDS, [0, 0, 1, 9], 0.99)).toBe(1);
    expect(quantile(BOUNDS, [0, 0, 0, 0], 0.5)).toBeUndefined();
    expect(quantile(BOUNDS, [], 0.5)).toBeUndefined();
  });

  it('skips empty buckets below the rank', () => {
    expect(quantile(BOUNDS, [0, 0, 4, 0], 0.5)).toBeCloseTo(0.1 + 0.9 * 0.5);
  });
});

describe('difference', () => {
  it('subtracts per operation and drops operations that did nothing', () => {
    const before: Reading = new Map([
      ['PutObject', figures(3, [1, 2, 0, 0], 0.2, 1)],
      ['GetObject', figures(4, [4, 0, 0, 0], 0.01)],
    ]);
    const after: Reading = new Map([
      ['PutObject', figures(5, [1, 3, 1, 0], 0.9, 1, 1)],
      ['GetObject', figures(4, [4, 0, 0, 0], 0.01)],
      ['HeadObject', figures(2, [2, 0, 0, 0], 0.004)],
    ]);
    const d = difference(after, before);
    expect([...d.keys()].sort()).toEqual(['HeadObject', 'PutObject']);
    expect(d.get('PutObject')).toEqual({ requests: 2, errors4xx: 0, errors5xx: 1, count: 2, seconds: expect.closeTo(0.7, 10), buckets: [0, 1, 1, 0] });
    expect(d.get('HeadObject')!.requests).toBe(2);
  });

  it('counts from zero when a figure went down (a reset)', () => {
    const d = difference(new Map([['PutObject', figures(1, [1, 0, 0, 0], 0.001)]]), new Map([['PutObject', figures(9, [9, 0, 0, 0], 0.5)]]));
    expect(d.get('PutObject')).toMatchObject({ requests: 1, count: 1, seconds: 0.001, buckets: [1, 0, 0, 0] });
  });
});

describe('History', () => {
  it('keeps the last `slots` slices, oldest first, each what changed in it, then the slice in progress', () => {
    const h = new History(0, 3);
    let n = 0;
    const reading = () => new Map([['PutObject', figures(n, [n, 0, 0, 0])]]);
    for (let t = 1; t <= 5; t++) {
      n += t; // t requests in slice t
      h.record(t * 1000, reading());
    }
    n += 10;
    const s = h.slices(5500, reading());
    expect(s.map((x) => [x.start, x.end])).toEqual([
      [2000, 3000],
      [3000, 4000],
      [4000, 5000],
      [5000, 5500],
    ]);
    expect(s.map((x) => x.ops.get('PutObject')?.requests)).toEqual([3, 4, 5, 10]);
    // Without a reading, only the closed slices.
    expect(h.slices()).toHaveLength(3);
  });

  it('has no slice before the first record, except the one in progress', () => {
    const h = new History(100);
    expect(h.slices()).toEqual([]);
    const s = h.slices(200, new Map([['GetObject', figures(1, [1, 0, 0, 0])]]));
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ start: 100, end: 200 });
  });
});

describe('summarize and total', () => {
  it('gives rate, error rate, mean and quantiles', () => {
    const s = summarize('GetObject', figures(10, [5, 5, 0, 0], 0.3, 2, 1), BOUNDS, 5);
    expect(s).toMatchObject({ operation: 'GetObject', requests: 10, errors4xx: 2, errors5xx: 1, rate: 2, errorRate: 0.3 });
    expect(s.meanSeconds).toBeCloseTo(0.03);
    expect(s.p50Seconds).toBeCloseTo(0.01);
    expect(s.p99Seconds).toBeCloseTo(0.01 + 0.09 * 0.98);
    const none = summarize('X', zero(4), BOUNDS, 0);
    expect(none).toMatchObject({ rate: 0, errorRate: 0, meanSeconds: undefined, p50Seconds: undefined, p99Seconds: undefined });
  });

  it('adds every operation up', () => {
    const t = total(
      new Map([
        ['a', figures(2, [1, 1, 0, 0], 0.1, 1)],
        ['b', figures(3, [0, 0, 3, 0], 1, 0, 2)],
      ]),
      4,
    );
    expect(t).toMatchObject({ requests: 5, errors4xx: 1, errors5xx: 2, count: 5, buckets: [1, 1, 3, 0] });
    expect(t.seconds).toBeCloseTo(1.1);
    expect(total(new Map(), 4)).toEqual(zero(4));
  });
});

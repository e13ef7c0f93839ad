/** The dashboard's sparkline geometry (src/console/web/logic.ts). */
import { describe, expect, it } from 'vitest';
import { sparkline } from '../../src/console/web/logic.js';

const pts = (s: string) => s.split(' ').map((p) => p.split(',').map(Number));

describe('sparkline', () => {
  it('spreads the values across the width, the largest 1 unit below the top and 0 one above the bottom', () => {
    expect(pts(sparkline([0, 5, 10], 100, 40))).toEqual([
      [0, 39],
      [50, 20],
      [100, 1],
    ]);
  });

  it('draws all zeros (or negatives, or non-finite values) on the baseline', () => {
    expect(pts(sparkline([0, 0, 0, 0], 30, 10)).map(([, y]) => y)).toEqual([9, 9, 9, 9]);
    expect(pts(sparkline([-3, Number.NaN, 4], 20, 10))).toEqual([
      [0, 9],
      [10, 9],
      [20, 1],
    ]);
  });

  it('draws one value as a flat line across, and nothing for none', () => {
    expect(sparkline([7], 60, 20)).toBe('0,1 60,1');
    expect(sparkline([0], 60, 20)).toBe('0,19 60,19');
    expect(sparkline([], 60, 20)).toBe('');
  });

  it('rounds to a tenth (a short attribute for 61 points)', () => {
    const s = sparkline([1, 2, 3], 10, 10);
    expect(pts(s)).toEqual([
      [0, 6.3],
      [5, 3.7],
      [10, 1],
    ]);
    expect(s).not.toMatch(/\d\.\d\d/);
  });
});

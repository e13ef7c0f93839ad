import { describe, expect, it } from 'vitest';
import { isoDate, toXml } from '../../src/xml/xml.js';

describe('isoDate', () => {
  it('matches Date.toISOString for times within a second, across seconds and at the edges', () => {
    const base = Date.UTC(2026, 11, 31, 23, 59, 59, 0);
    const times = [0, 1, 999, 1000, base, base + 1, base + 9, base + 10, base + 99, base + 100, base + 999, base + 1000, base - 1];
    for (let i = 0; i < 2000; i++) times.push(Math.floor(base + ((i * 7919) % 5000)));
    for (const t of times) expect(isoDate(t)).toBe(new Date(t).toISOString());
  });

  it('falls back for times before 1970 and fractional milliseconds', () => {
    for (const t of [-1, -1001, 1.5]) expect(isoDate(t)).toBe(new Date(t).toISOString());
  });
});

describe('toXml', () => {
  it('writes numbers, booleans and bigints as they are and escapes strings', () => {
    expect(toXml('R', { N: 5, B: false, G: 10n, S: 'a<b&"c"', U: undefined }, null)).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R><N>5</N><B>false</B><G>10</G><S>a&lt;b&amp;&quot;c&quot;</S></R>',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { formatSize, parseSize, quotaBreach, wouldExceed } from '../../src/core/quotas.js';

describe('quota arithmetic', () => {
  it('parses sizes in binary and decimal units', () => {
    expect(parseSize('500GiB')).toBe(500 * 1024 ** 3);
    expect(parseSize('500G')).toBe(500 * 1024 ** 3);
    expect(parseSize('1.5 TB')).toBe(1.5e12);
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('10kib')).toBe(10240);
    expect(parseSize('12B')).toBe(12);
    for (const bad of ['', 'GiB', '-1', '1.2.3', '5 parsecs', '1e3']) expect(parseSize(bad)).toBeUndefined();
    expect(parseSize('99999999999 PiB')).toBeUndefined();
  });

  it('formats sizes in the largest binary unit', () => {
    expect(formatSize(500 * 1024 ** 3)).toBe('500 GiB');
    expect(formatSize(1536 * 1024)).toBe('1.5 MiB');
    expect(formatSize(12)).toBe('12 B');
    expect(formatSize(0)).toBe('0 B');
  });

  it('a write may end exactly at the limit, one byte or object more is a breach', () => {
    const q = { maxBytes: 100, maxObjects: 3 };
    expect(quotaBreach(q, { bytes: 60, objects: 1 }, { bytes: 100, objects: 2 })).toBeUndefined();
    expect(quotaBreach(q, { bytes: 60, objects: 1 }, { bytes: 101, objects: 2 })).toBe('bytes');
    expect(quotaBreach(q, { bytes: 60, objects: 3 }, { bytes: 70, objects: 4 })).toBe('objects');
    expect(wouldExceed(q, { bytes: 99, objects: 2 }, 1, 1)).toBeUndefined();
    expect(wouldExceed(q, { bytes: 99, objects: 2 }, 2, 0)).toBe('bytes');
    expect(wouldExceed({ maxObjects: 0 }, { bytes: 0, objects: 0 }, 0, 1)).toBe('objects');
  });

  it('a change that does not grow usage always passes, even over a lowered quota', () => {
    const q = { maxBytes: 10, maxObjects: 1 };
    // Deleting from a bucket already over its (lowered) quota.
    expect(quotaBreach(q, { bytes: 50, objects: 5 }, { bytes: 40, objects: 4 })).toBeUndefined();
    // CompleteMultipartUpload: the parts' bytes become the object's (bytes unchanged), one object more.
    expect(quotaBreach({ maxBytes: 10 }, { bytes: 50, objects: 0 }, { bytes: 50, objects: 1 })).toBeUndefined();
    expect(quotaBreach({ maxObjects: 1 }, { bytes: 50, objects: 1 }, { bytes: 50, objects: 2 })).toBe('objects');
    // No limits at all.
    expect(quotaBreach({}, { bytes: 0, objects: 0 }, { bytes: 1e15, objects: 1e9 })).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { SCAN_BATCH, listPage, prefixEnd, successor, type ScanFn } from '../../src/core/listing.js';

interface Row {
  key: Buffer;
}

/** An in-memory key-ordered table with the same scan contract as the SQLite repository. */
function table(keys: string[]): { scan: ScanFn<Row>; calls: number[] } {
  const rows = [...new Set(keys)].map((k) => ({ key: Buffer.from(k, 'utf8') })).sort((a, b) => Buffer.compare(a.key, b.key));
  const calls: number[] = [];
  const scan: ScanFn<Row> = (from, to, limit) => {
    calls.push(limit);
    const out: Row[] = [];
    for (const r of rows) {
      if (Buffer.compare(r.key, from) < 0) continue;
      if (to && Buffer.compare(r.key, to) >= 0) break;
      out.push(r);
      if (out.length >= limit) break;
    }
    return out;
  };
  return { scan, calls };
}

/** The reference answer: every key under the prefix, rolled up, in byte order. */
function model(keys: string[], prefix: string, delimiter: string): string[] {
  const items = new Set<string>();
  for (const k of keys) {
    if (!k.startsWith(prefix)) continue;
    const i = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
    items.add(i >= 0 ? `CP:${k.slice(0, i + delimiter.length)}` : k);
  }
  return [...items].sort((a, b) => Buffer.compare(Buffer.from(a.replace(/^CP:/, '')), Buffer.from(b.replace(/^CP:/, ''))));
}

async function walk(keys: string[], prefix: string, delimiter: string, maxKeys: number): Promise<string[]> {
  const { scan } = table(keys);
  const out: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 10000; pages++) {
    const p = await listPage(scan, { prefix, delimiter, after, maxKeys });
    expect(p.contents.length + p.commonPrefixes.length).toBeLessThanOrEqual(maxKeys);
    // Merge this page's keys and prefixes back into one ordered run.
    const page = [...p.contents.map((c) => c.key.toString('utf8')), ...p.commonPrefixes.map((c) => `CP:${c}`)].sort((a, b) =>
      Buffer.compare(Buffer.from(a.replace(/^CP:/, '')), Buffer.from(b.replace(/^CP:/, ''))),
    );
    out.push(...page);
    if (!p.isTruncated) return out;
    expect(p.last).toBeDefined();
    after = p.last;
  }
  throw new Error('listing did not end');
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('listing helpers', () => {
  it('successor is the next key in byte order', async () => {
    expect(successor(Buffer.from('a')).equals(Buffer.from([0x61, 0]))).toBe(true);
  });
  it('prefixEnd increments the last byte below 0xff', async () => {
    expect(prefixEnd(Buffer.from('a/'))!.toString()).toBe('a0');
    expect(prefixEnd(Buffer.from([0x61, 0xff]))!.equals(Buffer.from([0x62]))).toBe(true);
    expect(prefixEnd(Buffer.from([0xff, 0xff]))).toBeUndefined();
  });
});

describe('listPage', () => {
  const keys = ['a', 'a/b', 'a/c/d', 'a/c/e', 'b', 'b/x', 'c+d', 'c d', 'é/1', 'é/2', 'z//y', '../up'];

  it('lists keys in UTF-8 byte order without a delimiter', async () => {
    expect(await walk(keys, '', '', 1000)).toEqual(model(keys, '', ''));
    expect((await walk(keys, '', '', 1000))[0]).toBe('../up');
  });

  it('rolls keys up into CommonPrefixes', async () => {
    const p = await listPage(table(keys).scan, { prefix: '', delimiter: '/', maxKeys: 1000 });
    expect(p.commonPrefixes).toEqual(['../', 'a/', 'b/', 'z/', 'é/']);
    expect(p.contents.map((c) => c.key.toString())).toEqual(['a', 'b', 'c d', 'c+d']);
  });

  it('pages with max-keys 1 across CommonPrefixes without repeats or gaps', async () => {
    for (const [prefix, delim] of [
      ['', '/'],
      ['a/', '/'],
      ['a', '/'],
      ['', ''],
      ['', 'c'],
      ['é', '/'],
    ] as const) {
      expect(await walk(keys, prefix, delim, 1)).toEqual(model(keys, prefix, delim));
      expect(await walk(keys, prefix, delim, 2)).toEqual(model(keys, prefix, delim));
    }
  });

  it('a marker equal to a common prefix resumes after the whole group', async () => {
    const p = await listPage(table(keys).scan, { prefix: '', delimiter: '/', after: 'a/', maxKeys: 1000 });
    expect(p.commonPrefixes).not.toContain('a/');
    expect(p.contents.map((c) => c.key.toString())[0]).toBe('b');
  });

  it('max-keys 0 returns nothing and is not truncated', async () => {
    const p = await listPage(table(keys).scan, { prefix: '', delimiter: '', maxKeys: 0 });
    expect(p).toEqual({ contents: [], commonPrefixes: [], isTruncated: false });
  });

  it('matches the model on random keys, prefixes, delimiters and page sizes', async () => {
    const r = rng(42);
    const alphabet = ['a', 'b', '/', '-', 'é', '+', ' '];
    for (let round = 0; round < 60; round++) {
      const ks: string[] = [];
      const n = 1 + Math.floor(r() * 60);
      for (let i = 0; i < n; i++) {
        let k = '';
        const len = 1 + Math.floor(r() * 6);
        for (let j = 0; j < len; j++) k += alphabet[Math.floor(r() * alphabet.length)];
        ks.push(k);
      }
      const prefix = r() < 0.5 ? '' : (alphabet[Math.floor(r() * 3)] ?? '');
      const delim = r() < 0.3 ? '' : r() < 0.7 ? '/' : '-';
      const max = 1 + Math.floor(r() * 7);
      expect(await walk(ks, prefix, delim, max), `round ${round}`).toEqual(model(ks, prefix, delim));
    }
  });

  it('skips a large common prefix by seeking, not by reading its keys', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `big/${String(i).padStart(5, '0')}`).concat(['after', 'before']);
    const t = table(many);
    const p = await listPage(t.scan, { prefix: '', delimiter: '/', maxKeys: 1000 });
    expect(p.commonPrefixes).toEqual(['big/']);
    expect(p.contents.map((c) => c.key.toString())).toEqual(['after', 'before']);
    // Each scan asks for at most a page; the 5000 keys under big/ are never requested in bulk.
    expect(Math.max(...t.calls)).toBeLessThanOrEqual(1001);
    expect(t.calls.length).toBeLessThan(6);
  });

  it('reads a 1,000-key page in short scans and lets the event loop run between them', async () => {
    const t = table(Array.from({ length: 3000 }, (_, i) => `k/${String(i).padStart(5, '0')}`));
    let scansWhenOtherWorkRan = -1;
    setImmediate(() => (scansWhenOtherWorkRan = t.calls.length));
    const p = await listPage(t.scan, { prefix: '', delimiter: '', maxKeys: 1000 });
    expect(p.contents).toHaveLength(1000);
    expect(p.isTruncated).toBe(true);
    expect(Math.max(...t.calls)).toBeLessThanOrEqual(SCAN_BATCH);
    // Work queued before the listing ran while it was still reading, not after it.
    expect(scansWhenOtherWorkRan).toBeGreaterThan(0);
    expect(scansWhenOtherWorkRan).toBeLessThan(t.calls.length);
  });
});

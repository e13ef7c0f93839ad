import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Unlinker } from '../../src/store/unlinker.js';

describe('Unlinker', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-unlink-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const files = (n: number, prefix = 'f') =>
    Array.from({ length: n }, (_, i) => {
      const p = join(dir, `${prefix}${i}`);
      writeFileSync(p, 'x');
      return p;
    });

  it('removes a batch of files; a file already gone counts as removed', async () => {
    const u = new Unlinker();
    const ps = files(50);
    await Promise.all([...ps.map((p) => u.unlink(p)), u.unlink(join(dir, 'never-existed'))]);
    expect(ps.filter((p) => existsSync(p))).toEqual([]);
    u.close();
  });

  it('rejects only the removals that fail (a directory), with the error code', async () => {
    const u = new Unlinker();
    const [a] = files(1);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const results = await Promise.allSettled([u.unlink(a!), u.unlink(sub)]);
    expect(results[0]!.status).toBe('fulfilled');
    expect(results[1]!.status).toBe('rejected');
    expect(((results[1] as PromiseRejectedResult).reason as NodeJS.ErrnoException).code).toMatch(/^E(ISDIR|PERM)$/);
    expect(existsSync(a!)).toBe(false);
    u.close();
  });

  it('after close(), removals still work (on the thread pool)', async () => {
    const u = new Unlinker();
    const ps = files(3, 'g');
    const pending = ps.map((p) => u.unlink(p));
    u.close();
    await Promise.all(pending);
    const [late] = files(1, 'h');
    await u.unlink(late!);
    expect([...ps, late!].filter((p) => existsSync(p))).toEqual([]);
  });
});

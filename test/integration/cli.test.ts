/**
 * The `cairn` admin CLI as a user runs it (`node dist/cli.js`; `npm run build` first): key validation with the
 * settings' rules, and `cairn key list`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cairn } from '../helpers/cli.js';

let parent: string;
let dataDir: string;
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'cairn-cli-'));
  dataDir = join(parent, 'data');
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

describe('cairn user create', () => {
  it.each([
    [['--access-key', 'a b', '--secret-key', '12345678'], '--access-key: 3 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -'],
    [['--access-key', 'ab', '--secret-key', '12345678'], '--access-key: 3 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -'],
    [['--access-key', 'key:colon', '--secret-key', '12345678'], '--access-key: 3 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -'],
    [['--access-key', 'abc', '--secret-key', '1234567'], '--secret-key: must be 8 to 256 characters'],
    [['--access-key', 'abc', '--secret-key', 's'.repeat(257)], '--secret-key: must be 8 to 256 characters'],
    [['--access-key', 'abc'], 'give both --access-key and --secret-key, or neither'],
  ])('refuses %j before touching the data directory', async (flags, message) => {
    const r = await cairn(dataDir, ['user', 'create', 'bob', ...flags]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cairn: ${message}\n`);
    expect(r.stdout).toBe('');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('creates a user with keys that follow the rules, which `cairn key list` then shows without the secret', async () => {
    const r = await cairn(dataDir, ['user', 'create', 'bob', '--access-key', 'bob.key/1', '--secret-key', 'bob-secret-1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('user: bob\nAWS_ACCESS_KEY_ID=bob.key/1\nAWS_SECRET_ACCESS_KEY=bob-secret-1\n');
    expect((await cairn(dataDir, ['user', 'create', 'carol'])).code).toBe(0);
    const all = await cairn(dataDir, ['key', 'list']);
    expect(all.code, all.stderr).toBe(0);
    const rows = all.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.map((r) => r[1])).toEqual(['bob', 'carol']);
    expect(rows[0]![0]).toBe('bob.key/1');
    expect(rows[1]![0]).toMatch(/^CK[A-Z2-7]{18}$/);
    expect(all.stdout).not.toContain('bob-secret-1');
    const one = await cairn(dataDir, ['key', 'list', 'bob']);
    expect(one.stdout.trim().split('\n')).toHaveLength(1);
    expect(one.stdout.startsWith('bob.key/1\tbob\t')).toBe(true);
    const none = await cairn(dataDir, ['key', 'list', 'nobody']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('cairn: no user "nobody"\n');
  });
});

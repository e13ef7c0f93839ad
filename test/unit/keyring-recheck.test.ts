import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Keyring } from '../../src/store/keyring.js';

describe('Keyring', () => {
  it("sees another process's change even when it kept the file's mtime (a coarse file-system clock)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-kr-'));
    const cli = new Keyring(dir);
    cli.createKey('k1');
    const server = new Keyring(dir);
    expect(server.kmsKey('k1').id).toBe('k1');
    const before = statSync(cli.path);
    const ref = join(dir, 'mtime-ref');
    expect(spawnSync('touch', ['-r', cli.path, ref]).status).toBe(0);
    cli.setEnabled('k1', false);
    // The same mtime as the version the server read: two writes within one tick of ext4's coarse clock.
    expect(spawnSync('touch', ['-r', ref, cli.path]).status).toBe(0);
    expect(statSync(cli.path).mtimeMs).toBe(before.mtimeMs);
    await new Promise((r) => setTimeout(r, 550));
    expect(() => server.kmsKey('k1')).toThrow(/disabled/);
  });
});

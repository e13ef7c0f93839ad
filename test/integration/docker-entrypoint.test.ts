/**
 * docker/entrypoint.sh outside a container: run as root (as the image starts
 * it) on data directories owned by other uids, with PUID/PGID, it runs the
 * CLI (`node dist/cli.js`; `npm run build` first) as that uid/gid, or says
 * which chown to run and exits 1. Needs root and setpriv; skipped otherwise.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRYPOINT = join(ROOT, 'docker', 'entrypoint.sh');
const canRun = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;

function entrypoint(args: string[], env: Record<string, string>, asUser?: [number, number]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/nonexistent', ...env };
  const [cmd, argv] = asUser
    ? ['setpriv', [`--reuid=${asUser[0]}`, `--regid=${asUser[1]}`, '--clear-groups', 'sh', ENTRYPOINT, ...args]]
    : ['sh', [ENTRYPOINT, ...args]];
  return new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
    execFile(cmd, argv as string[], { cwd: ROOT, env: childEnv, encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const owner = (p: string) => `${statSync(p).uid}:${statSync(p).gid}`;

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'cairn-entry-'));
  chmodSync(parent, 0o755); // the uids the entrypoint switches to must reach the data directories inside
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

function dataDir(name: string, uid: number, gid: number): string {
  const d = join(parent, name);
  mkdirSync(d);
  chownSync(d, uid, gid);
  return d;
}

describe.skipIf(!canRun)('docker/entrypoint.sh', () => {
  it('runs Cairn as the image user 10001:10001 when PUID/PGID are not set', async () => {
    const d = dataDir('default', 10001, 10001);
    const r = await entrypoint(['account', 'create', 'alice'], { CAIRN_DATA_DIR: d });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('account: alice');
    expect(owner(join(d, 'cairn.db'))).toBe('10001:10001');
  });

  it('runs Cairn as PUID:PGID, and gives it an empty data directory (a new volume) owned by someone else', async () => {
    const d = dataDir('nas', 10001, 10001);
    const r = await entrypoint(['account', 'create', 'alice'], { CAIRN_DATA_DIR: d, PUID: '1026', PGID: '100' });
    expect(r.code, r.stderr).toBe(0);
    expect(owner(d)).toBe('1026:100');
    expect(owner(join(d, 'cairn.db'))).toBe('1026:100');
    expect(owner(join(d, 'blobs', 'ab'))).toBe('1026:100');
    expect(owner(join(d, 'keys', 'instance.key'))).toBe('1026:100');
    // PGID defaults to PUID.
    const e = dataDir('same', 0, 0);
    expect((await entrypoint(['account', 'list'], { CAIRN_DATA_DIR: e, PUID: '1000' })).code).toBe(0);
    expect(owner(join(e, 'cairn.db'))).toBe('1000:1000');
  });

  it('says which chown to run (or which PUID/PGID) for a data directory that uid cannot write, and starts nothing', async () => {
    const d = dataDir('theirs', 1026, 100);
    chmodSync(d, 0o700);
    writeFileSync(join(d, 'keep.txt'), 'not empty');
    const r = await entrypoint(['serve'], { CAIRN_DATA_DIR: d, PUID: '1000', PGID: '1000' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`cairn: uid 1000 (gid 1000) cannot write ${d}, so Cairn cannot use its data directory ${d}.\n`);
    expect(r.stderr).toContain(`cairn:     chown -R 1000:1000 ${d}\n`);
    expect(r.stderr).toContain("cairn: or run Cairn as the directory's owner: PUID=1026 PGID=100\n");
    expect(r.stderr).not.toContain('unable to open database file');
    expect(readdirSync(d)).toEqual(['keep.txt']);
  });

  it('names the file it cannot write: a database left by another uid in a writable directory', async () => {
    const d = dataDir('mixed', 1000, 1000);
    writeFileSync(join(d, 'cairn.db'), '');
    chmodSync(join(d, 'cairn.db'), 0o600); // still root's
    const r = await entrypoint(['account', 'list'], { CAIRN_DATA_DIR: d, PUID: '1000', PGID: '1000' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot write ${join(d, 'cairn.db')}`);
    expect(r.stderr).toContain(`belongs to 0:0 (mode 600)`);
    expect(r.stderr).toContain(`chown -R 1000:1000 ${d}\n`);
  });

  it('refuses a PUID that is not a number', async () => {
    const r = await entrypoint(['account', 'list'], { CAIRN_DATA_DIR: dataDir('bad', 0, 0), PUID: 'admin' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('cairn: PUID must be a numeric user id (e.g. PUID=1000), got "admin"\n');
  });

  it('started as another user (docker run --user), runs as that user and says PUID/PGID cannot apply', async () => {
    const d = dataDir('user', 1000, 1000);
    const r = await entrypoint(['account', 'create', 'bob'], { CAIRN_DATA_DIR: d, PUID: '2000' }, [1000, 1000]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('PUID/PGID are ignored: the container was started as uid 1000 gid 1000');
    expect(owner(join(d, 'cairn.db'))).toBe('1000:1000');
    const theirs = dataDir('user-theirs', 1026, 100);
    chmodSync(theirs, 0o700);
    const no = await entrypoint(['account', 'list'], { CAIRN_DATA_DIR: theirs }, [1000, 1000]);
    expect(no.code).toBe(1);
    expect(no.stderr).toContain(`chown -R 1000:1000 ${theirs}\n`);
  });
});

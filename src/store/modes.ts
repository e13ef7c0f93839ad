import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';

/**
 * The data directory holds every secret key (in cairn.db and its WAL) and
 * every object: it and its directories are 0700, its files 0600, whatever
 * the umask. Files are created with these modes (the umask can only take
 * bits away, and those that matter are chmod-ed back); SQLite gives the WAL
 * and shared-memory files it creates the database file's mode, so the
 * database file is created 0600 before SQLite opens it.
 */
export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** The database and the files SQLite keeps beside it, and server.json: every file the data directory's top level holds. */
export const DB_FILE = 'cairn.db';
export const SERVER_FILE = 'server.json';
const TOP_FILES = [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, `${DB_FILE}-journal`, SERVER_FILE];
/** The directory of key files (the instance key that seals secrets; the encryption keyring, store/keyring.ts). */
export const KEYS_DIR = 'keys';
export const INSTANCE_KEY_FILE = 'instance.key';
const KEY_FILES = [INSTANCE_KEY_FILE, 'keyring.json'];

const octal = (m: number) => `0${m.toString(8).padStart(3, '0')}`;

/** Creates a directory 0700 (its missing parents with the usual modes when `parents`); true when it was created. */
export function makePrivateDir(path: string, parents = false): boolean {
  if (parents) mkdirSync(dirname(path), { recursive: true });
  try {
    mkdirSync(path, { mode: DIR_MODE });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  chmodSync(path, DIR_MODE);
  return true;
}

/** Creates `path` empty and 0600 when it does not exist (an existing file is left as it is). */
export function makePrivateFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  try {
    fchmodSync(fd, FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/**
 * Puts the modes of the data directory's own files and directories back to
 * 0600/0700 (a data directory from an older version, a restored backup, a
 * chmod by hand), logging one warning per path changed. Only the top level,
 * tmp/, blobs/ and its 256 shard directories are looked at: blob files are
 * created 0600 and a million of them would take too long to stat at every
 * start. Returns the paths changed.
 */
export function repairModes(dataDir: string, log: Logger): string[] {
  const fixed: string[] = [];
  const fix = (path: string, dir: boolean) => {
    let mode: number;
    try {
      const st = statSync(path);
      if (st.isDirectory() !== dir || (!dir && !st.isFile())) return;
      mode = st.mode & 0o777;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const want = dir ? DIR_MODE : FILE_MODE;
    if (mode === want) return;
    try {
      chmodSync(path, want);
    } catch (e) {
      log.warn({ path, mode: octal(mode), err: (e as Error).message }, `cannot change the mode of ${path} to ${octal(want)}`);
      return;
    }
    fixed.push(path);
    log.warn({ path, from: octal(mode), to: octal(want) }, `file mode repaired: ${path} was ${octal(mode)}, now ${octal(want)}`);
  };
  fix(dataDir, true);
  for (const f of TOP_FILES) fix(join(dataDir, f), false);
  fix(join(dataDir, 'tmp'), true);
  fix(join(dataDir, KEYS_DIR), true);
  for (const f of KEY_FILES) fix(join(dataDir, KEYS_DIR, f), false);
  const blobs = join(dataDir, 'blobs');
  fix(blobs, true);
  for (let i = 0; i < 256; i++) fix(join(blobs, i.toString(16).padStart(2, '0')), true);
  return fixed;
}

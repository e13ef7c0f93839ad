import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePrivateFile } from './modes.js';

export type Db = Database.Database;

/** The migrations folder: beside this module in src/, copied beside it in dist/ by the build. */
function migrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, 'migrations');
}

/**
 * Opens (creating if needed) the metadata database in WAL mode and applies
 * the numbered migrations forward-only. `synchronous`: FULL makes every
 * commit fsync the WAL itself (the admin CLI); NORMAL leaves that to the
 * caller (the server's GroupCommit fsyncs the WAL off the event loop before
 * it answers), or, with durability off, to the next checkpoint.
 */
export function openDb(path: string, synchronous: 'FULL' | 'NORMAL'): Db {
  // The database holds secret keys: created 0600 here, as SQLite would create it 0644 (less the umask). SQLite
  // creates the -wal and -shm files (again after a checkpoint or a clean close removed them) with its mode.
  if (path !== ':memory:' && path !== '') makePrivateFile(path);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

export function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const files = readdirSync(migrationsDir())
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort();
  for (const f of files) {
    const version = Number.parseInt(f, 10);
    if (applied.has(version)) continue;
    const sql = readFileSync(join(migrationsDir(), f), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    }).immediate();
  }
}

/** The migration versions this build ships that the database has not applied (empty: up to date). */
export function pendingMigrations(db: Db): number[] {
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  return readdirSync(migrationsDir())
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .map((f) => Number.parseInt(f, 10))
    .filter((v) => !applied.has(v));
}

/**
 * Whether the database takes a write lock right now, without waiting: a
 * BEGIN IMMEDIATE rolled back at once ('busy': another connection holds it,
 * which is not a fault; 'readonly': the file or its directory is not writable).
 */
export function probeWritable(db: Db): 'ok' | 'busy' | 'readonly' | string {
  if (db.inTransaction) return 'ok';
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return 'ok';
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY')) return 'busy';
    if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN') return 'readonly';
    return (e as Error).message;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

/** Folds the WAL into the database and truncates it (at a clean stop). */
export function checkpoint(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

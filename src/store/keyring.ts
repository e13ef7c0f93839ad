/**
 * The encryption keyring: `<data>/keys/keyring.json` (mode 0600, in keys/
 * 0700) holds the instance master key's versions (SSE-S3 wraps each
 * object's data key with the current one; older versions stay to unwrap
 * older objects) and the named keys of the built-in KMS (SSE-KMS), each
 * enabled or disabled, one of them the default. The master key is created on
 * first use. The CLI (`cairn kms …`) changes the file beside a running
 * server: it is replaced atomically (temp file, fsync, rename) and the server
 * reads it again when it changed. Losing this file loses every SSE-S3 and
 * SSE-KMS object: it must be backed up with the data directory.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync, fchmodSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../core/errors.js';
import { FILE_MODE, KEYS_DIR, makePrivateDir } from './modes.js';

export const KEYRING_FILE = 'keyring.json';

export interface MasterKeyVersion {
  version: number;
  key: string;
  created: string;
}

export interface KmsKey {
  id: string;
  key: string;
  enabled: boolean;
  created: string;
  /** The key used when SSE-KMS names none (the built-in counterpart of aws/s3). */
  isDefault?: boolean;
}

interface KeyringDoc {
  format: 1;
  masters: MasterKeyVersion[];
  keys: KmsKey[];
}

/** A KMS key as listed (no key material). */
export interface KmsKeyInfo {
  id: string;
  enabled: boolean;
  created: string;
  isDefault: boolean;
}

const KEY_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** How often a running server looks at the file for changes made by the CLI. */
const RECHECK_MS = 500;
/** How long a change waits for another process's, and when a lock file counts as left by a dead process. */
const LOCK_WAIT_MS = 5_000;
const STALE_LOCK_MS = 30_000;

export class Keyring {
  readonly path: string;
  private doc: KeyringDoc | undefined;
  private mtimeMs = -1;
  /** Every write renames a new file into place: a new inode (and mostly a new size) even within one tick of the file system's coarse mtime clock. */
  private ino = -1;
  private size = -1;
  private checkedAt = 0;

  constructor(dataDir: string) {
    const dir = join(dataDir, KEYS_DIR);
    makePrivateDir(dataDir, true);
    makePrivateDir(dir);
    this.path = join(dir, KEYRING_FILE);
  }

  private read(): KeyringDoc | undefined {
    let text: string;
    let st;
    try {
      st = statSync(this.path);
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const doc = JSON.parse(text) as KeyringDoc;
    if (doc.format !== 1 || !Array.isArray(doc.masters) || !Array.isArray(doc.keys)) throw new Error(`${this.path}: not a Cairn keyring`);
    this.mtimeMs = st.mtimeMs;
    this.ino = st.ino;
    this.size = st.size;
    return doc;
  }

  /** The keyring as on disk (read again when it may have changed). */
  private current(force = false): KeyringDoc | undefined {
    const now = Date.now();
    if (force || this.doc === undefined || now - this.checkedAt >= RECHECK_MS) {
      this.checkedAt = now;
      let changed = this.doc === undefined || force;
      if (!changed) {
        try {
          const st = statSync(this.path);
          changed = st.mtimeMs !== this.mtimeMs || st.ino !== this.ino || st.size !== this.size;
        } catch {
          changed = true;
        }
      }
      if (changed) this.doc = this.read();
    }
    return this.doc;
  }

  private write(doc: KeyringDoc): void {
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', FILE_MODE);
    try {
      fchmodSync(fd, FILE_MODE);
      writeSync(fd, `${JSON.stringify(doc, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dfd = openSync(join(this.path, '..'), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
    this.doc = doc;
    const st = statSync(this.path);
    this.mtimeMs = st.mtimeMs;
    this.ino = st.ino;
    this.size = st.size;
  }

  /**
   * A change of the keyring: under `keyring.json.lock` (the server and the
   * CLI may change it at once; a key lost to a race would lose its objects),
   * on the file as it is now, written atomically.
   */
  private change<T>(fn: (doc: KeyringDoc) => T): T {
    const lock = `${this.path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx', FILE_MODE));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const st = statSync(lock, { throwIfNoEntry: false });
        // Left by a process that died holding it.
        if (st && Date.now() - st.mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
        else if (Date.now() > deadline) throw new Error(`${lock}: the keyring is locked by another process`);
        else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    }
    try {
      const doc: KeyringDoc = structuredClone(this.current(true)) ?? { format: 1, masters: [], keys: [] };
      if (doc.masters.length === 0) doc.masters.push({ version: 1, key: randomBytes(32).toString('base64'), created: new Date().toISOString() });
      const out = fn(doc);
      this.write(doc);
      return out;
    } finally {
      rmSync(lock, { force: true });
    }
  }

  /** The keyring, created with a first master key version when there is none. */
  private ensure(): KeyringDoc {
    const doc = this.current();
    if (doc && doc.masters.length > 0) return doc;
    this.change(() => undefined);
    return this.doc!;
  }

  /** The current master key version (SSE-S3 wraps new data keys with it). */
  currentMaster(): { version: number; key: Buffer } {
    const doc = this.ensure();
    const m = doc.masters[doc.masters.length - 1]!;
    return { version: m.version, key: Buffer.from(m.key, 'base64') };
  }

  /** A master key version by number (undefined: not in this keyring). */
  master(version: number): Buffer | undefined {
    let m = this.current()?.masters.find((x) => x.version === version);
    m ??= this.current(true)?.masters.find((x) => x.version === version);
    return m ? Buffer.from(m.key, 'base64') : undefined;
  }

  /** Adds a master key version; new objects use it, older ones keep theirs. Returns the new version. */
  rotateMaster(): number {
    return this.change((doc) => {
      const version = Math.max(...doc.masters.map((m) => m.version)) + 1;
      doc.masters.push({ version, key: randomBytes(32).toString('base64'), created: new Date().toISOString() });
      return version;
    });
  }

  /**
   * A named KMS key's material; throws KmsNotFound / KmsDisabled. Without an
   * id, the default key (created on first use).
   */
  kmsKey(id: string | undefined): { id: string; key: Buffer } {
    if (id === undefined) {
      const doc = this.ensure();
      const d = doc.keys.find((k) => k.isDefault) ?? this.createDefault();
      if (!d.enabled) throw new DomainError('KmsDisabled', `${d.id} is disabled.`);
      return { id: d.id, key: Buffer.from(d.key, 'base64') };
    }
    let k = this.current()?.keys.find((x) => x.id === id);
    k ??= this.current(true)?.keys.find((x) => x.id === id);
    if (!k) throw new DomainError('KmsNotFound', `Invalid keyId ${id}`);
    if (!k.enabled) throw new DomainError('KmsDisabled', `${id} is disabled.`);
    return { id: k.id, key: Buffer.from(k.key, 'base64') };
  }

  private createDefault(): KmsKey {
    return this.change((doc) => {
      // Another process may have made one meanwhile.
      const existing = doc.keys.find((k) => k.isDefault);
      if (existing) return existing;
      const k: KmsKey = { id: randomUUID(), key: randomBytes(32).toString('base64'), enabled: true, created: new Date().toISOString(), isDefault: true };
      doc.keys.push(k);
      return k;
    });
  }

  /** Creates a named key (CLI). */
  createKey(id: string, opts: { isDefault?: boolean } = {}): KmsKeyInfo {
    if (!KEY_ID_RE.test(id))
      throw new DomainError('InvalidArgument', 'A key id is 1 to 128 characters of A-Z a-z 0-9 _ . - (starting with a letter or digit).');
    return this.change((doc) => {
      if (doc.keys.some((k) => k.id === id)) throw new DomainError('InvalidArgument', `The key ${id} already exists.`);
      if (opts.isDefault) for (const k of doc.keys) delete k.isDefault;
      const k: KmsKey = { id, key: randomBytes(32).toString('base64'), enabled: true, created: new Date().toISOString() };
      if (opts.isDefault) k.isDefault = true;
      doc.keys.push(k);
      return { id, enabled: true, created: k.created, isDefault: opts.isDefault === true };
    });
  }

  /** Disables (or enables again) a key: objects under a disabled key cannot be written or read until it is enabled. */
  setEnabled(id: string, enabled: boolean): void {
    this.change((doc) => {
      const k = doc.keys.find((x) => x.id === id);
      if (!k) throw new DomainError('KmsNotFound', `Invalid keyId ${id}`);
      k.enabled = enabled;
    });
  }

  list(): { masters: Array<{ version: number; created: string }>; keys: KmsKeyInfo[] } {
    const doc = this.current(true);
    return {
      masters: (doc?.masters ?? []).map((m) => ({ version: m.version, created: m.created })),
      keys: (doc?.keys ?? []).map((k) => ({ id: k.id, enabled: k.enabled, created: k.created, isDefault: k.isDefault === true })),
    };
  }
}

import { randomBytes, createHash } from 'node:crypto';
import type { Db } from './db.js';

export interface User {
  id: number;
  name: string;
  canonicalId: string;
  isRoot: boolean;
  createdAt: number;
}

export interface AccessKey {
  accessKey: string;
  secretKey: string;
  userId: number;
  createdAt: number;
}

interface UserRow {
  id: number;
  name: string;
  canonical_id: string;
  is_root: number;
  created_at: number;
}

const toUser = (r: UserRow): User => ({ id: r.id, name: r.name, canonicalId: r.canonical_id, isRoot: r.is_root === 1, createdAt: r.created_at });

const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A 20-character access key id in the AWS style (upper-case letters and digits). */
export function generateAccessKey(): string {
  const bytes = randomBytes(16);
  let s = 'CK';
  for (let i = 0; i < 18; i++) s += ACCESS_KEY_ALPHABET[bytes[i % 16]! % 32];
  return s;
}

/** A 40-character secret in the AWS style. */
export function generateSecretKey(): string {
  return randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

/** A key created, deleted or disabled with the CLI takes effect in the server within this time. */
export const KEY_RECHECK_MS = 100;

export const USER_NAME_RE = /^[A-Za-z0-9+=,.@_-]{1,64}$/;

/** Users and access keys. */
export class UsersRepo {
  private readonly byAccessKey;
  private readonly byId;
  private readonly byName;
  private readonly all;
  private readonly insertUser;
  private readonly insertKey;
  private readonly keysOf;
  private readonly delKey;
  private readonly delUser;
  private readonly root;
  private readonly bucketsOf;
  private readonly dataVersion;

  constructor(private readonly db: Db) {
    this.byAccessKey = db.prepare<[string], UserRow & { secret_key: string }>(
      'SELECT u.*, k.secret_key FROM access_keys k JOIN users u ON u.id = k.user_id WHERE k.access_key = ?',
    );
    this.byId = db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?');
    this.byName = db.prepare<[string], UserRow>('SELECT * FROM users WHERE name = ?');
    this.all = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY name');
    this.insertUser = db.prepare('INSERT INTO users (name, canonical_id, is_root, created_at) VALUES (?, ?, ?, ?)');
    this.insertKey = db.prepare('INSERT INTO access_keys (access_key, secret_key, user_id, created_at) VALUES (?, ?, ?, ?)');
    this.keysOf = db.prepare<[number], { access_key: string; secret_key: string; user_id: number; created_at: number }>(
      'SELECT * FROM access_keys WHERE user_id = ? ORDER BY created_at, access_key',
    );
    this.delKey = db.prepare('DELETE FROM access_keys WHERE access_key = ?');
    this.delUser = db.prepare('DELETE FROM users WHERE id = ?');
    this.root = db.prepare<[], UserRow>('SELECT * FROM users WHERE is_root = 1 ORDER BY id LIMIT 1');
    this.bucketsOf = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM buckets WHERE owner_id = ?');
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /**
   * Access keys are looked up on every request: they are cached, and the
   * cache is dropped when this connection changes users or keys, or when
   * PRAGMA data_version says another connection (the cairn CLI) committed.
   */
  private readonly keyCache = new Map<string, { user: User; secretKey: string } | null>();
  private lastDataVersion = -1;
  private lastCheck = -Infinity;
  /** Called when another connection (the CLI, another process) committed: the other caches are dropped too. */
  onExternalChange?: () => void;

  /** The user owning an access key, with the key's secret; undefined if unknown. */
  findByAccessKey(accessKey: string): { user: User; secretKey: string } | undefined {
    // Asking SQLite costs ~3% of a small request: the CLI's changes are looked for at most every KEY_RECHECK_MS.
    const now = performance.now();
    if (now - this.lastCheck >= KEY_RECHECK_MS) {
      this.lastCheck = now;
      const v = this.dataVersion.get() as number;
      if (v !== this.lastDataVersion) {
        this.keyCache.clear();
        if (this.lastDataVersion !== -1) this.onExternalChange?.();
        this.lastDataVersion = v;
      }
    }
    const hit = this.keyCache.get(accessKey);
    if (hit !== undefined) return hit ?? undefined;
    const r = this.byAccessKey.get(accessKey);
    const found = r ? { user: toUser(r), secretKey: r.secret_key } : undefined;
    if (this.keyCache.size > 10_000) this.keyCache.clear();
    this.keyCache.set(accessKey, found ?? null);
    return found;
  }

  get(id: number): User | undefined {
    const r = this.byId.get(id);
    return r ? toUser(r) : undefined;
  }

  getByName(name: string): User | undefined {
    const r = this.byName.get(name);
    return r ? toUser(r) : undefined;
  }

  list(): User[] {
    return this.all.all().map(toUser);
  }

  getRoot(): User | undefined {
    const r = this.root.get();
    return r ? toUser(r) : undefined;
  }

  keys(userId: number): AccessKey[] {
    return this.keysOf.all(userId).map((k) => ({ accessKey: k.access_key, secretKey: k.secret_key, userId: k.user_id, createdAt: k.created_at }));
  }

  /** Creates a user with one access key; returns undefined if the name or key is taken. */
  create(name: string, accessKey: string, secretKey: string, isRoot = false): { user: User; key: AccessKey } | undefined {
    this.keyCache.clear();
    return this.db
      .transaction(() => {
        if (this.byName.get(name) || this.byAccessKey.get(accessKey)) return undefined;
        const now = Date.now();
        const canonicalId = createHash('sha256')
          .update(`cairn-user:${name}:${now}:${randomBytes(8).toString('hex')}`)
          .digest('hex');
        const id = Number(this.insertUser.run(name, canonicalId, isRoot ? 1 : 0, now).lastInsertRowid);
        this.insertKey.run(accessKey, secretKey, id, now);
        return { user: this.get(id)!, key: { accessKey, secretKey, userId: id, createdAt: now } };
      })
      .immediate();
  }

  /** Adds an access key to a user; false if the key id is taken. */
  addKey(userId: number, accessKey: string, secretKey: string): boolean {
    this.keyCache.clear();
    return this.db
      .transaction(() => {
        if (this.byAccessKey.get(accessKey)) return false;
        this.insertKey.run(accessKey, secretKey, userId, Date.now());
        return true;
      })
      .immediate();
  }

  deleteKey(accessKey: string): boolean {
    this.keyCache.clear();
    return this.delKey.run(accessKey).changes > 0;
  }

  /** Deletes a user and its keys. Refuses ('owns-buckets') while it owns buckets, and refuses the root user. */
  delete(name: string): 'deleted' | 'missing' | 'owns-buckets' | 'root' {
    this.keyCache.clear();
    return this.db
      .transaction(() => {
        const u = this.byName.get(name);
        if (!u) return 'missing' as const;
        if (u.is_root === 1) return 'root' as const;
        if (this.bucketsOf.get(u.id)!.n > 0) return 'owns-buckets' as const;
        this.delUser.run(u.id);
        return 'deleted' as const;
      })
      .immediate();
  }
}

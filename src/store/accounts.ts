import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Db } from './db.js';
import { SecretBox } from './secrets.js';

/** An account: owns buckets, IAM users, groups, roles and policies; its root user signs with the account's root keys. */
export interface Account {
  /** Row id (buckets' and objects' owner id). */
  id: number;
  /** The 12-digit AWS-style account id. */
  accountId: string;
  /** 64 hex digits: the id ACL grants and Owner elements name. */
  canonicalId: string;
  /** Display name (unique). */
  name: string;
  email?: string;
  /** The instance administrator's account (its root may manage every account and bucket). */
  isAdmin: boolean;
  createdAt: number;
}

export type KeyStatus = 'Active' | 'Inactive';

/** An access key: an account root's (iamUser undefined) or an IAM user's. */
export interface AccessKey {
  accessKey: string;
  secret: string;
  account: number;
  iamUser?: number;
  status: KeyStatus;
  createdAt: number;
  lastUsedAt?: number;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

interface AccountRow {
  id: number;
  name: string;
  canonical_id: string;
  is_admin: number;
  created_at: number;
  account_id: string;
  email: string | null;
}

interface KeyRow {
  access_key: string;
  secret: string;
  account: number;
  iam_user: number | null;
  status: string;
  created_at: number;
  last_used_at: number | null;
  last_used_service: string | null;
  last_used_region: string | null;
}

const toAccount = (r: AccountRow): Account => ({
  id: r.id,
  accountId: r.account_id,
  canonicalId: r.canonical_id,
  name: r.name,
  email: r.email ?? undefined,
  isAdmin: r.is_admin === 1,
  createdAt: r.created_at,
});

const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A 20-character access key id in the AWS style: a 4-letter prefix, then 16 upper-case letters and digits. */
export function generateAccessKey(prefix = 'CKIA'): string {
  const bytes = randomBytes(16);
  let s = prefix;
  for (let i = 0; i < 20 - prefix.length; i++) s += ACCESS_KEY_ALPHABET[bytes[i % 16]! % 32];
  return s;
}

/** A 40-character secret in the AWS style. */
export function generateSecretKey(): string {
  return randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

/** A key created, deleted or disabled with the CLI takes effect in the server within this time. */
export const KEY_RECHECK_MS = 100;

/** Account names: the characters IAM allows in names, 1–64 of them. */
export const ACCOUNT_NAME_RE = /^[A-Za-z0-9+=,.@_-]{1,64}$/;

/**
 * Accounts and access keys. Secrets are sealed with the instance key at rest
 * (store/secrets.ts) and kept opened in memory once used.
 */
export class AccountsRepo {
  private readonly byAccessKeyStmt;
  private readonly byId;
  private readonly byNameStmt;
  private readonly byAccountIdStmt;
  private readonly byCanonicalIdStmt;
  private readonly byEmailStmt;
  private readonly allStmt;
  private readonly adminStmt;
  private readonly insertAccount;
  private readonly insertKey;
  private readonly keysOfRoot;
  private readonly keysOfUser;
  private readonly delKey;
  private readonly delAccount;
  private readonly bucketsOf;
  private readonly setStatus;
  private readonly setLastUsed;
  private readonly plaintextKeys;
  private readonly sealKey;
  private readonly dataVersion;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {
    this.byAccessKeyStmt = db.prepare<[string], KeyRow>('SELECT * FROM access_keys WHERE access_key = ?');
    this.byId = db.prepare<[number], AccountRow>('SELECT * FROM accounts WHERE id = ?');
    this.byNameStmt = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name = ?');
    this.byAccountIdStmt = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE account_id = ?');
    this.byCanonicalIdStmt = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE canonical_id = ?');
    this.byEmailStmt = db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE email = ?');
    this.allStmt = db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY name');
    this.adminStmt = db.prepare<[], AccountRow>('SELECT * FROM accounts WHERE is_admin = 1 ORDER BY id LIMIT 1');
    this.insertAccount = db.prepare('INSERT INTO accounts (name, canonical_id, is_admin, created_at, account_id, email) VALUES (?, ?, ?, ?, ?, ?)');
    this.insertKey = db.prepare('INSERT INTO access_keys (access_key, secret, account, iam_user, status, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.keysOfRoot = db.prepare<[number], KeyRow>('SELECT * FROM access_keys WHERE account = ? AND iam_user IS NULL ORDER BY created_at, access_key');
    this.keysOfUser = db.prepare<[number], KeyRow>('SELECT * FROM access_keys WHERE iam_user = ? ORDER BY created_at, access_key');
    this.delKey = db.prepare('DELETE FROM access_keys WHERE access_key = ?');
    this.delAccount = db.prepare('DELETE FROM accounts WHERE id = ?');
    this.bucketsOf = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM buckets WHERE owner_id = ?');
    this.setStatus = db.prepare('UPDATE access_keys SET status = ? WHERE access_key = ?');
    this.setLastUsed = db.prepare('UPDATE access_keys SET last_used_at = ?, last_used_service = ?, last_used_region = ? WHERE access_key = ?');
    this.plaintextKeys = db.prepare<[], { access_key: string; secret: string }>("SELECT access_key, secret FROM access_keys WHERE secret NOT LIKE 'v1:%'");
    this.sealKey = db.prepare('UPDATE access_keys SET secret = ? WHERE access_key = ?');
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /** Seals the secrets a database from before sealing still holds in plaintext (once, at open). Returns how many. */
  sealPlaintextSecrets(): number {
    const rows = this.plaintextKeys.all();
    if (rows.length === 0) return 0;
    this.db.transaction(() => {
      for (const r of rows) this.sealKey.run(this.box.seal(r.secret, r.access_key), r.access_key);
    })();
    return rows.length;
  }

  // ---------------------------------------------------------------- the access-key cache

  /**
   * Access keys are looked up on every request: they are cached (secrets
   * opened), and the cache is dropped when this connection changes keys, or
   * when PRAGMA data_version says another connection (the cairn CLI)
   * committed.
   */
  private readonly keyCache = new Map<string, AccessKey | null>();
  private lastDataVersion = -1;
  private lastCheck = -Infinity;
  /** Called when another connection (the CLI, another process) committed: the other caches are dropped too. */
  onExternalChange?: () => void;

  /** Looks for changes by other connections (at most every KEY_RECHECK_MS). */
  checkExternalChanges(): void {
    const now = performance.now();
    if (now - this.lastCheck < KEY_RECHECK_MS) return;
    this.lastCheck = now;
    const v = this.dataVersion.get() as number;
    if (v !== this.lastDataVersion) {
      this.dropKeys();
      if (this.lastDataVersion !== -1) this.onExternalChange?.();
      this.lastDataVersion = v;
    }
  }

  /** Drops the access-key cache (after a change to keys, accounts or IAM users). */
  invalidate(): void {
    this.dropKeys();
  }

  /** Bumped whenever the key cache is dropped: what was derived from keys and accounts (principals) is stale. */
  epoch = 0;

  private dropKeys(): void {
    this.keyCache.clear();
    this.epoch++;
  }

  private toKey(r: KeyRow): AccessKey {
    const secret = SecretBox.isSealed(r.secret) ? this.box.open(r.secret, r.access_key)?.toString('utf8') : r.secret;
    return {
      accessKey: r.access_key,
      // A secret that does not open (an instance key replaced) can verify nothing.
      secret: secret ?? '',
      account: r.account,
      iamUser: r.iam_user ?? undefined,
      status: r.status === 'Inactive' ? 'Inactive' : 'Active',
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at ?? undefined,
      lastUsedService: r.last_used_service ?? undefined,
      lastUsedRegion: r.last_used_region ?? undefined,
    };
  }

  /** The access key (with its secret), whatever its status; undefined if unknown. */
  findKey(accessKey: string): AccessKey | undefined {
    // Asking SQLite costs ~3% of a small request: other connections' changes are looked for at most every KEY_RECHECK_MS.
    this.checkExternalChanges();
    const hit = this.keyCache.get(accessKey);
    if (hit !== undefined) return hit ?? undefined;
    const r = this.byAccessKeyStmt.get(accessKey);
    const found = r ? this.toKey(r) : undefined;
    if (this.keyCache.size > 10_000) this.dropKeys();
    this.keyCache.set(accessKey, found ?? null);
    return found;
  }

  // ---------------------------------------------------------------- accounts

  get(id: number): Account | undefined {
    const r = this.byId.get(id);
    return r ? toAccount(r) : undefined;
  }

  byName(name: string): Account | undefined {
    const r = this.byNameStmt.get(name);
    return r ? toAccount(r) : undefined;
  }

  byAccountId(accountId: string): Account | undefined {
    const r = this.byAccountIdStmt.get(accountId);
    return r ? toAccount(r) : undefined;
  }

  byCanonicalId(canonicalId: string): Account | undefined {
    const r = this.byCanonicalIdStmt.get(canonicalId);
    return r ? toAccount(r) : undefined;
  }

  byEmail(email: string): Account | undefined {
    const r = this.byEmailStmt.get(email.toLowerCase());
    return r ? toAccount(r) : undefined;
  }

  list(): Account[] {
    return this.allStmt.all().map(toAccount);
  }

  /** The instance administrator's account. */
  admin(): Account | undefined {
    const r = this.adminStmt.get();
    return r ? toAccount(r) : undefined;
  }

  /**
   * Creates an account with one root access key. 'name-taken', 'email-taken'
   * or 'key-taken' when those exist.
   */
  create(
    name: string,
    opts: { email?: string; accessKey: string; secretKey: string; isAdmin?: boolean; now?: number },
  ): { account: Account; key: AccessKey } | 'name-taken' | 'email-taken' | 'key-taken' {
    this.dropKeys();
    const email = opts.email?.toLowerCase();
    return this.db
      .transaction(() => {
        if (this.byNameStmt.get(name)) return 'name-taken' as const;
        if (email !== undefined && this.byEmailStmt.get(email)) return 'email-taken' as const;
        if (this.byAccessKeyStmt.get(opts.accessKey)) return 'key-taken' as const;
        const now = opts.now ?? Date.now();
        const canonicalId = createHash('sha256')
          .update(`cairn-account:${name}:${now}:${randomBytes(16).toString('hex')}`)
          .digest('hex');
        let accountId: string;
        do accountId = String(randomInt(100_000_000_000, 1_000_000_000_000));
        while (this.byAccountIdStmt.get(accountId));
        const id = Number(this.insertAccount.run(name, canonicalId, opts.isAdmin ? 1 : 0, now, accountId, email ?? null).lastInsertRowid);
        this.insertKey.run(opts.accessKey, this.box.seal(opts.secretKey, opts.accessKey), id, null, 'Active', now);
        return { account: this.get(id)!, key: this.findKeyUncached(opts.accessKey)! };
      })
      .immediate();
  }

  private findKeyUncached(accessKey: string): AccessKey | undefined {
    const r = this.byAccessKeyStmt.get(accessKey);
    return r ? this.toKey(r) : undefined;
  }

  /** Deletes an account (its IAM entities and keys go with it). Refuses while it owns buckets, and refuses the administrator's. */
  delete(id: number): 'deleted' | 'missing' | 'owns-buckets' | 'admin' {
    this.dropKeys();
    return this.db
      .transaction(() => {
        const a = this.byId.get(id);
        if (!a) return 'missing' as const;
        if (a.is_admin === 1) return 'admin' as const;
        if (this.bucketsOf.get(id)!.n > 0) return 'owns-buckets' as const;
        this.delAccount.run(id);
        return 'deleted' as const;
      })
      .immediate();
  }

  // ---------------------------------------------------------------- keys

  /** Access keys of an account's root (iamUser undefined) or of an IAM user, oldest first. */
  keys(account: number, iamUser?: number): AccessKey[] {
    return (iamUser === undefined ? this.keysOfRoot.all(account) : this.keysOfUser.all(iamUser)).map((r) => this.toKey(r));
  }

  /** Adds an access key; false if the key id is taken. */
  addKey(account: number, iamUser: number | undefined, accessKey: string, secretKey: string, now = Date.now()): boolean {
    this.dropKeys();
    return this.db
      .transaction(() => {
        if (this.byAccessKeyStmt.get(accessKey)) return false;
        this.insertKey.run(accessKey, this.box.seal(secretKey, accessKey), account, iamUser ?? null, 'Active', now);
        return true;
      })
      .immediate();
  }

  deleteKey(accessKey: string): boolean {
    this.dropKeys();
    return this.delKey.run(accessKey).changes > 0;
  }

  setKeyStatus(accessKey: string, status: KeyStatus): boolean {
    this.dropKeys();
    return this.setStatus.run(status, accessKey).changes > 0;
  }

  /** Records when a key was last used (called in batches, off the request path). */
  recordLastUsed(accessKey: string, at: number, service: string, region: string): void {
    this.setLastUsed.run(at, service, region, accessKey);
    const hit = this.keyCache.get(accessKey);
    if (hit) this.keyCache.set(accessKey, { ...hit, lastUsedAt: at, lastUsedService: service, lastUsedRegion: region });
  }
}

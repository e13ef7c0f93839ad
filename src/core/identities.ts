/**
 * IdentityService: who signed a request. An access key belongs to an
 * account's root or to an IAM user; a temporary key (ASIA…) comes with a
 * session token that STS sealed with the instance key and that carries the
 * session itself (stateless: nothing is stored per session).
 */
import type { Account, AccountsRepo, AccessKey } from '../store/accounts.js';
import { generateAccessKey, generateSecretKey } from '../store/accounts.js';
import type { GroupCommit } from '../store/commits.js';
import type { IamRepo, IamRole, IamUser } from '../store/iam.js';
import type { SecretBox } from '../store/secrets.js';

export type { Account, AccessKey, IamUser, IamRole };

export type PrincipalType = 'Account' | 'User' | 'AssumedRole';

/** Who signed a request, as the evaluator and the condition keys see it. */
export interface Principal {
  /** aws:PrincipalType: Account (the root user), User (an IAM user), AssumedRole (a role session). */
  readonly type: PrincipalType;
  /** The principal's account. */
  readonly account: Account;
  readonly accessKey: string;
  /** aws:PrincipalArn. */
  readonly arn: string;
  /** aws:userid: the account id (root), the user id (AIDA…), or role id:session (AROA…:name). */
  readonly userId: string;
  /** aws:username (IAM users). */
  readonly username?: string;
  readonly iamUser?: IamUser;
  readonly role?: IamRole;
  readonly sessionName?: string;
  /** A session policy that narrows the session (AssumeRole Policy). */
  readonly sessionPolicy?: string;
  /** When temporary credentials expire (ms). */
  readonly expiration?: number;
  /** The root user of the instance administrator's account. */
  readonly isAdmin: boolean;
  /** Signed with temporary credentials (a session token). */
  readonly temporary: boolean;
}

/**
 * What a session token carries (sealed). Rows are found by their ids and
 * then checked against the ids AWS-style principals never reuse (account
 * id, AIDA… user id, AROA… role id): a row id of a deleted user or role may
 * be given to a new one, whose permissions a stale session must not get.
 */
interface SessionClaims {
  v: 1;
  ak: string;
  sk: string;
  acct: number;
  /** The account's 12-digit id. */
  aid: string;
  user?: number;
  /** The IAM user's user id (AIDA…). */
  uid?: string;
  role?: number;
  /** The role's role id (AROA…). */
  rid?: string;
  sn?: string;
  sp?: string;
  exp: number;
}

export interface Credentials {
  accessKey: string;
  secret: string;
  sessionToken: string;
  expiration: number;
}

export function userArn(account: Account, u: IamUser): string {
  return `arn:aws:iam::${account.accountId}:user${u.path}${u.name}`;
}

export function roleArn(account: Account, r: IamRole): string {
  return `arn:aws:iam::${account.accountId}:role${r.path}${r.name}`;
}

/** How long after a use a key's "last used" is written (uses are remembered and written together). */
const LAST_USED_FLUSH_MS = 10_000;

export class IdentityService {
  private readonly lastUsed = new Map<string, { at: number; service: string; region: string }>();
  private lastUsedTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly accounts: AccountsRepo,
    private readonly iam: IamRepo,
    private readonly box: SecretBox,
    private readonly commits: GroupCommit,
    private readonly clock: () => number,
  ) {}

  account(id: number): Account | undefined {
    return this.accounts.get(id);
  }

  /** Display name and canonical id of an owner (buckets, objects and uploads are owned by accounts). */
  owner(id: number): { canonicalId: string; name: string; accountId: string } | undefined {
    const a = this.accounts.get(id);
    return a ? { canonicalId: a.canonicalId, name: a.name, accountId: a.accountId } : undefined;
  }

  /**
   * Principals resolved from keys and session tokens, kept while nothing they
   * were built from changed (the accounts repository's epoch: keys, accounts;
   * the IAM generation: users, roles), so a request costs a map lookup, not
   * two queries (and, for a session, an AES-GCM open).
   */
  private readonly resolved = new Map<string, { epoch: number; generation: number; value: { principal: Principal; secret: string } | 'invalid' | undefined }>();

  private cached(key: string): { principal: Principal; secret: string } | 'invalid' | undefined | null {
    this.accounts.checkExternalChanges();
    const hit = this.resolved.get(key);
    if (hit === undefined || hit.epoch !== this.accounts.epoch || hit.generation !== this.iam.generation) return null;
    return hit.value;
  }

  private remember(key: string, epoch: number, generation: number, value: { principal: Principal; secret: string } | 'invalid' | undefined): void {
    if (this.resolved.size >= 10_000) this.resolved.clear();
    this.resolved.set(key, { epoch, generation, value });
  }

  /** The principal a long-term access key signs as, with its secret; undefined when unknown or Inactive. */
  byAccessKey(accessKey: string): { principal: Principal; secret: string } | undefined {
    const hit = this.cached(accessKey);
    if (hit !== null) return hit === 'invalid' ? undefined : hit;
    const epoch = this.accounts.epoch;
    const generation = this.iam.generation;
    const value = this.resolveKey(accessKey);
    this.remember(accessKey, epoch, generation, value);
    return value;
  }

  private resolveKey(accessKey: string): { principal: Principal; secret: string } | undefined {
    const k = this.accounts.findKey(accessKey);
    if (!k || k.status !== 'Active') return undefined;
    const account = this.accounts.get(k.account);
    if (!account) return undefined;
    if (k.iamUser === undefined) return { principal: rootPrincipal(account, accessKey), secret: k.secret };
    const u = this.iam.user(k.iamUser);
    if (!u) return undefined;
    return { principal: userPrincipal(account, u, accessKey), secret: k.secret };
  }

  /**
   * The principal temporary credentials sign as: 'invalid' when the token
   * does not open or names another key (forged, or sealed by another
   * instance), 'expired' past its expiration, undefined when the principal
   * behind it is gone.
   */
  bySessionToken(accessKey: string, token: string): { principal: Principal; secret: string } | 'invalid' | 'expired' | undefined {
    const cacheKey = `${accessKey}\n${token}`;
    let found = this.cached(cacheKey);
    if (found === null) {
      const epoch = this.accounts.epoch;
      const generation = this.iam.generation;
      const r = this.resolveSession(accessKey, token);
      // 'expired' is decided on every request (the clock moves), from the cached expiration.
      found = r === 'expired' ? 'invalid' : r;
      if (r === 'expired') return 'expired';
      this.remember(cacheKey, epoch, generation, found);
    }
    if (found !== 'invalid' && found !== undefined && this.clock() >= (found.principal.expiration ?? Infinity)) return 'expired';
    return found;
  }

  private resolveSession(accessKey: string, token: string): { principal: Principal; secret: string } | 'invalid' | 'expired' | undefined {
    const raw = this.box.open(token, 'sts');
    if (!raw) return 'invalid';
    let c: SessionClaims;
    try {
      c = JSON.parse(raw.toString('utf8')) as SessionClaims;
    } catch {
      return 'invalid';
    }
    if (c.v !== 1 || c.ak !== accessKey) return 'invalid';
    if (this.clock() >= c.exp) return 'expired';
    const account = this.accounts.get(c.acct);
    if (!account || account.accountId !== c.aid) return undefined;
    const base = { accessKey, expiration: c.exp, temporary: true };
    if (c.role !== undefined) {
      const role = this.iam.role(c.role);
      if (!role || role.account !== account.id || role.roleId !== c.rid) return undefined;
      const session = c.sn ?? 'session';
      const principal: Principal = {
        ...base,
        type: 'AssumedRole',
        account,
        arn: `arn:aws:sts::${account.accountId}:assumed-role/${role.name}/${session}`,
        userId: `${role.roleId}:${session}`,
        role,
        sessionName: session,
        sessionPolicy: c.sp,
        isAdmin: false,
      };
      return { principal, secret: c.sk };
    }
    if (c.user !== undefined) {
      const u = this.iam.user(c.user);
      if (!u || u.account !== account.id || u.userId !== c.uid) return undefined;
      return { principal: { ...userPrincipal(account, u, accessKey), ...base }, secret: c.sk };
    }
    return { principal: { ...rootPrincipal(account, accessKey), ...base }, secret: c.sk };
  }

  /** Temporary credentials for a session (GetSessionToken, AssumeRole): a sealed, self-contained token. */
  issueSession(s: { account: Account; user?: IamUser; role?: IamRole; sessionName?: string; sessionPolicy?: string; durationSeconds: number }): Credentials {
    const accessKey = generateAccessKey('ASIA');
    const secret = generateSecretKey();
    const expiration = this.clock() + s.durationSeconds * 1000;
    const claims: SessionClaims = {
      v: 1,
      ak: accessKey,
      sk: secret,
      acct: s.account.id,
      aid: s.account.accountId,
      user: s.user?.id,
      uid: s.user?.userId,
      role: s.role?.id,
      rid: s.role?.roleId,
      sn: s.sessionName,
      sp: s.sessionPolicy,
      exp: expiration,
    };
    return { accessKey, secret, sessionToken: this.box.seal(JSON.stringify(claims), 'sts'), expiration };
  }

  /** Notes a use of a long-term key (written with the next batch within LAST_USED_FLUSH_MS, never on the request path). */
  noteUse(accessKey: string, service: string, region: string): void {
    this.lastUsed.set(accessKey, { at: this.clock(), service, region });
    if (this.lastUsedTimer) return;
    this.lastUsedTimer = setTimeout(() => {
      this.lastUsedTimer = undefined;
      this.flushLastUsed();
    }, LAST_USED_FLUSH_MS);
    this.lastUsedTimer.unref();
  }

  /** When a key was last used (recorded, or noted and not yet written). */
  lastUse(k: AccessKey): { at?: number; service?: string; region?: string } {
    const pending = this.lastUsed.get(k.accessKey);
    if (pending) return pending;
    return { at: k.lastUsedAt, service: k.lastUsedService, region: k.lastUsedRegion };
  }

  /** Writes the noted uses (deferred: a crash may lose a few seconds of "last used"). */
  flushLastUsed(): void {
    if (this.lastUsed.size === 0) return;
    const uses = [...this.lastUsed];
    this.lastUsed.clear();
    this.commits.defer(() => {
      for (const [ak, u] of uses) this.accounts.recordLastUsed(ak, u.at, u.service, u.region);
    });
  }

  close(): void {
    if (this.lastUsedTimer) clearTimeout(this.lastUsedTimer);
    this.lastUsedTimer = undefined;
    this.flushLastUsed();
  }
}

export function rootPrincipal(account: Account, accessKey: string): Principal {
  return {
    type: 'Account',
    account,
    accessKey,
    arn: `arn:aws:iam::${account.accountId}:root`,
    userId: account.accountId,
    isAdmin: account.isAdmin,
    temporary: false,
  };
}

export function userPrincipal(account: Account, u: IamUser, accessKey: string): Principal {
  return {
    type: 'User',
    account,
    accessKey,
    arn: userArn(account, u),
    userId: u.userId,
    username: u.name,
    iamUser: u,
    isAdmin: false,
    temporary: false,
  };
}

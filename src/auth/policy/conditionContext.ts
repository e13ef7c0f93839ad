/**
 * The request context a policy is judged against: condition keys and their
 * values. AWS treats condition key names case-insensitively
 * (reference_policies_elements_condition: "Condition key names are not case
 * sensitive") and values case-sensitively (except for the ...IgnoreCase
 * operators), so keys are always looked up lower-cased.
 *
 * An absent key is `undefined`; a multivalued key is an array (an empty array
 * is an empty set). Values are strings as the request supplies them: Bool
 * keys as "true"/"false", aws:CurrentTime as ISO 8601, aws:EpochTime as epoch
 * seconds, aws:SourceIp as an address, binary keys as base64.
 */

export type ContextValue = string | readonly string[] | undefined;

/** Called with a lower-cased key name. Lazy: a request's keys are computed only if some condition asks. */
export type ContextLookup = (lowerKey: string) => ContextValue;

/** A lookup function, or a map/record of keys (any case) to values. */
export type ConditionContext = ContextLookup | ReadonlyMap<string, ContextValue> | Readonly<Record<string, ContextValue>>;

const EMPTY: ContextLookup = () => undefined;

/** Normalizes a context to a lookup function. A map or record is lower-cased on the first lookup (never, if no condition asks). */
export function contextLookup(context: ConditionContext | undefined): ContextLookup {
  if (context === undefined) return EMPTY;
  if (typeof context === 'function') return context;
  let lower: Map<string, ContextValue> | undefined;
  return (key) => {
    if (lower === undefined) {
      lower = new Map();
      const entries: Iterable<[string, ContextValue]> = context instanceof Map ? context.entries() : Object.entries(context);
      for (const [k, v] of entries) if (v !== undefined) lower.set(k.toLowerCase(), v);
    }
    return lower.get(key);
  };
}

/** aws:PrincipalType values (reference_policies_condition-keys). */
export type PrincipalTypeValue = 'Account' | 'User' | 'FederatedUser' | 'AssumedRole' | 'Anonymous';

/**
 * The global condition keys of a request (reference_policies_condition-keys), from what the server knows about it.
 * Keys the request does not have are left undefined, as AWS leaves them out of the request context: aws:username
 * exists for IAM users only, aws:MultiFactorAuthPresent is absent for long-term access keys, aws:Referer and
 * aws:UserAgent only when the client sent the header.
 */
export interface GlobalKeys {
  /** aws:SourceIp: the client's address. */
  readonly sourceIp?: string;
  /** aws:SecureTransport: whether the request came over TLS. */
  readonly secureTransport: boolean;
  /** aws:CurrentTime (ISO 8601) and aws:EpochTime (seconds) are derived from this, in milliseconds. */
  readonly now: number;
  /** aws:UserAgent, aws:Referer: the request's headers. */
  readonly userAgent?: string;
  readonly referer?: string;
  /** aws:username: an IAM user's name. */
  readonly username?: string;
  /** aws:userid: the user's unique id, the account id for the root user, `role-id:session` for a role session, `anonymous`. */
  readonly userid?: string;
  /** aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType. */
  readonly principalArn?: string;
  readonly principalAccount?: string;
  readonly principalType?: PrincipalTypeValue;
  /** aws:MultiFactorAuthPresent: only for temporary credentials. */
  readonly multiFactorAuthPresent?: boolean;
}

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A lookup for the global keys; each value is formatted only when a condition asks for it. */
export function globalContext(g: GlobalKeys): ContextLookup {
  return (key) => {
    switch (key) {
      case 'aws:sourceip':
        return g.sourceIp;
      case 'aws:securetransport':
        return g.secureTransport ? 'true' : 'false';
      case 'aws:currenttime':
        return isoSeconds(g.now);
      case 'aws:epochtime':
        return String(Math.floor(g.now / 1000));
      case 'aws:useragent':
        return g.userAgent;
      case 'aws:referer':
        return g.referer;
      case 'aws:username':
        return g.username;
      case 'aws:userid':
        return g.userid;
      case 'aws:principalarn':
        return g.principalArn;
      case 'aws:principalaccount':
        return g.principalAccount;
      case 'aws:principaltype':
        return g.principalType;
      case 'aws:multifactorauthpresent':
        return g.multiFactorAuthPresent === undefined ? undefined : g.multiFactorAuthPresent ? 'true' : 'false';
      default:
        return undefined;
    }
  };
}

/** Layers lookups: the first that has a value for a key wins (e.g. an operation's s3:* keys over the request's aws:* keys). */
export function layeredLookup(...lookups: readonly ContextLookup[]): ContextLookup {
  return (key) => {
    for (const l of lookups) {
      const v = l(key);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

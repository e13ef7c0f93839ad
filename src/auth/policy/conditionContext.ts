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

/** Normalizes a context to a lookup function (a map or record is lower-cased once, here). */
export function contextLookup(context: ConditionContext | undefined): ContextLookup {
  if (context === undefined) return EMPTY;
  if (typeof context === 'function') return context;
  const lower = new Map<string, ContextValue>();
  const entries: Iterable<[string, ContextValue]> = context instanceof Map ? context.entries() : Object.entries(context);
  for (const [k, v] of entries) if (v !== undefined) lower.set(k.toLowerCase(), v);
  return (key) => lower.get(key);
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

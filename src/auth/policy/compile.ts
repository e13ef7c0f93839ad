/**
 * Compiles a policy document into matchers, once, so that judging a request
 * parses nothing and builds no RegExp: actions become a set of exact names
 * plus wildcard matchers (case-insensitive), resources become ARN matchers
 * (case-sensitive, per-segment wildcards), conditions become typed
 * comparisons (numbers, dates and CIDR blocks parsed here). Parts that hold
 * policy variables are kept as templates and resolved against the request
 * when they are reached; the cheap forms (exact, prefix) still apply then.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { ContextLookup, ContextValue } from './conditionContext.js';
import type { BaseOperator, PolicyDocument, PolicyStatement, PrincipalSpec, ConditionClause } from './document.js';
import { compilePieces, STAR, type GlobMode, type Matcher } from './glob.js';
import { canonicalBase64, parseCidr, parseDate, parseNumber } from './values.js';
import { parseTemplate, templatePieces, templateString, type Template } from './variables.js';

/** A set of patterns: exact strings in a Set, the rest as matchers, variable templates resolved per request. */
export class PatternSet {
  private readonly exact = new Set<string>();
  private readonly globs: Matcher[] = [];
  private readonly templates: Template[] = [];
  readonly matchesAll: boolean;

  constructor(
    patterns: readonly string[],
    private readonly mode: GlobMode,
    variables: boolean,
  ) {
    let all = false;
    for (const p of patterns) {
      const t = parseTemplate(p, variables);
      if (t.hasVariables) {
        this.templates.push(t);
        continue;
      }
      // Pieces come from the template, so a literal `${*}` stays a literal, not a wildcard.
      const pieces = templatePieces(t, undefined)!;
      if (pieces.length === 1 && pieces[0] === STAR) all = true;
      else if (pieces.every((x) => typeof x === 'string')) {
        const text = pieces.join('');
        this.exact.add(mode === 'action' ? text.toLowerCase() : text);
      } else this.globs.push(compilePieces(pieces, mode));
    }
    this.matchesAll = all;
  }

  /** `subject` must already be lower-cased for actions. */
  test(subject: string, lookup: ContextLookup): boolean {
    if (this.matchesAll || this.exact.has(subject)) return true;
    for (const g of this.globs) if (g.test(subject)) return true;
    for (const t of this.templates) {
      const pieces = templatePieces(t, lookup);
      if (pieces !== undefined && compilePieces(pieces, this.mode).test(subject)) return true;
    }
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Conditions

/** A request value against one operator's policy values: 1 = some value matches, 0 = none does, -1 = not comparable. */
interface ValueTest {
  test(requestValue: string, lookup: ContextLookup): 1 | 0 | -1;
}

class StringEqualsTest implements ValueTest {
  private readonly exact: Set<string>;
  private readonly templates: Template[];
  constructor(
    values: readonly string[],
    private readonly fold: boolean,
    variables: boolean,
  ) {
    this.exact = new Set();
    this.templates = [];
    for (const v of values) {
      const t = parseTemplate(v, variables);
      if (t.hasVariables) this.templates.push(t);
      else {
        const s = templateString(t, undefined)!;
        this.exact.add(fold ? s.toLowerCase() : s);
      }
    }
  }
  test(v: string, lookup: ContextLookup): 1 | 0 {
    const s = this.fold ? v.toLowerCase() : v;
    if (this.exact.has(s)) return 1;
    for (const t of this.templates) {
      const resolved = templateString(t, lookup);
      if (resolved !== undefined && (this.fold ? resolved.toLowerCase() : resolved) === s) return 1;
    }
    return 0;
  }
}

class PatternTest implements ValueTest {
  private readonly set: PatternSet;
  constructor(values: readonly string[], mode: GlobMode, variables: boolean) {
    this.set = new PatternSet(values, mode, variables);
  }
  test(v: string, lookup: ContextLookup): 1 | 0 {
    return this.set.test(v, lookup) ? 1 : 0;
  }
}

type Compare = (request: number, policy: number) => boolean;

class OrderedTest implements ValueTest {
  constructor(
    private readonly values: readonly number[],
    private readonly parse: (s: string) => number | undefined,
    private readonly compare: Compare,
  ) {}
  test(v: string): 1 | 0 | -1 {
    const n = this.parse(v);
    if (n === undefined) return -1;
    for (const p of this.values) if (this.compare(n, p)) return 1;
    return 0;
  }
}

class BoolTest implements ValueTest {
  private readonly templates: Template[];
  constructor(values: readonly string[], variables: boolean) {
    this.templates = values.map((v) => parseTemplate(v, variables));
  }
  test(v: string, lookup: ContextLookup): 1 | 0 {
    const s = v.toLowerCase();
    for (const t of this.templates) if (templateString(t, lookup)?.toLowerCase() === s) return 1;
    return 0;
  }
}

class BinaryTest implements ValueTest {
  private readonly values: Set<string>;
  constructor(values: readonly string[]) {
    this.values = new Set(values.map((v) => canonicalBase64(v)).filter((v): v is string => v !== undefined));
  }
  test(v: string): 1 | 0 | -1 {
    const c = canonicalBase64(v);
    if (c === undefined) return -1;
    return this.values.has(c) ? 1 : 0;
  }
}

class IpTest implements ValueTest {
  private readonly blocks = new BlockList();
  constructor(values: readonly string[]) {
    for (const v of values) {
      const c = parseCidr(v);
      if (c) this.blocks.addSubnet(c.address, c.prefix, c.family);
    }
  }
  test(v: string): 1 | 0 | -1 {
    const family = isIPv4(v) ? 'ipv4' : isIPv6(v) ? 'ipv6' : undefined;
    if (family === undefined) return -1;
    return this.blocks.check(v, family) ? 1 : 0;
  }
}

const lt: Compare = (a, b) => a < b;
const le: Compare = (a, b) => a <= b;
const gt: Compare = (a, b) => a > b;
const ge: Compare = (a, b) => a >= b;
const eq: Compare = (a, b) => a === b;

const NEGATED = new Set<BaseOperator>([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
]);

function valueTest(base: BaseOperator, values: readonly string[], variables: boolean): ValueTest {
  const numbers = (parse: (s: string) => number | undefined): number[] => values.map(parse).filter((n): n is number => n !== undefined);
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return new StringEqualsTest(values, false, variables);
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return new StringEqualsTest(values, true, variables);
    case 'StringLike':
    case 'StringNotLike':
      return new PatternTest(values, 'string', variables);
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return new PatternTest(values, 'arn', variables);
    case 'NumericEquals':
    case 'NumericNotEquals':
      return new OrderedTest(numbers(parseNumber), parseNumber, eq);
    case 'NumericLessThan':
      return new OrderedTest(numbers(parseNumber), parseNumber, lt);
    case 'NumericLessThanEquals':
      return new OrderedTest(numbers(parseNumber), parseNumber, le);
    case 'NumericGreaterThan':
      return new OrderedTest(numbers(parseNumber), parseNumber, gt);
    case 'NumericGreaterThanEquals':
      return new OrderedTest(numbers(parseNumber), parseNumber, ge);
    case 'DateEquals':
    case 'DateNotEquals':
      return new OrderedTest(numbers(parseDate), parseDate, eq);
    case 'DateLessThan':
      return new OrderedTest(numbers(parseDate), parseDate, lt);
    case 'DateLessThanEquals':
      return new OrderedTest(numbers(parseDate), parseDate, le);
    case 'DateGreaterThan':
      return new OrderedTest(numbers(parseDate), parseDate, gt);
    case 'DateGreaterThanEquals':
      return new OrderedTest(numbers(parseDate), parseDate, ge);
    case 'Bool':
      return new BoolTest(values, variables);
    case 'BinaryEquals':
      return new BinaryTest(values);
    case 'IpAddress':
    case 'NotIpAddress':
      return new IpTest(values);
    case 'Null':
      throw new Error('Null has no value test');
  }
}

const NONE = 0;
const ANY = 1;
const ALL = 2;

/** One operator × key of a Condition block, ready to judge a request. */
export class CompiledCondition {
  readonly key: string;
  private readonly qualifier: number;
  private readonly ifExists: boolean;
  private readonly negated: boolean;
  /** For Null: which answers ("true" = absent, "false" = present) the policy accepts. */
  private readonly nullAccepts: { absent: boolean; present: boolean } | undefined;
  private readonly values: ValueTest | undefined;

  constructor(c: ConditionClause, variables: boolean) {
    this.key = c.key.toLowerCase();
    this.qualifier = c.qualifier === 'ForAnyValue' ? ANY : c.qualifier === 'ForAllValues' ? ALL : NONE;
    this.ifExists = c.ifExists;
    this.negated = NEGATED.has(c.base);
    if (c.base === 'Null') {
      const v = c.values.map((x) => x.toLowerCase());
      this.nullAccepts = { absent: v.includes('true'), present: v.includes('false') };
    } else {
      this.values = valueTest(c.base, c.values, variables);
    }
  }

  /** Does the request satisfy this condition? */
  test(lookup: ContextLookup): boolean {
    const raw: ContextValue = lookup(this.key);
    const absent = raw === undefined || (Array.isArray(raw) && raw.length === 0);
    if (this.nullAccepts !== undefined) return absent ? this.nullAccepts.absent : this.nullAccepts.present;
    if (absent) {
      // "If the key ... is not present in the request context, the values do not match and the condition is false. If the
      // policy condition requires that the key is not matched, such as StringNotLike or ArnNotLike ... the condition is true."
      // ForAllValues "also returns true if there are no context keys in the request"; ForAnyValue returns false.
      if (this.ifExists) return true;
      if (this.qualifier === ALL) return true;
      if (this.qualifier === ANY) return false;
      return this.negated;
    }
    const tests = this.values!;
    if (this.qualifier !== NONE) {
      // A set operator over an empty data set ("for example, an empty string"): ForAllValues true, ForAnyValue false.
      const set = typeof raw === 'string' ? (raw === '' ? [] : [raw]) : raw;
      if (set.length === 0) return this.qualifier === ALL;
      const one = (v: string): boolean => {
        const r = tests.test(v, lookup);
        return this.negated ? r === 0 : r === 1;
      };
      return this.qualifier === ALL ? set.every(one) : set.some(one);
    }
    if (typeof raw === 'string') {
      const r = tests.test(raw, lookup);
      return this.negated ? r === 0 : r === 1;
    }
    // A multivalued key without a set operator: matches when any value does (negated: when none does).
    if (this.negated) return raw.every((v) => tests.test(v, lookup) === 0);
    return raw.some((v) => tests.test(v, lookup) === 1);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Principals

/** The principal a resource policy is judged for. An anonymous request has no account. */
export interface RequestPrincipal {
  /** The 12-digit account of the caller; undefined for an anonymous request. */
  readonly accountId?: string;
  /** The caller's ARN: `arn:aws:iam::123456789012:root`, `...:user/path/name`, `arn:aws:sts::123456789012:assumed-role/role/session`. */
  readonly arn?: string;
  /** For a role session, the role's ARN (`arn:aws:iam::123456789012:role/path/name`). */
  readonly roleArn?: string;
  /** The caller's S3 canonical user id. */
  readonly canonicalUserId?: string;
  /** For a service principal, e.g. `logging.s3.amazonaws.com`. */
  readonly service?: string;
  /** For a federated principal, the identity provider. */
  readonly federated?: string;
}

const ROOT = /^arn:[^:]+:iam::(\d{12}):root$/;

/** A Principal or NotPrincipal element (reference_policies_elements_principal). */
export class CompiledPrincipal {
  private readonly everyone: boolean;
  private readonly accounts = new Set<string>();
  private readonly arns = new Set<string>();
  private readonly canonical = new Set<string>();
  private readonly services = new Set<string>();
  private readonly federated = new Set<string>();

  constructor(spec: PrincipalSpec) {
    // `"Principal": "*"` and `{"AWS": "*"}` are the same: everyone, anonymous included.
    let everyone = spec === '*';
    if (spec !== '*') {
      for (const v of spec.AWS ?? []) {
        if (v === '*') everyone = true;
        else if (/^\d{12}$/.test(v)) this.accounts.add(v);
        else {
          const root = ROOT.exec(v);
          if (root) this.accounts.add(root[1]!);
          else this.arns.add(v);
        }
      }
      for (const v of spec.CanonicalUser ?? []) this.canonical.add(v.toLowerCase());
      // Only {"AWS": "*"} means everyone; a Service or Federated value names that one principal.
      for (const v of spec.Service ?? []) this.services.add(v);
      for (const v of spec.Federated ?? []) this.federated.add(v);
    }
    this.everyone = everyone;
  }

  matches(p: RequestPrincipal | undefined): boolean {
    if (this.everyone) return true;
    if (p === undefined) return false;
    // An account (its id or its root ARN) stands for every principal of that account.
    if (p.accountId !== undefined && this.accounts.has(p.accountId)) return true;
    if (p.arn !== undefined && this.arns.has(p.arn)) return true;
    // A role ARN stands for the role's sessions.
    if (p.roleArn !== undefined && this.arns.has(p.roleArn)) return true;
    if (p.canonicalUserId !== undefined && this.canonical.has(p.canonicalUserId.toLowerCase())) return true;
    if (p.service !== undefined && this.services.has(p.service)) return true;
    if (p.federated !== undefined && this.federated.has(p.federated)) return true;
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Statements and policies

export class CompiledStatement {
  readonly sid: string | undefined;
  readonly deny: boolean;
  private readonly actions: PatternSet;
  private readonly actionsNegated: boolean;
  private readonly resources: PatternSet | undefined;
  private readonly resourcesNegated: boolean;
  readonly principal: CompiledPrincipal | undefined;
  readonly principalNegated: boolean;
  private readonly conditions: readonly CompiledCondition[];

  constructor(s: PolicyStatement, variables: boolean) {
    this.sid = s.sid;
    this.deny = s.effect === 'Deny';
    this.actionsNegated = s.action === undefined;
    this.actions = new PatternSet(s.action ?? s.notAction ?? [], 'action', false);
    const resources = s.resource ?? s.notResource;
    this.resourcesNegated = s.resource === undefined && s.notResource !== undefined;
    this.resources = resources === undefined ? undefined : new PatternSet(resources, 'resource', variables);
    const principal = s.principal ?? s.notPrincipal;
    this.principal = principal === undefined ? undefined : new CompiledPrincipal(principal);
    this.principalNegated = s.principal === undefined && s.notPrincipal !== undefined;
    this.conditions = s.conditions.map((c) => new CompiledCondition(c, variables));
  }

  /** Does the statement's Action/NotAction cover this (lower-cased) action? */
  coversAction(lowerAction: string): boolean {
    return this.actions.test(lowerAction, EMPTY_LOOKUP) !== this.actionsNegated;
  }

  /** Does the statement's Resource/NotResource cover this ARN? A statement without either (a trust policy) covers all. */
  coversResource(resource: string, lookup: ContextLookup): boolean {
    if (this.resources === undefined) return true;
    return this.resources.test(resource, lookup) !== this.resourcesNegated;
  }

  conditionsHold(lookup: ContextLookup): boolean {
    for (const c of this.conditions) if (!c.test(lookup)) return false;
    return true;
  }
}

const EMPTY_LOOKUP: ContextLookup = () => undefined;

export interface CompiledPolicy {
  readonly version: PolicyDocument['version'];
  readonly statements: readonly CompiledStatement[];
  /** The statements by effect, so a request checks the Deny statements of every policy first. */
  readonly deny: readonly CompiledStatement[];
  readonly allow: readonly CompiledStatement[];
}

/** Compiles a validated document. Policy variables are recognized only in Version 2012-10-17 policies. */
export function compilePolicy(doc: PolicyDocument): CompiledPolicy {
  const variables = doc.version === '2012-10-17';
  const statements = doc.statements.map((s) => new CompiledStatement(s, variables));
  return {
    version: doc.version,
    statements,
    deny: statements.filter((s) => s.deny),
    allow: statements.filter((s) => !s.deny),
  };
}

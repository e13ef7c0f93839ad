/**
 * Policy documents: the typed form of the IAM policy language, and the
 * validation IAM (and S3, for bucket policies) applies when a policy is
 * stored.
 *
 * Grammar: reference_policies_grammar (Version 2012-10-17 or 2008-10-17,
 * `Statement` an object or an array, each statement with Sid?, Effect,
 * Principal|NotPrincipal, Action|NotAction, Resource|NotResource, Condition?;
 * strings or arrays of strings; "Quotation marks are optional for numeric and
 * Boolean values" in conditions; "Individual elements must not contain
 * multiple instances of the same key"; "Policy size calculations do not
 * include white space characters").
 *
 * Error messages and the order they are checked in follow what IAM answers
 * (as recorded by moto's and LocalStack's AWS-validated tests): "Syntax errors
 * in policy." for anything the grammar rejects (bad JSON, unknown elements,
 * a bad Effect, an unknown condition operator, ...), "Policy document must be
 * version 2012-10-17 or greater." for managed policies, "The policy failed
 * legacy parsing" (a mis-cased Effect, an unreadable date), then the
 * statement-level messages. Trust policies (CreateRole) and bucket policies
 * (PutBucketPolicy, code MalformedPolicy) have their own wording.
 */
import { parseJsonStrict, type JsonValue } from './json.js';
import { canonicalBase64, parseCidr, parseDate, parseNumber } from './values.js';

export type PolicyVersion = '2012-10-17' | '2008-10-17';
/** identity: user, group, role and managed policies; resource: bucket policies; trust: a role's AssumeRolePolicyDocument; session: an STS session policy. */
export type PolicyKind = 'identity' | 'resource' | 'trust' | 'session';
export type Effect = 'Allow' | 'Deny';
export type PrincipalType = 'AWS' | 'Service' | 'CanonicalUser' | 'Federated';
export type PrincipalSpec = '*' | { readonly [T in PrincipalType]?: readonly string[] };

export const BASE_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
] as const;
export type BaseOperator = (typeof BASE_OPERATORS)[number];
export type SetQualifier = 'ForAnyValue' | 'ForAllValues';

/** One operator × key of a Condition block, e.g. `"ForAnyValue:StringLikeIfExists": {"s3:prefix": [...]}`. */
export interface ConditionClause {
  readonly operator: string;
  readonly base: BaseOperator;
  readonly qualifier: SetQualifier | undefined;
  readonly ifExists: boolean;
  readonly key: string;
  readonly values: readonly string[];
}

export interface PolicyStatement {
  readonly sid: string | undefined;
  readonly effect: Effect;
  readonly principal?: PrincipalSpec;
  readonly notPrincipal?: PrincipalSpec;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly conditions: readonly ConditionClause[];
}

export interface PolicyDocument {
  /** undefined when the document has no Version (IAM then reads it as 2008-10-17: no policy variables). */
  readonly version: PolicyVersion | undefined;
  readonly id: string | undefined;
  readonly statements: readonly PolicyStatement[];
}

export type PolicyErrorCode = 'MalformedPolicyDocument' | 'MalformedPolicy' | 'LimitExceeded';

/** A policy refused when stored: IAM's MalformedPolicyDocument / LimitExceeded, S3's MalformedPolicy. */
export class PolicyError extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyError';
  }
}

/** How big a policy may be, and what is answered when it is bigger. */
export interface PolicyLimits {
  /** Maximum size in non-whitespace characters. */
  readonly maxSize?: number;
  readonly sizeCode?: PolicyErrorCode;
  readonly sizeMessage?: string;
  /** Managed policies (CreatePolicy, CreatePolicyVersion) must say Version 2012-10-17. */
  readonly requireCurrentVersion?: boolean;
}

/**
 * AWS's quotas (reference_iam-quotas): "User policy size cannot exceed 2,048 characters", role 10,240, group 5,120,
 * "Managed policy size cannot exceed 6,144 characters", "Role trust policy length" 2,048. The user, group and role
 * quotas are for all of the entity's inline policies together: pass the total (policySize of each) to the check.
 */
export const POLICY_LIMITS = {
  user: (name: string): PolicyLimits => ({
    maxSize: 2048,
    sizeCode: 'LimitExceeded',
    sizeMessage: `Maximum policy size of 2048 bytes exceeded for user ${name}`,
  }),
  group: (name: string): PolicyLimits => ({
    maxSize: 5120,
    sizeCode: 'LimitExceeded',
    sizeMessage: `Maximum policy size of 5120 bytes exceeded for group ${name}`,
  }),
  role: (name: string): PolicyLimits => ({
    maxSize: 10240,
    sizeCode: 'LimitExceeded',
    sizeMessage: `Maximum policy size of 10240 bytes exceeded for role ${name}`,
  }),
  managed: (): PolicyLimits => ({
    maxSize: 6144,
    sizeCode: 'LimitExceeded',
    sizeMessage: 'Cannot exceed quota for PolicySize: 6144',
    requireCurrentVersion: true,
  }),
  trust: (): PolicyLimits => ({ maxSize: 2048, sizeCode: 'LimitExceeded', sizeMessage: 'Cannot exceed quota for ACLSizePerRole: 2048' }),
} as const;

/** A policy's size as IAM counts it: characters other than white space. */
export function policySize(json: string): number {
  let n = 0;
  for (const ch of json) if (!/\s/u.test(ch)) n++;
  return n;
}

/** The answers for each way a document can be wrong, per kind of policy. */
interface Messages {
  readonly code: PolicyErrorCode;
  readonly json: string;
  readonly syntax: string;
  readonly emptyStatement: string;
  readonly actionsMissing: string;
  readonly resourcesMissing: string;
  readonly principalMissing: string;
  readonly principalEmpty: string;
  invalidPrincipal(type: string, value: string): string;
  /** undefined: answer with the IAM resource-format message. */
  readonly invalidResource: string | undefined;
  /** undefined: answer with the IAM action-format message. */
  readonly invalidAction: string | undefined;
}

const IAM: Messages = {
  code: 'MalformedPolicyDocument',
  json: 'Syntax errors in policy.',
  syntax: 'Syntax errors in policy.',
  emptyStatement: 'Syntax errors in policy.',
  actionsMissing: 'Policy statement must contain actions.',
  resourcesMissing: 'Policy statement must contain resources.',
  principalMissing: 'Missing required field Principal',
  principalEmpty: 'Missing required field Principal cannot be empty!',
  invalidPrincipal: (type, value) => `Invalid principal in policy: "${type}":"${value}"`,
  invalidResource: undefined,
  invalidAction: undefined,
};

const TRUST: Messages = {
  ...IAM,
  json: 'This policy contains invalid Json',
  emptyStatement: 'Could not parse the policy: Statement is empty!',
};

// S3's PutBucketPolicy wording (MalformedPolicy). Issue 13 (bucket policies) adds the checks that need the bucket.
const S3: Messages = {
  code: 'MalformedPolicy',
  json: 'This policy contains invalid Json',
  syntax: 'Invalid policy syntax.',
  emptyStatement: 'Invalid policy syntax.',
  actionsMissing: 'Missing required field Action',
  resourcesMissing: 'Missing required field Resource',
  principalMissing: 'Missing required field Principal',
  principalEmpty: 'Missing required field Principal cannot be empty!',
  invalidPrincipal: () => 'Invalid principal in policy',
  invalidResource: 'Policy has invalid resource',
  invalidAction: 'Policy has invalid action',
};

const MESSAGES: Record<PolicyKind, Messages> = { identity: IAM, session: IAM, trust: TRUST, resource: S3 };

const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const OPERATORS = new Set<string>(BASE_OPERATORS);
const PRINCIPAL_TYPES = new Set<string>(['AWS', 'Service', 'CanonicalUser', 'Federated']);
const PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc']);
const IAM_RESOURCE_TYPES = [
  'user/',
  'federated-user/',
  'role/',
  'group/',
  'instance-profile/',
  'mfa/',
  'server-certificate/',
  'policy/',
  'sms-mfa/',
  'saml-provider/',
  'oidc-provider/',
  'report/',
  'access-report/',
];
const TRUST_ACTIONS = /^sts:/i;
const SID = /^[0-9A-Za-z]*$/;
const ACCOUNT = /^\d{12}$/;
const AWS_PRINCIPAL =
  /^arn:aws[a-z-]*:(?:iam::\d{12}:(?:root|user\/.+|role\/.+|federated-user\/.+)|sts::\d{12}:(?:assumed-role\/[^/]+\/.+|federated-user\/.+))$/;

type Obj = { readonly [key: string]: JsonValue };

const LEGACY = 'The policy failed legacy parsing';

class Fail {
  constructor(readonly message: string) {}
}

function isObject(v: JsonValue | undefined): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string or an array of strings; undefined when the value is neither. */
function stringList(v: JsonValue): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return undefined;
  const out: string[] = [];
  for (const x of v) {
    if (typeof x !== 'string') return undefined;
    out.push(x);
  }
  return out;
}

/** Condition values: strings, numbers and booleans, alone or in an array. */
function conditionValues(v: JsonValue): string[] | undefined {
  const one = (x: JsonValue): string | undefined => (typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined);
  if (!Array.isArray(v)) {
    const s = one(v);
    return s === undefined ? undefined : [s];
  }
  const out: string[] = [];
  for (const x of v) {
    const s = one(x);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

/** Splits `ForAnyValue:StringLikeIfExists` into its parts; undefined for an operator IAM does not know. */
export function parseOperator(operator: string): { base: BaseOperator; qualifier: SetQualifier | undefined; ifExists: boolean } | undefined {
  let rest = operator;
  let qualifier: SetQualifier | undefined;
  if (rest.startsWith('ForAnyValue:')) {
    qualifier = 'ForAnyValue';
    rest = rest.slice('ForAnyValue:'.length);
  } else if (rest.startsWith('ForAllValues:')) {
    qualifier = 'ForAllValues';
    rest = rest.slice('ForAllValues:'.length);
  }
  let ifExists = false;
  if (rest.endsWith('IfExists') && rest !== 'IfExists') {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  if (!OPERATORS.has(rest)) return undefined;
  // "You can add IfExists to the end of any condition operator name except the Null condition"; Null tests one key's presence, not a set.
  if (rest === 'Null' && (ifExists || qualifier !== undefined)) return undefined;
  return { base: rest as BaseOperator, qualifier, ifExists };
}

function validValue(base: BaseOperator, value: string): 'ok' | 'legacy' | 'syntax' {
  if (base.startsWith('Date')) return parseDate(value) === undefined ? 'legacy' : 'ok';
  if (base.startsWith('Numeric')) return parseNumber(value) === undefined ? 'syntax' : 'ok';
  if (base === 'IpAddress' || base === 'NotIpAddress') return parseCidr(value) === undefined ? 'syntax' : 'ok';
  if (base === 'BinaryEquals') return canonicalBase64(value) === undefined ? 'syntax' : 'ok';
  return 'ok';
}

/** The IAM message for a resource that is not an ARN IAM accepts (legacy: the resource failed legacy parsing instead). */
function resourceProblem(resource: string): { legacy: boolean; message?: string } | undefined {
  if (resource === '*') return undefined;
  // A policy variable's name has a colon of its own (`${aws:username}`); it is not an ARN separator.
  const parts = resource.replace(/\$\{[^}]*\}/g, 'v').split(':');
  if (parts.length < 2) return { legacy: false, message: `Resource ${resource} must be in ARN format or "*".` };
  const partition = parts[1]!;
  if (partition !== '*' && !PARTITIONS.has(partition)) {
    const rest = parts.slice(2);
    const seg = (i: number): string => (i === 0 ? (rest[0] !== undefined && (rest[0] !== '' || rest.length > 1) ? rest[0] : '*') : (rest[i] ?? '*'));
    const tail = rest.length > 3 ? rest.slice(3).join(':') : '*';
    return { legacy: false, message: `Partition "${partition}" is not valid for resource "arn:${partition}:${seg(0)}:${seg(1)}:${seg(2)}:${tail}".` };
  }
  if (parts.length < 3) return { legacy: false, message: 'Resource vendor must be fully qualified and cannot contain regexes.' };
  const vendor = parts[2]!;
  // IAM's legacy parser: an ARN with an empty vendor, or a `::` in an ARN of fewer than six parts.
  if (vendor === '' || (parts.length < 6 && resource.includes('::'))) return { legacy: true };
  if (/[*?]/.test(vendor)) return { legacy: false, message: 'Resource vendor must be fully qualified and cannot contain regexes.' };
  const region = parts[3] ?? '';
  const id = parts.slice(5).join(':');
  if (vendor === 's3' && region !== '' && !id.startsWith('accesspoint/'))
    return { legacy: false, message: `Resource ${resource} can not contain region information.` };
  if (vendor === 'iam') {
    if (region !== '') return { legacy: false, message: `IAM resource ${resource} cannot contain region information.` };
    if (id !== '*' && id !== 'root' && !IAM_RESOURCE_TYPES.some((t) => id.startsWith(t))) {
      return { legacy: false, message: `IAM resource path must either be "*", root, or start with ${IAM_RESOURCE_TYPES.join(', ')}.` };
    }
  }
  return undefined;
}

function actionProblem(action: string): string | undefined {
  if (action === '*') return undefined;
  const parts = action.split(':');
  if (parts.length === 1) return 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.';
  if (parts.length > 2) return 'Actions/Condition can contain only one colon.';
  const vendor = parts[0]!;
  if (vendor !== '*' && /[^a-zA-Z0-9\-.]/.test(vendor)) return `Vendor ${vendor} is not valid`;
  return undefined;
}

interface RawStatement {
  readonly raw: Obj;
  readonly statement: PolicyStatement;
}

class Validator {
  private readonly m: Messages;
  constructor(
    private readonly kind: PolicyKind,
    private readonly limits: PolicyLimits,
  ) {
    this.m = MESSAGES[kind];
  }

  private fail(message: string): never {
    throw new Fail(message);
  }

  /** IAM's words for a grammar error, then what is wrong (IAM itself says only the first part). */
  private syntaxMessage(why: string): string {
    return `${this.m.syntax} (${why})`;
  }

  run(json: string): PolicyDocument {
    const { maxSize } = this.limits;
    if (maxSize !== undefined && policySize(json) > maxSize) {
      throw new PolicyError(this.limits.sizeCode ?? this.m.code, this.limits.sizeMessage ?? `Cannot exceed quota for PolicySize: ${maxSize}`);
    }
    let parsed: JsonValue;
    try {
      parsed = parseJsonStrict(json);
    } catch {
      this.fail(this.m.json);
    }
    const { version, id, raws } = this.syntax(parsed);
    if (this.limits.requireCurrentVersion && version !== '2012-10-17') this.fail('Policy document must be version 2012-10-17 or greater.');
    this.legacy(raws);
    const resourceProblem = this.kind === 'trust' ? undefined : this.resourceFormats(raws);
    this.statements(raws, resourceProblem);
    return { version, id, statements: raws.map((r) => r.statement) };
  }

  /** Everything the grammar decides; any failure is the kind's syntax message. */
  private syntax(doc: JsonValue): { version: PolicyVersion | undefined; id: string | undefined; raws: RawStatement[] } {
    const bad = (why: string): never => this.fail(this.syntaxMessage(why));
    if (!isObject(doc)) bad('the document must be a JSON object');
    const top = doc as Obj;
    for (const k of Object.keys(top)) if (!TOP_LEVEL.has(k)) bad(`unknown element "${k}"`);
    const v = top.Version;
    let version: PolicyVersion | undefined;
    if (v !== undefined) {
      if (v !== '2012-10-17' && v !== '2008-10-17') bad(`unknown Version ${JSON.stringify(v)}: use "2012-10-17"`);
      version = v as PolicyVersion;
    }
    const idValue = top.Id;
    if (idValue !== undefined && typeof idValue !== 'string') bad('Id must be a string');
    const st = top.Statement;
    if (st === undefined) bad('no Statement');
    const list = isObject(st) ? [st] : Array.isArray(st) ? st : bad('Statement must be an object or an array');
    if (list.length === 0) this.fail(this.m.emptyStatement);
    const raws = list.map((s, i) => (isObject(s) ? { raw: s, statement: this.statementSyntax(s, i + 1) } : bad(`statement ${i + 1} is not an object`)));
    return { version, id: idValue as string | undefined, raws };
  }

  private statementSyntax(s: Obj, n: number): PolicyStatement {
    const bad = (why: string): never => this.fail(this.syntaxMessage(`statement ${n}: ${why}`));
    for (const k of Object.keys(s)) if (!STATEMENT_KEYS.has(k)) bad(`unknown element "${k}"`);
    const both = (a: string, b: string): boolean => s[a] !== undefined && s[b] !== undefined;
    for (const [a, b] of [
      ['Action', 'NotAction'],
      ['Resource', 'NotResource'],
      ['Principal', 'NotPrincipal'],
    ] as const) {
      if (both(a, b)) bad(`${a} and ${b} cannot both be given`);
    }
    const effect = s.Effect;
    if (typeof effect !== 'string' || (effect.toLowerCase() !== 'allow' && effect.toLowerCase() !== 'deny')) {
      bad(`Effect must be "Allow" or "Deny", not ${effect === undefined ? 'missing' : JSON.stringify(effect)}`);
    }
    const sid = s.Sid;
    if (sid !== undefined && typeof sid !== 'string') bad('Sid must be a string');
    const list = (key: string): string[] | undefined => {
      const v = s[key];
      if (v === undefined) return undefined;
      return stringList(v) ?? bad(`${key} must be a string or an array of strings`);
    };
    const out: {
      -readonly [K in keyof PolicyStatement]: PolicyStatement[K];
    } = { sid: sid as string | undefined, effect: effect as Effect, conditions: [] };
    const action = list('Action');
    if (action) out.action = action;
    const notAction = list('NotAction');
    if (notAction) out.notAction = notAction;
    const resource = list('Resource');
    if (resource) out.resource = resource;
    const notResource = list('NotResource');
    if (notResource) out.notResource = notResource;
    if (s.Principal !== undefined) out.principal = this.principalSyntax(s.Principal);
    if (s.NotPrincipal !== undefined) out.notPrincipal = this.principalSyntax(s.NotPrincipal);
    if (s.Condition !== undefined) out.conditions = this.conditionSyntax(s.Condition, n);
    return out;
  }

  private principalSyntax(p: JsonValue): PrincipalSpec {
    if (p === '*') return '*';
    if (!isObject(p)) this.fail(this.m.syntax);
    const out: { [T in PrincipalType]?: string[] } = {};
    for (const [type, value] of Object.entries(p)) {
      const values = stringList(value);
      if (values === undefined) this.fail(this.m.syntax);
      if (!PRINCIPAL_TYPES.has(type)) this.fail(this.m.invalidPrincipal(type, values.join(',')));
      out[type as PrincipalType] = values;
    }
    return out;
  }

  private conditionSyntax(c: JsonValue, n: number): ConditionClause[] {
    const bad = (why: string): never => this.fail(this.syntaxMessage(`statement ${n}: ${why}`));
    if (!isObject(c)) bad('Condition must be an object');
    const out: ConditionClause[] = [];
    for (const [operator, block] of Object.entries(c as Obj)) {
      if (!isObject(block)) bad(`Condition operator ${operator} must map keys to values`);
      const entries = Object.entries(block as Obj);
      const op = parseOperator(operator);
      if (op === undefined) {
        // IAM accepts an unknown operator only with nothing under it.
        if (entries.length > 0) bad(`unknown Condition operator "${operator}"`);
        continue;
      }
      for (const [key, raw] of entries) {
        const values = conditionValues(raw) ?? bad(`the values of ${operator} ${key} must be strings, numbers or booleans`);
        for (const v of values) if (validValue(op.base, v) === 'syntax') bad(`${JSON.stringify(v)} is not a valid value for ${operator}`);
        out.push({ operator, base: op.base, qualifier: op.qualifier, ifExists: op.ifExists, key, values });
      }
    }
    return out;
  }

  /** IAM's legacy parser: Effect must be cased exactly, dates must parse. */
  private legacy(raws: readonly RawStatement[]): void {
    for (const { statement } of raws) {
      if (statement.effect !== 'Allow' && statement.effect !== 'Deny') this.fail(LEGACY);
      for (const c of statement.conditions) for (const v of c.values) if (validValue(c.base, v) === 'legacy') this.fail(LEGACY);
    }
  }

  /**
   * Resource formats, as IAM checks them: each statement's resources in reverse-sorted order, Resource elements before
   * NotResource elements; the last format problem found is the one reported (later, after the action and resource
   * presence checks), and a statement is put through the legacy parser only while no format problem has been found.
   */
  private resourceFormats(raws: readonly RawStatement[]): string | undefined {
    let problem: string | undefined;
    for (const element of ['resource', 'notResource'] as const) {
      for (const { statement } of raws) {
        const list = statement[element];
        if (list === undefined) continue;
        let legacy = false;
        for (const r of [...list].sort().reverse()) {
          const p = resourceProblem(r);
          if (p?.message !== undefined) problem = p.message;
          else if (p?.legacy) legacy = true;
        }
        if (problem === undefined && legacy) this.fail(this.m.invalidResource ?? LEGACY);
      }
    }
    return problem;
  }

  private statements(raws: readonly RawStatement[], resourceProblem: string | undefined): void {
    const m = this.m;
    const kind = this.kind;
    const statements = raws.map((r) => r.statement);
    const iamLike = kind !== 'resource';
    // Principals: identity and session policies must not name one; trust and resource policies must.
    for (const s of statements) {
      const named = s.principal !== undefined || s.notPrincipal !== undefined;
      if (kind === 'identity' || kind === 'session') {
        if (named) this.fail('Policy document should not specify a principal.');
        continue;
      }
      if (!named) this.fail(m.principalMissing);
      const spec = (s.principal ?? s.notPrincipal)!;
      if (spec !== '*') {
        const types = Object.entries(spec) as [PrincipalType, readonly string[]][];
        if (types.length === 0 || types.every(([, v]) => v.length === 0)) this.fail(m.principalEmpty);
        for (const [type, values] of types) for (const v of values) if (!this.principalValueOk(type, v)) this.fail(m.invalidPrincipal(type, v));
      }
      if (kind === 'trust' && s.notPrincipal !== undefined && s.effect === 'Allow') this.fail('Allow with NotPrincipal is not allowed.');
    }
    // Statement ids.
    const seen = new Set<string>();
    for (const s of statements) {
      if (s.sid === undefined || s.sid === '') continue;
      if (seen.has(s.sid)) this.fail('Statement IDs (SID) in a single policy must be unique.');
      seen.add(s.sid);
    }
    if (iamLike) {
      for (const s of statements) {
        if (s.sid !== undefined && !SID.test(s.sid)) {
          this.fail('Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*');
        }
      }
    }
    // Actions.
    for (const s of statements) {
      const actions = s.action ?? s.notAction;
      if (actions === undefined || actions.length === 0) this.fail(m.actionsMissing);
    }
    // Resources.
    if (kind === 'trust') {
      for (const s of statements) {
        if (s.resource !== undefined) this.fail('Has prohibited field Resource');
        if (s.notResource !== undefined) this.fail('AssumeRole policy must not contain resources.');
      }
    } else {
      for (const s of statements) {
        const resources = s.resource ?? s.notResource;
        if (resources === undefined || resources.length === 0) this.fail(m.resourcesMissing);
      }
      if (resourceProblem !== undefined) this.fail(m.invalidResource ?? resourceProblem);
    }
    for (const s of statements) {
      for (const a of s.action ?? s.notAction ?? []) {
        const problem = actionProblem(a);
        if (problem !== undefined) this.fail(m.invalidAction ?? problem);
      }
    }
    if (kind === 'trust') {
      for (const s of statements)
        for (const a of s.action ?? s.notAction ?? []) if (!TRUST_ACTIONS.test(a)) this.fail('AssumeRole policy may only specify STS AssumeRole actions.');
    }
  }

  private principalValueOk(type: PrincipalType, v: string): boolean {
    // "You cannot use a wildcard to match part of a principal name or ARN."
    if (v !== '*' && /[*?]/.test(v)) return false;
    switch (type) {
      case 'AWS':
        return v === '*' || ACCOUNT.test(v) || AWS_PRINCIPAL.test(v);
      case 'CanonicalUser':
        return /^[0-9a-fA-F]{64}$/.test(v);
      case 'Service':
        return /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(v) || /^[a-z0-9.-]+\.amazon\.com$/.test(v);
      case 'Federated':
        return v !== '*' && v.length > 0;
    }
  }
}

/**
 * Parses and validates a policy as IAM (or S3) does when it is stored; throws PolicyError naming what is wrong.
 * `limits` is the size quota (POLICY_LIMITS) and, for managed policies, the Version requirement.
 */
export function validatePolicy(json: string, kind: PolicyKind, limits: PolicyLimits = {}): PolicyDocument {
  try {
    return new Validator(kind, limits).run(json);
  } catch (e) {
    if (e instanceof Fail) throw new PolicyError(MESSAGES[kind].code, e.message);
    throw e;
  }
}

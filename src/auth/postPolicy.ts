/**
 * Browser-based uploads (POST Object): the policy document, its condition
 * matching and the form signatures. Pure functions, no I/O.
 *
 * A form is signed by signing its base64 `policy` field as sent:
 * - SigV4: x-amz-signature = hex HMAC-SHA256(signingKey(secret, date, region, 's3'), policy),
 *   with x-amz-algorithm, x-amz-credential (AK/date/region/s3/aws4_request) and x-amz-date;
 * - SigV2: signature = base64 HMAC-SHA1(secret, policy), with AWSAccessKeyId.
 *
 * The policy (`{"expiration": ISO date, "conditions": [...]}`) then says what
 * the form may hold: every field but the signature, the file, the policy and
 * `x-ignore-*` fields must be named by a condition, and every condition must
 * hold. Field names match case-insensitively; values case-sensitively.
 */
import { createHmac } from 'node:crypto';
import { S3Error } from '../errors/s3error.js';
import { ALGORITHM, TERMINATOR, parseAmzDate, safeEqual, sign, signingKey } from './sigv4.js';

export type PostCondition =
  | { op: 'eq'; field: string; value: string; text: string }
  | { op: 'starts-with'; field: string; value: string; text: string }
  | { op: 'content-length-range'; min: number; max: number; text: string };

export interface PostPolicy {
  /** Milliseconds since the epoch. */
  expiration: number;
  conditions: PostCondition[];
}

/** Form fields that no condition needs to name. */
const EXEMPT = new Set(['x-amz-signature', 'signature', 'awsaccesskeyid', 'file', 'policy']);

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function invalid(detail: string): S3Error {
  return new S3Error('InvalidPolicyDocument', `Invalid Policy: ${detail}`);
}

function denied(detail: string): S3Error {
  return new S3Error('AccessDenied', `Invalid according to Policy: ${detail}`);
}

/** `["eq", "$key", "a"]`, as AWS quotes a condition in its messages. */
function conditionText(parts: readonly unknown[]): string {
  return `[${parts.map((p) => JSON.stringify(p)).join(', ')}]`;
}

function fieldName(raw: unknown, condition: unknown): string {
  if (typeof raw !== 'string' || !raw.startsWith('$') || raw.length < 2) {
    throw invalid(`Invalid Condition: the field of ${JSON.stringify(condition)} must be a string starting with '$'.`);
  }
  return raw.slice(1).toLowerCase();
}

function lengthBound(v: unknown, condition: unknown): number {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw invalid(`Invalid 'content-length-range' condition: ${JSON.stringify(condition)}`);
  }
  return n;
}

function parseCondition(c: unknown): PostCondition[] {
  if (Array.isArray(c)) {
    const op = typeof c[0] === 'string' ? c[0].toLowerCase() : undefined;
    if (op === 'content-length-range') {
      if (c.length !== 3) throw invalid(`Invalid 'content-length-range' condition: ${JSON.stringify(c)}`);
      const min = lengthBound(c[1], c);
      const max = lengthBound(c[2], c);
      return [{ op, min, max, text: conditionText([op, min, max]) }];
    }
    if (op === 'eq' || op === 'starts-with') {
      if (c.length !== 3) throw invalid(`Invalid Condition: '${op}' takes a field and a value: ${JSON.stringify(c)}`);
      const field = fieldName(c[1], c);
      if (typeof c[2] !== 'string') throw invalid(`Invalid Condition: the value of ${JSON.stringify(c)} must be a string.`);
      return [{ op, field, value: c[2], text: conditionText([op, c[1], c[2]]) }];
    }
    throw invalid(`Invalid Condition: unknown operation in ${JSON.stringify(c)}`);
  }
  if (c !== null && typeof c === 'object') {
    const entries = Object.entries(c as Record<string, unknown>);
    if (entries.length !== 1) throw invalid('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
    const [name, value] = entries[0]!;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw invalid(`Invalid Simple-Condition: the value of ${JSON.stringify(name)} must be a string.`);
    }
    const field = (name.startsWith('$') ? name.slice(1) : name).toLowerCase();
    return [{ op: 'eq', field, value: String(value), text: conditionText(['eq', `$${name.replace(/^\$/, '')}`, String(value)]) }];
  }
  throw invalid(`Invalid Condition: ${JSON.stringify(c)}`);
}

/**
 * Decodes and validates a base64 policy document. Anything malformed throws
 * S3Error('InvalidPolicyDocument') with an 'Invalid Policy: ...' message.
 */
export function parsePostPolicy(policyBase64: string): PostPolicy {
  const compact = policyBase64.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw invalid('Invalid JSON.');
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(compact, 'base64').toString('utf8'));
  } catch {
    throw invalid('Invalid JSON.');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw invalid('Invalid JSON.');
  const { expiration, conditions } = doc as { expiration?: unknown; conditions?: unknown };
  if (expiration === undefined) throw invalid('Policy missing expiration.');
  if (typeof expiration !== 'string' || !ISO_DATE.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw invalid(`Invalid 'expiration' value: '${String(expiration)}'`);
  }
  if (conditions === undefined) throw invalid('Policy missing conditions.');
  if (!Array.isArray(conditions)) throw invalid("Invalid 'conditions' value: must be a List.");
  return { expiration: Date.parse(expiration), conditions: conditions.flatMap(parseCondition) };
}

export interface PolicyCheckInput {
  /** Form fields as received (before the file), names as sent. */
  fields: ReadonlyArray<readonly [string, string]>;
  /** The values conditions are judged against, by lower-case name (the key with ${filename} expanded, first of repeated fields). */
  values: ReadonlyMap<string, string>;
  /** The bucket the form was posted to: what a `bucket` condition is judged against. */
  bucket: string;
  now: number;
}

export interface LengthRange {
  min: number;
  max: number;
}

/** True when the field a condition names holds a value it allows. */
function holds(c: Exclude<PostCondition, { op: 'content-length-range' }>, value: string): boolean {
  if (c.op === 'eq') return value === c.value;
  // A Content-Type may be a comma-separated list: each entry must match.
  if (c.field === 'content-type' && value.includes(',')) {
    return value.split(',').every((v) => v.trim().startsWith(c.value));
  }
  return value.startsWith(c.value);
}

/**
 * Judges a form against its policy: expiry, extra fields, then each
 * condition. Throws S3Error('AccessDenied', 'Invalid according to Policy:
 * ...') on the first failure. Returns the allowed file length range
 * (intersected over content-length-range conditions), undefined when none.
 */
export function checkPostPolicy(policy: PostPolicy, input: PolicyCheckInput): LengthRange | undefined {
  if (input.now > policy.expiration) throw denied('Policy expired.');
  const named = new Set<string>();
  for (const c of policy.conditions) if (c.op !== 'content-length-range') named.add(c.field);
  const extra: string[] = [];
  for (const [name] of input.fields) {
    const lower = name.toLowerCase();
    if (EXEMPT.has(lower) || lower.startsWith('x-ignore-') || named.has(lower)) continue;
    if (!extra.includes(name)) extra.push(name);
  }
  if (extra.length > 0) throw denied(`Extra input fields: ${extra.join(', ')}`);
  let range: LengthRange | undefined;
  for (const c of policy.conditions) {
    if (c.op === 'content-length-range') {
      range = range ? { min: Math.max(range.min, c.min), max: Math.min(range.max, c.max) } : { min: c.min, max: c.max };
      continue;
    }
    const value = c.field === 'bucket' ? input.bucket : (input.values.get(c.field) ?? '');
    if (!holds(c, value)) throw denied(`Policy Condition failed: ${c.text}`);
  }
  return range;
}

// ---------------------------------------------------------------------------
// Signatures

export interface PostSignatureV4 {
  version: 4;
  accessKey: string;
  /** YYYYMMDD of the credential scope. */
  date: string;
  region: string;
  service: string;
  amzDate: string;
  signature: string;
  policy: string;
}

export interface PostSignatureV2 {
  version: 2;
  accessKey: string;
  signature: string;
  policy: string;
}

export type PostSignature = PostSignatureV4 | PostSignatureV2;

function missing(name: string): S3Error {
  return new S3Error('InvalidArgument', `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, {
    ArgumentName: name,
    ArgumentValue: '',
  });
}

/**
 * The signature a form claims, from its fields by lower-case name; undefined
 * for an unsigned (anonymous) form. A form that starts to sign and leaves out
 * a field throws S3Error('InvalidArgument').
 */
export function readPostSignature(values: ReadonlyMap<string, string>): PostSignature | undefined {
  const v4 = ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature'];
  if (v4.some((n) => values.has(n))) {
    for (const n of v4) if (!values.has(n)) throw missing(n);
    const algorithm = values.get('x-amz-algorithm')!;
    if (algorithm !== ALGORITHM) {
      throw new S3Error('InvalidArgument', `x-amz-algorithm only supports "${ALGORITHM}"`, { ArgumentName: 'x-amz-algorithm', ArgumentValue: algorithm });
    }
    const policy = values.get('policy');
    if (policy === undefined) throw missing('policy');
    const credential = values.get('x-amz-credential')!;
    const parts = credential.split('/');
    const malformed = () =>
      new S3Error(
        'AuthorizationQueryParametersError',
        `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/${TERMINATOR}".`,
      );
    if (parts.length < 5) throw malformed();
    const terminator = parts[parts.length - 1]!;
    const service = parts[parts.length - 2]!;
    const region = parts[parts.length - 3]!;
    const date = parts[parts.length - 4]!;
    const accessKey = parts.slice(0, parts.length - 4).join('/');
    if (accessKey === '' || region === '' || service === '' || !/^\d{8}$/.test(date)) throw malformed();
    if (terminator !== TERMINATOR) {
      throw new S3Error(
        'AuthorizationQueryParametersError',
        `Error parsing the X-Amz-Credential parameter; incorrect terminal "${terminator}". This endpoint uses "${TERMINATOR}".`,
      );
    }
    const amzDate = values.get('x-amz-date')!;
    if (!parseAmzDate(amzDate)) {
      throw new S3Error('InvalidArgument', "x-amz-date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"", {
        ArgumentName: 'x-amz-date',
        ArgumentValue: amzDate,
      });
    }
    return { version: 4, accessKey, date, region, service, amzDate, signature: values.get('x-amz-signature')!, policy };
  }
  if (values.has('awsaccesskeyid') || values.has('signature')) {
    for (const n of ['awsaccesskeyid', 'signature', 'policy']) if (!values.has(n)) throw missing(n === 'awsaccesskeyid' ? 'AWSAccessKeyId' : n);
    return { version: 2, accessKey: values.get('awsaccesskeyid')!, signature: values.get('signature')!, policy: values.get('policy')! };
  }
  return undefined;
}

/** The signature a form signed with `secret` must carry. */
export function postSignature(sig: PostSignature, secret: string): string {
  if (sig.version === 4) return sign(signingKey(secret, sig.date, sig.region, sig.service), sig.policy);
  return createHmac('sha1', secret).update(sig.policy, 'utf8').digest('base64');
}

/** Constant-time check of a form's signature. */
export function verifyPostSignature(sig: PostSignature, secret: string): boolean {
  return safeEqual(postSignature(sig, secret), sig.signature);
}

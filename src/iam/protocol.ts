/**
 * The AWS Query protocol that IAM and STS speak: `Action=…&Version=…`
 * parameters (a form body or the query string), `<XResponse><XResult>…`
 * answers with `<ResponseMetadata><RequestId>`, lists of `<member>`,
 * IsTruncated/Marker paging, and errors in the `<ErrorResponse>` envelope.
 * An action is a value (QueryAction) like an S3 operation: the permissions
 * it needs, and a `run` that calls domain services and returns its result.
 */
import type { RequestFacts } from '../auth/authorize.js';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import { DomainError } from '../core/errors.js';
import type { Services } from '../core/services.js';
import type { Permission } from '../s3/operation.js';
import { escapeXml, toXml, type XmlObject, type XmlValue } from '../xml/xml.js';

export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** An error of the Query protocol: its code, HTTP status, and whether the sender or the receiver is at fault. */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

/** AWS's status for each IAM and STS error code Cairn answers with. */
const STATUS: Readonly<Record<string, number>> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  LimitExceeded: 409,
  ValidationError: 400,
  InvalidInput: 400,
  MalformedPolicyDocument: 400,
  AccessDenied: 403,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 400,
  MissingAuthenticationToken: 403,
  ExpiredToken: 403,
  InvalidAction: 400,
  MissingAction: 400,
  InvalidParameterValue: 400,
  MissingParameter: 400,
  RegionDisabledException: 403,
  PackedPolicyTooLarge: 400,
};

/** A Query error with AWS's status for its code. */
export function queryError(code: string, message: string): QueryError {
  return new QueryError(code, STATUS[code] ?? 400, message);
}

/** The Query error a domain error answers as (IAM codes as they are; S3-only codes as InvalidInput). */
export function fromDomain(e: DomainError): QueryError {
  switch (e.code) {
    case 'NoSuchEntity':
    case 'EntityAlreadyExists':
    case 'DeleteConflict':
    case 'LimitExceeded':
    case 'ValidationError':
    case 'InvalidInput':
    case 'MalformedPolicyDocument':
    case 'AccessDenied':
      return queryError(e.code, e.message);
    default:
      return queryError('InvalidInput', e.message);
  }
}

/** `1 validation error detected: Value 'x' at 'userName' failed to satisfy constraint: ...`, as AWS words it. */
export function validationError(field: string, value: string | undefined, constraint: string): QueryError {
  const shown = value === undefined ? 'null' : `'${value}'`;
  return queryError('ValidationError', `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`);
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** A request's parameters, with the typed reads actions need (each failing as AWS does). */
export class Params {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  required(name: string): string {
    const v = this.values.get(name);
    if (v === undefined) throw validationError(lowerFirst(name), undefined, 'Member must not be null');
    return v;
  }

  /** A string parameter that must match `pattern` and be 1..max long (names, paths). */
  name(param: string, pattern: RegExp, max: number, required: true): string;
  name(param: string, pattern: RegExp, max: number, required?: false): string | undefined;
  name(param: string, pattern: RegExp, max: number, required = false): string | undefined {
    const v = required ? this.required(param) : this.get(param);
    if (v === undefined) return undefined;
    if (v.length < 1 || v.length > max) {
      throw validationError(lowerFirst(param), v, `Member must have length ${v.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${max}`}`);
    }
    if (!pattern.test(v)) throw validationError(lowerFirst(param), v, `Member must satisfy regular expression pattern: ${patternText(pattern)}`);
    return v;
  }

  int(name: string, min: number, max: number): number | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw validationError(lowerFirst(name), v, 'Member must be a number');
    const n = Number(v);
    if (n < min) throw validationError(lowerFirst(name), v, `Member must have value greater than or equal to ${min}`);
    if (n > max) throw validationError(lowerFirst(name), v, `Member must have value less than or equal to ${max}`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    if (v.toLowerCase() === 'true') return true;
    if (v.toLowerCase() === 'false') return false;
    throw validationError(lowerFirst(name), v, 'Member must be a boolean');
  }

  /** One of `allowed`. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.values.get(name);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) throw validationError(lowerFirst(name), v, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    return v as T;
  }

  /** A list parameter: `Name.member.1`, `Name.member.2`, … (in order, stopping at the first gap). */
  members(name: string): string[] {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const v = this.values.get(`${name}.member.${i}`);
      if (v === undefined) break;
      out.push(v);
    }
    return out;
  }

  /** `Tags.member.N.Key` / `.Value`, checked as IAM checks tags. */
  tags(name = 'Tags'): Array<{ Key: string; Value: string }> {
    const out: Array<{ Key: string; Value: string }> = [];
    for (let i = 1; ; i++) {
      const key = this.values.get(`${name}.member.${i}.Key`);
      if (key === undefined) break;
      const value = this.values.get(`${name}.member.${i}.Value`) ?? '';
      if (key.length < 1 || key.length > 128 || !TAG_RE.test(key)) {
        throw validationError(`tags.${i}.member.key`, key, 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+');
      }
      if (value.length > 256 || !TAG_VALUE_RE.test(value)) {
        throw validationError(`tags.${i}.member.value`, value, 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*');
      }
      if (key.toLowerCase().startsWith('aws:')) throw queryError('InvalidInput', 'User-defined tag keys can not start with "aws:".');
      out.push({ Key: key, Value: value });
    }
    if (out.length > 50) throw validationError(lowerFirst(name), undefined, 'Member must have length less than or equal to 50');
    const seen = new Set<string>();
    for (const t of out) {
      const k = t.Key.toLowerCase();
      if (seen.has(k)) throw queryError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
      seen.add(k);
    }
    return out;
  }
}

const TAG_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function patternText(re: RegExp): string {
  return re.source.replace(/^\^/, '').replace(/\$$/, '');
}

/** IAM's name and path rules (the API reference's patterns). */
export const NAMES = {
  /** UserName, RoleName: `[\w+=,.@-]+`, up to 64. */
  user: /^[\w+=,.@-]+$/,
  /** GroupName, PolicyName: same characters, up to 128. */
  group: /^[\w+=,.@-]+$/,
  /** Path: `/` or `/…/` of printable ASCII, up to 512. */
  path: /^(?:\/|\/[\x21-\x7e]+\/)$/,
  /** PathPrefix: starts with `/`. */
  pathPrefix: /^\/[\x21-\x7e]*$/,
  /** RoleSessionName. */
  session: /^[\w+=,.@-]+$/,
  /** An access key id. */
  accessKey: /^[\w]+$/,
  /** A policy version id: v1, v2, … */
  versionId: /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/,
} as const;

/** What actions may use: configuration, the clock and the domain services. */
export interface QueryContext {
  readonly config: Config;
  readonly clock: () => number;
  readonly services: Services;
}

/** A request as an action sees it: who signed it, its parameters, and facts for STS's checks. */
export interface QueryRequest {
  readonly id: string;
  readonly principal: Principal;
  readonly params: Params;
  /** What the request tells condition keys (aws:SourceIp, aws:SecureTransport, ...). */
  readonly facts: RequestFacts;
  /** Asks the evaluator about a permission beyond the action's declared ones (AssumeRole's identity side). */
  allowed(p: Permission): boolean;
  /** The same, telling an explicit Deny ('Deny') from nothing allowing it (undefined). */
  decision(p: Permission): 'Allow' | 'Deny' | undefined;
}

/** An IAM or STS action: its name, the permissions it needs, and what it does. */
export interface QueryAction {
  readonly name: string;
  /** What the caller needs (an `iam:` or `sts:` action on a resource ARN); none: anyone signed may call it. */
  permissions(ctx: QueryContext, req: QueryRequest): readonly Permission[];
  /** The `<XResult>` body; undefined for actions that answer only ResponseMetadata. */
  run(ctx: QueryContext, req: QueryRequest): Promise<XmlObject | undefined> | XmlObject | undefined;
}

/** Declares an action (a typed identity). */
export function action(a: QueryAction): QueryAction {
  return a;
}

/** `<XResponse xmlns><XResult>…</XResult><ResponseMetadata><RequestId/></ResponseMetadata></XResponse>`. */
export function renderResponse(name: string, xmlns: string, result: XmlObject | undefined, requestId: string): string {
  const body: XmlObject = {};
  if (result !== undefined) body[`${name}Result`] = result;
  body.ResponseMetadata = { RequestId: requestId };
  return toXml(`${name}Response`, body, xmlns);
}

/** `<ErrorResponse xmlns><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function renderError(e: QueryError, xmlns: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlns}"><Error><Type>${e.type}</Type>` +
    `<Code>${escapeXml(e.code)}</Code><Message>${escapeXml(e.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

/** A list as `<member>` elements. */
export function members(items: readonly XmlValue[]): XmlObject {
  return { member: items as XmlValue[] };
}

/**
 * One page of a list: MaxItems (1..1000, default 100) items after Marker
 * (an opaque token naming the first item of the page), with IsTruncated and
 * the next Marker. Items are ordered by their key.
 */
export function page<T>(all: readonly T[], params: Params, keyOf: (t: T) => string): { items: T[]; truncation: XmlObject } {
  const items = [...all].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const max = params.int('MaxItems', 1, 1000) ?? 100;
  const marker = params.get('Marker');
  let start = 0;
  if (marker !== undefined) {
    const from = Buffer.from(marker, 'base64url').toString('utf8');
    start = items.findIndex((t) => keyOf(t) >= from);
    if (start === -1) start = items.length;
  }
  const slice = items.slice(start, start + max);
  const next = items[start + max];
  return {
    items: slice,
    truncation: next === undefined ? { IsTruncated: false } : { IsTruncated: true, Marker: Buffer.from(keyOf(next), 'utf8').toString('base64url') },
  };
}

/** Dates as IAM writes them: ISO 8601 in UTC, to the second. */
export function iamDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * CORS: a bucket's CORSConfiguration as AWS validates it, and the rule
 * matching S3 does for a preflight (OPTIONS) and for an actual request that
 * carries Origin. Matching is pure (unit-tested); `actualRequestHeaders` is
 * the one lookup the pipeline makes per request with an Origin — the bucket
 * and its configuration come from the repositories' caches, and a request
 * without Origin never gets here.
 */
import { S3Error } from '../errors/s3error.js';
import { parseXmlInt, type XmlObject } from '../xml/xml.js';
import type { OpContext } from './operation.js';

export interface CorsRule {
  id?: string;
  origins: string[];
  methods: string[];
  headers: string[];
  expose: string[];
  maxAge?: number;
}

/** The methods a CORS rule may allow (AWS's list). */
export const CORS_METHODS: readonly string[] = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];

/** The Vary S3 answers CORS requests with. */
export const CORS_VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

export const CORS_LISTS = [
  'CORSConfiguration.CORSRule',
  'CORSConfiguration.CORSRule.AllowedOrigin',
  'CORSConfiguration.CORSRule.AllowedMethod',
  'CORSConfiguration.CORSRule.AllowedHeader',
  'CORSConfiguration.CORSRule.ExposeHeader',
];

const RULE_ELEMENTS = new Set(['ID', 'AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader', 'MaxAgeSeconds']);
const MAX_RULES = 100;

function strings(v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new S3Error('MalformedXML');
  return v as string[];
}

const wildcards = (s: string) => s.split('*').length - 1;

/** White space between elements (an indented document), which is not content. */
const whitespace = (k: string, v: unknown) => k === '#text' && typeof v === 'string' && v.trim() === '';

/**
 * A parsed CORSConfiguration as AWS validates it: the structure first (1 to
 * 100 rules, each with an AllowedOrigin and an AllowedMethod, no unknown
 * element, at most one ID of up to 255 characters and one MaxAgeSeconds):
 * MalformedXML; then, rule by rule, the methods, the origins' and headers'
 * wildcards, and ExposeHeader without any: InvalidRequest.
 */
export function parseCors(doc: Record<string, unknown>): CorsRule[] {
  for (const k of Object.keys(doc)) if (k !== 'CORSRule' && !whitespace(k, doc[k])) throw new S3Error('MalformedXML');
  const raw = doc.CORSRule;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_RULES) throw new S3Error('MalformedXML');
  const rules = raw.map((r: unknown): CorsRule => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new S3Error('MalformedXML');
    const o = r as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!RULE_ELEMENTS.has(k) && !whitespace(k, o[k])) throw new S3Error('MalformedXML');
    const origins = strings(o.AllowedOrigin);
    const methods = strings(o.AllowedMethod);
    if (origins.length === 0 || methods.length === 0) throw new S3Error('MalformedXML');
    const rule: CorsRule = { origins, methods, headers: strings(o.AllowedHeader), expose: strings(o.ExposeHeader) };
    if (o.ID !== undefined) {
      if (typeof o.ID !== 'string' || [...o.ID].length > 255) throw new S3Error('MalformedXML');
      rule.id = o.ID;
    }
    if (o.MaxAgeSeconds !== undefined) {
      const n = parseXmlInt(o.MaxAgeSeconds);
      if (n < 0) throw new S3Error('MalformedXML');
      rule.maxAge = n;
    }
    return rule;
  });
  for (const r of rules) {
    for (const m of r.methods) {
      if (!CORS_METHODS.includes(m)) throw new S3Error('InvalidRequest', `Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
    }
    for (const o of r.origins) if (wildcards(o) > 1) throw new S3Error('InvalidRequest', `AllowedOrigin "${o}" can not have more than one wildcard.`);
    for (const h of r.headers) if (wildcards(h) > 1) throw new S3Error('InvalidRequest', `AllowedHeader "${h}" can not have more than one wildcard.`);
    for (const h of r.expose) {
      if (h.includes('*')) throw new S3Error('InvalidRequest', `ExposeHeader "${h}" contains wildcard. We currently do not support wildcard for ExposeHeader.`);
    }
  }
  return rules;
}

/** The stored rules as GetBucketCors answers them (AWS's element order). */
export function renderCors(rules: readonly CorsRule[]): XmlObject {
  return {
    CORSRule: rules.map((r) => ({
      ID: r.id,
      AllowedMethod: r.methods,
      AllowedOrigin: r.origins,
      AllowedHeader: r.headers.length ? r.headers : undefined,
      MaxAgeSeconds: r.maxAge,
      ExposeHeader: r.expose.length ? r.expose : undefined,
    })),
  } as XmlObject;
}

/** A pattern with at most one `*` (matching any text, also none) against a value; anchored at both ends. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === value;
  const pre = pattern.slice(0, star);
  const post = pattern.slice(star + 1);
  return value.length >= pre.length + post.length && value.startsWith(pre) && value.endsWith(post);
}

export interface CorsMatch {
  rule: CorsRule;
  /** `*` when the rule allows every origin, else the request's origin. */
  allowOrigin: string;
}

/**
 * The first rule that allows `origin` (case-sensitive, one wildcard),
 * `method` (exact) and, for a preflight, every requested header (without
 * regard to case, wildcards allowed).
 */
export function matchCors(rules: readonly CorsRule[], origin: string, method: string, requestHeaders?: readonly string[]): CorsMatch | undefined {
  for (const rule of rules) {
    if (!rule.methods.includes(method)) continue;
    if (!rule.origins.some((p) => wildcardMatch(p, origin))) continue;
    if (requestHeaders && requestHeaders.length > 0) {
      const allowed = rule.headers.map((h) => h.trim().toLowerCase());
      if (!requestHeaders.every((h) => allowed.some((p) => wildcardMatch(p, h)))) continue;
    }
    return { rule, allowOrigin: rule.origins.includes('*') ? '*' : origin };
  }
  return undefined;
}

/** Access-Control-Request-Headers as names: split on commas, trimmed, lower-cased, empty items dropped. */
export function requestedHeaders(v: string | undefined): string[] {
  if (v === undefined) return [];
  return v
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

/** The response headers of a matched rule, in S3's order (Allow-Headers only for a preflight that asked). */
export function corsResponseHeaders(m: CorsMatch, requestHeaders?: readonly string[]): Record<string, string> {
  const h: Record<string, string> = {
    'access-control-allow-origin': m.allowOrigin,
    'access-control-allow-methods': m.rule.methods.join(', '),
  };
  if (requestHeaders && requestHeaders.length > 0) h['access-control-allow-headers'] = requestHeaders.join(', ');
  if (m.rule.expose.length > 0) h['access-control-expose-headers'] = m.rule.expose.join(', ');
  if (m.rule.maxAge !== undefined) h['access-control-max-age'] = String(m.rule.maxAge);
  if (m.allowOrigin !== '*') h['access-control-allow-credentials'] = 'true';
  h.vary = CORS_VARY;
  return h;
}

const NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

export interface Preflight {
  origin?: string;
  /** Access-Control-Request-Method. */
  method?: string;
  /** Access-Control-Request-Headers, as sent. */
  headers?: string;
  /** The URL names an object (ResourceType OBJECT) or the bucket. */
  object: boolean;
}

/**
 * S3's answer to a preflight, given the bucket's rules (undefined: the
 * bucket has no configuration; null: there is no such bucket): the headers
 * of the first matching rule, or BadRequest (no Origin; no or a wrong
 * Access-Control-Request-Method) or AccessForbidden (no such bucket, no
 * configuration, no rule matches).
 */
export function preflightHeaders(rules: readonly CorsRule[] | undefined | null, p: Preflight): Record<string, string> {
  if (!p.origin) throw new S3Error('BadRequest', 'Insufficient information. Origin request header needed.');
  if (rules === null) throw new S3Error('AccessForbidden', 'CORSResponse: Bucket not found', { Method: p.method ?? 'OPTIONS', ResourceType: 'BUCKET' });
  if (rules === undefined) {
    throw new S3Error('AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.', { Method: p.method ?? 'OPTIONS', ResourceType: 'BUCKET' });
  }
  if (p.method === undefined || !CORS_METHODS.includes(p.method))
    throw new S3Error('BadRequest', `Invalid Access-Control-Request-Method: ${p.method ?? 'null'}`);
  const names = requestedHeaders(p.headers);
  const m = matchCors(rules, p.origin, p.method, names);
  if (!m) throw new S3Error('AccessForbidden', NOT_ALLOWED, { Method: p.method, ResourceType: p.object ? 'OBJECT' : 'BUCKET' });
  return corsResponseHeaders(m, names);
}

export const CORS_KIND = 'cors';

/** A bucket's CORS rules, from the configuration cache (null: no such bucket; undefined: no configuration). */
export function bucketCorsRules(ctx: Pick<OpContext, 'services'>, bucket: string): CorsRule[] | undefined | null {
  const b = ctx.services.buckets.get(bucket);
  if (!b) return null;
  return ctx.services.buckets.config<CorsRule[]>(b, CORS_KIND);
}

/**
 * The CORS headers of an actual (non-preflight) request with an Origin:
 * matched by origin and method (Access-Control-Request-Method when the
 * request carries one, as S3 does); none when nothing matches.
 */
export function actualRequestHeaders(ctx: Pick<OpContext, 'services'>, bucket: string, origin: string, method: string): Record<string, string> | undefined {
  const rules = bucketCorsRules(ctx, bucket);
  if (!rules) return undefined;
  const m = matchCors(rules, origin, method);
  return m ? corsResponseHeaders(m) : undefined;
}

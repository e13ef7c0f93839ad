/**
 * Static website hosting: a bucket's WebsiteConfiguration as AWS validates
 * it, and the routing decisions of a website endpoint (routing rules, the
 * index document, redirects), as pure functions. Serving is
 * src/http/website.ts.
 */
import { S3Error } from '../errors/s3error.js';
import type { XmlObject } from '../xml/xml.js';

export interface WebsiteRedirect {
  protocol?: 'http' | 'https';
  hostName?: string;
  replaceKeyPrefixWith?: string;
  replaceKeyWith?: string;
  httpRedirectCode?: number;
}

export interface RoutingRule {
  condition?: { keyPrefixEquals?: string; httpErrorCodeReturnedEquals?: number };
  redirect: WebsiteRedirect;
}

export interface WebsiteConfig {
  redirectAll?: { hostName: string; protocol?: 'http' | 'https' };
  indexSuffix?: string;
  errorKey?: string;
  rules: RoutingRule[];
}

export const WEBSITE_KIND = 'website';
export const WEBSITE_LISTS = ['WebsiteConfiguration.RoutingRules.RoutingRule'];
const MAX_RULES = 50;

const blank = (v: unknown) => typeof v === 'string' && v.trim() === '';

/** An element's children; an empty element (or one holding only white space) has none. */
function object(v: unknown): Record<string, unknown> {
  if (blank(v)) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new S3Error('MalformedXML');
  return v as Record<string, unknown>;
}

/** Only the named child elements; white space between them is fine, other text is not. */
function only(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k) && !(k === '#text' && blank(o[k]))) throw new S3Error('MalformedXML');
}

function text(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new S3Error('MalformedXML');
  return v;
}

function protocolOf(v: unknown): 'http' | 'https' | undefined {
  const p = text(v);
  if (p === undefined) return undefined;
  if (p !== 'http' && p !== 'https') {
    throw new S3Error('InvalidRequest', 'Invalid protocol, protocol can be http or https. If not defined the protocol will be selected automatically.');
  }
  return p;
}

function code(v: unknown): number {
  const s = text(v)!.trim();
  if (!/^[0-9]+$/.test(s)) throw new S3Error('MalformedXML');
  return Number(s);
}

function parseRule(raw: unknown): RoutingRule {
  const r = object(raw);
  only(r, ['Condition', 'Redirect']);
  if (r.Redirect === undefined) throw new S3Error('MalformedXML');
  const rule: RoutingRule = { redirect: {} };
  if (r.Condition !== undefined) {
    const c = object(r.Condition);
    only(c, ['KeyPrefixEquals', 'HttpErrorCodeReturnedEquals']);
    if (c.KeyPrefixEquals === undefined && c.HttpErrorCodeReturnedEquals === undefined) {
      throw new S3Error(
        'InvalidRequest',
        "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present.",
      );
    }
    rule.condition = {};
    if (c.KeyPrefixEquals !== undefined) rule.condition.keyPrefixEquals = text(c.KeyPrefixEquals);
    if (c.HttpErrorCodeReturnedEquals !== undefined) {
      const n = code(c.HttpErrorCodeReturnedEquals);
      if (n < 400 || n > 599) throw new S3Error('InvalidRequest', `The provided HTTP error code (${n}) is not valid. Valid codes are 4XX or 5XX.`);
      rule.condition.httpErrorCodeReturnedEquals = n;
    }
  }
  const d = object(r.Redirect);
  only(d, ['Protocol', 'HostName', 'ReplaceKeyPrefixWith', 'ReplaceKeyWith', 'HttpRedirectCode']);
  const redirect = rule.redirect;
  redirect.protocol = protocolOf(d.Protocol);
  if (d.HostName !== undefined) {
    redirect.hostName = text(d.HostName);
    if (redirect.hostName === '')
      throw new S3Error('InvalidRequest', 'The HostName cannot be blank. To redirect within the same domain, the element should not be present.');
  }
  if (d.HttpRedirectCode !== undefined) {
    const n = code(d.HttpRedirectCode);
    if (n <= 300 || n > 399) throw new S3Error('InvalidRequest', `The provided HTTP redirect code (${n}) is not valid. Valid codes are 3XX except 300.`);
    redirect.httpRedirectCode = n;
  }
  if (d.ReplaceKeyPrefixWith !== undefined && d.ReplaceKeyWith !== undefined) {
    throw new S3Error('InvalidRequest', 'You can only define ReplaceKeyPrefix or ReplaceKey but not both.');
  }
  if (d.ReplaceKeyPrefixWith !== undefined) redirect.replaceKeyPrefixWith = text(d.ReplaceKeyPrefixWith);
  if (d.ReplaceKeyWith !== undefined) redirect.replaceKeyWith = text(d.ReplaceKeyWith);
  for (const k of Object.keys(redirect) as Array<keyof WebsiteRedirect>) if (redirect[k] === undefined) delete redirect[k];
  return rule;
}

/**
 * A parsed WebsiteConfiguration as AWS validates it: either
 * RedirectAllRequestsTo alone (HostName required) or an IndexDocument
 * (a Suffix without '/'), with an optional ErrorDocument and up to 50
 * RoutingRules; codes 3XX (not 300) for redirects, 4XX/5XX for conditions.
 */
export function parseWebsite(doc: Record<string, unknown>): WebsiteConfig {
  only(doc, ['RedirectAllRequestsTo', 'IndexDocument', 'ErrorDocument', 'RoutingRules']);
  if (doc.RedirectAllRequestsTo !== undefined) {
    if (doc.IndexDocument !== undefined || doc.ErrorDocument !== undefined || doc.RoutingRules !== undefined) throw new S3Error('MalformedXML');
    const r = object(doc.RedirectAllRequestsTo);
    only(r, ['HostName', 'Protocol']);
    const hostName = text(r.HostName);
    if (hostName === undefined) throw new S3Error('MalformedXML');
    if (hostName === '')
      throw new S3Error('InvalidRequest', 'The HostName cannot be blank. To redirect within the same domain, the element should not be present.');
    const protocol = protocolOf(r.Protocol);
    return { redirectAll: protocol ? { hostName, protocol } : { hostName }, rules: [] };
  }
  if (doc.IndexDocument === undefined)
    throw new S3Error('InvalidArgument', 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty');
  const index = object(doc.IndexDocument);
  only(index, ['Suffix']);
  const suffix = text(index.Suffix);
  if (suffix === undefined) throw new S3Error('InvalidArgument', 'A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty');
  if (suffix === '' || suffix.includes('/')) throw new S3Error('InvalidArgument', 'The IndexDocument Suffix is not well formed');
  const config: WebsiteConfig = { indexSuffix: suffix, rules: [] };
  if (doc.ErrorDocument !== undefined) {
    const e = object(doc.ErrorDocument);
    only(e, ['Key']);
    const key = text(e.Key);
    if (key === undefined) throw new S3Error('MalformedXML');
    if (key === '') throw new S3Error('InvalidArgument', 'The ErrorDocument Key is not well formed');
    config.errorKey = key;
  }
  if (doc.RoutingRules !== undefined) {
    const rr = object(doc.RoutingRules);
    only(rr, ['RoutingRule']);
    const list = rr.RoutingRule ?? [];
    if (!Array.isArray(list)) throw new S3Error('MalformedXML');
    if (list.length > MAX_RULES) {
      throw new S3Error(
        'InvalidRequest',
        `${list.length} routing rules provided, the number of routing rules in a website configuration is limited to ${MAX_RULES}.`,
      );
    }
    config.rules = list.map(parseRule);
  }
  return config;
}

/** The stored configuration as GetBucketWebsite answers it (AWS's element order). */
export function renderWebsite(c: WebsiteConfig): XmlObject {
  if (c.redirectAll) return { RedirectAllRequestsTo: { HostName: c.redirectAll.hostName, Protocol: c.redirectAll.protocol } };
  return {
    IndexDocument: { Suffix: c.indexSuffix },
    ErrorDocument: c.errorKey === undefined ? undefined : { Key: c.errorKey },
    RoutingRules: c.rules.length
      ? {
          RoutingRule: c.rules.map((r) => ({
            Condition: r.condition && {
              HttpErrorCodeReturnedEquals: r.condition.httpErrorCodeReturnedEquals,
              KeyPrefixEquals: r.condition.keyPrefixEquals,
            },
            Redirect: {
              HostName: r.redirect.hostName,
              HttpRedirectCode: r.redirect.httpRedirectCode,
              Protocol: r.redirect.protocol,
              ReplaceKeyPrefixWith: r.redirect.replaceKeyPrefixWith,
              ReplaceKeyWith: r.redirect.replaceKeyWith,
            },
          })),
        }
      : undefined,
  };
}

// ---------------------------------------------------------------- routing

/** The first rule that applies before the object is read: no condition, or only a key prefix the key has. */
export function ruleBeforeRead(rules: readonly RoutingRule[], key: string): RoutingRule | undefined {
  return rules.find((r) => !r.condition || (r.condition.httpErrorCodeReturnedEquals === undefined && key.startsWith(r.condition.keyPrefixEquals ?? '')));
}

/** The first rule whose error code is `status` (and whose key prefix, if any, the key has). */
export function ruleAfterError(rules: readonly RoutingRule[], key: string, status: number): RoutingRule | undefined {
  return rules.find((r) => r.condition?.httpErrorCodeReturnedEquals === status && key.startsWith(r.condition.keyPrefixEquals ?? ''));
}

/** A key in a URL path: each segment percent-encoded, the slashes kept. */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

export interface RedirectAnswer {
  status: number;
  location: string;
}

/** Where a routing rule sends a request for `key` that came on `protocol`://`host`. */
export function ruleRedirect(rule: RoutingRule, key: string, protocol: 'http' | 'https', host: string): RedirectAnswer {
  const r = rule.redirect;
  let target = key;
  if (r.replaceKeyWith !== undefined) target = r.replaceKeyWith;
  else if (r.replaceKeyPrefixWith !== undefined) {
    const prefix = rule.condition?.keyPrefixEquals ?? '';
    target = r.replaceKeyPrefixWith + (key.startsWith(prefix) ? key.slice(prefix.length) : key);
  }
  return { status: r.httpRedirectCode ?? 301, location: `${r.protocol ?? protocol}://${r.hostName ?? host}/${encodeKeyPath(target)}` };
}

/** RedirectAllRequestsTo: the same path and query on the other host. */
export function redirectAll(c: NonNullable<WebsiteConfig['redirectAll']>, rawPathAndQuery: string, protocol: 'http' | 'https'): RedirectAnswer {
  return { status: 301, location: `${c.protocol ?? protocol}://${c.hostName}${rawPathAndQuery}` };
}

/** The object a website path names: the index document for the root and for "folders" (a key ending in '/'). */
export function indexKey(key: string, suffix: string): string {
  return key === '' || key.endsWith('/') ? key + suffix : key;
}

/** The longest of `domains` that `host` is, or is a subdomain of ('' when none). */
function longestDomain(host: string, domains: readonly string[]): string {
  let best = '';
  for (const d of domains) {
    if (d.length > best.length && (host === d || (host.endsWith(d) && host[host.length - d.length - 1] === '.'))) best = d;
  }
  return best;
}

/**
 * The bucket a website Host names under one of the website domains ('' for a
 * website domain itself), or undefined. When the Host also falls under an S3
 * API domain (CAIRN_DOMAINS), the longer (more specific) domain decides:
 * with `example.com` for the API and `web.example.com` for websites,
 * `photos.web.example.com` is a website and `photos.example.com` a bucket.
 */
export function websiteBucket(host: string, domains: readonly string[], apiDomains: readonly string[] = []): string | undefined {
  const d = longestDomain(host, domains);
  if (d === '' || longestDomain(host, apiDomains).length > d.length) return undefined;
  return host === d ? '' : host.slice(0, host.length - d.length - 1);
}

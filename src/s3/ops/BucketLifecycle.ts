/**
 * Put/Get/DeleteBucketLifecycleConfiguration: rules with ID, Status, Filter
 * (Prefix, Tag, And, ObjectSizeGreaterThan/LessThan; or the legacy top-level
 * Prefix), Expiration (Days, Date, ExpiredObjectDeleteMarker),
 * NoncurrentVersionExpiration (NoncurrentDays, NewerNoncurrentVersions) and
 * AbortIncompleteMultipartUpload, validated as S3 validates them. Cairn has
 * one storage class, so a Transition is refused as a storage class it does
 * not have. The rules are applied by the lifecycle worker.
 */
import { randomBytes } from 'node:crypto';
import type { FilterShape, LifecycleConfig, LifecycleFilter, LifecycleRule } from '../../core/lifecycle.js';
import { S3Error } from '../../errors/s3error.js';
import { isoDate, parseXmlInt, type XmlObject } from '../../xml/xml.js';
import { bucketConfig } from '../bucket-config.js';
import { checkTag } from '../tags.js';
import { LIFECYCLE_KIND } from '../expiration.js';

const MAX_RULES = 1000;

const isElement = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** An element that may be empty (`<Filter/>` parses as '', `<Filter> </Filter>` as white space). */
const elementOrEmpty = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'string' && v.trim() === '' ? {} : isElement(v) ? v : undefined);
/** An element's child names (the white space between children, which clients such as s3cmd send, is not one). */
const keys = (el: Record<string, unknown>): string[] => Object.keys(el).filter((k) => k !== '#text');

function text(v: unknown): string {
  if (v === '') return '';
  if (typeof v !== 'string') throw new S3Error('MalformedXML');
  return v;
}

function positive(v: unknown, message: string): number {
  const n = parseXmlInt(v);
  if (n < 1) throw new S3Error('InvalidArgument', message);
  return n;
}

function size(v: unknown): number {
  if (typeof v !== 'string' || !/^\s*\d{1,16}\s*$/.test(v)) throw new S3Error('MalformedXML');
  return Number(v.trim());
}

function tagOf(v: unknown): [string, string] {
  if (!isElement(v)) throw new S3Error('MalformedXML');
  const key = text(v.Key);
  const value = v.Value === undefined ? '' : text(v.Value);
  checkTag(key, value);
  return [key, value];
}

/** A Filter element: at most one of Prefix, Tag, And, ObjectSizeGreaterThan, ObjectSizeLessThan. */
function filterOf(el: Record<string, unknown>): { shape: FilterShape; filter: LifecycleFilter } {
  const present = ['Prefix', 'Tag', 'And', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan'].filter((n) => el[n] !== undefined);
  if (keys(el).some((k) => !present.includes(k))) throw new S3Error('MalformedXML');
  if (present.length > 1) throw new S3Error('MalformedXML');
  if (present.length === 0) return { shape: 'empty', filter: {} };
  if (el.Prefix !== undefined) return { shape: 'prefix', filter: { prefix: text(el.Prefix) } };
  if (el.Tag !== undefined) {
    const tags = Array.isArray(el.Tag) ? el.Tag : [el.Tag];
    if (tags.length !== 1) throw new S3Error('MalformedXML');
    return { shape: 'tag', filter: { tags: [tagOf(tags[0])] } };
  }
  if (el.ObjectSizeGreaterThan !== undefined) return { shape: 'gt', filter: { sizeGreaterThan: size(el.ObjectSizeGreaterThan) } };
  if (el.ObjectSizeLessThan !== undefined) return { shape: 'lt', filter: { sizeLessThan: size(el.ObjectSizeLessThan) } };
  const and = elementOrEmpty(el.And);
  if (!and) throw new S3Error('MalformedXML');
  if (keys(and).some((k) => !['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan'].includes(k))) throw new S3Error('MalformedXML');
  const filter: LifecycleFilter = {};
  if (and.Prefix !== undefined) filter.prefix = text(and.Prefix);
  const tags = and.Tag === undefined ? [] : (Array.isArray(and.Tag) ? and.Tag : [and.Tag]).map(tagOf);
  if (new Set(tags.map(([k]) => k)).size !== tags.length) throw new S3Error('InvalidRequest', 'Duplicate Tag Keys are not allowed.');
  if (tags.length) filter.tags = tags;
  if (and.ObjectSizeGreaterThan !== undefined) filter.sizeGreaterThan = size(and.ObjectSizeGreaterThan);
  if (and.ObjectSizeLessThan !== undefined) filter.sizeLessThan = size(and.ObjectSizeLessThan);
  return { shape: 'and', filter };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/;

function ruleOf(r: unknown): LifecycleRule {
  if (!isElement(r)) throw new S3Error('MalformedXML');
  const id = r.ID === undefined ? randomBytes(36).toString('base64') : text(r.ID);
  if (id.length > 255) throw new S3Error('InvalidArgument', 'ID length should not exceed allowed limit of 255');
  if (r.Status !== 'Enabled' && r.Status !== 'Disabled') throw new S3Error('MalformedXML');
  // Either the legacy top-level Prefix or a Filter, never both, and one of them.
  if (r.Prefix !== undefined && r.Filter !== undefined) throw new S3Error('MalformedXML');
  let shape: FilterShape;
  let filter: LifecycleFilter;
  if (r.Prefix !== undefined) {
    shape = 'legacy';
    filter = { prefix: text(r.Prefix) };
  } else {
    const el = elementOrEmpty(r.Filter);
    if (!el) throw new S3Error('MalformedXML');
    ({ shape, filter } = filterOf(el));
  }
  if (filter.sizeGreaterThan !== undefined && filter.sizeLessThan !== undefined && filter.sizeGreaterThan >= filter.sizeLessThan) {
    throw new S3Error('InvalidRequest', 'ObjectSizeGreaterThan must be less than ObjectSizeLessThan');
  }
  const rule: LifecycleRule = { id, enabled: r.Status === 'Enabled', shape, filter };
  const hasTags = (filter.tags?.length ?? 0) > 0;
  if (r.Transition !== undefined || r.NoncurrentVersionTransition !== undefined) {
    // Cairn keeps every object in STANDARD: a transition names a storage class this server does not have.
    throw new S3Error('InvalidStorageClass', 'The storage class you specified is not valid');
  }
  if (r.Expiration !== undefined) {
    const e = elementOrEmpty(r.Expiration);
    if (!e) throw new S3Error('MalformedXML');
    const given = ['Days', 'Date', 'ExpiredObjectDeleteMarker'].filter((n) => e[n] !== undefined);
    if (given.length !== 1 || keys(e).length !== 1) throw new S3Error('MalformedXML');
    if (e.Days !== undefined) rule.expiration = { days: positive(e.Days, "'Days' for Expiration action must be a positive integer") };
    else if (e.Date !== undefined) {
      const d = text(e.Date).trim();
      const t = ISO_DATE.test(d) ? Date.parse(d.length === 10 ? `${d}T00:00:00Z` : d) : NaN;
      if (Number.isNaN(t)) throw new S3Error('InvalidArgument', "'Date' must be in ISO 8601 format");
      if (t % 86_400_000 !== 0) throw new S3Error('InvalidArgument', "'Date' must be at midnight GMT");
      rule.expiration = { date: t };
    } else {
      const v = text(e.ExpiredObjectDeleteMarker).trim();
      if (v !== 'true' && v !== 'false') throw new S3Error('MalformedXML');
      if (hasTags && v === 'true') throw new S3Error('InvalidRequest', 'ExpiredObjectDeleteMarker cannot be specified with tags.');
      rule.expiration = { expiredObjectDeleteMarker: v === 'true' };
    }
  }
  if (r.NoncurrentVersionExpiration !== undefined) {
    const n = elementOrEmpty(r.NoncurrentVersionExpiration);
    if (!n || n.NoncurrentDays === undefined) throw new S3Error('MalformedXML');
    if (keys(n).some((k) => k !== 'NoncurrentDays' && k !== 'NewerNoncurrentVersions')) throw new S3Error('MalformedXML');
    const days = positive(n.NoncurrentDays, "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
    let newer: number | undefined;
    if (n.NewerNoncurrentVersions !== undefined) {
      newer = parseXmlInt(n.NewerNoncurrentVersions);
      if (newer < 1 || newer > 100)
        throw new S3Error('InvalidArgument', "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be between 1 and 100");
    }
    rule.noncurrentExpiration = { days, newerNoncurrentVersions: newer };
  }
  if (r.AbortIncompleteMultipartUpload !== undefined) {
    const a = elementOrEmpty(r.AbortIncompleteMultipartUpload);
    if (!a || a.DaysAfterInitiation === undefined || keys(a).length !== 1) throw new S3Error('MalformedXML');
    if (hasTags) throw new S3Error('InvalidRequest', 'AbortIncompleteMultipartUpload cannot be specified with Tags.');
    rule.abortIncompleteDays = positive(a.DaysAfterInitiation, "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer");
  }
  if (!rule.expiration && !rule.noncurrentExpiration && rule.abortIncompleteDays === undefined) {
    throw new S3Error('InvalidRequest', 'At least one action needs to be specified in a rule');
  }
  return rule;
}

/** The LifecycleConfiguration document as validated rules. */
export function parseLifecycle(doc: Record<string, unknown>): LifecycleConfig {
  const raw = doc.Rule;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_RULES) throw new S3Error('MalformedXML');
  const rules = raw.map(ruleOf);
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) throw new S3Error('InvalidArgument', 'Rule ID must be unique. Found same ID for more than one rule');
    ids.add(r.id);
  }
  return { rules };
}

const tagXml = ([Key, Value]: [string, string]) => ({ Key, Value });

function renderFilter(r: LifecycleRule): XmlObject {
  const f = r.filter;
  switch (r.shape) {
    case 'legacy':
      return { Prefix: f.prefix ?? '' };
    case 'empty':
      return { Filter: '' };
    case 'prefix':
      return { Filter: { Prefix: f.prefix ?? '' } };
    case 'tag':
      return { Filter: { Tag: tagXml(f.tags![0]!) } };
    case 'gt':
      return { Filter: { ObjectSizeGreaterThan: f.sizeGreaterThan } };
    case 'lt':
      return { Filter: { ObjectSizeLessThan: f.sizeLessThan } };
    case 'and':
      return {
        Filter: {
          And: { Prefix: f.prefix, Tag: (f.tags ?? []).map(tagXml), ObjectSizeGreaterThan: f.sizeGreaterThan, ObjectSizeLessThan: f.sizeLessThan },
        },
      };
  }
}

function renderRule(r: LifecycleRule): XmlObject {
  const e = r.expiration;
  const n = r.noncurrentExpiration;
  return {
    ID: r.id,
    ...renderFilter(r),
    Status: r.enabled ? 'Enabled' : 'Disabled',
    Expiration: e
      ? { Days: e.days, Date: e.date !== undefined ? isoDate(e.date) : undefined, ExpiredObjectDeleteMarker: e.expiredObjectDeleteMarker }
      : undefined,
    NoncurrentVersionExpiration: n ? { NoncurrentDays: n.days, NewerNoncurrentVersions: n.newerNoncurrentVersions } : undefined,
    AbortIncompleteMultipartUpload: r.abortIncompleteDays !== undefined ? { DaysAfterInitiation: r.abortIncompleteDays } : undefined,
  };
}

export { LIFECYCLE_KIND };

export const bucketLifecycle = bucketConfig<LifecycleConfig>({
  kind: LIFECYCLE_KIND,
  names: { get: 'GetBucketLifecycleConfiguration', put: 'PutBucketLifecycleConfiguration', delete: 'DeleteBucketLifecycle' },
  actions: { get: 's3:GetLifecycleConfiguration', put: 's3:PutLifecycleConfiguration', delete: 's3:PutLifecycleConfiguration' },
  root: 'LifecycleConfiguration',
  lists: ['LifecycleConfiguration.Rule', 'LifecycleConfiguration.Rule.Filter.And.Tag'],
  integrity: 'required',
  parse: parseLifecycle,
  render: (cfg) => ({ Rule: cfg.rules.map(renderRule) }),
  notFound: 'NoSuchLifecycleConfiguration',
});

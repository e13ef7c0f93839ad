/**
 * Reading the XML documents of bucket configurations (logging, replication,
 * metrics, inventory, analytics, Intelligent-Tiering, ...) into their
 * stored form: the same element tree, only AWS's elements, in AWS's order,
 * values checked. A document that does not follow AWS's schema (a missing
 * required element, an unknown enumeration value, text where an element
 * belongs) is MalformedXML, as S3 answers.
 */
import { S3Error } from '../errors/s3error.js';
import { parseXmlInt, type XmlObject } from '../xml/xml.js';

export type Doc = Record<string, unknown>;

const malformed = () => new S3Error('MalformedXML');

/** A child element that must hold elements (an empty one reads as {}); undefined when absent. */
export function child(doc: Doc, name: string, required = false): Doc | undefined {
  const v = doc[name];
  if (v === undefined) {
    if (required) throw malformed();
    return undefined;
  }
  if (v === '') return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed();
  return v as Doc;
}

/** Repeated child elements (declared as a list path when parsed). */
export function children(doc: Doc, name: string): Doc[] {
  const v = doc[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => {
    if (x === '') return {};
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw malformed();
    return x as Doc;
  });
}

/** A text element; undefined when absent (MalformedXML when required). */
export function text(doc: Doc, name: string, required = false): string | undefined {
  const v = doc[name];
  if (v === undefined) {
    if (required) throw malformed();
    return undefined;
  }
  if (typeof v !== 'string') throw malformed();
  return v;
}

/** A text element from a fixed set of values. */
export function oneOf<V extends string>(doc: Doc, name: string, values: readonly V[], required = false): V | undefined {
  const v = text(doc, name, required);
  if (v === undefined) return undefined;
  const t = v.trim();
  if (!(values as readonly string[]).includes(t)) throw malformed();
  return t as V;
}

/** An xs:int element; undefined when absent. */
export function int(doc: Doc, name: string, required = false): number | undefined {
  const v = text(doc, name, required);
  return v === undefined ? undefined : parseXmlInt(v);
}

/** An xs:boolean element, as S3 writes it back (true / false). */
export function bool(doc: Doc, name: string, required = false): boolean | undefined {
  const v = text(doc, name, required);
  if (v === undefined) return undefined;
  const t = v.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw malformed();
}

/** Drops undefined members (the stored form holds only what was sent). */
export function compact(o: Record<string, unknown>): XmlObject {
  const out: XmlObject = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v as XmlObject[string];
  return out;
}

function tag(t: Doc): XmlObject {
  const key = text(t, 'Key', true)!;
  const value = text(t, 'Value') ?? '';
  if (key === '') throw new S3Error('InvalidArgument', 'The tag key cannot be empty.');
  return { Key: key, Value: value };
}

export interface FilterOptions {
  /** AccessPointArn (metrics filters). */
  accessPoint?: boolean;
}

/**
 * A configuration filter: exactly one of Prefix, Tag, (AccessPointArn) or
 * And (Prefix, Tags, AccessPointArn); an empty Filter matches everything.
 */
export function parseFilter(f: Doc | undefined, opts: FilterOptions = {}): XmlObject | undefined {
  if (f === undefined) return undefined;
  const prefix = text(f, 'Prefix');
  const t = child(f, 'Tag');
  const ap = opts.accessPoint ? text(f, 'AccessPointArn') : undefined;
  const and = child(f, 'And');
  const given = [prefix, t, ap, and].filter((x) => x !== undefined).length;
  if (given > 1) throw malformed();
  if (and) {
    const tags = children(and, 'Tag').map(tag);
    const p = text(and, 'Prefix');
    const a = opts.accessPoint ? text(and, 'AccessPointArn') : undefined;
    return { And: compact({ Prefix: p, Tag: tags.length > 0 ? tags : undefined, AccessPointArn: a }) };
  }
  return compact({ Prefix: prefix, Tag: t ? tag(t) : undefined, AccessPointArn: ap });
}

/** The list paths a filter has, under `base` ('Filter' or 'Rule.Filter'). */
export const filterLists = (base: string) => [`${base}.And.Tag`];

/** `arn:aws:s3:::bucket`, the form destination buckets are named in. */
export function bucketArn(v: string): string {
  const t = v.trim();
  if (!/^arn:[a-z-]+:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(t))
    throw new S3Error('InvalidArgument', 'Invalid ARN', { ArgumentName: 'Bucket', ArgumentValue: t });
  return t;
}

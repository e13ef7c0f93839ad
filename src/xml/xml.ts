import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from '../errors/s3error.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * A typed XML document: element name -> text, nested element, or list
 * (repeated element). Undefined is left out. The special key `$children`
 * holds [element, value] pairs written in that order, for lists whose
 * elements of different names interleave (Version / DeleteMarker).
 */
export type XmlValue = string | number | boolean | bigint | XmlObject | XmlValue[] | undefined | null;
export interface XmlObject {
  [element: string]: XmlValue;
}

/** Characters that need work: the markup five, controls XML 1.0 cannot carry, U+FFFE/U+FFFF, and any UTF-16 surrogate. */
const ESC_TEST = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;
const ESC_RE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function escapeChar(c: string): string {
  switch (c) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '"':
      return '&quot;';
    case "'":
      return '&apos;';
    default:
      // Control characters have no XML 1.0 form; S3 sends them as character references (`&#x1;`).
      return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
  }
}

/** String.prototype.isWellFormed / toWellFormed (ES2024, Node 20+). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * Escapes text for an XML element. Characters outside the BMP (a surrogate
 * pair in the JS string) are written as themselves, so the response carries
 * them as UTF-8, as S3 does. A lone surrogate has no UTF-8 form: it becomes
 * U+FFFD, as it does when the string is stored (Buffer.from(s, 'utf8')).
 */
export function escapeXml(s: string): string {
  if (!ESC_TEST.test(s)) return s;
  const w = s as unknown as WellFormed;
  return (w.isWellFormed() ? s : w.toWellFormed()).replace(ESC_RE, escapeChar);
}

function write(out: string[], name: string, v: XmlValue): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    for (const item of v) write(out, name, item);
    return;
  }
  if (typeof v === 'object') {
    out.push(`<${name}>`);
    writeChildren(out, v);
    out.push(`</${name}>`);
    return;
  }
  out.push(`<${name}>${escapeXml(String(v))}</${name}>`);
}

function writeChildren(out: string[], v: XmlObject): void {
  for (const [k, child] of Object.entries(v)) {
    if (k === '$children') {
      for (const [name, value] of child as unknown as Array<[string, XmlValue]>) write(out, name, value);
    } else write(out, k, child);
  }
}

/** Serialises `body` as the document element `root`, with the XML declaration and the S3 namespace. */
export function toXml(root: string, body: XmlObject, xmlns: string | null = S3_XMLNS): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  out.push(xmlns ? `<${root} xmlns="${xmlns}">` : `<${root}>`);
  writeChildren(out, body);
  out.push(`</${root}>`);
  return out.join('');
}

/**
 * Parses an XML request body. `lists` names the element paths that are
 * lists (e.g. 'Delete.Object'), so that one element still gives an array.
 * Malformed XML, or a document element other than `root`, is MalformedXML.
 */
export function parseXml(text: string, root: string, lists: readonly string[] = []): Record<string, unknown> {
  if (text.trim() === '') throw new S3Error('MalformedXML');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new S3Error('MalformedXML');
  const listSet = new Set(lists);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: false,
    processEntities: true,
    // Numeric character references (&#39; &#34; ...), which Go clients write for quotes in keys and ETags.
    htmlEntities: true,
    isArray: (_name, jpath) => listSet.has(String(jpath)),
  });
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(text) as Record<string, unknown>;
  } catch {
    throw new S3Error('MalformedXML');
  }
  const top = doc[root];
  if (top === undefined) throw new S3Error('MalformedXML');
  if (top === '' || typeof top !== 'object') return {};
  return top as Record<string, unknown>;
}

/** ISO 8601 with milliseconds, as S3 writes dates in XML. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Error } from '../errors/s3error.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * A typed XML document: element name -> text, nested element, or list
 * (repeated element). Undefined is left out. The special key `$children`
 * holds [element, value] pairs written in that order, for lists whose
 * elements of different names interleave (Version / DeleteMarker), and
 * `$attrs` the element's attributes (name -> value; a Grantee's xsi:type).
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
    const attrs = v.$attrs as Record<string, string> | undefined;
    out.push(
      attrs
        ? `<${name}${Object.entries(attrs)
            .map(([a, x]) => ` ${a}="${escapeXml(x)}"`)
            .join('')}>`
        : `<${name}>`,
    );
    writeChildren(out, v);
    out.push(`</${name}>`);
    return;
  }
  // Numbers, booleans and bigints never need escaping.
  out.push(typeof v === 'string' ? `<${name}>${escapeXml(v)}</${name}>` : `<${name}>${String(v)}</${name}>`);
}

function writeChildren(out: string[], v: XmlObject): void {
  for (const k in v) {
    if (k === '$attrs') continue;
    const child = v[k];
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

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A character XML 1.0 does not allow (Char production), literally or through a character reference. */
const ILLEGAL_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,8})|#x([0-9a-fA-F]{1,8}));/y;
const MARKUP = /<!\[CDATA\[|<!--|<\?|<!|&/g;

function legalChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * What a request document may hold beyond elements and text, checked before
 * it is parsed: no DOCTYPE or other declaration (fast-xml-parser would expand
 * internal entities; S3 refuses DTDs), and only the five predefined entities
 * and character references to characters XML allows (S3 answers MalformedXML
 * for `&#x1;`; the parser would drop it silently, naming another key).
 */
function checkMarkup(text: string): void {
  if (ILLEGAL_CHAR.test(text)) throw new S3Error('MalformedXML');
  if (!text.includes('&') && !text.includes('<!')) return;
  MARKUP.lastIndex = 0;
  for (let m = MARKUP.exec(text); m !== null; m = MARKUP.exec(text)) {
    const at = m.index;
    switch (m[0]) {
      case '<![CDATA[':
      case '<!--':
      case '<?': {
        const close = m[0] === '<![CDATA[' ? ']]>' : m[0] === '<!--' ? '-->' : '?>';
        const end = text.indexOf(close, at + m[0].length);
        if (end === -1) throw new S3Error('MalformedXML');
        MARKUP.lastIndex = end + close.length;
        break;
      }
      case '<!':
        throw new S3Error('MalformedXML');
      default: {
        REFERENCE.lastIndex = at;
        const r = REFERENCE.exec(text);
        if (!r) throw new S3Error('MalformedXML');
        if (r[1] === undefined && !legalChar(r[2] !== undefined ? Number(r[2]) : parseInt(r[3]!, 16))) throw new S3Error('MalformedXML');
        MARKUP.lastIndex = REFERENCE.lastIndex;
      }
    }
  }
}

/**
 * Parses an XML request body (bytes, which must be UTF-8, or text). `lists`
 * names the element paths that are lists (e.g. 'Delete.Object'), so that one
 * element still gives an array. Malformed XML, invalid UTF-8, a DOCTYPE, an
 * undefined entity or a document element other than `root` is MalformedXML.
 */
export function parseXml(input: string | Buffer, root: string, lists: readonly string[] = []): Record<string, unknown> {
  return parseChecked(checkedText(input), root, lists);
}

/** The request document as text: valid UTF-8, not empty, markup vetted (checkMarkup). */
function checkedText(input: string | Buffer): string {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = UTF8.decode(input);
    } catch {
      throw new S3Error('MalformedXML');
    }
  }
  if (text.trim() === '') throw new S3Error('MalformedXML');
  checkMarkup(text);
  return text;
}

/**
 * The `item` elements of a document `<root>` that is a list of them (what
 * parseXml(input, root, [`root.item`])[item] gives: an array, or undefined
 * when there is none). A list whose items hold only leaf elements with text
 * (CompleteMultipartUpload's 10,000 Parts, about 1 MB) is read in one pass
 * without building a tree, some 30 times faster than the general parser, so
 * that a large document does not hold the event loop; any other document
 * takes the general path, which decides as it always has.
 */
export function parseXmlList(input: string | Buffer, root: string, item: string): unknown {
  const text = checkedText(input);
  return flatList(text, root, item) ?? parseChecked(text, root, [`${root}.${item}`])[item];
}

const QNAME = /^((?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*))[ \t\r\n]*$/;
const ROOT_TAG = /^((?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*))((?:[ \t\r\n]+[A-Za-z_][\w.:-]*[ \t\r\n]*=[ \t\r\n]*(?:"[^"<&]*"|'[^'<&]*'))*)[ \t\r\n]*$/;
const ATTR_NAME = /[ \t\r\n]+([A-Za-z_][\w.:-]*)[ \t\r\n]*=/g;
const DECL = /^<\?xml[ \t\r\n][^?<>]*\?>/;
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,8})|#x([0-9a-fA-F]{1,8}));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Text with its (vetted) entity and character references replaced. */
function decodeText(t: string): string {
  if (!t.includes('&')) return t;
  return t.replace(ENTITY, (_m, named: string | undefined, dec: string | undefined, hex: string | undefined) =>
    named !== undefined ? NAMED[named]! : String.fromCodePoint(dec !== undefined ? Number(dec) : parseInt(hex!, 16)),
  );
}

const isWs = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** parseXmlList's one-pass reader: the items, or undefined when the document is anything but a plain list. */
function flatList(text: string, root: string, item: string): Array<Record<string, string>> | undefined {
  const len = text.length;
  let at = 0;
  const skipWs = () => {
    while (at < len && isWs(text.charCodeAt(at))) at++;
  };
  /** The tag at `at` ('<' ... '>'): its inside and whether it is an end tag; undefined unless an element tag. */
  const tag = (): { inner: string; end: boolean } | undefined => {
    if (text.charCodeAt(at) !== 0x3c) return undefined;
    const gt = text.indexOf('>', at);
    if (gt < 0) return undefined;
    const end = text.charCodeAt(at + 1) === 0x2f;
    const inner = text.slice(at + (end ? 2 : 1), gt);
    at = gt + 1;
    return { inner, end };
  };
  if (text.startsWith('<?')) {
    const d = DECL.exec(text.slice(0, 200));
    if (!d) return undefined;
    at = d[0].length;
  }
  skipWs();
  const top = tag();
  const rootTag = top && !top.end ? ROOT_TAG.exec(top.inner) : null;
  if (!rootTag || rootTag[2] !== root) return undefined;
  if (rootTag[3]) {
    const seen = new Set<string>();
    for (const a of rootTag[3].matchAll(ATTR_NAME)) {
      if (seen.has(a[1]!)) return undefined;
      seen.add(a[1]!);
    }
  }
  const rootName = rootTag[1]!;
  const items: Array<Record<string, string>> = [];
  for (;;) {
    skipWs();
    const t = tag();
    if (!t) return undefined;
    const q = QNAME.exec(t.inner);
    if (!q) return undefined;
    if (t.end) {
      if (q[1] !== rootName) return undefined;
      break;
    }
    if (q[2] !== item) return undefined;
    const itemName = q[1]!;
    const rec: Record<string, string> = {};
    let children = 0;
    for (;;) {
      skipWs();
      const c = tag();
      if (!c) return undefined;
      const cq = QNAME.exec(c.inner);
      if (!cq) return undefined;
      if (c.end) {
        if (cq[1] !== itemName || children === 0) return undefined;
        break;
      }
      const name = cq[2]!;
      if (Object.hasOwn(rec, name) || name === '__proto__') return undefined;
      const lt = text.indexOf('<', at);
      if (lt < 0) return undefined;
      const value = text.slice(at, lt);
      at = lt;
      const ce = tag();
      if (!ce || !ce.end) return undefined;
      const ceq = QNAME.exec(ce.inner);
      if (!ceq || ceq[1] !== cq[1]) return undefined;
      rec[name] = decodeText(value);
      children++;
    }
    items.push(rec);
  }
  skipWs();
  if (at !== len || items.length === 0) return undefined;
  return items;
}

/** parseXml after checkedText. */
function parseChecked(text: string, root: string, lists: readonly string[]): Record<string, unknown> {
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new S3Error('MalformedXML');
  const listSet = new Set(lists);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: false,
    // Only the five predefined entities and character references can be left here (checkMarkup).
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
  // One document element (a '?xml' entry is the declaration).
  const elements = Object.keys(doc).filter((k) => k !== '?xml');
  if (elements.length !== 1 || elements[0] !== root) throw new S3Error('MalformedXML');
  const top = doc[root];
  if (Array.isArray(top)) throw new S3Error('MalformedXML');
  if (top === '' || typeof top !== 'object') return {};
  return top as Record<string, unknown>;
}

/**
 * An xs:boolean element (e.g. DeleteObjects' Quiet): true / false (in any
 * case) or 1 / 0, surrounding whitespace allowed. Anything else, an empty or
 * a nested element included, is MalformedXML, not a silent false.
 */
export function parseXmlBoolean(v: unknown): boolean {
  if (typeof v !== 'string') throw new S3Error('MalformedXML');
  const t = v.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new S3Error('MalformedXML');
}

const INT_RE = /^[+-]?[0-9]+$/;

/**
 * An xs:int element (PartNumber, Days, Years): an optionally signed decimal
 * integer within 32 bits, surrounding whitespace allowed. A fraction, an
 * exponent, garbage or a number beyond 32 bits does not validate against
 * S3's schema: MalformedXML. Range checks beyond that are the caller's.
 */
export function parseXmlInt(v: unknown): number {
  if (typeof v !== 'string') throw new S3Error('MalformedXML');
  const t = v.trim();
  if (!INT_RE.test(t)) throw new S3Error('MalformedXML');
  const n = Number(t);
  if (n < -2147483648 || n > 2147483647) throw new S3Error('MalformedXML');
  return n;
}

let isoSecond = NaN;
let isoPrefix = '';

/** ISO 8601 with milliseconds, as S3 writes dates in XML. */
export function isoDate(ms: number): string {
  // Listings format many times of the same second: its 'YYYY-MM-DDTHH:MM:SS.' is kept, the milliseconds appended.
  if (!Number.isInteger(ms) || ms < 0) return new Date(ms).toISOString();
  const milli = ms % 1000;
  const second = ms - milli;
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second).toISOString().slice(0, 20);
  }
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

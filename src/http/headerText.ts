/**
 * Non-ASCII text in HTTP headers. Node reads header bytes as Latin-1, one
 * character per byte; clients (the AWS SDKs, boto3) send UTF-8 bytes and sign
 * the UTF-8 text. Values are turned back into that text once, before
 * signatures are checked; on the way out, text is written as UTF-8 bytes
 * (user metadata RFC 2047-encoded, as S3 returns it).
 */

const HIGH = /[\u0080-\u00ff]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 text a Latin-1-decoded header value carries, or the value itself when its bytes are not UTF-8. */
export function headerText(v: string): string {
  if (!HIGH.test(v)) return v;
  try {
    return utf8.decode(Buffer.from(v, 'latin1'));
  } catch {
    return v;
  }
}

/** Rewrites, in place, every header value whose bytes are UTF-8 into its text. Cheap when all are ASCII. */
export function decodeHeaderTexts(h: Record<string, string | string[] | undefined>): void {
  for (const k in h) {
    const v = h[k];
    if (typeof v === 'string') {
      if (HIGH.test(v)) h[k] = headerText(v);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (HIGH.test(v[i]!)) v[i] = headerText(v[i]!);
    }
  }
}

const NON_ASCII = /[^\u0000-\u007f]/;
// Characters Node refuses in a header value (it would throw): CR, LF, NUL and other controls but tab.
const FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const FORBIDDEN_ALL = new RegExp(FORBIDDEN.source, 'g');

/** A header value Node can send: non-ASCII text as its UTF-8 bytes, control characters removed. */
export function wireHeaderValue(v: string): string {
  const clean = FORBIDDEN.test(v) ? v.replace(FORBIDDEN_ALL, '') : v;
  return NON_ASCII.test(clean) ? Buffer.from(clean, 'utf8').toString('latin1') : clean;
}

/** A user-metadata value as S3 returns it: ASCII as is, anything else as one RFC 2047 encoded word. */
export function metaHeaderValue(v: string): string {
  if (!NON_ASCII.test(v) && !FORBIDDEN.test(v)) return v;
  return `=?UTF-8?B?${Buffer.from(v, 'utf8').toString('base64')}?=`;
}

const ENCODED_WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

/**
 * Decodes RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?UTF-8?Q?…?=`) in a
 * metadata value, as S3 does before storing it; words in other charsets than
 * UTF-8, ISO-8859-1 and US-ASCII are left as they are.
 */
export function decodeEncodedWords(v: string): string {
  if (!v.includes('=?')) return v;
  // Whitespace between adjacent encoded words is not part of the text (RFC 2047 §6.2).
  const out = v.replace(/\?=\s+=\?/g, '?==?').replace(ENCODED_WORD, (word, charset: string, enc: string, text: string) => {
    const cs = charset.toLowerCase();
    const encoding: BufferEncoding | undefined = cs === 'utf-8' || cs === 'utf8' ? 'utf8' : cs === 'iso-8859-1' || cs === 'us-ascii' ? 'latin1' : undefined;
    if (!encoding) return word;
    let bytes: Buffer;
    if (enc.toUpperCase() === 'B') bytes = Buffer.from(text, 'base64');
    else
      bytes = Buffer.from(
        text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
        'latin1',
      );
    return bytes.toString(encoding);
  });
  return out;
}

/**
 * Typed condition values: numbers, dates and IP ranges, parsed the way IAM
 * reads them (reference_policies_elements_condition_operators: "an integer or
 * decimal value"; dates in "one of the W3C implementations of the ISO 8601
 * date formats or in epoch (UNIX) time"; IP ranges in "standard CIDR format
 * ... If you specify an IP address without the associated routing prefix, IAM
 * uses the default prefix value of /32").
 */
import { isIPv4, isIPv6 } from 'node:net';

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** An integer or decimal; undefined when the text is not one. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const EPOCH = /^\d+(?:\.\d+)?$/;
// W3C profile of ISO 8601: YYYY, YYYY-MM, YYYY-MM-DD, then Thh:mm, Thh:mm:ss, Thh:mm:ss.s, each with an optional zone
// (Z or +hh:mm / -hh:mm; IAM also accepts +hhmm and a missing zone, read as UTC).
const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A date as milliseconds since the epoch; undefined when the text is neither ISO 8601 nor epoch seconds. */
export function parseDate(text: string): number | undefined {
  if (EPOCH.test(text)) {
    const s = Number(text);
    return Number.isFinite(s) && s < 2 ** 63 ? s * 1000 : undefined;
  }
  const m = ISO.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (zh > 23 || zm > 59) return undefined;
    offset = sign * (zh * 60 + zm) * 60_000;
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime() + Math.floor(fraction * 1000) - offset;
}

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** `203.0.113.0/24`, `2001:DB8::/32`, or a bare address (/32 or /128); undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined) return undefined;
  const max = family === 'ipv4' ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  return { address, prefix, family };
}

/** The canonical base64 of some bytes given in base64 (whitespace-free); undefined when not base64. */
export function canonicalBase64(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return undefined;
  return Buffer.from(text, 'base64').toString('base64');
}

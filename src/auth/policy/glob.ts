/**
 * Wildcard matching for actions, resources, StringLike and ArnLike, without
 * building a RegExp per request and without backtracking (a hostile pattern
 * such as `a*a*a*a*b` costs O(pattern × subject), not exponential time).
 *
 * Modes, as AWS documents them:
 * - `action`: `*` and `?` anywhere, case-insensitive (reference_policies_elements_action: "action names are not case
 *   sensitive"). The caller lower-cases the subject; literals are lower-cased here.
 * - `string`: StringLike; `*` and `?` anywhere, case-sensitive.
 * - `resource`: the Resource element. "You can use wildcard characters (* and ?) within the individual segments of an
 *   ARN (the parts separated by colons) ... If the * wildcard is the last character of a resource ARN segment, it can
 *   expand to match beyond the colon boundaries." In the first five segments a `?` and a `*` in the middle of a segment
 *   stay inside it; the sixth (the resource id, which may itself contain colons, as S3 keys do) matches freely.
 * - `arn`: ArnLike/ArnEquals. "Each of the six colon-delimited components of the ARN is checked separately": wildcards
 *   in the first five never cross a colon (the documented `arn:aws:someservice:*:111122223333:finance/*` example does
 *   not match an ARN whose region segment would have to swallow `us-east-2:999999999999:store/abc:`).
 * A pattern that is exactly `*` matches everything in every mode.
 */

export type GlobMode = 'action' | 'string' | 'resource' | 'arn';

/** A pattern piece: literal text, or a wildcard. Literal text never has wildcard meaning (`${*}`, variable values). */
export type Piece = string | Wildcard;
export const STAR = 1;
export const QMARK = 2;
export type Wildcard = typeof STAR | typeof QMARK;

export interface Matcher {
  test(subject: string): boolean;
}

const COLON = 0x3a;
// NFA token kinds.
const LIT = 0;
const ANY = 1; // ? anywhere
const ANY_SEG = 2; // ? that is not a colon
const STAR_ANY = 3; // * across anything
const STAR_SEG = 4; // * that stays inside a segment

const ALL: Matcher = { test: () => true };

class Exact implements Matcher {
  constructor(private readonly s: string) {}
  test(subject: string): boolean {
    return subject === this.s;
  }
}

class Prefix implements Matcher {
  constructor(private readonly p: string) {}
  test(subject: string): boolean {
    return subject.startsWith(this.p);
  }
}

/** Thompson simulation over per-character tokens. Not reentrant: two state vectors are reused per matcher. */
class Nfa implements Matcher {
  private readonly n: number;
  private cur: Uint8Array;
  private nxt: Uint8Array;
  private readonly prefix: string;
  private readonly suffix: string;
  private readonly minLength: number;

  constructor(
    private readonly kinds: Uint8Array,
    private readonly codes: Uint16Array,
  ) {
    const n = kinds.length;
    this.n = n;
    this.cur = new Uint8Array(n + 1);
    this.nxt = new Uint8Array(n + 1);
    let p = 0;
    while (p < n && kinds[p] === LIT) p++;
    this.prefix = String.fromCharCode(...codes.subarray(0, p));
    let s = n;
    while (s > p && kinds[s - 1] === LIT) s--;
    this.suffix = String.fromCharCode(...codes.subarray(s, n));
    let min = 0;
    for (let i = 0; i < n; i++) if (kinds[i] !== STAR_ANY && kinds[i] !== STAR_SEG) min++;
    this.minLength = min;
  }

  private add(set: Uint8Array, start: number): void {
    const kinds = this.kinds;
    for (let i = start; ; i++) {
      if (set[i] === 1) return;
      set[i] = 1;
      if (i >= this.n) return;
      const k = kinds[i];
      if (k !== STAR_ANY && k !== STAR_SEG) return;
    }
  }

  test(subject: string): boolean {
    if (subject.length < this.minLength || !subject.startsWith(this.prefix) || !subject.endsWith(this.suffix)) return false;
    const { n, kinds, codes } = this;
    let cur = this.cur;
    let nxt = this.nxt;
    cur.fill(0);
    const start = this.prefix.length;
    this.add(cur, start);
    for (let j = start; j < subject.length; j++) {
      const c = subject.charCodeAt(j);
      nxt.fill(0);
      let alive = false;
      for (let i = start; i < n; i++) {
        if (cur[i] !== 1) continue;
        switch (kinds[i]) {
          case LIT:
            if (codes[i] === c) {
              this.add(nxt, i + 1);
              alive = true;
            }
            break;
          case ANY:
            this.add(nxt, i + 1);
            alive = true;
            break;
          case ANY_SEG:
            if (c !== COLON) {
              this.add(nxt, i + 1);
              alive = true;
            }
            break;
          case STAR_ANY:
            this.add(nxt, i);
            alive = true;
            break;
          case STAR_SEG:
            if (c !== COLON) {
              this.add(nxt, i);
              alive = true;
            }
            break;
          default:
            break;
        }
      }
      if (!alive) return false;
      const t = cur;
      cur = nxt;
      nxt = t;
    }
    this.cur = cur;
    this.nxt = nxt;
    return cur[n] === 1;
  }
}

/** Splits policy text into literal runs and `*`/`?` wildcards. */
export function wildcardPieces(text: string): Piece[] {
  const out: Piece[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '*' || c === '?') {
      if (i > start) out.push(text.slice(start, i));
      out.push(c === '*' ? STAR : QMARK);
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Builds a matcher for a sequence of pieces; the cheap forms (everything, exact, prefix) avoid the NFA. */
export function compilePieces(pieces: readonly Piece[], mode: GlobMode): Matcher {
  const fold = mode === 'action';
  const lit = (s: string): string => (fold ? s.toLowerCase() : s);
  if (pieces.length === 1 && pieces[0] === STAR) return ALL;
  let wild = 0;
  let last = -1;
  for (let i = 0; i < pieces.length; i++) {
    if (typeof pieces[i] !== 'string') {
      wild++;
      last = i;
    }
  }
  const text = (from: number, to: number): string => lit(pieces.slice(from, to).join(''));
  if (wild === 0) return new Exact(text(0, pieces.length));
  if (wild === 1 && last === pieces.length - 1 && pieces[last] === STAR) {
    const p = text(0, last);
    // A trailing * crosses colons in every mode but `arn`, where it may only do so in the sixth component.
    if (mode !== 'arn' || countColons(p) >= 5) return new Prefix(p);
  }
  // Expand to per-character tokens, deciding each wildcard's reach from the segment it sits in.
  const kinds: number[] = [];
  const codes: number[] = [];
  let segment = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (typeof piece === 'string') {
      const s = lit(piece);
      for (let k = 0; k < s.length; k++) {
        const c = s.charCodeAt(k);
        kinds.push(LIT);
        codes.push(c);
        if (c === COLON) segment++;
      }
      continue;
    }
    const free = mode === 'action' || mode === 'string' || segment >= 5;
    if (piece === QMARK) {
      kinds.push(free ? ANY : ANY_SEG);
    } else if (free) {
      kinds.push(STAR_ANY);
    } else if (mode === 'resource') {
      const next = pieces[i + 1];
      const endsSegment = next === undefined || (typeof next === 'string' && next.startsWith(':'));
      kinds.push(endsSegment ? STAR_ANY : STAR_SEG);
    } else {
      kinds.push(STAR_SEG);
    }
    codes.push(0);
  }
  return new Nfa(Uint8Array.from(kinds), Uint16Array.from(codes));
}

function countColons(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === COLON) n++;
  return n;
}

/** A matcher for policy text with `*` and `?` wildcards. */
export function compileGlob(text: string, mode: GlobMode): Matcher {
  return compilePieces(wildcardPieces(text), mode);
}

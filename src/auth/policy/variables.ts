/**
 * Policy variables (reference_policies_variables): `${aws:username}` is
 * replaced by the request's value for that condition key when the policy is
 * evaluated; `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`;
 * `${key, 'default'}` supplies a value when the key has none (a doubled `''`
 * inside the default is one quote). Key names are case-insensitive; a
 * multivalued key cannot be a variable. A variable with no value and no
 * default leaves the pattern or value that contains it matching nothing.
 * Variables exist only in policies of Version 2012-10-17; in older ones the
 * text is literal.
 */
import { wildcardPieces, type Piece } from './glob.js';
import type { ContextLookup } from './conditionContext.js';

/** A reference to a condition key inside a policy string. */
export interface VariableRef {
  readonly key: string; // lower-cased
  readonly fallback: string | undefined;
}

/** Policy text after variable parsing: literal text (wildcards still to be read) and variables. */
export type TemplatePart = { readonly text: string } | { readonly literal: string } | VariableRef;

export interface Template {
  readonly parts: readonly TemplatePart[];
  readonly hasVariables: boolean;
}

const KEY = /^[A-Za-z0-9_.:/+=@-]+$/;

function parseVariable(body: string): TemplatePart | undefined {
  const inner = body.trim();
  if (inner === '*' || inner === '?' || inner === '$') return { literal: inner };
  const comma = inner.indexOf(',');
  if (comma < 0) return KEY.test(inner) ? { key: inner.toLowerCase(), fallback: undefined } : undefined;
  const key = inner.slice(0, comma).trim();
  const rest = inner.slice(comma + 1).trim();
  if (!KEY.test(key) || rest.length < 2 || rest[0] !== "'" || rest[rest.length - 1] !== "'") return undefined;
  const quoted = rest.slice(1, -1);
  // Inside the default a quote is written twice; a lone quote is malformed.
  if (quoted.replace(/''/g, '').includes("'")) return undefined;
  return { key: key.toLowerCase(), fallback: quoted.replace(/''/g, "'") };
}

/**
 * Finds the end of a `${...}` whose body starts at `from`: the first `}` outside a quoted default.
 * Returns -1 when there is none.
 */
function closing(text: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (c === '}' && !quoted) return i;
  }
  return -1;
}

/** Splits policy text into literal text and variables. With `variables` false (Version 2008-10-17) it is all text. */
export function parseTemplate(text: string, variables: boolean): Template {
  if (!variables || !text.includes('${')) return { parts: [{ text }], hasVariables: false };
  const parts: TemplatePart[] = [];
  let hasVariables = false;
  let start = 0;
  let i = text.indexOf('${');
  while (i >= 0) {
    const end = closing(text, i + 2);
    if (end < 0) break;
    const v = parseVariable(text.slice(i + 2, end));
    if (v === undefined) {
      // Not a variable: keep the text and look for the next one after this `${`.
      i = text.indexOf('${', i + 2);
      continue;
    }
    if (i > start) parts.push({ text: text.slice(start, i) });
    parts.push(v);
    if ('key' in v) hasVariables = true;
    start = end + 1;
    i = text.indexOf('${', start);
  }
  if (start < text.length) parts.push({ text: text.slice(start) });
  return { parts, hasVariables };
}

/** The value a variable takes in a request, or undefined when it has none (absent, or multivalued) and no default. */
export function resolveVariable(v: VariableRef, lookup: ContextLookup): string | undefined {
  const value = lookup(v.key);
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
  return v.fallback;
}

/** Template → pieces for a glob (wildcards read from policy text only); undefined when a variable has no value. */
export function templatePieces(t: Template, lookup: ContextLookup | undefined): Piece[] | undefined {
  const out: Piece[] = [];
  for (const p of t.parts) {
    if ('text' in p) out.push(...wildcardPieces(p.text));
    else if ('literal' in p) out.push(p.literal);
    else {
      if (lookup === undefined) return undefined;
      const value = resolveVariable(p, lookup);
      if (value === undefined) return undefined;
      out.push(value);
    }
  }
  return mergeLiterals(out);
}

/** Template → a plain string (for StringEquals, Bool, ...); undefined when a variable has no value. */
export function templateString(t: Template, lookup: ContextLookup | undefined): string | undefined {
  let out = '';
  for (const p of t.parts) {
    if ('text' in p) out += p.text;
    else if ('literal' in p) out += p.literal;
    else {
      if (lookup === undefined) return undefined;
      const value = resolveVariable(p, lookup);
      if (value === undefined) return undefined;
      out += value;
    }
  }
  return out;
}

function mergeLiterals(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of pieces) {
    const prev = out[out.length - 1];
    if (typeof p === 'string' && typeof prev === 'string') out[out.length - 1] = prev + p;
    else if (p !== '') out.push(p);
  }
  return out;
}

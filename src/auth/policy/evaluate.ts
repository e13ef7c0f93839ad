/**
 * Judges a request against compiled policies (reference_policies_evaluation-logic):
 * a statement applies when its Action/NotAction covers the action, its
 * Principal/NotPrincipal (if any) covers the caller, its Resource/NotResource
 * covers the resource and all of its conditions hold; an applicable Deny
 * wins over any Allow; with no applicable statement the answer is
 * `undefined` (the caller's implicit deny, or whatever another policy type
 * decides).
 *
 * The Deny statements of all policies are tried first, so an Allow is only
 * looked for when nothing denies. Nothing here parses or allocates beyond
 * lower-casing the action (and, for patterns holding policy variables,
 * resolving them).
 */
import { contextLookup, type ConditionContext, type ContextLookup } from './conditionContext.js';
import type { CompiledPolicy, CompiledStatement, RequestPrincipal } from './compile.js';

export type Decision = 'Allow' | 'Deny' | undefined;

export interface PolicyRequest {
  /** The IAM action, e.g. `s3:GetObject` (matched case-insensitively). */
  readonly action: string;
  /** The resource ARN, e.g. `arn:aws:s3:::bucket/key` (matched case-sensitively). */
  readonly resource: string;
  /** Condition keys and policy-variable values. A function is the cheap form: it is asked only for keys a condition names. */
  readonly context?: ConditionContext;
  /** The caller, for statements with Principal/NotPrincipal (resource and trust policies). Undefined is anonymous. */
  readonly principal?: RequestPrincipal;
}

/** Does the statement's Principal/NotPrincipal cover the caller? A statement with neither (identity policies) covers everyone. */
export function principalMatches(statement: CompiledStatement, principal: RequestPrincipal | undefined): boolean {
  if (statement.principal === undefined) return true;
  return statement.principal.matches(principal) !== statement.principalNegated;
}

function applies(s: CompiledStatement, action: string, req: PolicyRequest, lookup: ContextLookup): boolean {
  return s.coversAction(action) && principalMatches(s, req.principal) && s.coversResource(req.resource, lookup) && s.conditionsHold(lookup);
}

/** 'Deny' if any applicable statement denies, else 'Allow' if one allows, else undefined. */
export function evaluate(policies: readonly CompiledPolicy[], request: PolicyRequest): Decision {
  const action = request.action.toLowerCase();
  const lookup = contextLookup(request.context);
  for (const p of policies) for (const s of p.deny) if (applies(s, action, request, lookup)) return 'Deny';
  for (const p of policies) for (const s of p.allow) if (applies(s, action, request, lookup)) return 'Allow';
  return undefined;
}

/** The statements that apply to a request, in policy order (for explaining a decision; evaluate() is the fast path). */
export function applicableStatements(policies: readonly CompiledPolicy[], request: PolicyRequest): CompiledStatement[] {
  const action = request.action.toLowerCase();
  const lookup = contextLookup(request.context);
  const out: CompiledStatement[] = [];
  for (const p of policies) for (const s of p.statements) if (applies(s, action, request, lookup)) out.push(s);
  return out;
}

/**
 * Where several policy types must all grant access (a role session: the role's policies and the session policy;
 * reference_policies_evaluation-logic "the effective permissions are the intersection"): Deny if any denies, Allow if
 * every one allows, otherwise undefined.
 */
export function intersectDecisions(...decisions: readonly Decision[]): Decision {
  let allowed = decisions.length > 0;
  for (const d of decisions) {
    if (d === 'Deny') return 'Deny';
    if (d !== 'Allow') allowed = false;
  }
  return allowed ? 'Allow' : undefined;
}

/**
 * One compiled policy holding the statements of several (a principal's inline, attached and group policies), so the
 * per-principal cache holds one object and a request walks two flat lists. Judging the union is the same as judging
 * the policies: Deny anywhere wins, else Allow anywhere.
 */
export function combinePolicies(policies: readonly CompiledPolicy[]): CompiledPolicy {
  const statements = policies.flatMap((p) => p.statements);
  return {
    version: undefined, // each statement keeps how it was compiled (variables or not)
    statements,
    deny: policies.flatMap((p) => p.deny),
    allow: policies.flatMap((p) => p.allow),
  };
}

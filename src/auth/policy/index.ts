/**
 * The IAM policy language: validate a document when it is stored
 * (validatePolicy), compile it once (compilePolicy, combinePolicies for a
 * principal's set), judge requests (evaluate). Pure: no storage, no I/O.
 */
export {
  BASE_OPERATORS,
  POLICY_LIMITS,
  PolicyError,
  parseOperator,
  policySize,
  validatePolicy,
  type BaseOperator,
  type ConditionClause,
  type Effect,
  type PolicyDocument,
  type PolicyErrorCode,
  type PolicyKind,
  type PolicyLimits,
  type PolicyStatement,
  type PolicyVersion,
  type PrincipalSpec,
  type PrincipalType,
  type SetQualifier,
} from './document.js';
export { compilePolicy, CompiledCondition, CompiledPrincipal, CompiledStatement, PatternSet, type CompiledPolicy, type RequestPrincipal } from './compile.js';
export { applicableStatements, combinePolicies, evaluate, intersectDecisions, principalMatches, type Decision, type PolicyRequest } from './evaluate.js';
export {
  contextLookup,
  globalContext,
  layeredLookup,
  type ConditionContext,
  type ContextLookup,
  type ContextValue,
  type GlobalKeys,
  type PrincipalTypeValue,
} from './conditionContext.js';
export { compileGlob, type GlobMode, type Matcher } from './glob.js';
export { isPublicPolicy, statementIsPublic } from './public.js';
export { AWS_MANAGED_POLICY_PREFIX, MANAGED_POLICIES, isAwsManagedPolicyArn, managedPolicy, type ManagedPolicy } from './managed.js';

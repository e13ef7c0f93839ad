/**
 * Is a bucket policy public? Amazon S3's definition (access-control-block-public-access, "The meaning
 * of public"): a policy is non-public only if each of its Allow statements grants access to fixed
 * values (values without a wildcard or a policy variable) of
 * - a principal: an account, a user, a role, a canonical user or a service principal (not "*"), or
 * - one of the condition keys that pin the caller: aws:SourceIp (a set of CIDR blocks), aws:SourceArn,
 *   aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount, aws:PrincipalOrgID,
 *   aws:PrincipalAccount, aws:PrincipalArn, aws:userid (outside the pattern "AROLEID:*"),
 *   s3:DataAccessPointArn, s3:DataAccessPointAccount,
 *   s3:x-amz-server-side-encryption-aws-kms-key-id.
 * A statement that allows "*" (or uses NotPrincipal with Allow) without such a condition makes the
 * whole policy public. Deny statements never do. Used by GetBucketPolicyStatus, BlockPublicPolicy and
 * RestrictPublicBuckets. Pure.
 */
import type { ConditionClause, PolicyDocument, PolicyStatement, PrincipalSpec } from './document.js';
import { parseCidr } from './values.js';

/** Condition keys (lower-cased) whose fixed values pin who may call. */
const PINNING_KEYS = new Set([
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceowner',
  'aws:sourceaccount',
  'aws:principalorgid',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:userid',
  's3:dataaccesspointarn',
  's3:dataaccesspointaccount',
  's3:x-amz-server-side-encryption-aws-kms-key-id',
]);

/** Operators that pin a key to the listed values (a negated operator, IfExists or ForAllValues does not). */
const PINNING_OPERATORS = new Set(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike']);

/** The widest CIDR blocks that still count as "a set of CIDRs" (AWS treats 0.0.0.0/0-like ranges as public). */
const MIN_PREFIX = { 4: 8, 6: 32 } as const;

function fixed(value: string): boolean {
  return !/[*?]/.test(value) && !value.includes('${');
}

/** Does this condition clause pin the caller to fixed values? */
function pins(c: ConditionClause): boolean {
  if (c.ifExists || c.qualifier === 'ForAllValues' || c.values.length === 0) return false;
  const key = c.key.toLowerCase();
  if (key === 'aws:sourceip') {
    if (c.base !== 'IpAddress') return false;
    return c.values.every((v) => {
      const cidr = parseCidr(v);
      return cidr !== undefined && cidr.prefix >= MIN_PREFIX[cidr.family === 'ipv6' ? 6 : 4];
    });
  }
  if (!PINNING_KEYS.has(key) || !PINNING_OPERATORS.has(c.base)) return false;
  if (!c.values.every(fixed)) return false;
  // aws:userid "AROLEID:*" is every session of a role: a wildcard, already refused by fixed(); a bare role id is fixed.
  return true;
}

/** Does a Principal element name everyone? */
function everyone(spec: PrincipalSpec): boolean {
  return spec === '*' || (spec.AWS ?? []).includes('*');
}

/** Does an Allow statement grant public access? */
export function statementIsPublic(s: PolicyStatement): boolean {
  if (s.effect !== 'Allow') return false;
  // NotPrincipal with Allow grants everyone but the named principals.
  const open = s.notPrincipal !== undefined || (s.principal !== undefined && everyone(s.principal));
  if (!open) return false;
  return !s.conditions.some(pins);
}

/** Is this (validated) bucket policy public? */
export function isPublicPolicy(doc: PolicyDocument): boolean {
  return doc.statements.some(statementIsPublic);
}

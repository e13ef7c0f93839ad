/**
 * STS: AssumeRole, GetSessionToken, GetCallerIdentity. Temporary
 * credentials are AWS-shaped (an ASIA… key, a secret, a session token that
 * is the session itself, sealed with the instance key) and are accepted with
 * X-Amz-Security-Token by S3, IAM and STS until they expire.
 */
import { trustAllows } from '../auth/authorize.js';
import { policySize } from '../auth/policy/index.js';
import { action, iamDate, NAMES, queryError, type QueryAction, type QueryContext, type QueryRequest } from '../iam/protocol.js';
import { checkPolicy } from '../iam/shapes.js';
import type { Credentials } from '../core/identities.js';
import type { XmlObject } from '../xml/xml.js';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[\x21-\x7e]*\/)?)([\w+=,.@-]{1,64})$/;

function credentialsXml(c: Credentials): XmlObject {
  return { AccessKeyId: c.accessKey, SecretAccessKey: c.secret, SessionToken: c.sessionToken, Expiration: iamDate(c.expiration) };
}

const denied = (req: QueryRequest, resource: string, why: string) =>
  queryError('AccessDenied', `User: ${req.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${resource}${why ? ` ${why}` : ''}`);

/** The role an AssumeRole names, with its account; AccessDenied (revealing nothing) when there is none. */
function targetRole(ctx: QueryContext, req: QueryRequest) {
  const arn = req.params.name('RoleArn', /^arn:[\x21-\x7e]+$/, 2048, true);
  const m = ROLE_ARN.exec(arn);
  if (!m) throw queryError('ValidationError', `${arn} is invalid`);
  const [, accountId, path, name] = m as unknown as [string, string, string, string];
  const account = ctx.services.iam.accountByAccountId(accountId);
  const role = account ? ctx.services.iam.findRole(account, name) : undefined;
  if (!account || !role || role.path !== path) throw denied(req, arn, '');
  return { arn, account, role };
}

export const AssumeRole = action({
  name: 'AssumeRole',
  // The identity side is judged in run: whether it is needed depends on what the trust policy names.
  permissions: () => [],
  run: (ctx, req) => {
    const p = req.params;
    const caller = req.principal;
    const sessionName = p.name('RoleSessionName', NAMES.session, 64, true);
    if (sessionName.length < 2)
      throw queryError(
        'ValidationError',
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2`,
      );
    const duration = p.int('DurationSeconds', 900, 43200) ?? 3600;
    const sessionPolicy = p.get('Policy');
    if (sessionPolicy !== undefined) {
      checkPolicy(sessionPolicy, 'session');
      if (policySize(sessionPolicy) > 2048) throw queryError('PackedPolicyTooLarge', 'Packed policy consumes more than 100% of the allotted space.');
    }
    if (caller.type === 'Account') throw queryError('AccessDenied', 'Roles may not be assumed by root accounts.');
    const { arn, account, role } = targetRole(ctx, req);
    if (duration > role.maxSessionDuration) {
      throw queryError('ValidationError', `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`);
    }
    // Role chaining: a session may assume a role for at most an hour.
    if (caller.type === 'AssumedRole' && duration > 3600) {
      throw queryError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    }
    const trust = trustAllows(ctx.clock(), caller, role.trustPolicy, arn, req.facts);
    if (trust === undefined) throw denied(req, arn, '');
    // The caller's own policies: an explicit Deny there wins over any trust policy. Another account's role, or a trust
    // policy that trusts the whole account, needs their Allow too; a trust policy naming the caller is enough alone.
    const identity = req.decision({ action: 'sts:AssumeRole', resource: arn });
    if (identity === 'Deny') throw denied(req, arn, 'with an explicit deny in an identity-based policy');
    if ((trust === 'account' || account.id !== caller.account.id) && identity !== 'Allow') {
      throw denied(req, arn, 'because no identity-based policy allows the sts:AssumeRole action');
    }
    const creds = ctx.services.identities.issueSession({ account, role, sessionName, sessionPolicy, durationSeconds: duration });
    return {
      Credentials: credentialsXml(creds),
      AssumedRoleUser: { AssumedRoleId: `${role.roleId}:${sessionName}`, Arn: `arn:aws:sts::${account.accountId}:assumed-role/${role.name}/${sessionName}` },
      PackedPolicySize: sessionPolicy === undefined ? undefined : Math.ceil((policySize(sessionPolicy) / 2048) * 100),
    };
  },
});

export const GetSessionToken = action({
  name: 'GetSessionToken',
  permissions: () => [],
  run: (ctx, req) => {
    const caller = req.principal;
    if (caller.temporary) throw queryError('AccessDenied', 'Cannot call GetSessionToken with session credentials');
    // 900 to 129600 seconds, 12 hours by default; the root user's sessions last at most an hour ("If the duration is
    // longer than one hour, the session for Amazon Web Services account owners defaults to one hour").
    const asked = req.params.int('DurationSeconds', 900, 129600);
    const duration = caller.type === 'Account' ? Math.min(asked ?? 3600, 3600) : (asked ?? 43200);
    if (req.params.has('SerialNumber') || req.params.has('TokenCode'))
      throw queryError('AccessDenied', 'Cairn has no MFA devices: call GetSessionToken without SerialNumber and TokenCode.');
    const creds = ctx.services.identities.issueSession({ account: caller.account, user: caller.iamUser, durationSeconds: duration });
    return { Credentials: credentialsXml(creds) };
  },
});

export const GetCallerIdentity = action({
  name: 'GetCallerIdentity',
  permissions: () => [],
  run: (_ctx, req) => ({ UserId: req.principal.userId, Account: req.principal.account.accountId, Arn: req.principal.arn }),
});

export const STS_ACTIONS: ReadonlyMap<string, QueryAction> = new Map([AssumeRole, GetSessionToken, GetCallerIdentity].map((a) => [a.name, a]));

/**
 * STS through @aws-sdk/client-sts: GetCallerIdentity, AssumeRole and
 * GetSessionToken, and the temporary credentials they return used for S3
 * (header and presigned), IAM and STS until they expire on the injected clock.
 */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  ListUsersCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { DeleteBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, type Credentials } from '@aws-sdk/client-sts';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectS3Error, newBucket, text } from '../helpers/s3.js';
import { ADMIN, createUser, destroyClients, doc, expectQueryError, iamClient, s3As, stsClient, type Creds, type TestUser } from '../helpers/iam-users.js';

let ts: TestServer;
let admin: S3Client;
let adminIam: IAMClient;
let accountId: string;
let bucket: string;
let n = 0;
const uname = (base: string) => `${base}-${n++}`;

beforeAll(async () => {
  ts = await startTestServer();
  admin = ts.client();
  adminIam = iamClient(ts);
  accountId = (await stsClient(ts).send(new GetCallerIdentityCommand({}))).Account!;
  bucket = await newBucket(admin, { prefix: 'sts' });
  await admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'a.txt', Body: 'hello' }));
});
afterAll(async () => {
  if (ts) destroyClients(ts);
  await ts?.stop();
});

const get = async (c: S3Client, Bucket: string, Key: string) => text(await c.send(new GetObjectCommand({ Bucket, Key })));
const put = (c: S3Client, Bucket: string, Key: string, Body = 'data') => c.send(new PutObjectCommand({ Bucket, Key, Body }));
const denied = (p: Promise<unknown>) => expectS3Error(p, 'AccessDenied', 403);
const session = (c: Credentials): Creds => ({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
const trust = (principal: object, extra: object = {}) => doc({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra });

/** Creates a role with a trust policy and an optional inline policy; answers its ARN. */
async function createRole(name: string, trustPolicy: object, opts: { policy?: object; maxSessionDuration?: number; iam?: IAMClient } = {}): Promise<string> {
  const iam = opts.iam ?? adminIam;
  const r = await iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trustPolicy), MaxSessionDuration: opts.maxSessionDuration }),
  );
  if (opts.policy) await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'perms', PolicyDocument: JSON.stringify(opts.policy) }));
  return r.Role!.Arn!;
}

const readWrite = (b: string) =>
  doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`] });

async function assume(user: TestUser | Creds, RoleArn: string, extra: { DurationSeconds?: number; Policy?: string; RoleSessionName?: string } = {}) {
  const creds = 'creds' in user ? user.creds : user;
  return stsClient(ts, creds).send(new AssumeRoleCommand({ RoleArn, RoleSessionName: extra.RoleSessionName ?? 'test-session', ...extra }));
}

describe('GetCallerIdentity', () => {
  it('names the root user, an IAM user and a role session as AWS does', async () => {
    const root = await stsClient(ts).send(new GetCallerIdentityCommand({}));
    expect(root.Account).toMatch(/^\d{12}$/);
    expect(root).toMatchObject({ Arn: `arn:aws:iam::${root.Account}:root`, UserId: root.Account });

    // No policy is needed to ask who you are.
    const u = await createUser(ts, adminIam, uname('who'));
    const user = await stsClient(ts, u.creds).send(new GetCallerIdentityCommand({}));
    expect(user.Arn).toBe(`arn:aws:iam::${accountId}:user/${u.name}`);
    expect(user.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
    expect(user.Account).toBe(accountId);

    const role = uname('who-role');
    const arn = await createRole(role, trust({ AWS: u.arn }));
    const s = await assume(u, arn, { RoleSessionName: 'my-session' });
    const me = await stsClient(ts, session(s.Credentials!)).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:sts::${accountId}:assumed-role/${role}/my-session`);
    expect(me.UserId).toMatch(/^AROA[A-Z0-9]{17}:my-session$/);
    expect(me.Account).toBe(accountId);
    expect(s.AssumedRoleUser).toEqual({ Arn: me.Arn, AssumedRoleId: me.UserId });
  });
});

describe('AssumeRole', () => {
  it('a trust policy naming the user lets it assume the role without any identity policy', async () => {
    const u = await createUser(ts, adminIam, uname('assumer'));
    const arn = await createRole(uname('named'), trust({ AWS: u.arn }), { policy: readWrite(bucket) });
    const before = Date.now() + ts.now.offsetMs;
    const r = await assume(u, arn, { DurationSeconds: 900 });
    const c = r.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(c.SecretAccessKey).toMatch(/^.{40}$/);
    expect(c.SessionToken!.length).toBeGreaterThan(100);
    // Expiration is DurationSeconds from now (the Query protocol's dates are whole seconds).
    const expires = c.Expiration!.getTime();
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + ts.now.offsetMs + 900_000 + 1000);
  });

  it('a trust policy naming the account: the user’s identity policy must allow sts:AssumeRole on the role too', async () => {
    const arn = await createRole(uname('account-trust'), trust({ AWS: `arn:aws:iam::${accountId}:root` }), { policy: readWrite(bucket) });
    const without = await createUser(ts, adminIam, uname('no-policy'));
    await expectQueryError(assume(without, arn), 'AccessDenied', 403);
    const other = await createUser(ts, adminIam, uname('other-role'), {
      inline: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${accountId}:role/some-other-role` }),
    });
    await expectQueryError(assume(other, arn), 'AccessDenied', 403);
    const allowed = await createUser(ts, adminIam, uname('allowed'), { inline: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: arn }) });
    expect((await assume(allowed, arn)).Credentials?.AccessKeyId).toMatch(/^ASIA/);
    // The account named by its bare id works the same way.
    const bare = await createRole(uname('bare-id'), trust({ AWS: accountId }));
    await expectQueryError(assume(without, bare), 'AccessDenied', 403);
    const wildcard = await createUser(ts, adminIam, uname('any-role'), { inline: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) });
    await assume(wildcard, bare);
    // An explicit Deny in the identity policy wins even over a trust policy naming the user.
    const denyUser = await createUser(ts, adminIam, uname('deny'), { inline: doc({ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }) });
    const namesDeny = await createRole(uname('names-deny'), trust({ AWS: denyUser.arn }));
    await expectQueryError(assume(denyUser, namesDeny), 'AccessDenied', 403);
  });

  it('denied when the trust policy does not allow, for a role that does not exist, and for root credentials', async () => {
    const u = await createUser(ts, adminIam, uname('stranger'), { inline: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) });
    const someoneElse = await createUser(ts, adminIam, uname('someone'));
    const arn = await createRole(uname('not-yours'), trust({ AWS: someoneElse.arn }));
    await expectQueryError(assume(u, arn), 'AccessDenied', 403);
    // A trust policy whose condition fails.
    const cond = await createRole(uname('cond'), trust({ AWS: u.arn }, { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }));
    await expectQueryError(assume(u, cond), 'AccessDenied', 403);
    // A trust policy's explicit Deny.
    const deny = await createRole(
      uname('deny'),
      doc({ Effect: 'Allow', Principal: { AWS: u.arn }, Action: 'sts:AssumeRole' }, { Effect: 'Deny', Principal: { AWS: u.arn }, Action: 'sts:AssumeRole' }),
    );
    await expectQueryError(assume(u, deny), 'AccessDenied', 403);
    // A role that does not exist is AccessDenied (it reveals nothing), in this account or another.
    await expectQueryError(assume(u, `arn:aws:iam::${accountId}:role/no-such-role`), 'AccessDenied', 403);
    await expectQueryError(assume(u, `arn:aws:iam::999999999999:role/no-such-role`), 'AccessDenied', 403);
    await expectQueryError(assume(u, 'not-an-arn'), 'ValidationError', 400);
    // The root user may not assume a role, even one that trusts its account.
    const rootTrust = await createRole(uname('root-trust'), trust({ AWS: `arn:aws:iam::${accountId}:root` }));
    await expectQueryError(assume(ADMIN, rootTrust), 'AccessDenied', 403);
  });

  it('DurationSeconds: 900 to 43200 and at most the role’s MaxSessionDuration, else ValidationError', async () => {
    const u = await createUser(ts, adminIam, uname('durations'));
    const arn = await createRole(uname('short'), trust({ AWS: u.arn }), { maxSessionDuration: 7200 });
    await expectQueryError(assume(u, arn, { DurationSeconds: 899 }), 'ValidationError', 400);
    await expectQueryError(assume(u, arn, { DurationSeconds: 43201 }), 'ValidationError', 400);
    await expectQueryError(assume(u, arn, { DurationSeconds: 7201 }), 'ValidationError', 400);
    const ok = await assume(u, arn, { DurationSeconds: 7200 });
    expect(ok.Credentials!.Expiration!.getTime() - (Date.now() + ts.now.offsetMs)).toBeGreaterThan(7199_000 - 2000);
    const long = await createRole(uname('long'), trust({ AWS: u.arn }), { maxSessionDuration: 43200 });
    await assume(u, long, { DurationSeconds: 43200 });
    // Without DurationSeconds: an hour.
    const dflt = await assume(u, arn);
    expect(Math.round((dflt.Credentials!.Expiration!.getTime() - (Date.now() + ts.now.offsetMs)) / 60_000)).toBe(60);
  });

  it("the credentials act with the role's policies on S3 (header and presigned), IAM and STS", async () => {
    const u = await createUser(ts, adminIam, uname('worker'));
    const other = await newBucket(admin, { prefix: 'sts-other' });
    const arn = await createRole(uname('s3-role'), trust({ AWS: u.arn }), {
      policy: doc(
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${bucket}/*` },
        { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' },
      ),
    });
    const creds = session((await assume(u, arn)).Credentials!);
    const s3 = s3As(ts, creds);
    await put(s3, bucket, 'from-role.txt', 'role wrote this');
    expect(await get(admin, bucket, 'from-role.txt')).toBe('role wrote this');
    expect(await get(s3, bucket, 'a.txt')).toBe('hello');
    await denied(put(s3, other, 'x'));
    await denied(s3.send(new ListBucketsCommand({})));
    // The user itself has no such permission: the role's, not the caller's, apply.
    await denied(get(u.s3, bucket, 'a.txt'));

    // A presigned URL carries X-Amz-Security-Token.
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'a.txt' }), { expiresIn: 300 });
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe(creds.sessionToken);
    const res = await request(url);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('hello');
    const deniedUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: other, Key: 'x' }), { expiresIn: 300 });
    const r2 = await request(deniedUrl);
    expect(r2.statusCode).toBe(403);
    expect(await r2.body.text()).toContain('<Code>AccessDenied</Code>');

    // IAM: what the role allows, nothing more.
    const iam = iamClient(ts, creds);
    const users = await iam.send(new ListUsersCommand({}));
    expect(users.Users?.map((x) => x.UserName)).toContain(u.name);
    await expectQueryError(iam.send(new CreateUserCommand({ UserName: uname('nope') })), 'AccessDenied', 403);
    // STS.
    const me = await stsClient(ts, creds).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toMatch(/:assumed-role\//);
  });

  it('a session Policy narrows the role: the role allows s3:*, the session only s3:GetObject', async () => {
    const u = await createUser(ts, adminIam, uname('narrow'));
    const arn = await createRole(uname('wide'), trust({ AWS: u.arn }), { policy: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) });
    const Policy = JSON.stringify(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }));
    const r = await assume(u, arn, { Policy });
    expect(r.PackedPolicySize).toBeGreaterThan(0);
    const s3 = s3As(ts, session(r.Credentials!));
    expect(await get(s3, bucket, 'a.txt')).toBe('hello');
    await denied(put(s3, bucket, 'narrowed.txt'));
    await denied(s3.send(new ListBucketsCommand({})));
    // A session policy grants nothing the role does not: s3:PutObject in the session policy of a read-only role.
    const ro = await createRole(uname('ro'), trust({ AWS: u.arn }), { policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) });
    const wider = JSON.stringify(doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }));
    const s3ro = s3As(ts, session((await assume(u, ro, { Policy: wider })).Credentials!));
    await denied(put(s3ro, bucket, 'widened.txt'));
    // A malformed session policy is refused: the SDK names STS's modelled MalformedPolicyDocument error by its shape.
    await expectQueryError(assume(u, arn, { Policy: '{"Statement":' }), 'MalformedPolicyDocumentException', 400);
    await expectQueryError(
      assume(u, arn, { Policy: JSON.stringify(doc({ Effect: 'Permit', Action: 's3:*', Resource: '*' })) }),
      'MalformedPolicyDocumentException',
      400,
    );
  });

  it('a role session may assume another role (role chaining) for at most an hour', async () => {
    const u = await createUser(ts, adminIam, uname('chain'));
    const first = uname('first');
    const firstArn = await createRole(first, trust({ AWS: u.arn }));
    const second = await createRole(uname('second'), trust({ AWS: firstArn }), { policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) });
    const s1 = session((await assume(u, firstArn)).Credentials!);
    await expectQueryError(assume(s1, second, { DurationSeconds: 3601 }), 'ValidationError', 400);
    const s2 = await assume(s1, second);
    expect(await get(s3As(ts, session(s2.Credentials!)), bucket, 'a.txt')).toBe('hello');
  });

  it('another account’s user assumes a role that trusts its account when its own policy allows it, and acts in the role’s account', async () => {
    const b = await ts.ctx.services.iam.createAccount(uname('partner'));
    const bCreds = { accessKeyId: b.accessKey, secretAccessKey: b.secret };
    const partner = await createUser(ts, iamClient(ts, bCreds), uname('partner-user'));
    const arn = await createRole(uname('for-partner'), trust({ AWS: b.account.accountId }), { policy: readWrite(bucket) });
    await expectQueryError(assume(partner, arn), 'AccessDenied', 403);
    await iamClient(ts, bCreds).send(
      new PutUserPolicyCommand({
        UserName: partner.name,
        PolicyName: 'assume',
        PolicyDocument: JSON.stringify(doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: arn })),
      }),
    );
    const creds = session((await assume(partner, arn)).Credentials!);
    expect((await stsClient(ts, creds).send(new GetCallerIdentityCommand({}))).Account).toBe(accountId);
    expect(await get(s3As(ts, creds), bucket, 'a.txt')).toBe('hello');
    // The partner itself still cannot reach the bucket.
    await denied(get(partner.s3, bucket, 'a.txt'));
  });
});

describe('temporary credentials that no longer hold', () => {
  let u: TestUser;
  let roleName: string;
  let creds: Creds;
  let expiration: number;
  beforeAll(async () => {
    u = await createUser(ts, adminIam, uname('holder'));
    roleName = uname('expiring');
    const arn = await createRole(roleName, trust({ AWS: u.arn }), { policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) });
    const r = await assume(u, arn, { DurationSeconds: 900 });
    creds = session(r.Credentials!);
    expiration = r.Credentials!.Expiration!.getTime();
  });

  it('past Expiration on the server’s clock: ExpiredToken on S3 (400) and on STS', async () => {
    expect(await get(s3As(ts, creds), bucket, 'a.txt')).toBe('hello');
    const saved = ts.now.offsetMs;
    ts.now.offsetMs = expiration - Date.now() + 60_000;
    try {
      const offset = ts.now.offsetMs;
      await expectS3Error(get(s3As(ts, creds, { systemClockOffset: offset }), bucket, 'a.txt'), 'ExpiredToken', 400);
      const url = await getSignedUrl(s3As(ts, creds), new GetObjectCommand({ Bucket: bucket, Key: 'a.txt' }), {
        expiresIn: 300,
        signingDate: new Date(Date.now() + offset),
      });
      const res = await request(url);
      expect(res.statusCode).toBe(400);
      expect(await res.body.text()).toContain('<Code>ExpiredToken</Code>');
      await expectQueryError(stsClient(ts, creds, offset).send(new GetCallerIdentityCommand({})), 'ExpiredToken', 403);
      await expectQueryError(iamClient(ts, creds, { systemClockOffset: offset }).send(new ListUsersCommand({})), 'ExpiredToken', 403);
    } finally {
      ts.now.offsetMs = saved;
    }
    // Just before it expires, it still works.
    ts.now.offsetMs = expiration - Date.now() - 30_000;
    try {
      expect(await get(s3As(ts, creds, { systemClockOffset: ts.now.offsetMs }), bucket, 'a.txt')).toBe('hello');
    } finally {
      ts.now.offsetMs = saved;
    }
  });

  it('a token altered by one character is InvalidToken (S3) / InvalidClientTokenId (STS)', async () => {
    const t = creds.sessionToken!;
    const i = Math.floor(t.length / 2);
    const forged = { ...creds, sessionToken: `${t.slice(0, i)}${t[i] === 'A' ? 'B' : 'A'}${t.slice(i + 1)}` };
    await expectS3Error(get(s3As(ts, forged), bucket, 'a.txt'), 'InvalidToken', 400);
    await expectQueryError(stsClient(ts, forged).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
    // Someone else's token with this key: the token names another key.
    const other = session((await stsClient(ts, u.creds).send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!);
    const swapped = { ...creds, sessionToken: other.sessionToken };
    await expectS3Error(get(s3As(ts, swapped), bucket, 'a.txt'), 'InvalidToken', 400);
    await expectQueryError(stsClient(ts, swapped).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
    // A long-term key with a token, and a temporary key without one.
    await expectS3Error(get(s3As(ts, { ...u.creds, sessionToken: t }), bucket, 'a.txt'), 'InvalidToken', 400);
    await expectS3Error(get(s3As(ts, { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }), bucket, 'a.txt'), 'InvalidAccessKeyId', 403);
  });

  it('the right token signed with another secret is SignatureDoesNotMatch', async () => {
    const wrong = { ...creds, secretAccessKey: `${creds.secretAccessKey.slice(0, -1)}${creds.secretAccessKey.endsWith('x') ? 'y' : 'x'}` };
    await expectS3Error(get(s3As(ts, wrong), bucket, 'a.txt'), 'SignatureDoesNotMatch', 403);
    await expectQueryError(stsClient(ts, wrong).send(new GetCallerIdentityCommand({})), 'SignatureDoesNotMatch', 403);
  });

  it('deleting the role ends its sessions, and a new role of the same name does not revive them', async () => {
    const s3 = s3As(ts, creds);
    expect(await get(s3, bucket, 'a.txt')).toBe('hello');
    await adminIam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'perms' }));
    // The role without its policy: the session may do nothing.
    await denied(get(s3, bucket, 'a.txt'));
    await adminIam.send(new DeleteRoleCommand({ RoleName: roleName }));
    await expectS3Error(get(s3, bucket, 'a.txt'), 'InvalidAccessKeyId', 403);
    await expectQueryError(stsClient(ts, creds).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
    await createRole(roleName, trust({ AWS: u.arn }), { policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) });
    await expectS3Error(get(s3, bucket, 'a.txt'), 'InvalidAccessKeyId', 403);
  });
});

describe('GetSessionToken', () => {
  it('an IAM user’s session acts as the user on S3; IAM calls are AccessDenied (no MFA); no GetSessionToken from a session', async () => {
    const u = await createUser(ts, adminIam, uname('gst'), {
      inline: doc({ Effect: 'Allow', Action: ['s3:GetObject', 'iam:*'], Resource: '*' }),
    });
    const r = await stsClient(ts, u.creds).send(new GetSessionTokenCommand({ DurationSeconds: 129600 }));
    const c = r.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA/);
    expect(Math.round((c.Expiration!.getTime() - (Date.now() + ts.now.offsetMs)) / 3600_000)).toBe(36);
    const creds = session(c);
    const s3 = s3As(ts, creds);
    expect(await get(s3, bucket, 'a.txt')).toBe('hello');
    await denied(put(s3, bucket, 'gst.txt'));
    expect((await stsClient(ts, creds).send(new GetCallerIdentityCommand({}))).Arn).toBe(u.arn);
    // IAM refuses credentials from GetSessionToken without MFA, whatever the user's policy.
    await expectQueryError(iamClient(ts, creds).send(new ListUsersCommand({})), 'AccessDenied', 403);
    await expectQueryError(stsClient(ts, creds).send(new GetSessionTokenCommand({})), 'AccessDenied', 403);
    // The default is 12 hours; the limits 900 and 129600.
    const dflt = (await stsClient(ts, u.creds).send(new GetSessionTokenCommand({}))).Credentials!;
    expect(Math.round((dflt.Expiration!.getTime() - (Date.now() + ts.now.offsetMs)) / 3600_000)).toBe(12);
    await expectQueryError(stsClient(ts, u.creds).send(new GetSessionTokenCommand({ DurationSeconds: 899 })), 'ValidationError', 400);
    await expectQueryError(stsClient(ts, u.creds).send(new GetSessionTokenCommand({ DurationSeconds: 129601 })), 'ValidationError', 400);
    // A role session may not call it either.
    const arn = await createRole(uname('gst-role'), trust({ AWS: u.arn }));
    const rs = session((await assume(u, arn)).Credentials!);
    await expectQueryError(stsClient(ts, rs).send(new GetSessionTokenCommand({})), 'AccessDenied', 403);
  });

  it('a deleted user’s sessions end, and do not pass to a user created after it', async () => {
    const name = uname('leaving');
    const u = await createUser(ts, adminIam, name, { inline: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) });
    const creds = session((await stsClient(ts, u.creds).send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!);
    const s3 = s3As(ts, creds);
    expect(await get(s3, bucket, 'a.txt')).toBe('hello');
    await adminIam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: 'inline' }));
    await adminIam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: u.creds.accessKeyId }));
    await adminIam.send(new DeleteUserCommand({ UserName: name }));
    await expectS3Error(get(s3, bucket, 'a.txt'), 'InvalidAccessKeyId', 403);
    // The next user (same name, and the row the old one had) is someone else.
    await createUser(ts, adminIam, name, { inline: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) });
    await expectS3Error(get(s3, bucket, 'a.txt'), 'InvalidAccessKeyId', 403);
    await expectQueryError(stsClient(ts, creds).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
  });

  it('aws:MultiFactorAuthPresent: absent for long-term keys, false for temporary ones (AWS’s BoolIfExists example denies both)', async () => {
    const mfa = await createUser(ts, adminIam, uname('mfa'), {
      inline: doc(
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/a.txt`,
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
        {
          Effect: 'Deny',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/root-session.txt`,
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
      ),
    });
    await put(admin, bucket, 'root-session.txt', 'r');
    await denied(get(mfa.s3, bucket, 'a.txt'));
    // Bool without IfExists: a long-term key has no such key, so the Deny does not apply.
    expect(await get(mfa.s3, bucket, 'root-session.txt')).toBe('r');
    const s3 = s3As(ts, session((await stsClient(ts, mfa.creds).send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!));
    await denied(get(s3, bucket, 'a.txt'));
    await denied(get(s3, bucket, 'root-session.txt'));
  });

  it('the root user’s session: at most an hour (a longer request gets an hour), and it acts as the root', async () => {
    const sts = stsClient(ts);
    const hour = (c: Credentials) => Math.round((c.Expiration!.getTime() - (Date.now() + ts.now.offsetMs)) / 60_000);
    expect(hour((await sts.send(new GetSessionTokenCommand({}))).Credentials!)).toBe(60);
    expect(hour((await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!)).toBe(15);
    expect(hour((await sts.send(new GetSessionTokenCommand({ DurationSeconds: 7200 }))).Credentials!)).toBe(60);
    await expectQueryError(sts.send(new GetSessionTokenCommand({ DurationSeconds: 899 })), 'ValidationError', 400);
    const creds = session((await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!);
    const s3 = s3As(ts, creds);
    await put(s3, bucket, 'root-session.txt', 'r');
    expect(await get(s3, bucket, 'root-session.txt')).toBe('r');
    expect((await stsClient(ts, creds).send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::${accountId}:root`);
    await expectQueryError(iamClient(ts, creds).send(new ListUsersCommand({})), 'AccessDenied', 403);
  });

  it('a deleted account’s root sessions end, and do not pass to an account created after it', async () => {
    const iam = ts.ctx.services.iam;
    const name = uname('gone');
    const r = await iam.createAccount(name);
    const root = { accessKeyId: r.accessKey, secretAccessKey: r.secret };
    const creds = session((await stsClient(ts, root).send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials!);
    const s3 = s3As(ts, creds);
    const b = await newBucket(s3, { prefix: 'gone' });
    await s3.send(new DeleteBucketCommand({ Bucket: b }));
    await iam.deleteAccount(name);
    await expectQueryError(stsClient(ts, creds).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
    const next = await iam.createAccount(uname('next'));
    expect(next.account.id).toBe(r.account.id);
    await expectQueryError(stsClient(ts, creds).send(new GetCallerIdentityCommand({})), 'InvalidClientTokenId', 403);
    await expectS3Error(s3.send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403);
  });
});

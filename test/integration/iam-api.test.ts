/**
 * The IAM Query API on the S3 port, driven by @aws-sdk/client-iam at its current defaults (and raw signed
 * requests where the SDK would hide the wire): every action Cairn serves with its success shape and its error
 * codes and statuses, who may call what (account roots, IAM users with and without policies, other accounts),
 * and the protocol itself (GET and POST, the error envelope, routing by scope and by host). Every denial checks
 * that nothing changed.
 */
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  IAMServiceException,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  SetDefaultPolicyVersionCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateGroupCommand,
  UpdateRoleCommand,
  UpdateUserCommand,
  type User,
} from '@aws-sdk/client-iam';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_ACTIONS } from '../../src/iam/actions/accounts.js';
import { IAM_ACTIONS } from '../../src/iam/registry.js';
import { expectS3Error } from '../helpers/s3.js';
import { ACCESS_KEY, SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';
import { Sha256 } from '../helpers/signing.js';

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

const ADMIN: Creds = { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY };

let ts: TestServer;
let admin: IAMClient;
/** The admin account's 12-digit id. */
let accountId: string;
const clients: IAMClient[] = [];

function iam(credentials: Creds = ADMIN): IAMClient {
  const c = new IAMClient({ endpoint: ts.url, region: 'us-east-1', credentials });
  clients.push(c);
  return c;
}

/** The SDK names modeled errors by their class (NoSuchEntityException); `Code` keeps the code on the wire. */
type IamErr = IAMServiceException & { Code?: string; $metadata: { httpStatusCode?: number } };

/** Expects `p` to fail with this IAM error code and HTTP status; returns the error. */
async function expectIamError(p: Promise<unknown>, code: string, status: number): Promise<IamErr> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  if (!(err instanceof IAMServiceException)) throw new Error(`expected ${code}, got ${err === undefined ? 'success' : String(err)}`);
  const e = err as IamErr;
  expect({ code: e.Code, status: e.$metadata.httpStatusCode }).toEqual({ code, status });
  return e;
}

let seq = 0;
/** A unique IAM name with a prefix. */
const uniq = (prefix: string) => `${prefix}${Date.now().toString(36)}${seq++}`;

const doc = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
const allow = (action: string | string[], resource: string | string[] = '*') => doc({ Effect: 'Allow', Action: action, Resource: resource });
const TRUST = (account: string) => doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' });
const AWS_POLICY = (name: string) => `arn:aws:iam::aws:policy/${name}`;

/** A new IAM user of the admin account, with a key and (optionally) policies; its IAM and S3 clients. */
async function newUser(opts: { managed?: string[]; inline?: string; path?: string; name?: string } = {}) {
  const name = opts.name ?? uniq('u');
  await admin.send(new CreateUserCommand({ UserName: name, Path: opts.path }));
  for (const arn of opts.managed ?? []) await admin.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: arn }));
  if (opts.inline !== undefined) await admin.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'inline', PolicyDocument: opts.inline }));
  const key = (await admin.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  const creds = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  return { name, creds, iam: iam(creds), s3: ts.client({ credentials: creds }) };
}

/** RFC 3986 encoding, as SigV4 canonicalises query strings. */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A raw IAM request: the parameters in a form body (POST) or the query string (GET), signed with SigV4 for
 * service `iam` (or not at all), to the test server with any Host header.
 */
async function rawIam(
  params: Record<string, string>,
  opts: { method?: 'GET' | 'POST'; creds?: Creds; host?: string; anonymous?: boolean; service?: string } = {},
) {
  const method = opts.method ?? 'POST';
  const host = opts.host ?? new URL(ts.url).host;
  const encoded = Object.entries(params)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const headers: Record<string, string> = { host };
  let body: string | undefined;
  const query: Record<string, string> = {};
  if (method === 'POST') {
    body = encoded;
    headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  } else {
    Object.assign(query, params);
  }
  if (!opts.anonymous) {
    const signer = new SignatureV4({ credentials: opts.creds ?? ADMIN, region: 'us-east-1', service: opts.service ?? 'iam', sha256: Sha256 });
    const signed = await signer.sign({ method, protocol: 'http:', hostname: host, path: '/', query, headers, body });
    Object.assign(headers, signed.headers);
  }
  const res = await request(`${ts.url}/${method === 'GET' ? `?${encoded}` : ''}`, { method, headers, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

beforeAll(async () => {
  ts = await startTestServer();
  admin = iam();
  const me = await admin.send(new GetUserCommand({}));
  accountId = /^arn:aws:iam::(\d{12}):root$/.exec(me.User!.Arn!)![1]!;
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await ts.stop();
});

// ------------------------------------------------------------------------------------------------ users

describe('users', () => {
  it('CreateUser with a Path and Tags answers the User; GetUser shows it with its tags', async () => {
    const name = uniq('alice');
    const out = await admin.send(
      new CreateUserCommand({
        UserName: name,
        Path: '/team/',
        Tags: [
          { Key: 'dept', Value: 'photos' },
          { Key: 'café', Value: 'crème brûlée' },
        ],
      }),
    );
    expect(out.User).toMatchObject({
      UserName: name,
      Path: '/team/',
      Arn: `arn:aws:iam::${accountId}:user/team/${name}`,
      Tags: [
        { Key: 'dept', Value: 'photos' },
        { Key: 'café', Value: 'crème brûlée' },
      ],
    });
    expect(out.User!.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(out.User!.CreateDate).toBeInstanceOf(Date);
    expect(Math.abs(out.User!.CreateDate!.getTime() - Date.now())).toBeLessThan(60_000);
    const got = await admin.send(new GetUserCommand({ UserName: name }));
    expect(got.User).toEqual(out.User);
    // Names are looked up case-insensitively, and shown as created.
    expect((await admin.send(new GetUserCommand({ UserName: name.toUpperCase() }))).User!.UserName).toBe(name);
  });

  it('names are unique case-insensitively: EntityAlreadyExists 409, and the first user is unchanged', async () => {
    const name = uniq('Bob');
    const first = await admin.send(new CreateUserCommand({ UserName: name, Path: '/a/' }));
    await expectIamError(admin.send(new CreateUserCommand({ UserName: name.toLowerCase(), Path: '/b/' })), 'EntityAlreadyExists', 409);
    await expectIamError(admin.send(new CreateUserCommand({ UserName: name })), 'EntityAlreadyExists', 409);
    expect((await admin.send(new GetUserCommand({ UserName: name }))).User).toMatchObject({ UserName: name, Path: '/a/', UserId: first.User!.UserId });
  });

  it('AWS name and path rules: ValidationError 400, nothing created', async () => {
    const before = (await admin.send(new ListUsersCommand({ MaxItems: 1000 }))).Users!.length;
    for (const bad of ['has space', 'slash/no', 'x'.repeat(65), '', 'semi;colon', 'ünïcode']) {
      await expectIamError(admin.send(new CreateUserCommand({ UserName: bad })), 'ValidationError', 400);
    }
    for (const path of ['no-slashes', '/missing-trailing', '//', '/sp ace/']) {
      await expectIamError(admin.send(new CreateUserCommand({ UserName: uniq('p'), Path: path })), 'ValidationError', 400);
    }
    // Every character AWS allows, and the longest name.
    const odd = `a+=,.@_-${seq++}`;
    await admin.send(new CreateUserCommand({ UserName: odd }));
    const long = 'L'.repeat(60) + String(seq++).padStart(4, '0');
    await admin.send(new CreateUserCommand({ UserName: long }));
    expect((await admin.send(new ListUsersCommand({ MaxItems: 1000 }))).Users!.length).toBe(before + 2);
    await admin.send(new DeleteUserCommand({ UserName: odd }));
    await admin.send(new DeleteUserCommand({ UserName: long }));
  });

  it('GetUser without UserName: an IAM user gets itself, the account root its root ARN', async () => {
    const u = await newUser({ managed: [AWS_POLICY('IAMReadAccess')], path: '/self/' });
    const me = await u.iam.send(new GetUserCommand({}));
    expect(me.User).toMatchObject({ UserName: u.name, Path: '/self/', Arn: `arn:aws:iam::${accountId}:user/self/${u.name}` });
    const root = await admin.send(new GetUserCommand({}));
    expect(root.User).toMatchObject({ Arn: `arn:aws:iam::${accountId}:root`, UserId: accountId });
    expect(root.User!.UserName).toBeUndefined();
    await expectIamError(admin.send(new GetUserCommand({ UserName: uniq('ghost') })), 'NoSuchEntity', 404);
  });

  it('ListUsers filters by PathPrefix and pages with MaxItems/Marker, each user once', async () => {
    const prefix = `/${uniq('page')}/`;
    const names = Array.from({ length: 7 }, (_, i) => `pg${i}-${uniq('')}`);
    for (const [k, n] of names.entries()) await admin.send(new CreateUserCommand({ UserName: n, Path: k % 2 === 0 ? `${prefix}even/` : prefix }));
    // Someone outside the prefix.
    await admin.send(new CreateUserCommand({ UserName: uniq('outside'), Path: '/elsewhere/' }));
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const out = await admin.send(new ListUsersCommand({ PathPrefix: prefix, MaxItems: 3, Marker: marker }));
      pages++;
      expect(out.Users!.length).toBeLessThanOrEqual(3);
      for (const u of out.Users!) seen.push(u.UserName!);
      expect(out.IsTruncated).toBe(out.Marker !== undefined);
      marker = out.Marker;
    } while (marker !== undefined);
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual([...names].sort());
    expect(new Set(seen).size).toBe(seen.length);
    const even = await admin.send(new ListUsersCommand({ PathPrefix: `${prefix}even/` }));
    expect(even.Users!.map((u) => u.UserName).sort()).toEqual(names.filter((_, k) => k % 2 === 0).sort());
    expect(even.IsTruncated).toBe(false);
    // A user's shape in a list: no tags.
    expect(even.Users![0]).toMatchObject({ Path: `${prefix}even/`, Arn: expect.stringMatching(/^arn:aws:iam::\d{12}:user\//) as unknown });
    await expectIamError(admin.send(new ListUsersCommand({ MaxItems: 0 })), 'ValidationError', 400);
    await expectIamError(admin.send(new ListUsersCommand({ MaxItems: 1001 })), 'ValidationError', 400);
    await expectIamError(admin.send(new ListUsersCommand({ PathPrefix: 'no-slash' })), 'ValidationError', 400);
  });

  it('UpdateUser renames and moves a user; its keys keep working; the old name is gone', async () => {
    const u = await newUser({ managed: [AWS_POLICY('S3ListAccess')] });
    const id = (await admin.send(new GetUserCommand({ UserName: u.name }))).User!.UserId;
    const renamed = uniq('renamed');
    await admin.send(new UpdateUserCommand({ UserName: u.name, NewUserName: renamed, NewPath: '/moved/' }));
    const got = await admin.send(new GetUserCommand({ UserName: renamed }));
    expect(got.User).toMatchObject({ UserName: renamed, Path: '/moved/', UserId: id, Arn: `arn:aws:iam::${accountId}:user/moved/${renamed}` });
    await expectIamError(admin.send(new GetUserCommand({ UserName: u.name })), 'NoSuchEntity', 404);
    // The key and the attached policy follow the user.
    await u.s3.send(new ListBucketsCommand({}));
    expect((await admin.send(new ListAccessKeysCommand({ UserName: renamed }))).AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([u.creds.accessKeyId]);
    expect((await admin.send(new ListAttachedUserPoliciesCommand({ UserName: renamed }))).AttachedPolicies!.map((p) => p.PolicyName)).toEqual(['S3ListAccess']);
    // Only the path.
    await admin.send(new UpdateUserCommand({ UserName: renamed, NewPath: '/' }));
    expect((await admin.send(new GetUserCommand({ UserName: renamed }))).User).toMatchObject({ UserName: renamed, Path: '/' });
    // Renaming onto a taken name (case-insensitively): EntityAlreadyExists, nothing changes.
    const other = uniq('taken');
    await admin.send(new CreateUserCommand({ UserName: other }));
    await expectIamError(admin.send(new UpdateUserCommand({ UserName: renamed, NewUserName: other.toUpperCase() })), 'EntityAlreadyExists', 409);
    expect((await admin.send(new GetUserCommand({ UserName: renamed }))).User!.UserName).toBe(renamed);
    // A change of case alone is a rename of the same user.
    await admin.send(new UpdateUserCommand({ UserName: renamed, NewUserName: renamed.toUpperCase() }));
    expect((await admin.send(new GetUserCommand({ UserName: renamed }))).User!.UserName).toBe(renamed.toUpperCase());
    await expectIamError(admin.send(new UpdateUserCommand({ UserName: uniq('ghost'), NewPath: '/x/' })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new UpdateUserCommand({ UserName: renamed, NewUserName: 'bad name' })), 'ValidationError', 400);
  });

  it('DeleteUser: DeleteConflict 409 while it has keys, attached or inline policies, or groups; then deleted', async () => {
    const name = uniq('del');
    await admin.send(new CreateUserCommand({ UserName: name }));
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!.AccessKeyId!;
    const conflict = async (message: RegExp) => {
      const e = await expectIamError(admin.send(new DeleteUserCommand({ UserName: name })), 'DeleteConflict', 409);
      expect(e.message).toMatch(message);
      expect((await admin.send(new GetUserCommand({ UserName: name }))).User!.UserName).toBe(name);
    };
    await conflict(/access keys/);
    await admin.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: key }));
    await admin.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: AWS_POLICY('S3ReadAccess') }));
    await conflict(/detach all policies/);
    await admin.send(new DetachUserPolicyCommand({ UserName: name, PolicyArn: AWS_POLICY('S3ReadAccess') }));
    await admin.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: allow('s3:GetObject') }));
    await conflict(/delete policies/);
    await admin.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: 'p' }));
    const group = uniq('g');
    await admin.send(new CreateGroupCommand({ GroupName: group }));
    await admin.send(new AddUserToGroupCommand({ GroupName: group, UserName: name }));
    await conflict(/group/);
    await admin.send(new RemoveUserFromGroupCommand({ GroupName: group, UserName: name }));
    await admin.send(new DeleteUserCommand({ UserName: name }));
    await expectIamError(admin.send(new GetUserCommand({ UserName: name })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new DeleteUserCommand({ UserName: name })), 'NoSuchEntity', 404);
    // The name is free again.
    await admin.send(new CreateUserCommand({ UserName: name }));
  });

  it('TagUser / UntagUser / ListUserTags', async () => {
    const name = uniq('tagged');
    await admin.send(new CreateUserCommand({ UserName: name }));
    expect((await admin.send(new ListUserTagsCommand({ UserName: name }))).Tags ?? []).toEqual([]);
    await admin.send(
      new TagUserCommand({
        UserName: name,
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '' },
        ],
      }),
    );
    await admin.send(
      new TagUserCommand({
        UserName: name,
        Tags: [
          { Key: 'a', Value: 'one' },
          { Key: 'c', Value: 'x y:z' },
        ],
      }),
    );
    const tags = (await admin.send(new ListUserTagsCommand({ UserName: name }))).Tags!;
    expect(tags).toEqual([
      { Key: 'a', Value: 'one' },
      { Key: 'b', Value: '' },
      { Key: 'c', Value: 'x y:z' },
    ]);
    await admin.send(new UntagUserCommand({ UserName: name, TagKeys: ['a', 'missing'] }));
    expect((await admin.send(new ListUserTagsCommand({ UserName: name }))).Tags).toEqual([
      { Key: 'b', Value: '' },
      { Key: 'c', Value: 'x y:z' },
    ]);
    expect((await admin.send(new GetUserCommand({ UserName: name }))).User!.Tags).toHaveLength(2);
    // aws: keys, duplicates, bad characters, over 50: refused, nothing changes.
    await expectIamError(admin.send(new TagUserCommand({ UserName: name, Tags: [{ Key: 'aws:x', Value: '1' }] })), 'InvalidInput', 400);
    await expectIamError(
      admin.send(
        new TagUserCommand({
          UserName: name,
          Tags: [
            { Key: 'd', Value: '1' },
            { Key: 'D', Value: '2' },
          ],
        }),
      ),
      'InvalidInput',
      400,
    );
    await expectIamError(admin.send(new TagUserCommand({ UserName: name, Tags: [{ Key: 'bad#key', Value: '1' }] })), 'ValidationError', 400);
    const many = Array.from({ length: 49 }, (_, k) => ({ Key: `k${k}`, Value: 'v' }));
    await expectIamError(admin.send(new TagUserCommand({ UserName: name, Tags: many })), 'LimitExceeded', 409);
    expect((await admin.send(new ListUserTagsCommand({ UserName: name }))).Tags).toHaveLength(2);
    await expectIamError(admin.send(new TagUserCommand({ UserName: uniq('ghost'), Tags: [{ Key: 'a', Value: '1' }] })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new ListUserTagsCommand({ UserName: uniq('ghost') })), 'NoSuchEntity', 404);
  });
});

// ------------------------------------------------------------------------------------------------ access keys

describe('access keys', () => {
  it('CreateAccessKey shows the secret once; ListAccessKeys never shows it; at most 2 per user (LimitExceeded)', async () => {
    const name = uniq('keys');
    await admin.send(new CreateUserCommand({ UserName: name }));
    const a = (await admin.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    expect(a).toMatchObject({ UserName: name, Status: 'Active' });
    expect(a.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(a.SecretAccessKey).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(a.CreateDate).toBeInstanceOf(Date);
    const b = (await admin.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const e = await expectIamError(admin.send(new CreateAccessKeyCommand({ UserName: name })), 'LimitExceeded', 409);
    expect(e.message).toMatch(/AccessKeysPerUser: 2/);
    const listed = await admin.send(new ListAccessKeysCommand({ UserName: name }));
    expect(listed.AccessKeyMetadata!.map((k) => k.AccessKeyId).sort()).toEqual([a.AccessKeyId, b.AccessKeyId].sort());
    expect(listed.AccessKeyMetadata![0]).toMatchObject({ UserName: name, Status: 'Active' });
    expect(listed.IsTruncated).toBe(false);
    // The wire: no secret, ever.
    const raw = await rawIam({ Action: 'ListAccessKeys', Version: '2010-05-08', UserName: name });
    expect(raw.status).toBe(200);
    expect(raw.text).toContain(a.AccessKeyId);
    expect(raw.text).not.toContain(a.SecretAccessKey);
    expect(raw.text).not.toContain(b.SecretAccessKey);
    expect(raw.text).not.toMatch(/Secret/);
    // The new key signs S3 requests (and its user, with no policy yet, is denied, not unknown).
    await expectS3Error(
      ts.client({ credentials: { accessKeyId: a.AccessKeyId!, secretAccessKey: a.SecretAccessKey! } }).send(new ListBucketsCommand({})),
      'AccessDenied',
      403,
    );
    await expectIamError(admin.send(new CreateAccessKeyCommand({ UserName: uniq('ghost') })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new ListAccessKeysCommand({ UserName: uniq('ghost') })), 'NoSuchEntity', 404);
  });

  it('UpdateAccessKey Inactive: the key gets InvalidAccessKeyId on the next S3 request, and works again when Active', async () => {
    const u = await newUser({ managed: [AWS_POLICY('S3ListAccess')] });
    await u.s3.send(new ListBucketsCommand({}));
    await admin.send(new UpdateAccessKeyCommand({ UserName: u.name, AccessKeyId: u.creds.accessKeyId, Status: 'Inactive' }));
    expect((await admin.send(new ListAccessKeysCommand({ UserName: u.name }))).AccessKeyMetadata![0]!.Status).toBe('Inactive');
    await expectS3Error(u.s3.send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403);
    await expectIamError(u.iam.send(new ListUsersCommand({})), 'InvalidClientTokenId', 403);
    await admin.send(new UpdateAccessKeyCommand({ UserName: u.name, AccessKeyId: u.creds.accessKeyId, Status: 'Active' }));
    await u.s3.send(new ListBucketsCommand({}));
    await expectIamError(
      admin.send(new UpdateAccessKeyCommand({ UserName: u.name, AccessKeyId: u.creds.accessKeyId, Status: 'Sleeping' as 'Active' })),
      'ValidationError',
      400,
    );
    await expectIamError(
      admin.send(new UpdateAccessKeyCommand({ UserName: u.name, AccessKeyId: 'AKIANOSUCHKEY0000000', Status: 'Inactive' })),
      'NoSuchEntity',
      404,
    );
    // Another user's key named with this user: NoSuchEntity, and it stays Active.
    const other = await newUser();
    await expectIamError(
      admin.send(new UpdateAccessKeyCommand({ UserName: u.name, AccessKeyId: other.creds.accessKeyId, Status: 'Inactive' })),
      'NoSuchEntity',
      404,
    );
    expect((await admin.send(new ListAccessKeysCommand({ UserName: other.name }))).AccessKeyMetadata![0]!.Status).toBe('Active');
  });

  it('DeleteAccessKey: the key stops working at once', async () => {
    const u = await newUser({ managed: [AWS_POLICY('S3ListAccess')] });
    await u.s3.send(new ListBucketsCommand({}));
    await expectIamError(admin.send(new DeleteAccessKeyCommand({ UserName: u.name, AccessKeyId: 'AKIANOSUCHKEY0000000' })), 'NoSuchEntity', 404);
    await admin.send(new DeleteAccessKeyCommand({ UserName: u.name, AccessKeyId: u.creds.accessKeyId }));
    expect((await admin.send(new ListAccessKeysCommand({ UserName: u.name }))).AccessKeyMetadata).toEqual([]);
    await expectS3Error(u.s3.send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403);
    await expectIamError(admin.send(new DeleteAccessKeyCommand({ UserName: u.name, AccessKeyId: u.creds.accessKeyId })), 'NoSuchEntity', 404);
  });

  it('GetAccessKeyLastUsed: N/A before any use; after an S3 request its date, s3 and the region', async () => {
    const u = await newUser({ managed: [AWS_POLICY('S3ListAccess')] });
    const before = await admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: u.creds.accessKeyId }));
    expect(before.UserName).toBe(u.name);
    expect(before.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
    const t0 = Date.now();
    await u.s3.send(new ListBucketsCommand({}));
    const after = await admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: u.creds.accessKeyId }));
    expect(after.AccessKeyLastUsed).toMatchObject({ ServiceName: 's3', Region: 'us-east-1' });
    // To the second, as IAM writes dates.
    expect(after.AccessKeyLastUsed!.LastUsedDate!.getTime()).toBeGreaterThanOrEqual(Math.floor(t0 / 1000) * 1000);
    expect(after.AccessKeyLastUsed!.LastUsedDate!.getTime()).toBeLessThanOrEqual(Date.now());
    // Written to the database too (lazily): still there once the pending uses are flushed.
    ts.ctx.services.identities.flushLastUsed();
    await new Promise((r) => setTimeout(r, 50));
    const flushed = await admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: u.creds.accessKeyId }));
    expect(flushed.AccessKeyLastUsed).toMatchObject({ ServiceName: 's3', Region: 'us-east-1' });
    // The root's own key.
    const root = await admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: ACCESS_KEY }));
    expect(root.AccessKeyLastUsed!.ServiceName).toBe('iam');
    await expectIamError(admin.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'x' })), 'ValidationError', 400);
  });

  it('without UserName each acts on the caller: an IAM user its own keys, the root the root keys', async () => {
    const u = await newUser({ inline: allow(['iam:*AccessKey*'], `arn:aws:iam::${'*'}:user/\${aws:username}`) });
    const own = (await u.iam.send(new CreateAccessKeyCommand({}))).AccessKey!;
    expect(own.UserName).toBe(u.name);
    const mine = await u.iam.send(new ListAccessKeysCommand({}));
    expect(mine.AccessKeyMetadata!.map((k) => k.AccessKeyId).sort()).toEqual([u.creds.accessKeyId, own.AccessKeyId].sort());
    await u.iam.send(new UpdateAccessKeyCommand({ AccessKeyId: own.AccessKeyId!, Status: 'Inactive' }));
    expect((await admin.send(new ListAccessKeysCommand({ UserName: u.name }))).AccessKeyMetadata!.find((k) => k.AccessKeyId === own.AccessKeyId)!.Status).toBe(
      'Inactive',
    );
    expect((await u.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: u.creds.accessKeyId }))).AccessKeyLastUsed!.ServiceName).toBe('iam');
    await u.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: own.AccessKeyId! }));
    expect((await admin.send(new ListAccessKeysCommand({ UserName: u.name }))).AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([u.creds.accessKeyId]);
    // The root: the root's keys, never an IAM user's.
    const rootKeys = await admin.send(new ListAccessKeysCommand({}));
    expect(rootKeys.AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([ACCESS_KEY]);
    const second = (await admin.send(new CreateAccessKeyCommand({}))).AccessKey!;
    expect((await admin.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!.map((k) => k.AccessKeyId).sort()).toEqual(
      [ACCESS_KEY, second.AccessKeyId].sort(),
    );
    // The second root key is the root.
    const asRoot = iam({ accessKeyId: second.AccessKeyId!, secretAccessKey: second.SecretAccessKey! });
    expect((await asRoot.send(new GetUserCommand({}))).User!.Arn).toBe(`arn:aws:iam::${accountId}:root`);
    await expectIamError(admin.send(new CreateAccessKeyCommand({})), 'LimitExceeded', 409);
    // A root key is not an IAM user's: naming a user does not reach it.
    await expectIamError(admin.send(new DeleteAccessKeyCommand({ UserName: u.name, AccessKeyId: second.AccessKeyId! })), 'NoSuchEntity', 404);
    await admin.send(new DeleteAccessKeyCommand({ AccessKeyId: second.AccessKeyId! }));
    await expectIamError(asRoot.send(new GetUserCommand({})), 'InvalidClientTokenId', 403);
    expect((await admin.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([ACCESS_KEY]);
  });
});

// ------------------------------------------------------------------------------------------------ groups

describe('groups', () => {
  it('CreateGroup, GetGroup with its users, ListGroups, UpdateGroup, DeleteGroup', async () => {
    const name = uniq('grp');
    const created = await admin.send(new CreateGroupCommand({ GroupName: name, Path: '/teams/' }));
    expect(created.Group).toMatchObject({ GroupName: name, Path: '/teams/', Arn: `arn:aws:iam::${accountId}:group/teams/${name}` });
    expect(created.Group!.GroupId).toMatch(/^AGPA[A-Z2-7]{17}$/);
    await expectIamError(admin.send(new CreateGroupCommand({ GroupName: name.toUpperCase() })), 'EntityAlreadyExists', 409);
    await expectIamError(admin.send(new CreateGroupCommand({ GroupName: 'bad name' })), 'ValidationError', 400);
    const empty = await admin.send(new GetGroupCommand({ GroupName: name }));
    expect(empty.Group).toEqual(created.Group);
    expect(empty.Users).toEqual([]);
    const u1 = uniq('m1');
    const u2 = uniq('m2');
    for (const u of [u1, u2]) {
      await admin.send(new CreateUserCommand({ UserName: u }));
      await admin.send(new AddUserToGroupCommand({ GroupName: name, UserName: u }));
    }
    // Adding again is not an error, and does not add twice.
    await admin.send(new AddUserToGroupCommand({ GroupName: name, UserName: u1 }));
    const full = await admin.send(new GetGroupCommand({ GroupName: name }));
    expect(full.Users!.map((u) => u.UserName)).toEqual([u1, u2]);
    expect(full.Users![0]!.Arn).toBe(`arn:aws:iam::${accountId}:user/${u1}`);
    const paged = await admin.send(new GetGroupCommand({ GroupName: name, MaxItems: 1 }));
    expect(paged.Users!.map((u) => u.UserName)).toEqual([u1]);
    expect(paged.IsTruncated).toBe(true);
    const rest = await admin.send(new GetGroupCommand({ GroupName: name, Marker: paged.Marker }));
    expect(rest.Users!.map((u) => u.UserName)).toEqual([u2]);
    expect(rest.IsTruncated).toBe(false);

    const listed = await admin.send(new ListGroupsCommand({ PathPrefix: '/teams/' }));
    expect(listed.Groups!.map((g) => g.GroupName)).toContain(name);
    expect((await admin.send(new ListGroupsCommand({ PathPrefix: '/nowhere/' }))).Groups).toEqual([]);

    const renamed = uniq('grp2');
    await admin.send(new UpdateGroupCommand({ GroupName: name, NewGroupName: renamed, NewPath: '/moved/' }));
    await expectIamError(admin.send(new GetGroupCommand({ GroupName: name })), 'NoSuchEntity', 404);
    const moved = await admin.send(new GetGroupCommand({ GroupName: renamed }));
    expect(moved.Group).toMatchObject({ GroupName: renamed, Path: '/moved/', GroupId: created.Group!.GroupId });
    expect(moved.Users!.map((u) => u.UserName)).toEqual([u1, u2]);
    const taken = uniq('taken');
    await admin.send(new CreateGroupCommand({ GroupName: taken }));
    await expectIamError(admin.send(new UpdateGroupCommand({ GroupName: renamed, NewGroupName: taken })), 'EntityAlreadyExists', 409);
    await expectIamError(admin.send(new UpdateGroupCommand({ GroupName: uniq('ghost'), NewPath: '/x/' })), 'NoSuchEntity', 404);

    // DeleteGroup: DeleteConflict while it has members, attached or inline policies.
    const conflict = async () => {
      await expectIamError(admin.send(new DeleteGroupCommand({ GroupName: renamed })), 'DeleteConflict', 409);
      expect((await admin.send(new GetGroupCommand({ GroupName: renamed }))).Group!.GroupName).toBe(renamed);
    };
    await conflict();
    await admin.send(new RemoveUserFromGroupCommand({ GroupName: renamed, UserName: u1 }));
    await admin.send(new RemoveUserFromGroupCommand({ GroupName: renamed, UserName: u2 }));
    await admin.send(new AttachGroupPolicyCommand({ GroupName: renamed, PolicyArn: AWS_POLICY('S3ReadAccess') }));
    await conflict();
    await admin.send(new DetachGroupPolicyCommand({ GroupName: renamed, PolicyArn: AWS_POLICY('S3ReadAccess') }));
    await admin.send(new PutGroupPolicyCommand({ GroupName: renamed, PolicyName: 'p', PolicyDocument: allow('s3:GetObject') }));
    await conflict();
    await admin.send(new DeleteGroupPolicyCommand({ GroupName: renamed, PolicyName: 'p' }));
    await admin.send(new DeleteGroupCommand({ GroupName: renamed }));
    await expectIamError(admin.send(new GetGroupCommand({ GroupName: renamed })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new DeleteGroupCommand({ GroupName: renamed })), 'NoSuchEntity', 404);
  });

  it('AddUserToGroup / RemoveUserFromGroup / ListGroupsForUser, with their NoSuchEntity cases', async () => {
    const user = uniq('member');
    await admin.send(new CreateUserCommand({ UserName: user }));
    const groups = [uniq('ga'), uniq('gb')];
    for (const g of groups) await admin.send(new CreateGroupCommand({ GroupName: g }));
    for (const g of groups) await admin.send(new AddUserToGroupCommand({ GroupName: g, UserName: user }));
    const of = await admin.send(new ListGroupsForUserCommand({ UserName: user }));
    expect(of.Groups!.map((g) => g.GroupName)).toEqual(groups);
    expect(of.Groups![0]).toMatchObject({ Path: '/', Arn: `arn:aws:iam::${accountId}:group/${groups[0]}` });
    await admin.send(new RemoveUserFromGroupCommand({ GroupName: groups[0], UserName: user }));
    expect((await admin.send(new ListGroupsForUserCommand({ UserName: user }))).Groups!.map((g) => g.GroupName)).toEqual([groups[1]]);
    // Not a member any more: NoSuchEntity.
    await expectIamError(admin.send(new RemoveUserFromGroupCommand({ GroupName: groups[0], UserName: user })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new AddUserToGroupCommand({ GroupName: uniq('ghost'), UserName: user })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new AddUserToGroupCommand({ GroupName: groups[0], UserName: uniq('ghost') })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new ListGroupsForUserCommand({ UserName: uniq('ghost') })), 'NoSuchEntity', 404);
    expect((await admin.send(new GetGroupCommand({ GroupName: groups[0] }))).Users).toEqual([]);
    // At most 10 groups per user: LimitExceeded, the 11th has no new member.
    const more = Array.from({ length: 10 }, () => uniq('gl'));
    for (const g of more) await admin.send(new CreateGroupCommand({ GroupName: g }));
    for (const g of more.slice(0, 9)) await admin.send(new AddUserToGroupCommand({ GroupName: g, UserName: user }));
    expect((await admin.send(new ListGroupsForUserCommand({ UserName: user }))).Groups).toHaveLength(10);
    const e = await expectIamError(admin.send(new AddUserToGroupCommand({ GroupName: more[9], UserName: user })), 'LimitExceeded', 409);
    expect(e.message).toMatch(/GroupsPerUser: 10/);
    expect((await admin.send(new GetGroupCommand({ GroupName: more[9] }))).Users).toEqual([]);
    // Adding to a group it is already in is still fine.
    await admin.send(new AddUserToGroupCommand({ GroupName: more[0], UserName: user }));
  });
});

// ------------------------------------------------------------------------------------------------ inline policies

describe('inline policies', () => {
  const KINDS = ['User', 'Group', 'Role'] as const;

  async function entity(kind: (typeof KINDS)[number]): Promise<string> {
    const name = uniq(kind.toLowerCase());
    if (kind === 'User') await admin.send(new CreateUserCommand({ UserName: name }));
    else if (kind === 'Group') await admin.send(new CreateGroupCommand({ GroupName: name }));
    else await admin.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST(accountId) }));
    return name;
  }

  function put(kind: (typeof KINDS)[number], name: string, policyName: string, document: string) {
    if (kind === 'User') return admin.send(new PutUserPolicyCommand({ UserName: name, PolicyName: policyName, PolicyDocument: document }));
    if (kind === 'Group') return admin.send(new PutGroupPolicyCommand({ GroupName: name, PolicyName: policyName, PolicyDocument: document }));
    return admin.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: policyName, PolicyDocument: document }));
  }
  async function get(kind: (typeof KINDS)[number], name: string, policyName: string) {
    const out =
      kind === 'User'
        ? await admin.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policyName }))
        : kind === 'Group'
          ? await admin.send(new GetGroupPolicyCommand({ GroupName: name, PolicyName: policyName }))
          : await admin.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }));
    return out as unknown as { PolicyName?: string; PolicyDocument?: string } & Record<string, unknown>;
  }
  function del(kind: (typeof KINDS)[number], name: string, policyName: string) {
    if (kind === 'User') return admin.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: policyName }));
    if (kind === 'Group') return admin.send(new DeleteGroupPolicyCommand({ GroupName: name, PolicyName: policyName }));
    return admin.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policyName }));
  }
  async function list(kind: (typeof KINDS)[number], name: string, opts: { MaxItems?: number; Marker?: string } = {}) {
    const out =
      kind === 'User'
        ? await admin.send(new ListUserPoliciesCommand({ UserName: name, ...opts }))
        : kind === 'Group'
          ? await admin.send(new ListGroupPoliciesCommand({ GroupName: name, ...opts }))
          : await admin.send(new ListRolePoliciesCommand({ RoleName: name, ...opts }));
    return out;
  }

  for (const kind of KINDS) {
    it(`Put/Get/List/Delete${kind}Policy: the document comes back URL-encoded, exactly as put`, async () => {
      const name = await entity(kind);
      const document = JSON.stringify(
        { Version: '2012-10-17', Statement: [{ Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::photos/*' }] },
        null,
        2,
      );
      await put(kind, name, 'read', document);
      await put(kind, name, 'list', allow('s3:ListBucket', 'arn:aws:s3:::photos'));
      const got = await get(kind, name, 'read');
      expect(got[`${kind}Name`]).toBe(name);
      expect(got.PolicyName).toBe('read');
      // The SDK hands the Query protocol's URL-encoded document through as it is.
      expect(got.PolicyDocument).toBe(encodeURIComponent(document));
      expect(decodeURIComponent(got.PolicyDocument!)).toBe(document);
      expect((await list(kind, name)).PolicyNames).toEqual(['list', 'read']);
      const first = await list(kind, name, { MaxItems: 1 });
      expect(first).toMatchObject({ PolicyNames: ['list'], IsTruncated: true });
      expect(await list(kind, name, { Marker: first.Marker })).toMatchObject({ PolicyNames: ['read'], IsTruncated: false });
      // Put again replaces.
      await put(kind, name, 'read', allow('s3:GetObjectVersion'));
      expect(decodeURIComponent((await get(kind, name, 'read')).PolicyDocument!)).toBe(allow('s3:GetObjectVersion'));
      await del(kind, name, 'read');
      await expectIamError(get(kind, name, 'read'), 'NoSuchEntity', 404);
      await expectIamError(del(kind, name, 'read'), 'NoSuchEntity', 404);
      expect((await list(kind, name)).PolicyNames).toEqual(['list']);
      // Unknown entities.
      const ghost = uniq('ghost');
      await expectIamError(put(kind, ghost, 'p', allow('s3:GetObject')), 'NoSuchEntity', 404);
      await expectIamError(get(kind, ghost, 'p'), 'NoSuchEntity', 404);
      await expectIamError(list(kind, ghost), 'NoSuchEntity', 404);
      await expectIamError(del(kind, ghost, 'p'), 'NoSuchEntity', 404);
      await expectIamError(put(kind, name, 'bad name', allow('s3:GetObject')), 'ValidationError', 400);
    });
  }

  it('validation: MalformedPolicyDocument 400 for a bad Effect, an unknown Version or condition operator, an action without a service; nothing stored', async () => {
    for (const kind of KINDS) {
      const name = await entity(kind);
      const bad: [string, RegExp][] = [
        [doc({ Effect: 'Permit', Action: 's3:GetObject', Resource: '*' }), /Effect/],
        [JSON.stringify({ Version: '2013-01-01', Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' } }), /Version/],
        [doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringSortOf: { 's3:prefix': 'a' } } }), /StringSortOf|operator/i],
        [doc({ Effect: 'Allow', Action: 'GetObject', Resource: '*' }), /service|prefix|vendor/i],
        ['{not json', /.+/],
        [doc({ Effect: 'Allow', Action: 's3:GetObject' }), /resource/i],
      ];
      for (const [document, message] of bad) {
        const e = await expectIamError(put(kind, name, 'bad', document), 'MalformedPolicyDocument', 400);
        expect(e.message).toMatch(message);
      }
      expect((await list(kind, name)).PolicyNames).toEqual([]);
    }
  });

  it("LimitExceeded 409 when a user's inline policies together exceed 2048 non-whitespace characters", async () => {
    const name = await entity('User');
    // One policy of exactly 2048 characters (not counting white space) is accepted...
    const base = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::' });
    const fill = (n: number) => doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(n)}` });
    const exact = fill(2048 - base.length);
    expect(exact.length).toBe(2048);
    await put('User', name, 'big', exact.replace('"Effect"', '  \n  "Effect"'));
    // ...and the next one, however small, is not.
    const e = await expectIamError(put('User', name, 'more', allow('s3:GetObject')), 'LimitExceeded', 409);
    expect(e.message).toMatch(/2048/);
    expect((await list('User', name)).PolicyNames).toEqual(['big']);
    // Replacing the big one with a smaller one is fine: the one replaced does not count.
    await put('User', name, 'big', allow('s3:GetObject'));
    await put('User', name, 'more', allow('s3:PutObject'));
    expect((await list('User', name)).PolicyNames).toEqual(['big', 'more']);
    // A group's quota is 5120.
    const group = await entity('Group');
    await put('Group', group, 'big', fill(5000 - base.length));
    await expectIamError(put('Group', group, 'more', fill(200 - base.length)), 'LimitExceeded', 409);
  });
});

// ------------------------------------------------------------------------------------------------ managed policies

describe('managed policies', () => {
  const policyArn = (name: string, path = '/') => `arn:aws:iam::${accountId}:policy${path}${name}`;

  it('CreatePolicy / GetPolicy: the Policy shape; the document in v1', async () => {
    const name = uniq('pol');
    const document = allow(['s3:GetObject', 's3:ListBucket'], ['arn:aws:s3:::b', 'arn:aws:s3:::b/*']);
    const created = await admin.send(new CreatePolicyCommand({ PolicyName: name, Path: '/app/', Description: 'read b', PolicyDocument: document }));
    expect(created.Policy).toMatchObject({
      PolicyName: name,
      Path: '/app/',
      Arn: policyArn(name, '/app/'),
      DefaultVersionId: 'v1',
      AttachmentCount: 0,
      IsAttachable: true,
    });
    expect(created.Policy!.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
    const got = await admin.send(new GetPolicyCommand({ PolicyArn: policyArn(name, '/app/') }));
    expect(got.Policy).toMatchObject({ ...created.Policy, Description: 'read b' });
    const v1 = await admin.send(new GetPolicyVersionCommand({ PolicyArn: policyArn(name, '/app/'), VersionId: 'v1' }));
    expect(v1.PolicyVersion).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true });
    expect(decodeURIComponent(v1.PolicyVersion!.Document!)).toBe(document);
    await expectIamError(admin.send(new CreatePolicyCommand({ PolicyName: name.toUpperCase(), PolicyDocument: document })), 'EntityAlreadyExists', 409);
    // The wrong path, another account, nothing: NoSuchEntity; not an ARN: InvalidInput; too short: ValidationError.
    await expectIamError(admin.send(new GetPolicyCommand({ PolicyArn: policyArn(name) })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::000000000000:policy/app/${name}` })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new GetPolicyCommand({ PolicyArn: policyArn(uniq('ghost')) })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:s3:::not-a-policy-arn' })), 'InvalidInput', 400);
    await expectIamError(admin.send(new GetPolicyCommand({ PolicyArn: 'arn:x' })), 'ValidationError', 400);
  });

  it('CreatePolicy validation: 6144 characters, Version 2012-10-17, MalformedPolicyDocument; nothing created', async () => {
    const base = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::' });
    const fill = (n: number) => doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(n)}` });
    const ok = uniq('max');
    await admin.send(new CreatePolicyCommand({ PolicyName: ok, PolicyDocument: fill(6144 - base.length) }));
    const tooBig = uniq('big');
    const e = await expectIamError(admin.send(new CreatePolicyCommand({ PolicyName: tooBig, PolicyDocument: fill(6145 - base.length) })), 'LimitExceeded', 409);
    expect(e.message).toMatch(/6144/);
    const old = uniq('old');
    await expectIamError(
      admin.send(
        new CreatePolicyCommand({
          PolicyName: old,
          PolicyDocument: JSON.stringify({ Version: '2008-10-17', Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' } }),
        }),
      ),
      'MalformedPolicyDocument',
      400,
    );
    const noVersion = uniq('nov');
    await expectIamError(
      admin.send(
        new CreatePolicyCommand({ PolicyName: noVersion, PolicyDocument: JSON.stringify({ Statement: { Effect: 'Allow', Action: 's3:*', Resource: '*' } }) }),
      ),
      'MalformedPolicyDocument',
      400,
    );
    const badEffect = uniq('eff');
    await expectIamError(
      admin.send(new CreatePolicyCommand({ PolicyName: badEffect, PolicyDocument: doc({ Effect: 'allow!', Action: 's3:*', Resource: '*' }) })),
      'MalformedPolicyDocument',
      400,
    );
    for (const n of [tooBig, old, noVersion, badEffect])
      await expectIamError(admin.send(new GetPolicyCommand({ PolicyArn: policyArn(n) })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new CreatePolicyCommand({ PolicyName: 'bad name', PolicyDocument: allow('s3:*') })), 'ValidationError', 400);
  });

  it('versions: CreatePolicyVersion (at most 5, SetAsDefault), GetPolicyVersion, ListPolicyVersions, DeletePolicyVersion, SetDefaultPolicyVersion', async () => {
    const name = uniq('ver');
    const arn = policyArn(name);
    await admin.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: allow('s3:GetObject') }));
    const v2 = await admin.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('s3:PutObject') }));
    expect(v2.PolicyVersion).toMatchObject({ VersionId: 'v2', IsDefaultVersion: false });
    expect(v2.PolicyVersion!.Document).toBeUndefined();
    expect((await admin.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId).toBe('v1');
    const v3 = await admin.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('s3:DeleteObject'), SetAsDefault: true }));
    expect(v3.PolicyVersion).toMatchObject({ VersionId: 'v3', IsDefaultVersion: true });
    expect((await admin.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId).toBe('v3');
    await admin.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('s3:ListBucket') }));
    await admin.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('s3:ListBucketVersions') }));
    const limit = await expectIamError(
      admin.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('s3:GetBucketTagging') })),
      'LimitExceeded',
      409,
    );
    expect(limit.message).toMatch(/5 versions/);
    const listed = await admin.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(listed.Versions!.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ['v5', false],
      ['v4', false],
      ['v3', true],
      ['v2', false],
      ['v1', false],
    ]);
    expect(listed.Versions![0]!.Document).toBeUndefined();
    const page1 = await admin.send(new ListPolicyVersionsCommand({ PolicyArn: arn, MaxItems: 2 }));
    expect(page1.Versions!.map((v) => v.VersionId)).toEqual(['v5', 'v4']);
    const page2 = await admin.send(new ListPolicyVersionsCommand({ PolicyArn: arn, MaxItems: 2, Marker: page1.Marker }));
    expect(page2.Versions!.map((v) => v.VersionId)).toEqual(['v3', 'v2']);
    const v2doc = await admin.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    expect(v2doc.PolicyVersion!.Document).toBe(encodeURIComponent(allow('s3:PutObject')));
    await expectIamError(admin.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v9' })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'version1' })), 'ValidationError', 400);
    // The default version cannot be deleted.
    await expectIamError(admin.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' })), 'DeleteConflict', 409);
    await admin.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    await expectIamError(admin.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })), 'NoSuchEntity', 404);
    // Room for one more: v6 (ids are never reused).
    const v6 = await admin.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('s3:GetBucketTagging') }));
    expect(v6.PolicyVersion!.VersionId).toBe('v6');
    await admin.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    expect((await admin.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId).toBe('v2');
    expect((await admin.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' }))).PolicyVersion!.IsDefaultVersion).toBe(false);
    await expectIamError(admin.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })), 'NoSuchEntity', 404);
    expect((await admin.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId).toBe('v2');
    // A version is validated like a policy.
    await expectIamError(
      admin
        .send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' }))
        .then(() => admin.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc({ Effect: 'Maybe', Action: 's3:*', Resource: '*' }) }))),
      'MalformedPolicyDocument',
      400,
    );
    expect((await admin.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions!.map((v) => v.VersionId)).toEqual(['v6', 'v5', 'v4', 'v2']);
    await expectIamError(
      admin.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn(uniq('ghost')), PolicyDocument: allow('s3:*') })),
      'NoSuchEntity',
      404,
    );
    // DeletePolicy: DeleteConflict while it has other versions.
    await expectIamError(admin.send(new DeletePolicyCommand({ PolicyArn: arn })), 'DeleteConflict', 409);
    for (const v of ['v6', 'v5', 'v4']) await admin.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: v }));
    await admin.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await expectIamError(admin.send(new GetPolicyCommand({ PolicyArn: arn })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new DeletePolicyCommand({ PolicyArn: arn })), 'NoSuchEntity', 404);
  });

  it('the 20 AWS-managed policies: listed with Scope AWS, their documents exactly the reference’s; not deletable or versioned', async () => {
    const ACTIONS: [string, string | string[]][] = [
      ['AdministratorAccess', '*'],
      ['S3ListAccess', 's3:List*'],
      ['S3ReadAccess', ['s3:List*', 's3:Get*']],
      ['S3WriteAccess', ['s3:Put*', 's3:Create*']],
      ['S3DeleteAccess', 's3:Delete*'],
      ['S3FullAccess', 's3:*'],
      ['S3BucketListAccess', 's3:ListAllMyBuckets'],
      ['S3BucketReadAccess', ['s3:ListAllMyBuckets', 's3:GetBucket*']],
      ['S3BucketWriteAccess', ['s3:CreateBucket', 's3:PutBucket*']],
      ['S3BucketDeleteAccess', 's3:DeleteBucket*'],
      ['S3BucketFullAccess', ['s3:ListAllMyBuckets', 's3:GetBucket*', 's3:CreateBucket', 's3:PutBucket*', 's3:DeleteBucket*']],
      ['S3ObjectListAccess', 's3:ListBucket*'],
      ['S3ObjectReadAccess', ['s3:GetObject*', 's3:ListMultipartUploadParts', 's3:ListBucket*']],
      ['S3ObjectWriteAccess', 's3:PutObject*'],
      ['S3ObjectDeleteAccess', ['s3:DeleteObject*', 's3:AbortMultipartUpload']],
      [
        'S3ObjectFullAccess',
        ['s3:ListBucket*', 's3:GetObject*', 's3:ListMultipartUploadParts', 's3:PutObject*', 's3:DeleteObject*', 's3:AbortMultipartUpload'],
      ],
      ['IAMListAccess', 'iam:List*'],
      ['IAMReadAccess', ['iam:Get*', 'iam:List*']],
      ['IAMAttachDetachAccess', ['iam:Attach*', 'iam:Detach*']],
      ['IAMFullAccess', 'iam:*'],
    ];
    const listed = await admin.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 1000 }));
    expect(listed.Policies!.map((p) => p.PolicyName).sort()).toEqual(ACTIONS.map(([n]) => n).sort());
    expect(listed.IsTruncated).toBe(false);
    for (const [name, Action] of ACTIONS) {
      const arn = AWS_POLICY(name);
      const p = listed.Policies!.find((x) => x.PolicyName === name)!;
      expect(p).toMatchObject({ Arn: arn, PolicyId: name.toUpperCase(), DefaultVersionId: 'v1', Path: '/', IsAttachable: true });
      expect(p.CreateDate!.toISOString()).toBe('2022-07-29T20:05:50.000Z');
      const v = await admin.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
      expect(v.PolicyVersion).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true });
      expect(decodeURIComponent(v.PolicyVersion!.Document!)).toBe(
        JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action, Resource: '*' } }, null, 2),
      );
    }
    const admins = await admin.send(new GetPolicyCommand({ PolicyArn: AWS_POLICY('AdministratorAccess') }));
    expect(admins.Policy).toMatchObject({ PolicyName: 'AdministratorAccess', PolicyId: 'ADMINISTRATORACCESS', Arn: AWS_POLICY('AdministratorAccess') });
    expect((await admin.send(new ListPolicyVersionsCommand({ PolicyArn: AWS_POLICY('S3ReadAccess') }))).Versions!.map((v) => v.VersionId)).toEqual(['v1']);
    await expectIamError(admin.send(new GetPolicyVersionCommand({ PolicyArn: AWS_POLICY('S3ReadAccess'), VersionId: 'v2' })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new GetPolicyCommand({ PolicyArn: AWS_POLICY('FullAccess') })), 'NoSuchEntity', 404);
    // They belong to AWS, not to the account: not deletable, not versioned, their default not changeable.
    const arn = AWS_POLICY('S3ReadAccess');
    await expectIamError(admin.send(new DeletePolicyCommand({ PolicyArn: arn })), 'AccessDenied', 403);
    await expectIamError(admin.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('s3:*') })), 'AccessDenied', 403);
    await expectIamError(admin.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })), 'AccessDenied', 403);
    await expectIamError(admin.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })), 'AccessDenied', 403);
    expect((await admin.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions!.map((v) => v.VersionId)).toEqual(['v1']);
    expect((await admin.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.PolicyName).toBe('S3ReadAccess');
  });

  it('ListPolicies: Scope All/AWS/Local, OnlyAttached, PathPrefix, paging', async () => {
    const path = `/${uniq('lp')}/`;
    const names = [uniq('lpa'), uniq('lpb'), uniq('lpc')];
    for (const n of names) await admin.send(new CreatePolicyCommand({ PolicyName: n, Path: path, PolicyDocument: allow('s3:GetObject') }));
    const user = uniq('lpu');
    await admin.send(new CreateUserCommand({ UserName: user }));
    await admin.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: policyArn(names[1]!, path) }));
    await admin.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: AWS_POLICY('S3WriteAccess') }));

    const local = await admin.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: path }));
    expect(local.Policies!.map((p) => p.PolicyName)).toEqual(names);
    expect(local.Policies!.find((p) => p.PolicyName === names[1])!.AttachmentCount).toBe(1);
    expect(local.Policies![0]!.Description).toBeUndefined();
    const all = await admin.send(new ListPoliciesCommand({ MaxItems: 1000 }));
    expect(all.Policies!.filter((p) => p.Arn!.startsWith('arn:aws:iam::aws:')).length).toBe(20);
    expect(all.Policies!.map((p) => p.PolicyName)).toEqual(expect.arrayContaining(names));
    const attached = await admin.send(new ListPoliciesCommand({ OnlyAttached: true, MaxItems: 1000 }));
    const attachedNames = attached.Policies!.map((p) => p.PolicyName);
    expect(attachedNames).toEqual(expect.arrayContaining([names[1], 'S3WriteAccess']));
    expect(attachedNames).not.toContain(names[0]);
    expect(attachedNames).not.toContain('S3DeleteAccess');
    const attachedLocal = await admin.send(new ListPoliciesCommand({ OnlyAttached: true, Scope: 'Local', PathPrefix: path }));
    expect(attachedLocal.Policies!.map((p) => p.PolicyName)).toEqual([names[1]]);
    const awsAttached = await admin.send(new ListPoliciesCommand({ OnlyAttached: true, Scope: 'AWS' }));
    expect(awsAttached.Policies!.find((p) => p.PolicyName === 'S3WriteAccess')!.AttachmentCount).toBeGreaterThanOrEqual(1);
    expect((await admin.send(new ListPoliciesCommand({ Scope: 'AWS', PathPrefix: path }))).Policies).toEqual([]);
    // Paging returns each policy once.
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const out = await admin.send(new ListPoliciesCommand({ Scope: 'All', MaxItems: 7, Marker: marker }));
      seen.push(...out.Policies!.map((p) => p.Arn!));
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    expect(seen.sort()).toEqual(all.Policies!.map((p) => p.Arn!).sort());
    await expectIamError(admin.send(new ListPoliciesCommand({ Scope: 'Everything' as 'All' })), 'ValidationError', 400);
  });

  it('Attach/Detach/ListAttached User, Group and Role policies; ListEntitiesForPolicy; DeletePolicy while attached', async () => {
    const pol = uniq('att');
    const arn = policyArn(pol);
    await admin.send(new CreatePolicyCommand({ PolicyName: pol, PolicyDocument: allow('s3:GetObject') }));
    const user = uniq('au');
    const group = uniq('ag');
    const role = uniq('ar');
    await admin.send(new CreateUserCommand({ UserName: user, Path: '/people/' }));
    await admin.send(new CreateGroupCommand({ GroupName: group }));
    await admin.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: TRUST(accountId) }));
    await admin.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: arn }));
    await admin.send(new AttachGroupPolicyCommand({ GroupName: group, PolicyArn: arn }));
    await admin.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: arn }));
    // Attaching twice is not an error and counts once.
    await admin.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: arn }));
    await admin.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: AWS_POLICY('S3ReadAccess') }));
    expect((await admin.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(3);
    expect((await admin.send(new ListAttachedUserPoliciesCommand({ UserName: user }))).AttachedPolicies).toEqual([{ PolicyName: pol, PolicyArn: arn }]);
    expect((await admin.send(new ListAttachedGroupPoliciesCommand({ GroupName: group }))).AttachedPolicies).toEqual([{ PolicyName: pol, PolicyArn: arn }]);
    const rolePolicies = await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: role }));
    expect(rolePolicies.AttachedPolicies!.map((p) => p.PolicyName).sort()).toEqual(['S3ReadAccess', pol].sort());
    expect(rolePolicies.IsTruncated).toBe(false);
    expect((await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: role, PathPrefix: '/none/' }))).AttachedPolicies).toEqual([]);

    const entities = await admin.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
    expect(entities.PolicyUsers!.map((u) => u.UserName)).toEqual([user]);
    expect(entities.PolicyUsers![0]!.UserId).toMatch(/^AIDA/);
    expect(entities.PolicyGroups!.map((g) => g.GroupName)).toEqual([group]);
    expect(entities.PolicyRoles!.map((r) => r.RoleName)).toEqual([role]);
    expect(entities.IsTruncated).toBe(false);
    const onlyUsers = await admin.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'User' }));
    expect([onlyUsers.PolicyUsers!.length, onlyUsers.PolicyGroups!.length, onlyUsers.PolicyRoles!.length]).toEqual([1, 0, 0]);
    const byPath = await admin.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PathPrefix: '/people/' }));
    expect([byPath.PolicyUsers!.length, byPath.PolicyGroups!.length, byPath.PolicyRoles!.length]).toEqual([1, 0, 0]);
    await expectIamError(admin.send(new ListEntitiesForPolicyCommand({ PolicyArn: policyArn(uniq('ghost')) })), 'NoSuchEntity', 404);

    // DeletePolicy while attached: DeleteConflict, still there.
    await expectIamError(admin.send(new DeletePolicyCommand({ PolicyArn: arn })), 'DeleteConflict', 409);
    expect((await admin.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.PolicyName).toBe(pol);
    // DeleteRole while it has attached policies.
    await expectIamError(admin.send(new DeleteRoleCommand({ RoleName: role })), 'DeleteConflict', 409);

    await admin.send(new DetachUserPolicyCommand({ UserName: user, PolicyArn: arn }));
    await admin.send(new DetachGroupPolicyCommand({ GroupName: group, PolicyArn: arn }));
    await admin.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: arn }));
    await admin.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: AWS_POLICY('S3ReadAccess') }));
    // Detaching what is not attached: NoSuchEntity.
    await expectIamError(admin.send(new DetachUserPolicyCommand({ UserName: user, PolicyArn: arn })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new DetachGroupPolicyCommand({ GroupName: group, PolicyArn: AWS_POLICY('S3ReadAccess') })), 'NoSuchEntity', 404);
    expect((await admin.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(0);
    expect((await admin.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }))).PolicyUsers).toEqual([]);
    await admin.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await admin.send(new DeleteRoleCommand({ RoleName: role }));
  });

  it('a policy named with another case in its ARN is the same policy everywhere: attach, entities, detach, and no delete while attached', async () => {
    const pol = `CasePol${uniq('')}`;
    const arn = policyArn(pol);
    const lower = policyArn(pol.toLowerCase());
    await admin.send(new CreatePolicyCommand({ PolicyName: pol, PolicyDocument: allow('s3:GetObject') }));
    const user = uniq('cu');
    await admin.send(new CreateUserCommand({ UserName: user }));
    await admin.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: lower }));
    expect((await admin.send(new ListAttachedUserPoliciesCommand({ UserName: user }))).AttachedPolicies).toEqual([{ PolicyName: pol, PolicyArn: arn }]);
    expect((await admin.send(new ListEntitiesForPolicyCommand({ PolicyArn: lower }))).PolicyUsers!.map((u) => u.UserName)).toEqual([user]);
    // Still attached: DeleteConflict, whichever case the ARN is in; the policy and the attachment stay.
    await expectIamError(admin.send(new DeletePolicyCommand({ PolicyArn: lower })), 'DeleteConflict', 409);
    expect((await admin.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.AttachmentCount).toBe(1);
    expect((await admin.send(new ListAttachedUserPoliciesCommand({ UserName: user }))).AttachedPolicies).toEqual([{ PolicyName: pol, PolicyArn: arn }]);
    await admin.send(new DetachUserPolicyCommand({ UserName: user, PolicyArn: lower }));
    expect((await admin.send(new ListAttachedUserPoliciesCommand({ UserName: user }))).AttachedPolicies).toEqual([]);
    await admin.send(new DeletePolicyCommand({ PolicyArn: lower }));
    await expectIamError(admin.send(new GetPolicyCommand({ PolicyArn: arn })), 'NoSuchEntity', 404);
  });

  it('attaching: a nonexistent policy or entity → NoSuchEntity; at most 10 per entity → LimitExceeded', async () => {
    const user = uniq('lim');
    const group = uniq('limg');
    const role = uniq('limr');
    await admin.send(new CreateUserCommand({ UserName: user }));
    await admin.send(new CreateGroupCommand({ GroupName: group }));
    await admin.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: TRUST(accountId) }));
    for (const PolicyArn of [policyArn(uniq('ghost')), AWS_POLICY('NoSuchManagedPolicy'), `arn:aws:iam::000000000000:policy/x`]) {
      await expectIamError(admin.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn })), 'NoSuchEntity', 404);
      await expectIamError(admin.send(new AttachGroupPolicyCommand({ GroupName: group, PolicyArn })), 'NoSuchEntity', 404);
      await expectIamError(admin.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn })), 'NoSuchEntity', 404);
    }
    await expectIamError(admin.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: 'arn:aws:s3:::bucket-not-policy' })), 'InvalidInput', 400);
    await expectIamError(admin.send(new AttachUserPolicyCommand({ UserName: uniq('ghost'), PolicyArn: AWS_POLICY('S3ReadAccess') })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new ListAttachedUserPoliciesCommand({ UserName: uniq('ghost') })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new ListAttachedGroupPoliciesCommand({ GroupName: uniq('ghost') })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new ListAttachedRolePoliciesCommand({ RoleName: uniq('ghost') })), 'NoSuchEntity', 404);
    expect((await admin.send(new ListAttachedUserPoliciesCommand({ UserName: user }))).AttachedPolicies).toEqual([]);

    const ten = [
      'AdministratorAccess',
      'S3ListAccess',
      'S3ReadAccess',
      'S3WriteAccess',
      'S3DeleteAccess',
      'S3FullAccess',
      'S3BucketListAccess',
      'S3BucketReadAccess',
      'S3BucketWriteAccess',
      'S3BucketDeleteAccess',
    ];
    for (const n of ten) {
      await admin.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: AWS_POLICY(n) }));
      await admin.send(new AttachGroupPolicyCommand({ GroupName: group, PolicyArn: AWS_POLICY(n) }));
      await admin.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: AWS_POLICY(n) }));
    }
    const e = await expectIamError(admin.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: AWS_POLICY('IAMFullAccess') })), 'LimitExceeded', 409);
    expect(e.message).toMatch(/PoliciesPerUser: 10/);
    await expectIamError(admin.send(new AttachGroupPolicyCommand({ GroupName: group, PolicyArn: AWS_POLICY('IAMFullAccess') })), 'LimitExceeded', 409);
    await expectIamError(admin.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: AWS_POLICY('IAMFullAccess') })), 'LimitExceeded', 409);
    // Attaching one already attached is still fine.
    await admin.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: AWS_POLICY('S3ReadAccess') }));
    const listed = await admin.send(new ListAttachedUserPoliciesCommand({ UserName: user }));
    expect(listed.AttachedPolicies!.map((p) => p.PolicyName).sort()).toEqual([...ten].sort());
    const page = await admin.send(new ListAttachedUserPoliciesCommand({ UserName: user, MaxItems: 4 }));
    expect(page.AttachedPolicies).toHaveLength(4);
    expect(page.IsTruncated).toBe(true);
  });
});

// ------------------------------------------------------------------------------------------------ roles

describe('roles', () => {
  it('CreateRole, GetRole (trust policy URL-encoded), ListRoles, UpdateRole, UpdateAssumeRolePolicy, DeleteRole', async () => {
    const name = uniq('role');
    const trust = JSON.stringify(
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }] },
      null,
      2,
    );
    const created = await admin.send(
      new CreateRoleCommand({
        RoleName: name,
        Path: '/svc/',
        AssumeRolePolicyDocument: trust,
        Description: 'backup',
        MaxSessionDuration: 7200,
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    expect(created.Role).toMatchObject({
      RoleName: name,
      Path: '/svc/',
      Arn: `arn:aws:iam::${accountId}:role/svc/${name}`,
      Description: 'backup',
      MaxSessionDuration: 7200,
      AssumeRolePolicyDocument: encodeURIComponent(trust),
      Tags: [{ Key: 'k', Value: 'v' }],
    });
    expect(created.Role!.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    const got = await admin.send(new GetRoleCommand({ RoleName: name }));
    expect(got.Role).toMatchObject({ RoleName: name, RoleId: created.Role!.RoleId, MaxSessionDuration: 7200 });
    expect(decodeURIComponent(got.Role!.AssumeRolePolicyDocument!)).toBe(trust);
    await expectIamError(admin.send(new CreateRoleCommand({ RoleName: name.toLowerCase(), AssumeRolePolicyDocument: trust })), 'EntityAlreadyExists', 409);
    await expectIamError(admin.send(new GetRoleCommand({ RoleName: uniq('ghost') })), 'NoSuchEntity', 404);

    const listed = await admin.send(new ListRolesCommand({ PathPrefix: '/svc/' }));
    expect(listed.Roles!.map((r) => r.RoleName)).toContain(name);
    expect(listed.Roles!.find((r) => r.RoleName === name)!.AssumeRolePolicyDocument).toBe(encodeURIComponent(trust));
    expect((await admin.send(new ListRolesCommand({ PathPrefix: '/nowhere/' }))).Roles).toEqual([]);

    await admin.send(new UpdateRoleCommand({ RoleName: name, Description: 'nightly backup', MaxSessionDuration: 43200 }));
    expect((await admin.send(new GetRoleCommand({ RoleName: name }))).Role).toMatchObject({ Description: 'nightly backup', MaxSessionDuration: 43200 });
    await admin.send(new UpdateRoleCommand({ RoleName: name, MaxSessionDuration: 3600 }));
    expect((await admin.send(new GetRoleCommand({ RoleName: name }))).Role).toMatchObject({ Description: 'nightly backup', MaxSessionDuration: 3600 });
    for (const bad of [3599, 43201]) {
      await expectIamError(admin.send(new UpdateRoleCommand({ RoleName: name, MaxSessionDuration: bad })), 'ValidationError', 400);
      await expectIamError(
        admin.send(new CreateRoleCommand({ RoleName: uniq('r'), AssumeRolePolicyDocument: trust, MaxSessionDuration: bad })),
        'ValidationError',
        400,
      );
    }
    expect((await admin.send(new GetRoleCommand({ RoleName: name }))).Role!.MaxSessionDuration).toBe(3600);
    await expectIamError(admin.send(new UpdateRoleCommand({ RoleName: uniq('ghost'), Description: 'x' })), 'NoSuchEntity', 404);

    const trust2 = TRUST('000000000000');
    await admin.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trust2 }));
    expect(decodeURIComponent((await admin.send(new GetRoleCommand({ RoleName: name }))).Role!.AssumeRolePolicyDocument!)).toBe(trust2);
    await expectIamError(
      admin.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }) })),
      'MalformedPolicyDocument',
      400,
    );
    expect(decodeURIComponent((await admin.send(new GetRoleCommand({ RoleName: name }))).Role!.AssumeRolePolicyDocument!)).toBe(trust2);
    await expectIamError(admin.send(new UpdateAssumeRolePolicyCommand({ RoleName: uniq('ghost'), PolicyDocument: trust2 })), 'NoSuchEntity', 404);

    // DeleteRole: DeleteConflict with an inline policy (attached ones: see the attachment test).
    await admin.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: allow('s3:GetObject') }));
    await expectIamError(admin.send(new DeleteRoleCommand({ RoleName: name })), 'DeleteConflict', 409);
    expect((await admin.send(new GetRoleCommand({ RoleName: name }))).Role!.RoleName).toBe(name);
    await admin.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: 'p' }));
    await admin.send(new DeleteRoleCommand({ RoleName: name }));
    await expectIamError(admin.send(new GetRoleCommand({ RoleName: name })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new DeleteRoleCommand({ RoleName: name })), 'NoSuchEntity', 404);
  });

  it('CreateRole validates the trust policy: MalformedPolicyDocument, nothing created', async () => {
    const bad = [
      // No Principal.
      doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }),
      // A Resource in a trust policy.
      doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole', Resource: '*' }),
      doc({ Effect: 'Nope', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }),
      'not json',
    ];
    for (const document of bad) {
      const name = uniq('badrole');
      await expectIamError(admin.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document })), 'MalformedPolicyDocument', 400);
      await expectIamError(admin.send(new GetRoleCommand({ RoleName: name })), 'NoSuchEntity', 404);
    }
    // Over 2048 characters: LimitExceeded, as AWS's ACLSizePerRole quota.
    const big = doc({
      Effect: 'Allow',
      Principal: { AWS: Array.from({ length: 60 }, (_, k) => `arn:aws:iam::${String(k).padStart(12, '0')}:root`) },
      Action: 'sts:AssumeRole',
    });
    expect(big.length).toBeGreaterThan(2048);
    const bigName = uniq('bigtrust');
    const e = await expectIamError(admin.send(new CreateRoleCommand({ RoleName: bigName, AssumeRolePolicyDocument: big })), 'LimitExceeded', 409);
    expect(e.message).toMatch(/2048/);
    await expectIamError(admin.send(new GetRoleCommand({ RoleName: bigName })), 'NoSuchEntity', 404);
    await expectIamError(admin.send(new CreateRoleCommand({ RoleName: 'bad name', AssumeRolePolicyDocument: TRUST(accountId) })), 'ValidationError', 400);
    await expectIamError(admin.send(new CreateRoleCommand({ RoleName: 'r'.repeat(65), AssumeRolePolicyDocument: TRUST(accountId) })), 'ValidationError', 400);
  });
});

// ------------------------------------------------------------------------------------------------ account

describe('GetAccountSummary', () => {
  it('counts that change as entities are created', async () => {
    const other = await ts.ctx.services.iam.createAccount(uniq('summary'));
    const c = iam({ accessKeyId: other.accessKey, secretAccessKey: other.secret });
    const s0 = (await c.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(s0).toMatchObject({
      Users: 0,
      Groups: 0,
      Roles: 0,
      Policies: 0,
      AccessKeysPerUserQuota: 2,
      AttachedPoliciesPerUserQuota: 10,
      UserPolicySizeQuota: 2048,
    });
    await c.send(new CreateUserCommand({ UserName: 'one' }));
    await c.send(new CreateUserCommand({ UserName: 'two' }));
    await c.send(new CreateGroupCommand({ GroupName: 'g' }));
    await c.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST(other.account.accountId) }));
    await c.send(new CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: allow('s3:GetObject') }));
    const s1 = (await c.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(s1).toMatchObject({ Users: 2, Groups: 1, Roles: 1, Policies: 1 });
    await c.send(new DeleteUserCommand({ UserName: 'two' }));
    expect((await c.send(new GetAccountSummaryCommand({}))).SummaryMap!.Users).toBe(1);
    // The admin account's counts are its own.
    const mine = (await admin.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    expect(mine.Users).toBe((await admin.send(new ListUsersCommand({ MaxItems: 1000 }))).Users!.length);
  });
});

// ------------------------------------------------------------------------------------------------ who may call

describe('who may call', () => {
  /** Everything an observer can see of the admin account's IAM (through the root). */
  async function snapshot(f: { user: string; group: string; role: string; policy: string }) {
    const policyArn = `arn:aws:iam::${accountId}:policy/${f.policy}`;
    const strip = (u: User) => [u.UserName, u.Path, u.UserId];
    return {
      users: (await admin.send(new ListUsersCommand({ MaxItems: 1000 }))).Users!.map(strip),
      groups: (await admin.send(new ListGroupsCommand({ MaxItems: 1000 }))).Groups!.map((g) => [g.GroupName, g.Path]),
      roles: (await admin.send(new ListRolesCommand({ MaxItems: 1000 }))).Roles!.map((r) => [
        r.RoleName,
        r.Path,
        r.Description,
        r.MaxSessionDuration,
        r.AssumeRolePolicyDocument,
      ]),
      policies: (await admin.send(new ListPoliciesCommand({ Scope: 'Local', MaxItems: 1000 }))).Policies!.map((p) => [
        p.PolicyName,
        p.DefaultVersionId,
        p.AttachmentCount,
      ]),
      versions: (await admin.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions!.map((v) => v.VersionId),
      user: (await admin.send(new GetUserCommand({ UserName: f.user }))).User,
      keys: (await admin.send(new ListAccessKeysCommand({ UserName: f.user }))).AccessKeyMetadata,
      userPolicies: (await admin.send(new ListUserPoliciesCommand({ UserName: f.user }))).PolicyNames,
      userAttached: (await admin.send(new ListAttachedUserPoliciesCommand({ UserName: f.user }))).AttachedPolicies,
      userGroups: (await admin.send(new ListGroupsForUserCommand({ UserName: f.user }))).Groups!.map((g) => g.GroupName),
      groupUsers: (await admin.send(new GetGroupCommand({ GroupName: f.group }))).Users!.map((u) => u.UserName),
      groupPolicies: (await admin.send(new ListGroupPoliciesCommand({ GroupName: f.group }))).PolicyNames,
      groupAttached: (await admin.send(new ListAttachedGroupPoliciesCommand({ GroupName: f.group }))).AttachedPolicies,
      rolePolicies: (await admin.send(new ListRolePoliciesCommand({ RoleName: f.role }))).PolicyNames,
      roleAttached: (await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: f.role }))).AttachedPolicies,
      userDoc: (await admin.send(new GetUserPolicyCommand({ UserName: f.user, PolicyName: 'keep' }))).PolicyDocument,
    };
  }

  /** A victim user (key, tag, inline + attached policy, in a group), a group, a role and a policy with two versions. */
  async function fixture() {
    const f = { user: uniq('victim'), group: uniq('vgroup'), role: uniq('vrole'), policy: uniq('vpolicy') };
    const policyArn = `arn:aws:iam::${accountId}:policy/${f.policy}`;
    await admin.send(new CreateUserCommand({ UserName: f.user, Tags: [{ Key: 't', Value: '1' }] }));
    const key = (await admin.send(new CreateAccessKeyCommand({ UserName: f.user }))).AccessKey!.AccessKeyId!;
    await admin.send(new PutUserPolicyCommand({ UserName: f.user, PolicyName: 'keep', PolicyDocument: allow('s3:GetObject') }));
    await admin.send(new CreateGroupCommand({ GroupName: f.group }));
    await admin.send(new AddUserToGroupCommand({ GroupName: f.group, UserName: f.user }));
    await admin.send(new PutGroupPolicyCommand({ GroupName: f.group, PolicyName: 'keep', PolicyDocument: allow('s3:GetObject') }));
    await admin.send(new CreateRoleCommand({ RoleName: f.role, AssumeRolePolicyDocument: TRUST(accountId) }));
    await admin.send(new PutRolePolicyCommand({ RoleName: f.role, PolicyName: 'keep', PolicyDocument: allow('s3:GetObject') }));
    await admin.send(new CreatePolicyCommand({ PolicyName: f.policy, PolicyDocument: allow('s3:GetObject') }));
    await admin.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: allow('s3:PutObject') }));
    await admin.send(new AttachUserPolicyCommand({ UserName: f.user, PolicyArn: policyArn }));
    await admin.send(new AttachRolePolicyCommand({ RoleName: f.role, PolicyArn: AWS_POLICY('S3ReadAccess') }));
    return { ...f, key, policyArn };
  }

  /** Every IAM action Cairn serves, aimed at the fixture. */
  function everyAction(c: IAMClient, f: Awaited<ReturnType<typeof fixture>>, fresh: string): Record<string, () => Promise<unknown>> {
    const d = allow('s3:*');
    return {
      CreateUser: () => c.send(new CreateUserCommand({ UserName: fresh })),
      GetUser: () => c.send(new GetUserCommand({ UserName: f.user })),
      ListUsers: () => c.send(new ListUsersCommand({})),
      UpdateUser: () => c.send(new UpdateUserCommand({ UserName: f.user, NewUserName: fresh })),
      DeleteUser: () => c.send(new DeleteUserCommand({ UserName: f.user })),
      TagUser: () => c.send(new TagUserCommand({ UserName: f.user, Tags: [{ Key: 'x', Value: 'y' }] })),
      UntagUser: () => c.send(new UntagUserCommand({ UserName: f.user, TagKeys: ['t'] })),
      ListUserTags: () => c.send(new ListUserTagsCommand({ UserName: f.user })),
      CreateAccessKey: () => c.send(new CreateAccessKeyCommand({ UserName: f.user })),
      ListAccessKeys: () => c.send(new ListAccessKeysCommand({ UserName: f.user })),
      UpdateAccessKey: () => c.send(new UpdateAccessKeyCommand({ UserName: f.user, AccessKeyId: f.key, Status: 'Inactive' })),
      DeleteAccessKey: () => c.send(new DeleteAccessKeyCommand({ UserName: f.user, AccessKeyId: f.key })),
      GetAccessKeyLastUsed: () => c.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: f.key })),
      CreateGroup: () => c.send(new CreateGroupCommand({ GroupName: fresh })),
      GetGroup: () => c.send(new GetGroupCommand({ GroupName: f.group })),
      ListGroups: () => c.send(new ListGroupsCommand({})),
      UpdateGroup: () => c.send(new UpdateGroupCommand({ GroupName: f.group, NewGroupName: fresh })),
      DeleteGroup: () => c.send(new DeleteGroupCommand({ GroupName: f.group })),
      AddUserToGroup: () => c.send(new AddUserToGroupCommand({ GroupName: f.group, UserName: f.user })),
      RemoveUserFromGroup: () => c.send(new RemoveUserFromGroupCommand({ GroupName: f.group, UserName: f.user })),
      ListGroupsForUser: () => c.send(new ListGroupsForUserCommand({ UserName: f.user })),
      PutUserPolicy: () => c.send(new PutUserPolicyCommand({ UserName: f.user, PolicyName: 'keep', PolicyDocument: d })),
      GetUserPolicy: () => c.send(new GetUserPolicyCommand({ UserName: f.user, PolicyName: 'keep' })),
      DeleteUserPolicy: () => c.send(new DeleteUserPolicyCommand({ UserName: f.user, PolicyName: 'keep' })),
      ListUserPolicies: () => c.send(new ListUserPoliciesCommand({ UserName: f.user })),
      PutGroupPolicy: () => c.send(new PutGroupPolicyCommand({ GroupName: f.group, PolicyName: 'keep', PolicyDocument: d })),
      GetGroupPolicy: () => c.send(new GetGroupPolicyCommand({ GroupName: f.group, PolicyName: 'keep' })),
      DeleteGroupPolicy: () => c.send(new DeleteGroupPolicyCommand({ GroupName: f.group, PolicyName: 'keep' })),
      ListGroupPolicies: () => c.send(new ListGroupPoliciesCommand({ GroupName: f.group })),
      PutRolePolicy: () => c.send(new PutRolePolicyCommand({ RoleName: f.role, PolicyName: 'keep', PolicyDocument: d })),
      GetRolePolicy: () => c.send(new GetRolePolicyCommand({ RoleName: f.role, PolicyName: 'keep' })),
      DeleteRolePolicy: () => c.send(new DeleteRolePolicyCommand({ RoleName: f.role, PolicyName: 'keep' })),
      ListRolePolicies: () => c.send(new ListRolePoliciesCommand({ RoleName: f.role })),
      CreatePolicy: () => c.send(new CreatePolicyCommand({ PolicyName: fresh, PolicyDocument: d })),
      GetPolicy: () => c.send(new GetPolicyCommand({ PolicyArn: f.policyArn })),
      DeletePolicy: () => c.send(new DeletePolicyCommand({ PolicyArn: f.policyArn })),
      ListPolicies: () => c.send(new ListPoliciesCommand({})),
      CreatePolicyVersion: () => c.send(new CreatePolicyVersionCommand({ PolicyArn: f.policyArn, PolicyDocument: d, SetAsDefault: true })),
      GetPolicyVersion: () => c.send(new GetPolicyVersionCommand({ PolicyArn: f.policyArn, VersionId: 'v1' })),
      ListPolicyVersions: () => c.send(new ListPolicyVersionsCommand({ PolicyArn: f.policyArn })),
      DeletePolicyVersion: () => c.send(new DeletePolicyVersionCommand({ PolicyArn: f.policyArn, VersionId: 'v2' })),
      SetDefaultPolicyVersion: () => c.send(new SetDefaultPolicyVersionCommand({ PolicyArn: f.policyArn, VersionId: 'v2' })),
      ListEntitiesForPolicy: () => c.send(new ListEntitiesForPolicyCommand({ PolicyArn: f.policyArn })),
      AttachUserPolicy: () => c.send(new AttachUserPolicyCommand({ UserName: f.user, PolicyArn: AWS_POLICY('AdministratorAccess') })),
      DetachUserPolicy: () => c.send(new DetachUserPolicyCommand({ UserName: f.user, PolicyArn: f.policyArn })),
      ListAttachedUserPolicies: () => c.send(new ListAttachedUserPoliciesCommand({ UserName: f.user })),
      AttachGroupPolicy: () => c.send(new AttachGroupPolicyCommand({ GroupName: f.group, PolicyArn: AWS_POLICY('AdministratorAccess') })),
      DetachGroupPolicy: () => c.send(new DetachGroupPolicyCommand({ GroupName: f.group, PolicyArn: AWS_POLICY('S3ReadAccess') })),
      ListAttachedGroupPolicies: () => c.send(new ListAttachedGroupPoliciesCommand({ GroupName: f.group })),
      AttachRolePolicy: () => c.send(new AttachRolePolicyCommand({ RoleName: f.role, PolicyArn: AWS_POLICY('AdministratorAccess') })),
      DetachRolePolicy: () => c.send(new DetachRolePolicyCommand({ RoleName: f.role, PolicyArn: AWS_POLICY('S3ReadAccess') })),
      ListAttachedRolePolicies: () => c.send(new ListAttachedRolePoliciesCommand({ RoleName: f.role })),
      CreateRole: () => c.send(new CreateRoleCommand({ RoleName: fresh, AssumeRolePolicyDocument: TRUST(accountId) })),
      GetRole: () => c.send(new GetRoleCommand({ RoleName: f.role })),
      ListRoles: () => c.send(new ListRolesCommand({})),
      UpdateRole: () => c.send(new UpdateRoleCommand({ RoleName: f.role, Description: 'changed', MaxSessionDuration: 7200 })),
      UpdateAssumeRolePolicy: () => c.send(new UpdateAssumeRolePolicyCommand({ RoleName: f.role, PolicyDocument: TRUST('000000000000') })),
      DeleteRole: () => c.send(new DeleteRoleCommand({ RoleName: f.role })),
      GetAccountSummary: () => c.send(new GetAccountSummaryCommand({})),
    };
  }

  const READS = /^(Get|List)/;

  it('an IAM user with no policy gets AccessDenied (403) for every IAM action, and nothing changes', async () => {
    const f = await fixture();
    const nobody = await newUser();
    const fresh = uniq('fresh');
    const actions = everyAction(nobody.iam, f, fresh);
    // The table covers every action the server serves.
    // (Cairn's account extensions have no SDK command: test/integration/accounts-api.test.ts denies them to everyone but the administrator.)
    const extensions = new Set<string>(ACCOUNT_ACTIONS.map((a) => a.name));
    expect(Object.keys(actions).sort()).toEqual([...IAM_ACTIONS.keys()].filter((k) => !extensions.has(k)).sort());
    const before = await snapshot(f);
    for (const [name, call] of Object.entries(actions)) {
      const e = await expectIamError(call(), 'AccessDenied', 403).catch((err: Error) => {
        throw new Error(`${name}: ${err.message}`);
      });
      expect(e.message).toContain(`User: arn:aws:iam::${accountId}:user/${nobody.name} is not authorized to perform: iam:`);
    }
    // Its own user and keys too.
    await expectIamError(nobody.iam.send(new GetUserCommand({})), 'AccessDenied', 403);
    await expectIamError(nobody.iam.send(new CreateAccessKeyCommand({})), 'AccessDenied', 403);
    await expectIamError(nobody.iam.send(new ListAccessKeysCommand({})), 'AccessDenied', 403);
    expect(await snapshot(f)).toEqual(before);
    for (const get of [
      () => admin.send(new GetUserCommand({ UserName: fresh })),
      () => admin.send(new GetGroupCommand({ GroupName: fresh })),
      () => admin.send(new GetRoleCommand({ RoleName: fresh })),
      () => admin.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${accountId}:policy/${fresh}` })),
    ]) {
      await expectIamError(get(), 'NoSuchEntity', 404);
    }
    expect((await admin.send(new ListAccessKeysCommand({ UserName: nobody.name }))).AccessKeyMetadata).toHaveLength(1);
  });

  it('with IAMReadAccess a user may List and Get but not change anything; with IAMFullAccess it may', async () => {
    const f = await fixture();
    const reader = await newUser({ managed: [AWS_POLICY('IAMReadAccess')] });
    const fresh = uniq('fresh');
    const before = await snapshot(f);
    for (const [name, call] of Object.entries(everyAction(reader.iam, f, fresh))) {
      if (READS.test(name)) {
        await call().catch((err: Error) => {
          throw new Error(`${name}: ${err.message}`);
        });
      } else {
        await expectIamError(call(), 'AccessDenied', 403).catch((err: Error) => {
          throw new Error(`${name}: ${err.message}`);
        });
      }
    }
    expect(await snapshot(f)).toEqual(before);
    await expectIamError(admin.send(new GetUserCommand({ UserName: fresh })), 'NoSuchEntity', 404);
    expect((await reader.iam.send(new GetUserCommand({}))).User!.UserName).toBe(reader.name);

    // IAMListAccess: List only.
    const lister = await newUser({ managed: [AWS_POLICY('IAMListAccess')] });
    await lister.iam.send(new ListUsersCommand({}));
    await expectIamError(lister.iam.send(new GetUserCommand({ UserName: f.user })), 'AccessDenied', 403);

    // IAMFullAccess: creates, changes and deletes.
    const full = await newUser({ managed: [AWS_POLICY('IAMFullAccess')] });
    const made = (await full.iam.send(new CreateUserCommand({ UserName: fresh }))).User!;
    expect(made.Arn).toBe(`arn:aws:iam::${accountId}:user/${fresh}`);
    await full.iam.send(new AttachUserPolicyCommand({ UserName: fresh, PolicyArn: AWS_POLICY('S3ReadAccess') }));
    expect((await admin.send(new ListAttachedUserPoliciesCommand({ UserName: fresh }))).AttachedPolicies!.map((p) => p.PolicyName)).toEqual(['S3ReadAccess']);
    await full.iam.send(new DetachUserPolicyCommand({ UserName: fresh, PolicyArn: AWS_POLICY('S3ReadAccess') }));
    await full.iam.send(new DeleteUserCommand({ UserName: fresh }));
    await expectIamError(admin.send(new GetUserCommand({ UserName: fresh })), 'NoSuchEntity', 404);

    // A policy change takes effect on the next request: detach IAMReadAccess and the reader is denied.
    await admin.send(new DetachUserPolicyCommand({ UserName: reader.name, PolicyArn: AWS_POLICY('IAMReadAccess') }));
    await expectIamError(reader.iam.send(new ListUsersCommand({})), 'AccessDenied', 403);
    // And through a group.
    await admin.send(new AttachGroupPolicyCommand({ GroupName: f.group, PolicyArn: AWS_POLICY('IAMListAccess') }));
    await admin.send(new AddUserToGroupCommand({ GroupName: f.group, UserName: reader.name }));
    await reader.iam.send(new ListUsersCommand({}));
    await admin.send(new RemoveUserFromGroupCommand({ GroupName: f.group, UserName: reader.name }));
    await expectIamError(reader.iam.send(new ListUsersCommand({})), 'AccessDenied', 403);
  });

  it('UpdateUser and UpdateGroup need the permission on the target too: the new name under the current or the new path', async () => {
    const ops = await newUser({
      inline: allow(['iam:UpdateUser', 'iam:UpdateGroup'], [`arn:aws:iam::${accountId}:user/team/*`, `arn:aws:iam::${accountId}:group/team/*`]),
    });
    const name = uniq('mover');
    await admin.send(new CreateUserCommand({ UserName: name, Path: '/team/' }));
    // A rename keeps the path: the target is user/team/<new>, which the policy allows.
    const renamed = uniq('moved');
    await ops.iam.send(new UpdateUserCommand({ UserName: name, NewUserName: renamed }));
    expect((await admin.send(new GetUserCommand({ UserName: renamed }))).User).toMatchObject({ UserName: renamed, Path: '/team/' });
    // Out of /team/: the target is not allowed; nothing changes.
    await expectIamError(ops.iam.send(new UpdateUserCommand({ UserName: renamed, NewPath: '/elsewhere/' })), 'AccessDenied', 403);
    await expectIamError(ops.iam.send(new UpdateUserCommand({ UserName: renamed, NewUserName: uniq('x'), NewPath: '/' })), 'AccessDenied', 403);
    expect((await admin.send(new GetUserCommand({ UserName: renamed }))).User).toMatchObject({ UserName: renamed, Path: '/team/' });
    // Nor from outside /team/ into it.
    const outsider = uniq('outsider');
    await admin.send(new CreateUserCommand({ UserName: outsider }));
    await expectIamError(ops.iam.send(new UpdateUserCommand({ UserName: outsider, NewPath: '/team/' })), 'AccessDenied', 403);
    expect((await admin.send(new GetUserCommand({ UserName: outsider }))).User!.Path).toBe('/');
    // Groups alike.
    const group = uniq('tg');
    await admin.send(new CreateGroupCommand({ GroupName: group, Path: '/team/' }));
    const regrouped = uniq('tg2');
    await ops.iam.send(new UpdateGroupCommand({ GroupName: group, NewGroupName: regrouped }));
    expect((await admin.send(new GetGroupCommand({ GroupName: regrouped }))).Group).toMatchObject({ GroupName: regrouped, Path: '/team/' });
    await expectIamError(ops.iam.send(new UpdateGroupCommand({ GroupName: regrouped, NewPath: '/' })), 'AccessDenied', 403);
    expect((await admin.send(new GetGroupCommand({ GroupName: regrouped }))).Group!.Path).toBe('/team/');
  });

  it('an explicit Deny wins over IAMFullAccess', async () => {
    const u = await newUser({
      managed: [AWS_POLICY('IAMFullAccess')],
      inline: doc({ Effect: 'Deny', Action: 'iam:DeleteUser', Resource: '*' }),
    });
    const target = uniq('safe');
    await u.iam.send(new CreateUserCommand({ UserName: target }));
    await expectIamError(u.iam.send(new DeleteUserCommand({ UserName: target })), 'AccessDenied', 403);
    expect((await admin.send(new GetUserCommand({ UserName: target }))).User!.UserName).toBe(target);
  });

  it('a user allowed the key actions only on arn:aws:iam::*:user/${aws:username} manages its own keys, not another user’s', async () => {
    const self = await newUser({
      inline: allow(
        ['iam:CreateAccessKey', 'iam:ListAccessKeys', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey', 'iam:GetAccessKeyLastUsed'],
        'arn:aws:iam::*:user/${aws:username}',
      ),
    });
    const other = await newUser();
    // Its own, with and without UserName.
    const k = (await self.iam.send(new CreateAccessKeyCommand({ UserName: self.name }))).AccessKey!;
    expect((await self.iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toHaveLength(2);
    await self.iam.send(new UpdateAccessKeyCommand({ AccessKeyId: k.AccessKeyId!, Status: 'Inactive' }));
    await self.iam.send(new DeleteAccessKeyCommand({ UserName: self.name, AccessKeyId: k.AccessKeyId! }));
    await self.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: self.creds.accessKeyId }));
    // Another user's: AccessDenied, nothing changes.
    const theirs = () => admin.send(new ListAccessKeysCommand({ UserName: other.name }));
    const before = (await theirs()).AccessKeyMetadata;
    await expectIamError(self.iam.send(new CreateAccessKeyCommand({ UserName: other.name })), 'AccessDenied', 403);
    await expectIamError(self.iam.send(new ListAccessKeysCommand({ UserName: other.name })), 'AccessDenied', 403);
    await expectIamError(
      self.iam.send(new UpdateAccessKeyCommand({ UserName: other.name, AccessKeyId: other.creds.accessKeyId, Status: 'Inactive' })),
      'AccessDenied',
      403,
    );
    await expectIamError(self.iam.send(new DeleteAccessKeyCommand({ UserName: other.name, AccessKeyId: other.creds.accessKeyId })), 'AccessDenied', 403);
    await expectIamError(self.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: other.creds.accessKeyId })), 'AccessDenied', 403);
    expect((await theirs()).AccessKeyMetadata).toEqual(before);
    // Naming its own user but another user's key: NoSuchEntity, the key untouched.
    await expectIamError(self.iam.send(new DeleteAccessKeyCommand({ UserName: self.name, AccessKeyId: other.creds.accessKeyId })), 'NoSuchEntity', 404);
    await expectIamError(self.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: other.creds.accessKeyId })), 'NoSuchEntity', 404);
    expect((await theirs()).AccessKeyMetadata).toEqual(before);
    // Nothing else.
    await expectIamError(self.iam.send(new GetUserCommand({})), 'AccessDenied', 403);
    // A path on the user changes its ARN: the policy no longer matches.
    await admin.send(new UpdateUserCommand({ UserName: self.name, NewPath: '/deep/' }));
    await expectIamError(self.iam.send(new ListAccessKeysCommand({})), 'AccessDenied', 403);
  });

  it('an account root may do everything in its account and reaches no other account’s IAM', async () => {
    const acctName = uniq('other');
    const other = await ts.ctx.services.iam.createAccount(acctName);
    const b = iam({ accessKeyId: other.accessKey, secretAccessKey: other.secret });
    const me = await b.send(new GetUserCommand({}));
    expect(me.User!.Arn).toBe(`arn:aws:iam::${other.account.accountId}:root`);
    expect(other.account.accountId).not.toBe(accountId);
    // Its root lists only its own (none yet), then its own user.
    expect((await b.send(new ListUsersCommand({}))).Users).toEqual([]);
    const shared = uniq('shared');
    await admin.send(new CreateUserCommand({ UserName: shared }));
    await admin.send(new CreatePolicyCommand({ PolicyName: shared, PolicyDocument: allow('s3:*') }));
    await admin.send(new CreateGroupCommand({ GroupName: shared }));
    await admin.send(new CreateRoleCommand({ RoleName: shared, AssumeRolePolicyDocument: TRUST(accountId) }));
    const mine = uniq('mine');
    const made = await b.send(new CreateUserCommand({ UserName: mine }));
    expect(made.User!.Arn).toBe(`arn:aws:iam::${other.account.accountId}:user/${mine}`);
    expect((await b.send(new ListUsersCommand({}))).Users!.map((u) => u.UserName)).toEqual([mine]);
    expect((await b.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies).toEqual([]);
    expect((await b.send(new ListGroupsCommand({}))).Groups).toEqual([]);
    expect((await b.send(new ListRolesCommand({}))).Roles).toEqual([]);
    // A user of account A cannot be read or changed by account B's root: NoSuchEntity, A's user unchanged.
    await expectIamError(b.send(new GetUserCommand({ UserName: shared })), 'NoSuchEntity', 404);
    await expectIamError(b.send(new DeleteUserCommand({ UserName: shared })), 'NoSuchEntity', 404);
    await expectIamError(b.send(new CreateAccessKeyCommand({ UserName: shared })), 'NoSuchEntity', 404);
    await expectIamError(b.send(new GetGroupCommand({ GroupName: shared })), 'NoSuchEntity', 404);
    await expectIamError(b.send(new GetRoleCommand({ RoleName: shared })), 'NoSuchEntity', 404);
    const aPolicy = `arn:aws:iam::${accountId}:policy/${shared}`;
    await expectIamError(b.send(new GetPolicyCommand({ PolicyArn: aPolicy })), 'NoSuchEntity', 404);
    await expectIamError(b.send(new AttachUserPolicyCommand({ UserName: mine, PolicyArn: aPolicy })), 'NoSuchEntity', 404);
    await expectIamError(b.send(new DeletePolicyCommand({ PolicyArn: aPolicy })), 'NoSuchEntity', 404);
    // A's keys are not B's.
    await expectIamError(b.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: ACCESS_KEY })), 'AccessDenied', 403);
    // The same name is free in B.
    await b.send(new CreateUserCommand({ UserName: shared }));
    expect((await admin.send(new GetUserCommand({ UserName: shared }))).User!.Arn).toBe(`arn:aws:iam::${accountId}:user/${shared}`);
    expect((await admin.send(new ListAccessKeysCommand({ UserName: shared }))).AccessKeyMetadata).toEqual([]);
    expect((await admin.send(new GetPolicyCommand({ PolicyArn: aPolicy }))).Policy!.PolicyName).toBe(shared);
    // AWS-managed policies are every account's to attach.
    await b.send(new AttachUserPolicyCommand({ UserName: mine, PolicyArn: AWS_POLICY('IAMFullAccess') }));
    // B's IAM user with IAMFullAccess acts in B only.
    const key = (await b.send(new CreateAccessKeyCommand({ UserName: mine }))).AccessKey!;
    const bUser = iam({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    expect((await bUser.send(new ListUsersCommand({}))).Users!.map((u) => u.UserName).sort()).toEqual([mine, shared].sort());
    await expectIamError(bUser.send(new GetPolicyCommand({ PolicyArn: aPolicy })), 'NoSuchEntity', 404);
    await bUser.send(new DeleteUserCommand({ UserName: shared }));
    expect((await admin.send(new GetUserCommand({ UserName: shared }))).User!.UserName).toBe(shared);
    // Attachment counts of an AWS-managed policy are per account.
    const inB = (await b.send(new GetPolicyCommand({ PolicyArn: AWS_POLICY('IAMFullAccess') }))).Policy!.AttachmentCount;
    expect(inB).toBe(1);
    const inBEntities = await b.send(new ListEntitiesForPolicyCommand({ PolicyArn: AWS_POLICY('IAMFullAccess') }));
    expect(inBEntities.PolicyUsers!.map((u) => u.UserName)).toEqual([mine]);
  });
});

// ------------------------------------------------------------------------------------------------ protocol

describe('the Query protocol', () => {
  it('errors come in the ErrorResponse envelope with Type Sender, and x-amzn-RequestId', async () => {
    const r = await rawIam({ Action: 'GetUser', Version: '2010-05-08', UserName: 'nobody-here' });
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/^text\/xml/);
    const id = r.headers['x-amzn-requestid'] as string;
    expect(id).toBeTruthy();
    expect(r.text).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>NoSuchEntity<\/Code><Message>The user with name nobody-here cannot be found\.<\/Message><\/Error><RequestId>[^<]+<\/RequestId><\/ErrorResponse>$/,
    );
    expect(r.text).toContain(`<RequestId>${id}</RequestId>`);
  });

  it('answers <XResponse><XResult>…<ResponseMetadata><RequestId>; actions without a result only ResponseMetadata', async () => {
    const name = uniq('wire');
    const r = await rawIam({ Action: 'CreateUser', Version: '2010-05-08', UserName: name });
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/<CreateUserResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><CreateUserResult><User>/);
    expect(r.text).toMatch(/<\/CreateUserResult><ResponseMetadata><RequestId>[^<]+<\/RequestId><\/ResponseMetadata><\/CreateUserResponse>$/);
    expect(r.text).toMatch(/<CreateDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/CreateDate>/);
    const t = await rawIam({ Action: 'TagUser', Version: '2010-05-08', UserName: name, 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' });
    expect(t.status).toBe(200);
    expect(t.text).toMatch(
      /<TagUserResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><ResponseMetadata><RequestId>[^<]+<\/RequestId><\/ResponseMetadata><\/TagUserResponse>$/,
    );
    const l = await rawIam({ Action: 'ListUserTags', Version: '2010-05-08', UserName: name });
    expect(l.text).toContain('<Tags><member><Key>k</Key><Value>v</Value></member></Tags><IsTruncated>false</IsTruncated>');
  });

  it('an unknown Action → InvalidAction 400; a missing one → MissingAction; a wrong Version → InvalidAction', async () => {
    const r = await rawIam({ Action: 'CreateUniverse', Version: '2010-05-08' });
    expect(r.status).toBe(400);
    expect(r.text).toContain('<Code>InvalidAction</Code>');
    const missing = await rawIam({ Version: '2010-05-08' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('<Code>MissingAction</Code>');
    const version = await rawIam({ Action: 'ListUsers', Version: '2011-06-15' });
    expect(version.status).toBe(400);
    expect(version.text).toContain('<Code>InvalidAction</Code>');
    // A required parameter missing: ValidationError naming it.
    const noName = await rawIam({ Action: 'CreateUser', Version: '2010-05-08' });
    expect(noName.status).toBe(400);
    expect(noName.text).toContain('<Code>ValidationError</Code>');
    expect(noName.text).toMatch(/Value null at (&apos;|')userName(&apos;|') failed to satisfy constraint: Member must not be null/);
  });

  it('a bad signature → SignatureDoesNotMatch 403; an unknown access key → InvalidClientTokenId 403; nothing created', async () => {
    const name = uniq('nosig');
    await expectIamError(
      iam({ accessKeyId: ACCESS_KEY, secretAccessKey: 'wrong-secret-wrong-secret-wrong-secret00' }).send(new CreateUserCommand({ UserName: name })),
      'SignatureDoesNotMatch',
      403,
    );
    await expectIamError(
      iam({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: SECRET_KEY }).send(new CreateUserCommand({ UserName: name })),
      'InvalidClientTokenId',
      403,
    );
    await expectIamError(admin.send(new GetUserCommand({ UserName: name })), 'NoSuchEntity', 404);
  });

  it('a request signed more than 15 minutes off the server clock → SignatureDoesNotMatch 403 (Signature expired)', async () => {
    ts.now.offsetMs = 20 * 60_000;
    try {
      const r = await rawIam({ Action: 'ListUsers', Version: '2010-05-08' });
      expect(r.status).toBe(403);
      expect(r.text).toContain('<Code>SignatureDoesNotMatch</Code>');
      expect(r.text).toContain('Signature expired');
    } finally {
      ts.now.offsetMs = 0;
    }
  });

  it('an anonymous request → MissingAuthenticationToken 403 (told apart by an iam. host)', async () => {
    const name = uniq('anon');
    const r = await rawIam({ Action: 'CreateUser', Version: '2010-05-08', UserName: name }, { anonymous: true, host: 'iam.cairn.test' });
    expect(r.status).toBe(403);
    expect(r.text).toContain(
      '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code>',
    );
    const get = await rawIam({ Action: 'ListUsers', Version: '2010-05-08' }, { anonymous: true, host: 'iam.amazonaws.com', method: 'GET' });
    expect(get.status).toBe(403);
    expect(get.text).toContain('<Code>MissingAuthenticationToken</Code>');
    await expectIamError(admin.send(new GetUserCommand({ UserName: name })), 'NoSuchEntity', 404);
    // Without an iam. host an unsigned POST / is S3's (its error envelope, not IAM's).
    const s3 = await rawIam({ Action: 'CreateUser', Version: '2010-05-08', UserName: name }, { anonymous: true });
    expect(s3.text).not.toContain('iam.amazonaws.com');
    expect(s3.text).toMatch(/<Error><Code>/);
  });

  it('a GET with the Action in the query string works; a host iam.<something> is routed to IAM', async () => {
    const name = uniq('get');
    await admin.send(new CreateUserCommand({ UserName: name, Path: '/q/' }));
    const r = await rawIam({ Action: 'GetUser', Version: '2010-05-08', UserName: name }, { method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.text).toContain(`<UserName>${name}</UserName>`);
    expect(r.text).toContain('<Path>/q/</Path>');
    // Parameters with characters that need encoding.
    const tagged = await rawIam(
      { Action: 'TagUser', Version: '2010-05-08', UserName: name, 'Tags.member.1.Key': 'a b+c=d', 'Tags.member.1.Value': 'x/y:z@' },
      { method: 'GET' },
    );
    expect(tagged.status).toBe(200);
    expect((await admin.send(new ListUserTagsCommand({ UserName: name }))).Tags).toEqual([{ Key: 'a b+c=d', Value: 'x/y:z@' }]);
    // Signed with the scope's service iam and sent to iam.<something>: IAM, GET and POST.
    for (const method of ['GET', 'POST'] as const) {
      const h = await rawIam({ Action: 'GetUser', Version: '2010-05-08', UserName: name }, { method, host: 'iam.cairn.test' });
      expect(h.status).toBe(200);
      expect(h.text).toContain(`<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">`);
    }
    // An iam. host with a request signed for s3: IAM answers that the signature is for the wrong service.
    const wrong = await rawIam({ Action: 'GetUser', Version: '2010-05-08', UserName: name }, { host: 'iam.cairn.test', service: 's3' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('<Code>IncompleteSignature</Code>');
  });

  // The SDKs (and botocore, aws-sdk-go) presign non-S3 services over the hash of the empty body, not UNSIGNED-PAYLOAD
  // (aws-iam-authenticator's STS GetCallerIdentity tokens are such URLs).
  it('a presigned GET (X-Amz-Credential in the query) for service iam is IAM’s', async () => {
    const name = uniq('presigned');
    await admin.send(new CreateUserCommand({ UserName: name }));
    const host = new URL(ts.url).host;
    const signer = new SignatureV4({ credentials: ADMIN, region: 'us-east-1', service: 'iam', sha256: Sha256 });
    const presigned = await signer.presign(
      { method: 'GET', protocol: 'http:', hostname: host, path: '/', query: { Action: 'GetUser', Version: '2010-05-08', UserName: name }, headers: { host } },
      { expiresIn: 300 },
    );
    const qs = Object.entries(presigned.query!)
      .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v as string)}`)
      .join('&');
    const res = await request(`${ts.url}/?${qs}`);
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(text).toContain(`<UserName>${name}</UserName>`);
  });

  it('with CAIRN_DOMAINS set, a request signed for iam to iam.<domain> is IAM’s; an unsigned one there is the bucket "iam"', async () => {
    const other = await startTestServer({ domains: ['cairn.test'] });
    try {
      const port = new URL(other.url).port;
      const host = `iam.cairn.test:${port}`;
      const signer = new SignatureV4({ credentials: ADMIN, region: 'us-east-1', service: 'iam', sha256: Sha256 });
      const body = 'Action=ListUsers&Version=2010-05-08';
      const headers = { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
      const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: host, path: '/', query: {}, headers, body });
      const res = await request(`${other.url}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
      const text = await res.body.text();
      expect(res.statusCode).toBe(200);
      expect(text).toContain('<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">');
      const anon = await request(`${other.url}/`, { headers: { host } });
      const anonText = await anon.body.text();
      // S3's answer to anyone, anonymous callers too, for a bucket that does not exist.
      expect(anonText).toMatch(/^<\?xml[^>]*>\n<Error><Code>NoSuchBucket<\/Code>.*<Resource>\/iam\/<\/Resource>/);
    } finally {
      await other.stop();
    }
  });

  it('a POST body that is not a form → an IAM error, not a crash', async () => {
    const url = new URL(ts.url);
    const body = '{"Action":"ListUsers"}';
    const signer = new SignatureV4({ credentials: ADMIN, region: 'us-east-1', service: 'iam', sha256: Sha256 });
    const headers: Record<string, string> = { host: url.host, 'content-type': 'application/json' };
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.host, path: '/', query: {}, headers, body });
    const res = await request(`${ts.url}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    const text = await res.body.text();
    expect(res.statusCode).toBe(400);
    expect(text).toContain('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">');
  });
});

// ------------------------------------------------------------------------------------------------ S3 principals

describe('the S3 side of IAM users', () => {
  it('a new IAM user has no S3 permissions until a policy grants them', async () => {
    const u = await newUser();
    await expectS3Error(u.s3.send(new ListBucketsCommand({})), 'AccessDenied', 403);
    await admin.send(new AttachUserPolicyCommand({ UserName: u.name, PolicyArn: AWS_POLICY('S3BucketListAccess') }));
    await u.s3.send(new ListBucketsCommand({}));
  });
});

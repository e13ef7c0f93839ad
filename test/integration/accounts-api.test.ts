/**
 * Cairn's account extensions to the IAM Query API (CreateAccount, ListAccounts, DeleteAccount), as raw signed
 * Query requests: the administrator creates an account (its root keys answered once, and they work), lists
 * accounts page by page, and deletes one (refused while it owns buckets, as `cairn account delete` refuses);
 * everyone else is denied — another account's root, IAM users with iam:* — and nothing changes. The CLI
 * cross-checks what the API did, and the API sees what the CLI did.
 */
import { AttachRolePolicyCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { CreateBucketCommand, DeleteBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairn } from '../helpers/cli.js';
import { ADMIN, createUser, iamClient, destroyClients, s3As, stsClient, type Creds } from '../helpers/iam-users.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { Sha256 } from '../helpers/signing.js';

let ts: TestServer;
const parser = new XMLParser({ isArray: (name) => name === 'member', parseTagValue: false });
/** A CLI change reaches the server within 0.1 s. */
const settle = () => new Promise((r) => setTimeout(r, 150));

const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A POST Query request to IAM signed with `creds`; the status, the parsed body and its text. */
async function query(action: string, params: Record<string, string> = {}, creds: Creds = ADMIN) {
  const host = new URL(ts.url).host;
  const body = Object.entries({ Action: action, Version: '2010-05-08', ...params })
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const headers: Record<string, string> = { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: 'iam', sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: host, path: '/', query: {}, headers, body });
  const res = await request(`${ts.url}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
  const text = await res.body.text();
  return { status: res.statusCode, text, xml: parser.parse(text) as Record<string, Record<string, Record<string, unknown>>> };
}

type AccountXml = { AccountName: string; AccountId: string; CanonicalId: string; Email?: string; IsAdministrator: string };

async function listAll(creds: Creds = ADMIN, maxItems?: number): Promise<{ accounts: AccountXml[]; pages: number }> {
  const accounts: AccountXml[] = [];
  let marker: string | undefined;
  let pages = 0;
  for (;;) {
    const params: Record<string, string> = {};
    if (maxItems !== undefined) params.MaxItems = String(maxItems);
    if (marker !== undefined) params.Marker = marker;
    const r = await query('ListAccounts', params, creds);
    expect(r.status, r.text).toBe(200);
    const result = r.xml.ListAccountsResponse!.ListAccountsResult!;
    accounts.push(...(((result.Accounts as { member?: AccountXml[] } | '') || {}).member ?? []));
    pages++;
    if (result.IsTruncated !== 'true') return { accounts, pages };
    marker = String(result.Marker);
  }
}

const errorOf = (r: Awaited<ReturnType<typeof query>>) => {
  const e = (r.xml.ErrorResponse as unknown as { Error: { Code: string; Message: string } }).Error;
  return { status: r.status, code: e.Code, message: e.Message };
};

beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  destroyClients(ts);
  await ts.stop();
});

describe('CreateAccount, ListAccounts, DeleteAccount (the administrator)', () => {
  it('creates an account whose root keys are answered once and work; the CLI lists it; deletes it', async () => {
    const r = await query('CreateAccount', { AccountName: 'alice', Email: 'Alice@Example.com' });
    expect(r.status, r.text).toBe(200);
    const result = r.xml.CreateAccountResponse!.CreateAccountResult! as {
      Account: AccountXml;
      AccessKey: { AccessKeyId: string; SecretAccessKey: string; Status: string };
    };
    expect(result.Account.AccountName).toBe('alice');
    expect(result.Account.AccountId).toMatch(/^[1-9]\d{11}$/);
    expect(result.Account.CanonicalId).toMatch(/^[0-9a-f]{64}$/);
    expect(result.Account.Email).toBe('alice@example.com');
    expect(result.Account.IsAdministrator).toBe('false');
    expect(result.AccessKey.Status).toBe('Active');
    const creds = { accessKeyId: result.AccessKey.AccessKeyId, secretAccessKey: result.AccessKey.SecretAccessKey };
    // The new root signs S3 requests: its own (empty) bucket list.
    expect((await s3As(ts, creds).send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    // The CLI sees the same account.
    const cli = await cairn(ts.dataDir, ['account', 'list', '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    const row = (JSON.parse(cli.stdout) as Array<Record<string, unknown>>).find((a) => a.name === 'alice')!;
    expect([row.accountId, row.canonicalId, row.email]).toEqual([result.Account.AccountId, result.Account.CanonicalId, 'alice@example.com']);
    // The secret is never shown again: not in ListAccounts, not in `cairn key list`.
    const list = await query('ListAccounts');
    expect(list.text).toContain('<AccountName>alice</AccountName>');
    expect(list.text).not.toContain(creds.secretAccessKey);
    expect((await cairn(ts.dataDir, ['key', 'list', '--account', 'alice'])).stdout).not.toContain(creds.secretAccessKey);
    // A second account with the same name or email is refused.
    expect(errorOf(await query('CreateAccount', { AccountName: 'alice' }))).toMatchObject({ status: 409, code: 'EntityAlreadyExists' });
    expect(errorOf(await query('CreateAccount', { AccountName: 'alice2', Email: 'alice@example.com' }))).toMatchObject({
      status: 409,
      code: 'EntityAlreadyExists',
    });
    // Deleted by name: gone for the CLI, and its keys stop working.
    const del = await query('DeleteAccount', { AccountName: 'alice' });
    expect(del.status, del.text).toBe(200);
    expect(del.text).toContain('<DeleteAccountResponse');
    expect((await cairn(ts.dataDir, ['account', 'list', '--json'])).stdout).not.toContain('"alice"');
    await expect(s3As(ts, creds).send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    expect(errorOf(await query('DeleteAccount', { AccountName: 'alice' }))).toMatchObject({ status: 404, code: 'NoSuchEntity' });
  });

  it('validates its parameters', async () => {
    expect(errorOf(await query('CreateAccount'))).toMatchObject({ status: 400, code: 'ValidationError' });
    expect(errorOf(await query('CreateAccount', { AccountName: 'bad name' }))).toMatchObject({ status: 400, code: 'ValidationError' });
    expect(errorOf(await query('CreateAccount', { AccountName: 'x'.repeat(65) }))).toMatchObject({ status: 400, code: 'ValidationError' });
    expect(errorOf(await query('CreateAccount', { AccountName: 'okname', Email: 'not-an-email' }))).toMatchObject({ status: 400, code: 'ValidationError' });
    expect(errorOf(await query('DeleteAccount'))).toMatchObject({ status: 400, code: 'InvalidInput' });
    expect(errorOf(await query('DeleteAccount', { AccountName: 'a', AccountId: '123456789012' }))).toMatchObject({ status: 400, code: 'InvalidInput' });
    expect(errorOf(await query('DeleteAccount', { AccountId: '999999999999' }))).toMatchObject({ status: 404, code: 'NoSuchEntity' });
    expect(errorOf(await query('ListAccounts', { MaxItems: '0' }))).toMatchObject({ status: 400, code: 'ValidationError' });
    // Nothing was created.
    expect((await listAll()).accounts.map((a) => a.AccountName)).not.toContain('okname');
  });

  it('refuses to delete an account that owns buckets (as the CLI does), or the admin account; deletes by AccountId', async () => {
    const cli = await cairn(ts.dataDir, ['account', 'create', 'bucketeer']);
    expect(cli.code, cli.stderr).toBe(0);
    await settle();
    const creds = {
      accessKeyId: /AWS_ACCESS_KEY_ID=(\S+)/.exec(cli.stdout)![1]!,
      secretAccessKey: /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(cli.stdout)![1]!,
    };
    const id = /account id: (\d{12})/.exec(cli.stdout)![1]!;
    const s3 = s3As(ts, creds);
    const bucket = `acct-api-${Date.now().toString(36)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const refused = errorOf(await query('DeleteAccount', { AccountId: id }));
    expect(refused).toMatchObject({ status: 409, code: 'DeleteConflict' });
    const cliRefused = await cairn(ts.dataDir, ['account', 'delete', 'bucketeer']);
    expect(cliRefused.code).toBe(1);
    expect(cliRefused.stderr).toBe(`cairn: ${refused.message}\n`);
    const adminId = (await listAll()).accounts.find((a) => a.IsAdministrator === 'true')!;
    expect(errorOf(await query('DeleteAccount', { AccountName: adminId.AccountName }))).toMatchObject({ status: 409, code: 'DeleteConflict' });
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    const del = await query('DeleteAccount', { AccountId: id });
    expect(del.status, del.text).toBe(200);
    expect((await listAll()).accounts.map((a) => a.AccountName)).not.toContain('bucketeer');
  });

  it('pages with MaxItems and Marker, in name order, like other IAM lists', async () => {
    for (const n of ['page-c', 'page-a', 'page-b']) expect((await query('CreateAccount', { AccountName: n })).status).toBe(200);
    const all = await listAll();
    const paged = await listAll(ADMIN, 1);
    expect(paged.pages).toBe(all.accounts.length);
    expect(paged.accounts).toEqual(all.accounts);
    const names = all.accounts.map((a) => a.AccountName);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    expect(all.accounts.filter((a) => a.IsAdministrator === 'true')).toHaveLength(1);
    for (const n of ['page-a', 'page-b', 'page-c']) expect((await query('DeleteAccount', { AccountName: n })).status).toBe(200);
  });
});

describe('only the administrator', () => {
  it('denies other account roots, IAM users with iam:* (even AdministratorAccess), and changes nothing', async () => {
    const other = await query('CreateAccount', { AccountName: 'otherroot' });
    const key = (other.xml.CreateAccountResponse!.CreateAccountResult! as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } }).AccessKey;
    const otherRoot = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
    const iam = iamClient(ts);
    const star = await createUser(ts, iam, `iamstar${Date.now().toString(36)}`, {
      inline: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:*', '*'], Resource: '*' }] },
      attach: ['arn:aws:iam::aws:policy/AdministratorAccess'],
    });
    // An IAM user of another account with iam:* in its own account.
    const otherIam = iamClient(ts, otherRoot);
    const otherStar = await createUser(ts, otherIam, 'otherstar', {
      inline: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }] },
    });
    const before = (await listAll()).accounts;
    for (const [who, creds] of [
      ['another account root', otherRoot],
      ['an admin-account IAM user with iam:*', star.creds],
      ['another account IAM user with iam:*', otherStar.creds],
    ] as const) {
      for (const [action, params] of [
        ['ListAccounts', {}],
        ['CreateAccount', { AccountName: 'sneaky' }],
        ['DeleteAccount', { AccountName: 'otherroot' }],
        ['DeleteAccount', { AccountName: 'nonexistent' }],
      ] as const) {
        const e = errorOf(await query(action, params, creds));
        expect({ who, action, status: e.status, code: e.code }).toEqual({ who, action, status: 403, code: 'AccessDenied' });
        expect(e.message).toContain(`is not authorized to perform: iam:${action}`);
      }
    }
    expect((await listAll()).accounts).toEqual(before);
  });

  it("denies a role session of the admin account with iam:*, and the administrator's own GetSessionToken credentials", async () => {
    const iam = iamClient(ts);
    const me = await stsClient(ts).send(new GetCallerIdentityCommand({}));
    const roleName = `acctrole${Date.now().toString(36)}`;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${me.Account}:root` }, Action: 'sts:AssumeRole' }] };
    const role = await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const assumer = await createUser(ts, iam, `assumer${Date.now().toString(36)}`, { attach: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
    const assumed = await stsClient(ts, assumer.creds).send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: 'ops' }));
    const session = await stsClient(ts).send(new GetSessionTokenCommand({}));
    const before = (await listAll()).accounts;
    for (const [who, c] of [
      ['a role session', assumed.Credentials!],
      ["the administrator's GetSessionToken credentials", session.Credentials!],
    ] as const) {
      const creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
      for (const action of ['ListAccounts', 'CreateAccount', 'DeleteAccount'] as const) {
        const e = errorOf(await query(action, { AccountName: 'sneaky2' }, creds));
        expect({ who, action, status: e.status, code: e.code }).toEqual({ who, action, status: 403, code: 'AccessDenied' });
      }
    }
    expect((await listAll()).accounts).toEqual(before);
  });
});

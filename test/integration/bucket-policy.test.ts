/**
 * Bucket policies and Block Public Access end to end, with three accounts (A owns the buckets, B and
 * C are others) and IAM users, through @aws-sdk/client-s3 and raw undici requests (anonymous ones
 * carry no credentials at all). Every denial is AccessDenied 403 and changes nothing.
 */
import { PutUserPolicyCommand } from '@aws-sdk/client-iam';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { FormData, fetch, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectS3Error, md5, newBucket, s3Error, text } from '../helpers/s3.js';
import { rawRequest } from '../helpers/signing.js';
import { createUser, destroyClients, doc, iamClient, s3As, type Creds } from '../helpers/iam-users.js';
import type { IAMClient } from '@aws-sdk/client-iam';

interface Acct {
  id: string;
  creds: Creds;
  s3: S3Client;
  iam: IAMClient;
}

let ts: TestServer;
let A: Acct;
let B: Acct;
let C: Acct;
let n = 0;
const uname = (base: string) => `${base}-${n++}`;

async function account(name: string): Promise<Acct> {
  const r = await ts.ctx.services.iam.createAccount(uname(name));
  const creds = { accessKeyId: r.accessKey, secretAccessKey: r.secret };
  return { id: r.account.accountId, creds, s3: s3As(ts, creds), iam: iamClient(ts, creds) };
}

beforeAll(async () => {
  ts = await startTestServer();
  A = await account('owner');
  B = await account('partner');
  C = await account('stranger');
});
afterAll(async () => {
  if (ts) destroyClients(ts);
  await ts?.stop();
});

const denied = (p: Promise<unknown>) => expectS3Error(p, 'AccessDenied', 403);
const put = (c: S3Client, Bucket: string, Key: string, Body = 'data') => c.send(new PutObjectCommand({ Bucket, Key, Body }));
const get = async (c: S3Client, Bucket: string, Key: string) => text(await c.send(new GetObjectCommand({ Bucket, Key })));
const setPolicy = (c: S3Client, Bucket: string, policy: object | string) =>
  c.send(new PutBucketPolicyCommand({ Bucket, Policy: typeof policy === 'string' ? policy : JSON.stringify(policy) }));
const anon = (method: string, path: string, body?: string) => rawRequest(ts.url, method, path, { anonymous: true, body, noPayloadHeader: true });
const allowAll = (Principal: unknown, Action: string | string[], Resource: string | string[], extra: object = {}) => ({
  Effect: 'Allow',
  Principal,
  Action,
  Resource,
  ...extra,
});

/** Everything a write could change in a bucket: its versions and delete markers. */
async function snapshot(bucket: string): Promise<unknown> {
  const v = await A.s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return {
    versions: (v.Versions ?? []).map((x) => [x.Key, x.VersionId, x.ETag]),
    markers: (v.DeleteMarkers ?? []).map((m) => [m.Key, m.VersionId]),
  };
}

describe('PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy, GetBucketPolicyStatus', () => {
  it('stores the policy as written, reports whether it is public, deletes it', async () => {
    const b = await newBucket(A.s3, { prefix: 'pol' });
    await expectS3Error(A.s3.send(new GetBucketPolicyCommand({ Bucket: b })), 'NoSuchBucketPolicy', 404);
    await expectS3Error(A.s3.send(new GetBucketPolicyStatusCommand({ Bucket: b })), 'NoSuchBucketPolicy', 404);
    const written = `{ "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "${B.id}"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${b}/*"}]}`;
    await setPolicy(A.s3, b, written);
    expect((await A.s3.send(new GetBucketPolicyCommand({ Bucket: b }))).Policy).toBe(written);
    expect((await A.s3.send(new GetBucketPolicyStatusCommand({ Bucket: b }))).PolicyStatus?.IsPublic).toBe(false);
    await setPolicy(A.s3, b, doc(allowAll('*', 's3:GetObject', `arn:aws:s3:::${b}/*`)));
    expect((await A.s3.send(new GetBucketPolicyStatusCommand({ Bucket: b }))).PolicyStatus?.IsPublic).toBe(true);
    const del = await A.s3.send(new DeleteBucketPolicyCommand({ Bucket: b }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expectS3Error(A.s3.send(new GetBucketPolicyCommand({ Bucket: b })), 'NoSuchBucketPolicy', 404);
  });

  it('a bucket made after one is deleted does not inherit its policy or flags', async () => {
    for (let i = 0; i < 3; i++) {
      const old = await newBucket(A.s3, { prefix: 'gone' });
      await setPolicy(A.s3, old, doc(allowAll('*', 's3:GetObject', `arn:aws:s3:::${old}/*`)));
      await A.s3.send(new PutPublicAccessBlockCommand({ Bucket: old, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } }));
      await A.s3.send(new DeleteBucketCommand({ Bucket: old }));
      const fresh = await newBucket(A.s3, { prefix: 'fresh' });
      await put(A.s3, fresh, 'k', 'v');
      await expectS3Error(A.s3.send(new GetBucketPolicyCommand({ Bucket: fresh })), 'NoSuchBucketPolicy', 404);
      await expectS3Error(A.s3.send(new GetPublicAccessBlockCommand({ Bucket: fresh })), 'NoSuchPublicAccessBlockConfiguration', 404);
      expect((await anon('GET', `/${fresh}/k`)).status).toBe(403);
    }
  });

  it('MalformedPolicy names what is wrong; nothing is stored', async () => {
    const b = await newBucket(A.s3, { prefix: 'bad' });
    const one = (s: object) => doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*`, ...s });
    const cases: Array<[string | object, RegExp]> = [
      ['{"Version": "2012-10-17", "Statement": [', /invalid Json/],
      [one({ Principal: { AWS: '999999999999' } }), /Invalid principal in policy.*no such account/],
      [one({ Principal: { AWS: `arn:aws:iam::${B.id}:user/nobody` } }), /Invalid principal in policy.*no such user/],
      [one({ Action: 's3:GetObjectt' }), /Policy has invalid action/],
      [one({ Action: 'iam:CreateUser' }), /Policy has invalid action/],
      [one({ Resource: 'arn:aws:s3:::some-other-bucket/*' }), /Policy has invalid resource/],
      [one({ Resource: '*' }), /Policy has invalid resource/],
      [one({ Effect: 'Permit' }), /Invalid policy syntax/],
      [
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }] },
        /Missing required field Principal/,
      ],
    ];
    for (const [policy, message] of cases) {
      const e = await expectS3Error(setPolicy(A.s3, b, policy), 'MalformedPolicy', 400);
      expect(e.message).toMatch(message);
    }
    await expectS3Error(A.s3.send(new GetBucketPolicyCommand({ Bucket: b })), 'NoSuchBucketPolicy', 404);
    // An existing IAM user and role-less account root are accepted.
    const u = await createUser(ts, B.iam, uname('named'));
    await setPolicy(A.s3, b, one({ Principal: { AWS: [u.arn, `arn:aws:iam::${C.id}:root`] } }));
  });

  it('20 KB is the limit (PolicyTooLarge); Content-MD5 is verified', async () => {
    const b = await newBucket(A.s3, { prefix: 'big' });
    const statements = Array.from({ length: 200 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow',
      Principal: { AWS: B.id },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${b}/some/long/prefix/to/take/room/${i}/*`,
    }));
    await expectS3Error(setPolicy(A.s3, b, doc(...statements)), 'PolicyTooLarge', 400);
    const body = JSON.stringify(doc(allowAll({ AWS: B.id }, 's3:GetObject', `arn:aws:s3:::${b}/*`)));
    const wrong = await rawRequest(ts.url, 'PUT', `/${b}?policy`, { body, headers: { 'content-md5': Buffer.from(md5('other'), 'hex').toString('base64') } });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('<Code>BadDigest</Code>');
    const right = await rawRequest(ts.url, 'PUT', `/${b}?policy`, { body, headers: { 'content-md5': Buffer.from(md5(body), 'hex').toString('base64') } });
    expect(right.status).toBe(204);
    const got = await rawRequest(ts.url, 'GET', `/${b}?policy`);
    expect(got.text).toBe(body);
  });

  it("only the owner's account manages the policy: another account with permission gets 405", async () => {
    const b = await newBucket(A.s3, { prefix: 'own' });
    await setPolicy(A.s3, b, doc(allowAll({ AWS: B.id }, ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'], `arn:aws:s3:::${b}`)));
    await expectS3Error(B.s3.send(new GetBucketPolicyCommand({ Bucket: b })), 'MethodNotAllowed', 405);
    await expectS3Error(B.s3.send(new DeleteBucketPolicyCommand({ Bucket: b })), 'MethodNotAllowed', 405);
    await denied(C.s3.send(new GetBucketPolicyCommand({ Bucket: b })));
    // Not even a policy that grants everyone the policy operations lets an anonymous caller use them.
    await setPolicy(A.s3, b, doc(allowAll('*', ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'], `arn:aws:s3:::${b}`)));
    for (const method of ['GET', 'DELETE'] as const) expect((await anon(method, `/${b}?policy`)).status).toBe(403);
    const replacement = JSON.stringify(doc(allowAll('*', 's3:GetObject', `arn:aws:s3:::${b}/*`)));
    const md5b64 = Buffer.from(md5(replacement), 'hex').toString('base64');
    expect((await rawRequest(ts.url, 'PUT', `/${b}?policy`, { anonymous: true, body: replacement, headers: { 'content-md5': md5b64 } })).status).toBe(403);
    expect((await A.s3.send(new GetBucketPolicyCommand({ Bucket: b }))).Policy).toContain('"Principal":"*"');
    await setPolicy(A.s3, b, doc(allowAll({ AWS: B.id }, ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy'], `arn:aws:s3:::${b}`)));
    expect((await A.s3.send(new GetBucketPolicyCommand({ Bucket: b }))).Policy).toContain(B.id);
  });
});

describe('anonymous access by bucket policy', () => {
  it('a public-read bucket is fetched with no credentials; everything else stays AccessDenied', async () => {
    const b = await newBucket(A.s3, { prefix: 'public' });
    await put(A.s3, b, 'index.html', '<h1>hello</h1>');
    expect((await anon('GET', `/${b}/index.html`)).status).toBe(403);
    await setPolicy(A.s3, b, doc(allowAll('*', 's3:GetObject', `arn:aws:s3:::${b}/*`)));
    const got = await anon('GET', `/${b}/index.html`);
    expect(got.status).toBe(200);
    expect(got.text).toBe('<h1>hello</h1>');
    expect((await anon('HEAD', `/${b}/index.html`)).status).toBe(200);
    const before = await snapshot(b);
    for (const [method, path, body] of [
      ['PUT', `/${b}/index.html`, 'defaced'],
      ['DELETE', `/${b}/index.html`, undefined],
      ['GET', `/${b}`, undefined],
      ['GET', `/${b}?policy`, undefined],
      ['DELETE', `/${b}?policy`, undefined],
    ] as const) {
      const r = await anon(method, path, body);
      expect([method, path, r.status]).toEqual([method, path, 403]);
      expect(r.text).toContain('<Code>AccessDenied</Code>');
    }
    expect(await snapshot(b)).toEqual(before);
    // A missing key: AccessDenied to whoever may not list the bucket, NoSuchKey to whoever may; a missing bucket is NoSuchBucket.
    expect((await anon('GET', `/${b}/missing`)).text).toContain('<Code>AccessDenied</Code>');
    await setPolicy(A.s3, b, doc(allowAll('*', 's3:GetObject', `arn:aws:s3:::${b}/*`), allowAll('*', 's3:ListBucket', `arn:aws:s3:::${b}`)));
    const missing = await anon('GET', `/${b}/missing`);
    expect([missing.status, missing.text.includes('<Code>NoSuchKey</Code>')]).toEqual([404, true]);
    expect((await anon('GET', `/no-such-bucket-${n}/x`)).text).toContain('<Code>NoSuchBucket</Code>');
    // An IAM user of the owner account with no policy of its own reads a public object too.
    const nobody = await createUser(ts, A.iam, uname('nobody'));
    expect(await get(nobody.s3, b, 'index.html')).toBe('<h1>hello</h1>');
  });

  it('a public-write prefix takes anonymous uploads there and nowhere else', async () => {
    const b = await newBucket(A.s3, { prefix: 'dropbox' });
    await setPolicy(A.s3, b, doc(allowAll('*', 's3:PutObject', `arn:aws:s3:::${b}/uploads/*`)));
    expect((await anon('PUT', `/${b}/uploads/a.txt`, 'dropped')).status).toBe(200);
    expect(await get(A.s3, b, 'uploads/a.txt')).toBe('dropped');
    const before = await snapshot(b);
    const r = await anon('PUT', `/${b}/elsewhere.txt`, 'nope');
    expect(r.status).toBe(403);
    expect((await anon('GET', `/${b}/uploads/a.txt`)).status).toBe(403);
    // An unsigned browser form: the same rule.
    const form = (key: string) => {
      const f = new FormData();
      f.append('key', key);
      f.append('file', new Blob(['from a form']), 'f.txt');
      return fetch(`${ts.url}/${b}`, { method: 'POST', body: f });
    };
    const refused = await form('elsewhere/f.txt');
    expect([refused.status, (await refused.text()).includes('<Code>AccessDenied</Code>')]).toEqual([403, true]);
    expect(await snapshot(b)).toEqual(before);
    const accepted = await form('uploads/f.txt');
    await accepted.arrayBuffer();
    expect(accepted.status).toBe(204);
    expect(await get(A.s3, b, 'uploads/f.txt')).toBe('from a form');
  });
});

describe('conditions in bucket policies', () => {
  it('a Deny by aws:SourceIp applies to everyone outside the range, the owner included', async () => {
    const b = await newBucket(A.s3, { prefix: 'ip' });
    await put(A.s3, b, 'k', 'v');
    const ipDeny = (cidr: string) =>
      doc({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${b}/*`], Condition: { NotIpAddress: { 'aws:SourceIp': cidr } } });
    await setPolicy(A.s3, b, ipDeny('10.0.0.0/8'));
    await denied(get(A.s3, b, 'k'));
    const before = await snapshot(b);
    await denied(put(A.s3, b, 'k', 'changed'));
    await denied(A.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' })));
    expect(await snapshot(b)).toEqual(before);
    await setPolicy(A.s3, b, ipDeny('127.0.0.0/8'));
    expect(await get(A.s3, b, 'k')).toBe('v');
  });

  it('a Deny unless aws:SecureTransport refuses plain HTTP; the owner root can still remove the policy', async () => {
    const b = await newBucket(A.s3, { prefix: 'tls' });
    await put(A.s3, b, 'k', 'v');
    const writer = await createUser(ts, A.iam, uname('writer'), { inline: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) });
    await setPolicy(
      A.s3,
      b,
      doc({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    await denied(get(writer.s3, b, 'k'));
    await denied(put(writer.s3, b, 'k', 'x'));
    await denied(writer.s3.send(new DeleteBucketPolicyCommand({ Bucket: b })));
    await denied(get(A.s3, b, 'k'));
    // AWS's lock-out protection: the owner's root keeps the policy operations.
    expect((await A.s3.send(new GetBucketPolicyCommand({ Bucket: b }))).Policy).toContain('SecureTransport');
    await A.s3.send(new DeleteBucketPolicyCommand({ Bucket: b }));
    expect(await get(writer.s3, b, 'k')).toBe('v');
  });
});

describe('cross-account access by bucket policy', () => {
  it('granted to the partner account: its root reads, its IAM users only with their own Allow; a third account never', async () => {
    const b = await newBucket(A.s3, { prefix: 'shared' });
    await put(A.s3, b, 'report.csv', 'a,b,c');
    await denied(get(B.s3, b, 'report.csv'));
    await setPolicy(
      A.s3,
      b,
      doc(allowAll({ AWS: `arn:aws:iam::${B.id}:root` }, 's3:GetObject', `arn:aws:s3:::${b}/*`), allowAll({ AWS: B.id }, 's3:ListBucket', `arn:aws:s3:::${b}`)),
    );
    expect(await get(B.s3, b, 'report.csv')).toBe('a,b,c');
    const bare = await createUser(ts, B.iam, uname('bare'));
    await denied(get(bare.s3, b, 'report.csv'));
    const reader = await createUser(ts, B.iam, uname('reader'), { inline: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }) });
    expect(await get(reader.s3, b, 'report.csv')).toBe('a,b,c');
    // Its own account's Deny wins over the bucket's Allow.
    await B.iam.send(
      new PutUserPolicyCommand({
        UserName: reader.name,
        PolicyName: 'deny',
        PolicyDocument: JSON.stringify(doc({ Effect: 'Deny', Action: 's3:*', Resource: '*' })),
      }),
    );
    await denied(get(reader.s3, b, 'report.csv'));
    await denied(get(C.s3, b, 'report.csv'));
    // The grant is for reading: writes stay refused, and change nothing.
    const before = await snapshot(b);
    await denied(put(B.s3, b, 'report.csv', 'overwritten'));
    await denied(B.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'report.csv' })));
    expect(await snapshot(b)).toEqual(before);
  });
});

describe('Block Public Access', () => {
  it('Put/Get/DeletePublicAccessBlock', async () => {
    const b = await newBucket(A.s3, { prefix: 'pab' });
    await expectS3Error(A.s3.send(new GetPublicAccessBlockCommand({ Bucket: b })), 'NoSuchPublicAccessBlockConfiguration', 404);
    await A.s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: { BlockPublicPolicy: true, IgnorePublicAcls: true } }));
    const got = await A.s3.send(new GetPublicAccessBlockCommand({ Bucket: b }));
    expect(got.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: false,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
    await denied(B.s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: {} })));
    expect((await A.s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }))).$metadata.httpStatusCode).toBe(204);
    await expectS3Error(A.s3.send(new GetPublicAccessBlockCommand({ Bucket: b })), 'NoSuchPublicAccessBlockConfiguration', 404);
  });

  it('BlockPublicPolicy refuses a public policy (AccessDenied, nothing stored) and takes a non-public one', async () => {
    const b = await newBucket(A.s3, { prefix: 'bpp' });
    await A.s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: { BlockPublicPolicy: true } }));
    await denied(setPolicy(A.s3, b, doc(allowAll('*', 's3:GetObject', `arn:aws:s3:::${b}/*`))));
    await expectS3Error(A.s3.send(new GetBucketPolicyCommand({ Bucket: b })), 'NoSuchBucketPolicy', 404);
    await setPolicy(A.s3, b, doc(allowAll({ AWS: B.id }, 's3:GetObject', `arn:aws:s3:::${b}/*`)));
    await setPolicy(A.s3, b, doc(allowAll('*', 's3:GetObject', `arn:aws:s3:::${b}/*`, { Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } })));
  });

  it('RestrictPublicBuckets: a public policy serves only the owner account, an existing one included', async () => {
    const b = await newBucket(A.s3, { prefix: 'rpb' });
    await put(A.s3, b, 'k', 'v');
    await setPolicy(A.s3, b, doc(allowAll('*', 's3:GetObject', `arn:aws:s3:::${b}/*`), allowAll({ AWS: B.id }, 's3:ListBucket', `arn:aws:s3:::${b}`)));
    expect((await anon('GET', `/${b}/k`)).status).toBe(200);
    await A.s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }));
    expect((await anon('GET', `/${b}/k`)).status).toBe(403);
    await denied(get(B.s3, b, 'k'));
    await denied(B.s3.send(new ListObjectsV2Command({ Bucket: b })));
    const own = await createUser(ts, A.iam, uname('own'));
    expect(await get(own.s3, b, 'k')).toBe('v');
    await A.s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
    expect((await anon('GET', `/${b}/k`)).status).toBe(200);
  });

  it('the instance-wide setting blocks public policies on every bucket', async () => {
    const locked = await startTestServer({ blockPublicAccess: true });
    try {
      const s3 = locked.client();
      const b = await newBucket(s3, { prefix: 'locked' });
      await denied(s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: JSON.stringify(doc(allowAll('*', 's3:GetObject', `arn:aws:s3:::${b}/*`))) })));
      await expectS3Error(s3.send(new GetBucketPolicyCommand({ Bucket: b })), 'NoSuchBucketPolicy', 404);
    } finally {
      await locked.stop();
    }
  });
});

describe('x-amz-expected-bucket-owner', () => {
  it('a mismatch is AccessDenied, on reads, writes and copy sources; nothing changes', async () => {
    const b = await newBucket(A.s3, { prefix: 'expect' });
    await put(A.s3, b, 'k', 'v');
    expect(await text(await A.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', ExpectedBucketOwner: A.id })))).toBe('v');
    await denied(A.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', ExpectedBucketOwner: B.id })));
    expect((await s3Error(A.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', ExpectedBucketOwner: B.id })))).$metadata.httpStatusCode).toBe(403);
    const before = await snapshot(b);
    await denied(A.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ExpectedBucketOwner: C.id })));
    await denied(A.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/k`, ExpectedSourceBucketOwner: B.id })));
    expect(await snapshot(b)).toEqual(before);
    await A.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/k`, ExpectedSourceBucketOwner: A.id, ExpectedBucketOwner: A.id }));
    expect(await get(A.s3, b, 'copy')).toBe('v');
  });
});

describe('ListBuckets', () => {
  it("lists the caller's account's buckets with max-buckets, continuation-token, prefix and bucket-region", async () => {
    const names = ['lb-a', 'lb-b', 'lb-c'].map((x) => `${x}-${Date.now().toString(36)}`);
    for (const Bucket of names) await C.s3.send(new CreateBucketCommand({ Bucket }));
    const first = await C.s3.send(new ListBucketsCommand({ MaxBuckets: 2 }));
    expect(first.Buckets?.map((x) => x.Name)).toEqual(names.slice(0, 2));
    expect(first.ContinuationToken).toBeTruthy();
    const second = await C.s3.send(new ListBucketsCommand({ MaxBuckets: 2, ContinuationToken: first.ContinuationToken }));
    expect(second.Buckets?.map((x) => x.Name)).toEqual(names.slice(2));
    expect(second.ContinuationToken).toBeUndefined();
    const prefixed = await C.s3.send(new ListBucketsCommand({ Prefix: names[1] }));
    expect([prefixed.Buckets?.map((x) => x.Name), prefixed.Prefix]).toEqual([[names[1]], names[1]]);
    expect((await C.s3.send(new ListBucketsCommand({ BucketRegion: 'us-east-1' }))).Buckets?.length).toBe(3);
    expect((await C.s3.send(new ListBucketsCommand({ BucketRegion: 'eu-west-1' }))).Buckets ?? []).toEqual([]);
    // Other accounts do not see them; anonymous callers list nothing.
    expect((await B.s3.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name) ?? []).not.toContain(names[0]);
    expect((await anon('GET', '/')).status).toBe(403);
  });
});

describe('governance bypass by IAM users', () => {
  it('needs s3:BypassGovernanceRetention', async () => {
    const b = await newBucket(A.s3, { prefix: 'gov', objectLock: true });
    const until = new Date(Date.now() + 3600_000);
    const v = (await A.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until })))
      .VersionId!;
    const plain = await createUser(ts, A.iam, uname('plain'), {
      inline: doc({ Effect: 'Allow', Action: ['s3:DeleteObjectVersion', 's3:ListBucketVersions'], Resource: '*' }),
    });
    const before = await snapshot(b);
    await denied(plain.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v, BypassGovernanceRetention: true })));
    expect(await snapshot(b)).toEqual(before);
    const bypasser = await createUser(ts, A.iam, uname('bypass'), {
      inline: doc({ Effect: 'Allow', Action: ['s3:DeleteObjectVersion', 's3:BypassGovernanceRetention'], Resource: '*' }),
    });
    await denied(bypasser.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v })));
    await bypasser.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v, BypassGovernanceRetention: true }));
    expect((await A.s3.send(new ListObjectVersionsCommand({ Bucket: b }))).Versions ?? []).toEqual([]);
  });
});

describe('the public object over plain HTTP', () => {
  it('is served to undici with no Authorization header at all', async () => {
    const b = await newBucket(A.s3, { prefix: 'plain' });
    await put(A.s3, b, 'img.png', 'PNG');
    await setPolicy(A.s3, b, doc(allowAll('*', 's3:GetObject', `arn:aws:s3:::${b}/*`)));
    const res = await request(`${ts.url}/${b}/img.png`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('PNG');
  });
});

describe('ACLs in the evaluator', () => {
  it('a public-read object ACL serves anonymous reads; IgnorePublicAcls turns it off; BucketOwnerEnforced ignores ACLs', async () => {
    const b = await newBucket(A.s3, { prefix: 'aclpub' });
    await A.s3.send(new PutObjectCommand({ Bucket: b, Key: 'pub', Body: 'public bytes', ACL: 'public-read' }));
    await put(A.s3, b, 'priv', 'private bytes');
    expect((await anon('GET', `/${b}/pub`)).text).toBe('public bytes');
    expect((await anon('GET', `/${b}/priv`)).status).toBe(403);
    // A READ on the object is not a listing of the bucket, nor a write.
    expect((await anon('GET', `/${b}`)).status).toBe(403);
    const before = await snapshot(b);
    expect((await anon('PUT', `/${b}/pub`, 'x')).status).toBe(403);
    expect(await snapshot(b)).toEqual(before);
    await A.s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }));
    expect((await anon('GET', `/${b}/pub`)).status).toBe(403);
    await A.s3.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
    expect((await anon('GET', `/${b}/pub`)).status).toBe(200);
    await A.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
    expect((await anon('GET', `/${b}/pub`)).status).toBe(403);
  });

  it('a public-read-write bucket ACL takes anonymous writes; authenticated-read reads need a signature', async () => {
    const b = await newBucket(A.s3, { prefix: 'aclrw' });
    await A.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read-write' }));
    expect((await anon('PUT', `/${b}/dropped`, 'anon')).status).toBe(200);
    expect((await anon('GET', `/${b}?list-type=2`)).text).toContain('<Key>dropped</Key>');
    const a = await newBucket(A.s3, { prefix: 'aclauth' });
    await A.s3.send(new PutObjectCommand({ Bucket: a, Key: 'k', Body: 'signed only', ACL: 'authenticated-read' }));
    expect((await anon('GET', `/${a}/k`)).status).toBe(403);
    expect(await get(C.s3, a, 'k')).toBe('signed only');
  });

  it("cross-account read granted by ACL, refused when the caller's own account does not allow", async () => {
    const b = await newBucket(A.s3, { prefix: 'aclx' });
    await put(A.s3, b, 'k', 'shared by ACL');
    const canonicalB = ts.ctx.services.iam.accountByAccountId(B.id)!.canonicalId;
    await denied(get(B.s3, b, 'k'));
    await A.s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'k', GrantRead: `id="${canonicalB}"` }));
    expect(await get(B.s3, b, 'k')).toBe('shared by ACL');
    const bare = await createUser(ts, B.iam, uname('aclbare'));
    await denied(get(bare.s3, b, 'k'));
    const reader = await createUser(ts, B.iam, uname('aclreader'), { inline: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) });
    expect(await get(reader.s3, b, 'k')).toBe('shared by ACL');
    await denied(get(C.s3, b, 'k'));
    // A grant on the object is not a grant on the bucket.
    await denied(B.s3.send(new ListObjectsV2Command({ Bucket: b })));
  });

  it('the instance-wide setting also refuses public ACLs (BlockPublicAcls) and ignores existing ones', async () => {
    const locked = await startTestServer({ blockPublicAccess: true });
    try {
      const s3 = locked.client();
      const b = await newBucket(s3, { prefix: 'locked' });
      await denied(s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read' })));
      await denied(s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ACL: 'public-read' })));
      await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
      const r = await request(`${locked.url}/${b}/k`);
      expect(r.statusCode).toBe(403);
      await r.body.dump();
    } finally {
      await locked.stop();
    }
  });
});

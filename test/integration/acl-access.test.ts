/**
 * What ACL grants allow, through the one evaluator: cross-account reads and
 * writes granted by bucket and object ACLs (and refused when the caller's
 * own account does not allow them), anonymous reads of public-read objects,
 * AuthenticatedUsers, IgnorePublicAcls, and BucketOwnerEnforced ignoring
 * ACLs. Alice owns the buckets; Bob is another account.
 */
import {
  CreateBucketCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, destroyClients, doc, iamClient, s3As, type Creds } from '../helpers/iam-users.js';
import { expectS3Error, text } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
interface Acct {
  name: string;
  id: string;
  email: string;
  creds: Creds;
  s3: S3Client;
}
let alice: Acct;
let bob: Acct;
const uid = () => Math.random().toString(36).slice(2, 8);

async function account(name: string): Promise<Acct> {
  const email = `${name}@example.com`;
  const r = await ts.ctx.services.iam.createAccount(name, { email });
  const creds = { accessKeyId: r.accessKey, secretAccessKey: r.secret };
  return { name, id: r.account.canonicalId, email, creds, s3: s3As(ts, creds) };
}

async function bucket(opts: { ownership?: 'BucketOwnerPreferred' | 'BucketOwnerEnforced' } = {}): Promise<string> {
  const b = `acl-access-${uid()}`;
  await alice.s3.send(new CreateBucketCommand({ Bucket: b, ObjectOwnership: opts.ownership }));
  return b;
}

const anonymous = (b: string, k: string) => fetch(`${ts.url}/${b}/${encodeURIComponent(k)}`);

beforeAll(async () => {
  ts = await startTestServer();
  alice = await account(`alice-${uid()}`);
  bob = await account(`bob-${uid()}`);
});
afterAll(async () => {
  destroyClients(ts);
  await ts.stop();
});

describe('grants to another account', () => {
  it('bucket READ lets Bob list, object READ lets him read that object only', async () => {
    const b = await bucket();
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'shared', Body: 'shared' }));
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'private', Body: 'private' }));
    await expectS3Error(bob.s3.send(new ListObjectsV2Command({ Bucket: b })), 'AccessDenied', 403);
    await alice.s3.send(new PutBucketAclCommand({ Bucket: b, GrantFullControl: `id="${alice.id}"`, GrantRead: `emailAddress="${bob.email}"` }));
    expect((await bob.s3.send(new ListObjectsV2Command({ Bucket: b }))).Contents!.map((c) => c.Key)).toEqual(['private', 'shared']);
    // Bucket READ is no object READ.
    await expectS3Error(bob.s3.send(new GetObjectCommand({ Bucket: b, Key: 'shared' })), 'AccessDenied', 403);
    await alice.s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'shared', GrantFullControl: `id="${alice.id}"`, GrantRead: `id="${bob.id}"` }));
    expect(await text(await bob.s3.send(new GetObjectCommand({ Bucket: b, Key: 'shared' })))).toBe('shared');
    await expectS3Error(bob.s3.send(new GetObjectCommand({ Bucket: b, Key: 'private' })), 'AccessDenied', 403);
    // READ is not READ_ACP.
    await expectS3Error(bob.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'shared' })), 'AccessDenied', 403);
  });

  it("an IAM user of Bob's account needs its own account's allow too", async () => {
    const b = await bucket();
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v', GrantRead: `id="${bob.id}"` }));
    const iam = iamClient(ts, bob.creds);
    const none = await createUser(ts, iam, `none-${uid()}`);
    const reader = await createUser(ts, iam, `reader-${uid()}`, { inline: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) });
    await expectS3Error(none.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })), 'AccessDenied', 403);
    expect(await text(await reader.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toBe('v');
  });

  it('bucket WRITE lets Bob upload; with BucketOwnerPreferred and bucket-owner-full-control the object is Alice’s', async () => {
    const b = await bucket({ ownership: 'BucketOwnerPreferred' });
    await expectS3Error(bob.s3.send(new PutObjectCommand({ Bucket: b, Key: 'inbox/x', Body: 'x' })), 'AccessDenied', 403);
    await alice.s3.send(new PutBucketAclCommand({ Bucket: b, GrantFullControl: `id="${alice.id}"`, GrantWrite: `id="${bob.id}"` }));
    await bob.s3.send(new PutObjectCommand({ Bucket: b, Key: 'inbox/bob-owns', Body: 'b' }));
    await bob.s3.send(new PutObjectCommand({ Bucket: b, Key: 'inbox/alice-owns', Body: 'a', ACL: 'bucket-owner-full-control' }));
    const list = await alice.s3.send(new ListObjectsV2Command({ Bucket: b, FetchOwner: true }));
    expect(list.Contents!.map((c) => [c.Key, c.Owner?.ID])).toEqual([
      ['inbox/alice-owns', alice.id],
      ['inbox/bob-owns', bob.id],
    ]);
    expect(await text(await alice.s3.send(new GetObjectCommand({ Bucket: b, Key: 'inbox/alice-owns' })))).toBe('a');
    // Bob's own object: the writer owns it and may read it back.
    expect(await text(await bob.s3.send(new GetObjectCommand({ Bucket: b, Key: 'inbox/bob-owns' })))).toBe('b');
  });
});

describe('public grants', () => {
  it('public-read objects are served to anonymous callers; private ones are AccessDenied', async () => {
    const b = await bucket();
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'pub.txt', Body: 'public', ACL: 'public-read' }));
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'priv.txt', Body: 'private' }));
    const pub = await anonymous(b, 'pub.txt');
    expect([pub.status, await pub.text()]).toEqual([200, 'public']);
    const priv = await anonymous(b, 'priv.txt');
    expect(priv.status).toBe(403);
    expect(await priv.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('a public-read bucket is listed to anonymous callers; public-read-write takes anonymous uploads and deletes', async () => {
    const b = await bucket();
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'a.txt', Body: 'a' }));
    expect((await fetch(`${ts.url}/${b}?list-type=2`)).status).toBe(403);
    await alice.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read' }));
    const list = await fetch(`${ts.url}/${b}?list-type=2`);
    expect([list.status, (await list.text()).includes('<Key>a.txt</Key>')]).toEqual([200, true]);
    expect((await fetch(`${ts.url}/${b}/anon.txt`, { method: 'PUT', body: 'anon' })).status).toBe(403);
    await alice.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read-write' }));
    const put = await fetch(`${ts.url}/${b}/anon.txt`, { method: 'PUT', body: 'anon' });
    expect(put.status).toBe(200);
    // Nobody's account wrote it: the bucket owner owns it.
    const owned = await alice.s3.send(new ListObjectsV2Command({ Bucket: b, FetchOwner: true, Prefix: 'anon' }));
    expect(owned.Contents!.map((c) => c.Owner?.ID)).toEqual([alice.id]);
    expect((await fetch(`${ts.url}/${b}/anon.txt`, { method: 'DELETE' })).status).toBe(204);
    await expectS3Error(alice.s3.send(new GetObjectCommand({ Bucket: b, Key: 'anon.txt' })), 'NoSuchKey', 404);
  });

  it('authenticated-read: any signed request, not anonymous ones', async () => {
    const b = await bucket();
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'auth.txt', Body: 'signed', ACL: 'authenticated-read' }));
    expect(await text(await bob.s3.send(new GetObjectCommand({ Bucket: b, Key: 'auth.txt' })))).toBe('signed');
    expect((await anonymous(b, 'auth.txt')).status).toBe(403);
  });

  it('IgnorePublicAcls makes public grants count for nothing', async () => {
    const b = await bucket();
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'pub.txt', Body: 'public', ACL: 'public-read' }));
    expect((await anonymous(b, 'pub.txt')).status).toBe(200);
    await ts.ctx.services.buckets.putConfig(ts.ctx.services.buckets.get(b)!, 'publicAccessBlock', {
      blockPublicAcls: false,
      ignorePublicAcls: true,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    });
    expect((await anonymous(b, 'pub.txt')).status).toBe(403);
  });

  it('BucketOwnerEnforced disables the ACLs a bucket had', async () => {
    const b = await bucket();
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'pub.txt', Body: 'public', ACL: 'public-read' }));
    await alice.s3.send(new PutObjectCommand({ Bucket: b, Key: 'bob.txt', Body: 'bob', GrantRead: `id="${bob.id}"` }));
    expect((await anonymous(b, 'pub.txt')).status).toBe(200);
    await alice.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
    expect((await anonymous(b, 'pub.txt')).status).toBe(403);
    await expectS3Error(bob.s3.send(new GetObjectCommand({ Bucket: b, Key: 'bob.txt' })), 'AccessDenied', 403);
  });
});

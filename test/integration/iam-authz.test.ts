/**
 * Identity-based authorization end to end: IAM users and policies made
 * through @aws-sdk/client-iam, then S3 requests as each user through
 * @aws-sdk/client-s3. Every denial is AccessDenied 403 and changes nothing.
 */
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  SetDefaultPolicyVersionCommand,
  UpdateAccessKeyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetBucketVersioningCommand,
  GetObjectAttributesCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectS3Error, newBucket, s3Error, text } from '../helpers/s3.js';
import { createUser, destroyClients, doc, iamClient, s3As, type Creds, type TestUser } from '../helpers/iam-users.js';

let ts: TestServer;
let admin: S3Client;
let adminIam: IAMClient;
let n = 0;
const uname = (base: string) => `${base}-${n++}`;

beforeAll(async () => {
  ts = await startTestServer();
  admin = ts.client();
  adminIam = iamClient(ts);
});
afterAll(async () => {
  if (ts) destroyClients(ts);
  await ts?.stop();
});

const put = (c: S3Client, Bucket: string, Key: string, Body = 'data') => c.send(new PutObjectCommand({ Bucket, Key, Body }));
const get = async (c: S3Client, Bucket: string, Key: string) => text(await c.send(new GetObjectCommand({ Bucket, Key })));
const denied = (p: Promise<unknown>) => expectS3Error(p, 'AccessDenied', 403);

/** Everything a write could change in a bucket: versions, delete markers, uploads, versioning. */
async function snapshot(bucket: string): Promise<unknown> {
  const v = await admin.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  const versioning = await admin.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  return {
    versioning: versioning.Status ?? null,
    versions: (v.Versions ?? []).map((x) => ({ key: x.Key, id: x.VersionId, etag: x.ETag, latest: x.IsLatest })),
    markers: (v.DeleteMarkers ?? []).map((m) => [m.Key, m.VersionId]),
    uploads: (uploads.Uploads ?? []).map((u) => [u.Key, u.UploadId]),
  };
}

async function bucketWith(keys: string[], opts: { versioning?: 'Enabled' } = {}): Promise<string> {
  const b = await newBucket(admin, { prefix: 'authz', ...opts });
  for (const k of keys) await put(admin, b, k, `body of ${k}`);
  return b;
}

/** Every write a read-only caller must be refused, each AccessDenied 403, and the bucket unchanged after all of them. */
async function expectNoWrites(c: S3Client, b: string, existing: string): Promise<void> {
  const before = await snapshot(b);
  await denied(put(c, b, 'new.txt'));
  await denied(put(c, b, existing, 'overwrite'));
  await denied(c.send(new DeleteObjectCommand({ Bucket: b, Key: existing })));
  await denied(c.send(new CopyObjectCommand({ Bucket: b, Key: 'copy.txt', CopySource: `${b}/${existing}` })));
  await denied(c.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mpu.bin' })));
  await denied(c.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } })));
  // DeleteObjects answers 200 with one AccessDenied per key, as S3 does.
  const del = await c.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: existing }, { Key: 'absent' }] } }));
  expect(del.Deleted ?? []).toEqual([]);
  expect((del.Errors ?? []).map((e) => [e.Key, e.Code])).toEqual([
    [existing, 'AccessDenied'],
    ['absent', 'AccessDenied'],
  ]);
  expect(await snapshot(b)).toEqual(before);
}

describe('a read-only user', () => {
  it('with the S4 S3ReadAccess managed policy: reads and lists; every write is AccessDenied and changes nothing', async () => {
    const b = await bucketWith(['a.txt', 'dir/b.txt']);
    const u = await createUser(ts, adminIam, uname('reader'), { attach: ['arn:aws:iam::aws:policy/S3ReadAccess'] });
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
    await u.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dir/b.txt' }));
    const v2 = await u.s3.send(new ListObjectsV2Command({ Bucket: b }));
    expect(v2.Contents?.map((o) => o.Key)).toEqual(['a.txt', 'dir/b.txt']);
    const v1 = await u.s3.send(new ListObjectsCommand({ Bucket: b, Delimiter: '/' }));
    expect(v1.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dir/']);
    expect((await u.s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBeUndefined();
    expect((await u.s3.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name)).toContain(b);
    await expectNoWrites(u.s3, b, 'a.txt');
    // Creating a bucket is a write too.
    await denied(u.s3.send(new CreateBucketCommand({ Bucket: `${b}-new` })));
  });

  it('with an inline s3:GetObject + s3:ListBucket policy on one bucket: that bucket only', async () => {
    const b = await bucketWith(['a.txt', 'dir/b.txt']);
    const other = await bucketWith(['o.txt']);
    const u = await createUser(ts, adminIam, uname('reader'), {
      inline: doc(
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b}` },
      ),
    });
    expect(await get(u.s3, b, 'dir/b.txt')).toBe('body of dir/b.txt');
    await u.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'a.txt' }));
    expect((await u.s3.send(new ListObjectsV2Command({ Bucket: b }))).KeyCount).toBe(2);
    // Not granted: the other bucket, the bucket's configuration, ListBuckets.
    await denied(get(u.s3, other, 'o.txt'));
    await denied(u.s3.send(new ListObjectsV2Command({ Bucket: other })));
    await denied(u.s3.send(new GetBucketVersioningCommand({ Bucket: b })));
    await denied(u.s3.send(new ListBucketsCommand({})));
    await expectNoWrites(u.s3, b, 'a.txt');
    // A bucket that does not exist is NoSuchBucket, as S3 answers it.
    await expectS3Error(get(u.s3, `${b}-absent`, 'a.txt'), 'NoSuchBucket', 404);
  });

  it('an IAM user with no policy may do nothing, not even list its own account’s buckets', async () => {
    const b = await bucketWith(['a.txt']);
    const u = await createUser(ts, adminIam, uname('nobody'));
    await denied(get(u.s3, b, 'a.txt'));
    await denied(u.s3.send(new ListObjectsV2Command({ Bucket: b })));
    await denied(u.s3.send(new ListBucketsCommand({})));
    await expectNoWrites(u.s3, b, 'a.txt');
  });
});

describe('a write-one-prefix user (the AWS home-directory policy)', () => {
  // The IAM User Guide's example: list the bucket root and home/, list and use home/<username>/ only.
  const homePolicy = (b: string) =>
    doc(
      { Sid: 'AllowGroupToSeeBucketListInTheConsole', Effect: 'Allow', Action: ['s3:ListAllMyBuckets', 's3:GetBucketLocation'], Resource: ['arn:aws:s3:::*'] },
      {
        Sid: 'AllowRootAndHomeListingOfCompanyBucket',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`arn:aws:s3:::${b}`],
        Condition: { StringEquals: { 's3:prefix': ['', 'home/'], 's3:delimiter': ['/'] } },
      },
      {
        Sid: 'AllowListingOfUserFolder',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`arn:aws:s3:::${b}`],
        Condition: { StringLike: { 's3:prefix': ['home/${aws:username}/*'] } },
      },
      { Sid: 'AllowAllS3ActionsInUserFolder', Effect: 'Allow', Action: ['s3:*Object'], Resource: [`arn:aws:s3:::${b}/home/\${aws:username}/*`] },
    );

  let b: string;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    b = await bucketWith(['top.txt', 'home/readme.txt']);
    const policy = homePolicy(b);
    alice = await createUser(ts, adminIam, uname('alice'), { inline: policy });
    bob = await createUser(ts, adminIam, uname('bob'), { inline: policy });
    await put(admin, b, `home/${bob.name}/notes.txt`, 'bob’s notes');
  });

  it('works inside its own prefix', async () => {
    const mine = `home/${alice.name}/`;
    await put(alice.s3, b, `${mine}a.txt`, 'alice');
    expect(await get(alice.s3, b, `${mine}a.txt`)).toBe('alice');
    await alice.s3.send(new HeadObjectCommand({ Bucket: b, Key: `${mine}a.txt` }));
    await alice.s3.send(new CopyObjectCommand({ Bucket: b, Key: `${mine}b.txt`, CopySource: `${b}/${mine}a.txt` }));
    const listed = await alice.s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: mine }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([`${mine}a.txt`, `${mine}b.txt`]);
    await alice.s3.send(new DeleteObjectCommand({ Bucket: b, Key: `${mine}b.txt` }));
    const del = await alice.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: `${mine}a.txt` }, { Key: 'top.txt' }] } }));
    expect(del.Deleted?.map((d) => d.Key)).toEqual([`${mine}a.txt`]);
    expect(del.Errors?.map((e) => [e.Key, e.Code])).toEqual([['top.txt', 'AccessDenied']]);
    // The console's view: the bucket list, the root and home/ with the delimiter.
    expect((await alice.s3.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name)).toContain(b);
    const root = await alice.s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: '', Delimiter: '/' }));
    expect(root.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['home/']);
    const home = await alice.s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'home/', Delimiter: '/' }));
    expect(home.CommonPrefixes?.map((p) => p.Prefix)).toEqual([`home/${bob.name}/`]);
  });

  it('is denied outside its prefix and in another user’s, and a listing that names no prefix', async () => {
    const before = await snapshot(b);
    await denied(put(alice.s3, b, 'top.txt', 'x'));
    await denied(put(alice.s3, b, 'home/x.txt', 'x'));
    await denied(put(alice.s3, b, `home/${bob.name}/notes.txt`, 'x'));
    await denied(get(alice.s3, b, `home/${bob.name}/notes.txt`));
    await denied(get(alice.s3, b, 'top.txt'));
    await denied(alice.s3.send(new DeleteObjectCommand({ Bucket: b, Key: `home/${bob.name}/notes.txt` })));
    await denied(alice.s3.send(new CopyObjectCommand({ Bucket: b, Key: `home/${alice.name}/stolen.txt`, CopySource: `${b}/home/${bob.name}/notes.txt` })));
    // A prefix named by a similar user is not hers (home/alice-0x/ is not home/alice-0/).
    await denied(put(alice.s3, b, `home/${alice.name}x/a.txt`));
    await denied(alice.s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: `home/${bob.name}/` })));
    await denied(alice.s3.send(new ListObjectsV2Command({ Bucket: b })));
    await denied(alice.s3.send(new ListObjectsCommand({ Bucket: b })));
    // The root listing is allowed only with the delimiter the policy names, and with prefix= sent: a listing that
    // sends no prefix has no s3:prefix, which "" does not match.
    await denied(alice.s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: '' })));
    await denied(alice.s3.send(new ListObjectsV2Command({ Bucket: b, Delimiter: '/' })));
    await denied(alice.s3.send(new ListObjectVersionsCommand({ Bucket: b, Delimiter: '/' })));
    await denied(alice.s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'home/', Delimiter: '|' })));
    expect(await snapshot(b)).toEqual(before);
    // And bob's own prefix works for bob.
    expect(await get(bob.s3, b, `home/${bob.name}/notes.txt`)).toBe('bob’s notes');
  });
});

describe('evaluation', () => {
  it('an explicit Deny wins over an attached Allow s3:*', async () => {
    const b = await bucketWith(['open.txt', 'secret.txt']);
    const u = await createUser(ts, adminIam, uname('denied'), {
      attach: ['arn:aws:iam::aws:policy/S3FullAccess'],
      inline: doc({ Effect: 'Deny', Action: 's3:*', Resource: `arn:aws:s3:::${b}/secret.txt` }),
    });
    expect(await get(u.s3, b, 'open.txt')).toBe('body of open.txt');
    await put(u.s3, b, 'open.txt', 'changed');
    const before = await snapshot(b);
    await denied(get(u.s3, b, 'secret.txt'));
    await denied(put(u.s3, b, 'secret.txt', 'x'));
    await denied(u.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'secret.txt' })));
    await denied(u.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'leak.txt', CopySource: `${b}/secret.txt` })));
    await denied(u.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'secret.txt', CopySource: `${b}/open.txt` })));
    const del = await u.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'secret.txt' }] } }));
    expect(del.Errors?.map((e) => e.Code)).toEqual(['AccessDenied']);
    expect(await snapshot(b)).toEqual(before);
  });

  it('NotAction and NotResource', async () => {
    const b = await bucketWith(['pub/a.txt', 'private/b.txt']);
    const u = await createUser(ts, adminIam, uname('not'), {
      inline: doc(
        // Everything on the bucket's objects but deleting and writing.
        { Effect: 'Allow', NotAction: ['s3:DeleteObject*', 's3:PutObject*'], Resource: `arn:aws:s3:::${b}/*` },
        // Listing any bucket but this one's twin.
        { Effect: 'Allow', Action: 's3:ListBucket', NotResource: `arn:aws:s3:::${b}-twin` },
        // Writing anywhere but under private/.
        { Effect: 'Allow', Action: 's3:PutObject', NotResource: `arn:aws:s3:::${b}/private/*` },
      ),
    });
    const twin = `${b}-twin`;
    await admin.send(new CreateBucketCommand({ Bucket: twin }));
    expect(await get(u.s3, b, 'private/b.txt')).toBe('body of private/b.txt');
    await u.s3.send(new GetObjectAttributesCommand({ Bucket: b, Key: 'pub/a.txt', ObjectAttributes: ['ETag'] }));
    await u.s3.send(new ListObjectsV2Command({ Bucket: b }));
    await denied(u.s3.send(new ListObjectsV2Command({ Bucket: twin })));
    await put(u.s3, b, 'pub/new.txt');
    await denied(put(u.s3, b, 'private/new.txt'));
    await denied(u.s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'pub/a.txt' })));
    // CreateMultipartUpload is s3:PutObject.
    await u.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'pub/mpu' }));
    await denied(u.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'private/mpu' })));
    await denied(u.s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } })));
    // NotAction names S3 actions only within the Resource: IAM is still out of reach.
    await expect(
      iamClient(ts, u.creds).send(
        new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'x', PolicyDocument: JSON.stringify(doc({ Effect: 'Allow', Action: '*', Resource: '*' })) }),
      ),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });

  it('a group’s policy applies from the next request after AddUserToGroup, and is gone after RemoveUserFromGroup', async () => {
    const b = await bucketWith(['a.txt']);
    const group = uname('readers');
    await adminIam.send(new CreateGroupCommand({ GroupName: group }));
    await adminIam.send(
      new PutGroupPolicyCommand({
        GroupName: group,
        PolicyName: 'read',
        PolicyDocument: JSON.stringify(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` })),
      }),
    );
    const u = await createUser(ts, adminIam, uname('member'));
    await denied(get(u.s3, b, 'a.txt'));
    await adminIam.send(new AddUserToGroupCommand({ GroupName: group, UserName: u.name }));
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
    // A second group's Deny beats the first group's Allow.
    const deny = uname('deny');
    await adminIam.send(new CreateGroupCommand({ GroupName: deny }));
    await adminIam.send(
      new PutGroupPolicyCommand({
        GroupName: deny,
        PolicyName: 'no',
        PolicyDocument: JSON.stringify(doc({ Effect: 'Deny', Action: 's3:Get*', Resource: '*' })),
      }),
    );
    await adminIam.send(new AddUserToGroupCommand({ GroupName: deny, UserName: u.name }));
    await denied(get(u.s3, b, 'a.txt'));
    await adminIam.send(new RemoveUserFromGroupCommand({ GroupName: deny, UserName: u.name }));
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
    await adminIam.send(new RemoveUserFromGroupCommand({ GroupName: group, UserName: u.name }));
    await denied(get(u.s3, b, 'a.txt'));
  });

  it('PutUserPolicy, DeleteUserPolicy, DetachUserPolicy and SetDefaultPolicyVersion take effect on the next request', async () => {
    const b = await bucketWith(['a.txt']);
    const u = await createUser(ts, adminIam, uname('changing'));
    const read = JSON.stringify(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }));
    const list = JSON.stringify(doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b}` }));
    await denied(get(u.s3, b, 'a.txt'));
    await adminIam.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'p', PolicyDocument: read }));
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
    // Replacing the inline policy replaces what it grants.
    await adminIam.send(new PutUserPolicyCommand({ UserName: u.name, PolicyName: 'p', PolicyDocument: list }));
    await denied(get(u.s3, b, 'a.txt'));
    await u.s3.send(new ListObjectsV2Command({ Bucket: b }));
    await adminIam.send(new DeleteUserPolicyCommand({ UserName: u.name, PolicyName: 'p' }));
    await denied(u.s3.send(new ListObjectsV2Command({ Bucket: b })));

    // A customer-managed policy: v1 reads, v2 lists; the default version is what applies.
    const created = await adminIam.send(new CreatePolicyCommand({ PolicyName: uname('managed'), PolicyDocument: read }));
    const arn = created.Policy!.Arn!;
    await adminIam.send(new AttachUserPolicyCommand({ UserName: u.name, PolicyArn: arn }));
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
    await adminIam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: list, SetAsDefault: false }));
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
    await adminIam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    await denied(get(u.s3, b, 'a.txt'));
    await u.s3.send(new ListObjectsV2Command({ Bucket: b }));
    await adminIam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
    await adminIam.send(new DetachUserPolicyCommand({ UserName: u.name, PolicyArn: arn }));
    await denied(get(u.s3, b, 'a.txt'));
  });

  it('changes made by the IamService directly (as the CLI does) apply on the next request too', async () => {
    const b = await bucketWith(['a.txt']);
    const u = await createUser(ts, adminIam, uname('cli'));
    await denied(get(u.s3, b, 'a.txt'));
    const iam = ts.ctx.services.iam;
    const account = iam.accountByName('admin')!;
    await iam.putInlinePolicy(account, 'user', u.name, 'p', JSON.stringify(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })));
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
  });

  it('a deactivated access key is refused (InvalidAccessKeyId) until it is active again', async () => {
    const b = await bucketWith(['a.txt']);
    const u = await createUser(ts, adminIam, uname('keys'), { attach: ['arn:aws:iam::aws:policy/S3ReadAccess'] });
    await adminIam.send(new UpdateAccessKeyCommand({ UserName: u.name, AccessKeyId: u.creds.accessKeyId, Status: 'Inactive' }));
    await expectS3Error(get(u.s3, b, 'a.txt'), 'InvalidAccessKeyId', 403);
    await adminIam.send(new UpdateAccessKeyCommand({ UserName: u.name, AccessKeyId: u.creds.accessKeyId, Status: 'Active' }));
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
  });
});

describe('conditions from the request', () => {
  const allowGet = (b: string, Condition: object) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*`, Condition });

  it('aws:SourceIp: allowed from 127.0.0.0/8, not from elsewhere, and a Deny for it wins', async () => {
    const b = await bucketWith(['a.txt']);
    const local = await createUser(ts, adminIam, uname('ip'), { inline: doc(allowGet(b, { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } })) });
    expect(await get(local.s3, b, 'a.txt')).toBe('body of a.txt');
    const remote = await createUser(ts, adminIam, uname('ip'), {
      inline: doc(allowGet(b, { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '2001:db8::/32'] } })),
    });
    await denied(get(remote.s3, b, 'a.txt'));
    const notLocal = await createUser(ts, adminIam, uname('ip'), {
      inline: doc(
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.1/32' } } },
      ),
    });
    await denied(get(notLocal.s3, b, 'a.txt'));
    const notIp = await createUser(ts, adminIam, uname('ip'), { inline: doc(allowGet(b, { NotIpAddress: { 'aws:SourceIp': '192.0.2.0/24' } })) });
    expect(await get(notIp.s3, b, 'a.txt')).toBe('body of a.txt');
  });

  it('aws:SecureTransport is false over plain HTTP', async () => {
    const b = await bucketWith(['a.txt']);
    const tlsOnly = await createUser(ts, adminIam, uname('tls'), {
      inline: doc(
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      ),
    });
    await denied(get(tlsOnly.s3, b, 'a.txt'));
    const needsTls = await createUser(ts, adminIam, uname('tls'), { inline: doc(allowGet(b, { Bool: { 'aws:SecureTransport': 'true' } })) });
    await denied(get(needsTls.s3, b, 'a.txt'));
    const plain = await createUser(ts, adminIam, uname('tls'), { inline: doc(allowGet(b, { Bool: { 'aws:SecureTransport': 'false' } })) });
    expect(await get(plain.s3, b, 'a.txt')).toBe('body of a.txt');
  });

  it('aws:UserAgent and aws:Referer', async () => {
    const b = await bucketWith(['a.txt']);
    const u = await createUser(ts, adminIam, uname('ua'), {
      inline: doc(allowGet(b, { StringLike: { 'aws:UserAgent': '*cairn-test-agent/7*', 'aws:Referer': 'https://photos.example.com/*' } })),
    });
    const withReferer = (c: S3Client, referer: string) => {
      c.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers.referer = referer;
          return next(args);
        },
        { step: 'build', name: 'referer' },
      );
      return c;
    };
    const good = withReferer(s3As(ts, u.creds, { customUserAgent: 'cairn-test-agent/7' }), 'https://photos.example.com/album/1');
    expect(await get(good, b, 'a.txt')).toBe('body of a.txt');
    await denied(get(withReferer(s3As(ts, u.creds), 'https://photos.example.com/album/1'), b, 'a.txt'));
    await denied(get(withReferer(s3As(ts, u.creds, { customUserAgent: 'cairn-test-agent/7' }), 'https://evil.example.com/'), b, 'a.txt'));
    await denied(get(s3As(ts, u.creds, { customUserAgent: 'cairn-test-agent/7' }), b, 'a.txt'));
  });

  it('s3:max-keys NumericLessThanEquals and s3:delimiter on ListBucket', async () => {
    const b = await bucketWith(['a/1', 'a/2', 'b/1']);
    const u = await createUser(ts, adminIam, uname('list'), {
      inline: doc({
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: `arn:aws:s3:::${b}`,
        Condition: { NumericLessThanEquals: { 's3:max-keys': '10' }, StringEquals: { 's3:delimiter': '/' } },
      }),
    });
    const r = await u.s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 10, Delimiter: '/' }));
    expect(r.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
    await u.s3.send(new ListObjectsCommand({ Bucket: b, MaxKeys: 1, Delimiter: '/' }));
    await denied(u.s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 11, Delimiter: '/' })));
    await denied(u.s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 5 })));
    await denied(u.s3.send(new ListObjectsV2Command({ Bucket: b, MaxKeys: 5, Delimiter: '|' })));
    // No max-keys: S3 lists up to 1000, which this condition does not allow.
    await denied(u.s3.send(new ListObjectsV2Command({ Bucket: b, Delimiter: '/' })));
  });

  it('s3:VersionId on GetObjectVersion', async () => {
    const b = await bucketWith([], { versioning: 'Enabled' });
    const v1 = (await put(admin, b, 'k', 'one')).VersionId!;
    const v2 = (await put(admin, b, 'k', 'two')).VersionId!;
    const u = await createUser(ts, adminIam, uname('version'), {
      inline: doc(
        { Effect: 'Allow', Action: 's3:GetObjectVersion', Resource: `arn:aws:s3:::${b}/k`, Condition: { StringEquals: { 's3:VersionId': v1 } } },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/k` },
      ),
    });
    expect(await text(await u.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 })))).toBe('one');
    await denied(u.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: v2 })));
    // Without a versionId it is s3:GetObject (the current version), which is granted.
    expect(await get(u.s3, b, 'k')).toBe('two');
    const noVersion = await createUser(ts, adminIam, uname('version'), {
      inline: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/k` }),
    });
    await denied(noVersion.s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 })));
  });

  it('s3:x-amz-metadata-directive and s3:x-amz-copy-source on CopyObject', async () => {
    const b = await bucketWith(['src/a.txt', 'other/b.txt']);
    const u = await createUser(ts, adminIam, uname('copy'), {
      inline: doc(
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/dst/*`, Condition: { StringLike: { 's3:x-amz-copy-source': `${b}/src/*` } } },
        { Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { StringEquals: { 's3:x-amz-metadata-directive': 'REPLACE' } } },
      ),
    });
    await u.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst/a.txt', CopySource: `${b}/src/a.txt`, MetadataDirective: 'COPY' }));
    await u.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst/a2.txt', CopySource: `${b}/src/a.txt` }));
    expect(await get(admin, b, 'dst/a.txt')).toBe('body of src/a.txt');
    const before = await snapshot(b);
    await denied(u.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst/r.txt', CopySource: `${b}/src/a.txt`, MetadataDirective: 'REPLACE' })));
    await denied(u.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst/b.txt', CopySource: `${b}/other/b.txt`, MetadataDirective: 'COPY' })));
    // A PutObject has no copy source: the condition does not hold.
    await denied(put(u.s3, b, 'dst/p.txt'));
    expect(await snapshot(b)).toEqual(before);
    // The key is the header as sent: a copy that sends none has no s3:x-amz-metadata-directive.
    const strict = await createUser(ts, adminIam, uname('copy'), {
      inline: doc(
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*`, Condition: { StringEquals: { 's3:x-amz-metadata-directive': 'COPY' } } },
      ),
    });
    await strict.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst/s.txt', CopySource: `${b}/src/a.txt`, MetadataDirective: 'COPY' }));
    await denied(strict.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst/t.txt', CopySource: `${b}/src/a.txt` })));
  });

  it('s3:x-amz-storage-class as sent on PutObject and CreateMultipartUpload', async () => {
    const b = await bucketWith([]);
    const u = await createUser(ts, adminIam, uname('class'), {
      inline: doc({
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${b}/*`,
        Condition: { StringEquals: { 's3:x-amz-storage-class': 'STANDARD_IA' } },
      }),
    });
    await u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'ia', Body: 'x', StorageClass: 'STANDARD_IA' }));
    await u.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mpu', StorageClass: 'STANDARD_IA' }));
    await denied(u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'std', Body: 'x', StorageClass: 'STANDARD' })));
    await denied(put(u.s3, b, 'none'));
    await denied(u.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mpu2' })));
    // Requiring the header: Null is true for a request that sends none.
    const must = await createUser(ts, adminIam, uname('class'), {
      inline: doc(
        { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*` },
        { Effect: 'Deny', Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*`, Condition: { Null: { 's3:x-amz-storage-class': 'true' } } },
      ),
    });
    await must.s3.send(new PutObjectCommand({ Bucket: b, Key: 'std', Body: 'x', StorageClass: 'STANDARD' }));
    await denied(put(must.s3, b, 'none'));
  });

  it('s3:object-lock-mode, s3:object-lock-retain-until-date and s3:object-lock-remaining-retention-days', async () => {
    const b = await newBucket(admin, { prefix: 'authz-lock', objectLock: true });
    const day = 86_400_000;
    const now = Date.now() + ts.now.offsetMs;
    // AWS's "maximum retention period" example, with a mode and a latest date on top.
    const u = await createUser(ts, adminIam, uname('lock'), {
      inline: doc(
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject'], Resource: `arn:aws:s3:::${b}/*` },
        {
          Effect: 'Deny',
          Action: ['s3:PutObject', 's3:PutObjectRetention'],
          Resource: `arn:aws:s3:::${b}/*`,
          Condition: { NumericGreaterThan: { 's3:object-lock-remaining-retention-days': '10' } },
        },
        { Effect: 'Deny', Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*`, Condition: { StringEquals: { 's3:object-lock-mode': 'COMPLIANCE' } } },
        {
          Effect: 'Deny',
          Action: 's3:PutObjectRetention',
          Resource: `arn:aws:s3:::${b}/*`,
          Condition: { DateGreaterThan: { 's3:object-lock-retain-until-date': new Date(now + 8 * day).toISOString() } },
        },
      ),
    });
    const lockPut = (Key: string, mode: 'GOVERNANCE' | 'COMPLIANCE', days: number) =>
      u.s3.send(new PutObjectCommand({ Bucket: b, Key, Body: 'x', ObjectLockMode: mode, ObjectLockRetainUntilDate: new Date(now + days * day) }));
    const v = (await lockPut('short', 'GOVERNANCE', 5)).VersionId!;
    await denied(lockPut('long', 'GOVERNANCE', 30));
    await denied(lockPut('compliance', 'COMPLIANCE', 5));
    await put(u.s3, b, 'unlocked');
    const retain = (days: number) =>
      u.s3.send(
        new PutObjectRetentionCommand({
          Bucket: b,
          Key: 'short',
          VersionId: v,
          Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(now + days * day) },
        }),
      );
    await retain(7);
    await denied(retain(9));
    await denied(retain(20));
    const versions = await admin.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(versions.Versions?.map((x) => x.Key).sort()).toEqual(['short', 'unlocked']);
  });

  it('s3:authType and s3:signatureversion: a presigned URL is REST-QUERY-STRING, a signed header REST-HEADER', async () => {
    const b = await bucketWith(['a.txt']);
    const u = await createUser(ts, adminIam, uname('auth-type'), {
      inline: doc(
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${b}/*`,
          Condition: { StringEquals: { 's3:signatureversion': 'AWS4-HMAC-SHA256' } },
        },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 's3:authType': 'REST-QUERY-STRING' } } },
      ),
    });
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
    const url = await getSignedUrl(u.s3, new GetObjectCommand({ Bucket: b, Key: 'a.txt' }), { expiresIn: 300 });
    const res = await request(url);
    expect(res.statusCode).toBe(403);
    expect(await res.body.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('aws:CurrentTime DateLessThan, judged on the server’s clock', async () => {
    const b = await bucketWith(['a.txt']);
    const until = new Date(Date.now() + ts.now.offsetMs + 3600_000).toISOString();
    const u = await createUser(ts, adminIam, uname('time'), { inline: doc(allowGet(b, { DateLessThan: { 'aws:CurrentTime': until } })) });
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
    const saved = ts.now.offsetMs;
    ts.now.offsetMs += 2 * 3600_000;
    try {
      // The client's clock moves with the server's, so the signature is within the allowed skew.
      const later = s3As(ts, u.creds, { systemClockOffset: ts.now.offsetMs });
      await denied(get(later, b, 'a.txt'));
    } finally {
      ts.now.offsetMs = saved;
    }
    expect(await get(u.s3, b, 'a.txt')).toBe('body of a.txt');
  });
});

describe('accounts', () => {
  let a: { creds: Creds; s3: S3Client; iam: IAMClient; accountId: string };
  let bRoot: { creds: Creds; s3: S3Client };
  let aBucket: string;

  beforeAll(async () => {
    const iam = ts.ctx.services.iam;
    const ra = await iam.createAccount(uname('acct-a'));
    const rb = await iam.createAccount(uname('acct-b'));
    const ca = { accessKeyId: ra.accessKey, secretAccessKey: ra.secret };
    const cb = { accessKeyId: rb.accessKey, secretAccessKey: rb.secret };
    a = { creds: ca, s3: s3As(ts, ca), iam: iamClient(ts, ca), accountId: ra.account.accountId };
    bRoot = { creds: cb, s3: s3As(ts, cb) };
    aBucket = await newBucket(a.s3, { prefix: 'acct-a' });
    await put(a.s3, aBucket, 'a.txt', 'A’s data');
  });

  it("another account's root is AccessDenied on the bucket and its objects, and changes nothing", async () => {
    const before = await snapshot(aBucket);
    await denied(get(bRoot.s3, aBucket, 'a.txt'));
    // HEAD answers have no body: the status says it.
    expect((await s3Error(bRoot.s3.send(new HeadObjectCommand({ Bucket: aBucket, Key: 'a.txt' })))).$metadata.httpStatusCode).toBe(403);
    expect((await s3Error(bRoot.s3.send(new HeadBucketCommand({ Bucket: aBucket })))).$metadata.httpStatusCode).toBe(403);
    await denied(bRoot.s3.send(new ListObjectsV2Command({ Bucket: aBucket })));
    await expectNoWrites(bRoot.s3, aBucket, 'a.txt');
    await denied(bRoot.s3.send(new DeleteBucketCommand({ Bucket: aBucket })));
    await denied(bRoot.s3.send(new PutBucketVersioningCommand({ Bucket: aBucket, VersioningConfiguration: { Status: 'Enabled' } })));
    expect(await snapshot(aBucket)).toEqual(before);
    expect((await bRoot.s3.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name) ?? []).not.toContain(aBucket);
  });

  it("an IAM user of another account with s3:* on * is still denied on the account's bucket", async () => {
    const bIam = iamClient(ts, bRoot.creds);
    const u = await createUser(ts, bIam, uname('b-user'), { inline: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) });
    await denied(get(u.s3, aBucket, 'a.txt'));
    await denied(u.s3.send(new ListObjectsV2Command({ Bucket: aBucket })));
    await expectNoWrites(u.s3, aBucket, 'a.txt');
    // Its own account's buckets are fine.
    const own = await newBucket(u.s3, { prefix: 'acct-b' });
    await put(u.s3, own, 'x', 'y');
    expect(await get(bRoot.s3, own, 'x')).toBe('y');
  });

  it('CreateBucket of a taken name: BucketAlreadyExists for another account, BucketAlreadyOwnedByYou within the account', async () => {
    await expectS3Error(bRoot.s3.send(new CreateBucketCommand({ Bucket: aBucket })), 'BucketAlreadyExists', 409);
    await expectS3Error(a.s3.send(new CreateBucketCommand({ Bucket: aBucket })), 'BucketAlreadyOwnedByYou', 409);
    const creator = await createUser(ts, a.iam, uname('creator'), { attach: ['arn:aws:iam::aws:policy/S3FullAccess'] });
    await expectS3Error(creator.s3.send(new CreateBucketCommand({ Bucket: aBucket })), 'BucketAlreadyOwnedByYou', 409);
    // Without s3:CreateBucket, an IAM user is AccessDenied whatever the name.
    const reader = await createUser(ts, a.iam, uname('reader'), { attach: ['arn:aws:iam::aws:policy/S3ReadAccess'] });
    await denied(reader.s3.send(new CreateBucketCommand({ Bucket: aBucket })));
    await denied(reader.s3.send(new CreateBucketCommand({ Bucket: `${aBucket}-free` })));
  });

  it("a bucket an IAM user creates belongs to its account; ListBuckets shows the account's buckets only", async () => {
    const creator = await createUser(ts, a.iam, uname('creator'), {
      inline: doc({ Effect: 'Allow', Action: ['s3:CreateBucket', 's3:ListAllMyBuckets', 's3:PutObject'], Resource: '*' }),
    });
    const made = await newBucket(creator.s3, { prefix: 'by-user' });
    await put(creator.s3, made, 'k', 'v');
    // The account's root owns it: it may read it without any policy, and sees it listed.
    expect(await get(a.s3, made, 'k')).toBe('v');
    const rootList = (await a.s3.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name);
    expect(rootList).toEqual(expect.arrayContaining([aBucket, made]));
    const userList = (await creator.s3.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name).sort();
    expect(userList).toEqual(rootList.sort());
    // Another account's root neither sees nor reads it.
    expect((await bRoot.s3.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name) ?? []).not.toContain(made);
    await denied(get(bRoot.s3, made, 'k'));
    // ListBuckets needs s3:ListAllMyBuckets.
    const noList = await createUser(ts, a.iam, uname('nolist'), { inline: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) });
    await denied(noList.s3.send(new ListBucketsCommand({})));
  });

  it("the instance administrator may read and manage every account's buckets", async () => {
    const b = await newBucket(bRoot.s3, { prefix: 'acct-b' });
    await put(bRoot.s3, b, 'b.txt', 'B’s data');
    expect(await get(admin, b, 'b.txt')).toBe('B’s data');
    expect(await get(admin, aBucket, 'a.txt')).toBe('A’s data');
    const all = (await admin.send(new ListBucketsCommand({}))).Buckets!.map((x) => x.Name);
    expect(all).toEqual(expect.arrayContaining([aBucket, b]));
    await put(admin, b, 'from-admin.txt', 'hello');
    expect(await get(bRoot.s3, b, 'from-admin.txt')).toBe('hello');
    await admin.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'b.txt' }, { Key: 'from-admin.txt' }] } }));
    await admin.send(new DeleteBucketCommand({ Bucket: b }));
    expect((await bRoot.s3.send(new ListBucketsCommand({}))).Buckets?.map((x) => x.Name) ?? []).not.toContain(b);
    // The admin account's IAM users are not administrators.
    const adminsUser = await createUser(ts, adminIam, uname('staff'), { inline: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) });
    await denied(get(adminsUser.s3, aBucket, 'a.txt'));
  });
});

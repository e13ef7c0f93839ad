/**
 * ACLs and object ownership end to end through @aws-sdk/client-s3: canned
 * ACLs and explicit grants (headers and AccessControlPolicy bodies), grants
 * by e-mail, the grants limit, the three ObjectOwnership settings and their
 * errors, the owner listings show, Block Public Access's BlockPublicAcls and
 * the 'aws' bucket defaults. Two accounts (A, B) plus the instance
 * administrator, who may write anywhere and so plays "another writer" until
 * ACL grants take part in authorization.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteBucketOwnershipControlsCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetObjectAclCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  UploadPartCommand,
  type Grant,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { FormData, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, destroyClients, doc, iamClient, s3As, type Creds } from '../helpers/iam-users.js';
import { expectS3Error, newBucket } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

let ts: TestServer;
let admin: S3Client;
interface Acct {
  name: string;
  id: string;
  email: string;
  creds: Creds;
  s3: S3Client;
}
let A: Acct;
let B: Acct;
let adminId: string;

const uid = () => Math.random().toString(36).slice(2, 8);

async function account(name: string): Promise<Acct> {
  const email = `${name}@example.com`;
  const r = await ts.ctx.services.iam.createAccount(name, { email });
  const creds = { accessKeyId: r.accessKey, secretAccessKey: r.secret };
  return { name, id: r.account.canonicalId, email, creds, s3: s3As(ts, creds) };
}

/** Grants as [grantee, permission] pairs, for comparing. */
function pairs(grants: Grant[] | undefined): Array<[string, string]> {
  return (grants ?? []).map((g) => [g.Grantee?.Type === 'Group' ? g.Grantee.URI! : g.Grantee!.ID!, g.Permission!]);
}

beforeAll(async () => {
  ts = await startTestServer();
  admin = ts.client();
  A = await account(`acl-a-${uid()}`);
  B = await account(`acl-b-${uid()}`);
  adminId = ts.ctx.services.iam.accountByName('admin')!.canonicalId;
});
afterAll(async () => {
  destroyClients(ts);
  await ts.stop();
});

describe('bucket ACLs', () => {
  it('a new bucket is private; a canned ACL and the grants it stands for', async () => {
    const b = await newBucket(A.s3, { prefix: 'acl' });
    const acl = await A.s3.send(new GetBucketAclCommand({ Bucket: b }));
    expect(acl.Owner).toEqual({ ID: A.id, DisplayName: A.name });
    expect(pairs(acl.Grants)).toEqual([[A.id, 'FULL_CONTROL']]);
    expect(acl.Grants![0]!.Grantee).toMatchObject({ Type: 'CanonicalUser', ID: A.id, DisplayName: A.name });

    await A.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read-write' }));
    expect(pairs((await A.s3.send(new GetBucketAclCommand({ Bucket: b }))).Grants)).toEqual([
      [A.id, 'FULL_CONTROL'],
      [ALL_USERS, 'READ'],
      [ALL_USERS, 'WRITE'],
    ]);
    await A.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'log-delivery-write' as never }));
    expect(pairs((await A.s3.send(new GetBucketAclCommand({ Bucket: b }))).Grants).slice(1)).toEqual([
      ['http://acs.amazonaws.com/groups/s3/LogDelivery', 'WRITE'],
      ['http://acs.amazonaws.com/groups/s3/LogDelivery', 'READ_ACP'],
    ]);
    await A.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'private' }));
    expect(pairs((await A.s3.send(new GetBucketAclCommand({ Bucket: b }))).Grants)).toEqual([[A.id, 'FULL_CONTROL']]);
  });

  it('explicit grants by canonical id, e-mail address and group; the header errors', async () => {
    const b = await newBucket(A.s3, { prefix: 'acl' });
    await A.s3.send(
      new PutBucketAclCommand({
        Bucket: b,
        GrantFullControl: `id="${A.id}"`,
        GrantRead: `emailAddress="${B.email.toUpperCase()}", uri="${AUTH_USERS}"`,
        GrantReadACP: `id="${B.id}"`,
      }),
    );
    const acl = await A.s3.send(new GetBucketAclCommand({ Bucket: b }));
    expect(pairs(acl.Grants)).toEqual([
      [B.id, 'READ'],
      [AUTH_USERS, 'READ'],
      [B.id, 'READ_ACP'],
      [A.id, 'FULL_CONTROL'],
    ]);
    // An e-mail grant is stored as the account's canonical user, with its display name.
    expect(acl.Grants![0]!.Grantee).toMatchObject({ Type: 'CanonicalUser', ID: B.id, DisplayName: B.name });

    await expectS3Error(
      A.s3.send(new PutBucketAclCommand({ Bucket: b, GrantRead: 'emailAddress="nobody@example.com"' })),
      'UnresolvableGrantByEmailAddress',
      400,
    );
    await expectS3Error(A.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'private', GrantRead: `id="${B.id}"` })), 'InvalidRequest', 400);
    await expectS3Error(A.s3.send(new PutBucketAclCommand({ Bucket: b, GrantRead: 'name="bob"' })), 'InvalidArgument', 400);
    await expectS3Error(A.s3.send(new PutBucketAclCommand({ Bucket: b, GrantRead: `id="${'0'.repeat(64)}"` })), 'InvalidArgument', 400);
    await expectS3Error(
      A.s3.send(new PutBucketAclCommand({ Bucket: b, GrantRead: 'uri="http://acs.amazonaws.com/groups/global/Everyone"' })),
      'InvalidArgument',
      400,
    );
    await expectS3Error(A.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'everyone' as never })), 'InvalidArgument', 400);
    // Nothing changed.
    expect(pairs((await A.s3.send(new GetBucketAclCommand({ Bucket: b }))).Grants)).toHaveLength(4);
  });

  it('an AccessControlPolicy body, by e-mail too; an Owner that is not the bucket owner is AccessDenied; at most 100 grants', async () => {
    const b = await newBucket(A.s3, { prefix: 'acl' });
    await A.s3.send(
      new PutBucketAclCommand({
        Bucket: b,
        AccessControlPolicy: {
          Owner: { ID: A.id },
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: A.id }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'AmazonCustomerByEmail', EmailAddress: B.email }, Permission: 'WRITE' },
            { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' },
          ],
        },
      }),
    );
    expect(pairs((await A.s3.send(new GetBucketAclCommand({ Bucket: b }))).Grants)).toEqual([
      [A.id, 'FULL_CONTROL'],
      [B.id, 'WRITE'],
      [ALL_USERS, 'READ'],
    ]);
    await expectS3Error(
      A.s3.send(
        new PutBucketAclCommand({
          Bucket: b,
          AccessControlPolicy: { Owner: { ID: B.id }, Grants: [{ Grantee: { Type: 'CanonicalUser', ID: B.id }, Permission: 'FULL_CONTROL' }] },
        }),
      ),
      'AccessDenied',
      403,
    );
    await expectS3Error(
      A.s3.send(
        new PutBucketAclCommand({
          Bucket: b,
          AccessControlPolicy: {
            Owner: { ID: A.id },
            Grants: [{ Grantee: { Type: 'AmazonCustomerByEmail', EmailAddress: 'x@nowhere.example' }, Permission: 'READ' }],
          },
        }),
      ),
      'UnresolvableGrantByEmailAddress',
      400,
    );
    const many: Grant[] = Array.from({ length: 101 }, (_, i) => ({ Grantee: { Type: 'CanonicalUser', ID: i % 2 ? A.id : B.id }, Permission: 'READ' }));
    await expectS3Error(
      A.s3.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: { Owner: { ID: A.id }, Grants: many } })),
      'MalformedACLError',
      400,
    );
    await expectS3Error(
      A.s3.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: { Owner: { ID: A.id }, Grants: [{ Permission: 'READ' }] } })),
      'MalformedACLError',
      400,
    );
    expect(pairs((await A.s3.send(new GetBucketAclCommand({ Bucket: b }))).Grants)).toHaveLength(3);
  });

  it('CreateBucket takes ACL headers', async () => {
    const b = `acl-create-${uid()}`;
    await A.s3.send(new CreateBucketCommand({ Bucket: b, ACL: 'authenticated-read' }));
    expect(pairs((await A.s3.send(new GetBucketAclCommand({ Bucket: b }))).Grants)).toEqual([
      [A.id, 'FULL_CONTROL'],
      [AUTH_USERS, 'READ'],
    ]);
    const c = `acl-create-${uid()}`;
    await A.s3.send(new CreateBucketCommand({ Bucket: c, GrantWrite: `id="${B.id}"` }));
    expect(pairs((await A.s3.send(new GetBucketAclCommand({ Bucket: c }))).Grants)).toEqual([[B.id, 'WRITE']]);
  });
});

describe('object ACLs', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(A.s3, { prefix: 'oacl' });
  });

  it('PutObject, CopyObject and CreateMultipartUpload take ACL headers (applied at Complete)', async () => {
    await A.s3.send(new PutObjectCommand({ Bucket: b, Key: 'pub', Body: 'x', ACL: 'public-read' }));
    expect(pairs((await A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'pub' }))).Grants)).toEqual([
      [A.id, 'FULL_CONTROL'],
      [ALL_USERS, 'READ'],
    ]);
    // A copy does not inherit the source's ACL; it takes its own.
    await A.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/pub` }));
    expect(pairs((await A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'copy' }))).Grants)).toEqual([[A.id, 'FULL_CONTROL']]);
    await A.s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy2', CopySource: `${b}/pub`, GrantRead: `emailAddress="${B.email}"` }));
    expect(pairs((await A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'copy2' }))).Grants)).toEqual([[B.id, 'READ']]);

    const up = await A.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ACL: 'authenticated-read' }));
    const part = await A.s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: up.UploadId, PartNumber: 1, Body: 'part' }));
    await A.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: b, Key: 'mp', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect(pairs((await A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'mp' }))).Grants)).toEqual([
      [A.id, 'FULL_CONTROL'],
      [AUTH_USERS, 'READ'],
    ]);
    await expectS3Error(
      A.s3.send(new PutObjectCommand({ Bucket: b, Key: 'bad', Body: 'x', GrantRead: 'emailAddress="ghost@example.com"' })),
      'UnresolvableGrantByEmailAddress',
      400,
    );
    await expectS3Error(A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'bad' })), 'NoSuchKey', 404);
  });

  it('PutObjectAcl / GetObjectAcl with a versionId, headers or body', async () => {
    const v = await newBucket(A.s3, { prefix: 'oacl-v', versioning: 'Enabled' });
    const v1 = (await A.s3.send(new PutObjectCommand({ Bucket: v, Key: 'k', Body: '1' }))).VersionId!;
    const v2 = (await A.s3.send(new PutObjectCommand({ Bucket: v, Key: 'k', Body: '2' }))).VersionId!;
    const put = await A.s3.send(new PutObjectAclCommand({ Bucket: v, Key: 'k', VersionId: v1, ACL: 'public-read' }));
    expect(put.$metadata.httpStatusCode).toBe(200);
    const got1 = await A.s3.send(new GetObjectAclCommand({ Bucket: v, Key: 'k', VersionId: v1 }));
    expect(pairs(got1.Grants)).toEqual([
      [A.id, 'FULL_CONTROL'],
      [ALL_USERS, 'READ'],
    ]);
    expect(pairs((await A.s3.send(new GetObjectAclCommand({ Bucket: v, Key: 'k' }))).Grants)).toEqual([[A.id, 'FULL_CONTROL']]);
    await A.s3.send(
      new PutObjectAclCommand({
        Bucket: v,
        Key: 'k',
        AccessControlPolicy: { Owner: { ID: A.id }, Grants: [{ Grantee: { Type: 'CanonicalUser', ID: B.id }, Permission: 'READ_ACP' }] },
      }),
    );
    expect(pairs((await A.s3.send(new GetObjectAclCommand({ Bucket: v, Key: 'k', VersionId: v2 }))).Grants)).toEqual([[B.id, 'READ_ACP']]);
    await expectS3Error(A.s3.send(new GetObjectAclCommand({ Bucket: v, Key: 'k', VersionId: '0000000000000000000000' })), 'NoSuchVersion', 404);
  });

  it('an IAM user needs s3:PutObjectAcl as well to write with an ACL', async () => {
    const iam = iamClient(ts, A.creds);
    const u = await createUser(ts, iam, `writer-${uid()}`, { inline: doc({ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObjectAcl'], Resource: '*' }) });
    await u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'by-user', Body: 'x' }));
    await expectS3Error(u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'by-user-acl', Body: 'x', ACL: 'public-read' })), 'AccessDenied', 403);
    await expectS3Error(A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'by-user-acl' })), 'NoSuchKey', 404);
    // The user's object belongs to its account.
    expect((await u.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'by-user' }))).Owner?.ID).toBe(A.id);
  });
});

describe('PostObject and condition keys', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(A.s3, { prefix: 'post-acl' });
  });

  async function postForm(client: S3Client, key: string, acl: string | undefined): Promise<number> {
    const p = await createPresignedPost(client, { Bucket: b, Key: key, Fields: acl ? { acl } : {}, Conditions: acl ? [{ acl }] : [] });
    const form = new FormData();
    for (const [k, v] of Object.entries(p.fields)) form.append(k, v);
    form.append('file', new Blob(['posted']), 'f.txt');
    const res = await fetch(p.url, { method: 'POST', body: form });
    await res.text();
    return res.status;
  }

  it("a form's acl field is the object's canned ACL", async () => {
    expect(await postForm(A.s3, 'posted-public', 'public-read')).toBe(204);
    expect(pairs((await A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'posted-public' }))).Grants)).toEqual([
      [A.id, 'FULL_CONTROL'],
      [ALL_USERS, 'READ'],
    ]);
    expect(await postForm(A.s3, 'posted-plain', undefined)).toBe(204);
    expect(pairs((await A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'posted-plain' }))).Grants)).toEqual([[A.id, 'FULL_CONTROL']]);
  });

  it('s3:x-amz-acl and s3:x-amz-grant-* are condition keys of the writes that carry them', async () => {
    const iam = iamClient(ts, A.creds);
    const u = await createUser(ts, iam, `cond-${uid()}`, {
      inline: doc(
        {
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:PutObjectAcl'],
          Resource: '*',
          Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
        },
        { Effect: 'Allow', Action: ['s3:PutObject', 's3:PutObjectAcl'], Resource: '*', Condition: { StringLike: { 's3:x-amz-grant-read': `*${B.id}*` } } },
        { Effect: 'Allow', Action: 's3:PutBucketAcl', Resource: '*', Condition: { StringEquals: { 's3:x-amz-acl': 'private' } } },
      ),
    });
    await u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'c1', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'c2', Body: 'x', GrantRead: `id="${B.id}"` }));
    await expectS3Error(u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'c3', Body: 'x', ACL: 'public-read' })), 'AccessDenied', 403);
    await expectS3Error(u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'c4', Body: 'x' })), 'AccessDenied', 403);
    await u.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'private' }));
    await expectS3Error(u.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read' })), 'AccessDenied', 403);
    expect(await postForm(u.s3, 'c5', 'public-read')).toBe(403);
    expect(await postForm(u.s3, 'c6', 'bucket-owner-full-control')).toBe(204);
  });
});

describe('object ownership', () => {
  it('ObjectWriter (no OwnershipControls): the writer owns what it writes, as listings and ACLs show', async () => {
    const b = await newBucket(A.s3, { prefix: 'own-w', versioning: 'Enabled' });
    await expectS3Error(A.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: b })), 'OwnershipControlsNotFoundError', 404);
    await admin.send(new PutObjectCommand({ Bucket: b, Key: 'by-admin', Body: 'x', ACL: 'bucket-owner-read' }));
    await A.s3.send(new PutObjectCommand({ Bucket: b, Key: 'by-a', Body: 'x' }));
    const list = await A.s3.send(new ListObjectsV2Command({ Bucket: b, FetchOwner: true }));
    expect(list.Contents!.map((c) => [c.Key, c.Owner?.ID])).toEqual([
      ['by-a', A.id],
      ['by-admin', adminId],
    ]);
    const versions = await A.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(versions.Versions!.map((v) => [v.Key, v.Owner?.ID])).toEqual([
      ['by-a', A.id],
      ['by-admin', adminId],
    ]);
    const acl = await A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'by-admin' }));
    expect(acl.Owner?.ID).toBe(adminId);
    expect(pairs(acl.Grants)).toEqual([
      [adminId, 'FULL_CONTROL'],
      [A.id, 'READ'],
    ]);
  });

  it('BucketOwnerPreferred: the bucket owner owns objects written with bucket-owner-full-control', async () => {
    const b = await newBucket(A.s3, { prefix: 'own-p' });
    await A.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } }));
    expect((await A.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: b }))).OwnershipControls?.Rules).toEqual([
      { ObjectOwnership: 'BucketOwnerPreferred' },
    ]);
    await admin.send(new PutObjectCommand({ Bucket: b, Key: 'preferred', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await admin.send(new PutObjectCommand({ Bucket: b, Key: 'kept', Body: 'x' }));
    const list = await A.s3.send(new ListObjectsV2Command({ Bucket: b, FetchOwner: true }));
    expect(list.Contents!.map((c) => [c.Key, c.Owner?.ID])).toEqual([
      ['kept', adminId],
      ['preferred', A.id],
    ]);
    expect(pairs((await A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'preferred' }))).Grants)).toEqual([[A.id, 'FULL_CONTROL']]);
    await A.s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: b }));
    await expectS3Error(A.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: b })), 'OwnershipControlsNotFoundError', 404);
  });

  it('BucketOwnerEnforced: ACLs are disabled, the bucket owner owns everything', async () => {
    const b = `own-e-${uid()}`;
    await A.s3.send(new CreateBucketCommand({ Bucket: b, ObjectOwnership: 'BucketOwnerEnforced' }));
    expect((await A.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: b }))).OwnershipControls?.Rules).toEqual([
      { ObjectOwnership: 'BucketOwnerEnforced' },
    ]);
    await admin.send(new PutObjectCommand({ Bucket: b, Key: 'by-admin', Body: 'x' }));
    await admin.send(new PutObjectCommand({ Bucket: b, Key: 'bofc', Body: 'x', ACL: 'bucket-owner-full-control' }));
    await expectS3Error(admin.send(new PutObjectCommand({ Bucket: b, Key: 'pub', Body: 'x', ACL: 'public-read' })), 'AccessControlListNotSupported', 400);
    await expectS3Error(A.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read' })), 'AccessControlListNotSupported', 400);
    await expectS3Error(A.s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'by-admin', GrantRead: `id="${B.id}"` })), 'AccessControlListNotSupported', 400);
    // The bucket owner's full control is still accepted (and changes nothing).
    await A.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'private' }));
    await A.s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'by-admin', ACL: 'bucket-owner-full-control' }));
    const list = await A.s3.send(new ListObjectsV2Command({ Bucket: b, FetchOwner: true }));
    expect(list.Contents!.map((c) => [c.Key, c.Owner?.ID])).toEqual([
      ['bofc', A.id],
      ['by-admin', A.id],
    ]);
    const acl = await A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'by-admin' }));
    expect(acl.Owner?.ID).toBe(A.id);
    expect(pairs(acl.Grants)).toEqual([[A.id, 'FULL_CONTROL']]);
    await expectS3Error(admin.send(new GetObjectAclCommand({ Bucket: b, Key: 'pub' })), 'NoSuchKey', 404);
    // An upload in progress already shows its owner-to-be.
    const up = await admin.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
    const uploads = await A.s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
    expect(uploads.Uploads!.map((u) => [u.UploadId, u.Owner?.ID, u.Initiator?.ID])).toEqual([[up.UploadId, A.id, adminId]]);
  });

  it('delete markers belong to the deleter (ObjectWriter) or the bucket owner (BucketOwnerEnforced)', async () => {
    const markerOwners = async (ownership: 'ObjectWriter' | 'BucketOwnerEnforced') => {
      const b = await newBucket(A.s3, { prefix: 'own-dm', versioning: 'Enabled' });
      await A.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: { Rules: [{ ObjectOwnership: ownership }] } }));
      await admin.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
      await admin.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
      await admin.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: 'k2' }] } }));
      const v = await A.s3.send(new ListObjectVersionsCommand({ Bucket: b }));
      return v.DeleteMarkers!.map((m) => [m.Key, m.Owner?.ID]);
    };
    expect(await markerOwners('ObjectWriter')).toEqual([
      ['k', adminId],
      ['k2', adminId],
    ]);
    expect(await markerOwners('BucketOwnerEnforced')).toEqual([
      ['k', A.id],
      ['k2', A.id],
    ]);
  });

  it('CreateBucket refuses ACLs with BucketOwnerEnforced; PutBucketOwnershipControls refuses it over a bucket ACL that grants others', async () => {
    await expectS3Error(
      A.s3.send(new CreateBucketCommand({ Bucket: `own-x-${uid()}`, ObjectOwnership: 'BucketOwnerEnforced', ACL: 'public-read' })),
      'InvalidBucketAclWithObjectOwnership',
      400,
    );
    await expectS3Error(A.s3.send(new CreateBucketCommand({ Bucket: `own-x-${uid()}`, ObjectOwnership: 'Nobody' as never })), 'InvalidArgument', 400);
    const b = `own-y-${uid()}`;
    await A.s3.send(new CreateBucketCommand({ Bucket: b, ACL: 'public-read' }));
    await expectS3Error(
      A.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } })),
      'InvalidBucketAclWithObjectOwnership',
      400,
    );
    await A.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'private' }));
    await A.s3.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
  });
});

describe('Block Public Access: BlockPublicAcls', () => {
  it('refuses public ACLs on PutBucketAcl, PutObjectAcl and writes; private ones still work', async () => {
    const b = await newBucket(A.s3, { prefix: 'pab' });
    await A.s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    const bucket = ts.ctx.services.buckets.get(b)!;
    // The row PutPublicAccessBlock stores.
    await ts.ctx.services.buckets.putConfig(bucket, 'publicAccessBlock', {
      blockPublicAcls: true,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    });
    await expectS3Error(A.s3.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read' })), 'AccessDenied', 403);
    await expectS3Error(A.s3.send(new PutBucketAclCommand({ Bucket: b, GrantRead: `uri="${AUTH_USERS}"` })), 'AccessDenied', 403);
    await expectS3Error(A.s3.send(new PutObjectAclCommand({ Bucket: b, Key: 'k', ACL: 'public-read' })), 'AccessDenied', 403);
    await expectS3Error(A.s3.send(new PutObjectCommand({ Bucket: b, Key: 'new', Body: 'x', ACL: 'public-read-write' })), 'AccessDenied', 403);
    await expectS3Error(A.s3.send(new GetObjectAclCommand({ Bucket: b, Key: 'new' })), 'NoSuchKey', 404);
    expect(pairs((await A.s3.send(new GetBucketAclCommand({ Bucket: b }))).Grants)).toEqual([[A.id, 'FULL_CONTROL']]);
    await A.s3.send(new PutBucketAclCommand({ Bucket: b, GrantRead: `id="${B.id}"`, GrantFullControl: `id="${A.id}"` }));
    await A.s3.send(new PutObjectCommand({ Bucket: b, Key: 'new', Body: 'x', ACL: 'bucket-owner-full-control' }));
  });
});

describe("bucketDefaults 'aws'", () => {
  let aws: TestServer;
  beforeAll(async () => {
    aws = await startTestServer({ bucketDefaults: 'aws' });
  });
  afterAll(async () => {
    await aws.stop();
  });

  it('new buckets get BucketOwnerEnforced and all four Block Public Access flags', async () => {
    const c = aws.client();
    const b = `aws-${uid()}`;
    await c.send(new CreateBucketCommand({ Bucket: b }));
    expect((await c.send(new GetBucketOwnershipControlsCommand({ Bucket: b }))).OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    expect(aws.ctx.services.buckets.config(aws.ctx.services.buckets.get(b)!, 'publicAccessBlock')).toEqual({
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: true,
      restrictPublicBuckets: true,
    });
    await expectS3Error(c.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ACL: 'public-read' })), 'AccessControlListNotSupported', 400);
    await expectS3Error(c.send(new CreateBucketCommand({ Bucket: `aws-${uid()}`, ACL: 'public-read' })), 'InvalidBucketAclWithObjectOwnership', 400);
    // Asking for ObjectWriter gives ACLs back, but Block Public Access still refuses public ones.
    const w = `aws-${uid()}`;
    await c.send(new CreateBucketCommand({ Bucket: w, ObjectOwnership: 'ObjectWriter' }));
    await expectS3Error(c.send(new PutBucketAclCommand({ Bucket: w, ACL: 'public-read' })), 'AccessDenied', 403);
    await c.send(new PutObjectCommand({ Bucket: w, Key: 'k', Body: 'x', GrantRead: `id="${aws.ctx.services.iam.accountByName('admin')!.canonicalId}"` }));
    expect(pairs((await c.send(new GetObjectAclCommand({ Bucket: w, Key: 'k' }))).Grants)).toHaveLength(1);
  });
});

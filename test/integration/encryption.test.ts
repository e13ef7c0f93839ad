import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { FormData, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyring } from '../../src/store/keyring.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { body, expectS3Error, md5, newBucket, s3Error } from '../helpers/s3.js';
import { rawRequest } from '../helpers/signing.js';
import { cairn } from '../helpers/cli.js';
import { createUser, destroyClients, doc, iamClient } from '../helpers/iam-users.js';

let ts: TestServer;
let s3: S3Client;

const customer = () => {
  const key = randomBytes(32);
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(key).digest('base64') };
};
const C1 = customer();
const C2 = customer();
const asCopySource = (c: typeof C1) => ({
  CopySourceSSECustomerAlgorithm: c.SSECustomerAlgorithm,
  CopySourceSSECustomerKey: c.SSECustomerKey,
  CopySourceSSECustomerKeyMD5: c.SSECustomerKeyMD5,
});

type Mode = 'none' | 'SSE-S3' | 'SSE-KMS' | 'SSE-C';
const put: Record<Mode, Record<string, string>> = {
  none: {},
  'SSE-S3': { ServerSideEncryption: 'AES256' },
  'SSE-KMS': { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'photos' },
  'SSE-C': C1,
};
const read: Record<Mode, Record<string, string>> = { none: {}, 'SSE-S3': {}, 'SSE-KMS': {}, 'SSE-C': C1 };

/** The marker every test body carries: no blob file may contain it. */
const MARKER = `cairn-plaintext-marker-${randomBytes(6).toString('hex')}`;
const payload = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += MARKER.length + 3) b.write(MARKER, i, 'latin1');
  return b;
};

function expectMode(h: { ServerSideEncryption?: string; SSEKMSKeyId?: string; SSECustomerAlgorithm?: string; SSECustomerKeyMD5?: string }, mode: Mode) {
  if (mode === 'none') {
    expect(h.ServerSideEncryption).toBeUndefined();
    expect(h.SSECustomerAlgorithm).toBeUndefined();
  } else if (mode === 'SSE-S3') expect(h.ServerSideEncryption).toBe('AES256');
  else if (mode === 'SSE-KMS') {
    expect(h.ServerSideEncryption).toBe('aws:kms');
    expect(h.SSEKMSKeyId).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\/photos$/);
  } else {
    expect(h.SSECustomerAlgorithm).toBe('AES256');
    expect(h.SSECustomerKeyMD5).toBe(C1.SSECustomerKeyMD5);
    expect(h.ServerSideEncryption).toBeUndefined();
  }
}

function blobFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...blobFiles(p));
    else out.push(p);
  }
  return out;
}

beforeAll(async () => {
  ts = await startTestServer({ ssecRequireTls: false });
  s3 = ts.client();
  new Keyring(ts.dataDir).createKey('photos');
});
afterAll(async () => ts?.stop());

const MODES: Mode[] = ['SSE-S3', 'SSE-KMS', 'SSE-C'];

describe('each mode: PutObject, GetObject (whole and ranges), HeadObject', () => {
  it.each(MODES)('%s', async (mode) => {
    const b = await newBucket(s3, { prefix: 'sse' });
    const data = payload(200_000);
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: data, ChecksumAlgorithm: 'CRC32', ...put[mode] }));
    expectMode(p, mode);
    // SSE-S3's ETag is the plaintext MD5; SSE-C's and SSE-KMS's are not.
    if (mode === 'SSE-S3') expect(p.ETag).toBe(`"${md5(data)}"`);
    else expect(p.ETag).not.toBe(`"${md5(data)}"`);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', ChecksumMode: 'ENABLED', ...read[mode] }));
    expect((await body(g)).equals(data)).toBe(true);
    expect(g.ETag).toBe(p.ETag);
    expect(g.ChecksumCRC32).toBe(p.ChecksumCRC32);
    expectMode(g, mode);
    for (const [s, e] of [
      [0, 0],
      [65535, 65537],
      [100_000, 199_999],
      [131_072, 131_072],
    ] as const) {
      const r = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', Range: `bytes=${s}-${e}`, ...read[mode] }));
      expect(r.ContentRange).toBe(`bytes ${s}-${e}/200000`);
      expect((await body(r)).equals(data.subarray(s, e + 1))).toBe(true);
    }
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k', ...read[mode] }));
    expect(h.ContentLength).toBe(200_000);
    expectMode(h, mode);
    const empty = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'empty', Body: '', ...put[mode] }));
    expectMode(empty, mode);
    const ge = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'empty', ...read[mode] }));
    expect((await body(ge)).length).toBe(0);
    const attrs = await s3.send(new GetObjectAttributesCommand({ Bucket: b, Key: 'k', ObjectAttributes: ['ETag', 'ObjectSize'], ...read[mode] }));
    expect(attrs.ObjectSize).toBe(200_000);
  });

  it('a 1-byte Range in the middle of a large object decrypts at most two segments', async () => {
    const b = await newBucket(s3, { prefix: 'sse' });
    const data = randomBytes(4 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'big', Body: data, ...put['SSE-S3'] }));
    for (const at of [2 * 1024 * 1024 + 12345, 65535, 3 * 65536]) {
      const before = ts.ctx.encryption.stats.decrypted;
      const r = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'big', Range: `bytes=${at}-${at}` }));
      expect((await body(r))[0]).toBe(data[at]);
      expect(ts.ctx.encryption.stats.decrypted - before).toBeLessThanOrEqual(2);
    }
    const before = ts.ctx.encryption.stats.decrypted;
    const whole = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'big' }));
    expect((await body(whole)).equals(data)).toBe(true);
    expect(ts.ctx.encryption.stats.decrypted - before).toBe(64);
  });
});

describe('SSE-C errors', () => {
  let b: string;
  beforeAll(async () => {
    b = await newBucket(s3, { prefix: 'ssec' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'c', Body: 'secret', ...C1 }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'plain' }));
  });

  it('reading without the key is 400 InvalidRequest; HEAD too', async () => {
    const e = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'c' })), 'InvalidRequest', 400);
    expect(e.message).toMatch(/stored using a form of Server Side Encryption/);
    const h = await s3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'c' })));
    expect(h.$metadata.httpStatusCode).toBe(400);
  });

  it('the wrong key is 403 AccessDenied', async () => {
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'c', ...C2 })), 'AccessDenied', 403);
    const h = await s3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'c', ...C2 })));
    expect(h.$metadata.httpStatusCode).toBe(403);
  });

  it('a key for an object not encrypted with one is 400', async () => {
    const e = await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'plain', ...C1 })), 'InvalidRequest', 400);
    expect(e.message).toBe('The encryption parameters are not applicable to this object.');
  });

  it('a key MD5 that does not match, a short key, a bad algorithm, SSE-C with SSE-S3: 400, nothing stored', async () => {
    const ssec = (c: typeof C1) => ({
      'x-amz-server-side-encryption-customer-algorithm': c.SSECustomerAlgorithm,
      'x-amz-server-side-encryption-customer-key': c.SSECustomerKey,
      'x-amz-server-side-encryption-customer-key-md5': c.SSECustomerKeyMD5,
    });
    const short = randomBytes(16);
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [{ ...ssec(C1), 'x-amz-server-side-encryption-customer-key-md5': C2.SSECustomerKeyMD5 }, 'InvalidArgument', /MD5 hash of the key did not match/],
      [{ ...ssec(C1), 'x-amz-server-side-encryption-customer-key-md5': '' }, 'InvalidArgument', /client calculated MD5/],
      [
        {
          ...ssec(C1),
          'x-amz-server-side-encryption-customer-key': short.toString('base64'),
          'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(short).digest('base64'),
        },
        'InvalidArgument',
        /secret key was invalid/,
      ],
      [{ ...ssec(C1), 'x-amz-server-side-encryption-customer-algorithm': 'AES128' }, 'InvalidEncryptionAlgorithmError', /./],
      [{ ...ssec(C1), 'x-amz-server-side-encryption': 'AES256' }, 'InvalidArgument', /incompatible/],
      [{ 'x-amz-server-side-encryption': 'AES512' }, 'InvalidArgument', /not supported/],
      [{ 'x-amz-server-side-encryption-aws-kms-key-id': 'photos' }, 'InvalidArgument', /requires HTTP header x-amz-server-side-encryption : aws:kms/],
    ];
    for (const [headers, code, message] of cases) {
      const res = await rawRequest(ts.url, 'PUT', `/${b}/x`, { headers, body: 'x' });
      expect(res.status, JSON.stringify(headers)).toBe(400);
      expect(res.text).toContain(`<Code>${code}</Code>`);
      expect(res.text).toMatch(message);
    }
    expect((await s3Error(s3.send(new HeadObjectCommand({ Bucket: b, Key: 'x' })))).$metadata.httpStatusCode).toBe(404);
  });

  it('over plain HTTP SSE-C is refused unless ssecRequireTls is off', async () => {
    const strict = await startTestServer();
    try {
      const c = strict.client();
      const sb = await newBucket(c, { prefix: 'ssec' });
      const e = await expectS3Error(c.send(new PutObjectCommand({ Bucket: sb, Key: 'x', Body: 'x', ...C1 })), 'InvalidRequest', 400);
      expect(e.message).toMatch(/must be made over a secure connection/);
      // SSE-S3 needs no TLS.
      await c.send(new PutObjectCommand({ Bucket: sb, Key: 'y', Body: 'y', ServerSideEncryption: 'AES256' }));
    } finally {
      await strict.stop();
    }
  });
});

describe('SSE-KMS errors', () => {
  it('an unknown key is KMS.NotFoundException, a disabled one KMS.DisabledException; no id: the default key', async () => {
    const b = await newBucket(s3, { prefix: 'kms' });
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'nope' })),
      'KMS.NotFoundException',
      400,
    );
    const kr = new Keyring(ts.dataDir);
    kr.createKey('soon-off');
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'y', Body: 'y', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/soon-off' }));
    kr.setEnabled('soon-off', false);
    await new Promise((r) => setTimeout(r, 600));
    await expectS3Error(
      s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'soon-off' })),
      'KMS.DisabledException',
      400,
    );
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'y' })), 'KMS.DisabledException', 400);
    kr.setEnabled('soon-off', true);
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'd', Body: 'd', ServerSideEncryption: 'aws:kms' }));
    const dflt = new Keyring(ts.dataDir).list().keys.find((k) => k.isDefault)!;
    expect(p.SSEKMSKeyId).toMatch(new RegExp(`key/${dflt.id}$`));
  });
});

describe('CopyObject between any two modes', () => {
  const ALL: Mode[] = ['none', 'SSE-S3', 'SSE-KMS', 'SSE-C'];
  const pairs = ALL.flatMap((a) => ALL.map((b) => [a, b] as [Mode, Mode]));
  it.each(pairs)('%s → %s', async (from, to) => {
    const b = await newBucket(s3, { prefix: 'ssecp' });
    const data = payload(70_000);
    const src = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: data, ...put[from] }));
    const copySrc = from === 'SSE-C' ? asCopySource(C1) : {};
    const dstPut = to === 'SSE-C' ? C1 : put[to];
    const c = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src`, ...copySrc, ...dstPut }));
    expectMode(c, to);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'dst', ...read[to] }));
    expect((await body(g)).equals(data)).toBe(true);
    expectMode(g, to);
    if (to === 'none' || to === 'SSE-S3') expect(g.ETag).toBe(`"${md5(data)}"`);
    else expect(g.ETag).not.toBe(`"${md5(data)}"`);
    if (from === to) expect(g.ETag).toBe(src.ETag);
  });

  it('an SSE-C source without its copy-source key is refused', async () => {
    const b = await newBucket(s3, { prefix: 'ssecp' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: 'x', ...C1 }));
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src` })), 'InvalidRequest', 400);
    await expectS3Error(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'dst', CopySource: `${b}/src`, ...asCopySource(C2) })), 'AccessDenied', 403);
  });

  it('copying an object onto itself to change its encryption is allowed', async () => {
    const b = await newBucket(s3, { prefix: 'ssecp' });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'self' }));
    const c = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'k', CopySource: `${b}/k`, ServerSideEncryption: 'AES256' }));
    expect(c.ServerSideEncryption).toBe('AES256');
  });
});

describe('multipart', () => {
  it.each(MODES)('%s: parts encrypted on their own, UploadPartCopy from another mode, ranges across parts', async (mode) => {
    const b = await newBucket(s3, { prefix: 'ssemp' });
    const p1 = payload(5 * 1024 * 1024 + 7);
    const p2src = payload(300_000);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'src', Body: p2src, ...C2 }));
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ...put[mode] }));
    expectMode(init, mode);
    const r1 = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: p1, ...read[mode] }));
    expectMode(r1, mode);
    if (mode === 'SSE-S3') expect(r1.ETag).toBe(`"${md5(p1)}"`);
    else expect(r1.ETag).not.toBe(`"${md5(p1)}"`);
    const r2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: b,
        Key: 'mp',
        UploadId: init.UploadId,
        PartNumber: 2,
        CopySource: `${b}/src`,
        CopySourceRange: 'bytes=1000-199999',
        ...asCopySource(C2),
        ...read[mode],
      }),
    );
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'mp',
        UploadId: init.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: r1.ETag },
            { PartNumber: 2, ETag: r2.CopyPartResult!.ETag },
          ],
        },
      }),
    );
    // CompleteMultipartUpload answers the mode for SSE-S3 and SSE-KMS (its output has no SSE-C fields).
    expectMode(done, mode === 'SSE-C' ? 'none' : mode);
    const whole = Buffer.concat([p1, p2src.subarray(1000, 200_000)]);
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp', ...read[mode] }));
    expect((await body(g)).equals(whole)).toBe(true);
    expectMode(g, mode);
    const s = p1.length - 10;
    const r = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp', Range: `bytes=${s}-${s + 100}`, ...read[mode] }));
    expect((await body(r)).equals(whole.subarray(s, s + 101))).toBe(true);
    const part2 = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'mp', PartNumber: 2, ...read[mode] }));
    expect((await body(part2)).equals(whole.subarray(p1.length))).toBe(true);
  });

  it('SSE-C parts must send the upload key', async () => {
    const b = await newBucket(s3, { prefix: 'ssemp' });
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp', ...C1 }));
    await expectS3Error(s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: 'x' })), 'InvalidRequest', 400);
    await expectS3Error(
      s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp', UploadId: init.UploadId, PartNumber: 1, Body: 'x', ...C2 })),
      'InvalidRequest',
      400,
    );
  });
});

describe('PostObject', () => {
  it.each([
    ['SSE-S3', { 'x-amz-server-side-encryption': 'AES256' }],
    ['SSE-KMS', { 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'photos' }],
    [
      'SSE-C',
      {
        'x-amz-server-side-encryption-customer-algorithm': 'AES256',
        'x-amz-server-side-encryption-customer-key': C1.SSECustomerKey,
        'x-amz-server-side-encryption-customer-key-MD5': C1.SSECustomerKeyMD5,
      },
    ],
  ] as Array<[Mode, Record<string, string>]>)('%s form fields', async (mode, fields) => {
    const b = await newBucket(s3, { prefix: 'ssepost' });
    const p = await createPresignedPost(s3, { Bucket: b, Key: 'form.txt', Fields: fields, Conditions: Object.entries(fields).map(([k, v]) => ({ [k]: v })) });
    const form = new FormData();
    for (const [k, v] of Object.entries(p.fields)) form.append(k, v);
    form.append('file', new Blob([payload(1000)]), 'form.txt');
    const res = await fetch(p.url, { method: 'POST', body: form });
    expect(res.status).toBe(204);
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'form.txt', ...read[mode] }));
    expectMode(h, mode);
  });
});

describe('bucket default encryption', () => {
  it('Put/Get/DeleteBucketEncryption; applied to PutObject, CopyObject, multipart, PostObject without their own headers', async () => {
    const b = await newBucket(s3, { prefix: 'ssedef' });
    const none = await s3Error(s3.send(new GetBucketEncryptionCommand({ Bucket: b })));
    expect(none.name).toBe('ServerSideEncryptionConfigurationNotFoundError');
    expect(none.$metadata.httpStatusCode).toBe(404);
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: b,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'photos' }, BucketKeyEnabled: true }],
        },
      }),
    );
    const got = await s3.send(new GetBucketEncryptionCommand({ Bucket: b }));
    expect(got.ServerSideEncryptionConfiguration?.Rules?.[0]).toMatchObject({
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'photos' },
      BucketKeyEnabled: true,
    });
    const p = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'a' }));
    expectMode(p, 'SSE-KMS');
    expect(p.BucketKeyEnabled).toBe(true);
    // The request's own encryption wins.
    expectMode(await s3.send(new PutObjectCommand({ Bucket: b, Key: 's3', Body: 'a', ServerSideEncryption: 'AES256' })), 'SSE-S3');
    expectMode(await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'b', CopySource: `${b}/a` })), 'SSE-KMS');
    const init = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
    expectMode(init, 'SSE-KMS');
    const post = await createPresignedPost(s3, { Bucket: b, Key: 'form' });
    const form = new FormData();
    for (const [k, v] of Object.entries(post.fields)) form.append(k, v);
    form.append('file', new Blob(['f']), 'form');
    expect((await fetch(post.url, { method: 'POST', body: form })).status).toBe(204);
    expectMode(await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'form' })), 'SSE-KMS');
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: b }));
    expectMode(await s3.send(new PutObjectCommand({ Bucket: b, Key: 'c', Body: 'c' })), 'none');
    // Objects written under the default stay encrypted.
    expectMode(await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'a' })), 'SSE-KMS');
  });

  it('a malformed configuration is refused', async () => {
    const b = await newBucket(s3, { prefix: 'ssedef' });
    await expectS3Error(
      s3.send(
        new PutBucketEncryptionCommand({
          Bucket: b,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: 'photos' } }] },
        }),
      ),
      'InvalidArgument',
      400,
    );
  });
});

describe('condition keys', () => {
  it('a policy can require SSE-KMS with a given key (s3:x-amz-server-side-encryption, -aws-kms-key-id)', async () => {
    const b = await newBucket(s3, { prefix: 'ssepol' });
    const iam = iamClient(ts);
    const u = await createUser(ts, iam, `sse-${Date.now().toString(36)}`, {
      inline: doc(
        { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*` },
        {
          Effect: 'Deny',
          Action: 's3:PutObject',
          Resource: `arn:aws:s3:::${b}/*`,
          Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
        },
        { Effect: 'Deny', Action: 's3:PutObject', Resource: `arn:aws:s3:::${b}/*`, Condition: { Null: { 's3:x-amz-server-side-encryption': 'true' } } },
        {
          Effect: 'Deny',
          Action: 's3:PutObject',
          Resource: `arn:aws:s3:::${b}/*`,
          Condition: { StringNotLikeIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': '*photos' } },
        },
      ),
    });
    try {
      await u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'ok', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'photos' }));
      await expectS3Error(u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'x' })), 'AccessDenied', 403);
      await expectS3Error(u.s3.send(new PutObjectCommand({ Bucket: b, Key: 's3', Body: 'x', ServerSideEncryption: 'AES256' })), 'AccessDenied', 403);
      await expectS3Error(
        u.s3.send(new PutObjectCommand({ Bucket: b, Key: 'other', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'soon-off' })),
        'AccessDenied',
        403,
      );
      await expectS3Error(u.s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' })), 'AccessDenied', 403);
    } finally {
      destroyClients(ts);
    }
  });
});

describe('cairn kms', () => {
  it('create-key, list, rotate-master, disable-key against a running server; old objects stay readable', async () => {
    const b = await newBucket(s3, { prefix: 'ssecli' });
    const before = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'old', Body: 'old', ServerSideEncryption: 'AES256' }));
    expect(before.ServerSideEncryption).toBe('AES256');
    const created = await cairn(ts.dataDir, ['kms', 'create-key', 'backups']);
    expect(created).toMatchObject({ code: 0, stdout: 'created key backups\n' });
    expect((await cairn(ts.dataDir, ['kms', 'create-key', 'backups'])).code).toBe(1);
    const rotated = await cairn(ts.dataDir, ['kms', 'rotate-master']);
    expect(rotated.stdout).toMatch(/master key version (\d+) is now current/);
    await new Promise((r) => setTimeout(r, 600));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'new', Body: 'new', ServerSideEncryption: 'AES256' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'kms', Body: 'kms', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'backups' }));
    const list = JSON.parse((await cairn(ts.dataDir, ['kms', 'list', '--json'])).stdout) as { masters: unknown[]; keys: Array<{ id: string }> };
    expect(list.masters.length).toBeGreaterThanOrEqual(2);
    expect(list.keys.map((k) => k.id)).toContain('backups');
    expect(readFileSync(join(ts.dataDir, 'keys', 'keyring.json'), 'utf8')).not.toContain('"old"');
    expect(statSync(join(ts.dataDir, 'keys', 'keyring.json')).mode & 0o777).toBe(0o600);
    for (const k of ['old', 'new', 'kms']) expect((await body(await s3.send(new GetObjectCommand({ Bucket: b, Key: k })))).toString()).toBe(k);
    expect((await cairn(ts.dataDir, ['kms', 'disable-key', 'backups'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 600));
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'kms' })), 'KMS.DisabledException', 400);
    expect((await cairn(ts.dataDir, ['kms', 'enable-key', 'backups'])).code).toBe(0);
  });
});

describe('at rest', () => {
  it('no blob file holds the plaintext marker', () => {
    let encrypted = 0;
    for (const f of blobFiles(join(ts.dataDir, 'blobs'))) {
      const bytes = readFileSync(f);
      if (bytes.subarray(0, 4).toString('latin1') === 'CSE1') {
        encrypted++;
        expect(bytes.includes(MARKER), f).toBe(false);
      }
    }
    expect(encrypted).toBeGreaterThan(20);
    // Plaintext objects (mode 'none') were written with the marker too: the search finds it there.
    expect(blobFiles(join(ts.dataDir, 'blobs')).some((f) => readFileSync(f).includes(MARKER))).toBe(true);
  });

  it('a flipped bit on disk is an error, never wrong bytes', async () => {
    const b = await newBucket(s3, { prefix: 'ssetamper' });
    const data = payload(1000);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 't', Body: data, ServerSideEncryption: 'AES256' }));
    const rec = ts.ctx.services.objects.current(ts.ctx.services.buckets.get(b)!, 't')!;
    const path = ts.ctx.blobs.pathOf(rec.blobId);
    const bytes = readFileSync(path);
    bytes[100] = bytes[100]! ^ 1;
    writeFileSync(path, bytes);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 't' })), 'InternalError', 500);
  });
});

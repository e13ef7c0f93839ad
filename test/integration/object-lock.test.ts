/**
 * Object Lock through @aws-sdk/client-s3, with the server's injected clock:
 * retention dates pass by moving `ts.now.offsetMs`, never by sleeping. The
 * SDK clients sign with the same offset (a build-step middleware sets their
 * systemClockOffset before each request), so the server's skew check holds.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  S3Client,
  UploadPartCommand,
  type ObjectLockRetentionMode,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawRequest } from '../helpers/signing.js';
import { s3Error } from '../helpers/s3.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let ts: TestServer;
let s3: S3Client;

/** A client that signs with the server's (moved) clock. */
function clocked(c: S3Client): S3Client {
  c.middlewareStack.add(
    (next) => (args) => {
      (c.config as unknown as { systemClockOffset: number }).systemClockOffset = ts.now.offsetMs;
      return next(args);
    },
    { step: 'build', name: 'cairnTestClock' },
  );
  return c;
}

beforeAll(async () => {
  ts = await startTestServer();
  s3 = clocked(ts.client());
});
afterAll(async () => ts?.stop());

/** The server's now. */
const serverNow = () => Date.now() + ts.now.offsetMs;
/** Moves the server clock forward (tests only ever move it forward). */
const advance = (ms: number) => {
  ts.now.offsetMs += ms;
};
/** A date `ms` after the server's now, in whole seconds (as the headers carry it). */
const fromNow = (ms: number) => new Date(Math.floor((serverNow() + ms) / 1000) * 1000);

/** A raw signed request dated by the server's clock. */
const raw = (method: string, path: string, opts: { headers?: Record<string, string>; body?: string } = {}) =>
  rawRequest(ts.url, method, path, { ...opts, date: new Date(serverNow()) });

async function expectCode(p: Promise<unknown>, code: string, status: number): Promise<void> {
  const e = await s3Error(p);
  expect(e.name).toBe(code);
  expect(e.$metadata.httpStatusCode).toBe(status);
}

/** Files left in the data dir's temp area (tests here run one at a time, so none should be in flight). */
const tempFiles = () => readdirSync(join(ts.dataDir, 'tmp'));

const md5b64 = (s: string) => createHash('md5').update(s).digest('base64');
const sha256b64 = (s: string) => createHash('sha256').update(s).digest('base64');

let n = 0;
async function lockBucket(client = s3): Promise<string> {
  const name = `lock-${Date.now().toString(36)}-${n++}`;
  await client.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }));
  return name;
}
async function plainBucket(versioning?: 'Enabled'): Promise<string> {
  const name = `nolock-${Date.now().toString(36)}-${n++}`;
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  if (versioning) await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: versioning } }));
  return name;
}

async function putLocked(bucket: string, key: string, mode: ObjectLockRetentionMode, until: Date, client = s3): Promise<string> {
  const out = await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${key} ${mode}`, ObjectLockMode: mode, ObjectLockRetainUntilDate: until }),
  );
  return out.VersionId!;
}

// ---------------------------------------------------------------- buckets

describe('Object Lock buckets', () => {
  it('CreateBucket with x-amz-bucket-object-lock-enabled turns versioning on; it cannot be suspended (InvalidBucketState)', async () => {
    const b = await lockBucket();
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Enabled');
    await expectCode(s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } })), 'InvalidBucketState', 409);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: b }))).Status).toBe('Enabled');
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    const cfg = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }));
    expect(cfg.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
    // Writes get version ids; without retention or hold, no lock headers.
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v' }));
    expect(put.VersionId).toBeTruthy();
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'k' }));
    expect(head.ObjectLockMode).toBeUndefined();
    expect(head.ObjectLockLegalHoldStatus).toBeUndefined();
    // ... and are deletable by version id.
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: put.VersionId }));
  });

  it('a raw CreateBucket with the header (true, any case) makes a lock bucket; "false" does not', async () => {
    const on = `lock-raw-${Date.now().toString(36)}`;
    expect((await raw('PUT', `/${on}`, { headers: { 'x-amz-bucket-object-lock-enabled': 'True' } })).status).toBe(200);
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: on }))).ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    const off = `nolock-raw-${Date.now().toString(36)}`;
    expect((await raw('PUT', `/${off}`, { headers: { 'x-amz-bucket-object-lock-enabled': 'false' } })).status).toBe(200);
    await expectCode(s3.send(new GetObjectLockConfigurationCommand({ Bucket: off })), 'ObjectLockConfigurationNotFoundError', 404);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: off }))).Status).toBeUndefined();
  });

  it('a bucket without Object Lock: ObjectLockConfigurationNotFoundError, InvalidRequest for every lock operation and header', async () => {
    const b = await plainBucket('Enabled');
    const v = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v' }))).VersionId!;
    await expectCode(s3.send(new GetObjectLockConfigurationCommand({ Bucket: b })), 'ObjectLockConfigurationNotFoundError', 404);
    const until = fromNow(HOUR);
    await expectCode(
      s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until } })),
      'InvalidRequest',
      400,
    );
    await expectCode(s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k' })), 'InvalidRequest', 400);
    await expectCode(s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k', VersionId: v })), 'InvalidRequest', 400);
    await expectCode(s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', LegalHold: { Status: 'ON' } })), 'InvalidRequest', 400);
    await expectCode(s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k' })), 'InvalidRequest', 400);
    await expectCode(
      s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until })),
      'InvalidRequest',
      400,
    );
    await expectCode(s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x', ObjectLockLegalHoldStatus: 'ON' })), 'InvalidRequest', 400);
    await expectCode(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'x', CopySource: `${b}/k`, ObjectLockLegalHoldStatus: 'ON' })), 'InvalidRequest', 400);
    await expectCode(
      s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'x', ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until })),
      'InvalidRequest',
      400,
    );
    // Nothing was written by the refused requests, not even a temp file.
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: b }))).Versions?.map((x) => x.Key)).toEqual(['k']);
    expect(tempFiles()).toEqual([]);
    // An unversioned bucket cannot take a lock configuration.
    const u = await plainBucket();
    await expectCode(
      s3.send(new PutObjectLockConfigurationCommand({ Bucket: u, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } })),
      'InvalidBucketState',
      409,
    );
    await expectCode(s3.send(new GetObjectLockConfigurationCommand({ Bucket: u })), 'ObjectLockConfigurationNotFoundError', 404);
    await expectCode(s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'no-such-lock-bucket' })), 'NoSuchBucket', 404);
  });

  it('PutObjectLockConfiguration on a versioned bucket enables Object Lock (then versioning cannot be suspended)', async () => {
    const b = await plainBucket('Enabled');
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: b, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }))).ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
    await expectCode(s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Suspended' } })), 'InvalidBucketState', 409);
  });
});

// ---------------------------------------------------------------- configuration

describe('Put/GetObjectLockConfiguration', () => {
  it('a default retention in GOVERNANCE or COMPLIANCE, by Days or Years; no Rule removes it', async () => {
    const b = await lockBucket();
    for (const rule of [
      { Mode: 'GOVERNANCE', Days: 1 },
      { Mode: 'COMPLIANCE', Years: 2 },
      { Mode: 'COMPLIANCE', Days: 36500 },
      { Mode: 'GOVERNANCE', Years: 1 },
    ] as const) {
      await s3.send(
        new PutObjectLockConfigurationCommand({ Bucket: b, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: rule } } }),
      );
      const got = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }));
      expect(got.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: rule } });
    }
    await s3.send(new PutObjectLockConfigurationCommand({ Bucket: b, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }))).ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
  });

  it('MalformedXML for Days and Years together, neither, a bad Mode, no ObjectLockEnabled; InvalidArgument for a period of 0', async () => {
    const b = await lockBucket();
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: b,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 3 } } },
      }),
    );
    const bad: Array<[unknown, string]> = [
      [{ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1, Years: 1 } } }, 'MalformedXML'],
      [{ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE' } } }, 'MalformedXML'],
      [{ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'FOREVER', Days: 1 } } }, 'MalformedXML'],
      [{ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Days: 1 } } }, 'MalformedXML'],
      [{ Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } }, 'MalformedXML'],
      [{ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 0 } } }, 'InvalidArgument'],
      [{ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: -1 } } }, 'InvalidArgument'],
    ];
    for (const [cfg, code] of bad) {
      const e = await s3Error(s3.send(new PutObjectLockConfigurationCommand({ Bucket: b, ObjectLockConfiguration: cfg as never })));
      expect(e.name, JSON.stringify(cfg)).toBe(code);
      expect(e.$metadata.httpStatusCode).toBe(400);
    }
    // Bodies that are not the document at all.
    for (const body of ['not xml', '<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>', '<LockConfiguration/>']) {
      const r = await raw('PUT', `/${b}?object-lock`, { body, headers: { 'content-md5': md5b64(body) } });
      expect(r.status, body).toBe(400);
      expect(r.text, body).toContain('<Code>MalformedXML</Code>');
    }
    // The configuration in place is unchanged.
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }))).ObjectLockConfiguration?.Rule?.DefaultRetention).toEqual({
      Mode: 'GOVERNANCE',
      Days: 3,
    });
  });

  it('the configuration, retention and legal-hold PUTs need Content-MD5 or an x-amz-checksum-* header', async () => {
    const b = await lockBucket();
    const v = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v' }))).VersionId!;
    const cfg =
      '<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>2</Days></DefaultRetention></Rule></ObjectLockConfiguration>';
    const retention = `<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>GOVERNANCE</Mode><RetainUntilDate>${fromNow(HOUR).toISOString()}</RetainUntilDate></Retention>`;
    const hold = '<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>ON</Status></LegalHold>';
    for (const [path, body] of [
      [`/${b}?object-lock`, cfg],
      [`/${b}/k?retention`, retention],
      [`/${b}/k?legal-hold&versionId=${v}`, hold],
    ] as const) {
      const missing = await raw('PUT', path, { body });
      expect(missing.status, path).toBe(400);
      expect(missing.text, path).toContain('<Code>InvalidRequest</Code>');
      const wrong = await raw('PUT', path, { body, headers: { 'content-md5': md5b64(`${body} `) } });
      expect(wrong.status, path).toBe(400);
      expect(wrong.text, path).toContain('<Code>BadDigest</Code>');
      const wrongSum = await raw('PUT', path, { body, headers: { 'x-amz-checksum-sha256': sha256b64(`${body} `) } });
      expect(wrongSum.status, path).toBe(400);
      expect(wrongSum.text, path).toContain('<Code>BadDigest</Code>');
    }
    // Nothing changed.
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }))).ObjectLockConfiguration?.Rule).toBeUndefined();
    await expectCode(s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k' })), 'NoSuchObjectLockConfiguration', 404);
    await expectCode(s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k' })), 'NoSuchObjectLockConfiguration', 404);
    // With Content-MD5, or with a checksum header, each is accepted.
    expect((await raw('PUT', `/${b}?object-lock`, { body: cfg, headers: { 'content-md5': md5b64(cfg) } })).status).toBe(200);
    expect((await raw('PUT', `/${b}/k?retention`, { body: retention, headers: { 'x-amz-checksum-sha256': sha256b64(retention) } })).status).toBe(200);
    const held = await raw('PUT', `/${b}/k?legal-hold&versionId=${v}`, { body: hold, headers: { 'content-md5': md5b64(hold) } });
    expect(held.status, held.text).toBe(200);
    expect((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: b }))).ObjectLockConfiguration?.Rule?.DefaultRetention).toEqual({
      Mode: 'GOVERNANCE',
      Days: 2,
    });
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k' }))).Retention?.Mode).toBe('GOVERNANCE');
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k' }))).LegalHold?.Status).toBe('ON');
    // A PutObject with lock headers needs an integrity header too.
    const lockedPut = await raw('PUT', `/${b}/raw`, {
      body: 'data',
      headers: { 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': fromNow(HOUR).toISOString() },
    });
    expect(lockedPut.status).toBe(400);
    expect(lockedPut.text).toContain('<Code>InvalidRequest</Code>');
    const lockedPutMd5 = await raw('PUT', `/${b}/raw`, {
      body: 'data',
      headers: { 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': fromNow(HOUR).toISOString(), 'content-md5': md5b64('data') },
    });
    expect(lockedPutMd5.status, lockedPutMd5.text).toBe(200);
    // Clean up the hold so nothing outlives the test by accident.
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v, LegalHold: { Status: 'OFF' } }));
  });
});

// ---------------------------------------------------------------- retention

describe('retention', () => {
  it('the default retention applies to PutObject, CopyObject and multipart; deletion by id waits for the date', async () => {
    const b = await lockBucket();
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: b,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
      }),
    );
    const t0 = serverNow();
    const v = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'doc', Body: 'one' }))).VersionId!;
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'doc' }));
    expect(head.ObjectLockMode).toBe('GOVERNANCE');
    const until = head.ObjectLockRetainUntilDate!.getTime();
    expect(until).toBeGreaterThanOrEqual(t0 + DAY - 2000);
    expect(until).toBeLessThanOrEqual(serverNow() + DAY + 2000);
    const r = await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'doc', VersionId: v }));
    expect(r.Retention?.Mode).toBe('GOVERNANCE');
    expect(r.Retention?.RetainUntilDate?.getTime()).toBe(until);
    // GET shows the lock too.
    const g = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc' }));
    expect(g.ObjectLockMode).toBe('GOVERNANCE');
    await g.Body?.transformToString();

    const copy = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'copy', CopySource: `${b}/doc` }));
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'copy', VersionId: copy.VersionId }))).Retention?.Mode).toBe('GOVERNANCE');
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mpu' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mpu', UploadId: up.UploadId, PartNumber: 1, Body: 'part' }));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'mpu',
        UploadId: up.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
      }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'mpu', VersionId: done.VersionId }))).ObjectLockMode).toBe('GOVERNANCE');

    // Locked: 403 AccessDenied by version id (DeleteObject and DeleteObjects).
    await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'doc', VersionId: v })), 'AccessDenied', 403);
    const many = await s3.send(
      new DeleteObjectsCommand({
        Bucket: b,
        Delete: {
          Objects: [
            { Key: 'doc', VersionId: v },
            { Key: 'copy', VersionId: copy.VersionId },
            { Key: 'mpu', VersionId: done.VersionId },
          ],
        },
      }),
    );
    expect(many.Deleted ?? []).toEqual([]);
    expect(many.Errors?.map((e) => [e.Key, e.Code])).toEqual([
      ['doc', 'AccessDenied'],
      ['copy', 'AccessDenied'],
      ['mpu', 'AccessDenied'],
    ]);
    // Without a version id: a delete marker, the locked version stays.
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'doc' }));
    expect(marker.DeleteMarker).toBe(true);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc', VersionId: v }))).Body?.transformToString()).toBe('one');
    // The delete marker itself is not locked.
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'doc', VersionId: marker.VersionId }));

    // Just before the date: still locked. Just after: deletable.
    advance(until - serverNow() - 60_000);
    await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'doc', VersionId: v })), 'AccessDenied', 403);
    advance(2 * 60_000);
    const del = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'doc', VersionId: v }));
    expect(del.VersionId).toBe(v);
    await expectCode(s3.send(new GetObjectCommand({ Bucket: b, Key: 'doc', VersionId: v })), 'NoSuchVersion', 404);
    const after = await s3.send(
      new DeleteObjectsCommand({
        Bucket: b,
        Delete: {
          Objects: [
            { Key: 'copy', VersionId: copy.VersionId },
            { Key: 'mpu', VersionId: done.VersionId },
          ],
        },
      }),
    );
    expect(after.Errors ?? []).toEqual([]);
    expect(after.Deleted?.map((d) => d.Key)).toEqual(['copy', 'mpu']);
  });

  it('a default in Years counts 365-day years; explicit headers override the default', async () => {
    const b = await lockBucket();
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: b,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 1 } } },
      }),
    );
    const t0 = serverNow();
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'y', Body: 'y' }));
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'y' }));
    expect(h.ObjectLockMode).toBe('COMPLIANCE');
    expect(Math.abs(h.ObjectLockRetainUntilDate!.getTime() - (t0 + 365 * DAY))).toBeLessThan(5000);
    const until = fromNow(HOUR);
    const v = await putLocked(b, 'explicit', 'GOVERNANCE', until);
    const r = await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'explicit', VersionId: v }));
    expect(r.Retention).toEqual({ Mode: 'GOVERNANCE', RetainUntilDate: until });
  });

  it('COMPLIANCE: never shortened, changed or removed, not even with the bypass header; extended, yes; deletable once the date passes', async () => {
    const b = await lockBucket();
    const until = fromNow(2 * HOUR);
    const v = await putLocked(b, 'c', 'COMPLIANCE', until);
    const got = await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'c' }));
    expect(got.Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: until });
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'c' }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    expect(head.ObjectLockRetainUntilDate?.getTime()).toBe(until.getTime());

    const shorter = fromNow(HOUR);
    for (const bypass of [false, true]) {
      await expectCode(
        s3.send(
          new PutObjectRetentionCommand({
            Bucket: b,
            Key: 'c',
            VersionId: v,
            BypassGovernanceRetention: bypass,
            Retention: { Mode: 'COMPLIANCE', RetainUntilDate: shorter },
          }),
        ),
        'AccessDenied',
        403,
      );
      await expectCode(
        s3.send(
          new PutObjectRetentionCommand({
            Bucket: b,
            Key: 'c',
            VersionId: v,
            BypassGovernanceRetention: bypass,
            Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until },
          }),
        ),
        'AccessDenied',
        403,
      );
      await expectCode(
        s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'c', VersionId: v, BypassGovernanceRetention: bypass, Retention: {} })),
        'AccessDenied',
        403,
      );
      await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'c', VersionId: v, BypassGovernanceRetention: bypass })), 'AccessDenied', 403);
    }
    const many = await s3.send(new DeleteObjectsCommand({ Bucket: b, BypassGovernanceRetention: true, Delete: { Objects: [{ Key: 'c', VersionId: v }] } }));
    expect(many.Errors?.map((e) => [e.Key, e.VersionId, e.Code])).toEqual([['c', v, 'AccessDenied']]);
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'c' }))).Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: until });

    // Extending is allowed.
    const longer = fromNow(3 * HOUR);
    await s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'c', VersionId: v, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: longer } }));
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'c' }))).Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: longer });

    // DeleteObject without a version id still adds a delete marker.
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'c' }));
    expect(marker.DeleteMarker).toBe(true);
    await expectCode(s3.send(new GetObjectCommand({ Bucket: b, Key: 'c' })), 'NoSuchKey', 404);

    // Past the original date but before the extended one: still locked.
    advance(until.getTime() - serverNow() + 60_000);
    await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'c', VersionId: v })), 'AccessDenied', 403);
    advance(longer.getTime() - serverNow() + 1000);
    const gone = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'c', VersionId: v }));
    // Signed with the moved clock: no RequestTimeTooSkewed and no retry.
    expect(gone.$metadata.attempts).toBe(1);
    const left = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(left.Versions ?? []).toEqual([]);
    expect(left.DeleteMarkers?.map((d) => d.VersionId)).toEqual([marker.VersionId]);
  });

  it('an expired retention may be set again or removed by anyone', async () => {
    const b = await lockBucket();
    const until = fromNow(HOUR);
    const v = await putLocked(b, 'e', 'COMPLIANCE', until);
    advance(HOUR + 1000);
    await s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'e', VersionId: v, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: fromNow(HOUR) } }));
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'e' }))).Retention?.Mode).toBe('GOVERNANCE');
  });

  it('GOVERNANCE: AccessDenied without the bypass header; the root user bypasses it to shorten, remove or delete', async () => {
    const b = await lockBucket();
    const until = fromNow(DAY);
    const v = await putLocked(b, 'g', 'GOVERNANCE', until);
    await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'g', VersionId: v })), 'AccessDenied', 403);
    const shorter = fromNow(HOUR);
    await expectCode(
      s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'g', VersionId: v, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: shorter } })),
      'AccessDenied',
      403,
    );
    await expectCode(s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'g', VersionId: v, Retention: {} })), 'AccessDenied', 403);
    // Extending needs no bypass.
    const longer = fromNow(2 * DAY);
    await s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'g', VersionId: v, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: longer } }));
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'g' }))).Retention?.RetainUntilDate).toEqual(longer);
    // With the bypass header (root): shorten, then remove.
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: b,
        Key: 'g',
        VersionId: v,
        BypassGovernanceRetention: true,
        Retention: { Mode: 'GOVERNANCE', RetainUntilDate: shorter },
      }),
    );
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'g' }))).Retention).toEqual({ Mode: 'GOVERNANCE', RetainUntilDate: shorter });
    await s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'g', VersionId: v, BypassGovernanceRetention: true, Retention: {} }));
    await expectCode(s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'g' })), 'NoSuchObjectLockConfiguration', 404);
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'g' }))).ObjectLockMode).toBeUndefined();
    // Deletion with the bypass header, by DeleteObject and by DeleteObjects.
    const v2 = await putLocked(b, 'g', 'GOVERNANCE', fromNow(DAY));
    const v3 = await putLocked(b, 'g', 'GOVERNANCE', fromNow(DAY));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'g', VersionId: v2, BypassGovernanceRetention: true }));
    const many = await s3.send(new DeleteObjectsCommand({ Bucket: b, BypassGovernanceRetention: true, Delete: { Objects: [{ Key: 'g', VersionId: v3 }] } }));
    expect(many.Errors ?? []).toEqual([]);
    expect(many.Deleted?.map((d) => d.VersionId)).toEqual([v3]);
    // A bypass header that is not "true" does not bypass.
    const v4 = await putLocked(b, 'g', 'GOVERNANCE', fromNow(DAY));
    const r = await raw('DELETE', `/${b}/g?versionId=${v4}`, { headers: { 'x-amz-bypass-governance-retention': 'yes' } });
    expect(r.status).toBe(403);
    expect(r.text).toContain('<Code>AccessDenied</Code>');
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: b }));
    expect(versions.Versions?.map((x) => x.VersionId)).toEqual([v4, v]);
    // GOVERNANCE → COMPLIANCE changes the mode: it needs the bypass too, and then holds for good.
    const v5 = await putLocked(b, 'g2', 'GOVERNANCE', fromNow(DAY));
    const same = fromNow(DAY);
    await expectCode(
      s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'g2', VersionId: v5, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: same } })),
      'AccessDenied',
      403,
    );
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: b,
        Key: 'g2',
        VersionId: v5,
        BypassGovernanceRetention: true,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: same },
      }),
    );
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'g2' }))).Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: same });
    await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'g2', VersionId: v5, BypassGovernanceRetention: true })), 'AccessDenied', 403);
  });

  it('governance bypass is the s3:BypassGovernanceRetention permission: an IAM user needs a policy that grants it', async () => {
    const made = ts.ctx.accounts.create('locker', { accessKey: 'AKIALOCKER0000000001', secretKey: 'locker-secret-000000000000000000000001' });
    if (typeof made === 'string') throw new Error(made);
    const iam = ts.ctx.services.iam;
    const account = made.account;
    await iam.createUser(account, 'worker');
    const everything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::nothing' }] };
    const noBypass = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: 's3:BypassGovernanceRetention', Resource: '*' }] };
    await iam.putInlinePolicy(account, 'user', 'worker', 'all-but-bypass', JSON.stringify(noBypass));
    const key = await iam.createAccessKey(account, 'worker');
    const owner = clocked(ts.client({ credentials: { accessKeyId: 'AKIALOCKER0000000001', secretAccessKey: 'locker-secret-000000000000000000000001' } }));
    const user = clocked(ts.client({ credentials: { accessKeyId: key.key.accessKey, secretAccessKey: key.secret } }));
    const b = await lockBucket(user);
    const v = await putLocked(b, 'u', 'GOVERNANCE', fromNow(DAY), user);
    await expectCode(user.send(new DeleteObjectCommand({ Bucket: b, Key: 'u', VersionId: v })), 'AccessDenied', 403);
    await expectCode(user.send(new DeleteObjectCommand({ Bucket: b, Key: 'u', VersionId: v, BypassGovernanceRetention: true })), 'AccessDenied', 403);
    await expectCode(
      user.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'u', VersionId: v, BypassGovernanceRetention: true, Retention: {} })),
      'AccessDenied',
      403,
    );
    const many = await user.send(new DeleteObjectsCommand({ Bucket: b, BypassGovernanceRetention: true, Delete: { Objects: [{ Key: 'u', VersionId: v }] } }));
    expect(many.Errors?.map((e) => e.Code)).toEqual(['AccessDenied']);
    // The user may still extend it, and add delete markers.
    await user.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'u', VersionId: v, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: fromNow(2 * DAY) } }));
    expect((await user.send(new DeleteObjectCommand({ Bucket: b, Key: 'u' }))).DeleteMarker).toBe(true);
    // Granted, it bypasses (the next request sees the policy change).
    const v2 = await putLocked(b, 'w', 'GOVERNANCE', fromNow(DAY), user);
    await iam.putInlinePolicy(account, 'user', 'worker', 'all-but-bypass', JSON.stringify(everything));
    await user.send(new DeleteObjectCommand({ Bucket: b, Key: 'w', VersionId: v2, BypassGovernanceRetention: true }));
    // The bucket owner's root has the permission without a policy; another account's root has none.
    await owner.send(new DeleteObjectCommand({ Bucket: b, Key: 'u', VersionId: v, BypassGovernanceRetention: true }));
    const v3 = await putLocked(b, 'x', 'GOVERNANCE', fromNow(DAY), user);
    ts.ctx.accounts.create('stranger', { accessKey: 'AKIASTRANGER00000001', secretKey: 'stranger-secret-00000000000000000001' });
    const stranger = clocked(ts.client({ credentials: { accessKeyId: 'AKIASTRANGER00000001', secretAccessKey: 'stranger-secret-00000000000000000001' } }));
    await expectCode(stranger.send(new DeleteObjectCommand({ Bucket: b, Key: 'x', VersionId: v3, BypassGovernanceRetention: true })), 'AccessDenied', 403);
    // The instance administrator may manage every bucket.
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'x', VersionId: v3, BypassGovernanceRetention: true }));
  });

  it('per-object retention and legal hold headers on PutObject, CopyObject and CreateMultipartUpload', async () => {
    const b = await lockBucket();
    const until = fromNow(6 * HOUR);
    const src = await s3.send(
      new PutObjectCommand({
        Bucket: b,
        Key: 'src',
        Body: 'source',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until,
        ObjectLockLegalHoldStatus: 'ON',
      }),
    );
    const h = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'src' }));
    expect([h.ObjectLockMode, h.ObjectLockRetainUntilDate?.getTime(), h.ObjectLockLegalHoldStatus]).toEqual(['COMPLIANCE', until.getTime(), 'ON']);

    // A copy does not inherit the source's lock; it takes its own headers.
    const plain = await s3.send(new CopyObjectCommand({ Bucket: b, Key: 'plain-copy', CopySource: `${b}/src` }));
    const ph = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'plain-copy', VersionId: plain.VersionId }));
    expect([ph.ObjectLockMode, ph.ObjectLockLegalHoldStatus]).toEqual([undefined, undefined]);
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'plain-copy', VersionId: plain.VersionId }));
    const until2 = fromNow(2 * HOUR);
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: b,
        Key: 'copy',
        CopySource: `${b}/src?versionId=${src.VersionId}`,
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: until2,
        ObjectLockLegalHoldStatus: 'ON',
      }),
    );
    const ch = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'copy', VersionId: copy.VersionId }));
    expect([ch.ObjectLockMode, ch.ObjectLockRetainUntilDate?.getTime(), ch.ObjectLockLegalHoldStatus]).toEqual(['GOVERNANCE', until2.getTime(), 'ON']);

    const until3 = fromNow(3 * HOUR);
    const up = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: b,
        Key: 'mpu',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: until3,
        ObjectLockLegalHoldStatus: 'OFF',
      }),
    );
    const part = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mpu', UploadId: up.UploadId, PartNumber: 1, Body: 'mpu body' }));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: b,
        Key: 'mpu',
        UploadId: up.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 }] },
      }),
    );
    const mr = await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'mpu', VersionId: done.VersionId }));
    expect(mr.Retention).toEqual({ Mode: 'COMPLIANCE', RetainUntilDate: until3 });
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'mpu' }))).LegalHold?.Status).toBe('OFF');
    await expectCode(
      s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'mpu', VersionId: done.VersionId, BypassGovernanceRetention: true })),
      'AccessDenied',
      403,
    );

    // Bad lock headers.
    const later = fromNow(HOUR);
    await expectCode(s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x', ObjectLockMode: 'GOVERNANCE' })), 'InvalidArgument', 400);
    await expectCode(s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x', ObjectLockRetainUntilDate: later })), 'InvalidArgument', 400);
    await expectCode(
      s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x', ObjectLockMode: 'FOREVER' as never, ObjectLockRetainUntilDate: later })),
      'InvalidArgument',
      400,
    );
    await expectCode(
      s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: fromNow(-HOUR) })),
      'InvalidArgument',
      400,
    );
    await expectCode(s3.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x', ObjectLockLegalHoldStatus: 'MAYBE' as never })), 'InvalidArgument', 400);
    await expectCode(s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'x', ObjectLockMode: 'GOVERNANCE' })), 'InvalidArgument', 400);
    await expectCode(s3.send(new CopyObjectCommand({ Bucket: b, Key: 'x', CopySource: `${b}/src`, ObjectLockRetainUntilDate: later })), 'InvalidArgument', 400);
    const bad = await raw('PUT', `/${b}/x`, {
      body: 'x',
      headers: { 'x-amz-object-lock-mode': 'GOVERNANCE', 'x-amz-object-lock-retain-until-date': 'next tuesday', 'content-md5': md5b64('x') },
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Code>InvalidArgument</Code>');
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: 'x' }))).Versions ?? []).toEqual([]);
    expect(tempFiles()).toEqual([]);

    // Release the holds so the versions can expire.
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'src', LegalHold: { Status: 'OFF' } }));
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'copy', LegalHold: { Status: 'OFF' } }));
  });

  it('PutObjectRetention: MalformedXML for a mode without a date or an unknown mode; InvalidArgument for a date in the past; NoSuchKey, NoSuchVersion, delete markers', async () => {
    const b = await lockBucket();
    const v = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'v' }))).VersionId!;
    await expectCode(s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'k', Retention: { Mode: 'GOVERNANCE' } })), 'MalformedXML', 400);
    await expectCode(s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'k', Retention: { RetainUntilDate: fromNow(HOUR) } })), 'MalformedXML', 400);
    await expectCode(
      s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'k', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: fromNow(-1000) } })),
      'InvalidArgument',
      400,
    );
    await expectCode(
      s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'k', Retention: { Mode: 'SOMETIMES' as never, RetainUntilDate: fromNow(HOUR) } })),
      'MalformedXML',
      400,
    );
    await expectCode(s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k' })), 'NoSuchObjectLockConfiguration', 404);
    await expectCode(s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'missing' })), 'NoSuchKey', 404);
    const other = v.slice(0, -1) + (v.endsWith('0') ? '1' : '0');
    await expectCode(s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k', VersionId: other })), 'NoSuchVersion', 404);
    await expectCode(s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: other, LegalHold: { Status: 'ON' } })), 'NoSuchVersion', 404);
    // The latest version is a delete marker: 405 for retention and legal hold.
    const m = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k' }));
    await expectCode(s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k' })), 'MethodNotAllowed', 405);
    await expectCode(
      s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: m.VersionId, LegalHold: { Status: 'ON' } })),
      'MethodNotAllowed',
      405,
    );
    // The version behind it is still addressable by id.
    await s3.send(new PutObjectRetentionCommand({ Bucket: b, Key: 'k', VersionId: v, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: fromNow(HOUR) } }));
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'k', VersionId: v }))).Retention?.Mode).toBe('GOVERNANCE');
  });
});

// ---------------------------------------------------------------- legal hold

describe('legal hold', () => {
  it('blocks deletion by version id whatever the retention, even with the bypass header, until it is turned OFF', async () => {
    const b = await lockBucket();
    const v = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'h', Body: 'held', ObjectLockLegalHoldStatus: 'ON' }))).VersionId!;
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'h' }))).LegalHold).toEqual({ Status: 'ON' });
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'h' }))).ObjectLockLegalHoldStatus).toBe('ON');
    await expectCode(s3.send(new GetObjectRetentionCommand({ Bucket: b, Key: 'h' })), 'NoSuchObjectLockConfiguration', 404);
    await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'h', VersionId: v })), 'AccessDenied', 403);
    await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'h', VersionId: v, BypassGovernanceRetention: true })), 'AccessDenied', 403);
    const many = await s3.send(new DeleteObjectsCommand({ Bucket: b, BypassGovernanceRetention: true, Delete: { Objects: [{ Key: 'h', VersionId: v }] } }));
    expect(many.Errors?.map((e) => e.Code)).toEqual(['AccessDenied']);
    // A delete marker can still be added.
    expect((await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'h' }))).DeleteMarker).toBe(true);

    // GOVERNANCE retention + hold: the bypass header lifts the retention, not the hold.
    const g = await putLocked(b, 'hg', 'GOVERNANCE', fromNow(HOUR));
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'hg', VersionId: g, LegalHold: { Status: 'ON' } }));
    await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'hg', VersionId: g, BypassGovernanceRetention: true })), 'AccessDenied', 403);
    // Retention over, hold still ON: still blocked.
    advance(HOUR + 1000);
    await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'hg', VersionId: g })), 'AccessDenied', 403);
    // The hold can be lifted by anyone allowed PutObjectLegalHold, whatever the mode.
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'hg', VersionId: g, LegalHold: { Status: 'OFF' } }));
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'hg', VersionId: g }))).LegalHold?.Status).toBe('OFF');
    expect((await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'hg', VersionId: g }))).ObjectLockLegalHoldStatus).toBeUndefined();
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'hg', VersionId: g }));

    await s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'h', VersionId: v, LegalHold: { Status: 'OFF' } }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'h', VersionId: v }));
  });

  it('applies to one version: an older version can be held while the latest is not', async () => {
    const b = await lockBucket();
    const v1 = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: '1' }))).VersionId!;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: '2' }))).VersionId!;
    const out = await s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v1, LegalHold: { Status: 'ON' } }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    // Never set on the latest version: no legal hold to show (unlike one set OFF, below).
    await expectCode(s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k' })), 'NoSuchObjectLockConfiguration', 404);
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v1 }))).LegalHold?.Status).toBe('ON');
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v2, LegalHold: { Status: 'OFF' } }));
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v2 }))).LegalHold?.Status).toBe('OFF');
    // The x-amz-object-lock-legal-hold: OFF header counts as set too.
    const v3 = (await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: '3', ObjectLockLegalHoldStatus: 'OFF' }))).VersionId!;
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v3 }))).LegalHold?.Status).toBe('OFF');
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v3 }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v2 }));
    await expectCode(s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 })), 'AccessDenied', 403);
    // Bad statuses.
    await expectCode(
      s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v1, LegalHold: { Status: 'MAYBE' as never } })),
      'MalformedXML',
      400,
    );
    await expectCode(s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v1, LegalHold: {} })), 'MalformedXML', 400);
    expect((await s3.send(new GetObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v1 }))).LegalHold?.Status).toBe('ON');
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: b, Key: 'k', VersionId: v1, LegalHold: { Status: 'OFF' } }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'k', VersionId: v1 }));
  });
});

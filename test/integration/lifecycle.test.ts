import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type LifecycleRule,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client as Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger, startServer } from '../../src/main.js';
import type { OpEvent } from '../../src/s3/operation.js';
import { expectS3Error, newBucket, sleep } from '../helpers/s3.js';
import { ACCESS_KEY, SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';

/** Lifecycle: the configuration's validation, x-amz-expiration, and the worker applying 1-"day" rules (a day of 1 s). */
let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer({ lifecycleDaySeconds: 1, lifecycleIntervalSeconds: 1 });
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

const putRules = (Bucket: string, Rules: LifecycleRule[]) => s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }));

async function until(cond: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(250);
  }
  return cond();
}

async function versions(Bucket: string, Prefix: string) {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix }));
  return { versions: out.Versions ?? [], markers: out.DeleteMarkers ?? [] };
}

describe('Put/Get/DeleteBucketLifecycleConfiguration', () => {
  it('round-trips rules in the form they were put; no configuration is NoSuchLifecycleConfiguration', async () => {
    const b = await newBucket(s3, { prefix: 'lc' });
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b })), 'NoSuchLifecycleConfiguration', 404);
    const rules: LifecycleRule[] = [
      { ID: 'logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } },
      { ID: 'tagged', Status: 'Disabled', Filter: { Tag: { Key: 'tmp', Value: 'yes' } }, Expiration: { Date: new Date('2030-01-01T00:00:00Z') } },
      {
        ID: 'and',
        Status: 'Enabled',
        Filter: { And: { Prefix: 'a/', Tags: [{ Key: 'k', Value: 'v' }], ObjectSizeGreaterThan: 10, ObjectSizeLessThan: 1000 } },
        NoncurrentVersionExpiration: { NoncurrentDays: 5, NewerNoncurrentVersions: 2 },
      },
      {
        ID: 'uploads',
        Status: 'Enabled',
        Filter: {},
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        Expiration: { ExpiredObjectDeleteMarker: true },
      },
      { ID: 'legacy', Status: 'Enabled', Prefix: 'old/', Expiration: { Days: 1 } },
    ];
    await putRules(b, rules);
    const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b }));
    expect(got.Rules).toEqual([rules[0], rules[1], rules[2], { ...rules[3], Filter: {} }, rules[4]]);
    expect((await s3.send(new DeleteBucketLifecycleCommand({ Bucket: b }))).$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b })), 'NoSuchLifecycleConfiguration', 404);
  });

  it('validation errors as S3 answers them', async () => {
    const b = await newBucket(s3, { prefix: 'lc' });
    const bad: Array<[LifecycleRule[], string, RegExp?]> = [
      [[{ ID: 'x', Status: 'Enabled', Filter: { Prefix: '' } }], 'InvalidRequest', /At least one action/],
      [
        [{ ID: 'x', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 0 } }],
        'InvalidArgument',
        /'Days' for Expiration action must be a positive integer/,
      ],
      [[{ ID: 'x', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1, ExpiredObjectDeleteMarker: true } }], 'MalformedXML'],
      [[{ ID: 'x', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Date: new Date('2030-01-01T12:00:00Z') } }], 'InvalidArgument', /midnight/],
      [[{ ID: 'x', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 0 } }], 'InvalidArgument', /NoncurrentDays/],
      [
        [{ ID: 'x', Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 0 } }],
        'InvalidArgument',
        /DaysAfterInitiation/,
      ],
      [
        [{ ID: 'x', Status: 'Enabled', Filter: { Tag: { Key: 'a', Value: 'b' } }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
        'InvalidRequest',
        /Tags/,
      ],
      [
        [
          { ID: 'x', Status: 'Enabled', Filter: { Prefix: 'a' }, Expiration: { Days: 1 } },
          { ID: 'x', Status: 'Enabled', Filter: { Prefix: 'b' }, Expiration: { Days: 1 } },
        ],
        'InvalidArgument',
        /unique/,
      ],
      [[{ ID: 'i'.repeat(256), Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } }], 'InvalidArgument', /255/],
      [[{ ID: 'x', Status: 'Enabled', Filter: { ObjectSizeGreaterThan: 100, ObjectSizeLessThan: 50 } as never, Expiration: { Days: 1 } }], 'MalformedXML'],
      [[{ ID: 'x', Status: 'Enabled', Filter: { Prefix: '' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER' }] }], 'InvalidStorageClass'],
    ];
    for (const [rules, code, message] of bad) {
      const e = await expectS3Error(putRules(b, rules), code, 400);
      if (message) expect(e.message).toMatch(message);
    }
    await expectS3Error(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b })), 'NoSuchLifecycleConfiguration', 404);
  });
});

describe('the lifecycle worker (a "day" of 1 s)', () => {
  it('x-amz-expiration on PutObject, HeadObject, GetObject and CompleteMultipartUpload; an unversioned object is removed once due, others kept', async () => {
    const b = await newBucket(s3, { prefix: 'lcw' });
    await putRules(b, [{ ID: 'tmp-rule', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } }]);
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'tmp/a', Body: 'gone soon' }));
    expect(put.Expiration).toMatch(/^expiry-date="[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", rule-id="tmp-rule"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'tmp/a' }));
    expect(head.Expiration).toBe(put.Expiration);
    const get = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'tmp/a' }));
    expect(get.Expiration).toBe(put.Expiration);
    await get.Body!.transformToString();
    const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'tmp/mp' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: b, Key: 'tmp/mp', UploadId: mp.UploadId, PartNumber: 1, Body: 'part' }));
    const done = await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: b, Key: 'tmp/mp', UploadId: mp.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expect(done.Expiration).toMatch(/rule-id="tmp-rule"$/);
    const keep = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'keep/b', Body: 'stays' }));
    expect(keep.Expiration).toBeUndefined();
    const gone = await until(async () => (await versions(b, 'tmp/')).versions.length === 0);
    expect(gone).toBe(true);
    expect((await versions(b, 'keep/')).versions).toHaveLength(1);
  });

  it('versioned with Object Lock: current versions get a delete marker, noncurrent ones go (locked ones spared), expired markers and stale uploads go', async () => {
    const b = await newBucket(s3, { prefix: 'lcw', objectLock: true });
    // Data written before the rules: the worker finds it through the time indexes.
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'cur/x', Body: 'current' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'nc/y', Body: 'v1' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'nc/y', Body: 'v2' }));
    const until1h = new Date(Date.now() + 3600_000);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'nc/locked', Body: 'v1', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until1h }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'nc/locked', Body: 'v2' }));
    const dm = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'dm/z', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'dm/z' }));
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'dm/z', VersionId: dm.VersionId }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp/u' }));
    await s3.send(new UploadPartCommand({ Bucket: b, Key: 'mp/u', UploadId, PartNumber: 1, Body: 'part' }));
    await putRules(b, [
      { ID: 'cur', Status: 'Enabled', Filter: { Prefix: 'cur/' }, Expiration: { Days: 1 } },
      { ID: 'nc', Status: 'Enabled', Filter: { Prefix: 'nc/' }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
      { ID: 'dm', Status: 'Enabled', Filter: { Prefix: 'dm/' }, Expiration: { ExpiredObjectDeleteMarker: true } },
      { ID: 'mp', Status: 'Enabled', Filter: { Prefix: 'mp/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
    ]);
    const done = await until(async () => {
      const cur = await versions(b, 'cur/');
      const nc = await versions(b, 'nc/y');
      const d = await versions(b, 'dm/');
      const up = await s3.send(new ListMultipartUploadsCommand({ Bucket: b }));
      return cur.markers.length === 1 && nc.versions.length === 1 && d.markers.length === 0 && (up.Uploads ?? []).length === 0;
    });
    expect(done).toBe(true);
    const cur = await versions(b, 'cur/');
    expect(cur.versions).toHaveLength(1);
    expect(cur.markers[0]!.IsLatest).toBe(true);
    expect((await versions(b, 'nc/y')).versions[0]!.IsLatest).toBe(true);
    // The locked noncurrent version is kept (and its successor, current, too).
    const locked = await versions(b, 'nc/locked');
    expect(locked.versions).toHaveLength(2);
    // It was due, and is set aside to be tried again when its retention ends.
    const oldest = locked.versions.find((v) => !v.IsLatest)!;
    const heldRow = () =>
      ts.ctx.db.prepare('SELECT retry_at FROM lifecycle_held WHERE version_id = ?').get(oldest.VersionId) as { retry_at: number } | undefined;
    expect(await until(async () => heldRow() !== undefined)).toBe(true);
    expect(heldRow()!.retry_at).toBeGreaterThanOrEqual(until1h.getTime() - 1000);
  });

  it('NewerNoncurrentVersions keeps the newest noncurrent versions', async () => {
    const b = await newBucket(s3, { prefix: 'lcw', versioning: 'Enabled' });
    for (const body of ['1', '2', '3', '4']) await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: body }));
    await putRules(b, [{ ID: 'keep1', Status: 'Enabled', Filter: {}, NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 } }]);
    expect(await until(async () => (await versions(b, 'k')).versions.length === 2)).toBe(true);
    await sleep(2500);
    const left = (await versions(b, 'k')).versions;
    expect(left).toHaveLength(2);
    const bodies = await Promise.all(
      left.map(async (v) => (await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', VersionId: v.VersionId }))).Body!.transformToString()),
    );
    expect(bodies.sort()).toEqual(['3', '4']);
  });
});

describe('versions the cursors passed are judged again', () => {
  it('a version whose tags change to match a rule, and one that becomes current again, are expired', async () => {
    const b = await newBucket(s3, { prefix: 'lcr', versioning: 'Enabled' });
    await putRules(b, [
      { ID: 'tagged', Status: 'Enabled', Filter: { Tag: { Key: 'expire', Value: 'yes' } }, Expiration: { Days: 1 } },
      { ID: 'p', Status: 'Enabled', Filter: { Prefix: 'p/' }, Expiration: { Days: 1 } },
    ]);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 't', Body: 'x', Tagging: 'expire=no' }));
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'p/a', Body: 'x' }));
    const latestIsMarker = async (Prefix: string) => (await versions(b, Prefix)).markers.some((m) => m.IsLatest);
    expect(await until(async () => latestIsMarker('p/'))).toBe(true);
    // By now the cursor of rule "tagged" has passed t without a match.
    await sleep(1500);
    expect(await latestIsMarker('t')).toBe(false);
    await s3.send(new PutObjectTaggingCommand({ Bucket: b, Key: 't', Tagging: { TagSet: [{ Key: 'expire', Value: 'yes' }] } }));
    expect(await until(async () => latestIsMarker('t'))).toBe(true);
    // Deleting p/a's delete marker makes its old version current again: it is expired again.
    const marker = (await versions(b, 'p/')).markers.find((m) => m.IsLatest)!;
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'p/a', VersionId: marker.VersionId }));
    expect(await latestIsMarker('p/')).toBe(false);
    expect(await until(async () => latestIsMarker('p/'))).toBe(true);
  });
});

describe('lifecycle events and restarts', () => {
  it('expirations emit LifecycleExpiration events through the events hook', async () => {
    const events: OpEvent[] = [];
    const ctx = ts.ctx as { onEvents?: (e: readonly OpEvent[]) => void };
    ctx.onEvents = (e) => events.push(...e);
    try {
      const plain = await newBucket(s3, { prefix: 'lce' });
      const versioned = await newBucket(s3, { prefix: 'lce', versioning: 'Enabled' });
      await s3.send(new PutObjectCommand({ Bucket: plain, Key: 'a', Body: 'x' }));
      await s3.send(new PutObjectCommand({ Bucket: versioned, Key: 'b', Body: 'x' }));
      for (const b of [plain, versioned]) await putRules(b, [{ ID: 'all', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }]);
      const seen = () =>
        events.some((e) => e.name === 'LifecycleExpiration:Delete' && e.bucket === plain && e.key === 'a') &&
        events.some((e) => e.name === 'LifecycleExpiration:DeleteMarkerCreated' && e.bucket === versioned && e.key === 'b' && e.versionId);
      expect(await until(async () => seen())).toBe(true);
    } finally {
      ctx.onEvents = undefined;
    }
  });

  it('keeps its place in the database and resumes after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-lc-restart-'));
    const config = loadConfig(
      {},
      {
        host: '127.0.0.1',
        port: 0,
        dataDir,
        accessKey: ACCESS_KEY,
        secretKey: SECRET_KEY,
        logLevel: 'silent',
        fsync: false,
        lifecycleDaySeconds: 1,
        lifecycleIntervalSeconds: 1,
      },
    );
    const start = () => startServer(config, { print: () => undefined, logger: createLogger('silent') });
    let server = await start();
    const client = () =>
      new Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY } });
    try {
      let c = client();
      await c.send(new CreateBucketCommand({ Bucket: 'restart' }));
      await c.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: 'restart',
          LifecycleConfiguration: { Rules: [{ ID: 'r', Status: 'Enabled', Filter: {}, Expiration: { Days: 1 } }] },
        }),
      );
      await c.send(new PutObjectCommand({ Bucket: 'restart', Key: 'first', Body: 'x' }));
      const count = async () => ((await c.send(new ListObjectVersionsCommand({ Bucket: 'restart' }))).Versions ?? []).length;
      expect(await until(async () => (await count()) === 0)).toBe(true);
      const cursor = server.ctx.db.prepare("SELECT pos FROM lifecycle_cursors WHERE phase = 'current:r'").get() as { pos: number } | undefined;
      expect(cursor?.pos).toBeGreaterThan(0);
      c.destroy();
      await server.close();
      server = await start();
      c = client();
      const again = server.ctx.db.prepare("SELECT pos FROM lifecycle_cursors WHERE phase = 'current:r'").get() as { pos: number } | undefined;
      expect(again?.pos).toBe(cursor!.pos);
      await c.send(new PutObjectCommand({ Bucket: 'restart', Key: 'second', Body: 'x' }));
      expect(await until(async () => (await count()) === 0)).toBe(true);
      c.destroy();
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

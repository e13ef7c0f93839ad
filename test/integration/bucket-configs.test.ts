import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketAnalyticsConfigurationCommand,
  DeleteBucketIntelligentTieringConfigurationCommand,
  DeleteBucketInventoryConfigurationCommand,
  DeleteBucketMetricsConfigurationCommand,
  DeleteBucketReplicationCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketAnalyticsConfigurationCommand,
  GetBucketIntelligentTieringConfigurationCommand,
  GetBucketInventoryConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketMetricsConfigurationCommand,
  GetBucketReplicationCommand,
  GetBucketRequestPaymentCommand,
  ListBucketAnalyticsConfigurationsCommand,
  ListBucketIntelligentTieringConfigurationsCommand,
  ListBucketInventoryConfigurationsCommand,
  ListBucketMetricsConfigurationsCommand,
  PutBucketAccelerateConfigurationCommand,
  PutBucketAnalyticsConfigurationCommand,
  PutBucketIntelligentTieringConfigurationCommand,
  PutBucketInventoryConfigurationCommand,
  PutBucketLoggingCommand,
  PutBucketMetricsConfigurationCommand,
  PutBucketReplicationCommand,
  PutBucketRequestPaymentCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  GetObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectS3Error, newBucket } from '../helpers/s3.js';
import { rawRequest } from '../helpers/signing.js';

/**
 * The configurations tools read on refresh (Terraform's S3 resources read
 * most of them): Accelerate, RequestPayment, Logging, Metrics, Inventory,
 * Analytics, Intelligent-Tiering and Replication, each round-tripped and
 * refused as S3 refuses them.
 */
let ts: TestServer;
let s3: S3Client;
let other: S3Client;

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
  ts.ctx.accounts.create('configs-other', { accessKey: 'AKIACONFIGSOTHER0001', secretKey: 'configs-other-secret-000001' });
  other = ts.client({ credentials: { accessKeyId: 'AKIACONFIGSOTHER0001', secretAccessKey: 'configs-other-secret-000001' }, maxAttempts: 1 });
});
afterAll(async () => ts?.stop());

describe('Accelerate', () => {
  it('a bucket never configured answers an empty configuration; Enabled and Suspended round-trip; other values are MalformedXML', async () => {
    const b = await newBucket(s3, { prefix: 'accel' });
    const none = await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: b }));
    expect(none.Status).toBeUndefined();
    await s3.send(new PutBucketAccelerateConfigurationCommand({ Bucket: b, AccelerateConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: b }))).Status).toBe('Enabled');
    await s3.send(new PutBucketAccelerateConfigurationCommand({ Bucket: b, AccelerateConfiguration: { Status: 'Suspended' } }));
    expect((await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: b }))).Status).toBe('Suspended');
    const bad = await rawRequest(ts.url, 'PUT', `/${b}?accelerate`, { body: '<AccelerateConfiguration><Status>On</Status></AccelerateConfiguration>' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Code>MalformedXML</Code>');
    const raw = await rawRequest(ts.url, 'GET', `/${b}?accelerate`);
    expect(raw.text).toContain('<AccelerateConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></AccelerateConfiguration>');
  });

  it('a bucket name with dots is InvalidRequest, as on AWS', async () => {
    const b = `accel.dots.${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket: b }));
    const e = await expectS3Error(
      s3.send(new PutBucketAccelerateConfigurationCommand({ Bucket: b, AccelerateConfiguration: { Status: 'Enabled' } })),
      'InvalidRequest',
      400,
    );
    expect(e.message).toContain('periods');
    await expectS3Error(s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: 'no-such-bucket-accel' })), 'NoSuchBucket', 404);
  });
});

describe('RequestPayment', () => {
  it('BucketOwner by default; Requester round-trips; other accounts must acknowledge it, the owner need not', async () => {
    // The bucket is another account's: the instance administrator (allowed everywhere) is then a requester from another account.
    const b = `payer-${Date.now()}`;
    await other.send(new CreateBucketCommand({ Bucket: b }));
    expect((await other.send(new GetBucketRequestPaymentCommand({ Bucket: b }))).Payer).toBe('BucketOwner');
    await other.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'owner' }));
    expect((await rawRequest(ts.url, 'GET', `/${b}/k`)).status).toBe(200);
    await other.send(new PutBucketRequestPaymentCommand({ Bucket: b, RequestPaymentConfiguration: { Payer: 'Requester' } }));
    expect((await other.send(new GetBucketRequestPaymentCommand({ Bucket: b }))).Payer).toBe('Requester');
    // The owner needs nothing.
    await other.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'owner' }));
    expect((await other.send(new GetObjectCommand({ Bucket: b, Key: 'k' }))).RequestCharged).toBeUndefined();
    // Another account without the header is refused; with it, it is served and told it was charged.
    const denied = await rawRequest(ts.url, 'GET', `/${b}/k`);
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('<Code>AccessDenied</Code>');
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'k' })), 'AccessDenied', 403);
    const ack = await s3.send(new GetObjectCommand({ Bucket: b, Key: 'k', RequestPayer: 'requester' }));
    expect(ack.RequestCharged).toBe('requester');
    const raw = await rawRequest(ts.url, 'HEAD', `/${b}/k`, { headers: { 'x-amz-request-payer': 'requester' } });
    expect(raw.status).toBe(200);
    expect(raw.headers['x-amz-request-charged']).toBe('requester');
    await other.send(new PutBucketRequestPaymentCommand({ Bucket: b, RequestPaymentConfiguration: { Payer: 'BucketOwner' } }));
    expect((await other.send(new GetBucketRequestPaymentCommand({ Bucket: b }))).Payer).toBe('BucketOwner');
    expect((await rawRequest(ts.url, 'GET', `/${b}/k`)).status).toBe(200);
    const doc = '<RequestPaymentConfiguration><Payer>Nobody</Payer></RequestPaymentConfiguration>';
    const bad = await rawRequest(ts.url, 'PUT', `/${b}?requestPayment`, { body: doc, headers: { 'content-md5': md5b64(doc) } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('MalformedXML');
  });
});

function md5b64(s: string): string {
  return createHash('md5').update(s).digest('base64');
}

describe('Logging', () => {
  it('off by default; LoggingEnabled with grants and a partitioned key format round-trips; an empty status turns it off', async () => {
    const b = await newBucket(s3, { prefix: 'logged' });
    const target = await newBucket(s3, { prefix: 'logs' });
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: b }))).LoggingEnabled).toBeUndefined();
    const canonical = ts.ctx.accounts.admin()!.canonicalId;
    await s3.send(
      new PutBucketLoggingCommand({
        Bucket: b,
        BucketLoggingStatus: {
          LoggingEnabled: {
            TargetBucket: target,
            TargetPrefix: 'access/',
            TargetGrants: [{ Grantee: { Type: 'CanonicalUser', ID: canonical }, Permission: 'READ' }],
            TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } },
          },
        },
      }),
    );
    const got = await s3.send(new GetBucketLoggingCommand({ Bucket: b }));
    expect(got.LoggingEnabled).toEqual({
      TargetBucket: target,
      TargetPrefix: 'access/',
      TargetGrants: [{ Grantee: { Type: 'CanonicalUser', ID: canonical }, Permission: 'READ' }],
      TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } },
    });
    await s3.send(new PutBucketLoggingCommand({ Bucket: b, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target, TargetPrefix: '' } } }));
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: b }))).LoggingEnabled).toEqual({ TargetBucket: target, TargetPrefix: '' });
    await s3.send(new PutBucketLoggingCommand({ Bucket: b, BucketLoggingStatus: {} }));
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: b }))).LoggingEnabled).toBeUndefined();
  });

  it('the target bucket must exist and belong to the same account (InvalidTargetBucketForLogging)', async () => {
    const b = await newBucket(s3, { prefix: 'logged' });
    const put = (TargetBucket: string, client = s3, Bucket = b) =>
      client.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: { LoggingEnabled: { TargetBucket, TargetPrefix: 'x/' } } }));
    await expectS3Error(put('no-such-target-bucket'), 'InvalidTargetBucketForLogging', 400);
    const theirs = `logs-other-${Date.now()}`;
    await other.send(new CreateBucketCommand({ Bucket: theirs }));
    const e = await expectS3Error(put(theirs), 'InvalidTargetBucketForLogging', 400);
    expect(e.message).toContain('owner');
    const own = await other.send(new CreateBucketCommand({ Bucket: `${theirs}-src` }));
    expect(own.$metadata.httpStatusCode).toBe(200);
    await put(theirs, other, `${theirs}-src`);
    expect((await other.send(new GetBucketLoggingCommand({ Bucket: `${theirs}-src` }))).LoggingEnabled?.TargetBucket).toBe(theirs);
    // A destination with default retention or Requester Pays is refused, as AWS documents.
    const locked = await newBucket(s3, { prefix: 'logs-locked', objectLock: true });
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: locked,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
      }),
    );
    await expectS3Error(put(locked), 'InvalidTargetBucketForLogging', 400);
    const paying = await newBucket(s3, { prefix: 'logs-payer' });
    await s3.send(new PutBucketRequestPaymentCommand({ Bucket: paying, RequestPaymentConfiguration: { Payer: 'Requester' } }));
    await expectS3Error(put(paying), 'InvalidTargetBucketForLogging', 400);
    // A document without TargetPrefix does not follow the schema.
    const doc = `<BucketLoggingStatus><LoggingEnabled><TargetBucket>${b}</TargetBucket></LoggingEnabled></BucketLoggingStatus>`;
    const bad = await rawRequest(ts.url, 'PUT', `/${b}?logging`, { body: doc, headers: { 'content-md5': md5b64(doc) } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('MalformedXML');
  });
});

describe('Metrics, Inventory, Analytics and Intelligent-Tiering configurations', () => {
  it('metrics: Put/Get/List/Delete by id, filters, NoSuchConfiguration, id checks', async () => {
    const b = await newBucket(s3, { prefix: 'metrics' });
    expect((await s3.send(new ListBucketMetricsConfigurationsCommand({ Bucket: b }))).MetricsConfigurationList).toBeUndefined();
    await expectS3Error(s3.send(new GetBucketMetricsConfigurationCommand({ Bucket: b, Id: 'all' })), 'NoSuchConfiguration', 404);
    await s3.send(new PutBucketMetricsConfigurationCommand({ Bucket: b, Id: 'all', MetricsConfiguration: { Id: 'all' } }));
    const filter = {
      And: {
        Prefix: 'photos/',
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      },
    };
    await s3.send(new PutBucketMetricsConfigurationCommand({ Bucket: b, Id: 'photos', MetricsConfiguration: { Id: 'photos', Filter: filter } }));
    await s3.send(
      new PutBucketMetricsConfigurationCommand({ Bucket: b, Id: 'tagged', MetricsConfiguration: { Id: 'tagged', Filter: { Tag: { Key: 'k', Value: 'v' } } } }),
    );
    expect((await s3.send(new GetBucketMetricsConfigurationCommand({ Bucket: b, Id: 'photos' }))).MetricsConfiguration).toEqual({
      Id: 'photos',
      Filter: filter,
    });
    expect((await s3.send(new GetBucketMetricsConfigurationCommand({ Bucket: b, Id: 'all' }))).MetricsConfiguration).toEqual({ Id: 'all' });
    const list = await s3.send(new ListBucketMetricsConfigurationsCommand({ Bucket: b }));
    expect(list.IsTruncated).toBe(false);
    expect(list.MetricsConfigurationList?.map((c) => c.Id)).toEqual(['all', 'photos', 'tagged']);
    // The Id in the body must be the id in the query; ids are 1-64 of [A-Za-z0-9._-].
    await expectS3Error(
      s3.send(new PutBucketMetricsConfigurationCommand({ Bucket: b, Id: 'one', MetricsConfiguration: { Id: 'two' } })),
      'InvalidArgument',
      400,
    );
    await expectS3Error(
      s3.send(new PutBucketMetricsConfigurationCommand({ Bucket: b, Id: 'bad id!', MetricsConfiguration: { Id: 'bad id!' } })),
      'InvalidArgument',
      400,
    );
    await s3.send(new DeleteBucketMetricsConfigurationCommand({ Bucket: b, Id: 'photos' }));
    await expectS3Error(s3.send(new GetBucketMetricsConfigurationCommand({ Bucket: b, Id: 'photos' })), 'NoSuchConfiguration', 404);
    await expectS3Error(s3.send(new DeleteBucketMetricsConfigurationCommand({ Bucket: b, Id: 'photos' })), 'NoSuchConfiguration', 404);
    expect((await s3.send(new ListBucketMetricsConfigurationsCommand({ Bucket: b }))).MetricsConfigurationList?.map((c) => c.Id)).toEqual(['all', 'tagged']);
    // A filter naming both a Prefix and a Tag outside And does not follow the schema.
    const doc = '<MetricsConfiguration><Id>x</Id><Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter></MetricsConfiguration>';
    const bad = await rawRequest(ts.url, 'PUT', `/${b}?metrics&id=x`, { body: doc });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('MalformedXML');
  });

  it('lists come in pages of 100 with a continuation token; 1,000 per bucket at most (TooManyConfigurations)', async () => {
    const b = await newBucket(s3, { prefix: 'metrics-many' });
    const ids = Array.from({ length: 1000 }, (_, i) => `m${String(i).padStart(4, '0')}`);
    // Stored directly in one change (a thousand Puts would only slow the test); the limit is the Put's.
    const bucket = ts.ctx.services.buckets.get(b)!;
    await ts.ctx.services.buckets.putConfig(bucket, 'metrics', Object.fromEntries(ids.map((id) => [id, { Id: id }])));
    await expectS3Error(
      s3.send(new PutBucketMetricsConfigurationCommand({ Bucket: b, Id: 'one-more', MetricsConfiguration: { Id: 'one-more' } })),
      'TooManyConfigurations',
      400,
    );
    // Replacing one that exists is fine.
    await s3.send(new PutBucketMetricsConfigurationCommand({ Bucket: b, Id: 'm0005', MetricsConfiguration: { Id: 'm0005', Filter: { Prefix: 'p' } } }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListBucketMetricsConfigurationsCommand({ Bucket: b, ContinuationToken: token }));
      pages++;
      expect(page.ContinuationToken).toBe(token);
      seen.push(...(page.MetricsConfigurationList ?? []).map((c) => c.Id!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated) expect(page.MetricsConfigurationList).toHaveLength(100);
    } while (token);
    expect(pages).toBe(10);
    expect(seen).toEqual(ids);
    await expectS3Error(s3.send(new ListBucketMetricsConfigurationsCommand({ Bucket: b, ContinuationToken: 'garbage' })), 'InvalidArgument', 400);
  });

  it('inventory: the whole shape round-trips; a bad destination ARN or format is refused', async () => {
    const b = await newBucket(s3, { prefix: 'inventory' });
    const cfg = {
      Id: 'daily',
      IsEnabled: true,
      Destination: {
        S3BucketDestination: { AccountId: '123456789012', Bucket: `arn:aws:s3:::${b}`, Format: 'CSV' as const, Prefix: 'inv/', Encryption: { SSES3: {} } },
      },
      Filter: { Prefix: 'data/' },
      IncludedObjectVersions: 'Current' as const,
      OptionalFields: ['Size' as const, 'ETag' as const, 'ObjectLockMode' as const],
      Schedule: { Frequency: 'Daily' as const },
    };
    await s3.send(new PutBucketInventoryConfigurationCommand({ Bucket: b, Id: 'daily', InventoryConfiguration: cfg }));
    expect((await s3.send(new GetBucketInventoryConfigurationCommand({ Bucket: b, Id: 'daily' }))).InventoryConfiguration).toEqual(cfg);
    const list = await s3.send(new ListBucketInventoryConfigurationsCommand({ Bucket: b }));
    expect(list.InventoryConfigurationList).toEqual([cfg]);
    await expectS3Error(
      s3.send(
        new PutBucketInventoryConfigurationCommand({
          Bucket: b,
          Id: 'bad',
          InventoryConfiguration: { ...cfg, Id: 'bad', Destination: { S3BucketDestination: { Bucket: 'not-an-arn', Format: 'CSV' } } },
        }),
      ),
      'InvalidArgument',
      400,
    );
    const doc = `<InventoryConfiguration><Id>x</Id><IsEnabled>true</IsEnabled><Destination><S3BucketDestination><Bucket>arn:aws:s3:::${b}</Bucket><Format>XLS</Format></S3BucketDestination></Destination><IncludedObjectVersions>All</IncludedObjectVersions><Schedule><Frequency>Daily</Frequency></Schedule></InventoryConfiguration>`;
    const bad = await rawRequest(ts.url, 'PUT', `/${b}?inventory&id=x`, { body: doc });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('MalformedXML');
    await s3.send(new DeleteBucketInventoryConfigurationCommand({ Bucket: b, Id: 'daily' }));
    await expectS3Error(s3.send(new GetBucketInventoryConfigurationCommand({ Bucket: b, Id: 'daily' })), 'NoSuchConfiguration', 404);
  });

  it('analytics: storage-class analysis with a data export round-trips', async () => {
    const b = await newBucket(s3, { prefix: 'analytics' });
    const cfg = {
      Id: 'report',
      Filter: { And: { Prefix: 'logs/', Tags: [{ Key: 'team', Value: 'ops' }] } },
      StorageClassAnalysis: {
        DataExport: {
          OutputSchemaVersion: 'V_1' as const,
          Destination: { S3BucketDestination: { Format: 'CSV' as const, Bucket: `arn:aws:s3:::${b}`, Prefix: 'a/' } },
        },
      },
    };
    await s3.send(new PutBucketAnalyticsConfigurationCommand({ Bucket: b, Id: 'report', AnalyticsConfiguration: cfg }));
    await s3.send(new PutBucketAnalyticsConfigurationCommand({ Bucket: b, Id: 'plain', AnalyticsConfiguration: { Id: 'plain', StorageClassAnalysis: {} } }));
    expect((await s3.send(new GetBucketAnalyticsConfigurationCommand({ Bucket: b, Id: 'report' }))).AnalyticsConfiguration).toEqual(cfg);
    const list = await s3.send(new ListBucketAnalyticsConfigurationsCommand({ Bucket: b }));
    expect(list.AnalyticsConfigurationList?.map((c) => c.Id)).toEqual(['plain', 'report']);
    await s3.send(new DeleteBucketAnalyticsConfigurationCommand({ Bucket: b, Id: 'plain' }));
    await expectS3Error(s3.send(new GetBucketAnalyticsConfigurationCommand({ Bucket: b, Id: 'plain' })), 'NoSuchConfiguration', 404);
  });

  it('Intelligent-Tiering: tiers with their day bounds round-trip; out-of-range days are InvalidArgument', async () => {
    const b = await newBucket(s3, { prefix: 'tiering' });
    const cfg = {
      Id: 'archive',
      Filter: { Prefix: 'cold/' },
      Status: 'Enabled' as const,
      Tierings: [
        { Days: 90, AccessTier: 'ARCHIVE_ACCESS' as const },
        { Days: 180, AccessTier: 'DEEP_ARCHIVE_ACCESS' as const },
      ],
    };
    await s3.send(new PutBucketIntelligentTieringConfigurationCommand({ Bucket: b, Id: 'archive', IntelligentTieringConfiguration: cfg }));
    expect((await s3.send(new GetBucketIntelligentTieringConfigurationCommand({ Bucket: b, Id: 'archive' }))).IntelligentTieringConfiguration).toEqual(cfg);
    expect((await s3.send(new ListBucketIntelligentTieringConfigurationsCommand({ Bucket: b }))).IntelligentTieringConfigurationList).toEqual([cfg]);
    await expectS3Error(
      s3.send(
        new PutBucketIntelligentTieringConfigurationCommand({
          Bucket: b,
          Id: 'short',
          IntelligentTieringConfiguration: { Id: 'short', Status: 'Enabled', Tierings: [{ Days: 30, AccessTier: 'ARCHIVE_ACCESS' }] },
        }),
      ),
      'InvalidArgument',
      400,
    );
    await s3.send(new DeleteBucketIntelligentTieringConfigurationCommand({ Bucket: b, Id: 'archive' }));
    await expectS3Error(s3.send(new GetBucketIntelligentTieringConfigurationCommand({ Bucket: b, Id: 'archive' })), 'NoSuchConfiguration', 404);
  });

  it('another account can neither read nor change them', async () => {
    const b = await newBucket(s3, { prefix: 'metrics-denied' });
    await expectS3Error(other.send(new ListBucketMetricsConfigurationsCommand({ Bucket: b })), 'AccessDenied', 403);
    await expectS3Error(other.send(new PutBucketMetricsConfigurationCommand({ Bucket: b, Id: 'x', MetricsConfiguration: { Id: 'x' } })), 'AccessDenied', 403);
  });
});

describe('Replication', () => {
  const rule = (b: string) => ({
    ID: 'to-backup',
    Priority: 1,
    Filter: { Prefix: 'docs/' },
    Status: 'Enabled' as const,
    Destination: { Bucket: `arn:aws:s3:::${b}`, StorageClass: 'STANDARD' as const },
    DeleteMarkerReplication: { Status: 'Disabled' as const },
  });

  it('needs versioning Enabled; round-trips; Delete leaves ReplicationConfigurationNotFoundError', async () => {
    const b = await newBucket(s3, { prefix: 'repl' });
    const dest = await newBucket(s3, { prefix: 'repl-dest', versioning: 'Enabled' });
    await expectS3Error(s3.send(new GetBucketReplicationCommand({ Bucket: b })), 'ReplicationConfigurationNotFoundError', 404);
    const cfg = { Role: 'arn:aws:iam::123456789012:role/replication', Rules: [rule(dest)] };
    const e = await expectS3Error(s3.send(new PutBucketReplicationCommand({ Bucket: b, ReplicationConfiguration: cfg })), 'InvalidRequest', 400);
    expect(e.message).toContain('Versioning');
    const vb = await newBucket(s3, { prefix: 'repl', versioning: 'Enabled' });
    await s3.send(new PutBucketReplicationCommand({ Bucket: vb, ReplicationConfiguration: cfg }));
    expect((await s3.send(new GetBucketReplicationCommand({ Bucket: vb }))).ReplicationConfiguration).toEqual(cfg);
    // Versioning cannot be suspended under a replication configuration.
    await expectS3Error(s3.send(new PutBucketVersioningCommand({ Bucket: vb, VersioningConfiguration: { Status: 'Suspended' } })), 'InvalidBucketState', 409);
    const del = await s3.send(new DeleteBucketReplicationCommand({ Bucket: vb }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    await expectS3Error(s3.send(new GetBucketReplicationCommand({ Bucket: vb })), 'ReplicationConfigurationNotFoundError', 404);
  });

  it('validates rules as S3 does: the Filter schema needs DeleteMarkerReplication and Priority; priorities are unique; legacy Prefix rules are kept', async () => {
    const b = await newBucket(s3, { prefix: 'repl', versioning: 'Enabled' });
    const role = 'arn:aws:iam::123456789012:role/replication';
    const put = (Rules: ReturnType<typeof rule>[] | Array<Record<string, unknown>>) =>
      s3.send(new PutBucketReplicationCommand({ Bucket: b, ReplicationConfiguration: { Role: role, Rules: Rules as never } }));
    const { DeleteMarkerReplication: _d, ...noDmr } = rule(b);
    await expectS3Error(put([noDmr]), 'InvalidRequest', 400);
    const { Priority: _p, ...noPriority } = rule(b);
    await expectS3Error(put([noPriority]), 'InvalidRequest', 400);
    await expectS3Error(put([rule(b), { ...rule(b), ID: 'second' }]), 'InvalidRequest', 400);
    await expectS3Error(put([{ ...rule(b), Destination: { Bucket: 'backup' } }]), 'InvalidArgument', 400);
    const legacy = { ID: 'old', Prefix: 'logs/', Status: 'Enabled' as const, Destination: { Bucket: `arn:aws:s3:::${b}` } };
    await put([legacy]);
    expect((await s3.send(new GetBucketReplicationCommand({ Bucket: b }))).ReplicationConfiguration?.Rules).toEqual([legacy]);
    // A rule without an ID is given one.
    const { ID: _id, ...anonymous } = rule(b);
    await put([anonymous]);
    const [stored] = (await s3.send(new GetBucketReplicationCommand({ Bucket: b }))).ReplicationConfiguration!.Rules!;
    expect(stored!.ID).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    expect({ ...stored, ID: undefined }).toEqual({ ...anonymous, ID: undefined });
  });
});

describe('a Terraform-style refresh of a fresh bucket', () => {
  it('reads every configuration and gets the answers that mean "not configured"', async () => {
    const b = await newBucket(s3, { prefix: 'refresh' });
    expect((await s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: b }))).Status).toBeUndefined();
    expect((await s3.send(new GetBucketRequestPaymentCommand({ Bucket: b }))).Payer).toBe('BucketOwner');
    expect((await s3.send(new GetBucketLoggingCommand({ Bucket: b }))).LoggingEnabled).toBeUndefined();
    await expectS3Error(s3.send(new GetBucketReplicationCommand({ Bucket: b })), 'ReplicationConfigurationNotFoundError', 404);
    const lists = await Promise.all([
      s3.send(new ListBucketMetricsConfigurationsCommand({ Bucket: b })),
      s3.send(new ListBucketInventoryConfigurationsCommand({ Bucket: b })),
      s3.send(new ListBucketAnalyticsConfigurationsCommand({ Bucket: b })),
      s3.send(new ListBucketIntelligentTieringConfigurationsCommand({ Bucket: b })),
    ]);
    for (const l of lists) expect(l.IsTruncated).toBe(false);
    // The raw answers, as S3 writes them.
    const raw = async (q: string) => (await rawRequest(ts.url, 'GET', `/${b}?${q}`)).text;
    expect(await raw('logging')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></BucketLoggingStatus>',
    );
    expect(await raw('requestPayment')).toContain('<RequestPaymentConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Payer>BucketOwner</Payer>');
    expect(await raw('metrics')).toContain('<ListMetricsConfigurationsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated>');
    expect(await raw('analytics')).toContain('<ListBucketAnalyticsConfigurationResult');
    expect(await raw('intelligent-tiering')).toContain('<ListBucketIntelligentTieringConfigurationsOutput');
    expect(await raw('inventory')).toContain('<ListInventoryConfigurationsResult');
  });
});

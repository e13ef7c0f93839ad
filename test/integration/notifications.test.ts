/**
 * Webhook notifications end to end: Put/GetBucketNotificationConfiguration against the configured targets, then a
 * receiver on loopback that is down while changes happen and while the server restarts, then up (and failing some
 * deliveries on purpose): after de-duplication by sequencer it has every change exactly once, in order per key, in
 * AWS's event message structure. A full queue counts its overflow. Shutdown delivers what is queued within the grace
 * period, and never waits beyond it (what is left stays in the outbox).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger, startServer, type RunningServer } from '../../src/main.js';
import { expectS3Error, freePort, newBucket, s3Error, sleep, waitFor } from '../helpers/s3.js';
import { ACCESS_KEY, SECRET_KEY } from '../helpers/server.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** A webhook receiver on loopback: records every POST; `failEvery` answers 503 to every n-th one (after reading it). */
class Receiver {
  received: Received[] = [];
  private server: Server | undefined;
  private count = 0;
  failEvery = 0;
  constructor(readonly port: number) {}

  async up(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        this.count++;
        res.statusCode = this.failEvery > 0 && this.count % this.failEvery === 0 ? 503 : 200;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  async down(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = undefined;
  }
}

interface EventRecord {
  eventName: string;
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: Record<string, string>;
  s3: { configurationId: string; bucket: { name: string; arn: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
}

const records = (r: Receiver): EventRecord[] =>
  r.received.flatMap((m) => ((m.body.Records as EventRecord[] | undefined) ?? []).filter((x) => x.eventSource === 'aws:s3'));

/** One record per sequencer (deliveries repeated after a failed answer are dropped), in sequencer order. */
function deduplicated(r: Receiver): EventRecord[] {
  const seen = new Map<string, EventRecord>();
  for (const rec of records(r)) seen.set(rec.s3.object.sequencer, rec);
  return [...seen.values()].sort((a, b) => (a.s3.object.sequencer < b.s3.object.sequencer ? -1 : 1));
}

const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

async function start(dataDir: string, settings: Record<string, unknown>): Promise<{ server: RunningServer; s3: S3Client }> {
  const config = loadConfig(
    {},
    { host: '127.0.0.1', port: 0, dataDir, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, logLevel: 'silent', fsync: false, ...settings },
  );
  const server = await startServer(config, { print: () => undefined, logger: createLogger('silent') });
  const s3 = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  return { server, s3 };
}

const ARN = 'arn:cairn:sqs::hook:webhook';

describe('bucket notifications through a webhook', () => {
  it('delivers every change exactly once after de-duplication, in order per key, across a target outage and a server restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-notify-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const receiver = new Receiver(await freePort());
    cleanup.push(() => receiver.down());
    const settings = {
      notificationTargets: [{ id: 'hook', url: `http://127.0.0.1:${receiver.port}/events`, authHeader: 'Bearer s3cret' }],
      notificationRetryMaxSeconds: 1,
    };
    let { server, s3 } = await start(dataDir, settings);
    const bucket = await newBucket(s3, { prefix: 'notify' });

    // Configuration: unknown destinations are refused, the stored one reads back.
    const unknown = await s3Error(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: { QueueConfigurations: [{ QueueArn: 'arn:cairn:sqs::nope:webhook', Events: ['s3:ObjectCreated:*'] }] },
        }),
      ),
    );
    expect([unknown.name, unknown.message, unknown.$metadata.httpStatusCode]).toEqual([
      'InvalidArgument',
      'Unable to validate the following destination configurations',
      400,
    ]);
    await expectS3Error(
      s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: {
            QueueConfigurations: [
              { QueueArn: ARN, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/' }] } } },
              { QueueArn: ARN, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/b' }] } } },
            ],
          },
        }),
      ),
      'InvalidArgument',
      400,
    );
    expect((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).QueueConfigurations).toBeUndefined();
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Id: 'txt-files',
              QueueArn: ARN,
              Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
              Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.txt' }] } },
            },
          ],
        },
      }),
    );
    const got = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    expect(got.QueueConfigurations).toEqual([
      {
        Id: 'txt-files',
        QueueArn: ARN,
        Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
        Filter: { Key: { FilterRules: [{ Name: 'Suffix', Value: '.txt' }] } },
      },
    ]);

    // Changes while the receiver is down: requests are not slowed by it.
    const expected: Array<[string, string]> = [];
    const t0 = Date.now();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a.txt', Body: 'one' }));
    expected.push(['ObjectCreated:Put', 'a.txt']);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a.txt', Body: 'two!' }));
    expected.push(['ObjectCreated:Put', 'a.txt']);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'skip.bin', Body: 'not matched' }));
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'dir/my copy.txt', CopySource: `${bucket}/a.txt` }));
    expected.push(['ObjectCreated:Copy', 'dir/my copy.txt']);
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big.txt' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'big.txt', UploadId, PartNumber: 1, Body: 'multipart body' }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'big.txt', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
    );
    expected.push(['ObjectCreated:CompleteMultipartUpload', 'big.txt']);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a.txt' }));
    expected.push(['ObjectRemoved:Delete', 'a.txt']);
    expect(Date.now() - t0).toBeLessThan(5000);

    // A restart while the receiver is still down: the queued messages survive it.
    await server.close();
    await sleep(200);
    ({ server, s3 } = await start(dataDir, settings));
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'dir/my copy.txt' }, { Key: 'big.txt' }] } }));
    expected.push(['ObjectRemoved:Delete', 'dir/my copy.txt'], ['ObjectRemoved:Delete', 'big.txt']);
    expect(receiver.received).toEqual([]);

    // Up, answering 503 to every third delivery (after reading it): those come again.
    receiver.failEvery = 3;
    await receiver.up();
    expect(await waitFor(() => deduplicated(receiver).length >= expected.length, 15_000, 50)).toBe(true);
    await sleep(300);
    const events = deduplicated(receiver);
    expect(events.map((e) => [e.eventName, decodeURIComponent(e.s3.object.key.replace(/\+/g, ' '))])).toEqual(expected);
    expect(records(receiver).length).toBeGreaterThan(expected.length);
    // Each message came with the target's Authorization header and its event id.
    expect(receiver.received.every((m) => m.headers.authorization === 'Bearer s3cret' && /^\d+$/.test(String(m.headers['x-cairn-event-id'])))).toBe(true);
    // The s3:TestEvent sent when the configuration was set.
    expect(receiver.received.some((m) => m.body.Event === 's3:TestEvent' && m.body.Bucket === bucket)).toBe(true);
    const first = events[0]!;
    expect(first).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      s3: { configurationId: 'txt-files', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: 'a.txt', size: 3 } },
    });
    expect(first.responseElements['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    expect(events[2]!.s3.object.key).toBe('dir/my+copy.txt');
    // Nothing left in the outbox.
    expect(await waitFor(() => server.ctx.outbox.stats().every((s) => s.pending === 0), 3000)).toBe(true);
    await server.close();
  }, 40_000);

  it('versioned buckets: version ids in the records, DeleteMarkerCreated, a permanent Delete by version id; PostObject', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-notify-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const receiver = new Receiver(await freePort());
    await receiver.up();
    cleanup.push(() => receiver.down());
    const { server, s3 } = await start(dataDir, { notificationTargets: [{ id: 'hook', url: `http://127.0.0.1:${receiver.port}/` }] });
    cleanup.push(() => server.close());
    const bucket = await newBucket(s3, { prefix: 'notify', versioning: 'Enabled' });
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          QueueConfigurations: [{ Id: 'created', QueueArn: ARN, Events: ['s3:ObjectCreated:Put', 's3:ObjectCreated:Post'] }],
          TopicConfigurations: [{ Id: 'removed', TopicArn: 'arn:cairn:sns::hook:webhook', Events: ['s3:ObjectRemoved:*', 's3:LifecycleExpiration:*'] }],
        },
      }),
    );
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'doc', Body: 'v1' }));
    const del = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc' }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc', VersionId: put.VersionId }));
    // A version that does not exist is no change: nothing is reported.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doc', VersionId: put.VersionId }));
    // A browser form upload (PostObject).
    const presigned = await createPresignedPost(s3, { Bucket: bucket, Key: 'form.txt' });
    const form = new FormData();
    for (const [k, v] of Object.entries(presigned.fields)) form.append(k, v);
    form.append('file', new Blob(['from a form']), 'form.txt');
    const posted = await fetch(presigned.url, { method: 'POST', body: form });
    expect(posted.status).toBe(204);
    // An event a background worker reports after its change (ctx.onEvents without a request): S3's own.
    server.ctx.onEvents!([{ name: 'LifecycleExpiration:Delete', bucket, key: 'old', versionId: 'v-old' }]);
    expect(await waitFor(() => deduplicated(receiver).length >= 5, 5000)).toBe(true);
    await sleep(200);
    const events = deduplicated(receiver).map((e) => [e.eventName, e.s3.configurationId, (e.s3.object as { versionId?: string }).versionId]);
    expect(events).toEqual([
      ['ObjectCreated:Put', 'created', put.VersionId],
      ['ObjectRemoved:DeleteMarkerCreated', 'removed', del.VersionId],
      ['ObjectRemoved:Delete', 'removed', put.VersionId],
      ['ObjectCreated:Post', 'created', posted.headers.get('x-amz-version-id')],
      ['LifecycleExpiration:Delete', 'removed', 'v-old'],
    ]);
    expect(deduplicated(receiver)[4]!.userIdentity.principalId).toBe('s3.amazonaws.com');
  });

  it('a full queue counts the overflow instead of dropping silently; an empty document clears the configuration', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-notify-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const { server, s3 } = await start(dataDir, {
      notificationTargets: [{ id: 'hook', url: `http://127.0.0.1:${port}/` }],
      notificationQueueSize: 3,
    });
    cleanup.push(() => server.close());
    const bucket = await newBucket(s3, { prefix: 'notify' });
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: { TopicConfigurations: [{ TopicArn: 'arn:cairn:sns::hook:webhook', Events: ['s3:ObjectCreated:Put'] }] },
      }),
    );
    for (let i = 0; i < 4; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `k${i}`, Body: 'x' }));
    // The test event and two puts fit; two puts overflowed.
    expect(server.ctx.outbox.stats()).toEqual([{ target: 'hook', pending: 3, overflow: 2 }]);
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: {} }));
    expect(await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }))).not.toHaveProperty('TopicConfigurations');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'after', Body: 'x' }));
    expect(server.ctx.outbox.stats()).toEqual([{ target: 'hook', pending: 3, overflow: 2 }]);
  });
});

describe('notifications at shutdown', () => {
  /** A receiver that answers each POST after `delayMs` (never, with `hang`). */
  async function slowReceiver(delayMs: number, hang = false) {
    const got: string[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (hang) return;
        setTimeout(() => {
          got.push(String(req.headers['x-cairn-event-id']));
          res.end();
        }, delayMs);
      });
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    cleanup.push(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    return { port, got };
  }

  async function queueFive(s3: S3Client): Promise<string> {
    const bucket = await newBucket(s3, { prefix: 'notify' });
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: { TopicConfigurations: [{ TopicArn: 'arn:cairn:sns::hook:webhook', Events: ['s3:ObjectCreated:Put'] }] },
      }),
    );
    // One key: delivered one after the other (in order per key), so they are still queued when the server is stopped.
    for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'same', Body: `v${i}` }));
    return bucket;
  }

  it('delivers what is queued within the grace period before stopping', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-notify-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const receiver = await slowReceiver(150);
    const { server, s3 } = await start(dataDir, { notificationTargets: [{ id: 'hook', url: `http://127.0.0.1:${receiver.port}/` }] });
    await queueFive(s3);
    expect(receiver.got.length).toBeLessThan(6);
    await server.close(10_000);
    // The test event and the five puts, each answered once.
    expect(new Set(receiver.got).size).toBe(6);
    const again = await start(dataDir, { notificationTargets: [{ id: 'hook', url: `http://127.0.0.1:${receiver.port}/` }] });
    expect(again.server.ctx.outbox.stats()).toEqual([{ target: 'hook', pending: 0, overflow: 0 }]);
    await again.server.close();
  });

  it('never waits beyond the grace period: what is not delivered stays in the outbox for the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-notify-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const receiver = await slowReceiver(0, true);
    const settings = { notificationTargets: [{ id: 'hook', url: `http://127.0.0.1:${receiver.port}/` }] };
    const { server, s3 } = await start(dataDir, settings);
    await queueFive(s3);
    const t0 = Date.now();
    await server.close(800);
    expect(Date.now() - t0).toBeLessThan(2000);
    const again = await start(dataDir, settings);
    expect(again.server.ctx.outbox.stats()).toEqual([{ target: 'hook', pending: 6, overflow: 0 }]);
    await again.server.close(0);
  });
});

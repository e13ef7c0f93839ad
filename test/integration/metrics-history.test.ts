/**
 * /-/metrics/history: the last hour per slice and AWS operation (read from the
 * metrics' own counters by a timer, plus the slice in progress), background
 * work, capacity, version and uptime; the same access rule as /-/metrics.
 * Slices last 150 ms here (metricsHistorySliceMs) instead of a minute.
 */
import { readFileSync } from 'node:fs';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryReport } from '../../src/workers/metrics.js';
import { expectS3Error, freePort, sleep } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TOKEN = 'history-token-0123456789';
const SLICE_MS = 150;

async function history(ts: TestServer, auth: string | undefined = `Bearer ${TOKEN}`) {
  const r = await fetch(`${ts.url}/-/metrics/history`, { headers: auth ? { authorization: auth } : {} });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type'), text, json: r.ok ? (JSON.parse(text) as HistoryReport) : undefined };
}

describe('/-/metrics/history', () => {
  let ts: TestServer;
  let s3: S3Client;
  beforeAll(async () => {
    ts = await startTestServer({ metricsToken: TOKEN }, { metricsHistorySliceMs: SLICE_MS });
    s3 = ts.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'hist' }));
    for (let i = 0; i < 5; i++) await s3.send(new PutObjectCommand({ Bucket: 'hist', Key: `k${i}`, Body: 'x'.repeat(100) }));
    // Across a few slices: the counts must add up whichever slice each request fell in.
    await sleep(SLICE_MS * 2);
    await s3.send(new GetObjectCommand({ Bucket: 'hist', Key: 'k0' })).then((r) => r.Body?.transformToString());
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: 'hist', Key: 'missing' })), 'NoSuchKey', 404);
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: 'nobucket', Key: 'x' })), 'NoSuchBucket', 404);
  });
  afterAll(() => ts?.stop());

  it('needs the bearer token, like /-/metrics', async () => {
    expect((await history(ts, '')).status).toBe(401);
    const wrong = await history(ts, 'Bearer nope');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toMatch(/bearer token/);
    const ok = await history(ts);
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^application\/json/);
  });

  it('counts requests, errors and latency by operation over the window, and per slice', async () => {
    const h = (await history(ts)).json!;
    const op = (name: string) => h.operations.find((o) => o.operation === name);
    expect(op('PutObject')).toMatchObject({ requests: 5, errors4xx: 0, errors5xx: 0, errorRate: 0 });
    expect(op('CreateBucket')?.requests).toBe(1);
    expect(op('GetObject')).toMatchObject({ requests: 3, errors4xx: 2, errors5xx: 0 });
    expect(op('GetObject')!.errorRate).toBeCloseTo(2 / 3);
    const put = op('PutObject')!;
    expect(put.meanSeconds).toBeGreaterThan(0);
    expect(put.p50Seconds).toBeGreaterThan(0);
    expect(put.p99Seconds).toBeGreaterThanOrEqual(put.p50Seconds!);
    expect(put.rate).toBeCloseTo(5 / h.windowSeconds, 5);
    // Busiest first.
    expect(h.operations[0]!.operation).toBe('PutObject');
    // Several closed slices plus the one in progress, oldest first; every request is in exactly one.
    expect(h.minutes.length).toBeGreaterThanOrEqual(3);
    const starts = h.minutes.map((m) => Date.parse(m.start));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    for (let i = 1; i < h.minutes.length; i++) expect(h.minutes[i]!.start).toBe(h.minutes[i - 1]!.end);
    const sum = (name: string) => h.minutes.reduce((n, m) => n + (m.operations[name]?.requests ?? 0), 0);
    expect(sum('PutObject')).toBe(5);
    expect(sum('GetObject')).toBe(3);
    expect(h.minutes.reduce((n, m) => n + m.errors4xx, 0)).toBeGreaterThanOrEqual(2);
    const puts = h.minutes.filter((m) => m.operations.PutObject);
    expect(puts.every((m) => m.requests >= m.operations.PutObject!.requests && m.p99Seconds !== null)).toBe(true);
    expect(h.sliceSeconds).toBe(SLICE_MS / 1000);
  });

  it('keeps at most 60 closed slices (an hour of minutes)', async () => {
    // 62 slices after the first requests (timers may run late on a busy machine: wait for them).
    let h = (await history(ts)).json!;
    for (let i = 0; i < 200 && h.operations.some((o) => o.operation === 'PutObject'); i++) {
      await sleep(SLICE_MS);
      h = (await history(ts)).json!;
    }
    // The oldest slices were overwritten: the requests made at the start are no longer in the window.
    expect(h.operations.find((o) => o.operation === 'PutObject')).toBeUndefined();
    expect(h.minutes).toHaveLength(61);
    await sleep(SLICE_MS * 3);
    expect((await history(ts)).json!.minutes).toHaveLength(61);
  }, 30_000);

  it('reports version, uptime, capacity and background work', async () => {
    const h = (await history(ts)).json!;
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(h.version).toBe(pkg.version);
    expect(h.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(h.startedAt)).toBeLessThanOrEqual(Date.parse(h.now));
    expect(h.capacity.diskTotalBytes).toBeGreaterThan(0);
    expect(h.capacity.diskFreeBytes).toBeGreaterThan(0);
    expect(h.capacity.databaseBytes).toBeGreaterThan(0);
    // The start-up sweep ran.
    expect(h.background.sweeper.lastRun).not.toBeNull();
    expect(h.background.sweeper.ok).toBe(true);
    expect(h.background.sweeper.garbagePending).toBe(0);
    expect(h.background.sweeper.uploadsOpen).toBe(0);
    expect(h.background.lifecycle).toMatchObject({ runs: expect.any(Number), failures: 0, heldVersions: 0 });
    expect(h.background.notifications).toEqual([]);
    expect(h.background.scrub).toBeNull();
  });
});

describe('/-/metrics/history background work', () => {
  it('shows each notification target queue and what lifecycle passes did', async () => {
    // Nothing listens on the target's port: deliveries fail and the queue fills.
    const port = await freePort();
    const ts = await startTestServer({
      metricsPublic: true,
      notificationTargets: [{ id: 'hook', url: `http://127.0.0.1:${port}/` }],
      notificationQueueSize: 3,
      notificationRetryMaxSeconds: 1,
      lifecycleDaySeconds: 1,
      lifecycleIntervalSeconds: 1,
    });
    try {
      const s3 = ts.client();
      const bg = async () => (await history(ts, '')).json!.background;
      expect((await bg()).notifications).toEqual([{ target: 'hook', pending: 0, overflow: 0, delivered: 0, failed: 0 }]);
      await s3.send(new CreateBucketCommand({ Bucket: 'bgwork' }));
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: 'bgwork',
          NotificationConfiguration: { TopicConfigurations: [{ TopicArn: 'arn:cairn:sns::hook:webhook', Events: ['s3:ObjectCreated:Put'] }] },
        }),
      );
      // The test event and two puts wait; two puts overflow.
      for (let i = 0; i < 4; i++) await s3.send(new PutObjectCommand({ Bucket: 'bgwork', Key: `old/k${i}`, Body: 'x' }));
      expect((await bg()).notifications[0]).toMatchObject({ target: 'hook', pending: 3, overflow: 2, delivered: 0 });
      for (let i = 0; i < 40 && (await bg()).notifications[0]!.failed === 0; i++) await sleep(100);
      expect((await bg()).notifications[0]!.failed).toBeGreaterThan(0);

      await s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: 'bgwork',
          LifecycleConfiguration: { Rules: [{ ID: 'old', Status: 'Enabled', Filter: { Prefix: 'old/' }, Expiration: { Days: 1 } }] },
        }),
      );
      for (let i = 0; i < 60 && (await bg()).lifecycle.expired < 4; i++) await sleep(100);
      const lc = (await bg()).lifecycle;
      expect(lc).toMatchObject({ expired: 4, failures: 0, held: 0, heldVersions: 0 });
      expect(lc.runs).toBeGreaterThan(0);
      expect(Date.parse(lc.lastRun!)).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      await ts.stop();
    }
  }, 20_000);
});

describe('/-/metrics/history access', () => {
  it('is refused without a token unless CAIRN_METRICS_PUBLIC=true, and absent with CAIRN_METRICS=false', async () => {
    const closed = await startTestServer();
    const open = await startTestServer({ metricsPublic: true });
    const off = await startTestServer({ metrics: false });
    try {
      const c = await history(closed, '');
      expect(c.status).toBe(403);
      expect(c.text).toMatch(/CAIRN_METRICS_TOKEN/);
      const o = await history(open, '');
      expect(o.status).toBe(200);
      expect(Array.isArray(o.json!.minutes)).toBe(true);
      const f = await history(off);
      expect(f.status).toBe(404);
      expect(f.text).toMatch(/CAIRN_METRICS=false/);
    } finally {
      await Promise.all([closed.stop(), open.stop(), off.stop()]);
    }
  });
});

import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketLoggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectS3Error, newBucket, sleep, text } from '../helpers/s3.js';
import { rawRequest } from '../helpers/signing.js';

/** Server access logging: records in S3's format, written as log objects in the target bucket. */
let ts: TestServer;
let s3: S3Client;

beforeAll(async () => {
  ts = await startTestServer({ serverAccessLogFlushSeconds: 1 });
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

/** Splits a record into its fields: bare words, [time], and "quoted" strings. */
function fields(line: string): string[] {
  const out: string[] = [];
  const re = /\[[^\]]*\]|"(?:[^"\\]|\\.)*"|\S+/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push(m[0]);
  return out;
}

/** Polls until `ok` holds (8 s at most). */
async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = Date.now() + 8000;
  for (;;) {
    const v = await get();
    if (ok(v) || Date.now() > end) return v;
    await sleep(200);
  }
}

async function logLines(target: string, prefix: string): Promise<string[]> {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: target, Prefix: prefix }));
  const lines: string[] = [];
  for (const o of list.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: target, Key: o.Key! }));
    lines.push(...(await text(got)).split('\n').filter((l) => l !== ''));
  }
  return lines;
}

describe('server access logging', () => {
  it('writes each request on a logged bucket as a record in S3 format, into a log object named TargetPrefix + date + unique string', async () => {
    const b = await newBucket(s3, { prefix: 'sal-src' });
    const target = await newBucket(s3, { prefix: 'sal-logs' });
    await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketLoggingCommand({ Bucket: b, BucketLoggingStatus: { LoggingEnabled: { TargetBucket: target, TargetPrefix: 'logs/' } } }));
    const put = await s3.send(new PutObjectCommand({ Bucket: b, Key: 'dir/hello world.txt', Body: 'hello, log' }));
    await s3.send(new GetObjectCommand({ Bucket: b, Key: 'dir/hello world.txt' })).then((o) => text(o));
    await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'dir/hello world.txt' }));
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: 'missing' })), 'NoSuchKey', 404);
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'plain', Body: 'hello, log' }));
    const rawGet = await rawRequest(ts.url, 'GET', `/${b}/plain`, { headers: { 'user-agent': 'sal-test/1.0', referer: 'https://example.com/page' } });
    expect(rawGet.status).toBe(200);
    // Refused before it is routed (a bad signature): logged too, with its error code.
    const forged = await rawRequest(ts.url, 'GET', `/${b}/plain`, { secret: 'not-the-secret-key' });
    expect(forged.status).toBe(403);

    // Written within a flush interval (1 s here).
    const lines = await until(
      () => logLines(target, 'logs/'),
      (l) => l.length >= 6,
    );
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: target, Prefix: 'logs/' }))).Contents!.map((o) => o.Key!);
    for (const k of keys) expect(k).toMatch(/^logs\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$/);

    const records = lines.map(fields);
    for (const r of records) expect(r).toHaveLength(26);
    const canonical = ts.ctx.accounts.admin()!.canonicalId;
    const byOp = (op: string) => records.filter((r) => r[6] === op);
    const [putRec] = byOp('REST.PUT.OBJECT');
    expect(putRec).toBeDefined();
    expect(putRec![0]).toBe(canonical);
    expect(putRec![1]).toBe(b);
    expect(putRec![2]).toMatch(/^\[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\]$/);
    expect(putRec![3]).toBe('127.0.0.1');
    expect(putRec![4]).toBe(canonical);
    expect(putRec![5]).toMatch(/^[0-9A-Z]+$/);
    expect(putRec![7]).toBe('dir/hello+world.txt');
    expect(putRec![8]).toMatch(/^"PUT \/[^ ]+\/dir\/hello%20world\.txt\?x-id=PutObject HTTP\/1\.1"$/);
    expect(putRec![9]).toBe('200');
    expect(putRec![10]).toBe('-');
    expect(putRec![12]).toBe('10');
    expect(putRec![17]).toBe(put.VersionId);
    expect(putRec![18]).toBe(ts.ctx.ids.hostId);
    expect(putRec![19]).toBe('SigV4');
    expect(putRec![20]).toBe('-');
    expect(putRec![21]).toBe('AuthHeader');
    expect(putRec![22]).toBe(new URL(ts.url).host);
    expect(putRec![23]).toBe('-');

    const gets = byOp('REST.GET.OBJECT');
    const ok = gets.filter((r) => r[9] === '200');
    expect(ok.length).toBe(2);
    for (const r of ok) {
      expect(r[11]).toBe('10');
      expect(r[12]).toBe('10');
      expect(Number(r[13])).toBeGreaterThanOrEqual(Number(r[14]));
    }
    const raw = ok.find((r) => r[16] === '"sal-test/1.0"');
    expect(raw?.[15]).toBe('"https://example.com/page"');
    const missing = gets.find((r) => r[9] === '404');
    expect(missing?.[10]).toBe('NoSuchKey');
    expect(missing?.[7]).toBe('missing');
    expect(byOp('REST.HEAD.OBJECT')[0]?.[11]).toBe('-');
    expect(byOp('REST.HEAD.OBJECT')[0]?.[12]).toBe('10');
    const refused = records.find((r) => r[10] === 'SignatureDoesNotMatch');
    expect(refused?.[6]).toBe('REST.GET.OBJECT');
    expect(refused?.[9]).toBe('403');
    expect(refused?.[4]).toBe('-');
    // The logging Put itself and the versioning Put came before logging was on, or are configuration requests on the source bucket.
    expect(records.every((r) => r[1] === b)).toBe(true);
  });

  it('a partitioned key format files log objects under account id / region / bucket / date; a bucket without logging writes nothing', async () => {
    const b = await newBucket(s3, { prefix: 'sal-part' });
    const quiet = await newBucket(s3, { prefix: 'sal-quiet' });
    const target = await newBucket(s3, { prefix: 'sal-plogs' });
    await s3.send(
      new PutBucketLoggingCommand({
        Bucket: b,
        BucketLoggingStatus: {
          LoggingEnabled: { TargetBucket: target, TargetPrefix: 'p/', TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } } },
        },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x' }));
    await s3.send(new PutObjectCommand({ Bucket: quiet, Key: 'k', Body: 'x' }));
    await s3.send(new ListObjectsV2Command({ Bucket: b }));
    const keys = await until(
      async () => ((await s3.send(new ListObjectsV2Command({ Bucket: target }))).Contents ?? []).map((o) => o.Key!),
      (k) => k.length > 0,
    );
    const accountId = ts.ctx.accounts.admin()!.accountId;
    const d = new Date();
    const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
    expect(keys[0]).toMatch(new RegExp(`^p/${accountId}/us-east-1/${b}/${day}/\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-[0-9A-F]{16}$`));
    const lines = await logLines(target, 'p/');
    expect(lines.map((l) => fields(l)[6])).toEqual(expect.arrayContaining(['REST.PUT.OBJECT', 'REST.GET.BUCKET']));
    expect(lines.every((l) => fields(l)[1] === b)).toBe(true);
  });
});

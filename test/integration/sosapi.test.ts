import { statfsSync } from 'node:fs';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairn } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectS3Error, md5, newBucket, text } from '../helpers/s3.js';
import { rawRequest } from '../helpers/signing.js';

/** Veeam's Smart Object Storage API: the virtual system.xml and capacity.xml of every bucket. */
let ts: TestServer;
let s3: S3Client;
const PREFIX = '.system-d26a9498-cb7c-4a87-a44a-8ae204f5ba6c';

beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
});
afterAll(async () => ts?.stop());

describe('SOSAPI', () => {
  it('system.xml declares SOSAPI 1.0 with capacity reporting', async () => {
    const b = await newBucket(s3, { prefix: 'veeam' });
    const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: `${PREFIX}/system.xml` }));
    const xml = await text(got);
    expect(got.ContentType).toBe('application/xml');
    expect(got.ETag).toBe(`"${md5(xml)}"`);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<SystemInfo><ProtocolVersion>"1.0"</ProtocolVersion><ModelName>"Cairn"</ModelName>' +
        '<ProtocolCapabilities><CapacityInfo>true</CapacityInfo><UploadSessions>false</UploadSessions><IAMSTS>false</IAMSTS></ProtocolCapabilities>' +
        '<SystemRecommendations><S3MultiObjectDeleteLimit>1000</S3MultiObjectDeleteLimit><KbBlockSize>1024</KbBlockSize></SystemRecommendations></SystemInfo>',
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: `${PREFIX}/system.xml` }));
    expect(head.ContentLength).toBe(Buffer.byteLength(xml));
    expect(head.ETag).toBe(got.ETag);
  });

  it('capacity.xml reports the disk in bytes: Capacity, Available, Used', async () => {
    const b = await newBucket(s3, { prefix: 'veeam' });
    const xml = await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: `${PREFIX}/capacity.xml` })));
    const m =
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<CapacityInfo><Capacity>(\d+)<\/Capacity><Available>(\d+)<\/Available><Used>(\d+)<\/Used><\/CapacityInfo>$/.exec(
        xml,
      );
    expect(m).not.toBeNull();
    const [capacity, available, used] = [Number(m![1]), Number(m![2]), Number(m![3])];
    const fs = statfsSync(ts.dataDir);
    expect(capacity).toBe(fs.blocks * fs.bsize);
    expect(capacity).toBe(available + used);
    expect(Math.abs(available - fs.bavail * fs.bsize)).toBeLessThan(256 * 1024 * 1024);
  });

  it('capacity.xml reports the bucket quota when the bucket has a byte quota', async () => {
    const b = await newBucket(s3, { prefix: 'veeam' });
    const capacity = async () => {
      const xml = await text(await s3.send(new GetObjectCommand({ Bucket: b, Key: `${PREFIX}/capacity.xml` })));
      const m = /<Capacity>(\d+)<\/Capacity><Available>(\d+)<\/Available><Used>(\d+)<\/Used>/.exec(xml);
      expect(m, xml).not.toBeNull();
      return { capacity: Number(m![1]), available: Number(m![2]), used: Number(m![3]) };
    };
    const quota = async (...args: string[]) => {
      const r = await cairn(ts.dataDir, ['bucket', 'quota', b, ...args]);
      expect(r.code, r.stderr).toBe(0);
      await new Promise((r) => setTimeout(r, 150)); // a CLI change reaches the server within 0.1 s
    };
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'one', Body: Buffer.alloc(3000, 1) }));
    // A quota on objects only says nothing of bytes: still the disk.
    await quota('--max-objects', '100');
    expect((await capacity()).capacity).toBe(statfsSync(ts.dataDir).blocks * statfsSync(ts.dataDir).bsize);
    await quota('--max-size', '10000');
    expect(await capacity()).toEqual({ capacity: 10000, available: 7000, used: 3000 });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'two', Body: Buffer.alloc(2000, 1) }));
    expect(await capacity()).toEqual({ capacity: 10000, available: 5000, used: 5000 });
    // Lowered below what the bucket holds: nothing available, never negative.
    await quota('--max-size', '4000');
    expect(await capacity()).toEqual({ capacity: 4000, available: 0, used: 5000 });
    await quota('--max-size', 'none', '--max-objects', 'none');
    expect((await capacity()).capacity).toBe(statfsSync(ts.dataDir).blocks * statfsSync(ts.dataDir).bsize);
  });

  it('is an object read like any other: the bucket must exist, and access is the bucket owner’s to give', async () => {
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: 'no-such-veeam-bucket', Key: `${PREFIX}/system.xml` })), 'NoSuchBucket', 404);
    const b = await newBucket(s3, { prefix: 'veeam' });
    const anon = await rawRequest(ts.url, 'GET', `/${b}/${PREFIX}/capacity.xml`, { anonymous: true });
    expect(anon.status).toBe(403);
    // Other keys under the prefix are ordinary keys.
    await expectS3Error(s3.send(new GetObjectCommand({ Bucket: b, Key: `${PREFIX}/other.xml` })), 'NoSuchKey', 404);
  });
});

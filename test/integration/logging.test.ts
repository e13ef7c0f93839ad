import { Writable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';

/** One JSON line per request, in pino's format, carrying the request id the client saw; never a secret. */
describe('request log', () => {
  let ts: TestServer;
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString('utf8');
      cb();
    },
  });

  beforeAll(async () => {
    ts = await startTestServer({}, { logger: pino({ level: 'info', base: undefined }, sink) });
  });
  afterAll(async () => {
    await ts.stop();
  });

  it('writes one line per request with its request id, operation, status and error code', async () => {
    const client = ts.client();
    const ids: string[] = [];
    const grab = (m: { $metadata: { requestId?: string } }) => ids.push(m.$metadata.requestId!);
    grab(await client.send(new CreateBucketCommand({ Bucket: 'logs' })));
    grab(await client.send(new PutObjectCommand({ Bucket: 'logs', Key: 'a "quoted"\nkey', Body: 'hello' })));
    const err = await client.send(new GetObjectCommand({ Bucket: 'logs', Key: 'missing' })).catch((e: { $metadata: { requestId?: string } }) => e);
    grab(err as { $metadata: { requestId?: string } });
    await new Promise((r) => setTimeout(r, 50));
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byId = (id: string) => lines.filter((l) => l.reqId === id);
    expect(ids.every((id) => byId(id).length === 1)).toBe(true);
    expect(byId(ids[0]!)[0]).toMatchObject({ level: 30, method: 'PUT', bucket: 'logs', op: 'CreateBucket', status: 200, user: 'admin' });
    expect(byId(ids[1]!)[0]).toMatchObject({ op: 'PutObject', key: 'a "quoted"\nkey', status: 200 });
    expect(byId(ids[2]!)[0]).toMatchObject({ op: 'GetObject', status: 404, code: 'NoSuchKey' });
    expect(typeof byId(ids[2]!)[0]!.ms).toBe('number');
    expect(out).not.toContain(SECRET_KEY);
    expect(out.toLowerCase()).not.toContain('signature=');
  });
});

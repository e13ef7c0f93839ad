/**
 * Slow and greedy clients cannot pin the server: a header trickled a byte at
 * a time is still cut off at the header timeout, too many header fields are
 * refused, and one client address gets at most CAIRN_MAX_CONNECTIONS_PER_CLIENT
 * connections (more are answered 503 SlowDown and closed). Stalled bodies and
 * idle keep-alives: test/integration/http-framing.test.ts.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rawSocket, requestHead } from '../helpers/signing.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ headerTimeoutSeconds: 1, maxHeaderCount: 30, maxConnectionsPerClient: 3 });
});
afterAll(async () => ts?.stop());

describe('connection hygiene', () => {
  it('a header trickled one byte at a time is cut off at the header timeout with 400 RequestTimeout', async () => {
    const head = `GET /-/health HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}`;
    const parts: Array<string | number> = [];
    for (const ch of head) parts.push(ch, 20);
    const r = await rawSocket(ts.port, parts, 8000);
    expect(r.closed).toBe(true);
    expect(r.ms).toBeLessThan(3500);
    expect(r.text).toContain('<Code>RequestTimeout</Code>');
  });

  it('more header fields than CAIRN_MAX_HEADER_COUNT are 400 RequestHeaderSectionTooLarge', async () => {
    const many: Record<string, string> = { host: 'x' };
    for (let i = 0; i < 40; i++) many[`x-extra-${i}`] = 'v';
    const r = await rawSocket(ts.port, [requestHead('GET', '/-/health', many)], 3000);
    expect(r.status, r.text).toBe(400);
    expect(r.text).toContain('<Code>RequestHeaderSectionTooLarge</Code>');
    const few: Record<string, string> = { host: 'x', connection: 'close' };
    for (let i = 0; i < 20; i++) few[`x-extra-${i}`] = 'v';
    expect((await rawSocket(ts.port, [requestHead('GET', '/-/health', few)], 3000)).status).toBe(200);
  });

  it('caps concurrent connections per client address: the one over it is answered 503 SlowDown and closed', async () => {
    const open: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const s = connect(ts.port, '127.0.0.1');
        await new Promise((ok) => s.once('connect', ok));
        open.push(s);
      }
      await sleep(50);
      const over = await rawSocket(ts.port, [requestHead('GET', '/-/health', { host: 'x' })], 3000);
      expect(over.status, over.text).toBe(503);
      expect(over.text).toContain('<Code>SlowDown</Code>');
      expect(over.closed).toBe(true);
      // One closes: a new connection is served again.
      open.pop()!.destroy();
      await sleep(50);
      const again = await rawSocket(ts.port, [requestHead('GET', '/-/health', { host: 'x', connection: 'close' })], 3000);
      expect(again.status).toBe(200);
    } finally {
      for (const s of open) s.destroy();
    }
  });
});

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientFacts } from '../../src/http/forwarded.js';

const req = (remoteAddress: string, headers: Record<string, string> = {}, encrypted = false) =>
  ({ socket: { remoteAddress, encrypted }, headers }) as unknown as IncomingMessage;

describe('clientFacts', () => {
  it('uses the socket when no proxy is trusted', () => {
    expect(clientFacts(req('::ffff:10.1.2.3', { 'x-forwarded-proto': 'https', 'x-forwarded-for': '1.2.3.4' }), [])).toEqual({
      secure: false,
      sourceIp: '10.1.2.3',
    });
    expect(clientFacts(req('10.1.2.3', {}, true), [])).toEqual({ secure: true, sourceIp: '10.1.2.3' });
  });
  it('believes a trusted proxy: the right-most untrusted X-Forwarded-For address and the first X-Forwarded-Proto', () => {
    const proxies = ['10.0.0.0/8', '192.168.1.1', 'fd00::/8'];
    expect(clientFacts(req('10.0.0.5', { 'x-forwarded-proto': 'https', 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.0.0.7' }), proxies)).toEqual({
      secure: true,
      sourceIp: '203.0.113.9',
    });
    expect(clientFacts(req('::ffff:192.168.1.1', { 'x-forwarded-proto': 'http' }, true), proxies)).toEqual({ secure: false, sourceIp: '192.168.1.1' });
    expect(clientFacts(req('fd00::1', { 'x-forwarded-for': '2001:db8::1' }), proxies)).toEqual({ secure: false, sourceIp: '2001:db8::1' });
    expect(clientFacts(req('192.168.1.2', { 'x-forwarded-proto': 'https' }), proxies)).toEqual({ secure: false, sourceIp: '192.168.1.2' });
  });
});

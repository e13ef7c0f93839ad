import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { listeningUrls } from '../../src/main.js';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({ address, family, internal }) as NetworkInterfaceInfo;
const machine: NodeJS.Dict<NetworkInterfaceInfo[]> = {
  eth0: [nic('192.168.1.10', 'IPv4'), nic('fd00::2', 'IPv6'), nic('fe80::fc:ff:fe00:1', 'IPv6')],
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  wg0: [nic('10.8.0.1', 'IPv4')],
};

describe('listeningUrls (the start-up line)', () => {
  it('expands 0.0.0.0 to every IPv4 address of the machine, loopback first', () => {
    expect(listeningUrls([{ address: '0.0.0.0', port: 9000 }], machine)).toEqual(['http://127.0.0.1:9000', 'http://192.168.1.10:9000', 'http://10.8.0.1:9000']);
  });

  it("expands '::' (dual-stack) to IPv4 and IPv6 addresses, without link-local ones, loopback first", () => {
    expect(listeningUrls([{ address: '::', port: 9000 }], machine)).toEqual([
      'http://127.0.0.1:9000',
      'http://[::1]:9000',
      'http://192.168.1.10:9000',
      'http://10.8.0.1:9000',
      'http://[fd00::2]:9000',
    ]);
  });

  it('names a specific address as it is, and each address of a name that resolved to several', () => {
    expect(listeningUrls([{ address: '192.168.1.10', port: 80 }], machine)).toEqual(['http://192.168.1.10:80']);
    expect(
      listeningUrls(
        [
          { address: '::1', port: 9000 },
          { address: '127.0.0.1', port: 9000 },
        ],
        machine,
      ),
    ).toEqual(['http://[::1]:9000', 'http://127.0.0.1:9000']);
  });

  it('falls back to loopback when the machine reports no interface', () => {
    expect(listeningUrls([{ address: '0.0.0.0', port: 9000 }], {})).toEqual(['http://127.0.0.1:9000']);
  });
});

/**
 * Behind a TLS-terminating proxy: X-Forwarded-Proto and X-Forwarded-For are
 * believed only from the addresses in CAIRN_TRUSTED_PROXIES (anyone else
 * could claim to have come over HTTPS, or from an allowed aws:SourceIp).
 */
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

const unmap = (a: string) => (a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a);

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    this.empty = entries.length === 0;
    for (const e of entries) {
      const [addr, bits] = e.split('/') as [string, string | undefined];
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(addr, family);
      else this.list.addSubnet(addr, Number(bits), family);
    }
  }

  trusts(address: string | undefined): boolean {
    if (this.empty || !address) return false;
    const a = unmap(address);
    const family = isIP(a);
    return family !== 0 && this.list.check(a, family === 6 ? 'ipv6' : 'ipv4');
  }
}

const cache = new WeakMap<readonly string[], TrustedProxies>();

/** The TrustedProxies of a configured list (built once per list). */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  let t = cache.get(entries);
  if (!t) cache.set(entries, (t = new TrustedProxies(entries)));
  return t;
}

export interface ClientFacts {
  /** The request reached Cairn over TLS, or a trusted proxy says the client used https. */
  secure: boolean;
  /** The client's address: the socket's, or the one a trusted proxy forwarded. */
  sourceIp: string | undefined;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** How the client reached Cairn, believing forwarded headers only from trusted proxies. */
export function clientFacts(raw: IncomingMessage, proxies: readonly string[]): ClientFacts {
  const peer = raw.socket?.remoteAddress;
  const tls = (raw.socket as TLSSocket | undefined)?.encrypted === true;
  const direct: ClientFacts = { secure: tls, sourceIp: peer === undefined ? undefined : unmap(peer) };
  if (proxies.length === 0) return direct;
  const t = trustedProxies(proxies);
  if (!t.trusts(peer)) return direct;
  const proto = one(raw.headers['x-forwarded-proto'])?.split(',')[0]?.trim().toLowerCase();
  // The client is the right-most address a trusted proxy did not add.
  const chain = (one(raw.headers['x-forwarded-for']) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => isIP(unmap(s)) !== 0);
  let sourceIp = direct.sourceIp;
  for (let i = chain.length - 1; i >= 0; i--) {
    sourceIp = unmap(chain[i]!);
    if (!t.trusts(sourceIp)) break;
  }
  return { secure: proto === undefined ? tls : proto === 'https', sourceIp };
}

import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import { ACCESS_KEY, SECRET_KEY } from './server.js';

/** The hash constructor @smithy/signature-v4 wants, on node:crypto. */
export class Sha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret ? createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer)) : createHash('sha256');
  }
  update(d: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof d === 'string' ? d : Buffer.from(d as ArrayBuffer));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

export const sha256hex = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
const hmac = (k: Buffer | string, d: string) => createHmac('sha256', k).update(d).digest();

export function signingKey(secret: string, date: string, region = 'us-east-1', service = 's3'): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export interface RawOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
  secret?: string;
  /** Sign as this access key (with `secret`); the test server's administrator when absent. */
  accessKeyId?: string;
  date?: Date;
  /** Leave the request unsigned. */
  anonymous?: boolean;
  /** Do not add x-amz-content-sha256 (UNSIGNED-PAYLOAD) when the caller sets none. */
  noPayloadHeader?: boolean;
}

/** Signs a request with SigV4 (@smithy/signature-v4) and sends it with undici. */
export async function rawRequest(baseUrl: string, method: string, path: string, opts: RawOptions = {}) {
  const url = new URL(baseUrl + path);
  const host = url.host;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const headers: Record<string, string> = { host, ...opts.headers };
  if (!opts.noPayloadHeader && headers['x-amz-content-sha256'] === undefined) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  if (!opts.anonymous) {
    const signer = new SignatureV4({
      credentials: { accessKeyId: opts.accessKeyId ?? ACCESS_KEY, secretAccessKey: opts.secret ?? SECRET_KEY },
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      { method, protocol: 'http:', hostname: host, path: decodeURIComponent(url.pathname), query, headers, body: opts.body },
      { signingDate: opts.date },
    );
    Object.assign(headers, signed.headers);
  }
  const res = await request(`${baseUrl}${path}`, { method: method as 'GET', headers, body: opts.body });
  // The body as received (`text` would hide invalid UTF-8 behind U+FFFD).
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, text: bytes.toString('utf8'), bytes };
}

export interface ChunkedUpload {
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Builds a STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER) request the way
 * minio-go and the SDKs frame it: the seed signature from the headers, then
 * one signature per chunk, chained, and an optional signed trailer.
 */
export async function signedChunkedUpload(
  host: string,
  path: string,
  data: Buffer,
  opts: { chunkSize?: number; trailer?: { name: string; value: string }; extraHeaders?: Record<string, string> } = {},
): Promise<ChunkedUpload> {
  const chunkSize = opts.chunkSize ?? 64 * 1024;
  const now = new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const mode = opts.trailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  const headers: Record<string, string> = {
    host,
    'x-amz-content-sha256': mode,
    'x-amz-decoded-content-length': String(data.length),
    'content-encoding': 'aws-chunked',
    'x-amz-date': amzDate,
    ...opts.extraHeaders,
  };
  if (opts.trailer) headers['x-amz-trailer'] = opts.trailer.name;
  const signer = new SignatureV4({
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    region: 'us-east-1',
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  let trailerText = '';
  if (opts.trailer) trailerText = `${opts.trailer.name}:${opts.trailer.value}`;
  // content-length is left out of the signature (it is set once the body is framed).
  const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: host, path, headers }, { signingDate: now });
  const seed = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))![1]!;
  Object.assign(headers, signed.headers);
  const key = signingKey(SECRET_KEY, date);
  let prev = seed;
  const parts: Buffer[] = [];
  for (const c of [...chunks, Buffer.alloc(0)]) {
    const sts = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, prev, sha256hex(''), sha256hex(c)].join('\n');
    prev = createHmac('sha256', key).update(sts).digest('hex');
    parts.push(Buffer.from(`${c.length.toString(16)};chunk-signature=${prev}\r\n`), c, Buffer.from('\r\n'));
  }
  if (opts.trailer) {
    parts.pop(); // the final chunk is followed by the trailer, not a CRLF
    const sts = ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, prev, sha256hex(`${trailerText}\n`)].join('\n');
    const tsig = createHmac('sha256', key).update(sts).digest('hex');
    parts.push(Buffer.from(`${trailerText}\r\nx-amz-trailer-signature:${tsig}\r\n\r\n`));
  }
  const body = Buffer.concat(parts);
  headers['content-length'] = String(body.length);
  return { headers, body };
}

/** SigV4 Authorization-header signing of a request's headers (UNSIGNED-PAYLOAD unless set), for raw-socket tests. */
export async function signHeaders(
  host: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  query: Record<string, string> = {},
): Promise<Record<string, string>> {
  const h: Record<string, string> = { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', ...headers };
  const signer = new SignatureV4({
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    region: 'us-east-1',
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign({ method, protocol: 'http:', hostname: host, path, query, headers: h });
  return signed.headers as Record<string, string>;
}

export interface RawExchange {
  /** Everything the server sent before closing (or before `waitMs` passed). */
  text: string;
  status?: number;
  /** The connection was closed by the server. */
  closed: boolean;
  /** Milliseconds from the first byte sent until the server closed (or the wait ended). */
  ms: number;
}

/**
 * Writes `parts` to a fresh TCP connection (a number is a pause in ms) and
 * collects what the server answers until it closes or `waitMs` passes.
 */
export async function rawSocket(port: number, parts: Array<string | Buffer | number>, waitMs = 3000): Promise<RawExchange> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : undefined, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    s.on('data', (d) => chunks.push(d));
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
    s.on('connect', async () => {
      for (const p of parts) {
        if (typeof p === 'number') await new Promise((r) => setTimeout(r, p));
        else if (!s.destroyed) s.write(p);
      }
    });
  });
}

/** The request head for rawSocket: request line and headers, then the blank line. */
export function requestHead(method: string, path: string, headers: Record<string, string>): string {
  return `${method} ${path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
}

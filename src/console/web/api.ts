/**
 * The console's clients for Cairn's own S3, IAM and STS APIs: every call is
 * signed in the browser with the signed-in credentials; failures carry the
 * server's error code and message.
 */
import { objectPath, presign, sha256Hex, signHeaders, type Credentials } from './sigv4.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Session {
  readonly creds: Credentials;
  readonly region: string;
  readonly host: string;
  /** Milliseconds to add to the browser's clock (from the server's Date header) so a skewed clock still signs. */
  skew: number;
}

export type Query = Record<string, string>;

export interface CallInput {
  readonly method: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly query?: Query;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  readonly service?: 's3' | 'iam' | 'sts';
  readonly signal?: AbortSignal;
}

const UNSIGNED = 'UNSIGNED-PAYLOAD';

export function xmlDoc(text: string): Document {
  return new DOMParser().parseFromString(text, 'application/xml');
}

/** Direct children of `el` named `name` (namespace-agnostic). */
export function kids(el: Element | Document, name: string): Element[] {
  const root = el instanceof Document ? el.documentElement : el;
  return root ? [...root.children].filter((c) => c.localName === name) : [];
}

export function kid(el: Element | Document, name: string): Element | undefined {
  return kids(el, name)[0];
}

export function text(el: Element | Document | undefined, name: string): string {
  if (!el) return '';
  return kid(el, name)?.textContent ?? '';
}

function errorOf(status: number, body: string): ApiError {
  if (body.trim().startsWith('<')) {
    const doc = xmlDoc(body);
    const err = doc.getElementsByTagName('Error')[0];
    if (err) return new ApiError(status, text(err, 'Code') || `HTTP${status}`, text(err, 'Message') || `HTTP ${status}`);
  }
  return new ApiError(status, `HTTP${status}`, body.slice(0, 200) || `HTTP ${status}`);
}

function queryString(q: Query | undefined): string {
  if (!q) return '';
  const parts = Object.entries(q).map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`));
  return parts.length ? `?${parts.join('&')}` : '';
}

export class Cairn {
  constructor(readonly session: Session) {}

  private now(): Date {
    return new Date(Date.now() + this.session.skew);
  }

  async headersFor(input: CallInput, payloadHash: string): Promise<Record<string, string>> {
    const service = input.service ?? 's3';
    return signHeaders(this.session.creds, {
      method: input.method,
      path: service === 's3' ? objectPath(input.bucket ?? '', input.key) : '/',
      query: input.query,
      headers: input.headers,
      payloadHash,
      host: this.session.host,
      region: this.session.region,
      service,
      now: this.now(),
    });
  }

  urlFor(input: Pick<CallInput, 'bucket' | 'key' | 'query' | 'service'>): string {
    const path = (input.service ?? 's3') === 's3' ? objectPath(input.bucket ?? '', input.key) : '/';
    return path + queryString(input.query);
  }

  /** One signed request; resolves with the response (any 2xx), rejects with ApiError. */
  async call(input: CallInput): Promise<Response> {
    const body = input.body;
    const hash = body === undefined ? await sha256Hex('') : typeof body === 'string' || body.length < 1 << 20 ? await sha256Hex(body) : UNSIGNED;
    const headers = await this.headersFor(input, hash);
    const res = await fetch(this.urlFor(input), { method: input.method, headers, body: body as BodyInit | undefined, signal: input.signal });
    const date = res.headers.get('date');
    if (date) this.session.skew = Date.parse(date) - Date.now();
    if (!res.ok) throw errorOf(res.status, input.method === 'HEAD' ? '' : await res.text());
    return res;
  }

  async xml(input: CallInput): Promise<Document> {
    const res = await this.call(input);
    return xmlDoc(await res.text());
  }

  /** An IAM or STS Query API action. */
  async query(service: 'iam' | 'sts', action: string, params: Record<string, string> = {}): Promise<Document> {
    const version = service === 'iam' ? '2010-05-08' : '2011-06-15';
    const body = new URLSearchParams({ Action: action, Version: version, ...params }).toString();
    return this.xml({ method: 'POST', service, body, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } });
  }

  /** A presigned URL (absolute), GET unless told. */
  async presign(bucket: string, key: string, expires: number, query: Query = {}, method = 'GET'): Promise<string> {
    const path = await presign(this.session.creds, {
      method,
      path: objectPath(bucket, key),
      query,
      host: this.session.host,
      region: this.session.region,
      service: 's3',
      now: this.now(),
      expires,
    });
    return `${location.protocol}//${this.session.host}${path}`;
  }

  /**
   * A PUT whose body is sent with XMLHttpRequest, for upload progress;
   * `onProgress` gets bytes sent. Resolves with the response headers' ETag.
   */
  async upload(input: Omit<CallInput, 'body'> & { body: Blob }, onProgress: (sent: number) => void, signal?: AbortSignal): Promise<string> {
    const headers = await this.headersFor({ ...input, body: undefined }, UNSIGNED);
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(input.method, this.urlFor(input));
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.getResponseHeader('etag') ?? '');
        else reject(errorOf(xhr.status, xhr.responseText));
      };
      xhr.onerror = () => reject(new ApiError(0, 'NetworkError', 'The upload failed: the connection was lost.'));
      xhr.onabort = () => reject(new ApiError(0, 'Aborted', 'The upload was cancelled.'));
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(input.body);
    });
  }
}

/**
 * Answers: an operation's output (status, headers, an XML document or a
 * body), and errors in S3 XML, with the request id.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { S3Error } from '../errors/s3error.js';
import { isSendable, WRITE_TO } from '../io/sendable.js';
import type { Output } from '../s3/operation.js';
import { escapeXml, toXml, S3_XMLNS } from '../xml/xml.js';

/** Bodies left unread by a failed request are drained (keeping the connection) up to this size; larger ones close it. */
const DRAIN_LIMIT = 8 * 1024 * 1024;

/** Request ids: a random prefix per server and a counter, as hex (one per server instance). */
export class RequestIds {
  private readonly prefix = randomBytes(4).toString('hex').toUpperCase();
  private counter = 0;
  /** The x-amz-id-2 this server answers with. */
  readonly hostId = randomBytes(24).toString('base64');

  next(): string {
    this.counter = (this.counter + 1) % 0x100000000;
    return this.prefix + this.counter.toString(16).toUpperCase().padStart(8, '0');
  }
}

export function errorBody(e: S3Error, resource: string, requestId: string, hostId: string): string {
  return toXml('Error', { Code: e.code, Message: e.message, ...e.extra, Resource: resource, RequestId: requestId, HostId: hostId }, null);
}

function common(reply: FastifyReply, requestId: string, hostId: string): void {
  reply.header('x-amz-request-id', requestId);
  reply.header('x-amz-id-2', hostId);
  reply.header('server', 'Cairn');
}

export async function sendError(reply: FastifyReply, raw: IncomingMessage, e: S3Error, resource: string, requestId: string, hostId: string): Promise<void> {
  reply.code(e.status);
  common(reply, requestId, hostId);
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  if (!raw.complete) {
    // A body that was never asked for (Expect: 100-continue) or is large is not drained: the connection closes.
    const len = Number(raw.headers['content-length'] ?? NaN);
    const waiting = typeof raw.headers.expect === 'string' && raw.headers.expect.toLowerCase() === '100-continue' && !reply.raw.headersSent;
    if (e.code === 'RequestTimeout') {
      // The client stopped sending: the rest of its body will not come; close once answered.
      reply.header('connection', 'close');
      reply.raw.once('finish', () => raw.socket?.destroy());
    } else if (waiting || !(len <= DRAIN_LIMIT)) reply.header('connection', 'close');
    else {
      // The reader gave up part-way (e.g. InsufficientStorage): discard the rest so the connection can carry the next request.
      raw.unpipe();
      raw.resume();
    }
  }
  if (raw.method === 'HEAD' || e.status === 304) {
    await reply.send();
    return;
  }
  reply.header('content-type', 'application/xml');
  await reply.send(errorBody(e, resource, requestId, hostId));
}

/** Serialises an operation's XML document. */
export function renderXml(doc: NonNullable<Output['xml']>): string {
  if (doc.text !== undefined) {
    const ns = doc.xmlns === undefined ? S3_XMLNS : doc.xmlns;
    const open = ns ? `<${doc.root} xmlns="${ns}">` : `<${doc.root}>`;
    return `<?xml version="1.0" encoding="UTF-8"?>\n${open}${escapeXml(doc.text)}</${doc.root}>`;
  }
  return toXml(doc.root, doc.body, doc.xmlns === undefined ? S3_XMLNS : doc.xmlns);
}

export async function sendOutput(reply: FastifyReply, out: Output, requestId: string, hostId: string, method: string): Promise<void> {
  reply.code(out.status ?? 200);
  common(reply, requestId, hostId);
  if (out.headers) for (const [k, v] of Object.entries(out.headers)) if (v !== undefined) reply.header(k, v);
  if (out.xml !== undefined) {
    reply.header('content-type', 'application/xml');
    await reply.send(renderXml(out.xml));
    return;
  }
  if (method === 'HEAD' || out.body === undefined) {
    if (out.body && typeof out.body === 'object' && 'destroy' in out.body) out.body.destroy();
    if (out.headers?.['content-length'] === undefined) reply.header('content-length', 0);
    await reply.send();
    return;
  }
  if (isSendable(out.body)) {
    // The body writes itself with reused buffers (see io/sendable.ts); Fastify steps aside for this reply.
    reply.hijack();
    reply.raw.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
    const res = reply.raw;
    // It never rejects by contract; should it anyway, the response is cut off rather than the process left with an unhandled rejection.
    out.body[WRITE_TO](res).catch(() => res.destroy());
    return;
  }
  await reply.send(out.body);
}

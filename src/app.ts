import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pino from 'pino';
import { authenticate, type Authenticated } from './auth/authenticate.js';
import { authorize } from './auth/authorize.js';
import type { AppContext } from './context.js';
import { S3Error, isS3Error } from './errors/s3error.js';
import { watchBody } from './http/body.js';
import { ACTIONS, dispatch, type OperationName } from './http/dispatch.js';
import { decodeHeaderTexts } from './http/headerText.js';
import { parseTarget, type Target } from './http/request.js';
import { SERVED } from './ops/index.js';
import type { OpRequest, OpResult } from './ops/types.js';
import { toXml } from './xml/xml.js';

/** Liveness endpoint: '-' cannot start a bucket name, so this path is never a bucket. */
export const HEALTH_PATH = '/-/health';

/** Bodies left unread by a failed request are drained (keeping the connection) up to this size; larger ones close it. */
const DRAIN_LIMIT = 8 * 1024 * 1024;

const HOST_ID = randomBytes(24).toString('base64');
const ID_PREFIX = randomBytes(4).toString('hex').toUpperCase();
let idCounter = 0;

function newRequestId(): string {
  idCounter = (idCounter + 1) % 0x100000000;
  return ID_PREFIX + idCounter.toString(16).toUpperCase().padStart(8, '0');
}

function errorBody(e: S3Error, resource: string, requestId: string): string {
  return toXml('Error', { Code: e.code, Message: e.message, ...e.extra, Resource: resource, RequestId: requestId, HostId: HOST_ID }, null);
}

/** Turns anything thrown into the S3Error to answer with. */
function asS3Error(e: unknown, ctx: AppContext, requestId: string): S3Error {
  if (isS3Error(e)) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (e as Error)?.message === 'aborted') {
    return new S3Error('IncompleteBody');
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') return new S3Error('InsufficientStorage');
  ctx.log.error({ err: e, reqId: requestId }, 'internal error');
  return new S3Error('InternalError');
}

interface RequestLog {
  reqId: string;
  op?: OperationName | 'Health';
  method: string;
  bucket?: string;
  key?: string;
  user?: string;
  status?: number;
  code?: string;
  bytes?: number;
}

/**
 * The request's log line, in pino's format, written straight to the logger's
 * destination: pino's serializer and redaction cost ~8% of a small request,
 * and this line holds only fields Cairn chose (no headers, no secrets).
 */
function writeAccessLine(ctx: AppContext, l: RequestLog, status: number, ms: number, aborted: boolean): void {
  const dest = (ctx.log as unknown as Record<symbol, { write(s: string): unknown } | undefined>)[pino.symbols.streamSym];
  const line = {
    level: 30,
    time: Date.now(),
    reqId: l.reqId,
    method: l.method,
    bucket: l.bucket,
    key: l.key,
    user: l.user,
    op: l.op,
    status,
    code: l.code,
    bytes: l.bytes,
    ms,
    aborted: aborted || undefined,
  };
  if (dest) dest.write(`${JSON.stringify(line)}\n`);
  else ctx.log.info(line);
}

/**
 * Errors Node's HTTP parser meets before a request exists (a header section
 * too large, headers that never finish, broken framing) are answered in S3
 * XML too, then the connection is closed.
 */
function clientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new S3Error('RequestHeaderSectionTooLarge')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new S3Error('RequestTimeout')
        : new S3Error('InvalidRequest', 'The HTTP request could not be parsed.');
  const requestId = newRequestId();
  const body = errorBody(e, '/', requestId);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-amz-request-id: ${requestId}\r\nServer: Cairn\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export function buildApp(ctx: AppContext): FastifyInstance {
  const { config } = ctx;
  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    http: {
      maxHeaderSize: config.maxHeaderBytes,
      headersTimeout: config.headerTimeoutSeconds * 1000,
      // How often Node checks header timeouts (its default, 30 s, would let a slow client hold a socket that long).
      connectionsCheckingInterval: Math.min(1000, config.headerTimeoutSeconds * 500),
    },
    keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000,
    // No limit on a whole request (a large upload takes as long as it takes); stalled bodies are caught by watchBody.
    requestTimeout: 0,
    clientErrorHandler: clientError,
    routerOptions: { maxParamLength: 1 << 16, ignoreDuplicateSlashes: false, ignoreTrailingSlash: false },
    // Framework-level failures (a URL the router cannot decode, ...) still answer in S3 XML.
    frameworkErrors: (err, req, reply) => {
      const requestId = newRequestId();
      const e = new S3Error(/url/i.test(err.message) ? 'InvalidURI' : 'InvalidRequest', err.message);
      void sendError(reply, req.raw, e, req.raw.url ?? '/', requestId);
    },
  });

  // Bodies stay raw streams: no parser reads them, operations do.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  // Expect: 100-continue is answered by the pipeline only once the request is authenticated and accepted.
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    app.server.emit('request', req, res);
  });
  // An empty Expect asks for nothing (Node would answer 417); any other expectation is refused as Node would.
  app.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    if (String(req.headers.expect ?? '').trim() === '') {
      delete req.headers.expect;
      app.server.emit('request', req, res);
      return;
    }
    res.writeHead(417, { connection: 'close' });
    res.end();
  });
  // An empty Content-Type is no content type (Fastify would answer 415 before the route runs).
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.raw.headers['content-type'] !== undefined && String(request.raw.headers['content-type']).trim() === '') {
      delete request.raw.headers['content-type'];
    }
    done();
  });

  const handler = (request: FastifyRequest, reply: FastifyReply) => handle(ctx, request, reply);
  app.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH'], url: '/', handler });
  app.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH'], url: '/*', handler });
  return app;
}

async function sendError(reply: FastifyReply, raw: IncomingMessage, e: S3Error, resource: string, requestId: string): Promise<void> {
  reply.code(e.status);
  reply.header('x-amz-request-id', requestId);
  reply.header('x-amz-id-2', HOST_ID);
  reply.header('server', 'Cairn');
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
  await reply.send(errorBody(e, resource, requestId));
}

async function handle(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const started = process.hrtime.bigint();
  const raw = request.raw;
  const res = reply.raw;
  const requestId = newRequestId();
  const method = raw.method ?? 'GET';
  const log: RequestLog = { reqId: requestId, method };
  res.once('close', () => {
    if (!ctx.log.isLevelEnabled('info')) return;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    writeAccessLine(ctx, log, log.status ?? res.statusCode, Math.round(ms * 100) / 100, !res.writableFinished);
  });
  let target: Target | undefined;
  try {
    target = parseTarget(raw.url ?? '/', raw.headers.host, ctx.config.domains);
    log.bucket = target.bucket;
    log.key = target.key;
    if (target.rawPath === HEALTH_PATH && target.style === 'path') {
      log.op = 'Health';
      reply.header('x-amz-request-id', requestId).header('content-type', 'application/json');
      await reply.send('{"status":"ok"}');
      return;
    }
    decodeHeaderTexts(raw.headers);
    const auth: Authenticated = authenticate(ctx, method, target, raw.headers);
    log.user = auth.identity?.user.name;
    const name = dispatch({ method, bucket: target.bucket, key: target.key, query: target.query, headers: raw.headers });
    if (!name) throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: target.key ? 'OBJECT' : target.bucket ? 'BUCKET' : 'SERVICE' });
    log.op = name;
    const op = SERVED[name];
    if (!op) throw new S3Error('NotImplemented', `${name} is not implemented by Cairn.`);
    const r: OpRequest = { id: requestId, method, target, headers: raw.headers, raw, auth: bodyReader(auth, raw, res, ctx.config.bodyTimeoutSeconds * 1000) };
    if (!op.authenticatesItself) {
      authorize(ctx, auth.identity, op.checks ? op.checks(r) : [{ action: ACTIONS[name], bucket: target.bucket, key: target.key }]);
    }
    const out = await op.run(ctx, r);
    log.bytes = out.bytes;
    await sendResult(reply, out, requestId, method);
  } catch (err) {
    const e = asS3Error(err, ctx, requestId);
    log.status = e.status;
    log.code = e.code;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const resource = target ? (target.style === 'virtual' ? `/${target.bucket}${target.rawPath}` : target.rawPath) : (raw.url ?? '/');
    await sendError(reply, raw, e, resource, requestId);
  }
}

/**
 * The body as operations read it: `100 Continue` is sent the first time an
 * operation reads it (never for a request that fails before), and a body
 * that stalls fails with RequestTimeout.
 */
function bodyReader(auth: Authenticated, raw: IncomingMessage, res: ServerResponse, timeoutMs: number): Authenticated {
  const expect = raw.headers.expect;
  const continues = typeof expect === 'string' && expect.toLowerCase() === '100-continue';
  return {
    ...auth,
    body: (stream) => {
      if (continues && !res.headersSent) res.writeContinue();
      return watchBody(raw, auth.body(stream), timeoutMs);
    },
  };
}

async function sendResult(reply: FastifyReply, out: OpResult, requestId: string, method: string): Promise<void> {
  reply.code(out.status ?? 200);
  reply.header('x-amz-request-id', requestId);
  reply.header('x-amz-id-2', HOST_ID);
  reply.header('server', 'Cairn');
  if (out.headers) for (const [k, v] of Object.entries(out.headers)) if (v !== undefined) reply.header(k, v);
  if (out.xml !== undefined) {
    reply.header('content-type', 'application/xml');
    await reply.send(out.xml);
    return;
  }
  if (method === 'HEAD' || out.body === undefined) {
    if (out.body && typeof out.body === 'object' && 'destroy' in out.body) out.body.destroy();
    if (out.headers?.['content-length'] === undefined) reply.header('content-length', 0);
    await reply.send();
    return;
  }
  await reply.send(out.body);
}

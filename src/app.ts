/**
 * Fastify wiring only: one catch-all route into the pipeline, raw bodies,
 * connection limits, and S3 XML for what fails before a request exists.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { S3Error } from './errors/s3error.js';
import { handle, type PipelineContext } from './http/pipeline.js';
import { errorBody, sendError, type RequestIds } from './http/reply.js';
import { parseTarget } from './http/target.js';
import { CONSOLE_HEADERS, CONSOLE_PATH, loadConsoleAssets, type Asset } from './console/assets.js';

export { HEALTH_PATH } from './http/pipeline.js';

/**
 * Errors Node's HTTP parser meets before a request exists (a header section
 * too large, headers that never finish, broken framing) are answered in S3
 * XML too, then the connection is closed.
 */
function clientError(ids: RequestIds, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new S3Error('RequestHeaderSectionTooLarge')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new S3Error('RequestTimeout')
        : new S3Error('InvalidRequest', 'The HTTP request could not be parsed.');
  const requestId = ids.next();
  const body = errorBody(e, '/', requestId, ids.hostId);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-amz-request-id: ${requestId}\r\nServer: Cairn\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** The certificate and key an HTTPS listener starts with (PEM). */
export interface TlsOptions {
  cert: Buffer;
  key: Buffer;
}

const connectionKey = (s: Socket) => `${s.remoteAddress}|${s.remotePort}`;

/**
 * At most `max` concurrent connections per client address (0: no cap).
 * Connections over it are kept just long enough to answer their first
 * request 503 SlowDown (SDKs back off and retry), then closed; their keys
 * (address|port) are what the returned set holds.
 */
function limitConnections(app: FastifyInstance, max: number): Set<string> {
  const over = new Set<string>();
  if (max <= 0) return over;
  const open = new Map<string, number>();
  app.server.on('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? '';
    const n = (open.get(addr) ?? 0) + 1;
    open.set(addr, n);
    const key = n > max ? connectionKey(socket) : undefined;
    if (key) {
      over.add(key);
      // Nothing is served on it: the first request is refused, and a client that sends none is closed soon.
      socket.setTimeout(5000, () => socket.destroy());
    }
    socket.once('close', () => {
      const left = (open.get(addr) ?? 1) - 1;
      if (left <= 0) open.delete(addr);
      else open.set(addr, left);
      if (key) over.delete(key);
    });
  });
  return over;
}

export function buildApp(ctx: PipelineContext, tls?: TlsOptions): FastifyInstance {
  const { config } = ctx;
  const http = {
    maxHeaderSize: config.maxHeaderBytes,
    headersTimeout: config.headerTimeoutSeconds * 1000,
    // How often Node checks header timeouts (its default, 30 s, would let a slow client hold a socket that long).
    connectionsCheckingInterval: Math.min(1000, config.headerTimeoutSeconds * 500),
  };
  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    // While shutting down, requests on open connections are still served (with Connection: close): /-/ready answers 503 then.
    return503OnClosing: false,
    // https.createServer takes the HTTP server's options beside the TLS ones.
    // A TLS handshake must also finish within the header timeout (Node's default would let a silent client hold a socket 120 s).
    ...(tls ? { https: { ...http, cert: tls.cert, key: tls.key, handshakeTimeout: config.headerTimeoutSeconds * 1000 } } : { http }),
    keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000,
    // No limit on a whole request (a large upload takes as long as it takes); stalled bodies are caught by watchBody.
    requestTimeout: 0,
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => clientError(ctx.ids, err, socket),
    routerOptions: { maxParamLength: 1 << 16, ignoreDuplicateSlashes: false, ignoreTrailingSlash: false },
    // Framework-level failures (a URL the router cannot decode, ...) still answer in S3 XML.
    frameworkErrors: (err, req, reply) => {
      const e = new S3Error(/url/i.test(err.message) ? 'InvalidURI' : 'InvalidRequest', err.message);
      void sendError(reply, req.raw, e, req.raw.url ?? '/', ctx.ids.next(), ctx.ids.hostId);
    },
  }) as unknown as FastifyInstance;

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
  // Node keeps at most maxHeadersCount fields and drops the rest silently: one more than the cap shows a request over it.
  app.server.maxHeadersCount = config.maxHeaderCount + 1;
  const overLimit = limitConnections(app, config.maxConnectionsPerClient);
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    // An empty Content-Type is no content type (Fastify would answer 415 before the route runs).
    if (raw.headers['content-type'] !== undefined && String(raw.headers['content-type']).trim() === '') {
      delete raw.headers['content-type'];
    }
    const refuse =
      raw.rawHeaders.length > config.maxHeaderCount * 2
        ? new S3Error('RequestHeaderSectionTooLarge', `Your request has more than ${config.maxHeaderCount} header fields.`)
        : overLimit.size > 0 && overLimit.has(connectionKey(raw.socket))
          ? new S3Error('SlowDown', `Too many connections from ${raw.socket.remoteAddress}: at most ${config.maxConnectionsPerClient} at once.`)
          : undefined;
    if (!refuse) return done();
    reply.header('connection', 'close');
    void sendError(reply, raw, refuse, raw.url ?? '/', ctx.ids.next(), ctx.ids.hostId);
  });

  const handler = (request: FastifyRequest, reply: FastifyReply) => handle(ctx, request, reply);
  const assets = config.console ? loadConsoleAssets(config.region) : undefined;
  if (assets) {
    const consoleHandler = (request: FastifyRequest, reply: FastifyReply) => serveConsole(ctx, assets, request, reply, handler);
    app.route({ method: ['GET', 'HEAD'], url: CONSOLE_PATH, handler: consoleHandler });
    app.route({ method: ['GET', 'HEAD'], url: `${CONSOLE_PATH}/*`, handler: consoleHandler });
  }
  app.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH'], url: '/', handler });
  app.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'PATCH'], url: '/*', handler });
  return app;
}

/**
 * A console file (GET/HEAD on the path-style host); on a virtual-hosted
 * bucket name the same path is an object key and goes to the S3 pipeline.
 */
async function serveConsole(
  ctx: PipelineContext,
  assets: Map<string, Asset>,
  request: FastifyRequest,
  reply: FastifyReply,
  s3: (request: FastifyRequest, reply: FastifyReply) => Promise<void>,
): Promise<void> {
  const url = request.raw.url ?? '/';
  let virtual = false;
  try {
    virtual = parseTarget(url, request.raw.headers.host, ctx.config.domains).style === 'virtual';
  } catch {
    virtual = false;
  }
  if (virtual) return s3(request, reply);
  const path = url.split('?')[0] ?? '';
  if (path === CONSOLE_PATH) {
    await reply.code(301).header('location', `${CONSOLE_PATH}/`).send();
    return;
  }
  const name = path.slice(CONSOLE_PATH.length + 1) || 'index.html';
  const asset = assets.get(name);
  reply.headers(CONSOLE_HEADERS);
  if (!asset) {
    await reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return;
  }
  reply
    .header('content-type', asset.type)
    .header('etag', asset.etag)
    .header('cache-control', name === 'index.html' || name === 'config.json' ? 'no-cache' : 'max-age=300');
  if (request.headers['if-none-match'] === asset.etag) {
    await reply.code(304).send();
    return;
  }
  const gzip = asset.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (gzip) reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding');
  await reply.send(gzip ? asset.gzip : asset.body);
}

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

export function buildApp(ctx: PipelineContext): FastifyInstance {
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
    clientErrorHandler: (err: NodeJS.ErrnoException, socket: Socket) => clientError(ctx.ids, err, socket),
    routerOptions: { maxParamLength: 1 << 16, ignoreDuplicateSlashes: false, ignoreTrailingSlash: false },
    // Framework-level failures (a URL the router cannot decode, ...) still answer in S3 XML.
    frameworkErrors: (err, req, reply) => {
      const e = new S3Error(/url/i.test(err.message) ? 'InvalidURI' : 'InvalidRequest', err.message);
      void sendError(reply, req.raw, e, req.raw.url ?? '/', ctx.ids.next(), ctx.ids.hostId);
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

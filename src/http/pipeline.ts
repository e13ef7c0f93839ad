/**
 * The one pipeline every S3 request runs through:
 * target → authenticate → route → body (as the operation's BodySpec asks) →
 * parse → authorize → run → reply → after (access line, events).
 * No operation authenticates, authorizes or renders errors itself; a form
 * upload's own authentication (its signed policy) is done here too.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, type Authenticated } from '../auth/authenticate.js';
import { authorize, type RequestFacts } from '../auth/authorize.js';
import { checkFormPolicy, formPrincipal } from '../auth/form.js';
import { principalName, type Principal } from '../auth/principal.js';
import { S3Error } from '../errors/s3error.js';
import { verifyDocument } from '../s3/integrity.js';
import type { FormUpload, Output, S3Request } from '../s3/operation.js';
import { REGISTRY } from '../s3/registry.js';
import { dispatch } from '../s3/router.js';
import { watchBody } from './body.js';
import { clientFacts } from './forwarded.js';
import { toS3Error } from './errors.js';
import { formValues, malformedForm, receiveForm, type ReceivedForm } from './form.js';
import { decodeHeaderTexts } from './headerText.js';
import { sendError, sendOutput } from './reply.js';
import { parseTarget, type Target } from './target.js';
import { handleQuery, queryService, requestFacts } from './queryApi.js';
import { HEALTH_PATH, METRICS_PATH, READY_PATH, type AccessLog, type PipelineContext, type RequestLog } from './requestContext.js';

export { HEALTH_PATH, METRICS_PATH, READY_PATH, type AccessLog, type PipelineContext, type RequestLog };

const NO_TRAILERS: ReadonlyMap<string, string> = new Map();

/** Reads a small body whole, capped at `max` bytes. */
async function readDocument(body: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      body.destroy();
      throw new S3Error('MaxMessageLengthExceeded', undefined, { MaxMessageLengthBytes: String(max) });
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/**
 * The request body as operations read it: `100 Continue` is sent the first
 * time it is asked for (never for a request that fails before), and a body
 * that stalls fails with RequestTimeout.
 */
function bodyOpener(auth: Authenticated, raw: IncomingMessage, res: ServerResponse, timeoutMs: number): () => Readable {
  const expect = raw.headers.expect;
  const continues = typeof expect === 'string' && expect.toLowerCase() === '100-continue';
  let opened = false;
  return () => {
    if (opened) throw new Error('the request body was already read');
    opened = true;
    if (continues && !res.headersSent) res.writeContinue();
    return watchBody(raw, auth.body(raw), timeoutMs);
  };
}

/**
 * Receives a form upload's fields (before its file), authenticates the form
 * by its signed policy and judges the policy; what PostObject then reads.
 */
async function formOf(
  ctx: PipelineContext,
  target: Target,
  body: Readable,
  headers: IncomingMessage['headers'],
): Promise<{ form: FormUpload; received: ReceivedForm; principal?: Principal }> {
  const received = await receiveForm(headers, body);
  try {
    const values = formValues(received.fields);
    const principal = formPrincipal(ctx, values);
    const rawKey = values.get('key');
    if (rawKey === undefined) {
      throw new S3Error('InvalidArgument', "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", {
        ArgumentName: 'key',
        ArgumentValue: '',
      });
    }
    values.set('key', rawKey.replaceAll('${filename}', received.file?.filename ?? ''));
    const lengthRange = checkFormPolicy(ctx, received.fields, values, target.bucket ?? '');
    if (!received.file)
      throw new S3Error('InvalidArgument', 'POST requires exactly one file upload per request.', { ArgumentName: 'file', ArgumentValue: '0' });
    return {
      received,
      principal,
      form: { fields: received.fields, values, file: received.file, lengthRange, finished: () => received.finished, failure: received.failure },
    };
  } catch (e) {
    received.abort();
    throw e;
  }
}

export async function handle(ctx: PipelineContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const started = process.hrtime.bigint();
  const raw = request.raw;
  const res = reply.raw;
  const requestId = ctx.ids.next();
  const method = raw.method ?? 'GET';
  const log: RequestLog = { reqId: requestId, method };
  const metrics = ctx.requestMetrics;
  const socket = raw.socket;
  const read0 = metrics ? socket.bytesRead : 0;
  const written0 = metrics ? socket.bytesWritten : 0;
  metrics?.started();
  res.once('close', () => {
    const ns = process.hrtime.bigint() - started;
    if (metrics) {
      // A small body arrives with the header (already counted at the start): a complete body counts as its Content-Length.
      const len = raw.headers['content-length'];
      const received = len !== undefined && raw.complete ? Number(len) || 0 : socket.bytesRead - read0;
      metrics.finished(log.op ?? 'Unknown', log.status ?? res.statusCode, log.code, Number(ns) / 1e9, received, socket.bytesWritten - written0);
    }
    if (!ctx.log.isLevelEnabled('info')) return;
    const ms = Number(ns) / 1e6;
    ctx.accessLog({
      level: 30,
      time: Date.now(),
      reqId: log.reqId,
      method: log.method,
      bucket: log.bucket,
      key: log.key,
      user: log.user,
      op: log.op,
      service: log.service,
      status: log.status ?? res.statusCode,
      code: log.code,
      bytes: log.bytes,
      ms: Math.round(ms * 100) / 100,
      aborted: !res.writableFinished || undefined,
    });
  });
  let target: Target | undefined;
  let form: ReceivedForm | undefined;
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
    if ((target.rawPath === READY_PATH || target.rawPath === METRICS_PATH) && target.style === 'path') {
      await serverEndpoint(ctx, target.rawPath, raw, reply, log, requestId);
      return;
    }
    const service = queryService(raw.headers, target);
    if (service !== undefined) {
      await handleQuery(ctx, service, target, request, reply, log, requestId);
      return;
    }
    decodeHeaderTexts(raw.headers);
    const auth = authenticate(ctx, method, target, raw.headers);
    log.user = principalName(auth.principal);
    const name = dispatch({ method, bucket: target.bucket, key: target.key, query: target.query, headers: raw.headers });
    if (!name) throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: target.key ? 'OBJECT' : target.bucket ? 'BUCKET' : 'SERVICE' });
    log.op = name;
    const op = REGISTRY.get(name);
    if (!op) throw new S3Error('NotImplemented', `${name} is not implemented by Cairn.`);
    const openBody = bodyOpener(auth, raw, res, ctx.config.bodyTimeoutSeconds * 1000);
    let principal = auth.principal;
    let document: Buffer | undefined;
    let formUpload: FormUpload | undefined;
    const spec = op.body;
    if (spec.kind === 'document') {
      const body = await readDocument(openBody(), spec.max);
      if (spec.integrity !== 'none' && (body.length > 0 || !spec.optional))
        verifyDocument(raw.headers, auth.trailerNames, auth.trailers, body, spec.integrity === 'required');
      document = body;
    } else if (spec.kind === 'form') {
      const f = await formOf(ctx, target, openBody(), raw.headers);
      form = f.received;
      formUpload = f.form;
      principal = f.principal;
      log.user = principalName(principal);
    }
    const client = clientFacts(raw, ctx.config.trustedProxies);
    const req: S3Request = {
      id: requestId,
      method,
      target,
      headers: raw.headers,
      principal,
      body:
        spec.kind === 'stream'
          ? openBody
          : () => {
              throw new Error(`${name} does not stream its body`);
            },
      trailers: spec.kind === 'form' ? () => NO_TRAILERS : auth.trailers,
      contentLength: auth.contentLength,
      trailerNames: spec.kind === 'form' ? [] : auth.trailerNames,
      document,
      form: formUpload,
      secure: client.secure,
    };
    const input = op.parse(req);
    const facts: RequestFacts = {
      ...requestFacts(raw, client),
      authType: spec.kind === 'form' ? 'POST' : auth.method === 'sigv4-query' || auth.method === 'sigv2-query' ? 'REST-QUERY-STRING' : 'REST-HEADER',
      signatureVersion: auth.method === 'sigv2' || auth.method === 'sigv2-query' ? 'AWS' : 'AWS4-HMAC-SHA256',
      contentSha256: typeof raw.headers['x-amz-content-sha256'] === 'string' ? raw.headers['x-amz-content-sha256'] : undefined,
    };
    const grants = authorize(ctx, principal, op.permissions(input, req), facts);
    const out: Output = await op.run(ctx, input, req, grants);
    log.bytes = out.bytes;
    await sendOutput(reply, out, requestId, ctx.ids.hostId, method);
    if (out.events && out.events.length > 0) ctx.onEvents?.(out.events);
  } catch (err) {
    form?.abort();
    const e = toS3Error(err, ctx.log, requestId);
    log.status = e.status;
    log.code = e.code;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const resource = target ? (target.style === 'virtual' ? `/${target.bucket}${target.rawPath}` : target.rawPath) : (raw.url ?? '/');
    await sendError(reply, raw, e, resource, requestId, ctx.ids.hostId);
  }
}

/** `/-/ready` and `/-/metrics`: answered by the server itself, never routed as a bucket ('-' cannot start one). */
async function serverEndpoint(
  ctx: PipelineContext,
  path: string,
  raw: IncomingMessage,
  reply: FastifyReply,
  log: RequestLog,
  requestId: string,
): Promise<void> {
  reply.header('x-amz-request-id', requestId).header('cache-control', 'no-store');
  if (path === READY_PATH) {
    log.op = 'Ready';
    const reason = ctx.probes?.notReady();
    reply.header('content-type', 'application/json');
    if (reason === undefined) {
      await reply.send('{"status":"ready"}');
      return;
    }
    reply.code(503).header('retry-after', '5');
    await reply.send(JSON.stringify({ status: 'not ready', reason }));
    return;
  }
  log.op = 'Metrics';
  const m = ctx.probes?.metrics ? await ctx.probes.metrics(one(raw.headers.authorization)) : undefined;
  if (!m) {
    reply.code(404).header('content-type', 'application/json');
    await reply.send('{"error":"metrics are off (CAIRN_METRICS=false)"}');
    return;
  }
  reply.code(m.status).header('content-type', m.contentType);
  if (m.status === 401) reply.header('www-authenticate', 'Bearer realm="cairn metrics"');
  await reply.send(m.body);
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export { malformedForm };

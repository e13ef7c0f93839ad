/**
 * The one pipeline every S3 request runs through:
 * target → authenticate → route → body (as the operation's BodySpec asks) →
 * parse → authorize → run → reply → after (access line, events).
 * No operation authenticates, authorizes or renders errors itself; a form
 * upload's own authentication (its signed policy) is done here too.
 */
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, unauthenticated, type Authenticated } from '../auth/authenticate.js';
import { checkExpectedOwners } from '../auth/access.js';
import { authorize, type RequestFacts } from '../auth/authorize.js';
import { checkFormPolicy, formPrincipal } from '../auth/form.js';
import { principalName, type Principal } from '../auth/principal.js';
import { S3Error } from '../errors/s3error.js';
import { actualRequestHeaders } from '../s3/cors.js';
import { verifyDocument } from '../s3/integrity.js';
import type { FormUpload, Output, S3Request } from '../s3/operation.js';
import { REGISTRY } from '../s3/registry.js';
import { requestCharged } from '../s3/requestPayment.js';
import { dispatch, subResourceOf, type OperationName } from '../s3/router.js';
import { formatAccessRecord, loggingTarget, operationLabel, type ServerAccessEntry } from '../s3/serverAccessLog.js';
import { watchBody } from './body.js';
import { clientFacts } from './forwarded.js';
import { toS3Error } from './errors.js';
import { formValues, malformedForm, receiveForm, type ReceivedForm } from './form.js';
import { decodeHeaderTexts } from './headerText.js';
import { sendError, sendOutput } from './reply.js';
import { hostWithoutPort, parseTarget, type Target } from './target.js';
import { handleWebsite } from './website.js';
import { websiteBucket } from '../s3/website.js';
import { handleQuery, queryService, requestFacts } from './queryApi.js';
import {
  HEALTH_PATH,
  METRICS_HISTORY_PATH,
  METRICS_PATH,
  NOTIFICATION_TARGETS_PATH,
  READY_PATH,
  type AccessLog,
  type PipelineContext,
  type RequestLog,
} from './requestContext.js';

export { HEALTH_PATH, METRICS_HISTORY_PATH, METRICS_PATH, NOTIFICATION_TARGETS_PATH, READY_PATH, type AccessLog, type PipelineContext, type RequestLog };

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

/**
 * The CORS headers of an actual request that carries Origin (its answer or
 * its error): the bucket's first matching rule's, from the configuration
 * cache. Nothing is looked up for a request without Origin, and a preflight
 * answers its own.
 */
function applyCors(ctx: PipelineContext, reply: FastifyReply, target: Target | undefined, method: string, headers: IncomingMessage['headers']): void {
  const origin = headers.origin;
  if (typeof origin !== 'string' || origin === '' || method === 'OPTIONS' || target?.bucket === undefined) return;
  const asked = headers['access-control-request-method'];
  const cors = actualRequestHeaders(ctx, target.bucket, origin, typeof asked === 'string' ? asked : method);
  if (cors) for (const [k, v] of Object.entries(cors)) reply.header(k, v);
}

/** What the server access log needs beyond the access line. */
interface AccessExtra {
  target?: Target;
  principal?: Principal;
  auth?: Authenticated;
  answeredAt?: bigint;
}

const numberOf = (n: unknown) => (typeof n === 'number' ? n : typeof n === 'string' && /^\d+$/.test(n) ? Number(n) : undefined);

/** Builds the request's server access log record (its bucket logs) and hands it to the worker. */
function recordAccess(
  ctx: PipelineContext,
  sink: (e: ServerAccessEntry) => void,
  raw: IncomingMessage,
  res: ServerResponse,
  reply: FastifyReply,
  log: RequestLog,
  x: AccessExtra,
  started: bigint,
  time: number,
): void {
  const bucket = log.bucket!;
  const target = loggingTarget(ctx, bucket);
  if (!target) return;
  const owner = ctx.services.identities.owner(target.ownerId);
  const now = process.hrtime.bigint();
  const p = x.principal;
  const socket = raw.socket as TLSSocket | undefined;
  const tls = socket?.encrypted === true;
  const method = raw.method ?? 'GET';
  // Fastify keeps the headers it writes with writeHead: they are asked of the reply.
  const sent = (name: string) => reply.getHeader(name) ?? res.getHeader(name);
  const length = numberOf(sent('content-length'));
  const range = sent('content-range');
  const total = typeof range === 'string' ? numberOf(range.slice(range.lastIndexOf('/') + 1)) : undefined;
  const versionHeader = sent('x-amz-version-id');
  const am = x.auth?.method;
  const referer = raw.headers.referer;
  const line = formatAccessRecord({
    bucketOwner: owner?.canonicalId ?? '-',
    bucket,
    time,
    remoteIp: socket?.remoteAddress?.replace(/^::ffff:/, ''),
    requester: p ? (p.type === 'Account' ? p.account.canonicalId : p.arn) : undefined,
    requestId: log.reqId,
    operation: operationLabel(log.op as OperationName | undefined, method, x.target ? subResourceOf(x.target.query) : undefined, !!log.key),
    key: log.key,
    method,
    url: raw.url ?? '/',
    httpVersion: raw.httpVersion,
    status: log.status ?? res.statusCode,
    errorCode: log.code,
    bytesSent: method === 'HEAD' || res.statusCode === 304 ? undefined : length,
    objectSize: log.key ? (total ?? (method === 'GET' || method === 'HEAD' ? length : log.bytes)) : undefined,
    totalMs: Number(now - started) / 1e6,
    turnAroundMs: x.answeredAt === undefined ? undefined : Number(x.answeredAt - started) / 1e6,
    referer: typeof referer === 'string' ? referer : undefined,
    userAgent: raw.headers['user-agent'],
    versionId: typeof versionHeader === 'string' ? versionHeader : x.target?.query.get('versionId'),
    hostId: ctx.ids.hostId,
    signatureVersion: am === undefined || am === 'anonymous' ? undefined : am.startsWith('sigv2') ? 'SigV2' : 'SigV4',
    cipherSuite: tls ? socket.getCipher?.()?.name : undefined,
    authType: am === undefined || am === 'anonymous' ? undefined : am.endsWith('-query') ? 'QueryString' : 'AuthHeader',
    hostHeader: raw.headers.host,
    tlsVersion: tls ? (socket.getProtocol?.() ?? undefined) : undefined,
  });
  sink({ sourceBucket: bucket, sourceAccountId: owner?.accountId ?? '-', config: target.config, time, line });
}

export async function handle(ctx: PipelineContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const started = process.hrtime.bigint();
  const receivedAt = Date.now();
  const raw = request.raw;
  const res = reply.raw;
  const requestId = ctx.ids.next();
  const method = raw.method ?? 'GET';
  const log: RequestLog = { reqId: requestId, method };
  const extra: AccessExtra = {};
  const metrics = ctx.requestMetrics;
  const socket = raw.socket;
  const read0 = metrics ? socket.bytesRead : 0;
  const written0 = metrics ? socket.bytesWritten : 0;
  metrics?.started();
  res.once('close', () => {
    const ns = process.hrtime.bigint() - started;
    const sink = ctx.serverAccessLog;
    // Every S3 request on the bucket is logged, those refused before routing (a bad signature) included.
    if (sink && log.bucket !== undefined && log.service === undefined && log.op !== 'Health') {
      try {
        recordAccess(ctx, sink, raw, res, reply, log, extra, started, receivedAt);
      } catch (e) {
        ctx.log.error({ err: e, reqId: log.reqId }, 'server access log record failed');
      }
    }
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
    // A website endpoint's Host (CAIRN_WEBSITE_DOMAINS): the bucket as a static site, not the S3 API.
    if (ctx.config.websiteDomains.length > 0) {
      const site = websiteBucket(hostWithoutPort(raw.headers.host), ctx.config.websiteDomains, ctx.config.domains);
      if (site !== undefined) {
        await handleWebsite(ctx, site, request, reply, log, requestId);
        return;
      }
    }
    target = parseTarget(raw.url ?? '/', raw.headers.host, ctx.config.domains);
    extra.target = target;
    log.bucket = target.bucket;
    log.key = target.key;
    if (target.rawPath === HEALTH_PATH && target.style === 'path') {
      log.op = 'Health';
      reply.header('x-amz-request-id', requestId).header('content-type', 'application/json');
      await reply.send('{"status":"ok"}');
      return;
    }
    if ((target.rawPath === READY_PATH || target.rawPath === METRICS_PATH || target.rawPath === METRICS_HISTORY_PATH) && target.style === 'path') {
      await serverEndpoint(ctx, target.rawPath, raw, reply, log, requestId);
      return;
    }
    if (target.rawPath === NOTIFICATION_TARGETS_PATH && target.style === 'path') {
      log.op = 'ListNotificationTargets';
      decodeHeaderTexts(raw.headers);
      const auth = authenticate(ctx, method, target, raw.headers);
      extra.auth = auth;
      extra.principal = auth.principal;
      log.user = principalName(auth.principal);
      if (method !== 'GET' && method !== 'HEAD') throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'SERVICE' });
      if (!auth.principal) throw new S3Error('AccessDenied');
      extra.answeredAt = process.hrtime.bigint();
      await sendOutput(reply, notificationTargets(ctx), requestId, ctx.ids.hostId, method);
      return;
    }
    const service = queryService(raw.headers, target);
    if (service !== undefined) {
      await handleQuery(ctx, service, target, request, reply, log, requestId);
      return;
    }
    decodeHeaderTexts(raw.headers);
    // A CORS preflight is never authenticated: a browser sends no credentials, and a presigned URL's signature is for the actual method.
    const auth = method === 'OPTIONS' && target.bucket !== undefined ? unauthenticated(raw.headers) : authenticate(ctx, method, target, raw.headers);
    extra.auth = auth;
    extra.principal = auth.principal;
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
      extra.principal = principal;
      log.user = principalName(principal);
    }
    const client = clientFacts(raw, ctx.config.trustedProxies);
    const baseFacts = requestFacts(raw, client);
    const req: S3Request = {
      id: requestId,
      sourceIp: baseFacts.sourceIp,
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
    checkExpectedOwners(ctx, target.bucket, raw.headers);
    const facts: RequestFacts = {
      ...baseFacts,
      authType: spec.kind === 'form' ? 'POST' : auth.method === 'sigv4-query' || auth.method === 'sigv2-query' ? 'REST-QUERY-STRING' : 'REST-HEADER',
      signatureVersion: auth.method === 'sigv2' || auth.method === 'sigv2-query' ? 'AWS' : 'AWS4-HMAC-SHA256',
      contentSha256: typeof raw.headers['x-amz-content-sha256'] === 'string' ? raw.headers['x-amz-content-sha256'] : undefined,
    };
    const grants = authorize(ctx, principal, op.permissions(input, req, ctx), facts);
    const charged = requestCharged(ctx, name, target.bucket, principal, raw.headers);
    const out: Output = await op.run(ctx, input, req, grants);
    if (charged) reply.header('x-amz-request-charged', 'requester');
    log.bytes = out.bytes;
    applyCors(ctx, reply, target, method, raw.headers);
    extra.answeredAt = process.hrtime.bigint();
    await sendOutput(reply, out, requestId, ctx.ids.hostId, method);
    if (out.events && out.events.length > 0) ctx.onEvents?.(out.events, req);
  } catch (err) {
    form?.abort();
    const e = toS3Error(err, ctx.log, requestId);
    log.status = e.status;
    log.code = e.code;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    try {
      applyCors(ctx, reply, target, method, raw.headers);
    } catch {
      // An error answer goes out whatever the CORS lookup did.
    }
    extra.answeredAt = process.hrtime.bigint();
    const resource = target ? (target.style === 'virtual' ? `/${target.bucket}${target.rawPath}` : target.rawPath) : (raw.url ?? '/');
    await sendError(reply, raw, e, resource, requestId, ctx.ids.hostId);
  }
}

/** `/-/ready`, `/-/metrics` and `/-/metrics/history`: answered by the server itself, never routed as a bucket ('-' cannot start one). */
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
  const history = path === METRICS_HISTORY_PATH;
  log.op = history ? 'MetricsHistory' : 'Metrics';
  const probe = history ? ctx.probes?.metricsHistory : ctx.probes?.metrics;
  const m = probe ? await probe(one(raw.headers.authorization)) : undefined;
  if (!m) {
    reply.code(404).header('content-type', 'application/json');
    await reply.send('{"error":"metrics are off (CAIRN_METRICS=false)"}');
    return;
  }
  reply.code(m.status).header('content-type', m.contentType);
  if (m.status === 401) reply.header('www-authenticate', 'Bearer realm="cairn metrics"');
  await reply.send(m.body);
}

/** ListNotificationTargets: the ids and ARNs a NotificationConfiguration may name (what the console offers). */
function notificationTargets(ctx: PipelineContext): Output {
  const targets = ctx.services.notifications.targets();
  return { xml: { root: 'ListNotificationTargetsResult', body: { Target: targets.map((t) => ({ Id: t.id, Arn: t.arn })) } } };
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export { malformedForm };

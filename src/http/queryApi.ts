/**
 * The IAM and STS Query APIs on the S3 port: a request is IAM's or STS's
 * when its SigV4 credential scope names the service (`…/us-east-1/iam/aws4_request`)
 * or its Host starts with `iam.` / `sts.`. Its parameters (`Action=…&Version=…`)
 * come from the query or a form body; the body is read whole (capped) and
 * its SHA-256 is the payload hash the signature covers. Then the same steps
 * as S3: authenticate, the action's permissions judged by the one evaluator,
 * run, answer in the Query protocol's XML.
 */
import { clientFacts, type ClientFacts } from './forwarded.js';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, type Service } from '../auth/authenticate.js';
import { authorize, type RequestFacts } from '../auth/authorize.js';
import { principalName, type Principal } from '../auth/principal.js';
import { DomainError } from '../core/errors.js';
import { isS3Error, type S3Error } from '../errors/s3error.js';
import { IAM_ACTIONS } from '../iam/registry.js';
import { fromDomain, IAM_XMLNS, Params, QueryError, queryError, renderError, renderResponse, STS_XMLNS, type QueryRequest } from '../iam/protocol.js';
import type { Permission } from '../s3/operation.js';
import { STS_ACTIONS } from '../sts/actions.js';
import { parseQuery } from './query.js';
import type { PipelineContext, RequestLog } from './requestContext.js';
import type { Target } from './target.js';

/** A Query request's body is a form of parameters: policy documents make it at most a few tens of KiB. */
const MAX_QUERY_BODY = 256 * 1024;

const VERSIONS: Readonly<Record<'iam' | 'sts', string>> = { iam: '2010-05-08', sts: '2011-06-15' };
const SCOPE_SERVICE = /Credential=[^/,\s]*\/\d{8}\/[^/,\s]+\/(iam|sts)\/aws4_request/;
const QUERY_SCOPE_SERVICE = /^[^/]*\/\d{8}\/[^/]+\/(iam|sts)\/aws4_request$/;

function one(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Is this an IAM or STS request (and which)? Undefined: an S3 request. */
export function queryService(headers: IncomingHttpHeaders, target: Target): 'iam' | 'sts' | undefined {
  // The credential scope decides first, whatever the Host: with CAIRN_DOMAINS=example.com a client pointed at
  // iam.example.com signs for iam, and that is not a request for a bucket named "iam".
  const authz = one(headers, 'authorization');
  if (authz !== undefined) {
    const m = SCOPE_SERVICE.exec(authz);
    if (m) return m[1] as 'iam' | 'sts';
  }
  const credential = target.query.get('X-Amz-Credential');
  if (credential !== undefined) {
    const m = QUERY_SCOPE_SERVICE.exec(credential);
    if (m) return m[1] as 'iam' | 'sts';
  }
  // Unsigned (or SigV2): an iam./sts. host, unless it names a bucket under a configured domain.
  if (target.style === 'virtual') return undefined;
  const host = (one(headers, 'host') ?? '').toLowerCase();
  if (host.startsWith('iam.')) return 'iam';
  if (host.startsWith('sts.')) return 'sts';
  return undefined;
}

/** What every request tells condition keys: source address (IPv4-mapped IPv6 as IPv4), TLS, User-Agent, Referer. */
export function requestFacts(raw: IncomingMessage, client: ClientFacts): RequestFacts {
  return {
    sourceIp: client.sourceIp,
    secure: client.secure,
    userAgent: one(raw.headers, 'user-agent'),
    referer: one(raw.headers, 'referer'),
    tlsVersion: client.secure ? tlsVersion(raw.socket as TLSSocket) : undefined,
  };
}

/** s3:TlsVersion: "TLSv1.3" as the number 1.3 (undefined behind a TLS-terminating proxy). */
function tlsVersion(socket: TLSSocket): string | undefined {
  const v = typeof socket.getProtocol === 'function' ? socket.getProtocol() : null;
  const m = v ? /^TLSv(\d(?:\.\d)?)$/.exec(v) : null;
  return m ? (m[1]!.includes('.') ? m[1] : `${m[1]}.0`) : undefined;
}

async function readBody(raw: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of raw as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_QUERY_BODY) throw queryError('ValidationError', `Request body larger than ${MAX_QUERY_BODY} bytes.`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** Authentication failures, in the Query protocol's words. */
function fromAuth(e: S3Error): QueryError {
  switch (e.code) {
    case 'InvalidAccessKeyId':
      return queryError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    case 'InvalidToken':
      return queryError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    case 'ExpiredToken':
      return queryError('ExpiredToken', 'The security token included in the request is expired');
    case 'SignatureDoesNotMatch':
      return queryError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    case 'RequestTimeTooSkewed':
      return queryError('SignatureDoesNotMatch', `Signature expired: ${e.message}`);
    case 'AuthorizationHeaderMalformed':
    case 'AuthorizationQueryParametersError':
    case 'MissingSecurityHeader':
      return queryError('IncompleteSignature', e.message);
    case 'AccessDenied':
      return queryError('AccessDenied', e.message);
    default:
      return new QueryError(e.code, e.status, e.message);
  }
}

function toQueryError(err: unknown, ctx: PipelineContext, requestId: string): QueryError {
  if (err instanceof QueryError) return err;
  if (err instanceof DomainError) return fromDomain(err);
  if (isS3Error(err)) return fromAuth(err);
  ctx.log.error({ err, reqId: requestId }, 'internal error');
  return new QueryError('ServiceFailure', 500, 'Request processing has failed due to an unknown error, exception or failure.', 'Receiver');
}

/** Temporary credentials from GetSessionToken (not a role session) may call only these, as AWS allows without MFA. */
const SESSION_TOKEN_STS = new Set(['AssumeRole', 'GetCallerIdentity']);

export async function handleQuery(
  ctx: PipelineContext,
  service: 'iam' | 'sts',
  target: Target,
  request: FastifyRequest,
  reply: FastifyReply,
  log: RequestLog,
  requestId: string,
): Promise<void> {
  const raw = request.raw;
  const method = raw.method ?? 'GET';
  const xmlns = service === 'iam' ? IAM_XMLNS : STS_XMLNS;
  log.service = service;
  try {
    if (method !== 'GET' && method !== 'POST') throw queryError('InvalidAction', `The ${method} method is not supported by ${service.toUpperCase()}.`);
    const body = method === 'POST' ? await readBody(raw) : Buffer.alloc(0);
    const type = (one(raw.headers, 'content-type') ?? '').toLowerCase();
    const values = new Map<string, string>(target.pairs);
    if (body.length > 0) {
      if (!type.startsWith('application/x-www-form-urlencoded')) {
        throw queryError('InvalidParameterValue', 'Content-Type must be application/x-www-form-urlencoded.');
      }
      for (const [k, v] of parseQuery(body.toString('utf8'))) values.set(k, v);
    }
    const payloadHash = createHash('sha256').update(body).digest('hex');
    const auth = authenticate(ctx, method, target, raw.headers, { service: service as Service, payloadHash });
    const principal = auth.principal;
    log.user = principalName(principal);
    if (!principal) throw queryError('MissingAuthenticationToken', 'Request is missing Authentication Token');
    const name = values.get('Action');
    if (name === undefined) throw queryError('MissingAction', 'Missing Action');
    log.op = name;
    const act = (service === 'iam' ? IAM_ACTIONS : STS_ACTIONS).get(name);
    if (!act) throw queryError('InvalidAction', `Could not find operation ${name} for version ${values.get('Version') ?? 'NO_VERSION_SPECIFIED'}`);
    const version = values.get('Version');
    if (version !== undefined && version !== VERSIONS[service]) {
      throw queryError('InvalidAction', `Could not find operation ${name} for version ${version}`);
    }
    if (principal.temporary && principal.type !== 'AssumedRole' && (service === 'iam' || !SESSION_TOKEN_STS.has(name))) {
      throw queryError('AccessDenied', `Cannot call ${name} with session credentials from GetSessionToken (no MFA).`);
    }
    const facts: RequestFacts = {
      ...requestFacts(raw, clientFacts(raw, ctx.config.trustedProxies)),
      authType: auth.method === 'sigv4-query' ? 'REST-QUERY-STRING' : 'REST-HEADER',
      signatureVersion: 'AWS4-HMAC-SHA256',
    };
    const grants = { current: undefined as ReturnType<typeof authorize> | undefined };
    const req: QueryRequest = {
      id: requestId,
      principal,
      params: new Params(values),
      facts,
      allowed: (p: Permission) => (grants.current ??= authorize(ctx, principal, [], facts)).allowed(p),
      decision: (p: Permission) => (grants.current ??= authorize(ctx, principal, [], facts)).decision(p),
    };
    const perms = act.permissions(ctx, req);
    try {
      grants.current = authorize(ctx, principal, perms, facts);
    } catch (e) {
      if (isS3Error(e) && e.code === 'AccessDenied') throw notAuthorized(ctx, principal, perms, facts);
      throw e;
    }
    const result = await act.run(ctx, req);
    reply.code(200).header('x-amzn-requestid', requestId).header('content-type', 'text/xml');
    await reply.send(renderResponse(name, xmlns, result, requestId));
  } catch (err) {
    const e = toQueryError(err, ctx, requestId);
    log.status = e.status;
    log.code = e.code;
    if (reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    if (!raw.complete) reply.header('connection', 'close');
    reply.code(e.status).header('x-amzn-requestid', requestId).header('content-type', 'text/xml');
    await reply.send(renderError(e, xmlns, requestId));
  }
}

/** AccessDenied naming the first permission denied, as IAM words it. */
function notAuthorized(ctx: PipelineContext, principal: Principal, perms: readonly Permission[], facts: RequestFacts): QueryError {
  const d = authorize(ctx, principal, [], facts);
  const first = perms.find((p) => !p.optional && !d.allowed(p)) ?? perms[0];
  const resource = first?.resource ?? '*';
  return queryError(
    'AccessDenied',
    `User: ${principal.arn} is not authorized to perform: ${first?.action ?? 'this action'} on resource: ${resource} because no identity-based policy allows the ${first?.action ?? ''} action`,
  );
}

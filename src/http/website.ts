/**
 * The website endpoint: a request whose Host is `<bucket>.<website domain>`
 * (CAIRN_WEBSITE_DOMAINS) reads the bucket as a static site, as S3's
 * `<bucket>.s3-website-<region>.amazonaws.com` does: GET and HEAD only,
 * RedirectAllRequestsTo and routing rules, index documents for "folders" and
 * the trailing-slash redirect, objects' x-amz-website-redirect-location,
 * the error document with the error's status, and HTML error pages.
 *
 * Access is the S3 API's: each read is an s3:GetObject judged by the one
 * evaluator, for an anonymous caller (or the signer, when a request is
 * signed), so a site shows exactly what the bucket policy lets anybody read.
 * A missing key is 404 only to a caller that may list the bucket, else 403.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from '../auth/authenticate.js';
import { authorize, type Judgement } from '../auth/authorize.js';
import type { Principal } from '../auth/principal.js';
import { S3Error } from '../errors/s3error.js';
import type { Bucket } from '../core/buckets.js';
import { actualRequestHeaders, bucketCorsRules, preflightHeaders } from '../s3/cors.js';
import { readConditionsOf, WEBSITE_REDIRECT } from '../s3/headers.js';
import { header } from '../s3/params.js';
import type { Output } from '../s3/operation.js';
import { getOrHead, type ReadInput } from '../s3/ops/GetObject.js';
import { encodeKeyPath, indexKey, redirectAll, ruleAfterError, ruleBeforeRead, ruleRedirect, WEBSITE_KIND, type WebsiteConfig } from '../s3/website.js';
import { escapeXml } from '../xml/xml.js';
import { toS3Error } from './errors.js';
import { clientFacts } from './forwarded.js';
import { requestFacts } from './queryApi.js';
import { sendOutput } from './reply.js';
import type { PipelineContext, RequestLog } from './requestContext.js';
import { parseTarget, type Target } from './target.js';

const NO_QUERY = new Map<string, string>();

/** A website's answer that is not an object: a redirect, or an error page. */
class Answer {
  constructor(
    readonly status: number,
    readonly location?: string,
  ) {}
}

function errorItems(e: S3Error, out: string[]): void {
  out.push(`<li>Code: ${escapeXml(e.code)}</li>`, `<li>Message: ${escapeXml(e.message)}</li>`);
  for (const [k, v] of Object.entries(e.extra)) out.push(`<li>${escapeXml(k)}: ${escapeXml(v)}</li>`);
}

/** S3's website error page: the error, the request ids, and why the error document could not be read, if that failed too. */
export function errorPage(e: S3Error, requestId: string, hostId: string, documentError?: S3Error): string {
  const title = `${e.status} ${STATUS_CODES[e.status] ?? ''}`.trim();
  const out = ['<html>', `<head><title>${title}</title></head>`, '<body>', `<h1>${title}</h1>`, '<ul>'];
  errorItems(e, out);
  out.push(`<li>RequestId: ${requestId}</li>`, `<li>HostId: ${escapeXml(hostId)}</li>`, '</ul>');
  if (documentError) {
    out.push('<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>', '<ul>');
    errorItems(documentError, out);
    out.push('</ul>');
  }
  out.push('<hr/>', '</body>', '</html>', '');
  return out.join('\n');
}

function errorHeaders(e: S3Error): Record<string, string> {
  const h: Record<string, string> = { 'x-amz-error-code': e.code, 'x-amz-error-message': e.message };
  if (e.extra.Key !== undefined) h['x-amz-error-detail-key'] = encodeURIComponent(e.extra.Key);
  return h;
}

interface Site {
  ctx: PipelineContext;
  bucket: Bucket;
  judge: Judgement;
  head: boolean;
  headers: FastifyRequest['raw']['headers'];
}

const canRead = (s: Site, key: string) => s.judge.allowed({ action: 's3:GetObject', bucket: s.bucket.name, key });

/** The latest version of `key` when it is an object the caller may read (not a delete marker). */
function readable(s: Site, key: string) {
  if (!canRead(s, key)) return undefined;
  const o = s.ctx.services.objects.latest(s.bucket, key);
  return o && !o.deleteMarker ? o : undefined;
}

/** Why `key` cannot be served: AccessDenied unless the caller may read it and may list the bucket (then NoSuchKey). */
function missing(s: Site, key: string): S3Error {
  if (!canRead(s, key) || !s.judge.allowed({ action: 's3:ListBucket', bucket: s.bucket.name })) return new S3Error('AccessDenied');
  return new S3Error('NoSuchKey', undefined, { Key: key });
}

function readInput(s: Site, key: string, withRequest: boolean): ReadInput {
  return {
    bucket: s.bucket.name,
    key,
    range: withRequest ? header(s.headers, 'range') : undefined,
    conditions: withRequest ? readConditionsOf(s.headers) : readConditionsOf({}),
    checksumMode: false,
  };
}

/** Serves a site request: the object, a redirect (Answer), or throws the S3Error the error document / page is for. */
async function serve(s: Site, config: WebsiteConfig, key: string, protocol: 'http' | 'https', host: string, log: RequestLog): Promise<Output | Answer> {
  const before = ruleBeforeRead(config.rules, key);
  if (before) {
    const r = ruleRedirect(before, key, protocol, host);
    return new Answer(r.status, r.location);
  }
  const objectKey = indexKey(key, config.indexSuffix!);
  log.key = objectKey;
  let failure: S3Error;
  const o = readable(s, objectKey);
  if (o) {
    const location = o.headers[WEBSITE_REDIRECT];
    if (location !== undefined) return new Answer(301, location);
    try {
      return await getOrHead(
        s.ctx,
        readInput(s, objectKey, true),
        { method: s.head ? 'HEAD' : 'GET', headers: s.headers, secure: false, target: { query: NO_QUERY } },
        s.judge,
        !s.head,
      );
    } catch (e) {
      failure = toS3Error(e, s.ctx.log, '');
    }
  } else failure = missing(s, objectKey);
  // A "folder" asked for without its slash, when it has an index document.
  if (key !== '' && !key.endsWith('/') && (failure.status === 404 || failure.status === 403) && readable(s, `${key}/${config.indexSuffix!}`)) {
    return new Answer(302, `/${encodeKeyPath(key)}/`);
  }
  const after = ruleAfterError(config.rules, key, failure.status);
  if (after) {
    const r = ruleRedirect(after, key, protocol, host);
    return new Answer(r.status, r.location);
  }
  if (config.errorKey !== undefined && failure.status >= 400 && failure.status < 500) {
    const doc = readable(s, config.errorKey);
    if (doc) {
      const out = await getOrHead(
        s.ctx,
        readInput(s, config.errorKey, false),
        { method: s.head ? 'HEAD' : 'GET', headers: s.headers, secure: false, target: { query: NO_QUERY } },
        undefined,
        !s.head,
      );
      return { ...out, status: failure.status, headers: { ...out.headers, ...errorHeaders(failure) } };
    }
    throw new WebsiteFailure(failure, missing(s, config.errorKey));
  }
  throw failure;
}

/** An error whose error document could not be read either. */
class WebsiteFailure extends Error {
  constructor(
    readonly error: S3Error,
    readonly documentError: S3Error,
  ) {
    super(error.message);
  }
}

/** Answers a request on a website endpoint (`bucket` from the Host; '' for a website domain itself). */
export async function handleWebsite(
  ctx: PipelineContext,
  bucket: string,
  request: FastifyRequest,
  reply: FastifyReply,
  log: RequestLog,
  requestId: string,
): Promise<void> {
  const raw = request.raw;
  const method = raw.method ?? 'GET';
  const head = method === 'HEAD';
  // Behind a trusted TLS-terminating proxy the site is https too.
  const client = clientFacts(raw, ctx.config.trustedProxies);
  const secure = client.secure;
  const protocol = secure ? 'https' : 'http';
  const host = typeof raw.headers.host === 'string' ? raw.headers.host : '';
  const origin = typeof raw.headers.origin === 'string' && raw.headers.origin !== '' ? raw.headers.origin : undefined;
  log.op = head ? 'HeadObject' : method === 'OPTIONS' ? 'OptionsObject' : 'GetObject';
  log.bucket = bucket;
  const common = (status: number) => {
    reply.code(status).header('x-amz-request-id', requestId).header('x-amz-id-2', ctx.ids.hostId).header('server', 'Cairn');
    if (origin && method !== 'OPTIONS' && bucket !== '') {
      const cors = actualRequestHeaders(ctx, bucket, origin, method);
      if (cors) for (const [k, v] of Object.entries(cors)) reply.header(k, v);
    }
  };
  try {
    if (method === 'OPTIONS') {
      const h = preflightHeaders(bucket === '' ? null : bucketCorsRules(ctx, bucket), {
        origin,
        method: header(raw.headers, 'access-control-request-method'),
        headers: header(raw.headers, 'access-control-request-headers'),
        object: (raw.url ?? '/').split('?')[0] !== '/',
      });
      common(200);
      for (const [k, v] of Object.entries(h)) reply.header(k, v);
      await reply.header('content-length', 0).send();
      return;
    }
    if (method !== 'GET' && !head) throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'OBJECT' });
    if (bucket === '') throw new S3Error('NoSuchBucket', undefined, { BucketName: host });
    const target: Target = parseTarget(raw.url ?? '/', raw.headers.host, ctx.config.websiteDomains);
    log.key = target.key;
    // Signed requests are judged as their signer (useful to test a site before it is public); others are anonymous.
    const signed = raw.headers.authorization !== undefined || target.query.has('X-Amz-Signature') || target.query.has('Signature');
    const principal: Principal | undefined = signed ? authenticate(ctx, method, target, raw.headers).principal : undefined;
    const b = ctx.services.buckets.get(bucket);
    if (!b) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
    const config = ctx.services.buckets.config<WebsiteConfig>(b, WEBSITE_KIND);
    if (!config) throw new S3Error('NoSuchWebsiteConfiguration', undefined, { BucketName: bucket });
    let answer: Output | Answer;
    if (config.redirectAll) {
      const r = redirectAll(config.redirectAll, target.rawPath + (target.rawQuery ? `?${target.rawQuery}` : ''), protocol);
      answer = new Answer(r.status, r.location);
    } else {
      const judge = authorize(ctx, principal, [], { ...requestFacts(raw, client) });
      answer = await serve({ ctx, bucket: b, judge, head, headers: raw.headers }, config, target.key ?? '', protocol, host, log);
    }
    if (answer instanceof Answer) {
      common(answer.status);
      await reply.header('location', answer.location).header('content-length', 0).send();
      return;
    }
    log.bytes = answer.bytes;
    if (origin) {
      const cors = actualRequestHeaders(ctx, bucket, origin, method);
      if (cors) for (const [k, v] of Object.entries(cors)) reply.header(k, v);
    }
    await sendOutput(reply, answer, requestId, ctx.ids.hostId, method);
  } catch (err) {
    const failure = err instanceof WebsiteFailure ? err : undefined;
    const e = failure ? failure.error : toS3Error(err, ctx.log, requestId);
    log.status = e.status;
    log.code = e.code;
    if (reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    try {
      common(e.status);
    } catch {
      reply.code(e.status);
    }
    for (const [k, v] of Object.entries({ ...e.headers, ...errorHeaders(e) })) reply.header(k, v);
    if (head) {
      await reply.send();
      return;
    }
    reply.header('content-type', 'text/html; charset=utf-8');
    await reply.send(errorPage(e, requestId, ctx.ids.hostId, failure?.documentError));
  }
}

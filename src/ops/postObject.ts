/**
 * POST Object: the browser form upload (`POST /bucket`, multipart/form-data).
 *
 * The form carries everything PutObject takes from headers, and its own
 * authentication (a signed policy), so this operation authenticates and
 * authorizes itself once it has read the fields that come before the file.
 * The file part then streams to a staged blob like any PutObject body; the
 * fields after it are ignored, as S3 does.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Readable } from 'node:stream';
import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';
import type { Identity } from '../auth/authenticate.js';
import { authorize } from '../auth/authorize.js';
import { checkPostPolicy, parsePostPolicy, readPostSignature, verifyPostSignature, type LengthRange } from '../auth/postPolicy.js';
import { uriEncode } from '../auth/sigv4.js';
import type { AppContext } from '../context.js';
import { S3Error, isS3Error } from '../errors/s3error.js';
import { MAX_KEY_BYTES } from '../http/request.js';
import type { StagedBlob } from '../store/blobs.js';
import { toXml } from '../xml/xml.js';
import { header, quoteEtag, requireBucket } from './common.js';
import { commitObject, integrityPlan, metadataOf, refuseEncryption, storageClassOf, verifyIntegrity } from './write.js';
import type { Operation, OpRequest } from './types.js';

/** The most bytes of field names and values the form may send before its file. */
export const MAX_POST_PRE_DATA = 64 * 1024;
/** The most fields the form may send before its file. */
const MAX_POST_FIELDS = 1000;

const NO_TRAILERS: ReadonlyMap<string, string> = new Map();

interface ReceivedForm {
  /** The fields before the file part, names as sent, in order. */
  fields: Array<[string, string]>;
  file?: { stream: BusboyFileStream; filename: string };
  /** Settles when the whole body has been parsed (rejects on malformed or broken bodies). */
  finished: Promise<void>;
  /** Stops parsing; what is left of the body is read and discarded. */
  abort(): void;
  /** The first failure of the body or the parser, once there is one. */
  failure(): unknown;
}

function malformed(detail?: string): S3Error {
  return new S3Error('MalformedPOSTRequest', detail ? `The body of your POST request is not well-formed multipart/form-data. ${detail}` : undefined);
}

/**
 * Parses the body until the `file` part starts (or the body ends): resolves
 * with the fields before it and the file stream, not yet read.
 */
function receiveForm(r: OpRequest): Promise<ReceivedForm> {
  const contentType = header(r.headers, 'content-type') ?? '';
  let bb: BusboyInstance;
  try {
    bb = Busboy({
      headers: { ...r.headers, 'content-type': contentType },
      limits: { fieldSize: MAX_POST_PRE_DATA, fields: MAX_POST_FIELDS, files: 1 },
      // S3 takes the part named `file` as the upload, whatever its headers say; any other part is a field.
      isPartAFile: (name) => name?.toLowerCase() === 'file',
    });
  } catch (e) {
    throw malformed((e as Error).message);
  }
  const body: Readable = r.auth.body(r.raw);
  const fields: Array<[string, string]> = [];
  let preData = 0;
  let fileStream: BusboyFileStream | undefined;
  let aborted = false;
  let failure: unknown;
  let finishOk!: () => void;
  let finishFail!: (e: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finishOk = resolve;
    finishFail = reject;
  });
  finished.catch(() => undefined);

  const abort = () => {
    if (aborted) return;
    aborted = true;
    body.unpipe(bb);
    fileStream?.resume();
    body.resume();
  };

  return new Promise<ReceivedForm>((resolve, reject) => {
    let settled = false;
    const settle = (file: ReceivedForm['file']) => {
      if (settled) return;
      settled = true;
      resolve({ fields, file, finished, abort, failure: () => failure });
    };
    const fail = (e: unknown) => {
      failure ??= e;
      finishFail(e);
      fileStream?.destroy(e as Error);
      if (!settled) {
        settled = true;
        abort();
        reject(e);
      }
    };
    bb.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (fileStream) return;
      preData += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
      if (valueTruncated || preData > MAX_POST_PRE_DATA) {
        fail(new S3Error('MaxPostPreDataLengthExceededError'));
        return;
      }
      fields.push([name, value]);
    });
    bb.on('fieldsLimit', () => {
      if (!fileStream) fail(new S3Error('MaxPostPreDataLengthExceededError'));
    });
    bb.on('file', (_name, stream, filename) => {
      if (fileStream) {
        stream.resume();
        return;
      }
      // Its failures reach its reader (the blob store); one it no longer reads must not throw.
      stream.on('error', () => undefined);
      fileStream = stream;
      settle({ stream, filename: filename ?? '' });
    });
    bb.on('finish', () => {
      finishOk();
      settle(undefined);
    });
    bb.on('error', (e: unknown) => fail(malformed((e as Error)?.message)));
    body.on('error', fail);
    body.pipe(bb);
  });
}

function formValues(fields: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [name, value] of fields) {
    const lower = name.toLowerCase();
    if (!m.has(lower)) m.set(lower, value);
  }
  return m;
}

/** Who signed the form: undefined for an unsigned one. */
function formIdentity(ctx: AppContext, values: ReadonlyMap<string, string>): Identity | undefined {
  const sig = readPostSignature(values);
  if (!sig) return undefined;
  if (values.has('x-amz-security-token')) {
    throw new S3Error('InvalidToken', 'Security tokens are not supported: Cairn has no STS. Sign with a long-term access key.');
  }
  if (sig.version === 4) {
    if (sig.service !== 's3') {
      throw new S3Error('AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; incorrect service "${sig.service}". This endpoint belongs to "s3".`);
    }
    const region = ctx.config.region;
    if (sig.region !== region && region !== 'us-east-1') {
      throw new S3Error('AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; the region '${sig.region}' is wrong; expecting '${region}'`, { Region: region });
    }
  }
  const found = ctx.users.findByAccessKey(sig.accessKey);
  if (!found) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: sig.accessKey });
  if (!verifyPostSignature(sig, found.secretKey)) {
    throw new S3Error('SignatureDoesNotMatch', undefined, { AWSAccessKeyId: sig.accessKey, StringToSign: sig.policy, SignatureProvided: sig.signature });
  }
  return { user: found.user, accessKey: sig.accessKey };
}

/** The URL the object is reachable at, as the client addressed the bucket. */
function objectUrl(r: OpRequest, bucket: string, key: string): string {
  const secure = (r.raw.socket as TLSSocket | undefined)?.encrypted === true;
  const host = header(r.headers, 'host') ?? r.target.host;
  const path = r.target.style === 'virtual' ? `/${uriEncode(key, false)}` : `/${uriEncode(bucket, false)}/${uriEncode(key, false)}`;
  return `${secure ? 'https' : 'http'}://${host}${path}`;
}

/** A success_action_redirect / redirect target, or undefined when absent or not an http(s) URL (S3 then ignores it). */
function redirectTarget(values: ReadonlyMap<string, string>): URL | undefined {
  const raw = values.get('success_action_redirect') || values.get('redirect');
  if (!raw) return undefined;
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

export const PostObject: Operation = {
  name: 'PostObject',
  authenticatesItself: true,
  async run(ctx, r) {
    const bucketName = r.target.bucket ?? '';
    const form = await receiveForm(r);
    let staged: StagedBlob | undefined;
    try {
      const values = formValues(form.fields);
      const identity = formIdentity(ctx, values);
      const rawKey = values.get('key');
      if (rawKey === undefined) {
        throw new S3Error('InvalidArgument', "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", {
          ArgumentName: 'key',
          ArgumentValue: '',
        });
      }
      const key = rawKey.replaceAll('${filename}', form.file?.filename ?? '');
      values.set('key', key);
      // The policy binds a signed form; an unsigned one may still carry one, judged all the same.
      let range: LengthRange | undefined;
      const policy = values.get('policy');
      if (policy !== undefined) {
        range = checkPostPolicy(parsePostPolicy(policy), { fields: form.fields, values, bucket: bucketName, now: ctx.clock() });
      }
      if (!form.file) {
        throw new S3Error('InvalidArgument', 'POST requires exactly one file upload per request.', { ArgumentName: 'file', ArgumentValue: '0' });
      }
      authorize(ctx, identity, [{ action: 's3:PutObject', bucket: bucketName, key }]);
      const bucket = requireBucket(ctx, r);
      if (key === '') throw new S3Error('InvalidArgument', 'User key must have a length greater than zero.', { ArgumentName: 'key', ArgumentValue: '' });
      if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
        throw new S3Error('KeyTooLongError', undefined, { Size: String(Buffer.byteLength(key, 'utf8')), MaxSizeAllowed: String(MAX_KEY_BYTES) });
      }

      // The fields PutObject reads from headers, read from the form.
      const h: IncomingHttpHeaders = Object.fromEntries(values);
      refuseEncryption(h);
      const { headers, meta } = metadataOf(h);
      const storageClass = storageClassOf(h);
      const plan = integrityPlan({ ...r, headers: h, auth: { ...r.auth, trailerNames: [] } });

      const maxSize = Math.min(ctx.config.maxPutObjectSize, range?.max ?? Infinity);
      staged = await ctx.blobs.stage(form.file.stream, { maxSize, checksum: plan.algorithm }).catch((e: unknown) => {
        // A broken body or multipart framing fails the file stream too: answer with the cause.
        throw form.failure() ?? (isS3Error(e) ? e : malformed((e as Error)?.message));
      });
      if (range && staged.size < range.min) {
        throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
          ProposedSize: String(staged.size),
          MinSizeAllowed: String(range.min),
        });
      }
      await form.finished;
      const checksum = verifyIntegrity(plan, staged, NO_TRAILERS);
      const etag = staged.md5!.toString('hex');
      const size = staged.size;
      const toCommit = staged;
      staged = undefined;
      await commitObject(ctx, toCommit, {
        bucketId: bucket.id,
        key,
        size,
        etag,
        lastModified: ctx.clock(),
        ownerId: identity?.user.id ?? bucket.ownerId,
        storageClass,
        headers,
        meta,
        checksumAlgorithm: checksum ? plan.algorithm : undefined,
        checksum,
      });

      const location = objectUrl(r, bucketName, key);
      const out: Record<string, string> = { etag: quoteEtag(etag), location };
      if (checksum && plan.algorithm) out[`x-amz-checksum-${plan.algorithm.toLowerCase()}`] = checksum;
      const redirect = redirectTarget(values);
      if (redirect) {
        redirect.searchParams.append('bucket', bucketName);
        redirect.searchParams.append('key', key);
        redirect.searchParams.append('etag', quoteEtag(etag));
        return { status: 303, headers: { ...out, location: redirect.toString() }, bytes: size };
      }
      const status = values.get('success_action_status');
      if (status === '201') {
        return {
          status: 201,
          headers: out,
          xml: toXml('PostResponse', { Location: location, Bucket: bucketName, Key: key, ETag: quoteEtag(etag) }, null),
          bytes: size,
        };
      }
      return { status: status === '200' ? 200 : 204, headers: out, bytes: size };
    } catch (e) {
      form.abort();
      if (staged) await staged.discard();
      throw e;
    }
  },
};

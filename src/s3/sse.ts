/**
 * Server-side encryption as the S3 protocol carries it: the request headers
 * (or POST form fields) of SSE-S3, SSE-KMS and SSE-C with AWS's errors, the
 * bucket's default encryption applied to writes that ask for none, the
 * checks a read of an SSE-C object needs, and the response headers saying
 * how an object is encrypted.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { DataKey, ObjectRecord, SseRecord, SseRequest } from '../core/objects.js';
import type { Upload } from '../core/uploads.js';
import type { Bucket } from '../core/buckets.js';
import { S3Error } from '../errors/s3error.js';
import type { ConditionKeys } from './conditionKeys.js';
import type { ResponseHeaders } from './headers.js';
import type { OpContext, S3Request } from './operation.js';
import { header } from './params.js';

/** A bucket's default encryption (PutBucketEncryption), as stored. */
export interface BucketEncryption {
  algorithm: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  bucketKey?: boolean;
}

const SSE = 'x-amz-server-side-encryption';
const SSE_C = 'x-amz-server-side-encryption-customer-';
const COPY_SSE_C = 'x-amz-copy-source-server-side-encryption-customer-';

/** A KMS key as a client names it (key id, key ARN or alias) → the keyring id. */
export function kmsKeyIdOf(v: string): string {
  const arn = /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:(key|alias)\/(.+)$/.exec(v);
  if (arn) return arn[2]!;
  return v.startsWith('alias/') ? v.slice('alias/'.length) : v;
}

/** The ARN a keyring key is answered as. */
export function kmsKeyArn(ctx: OpContext, bucket: Bucket, id: string): string {
  const account = ctx.services.identities.account(bucket.ownerId)?.accountId ?? '000000000000';
  return `arn:aws:kms:${ctx.config.region}:${account}:key/${id}`;
}

/**
 * The SSE-C key of a request (`x-amz-server-side-encryption-customer-*`, or
 * with `copy` the copy source's), checked as AWS checks it; undefined when
 * none of the three headers is sent.
 */
export function customerKeyOf(ctx: OpContext, h: IncomingHttpHeaders, secure: boolean, copy = false): Buffer | undefined {
  const p = copy ? COPY_SSE_C : SSE_C;
  const sent = (name: string) => {
    const v = header(h, name);
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const algo = sent(`${p}algorithm`);
  const keyB64 = sent(`${p}key`);
  const md5 = sent(`${p}key-md5`);
  if (algo === undefined && keyB64 === undefined && md5 === undefined && h[`${p}algorithm`] === undefined) return undefined;
  if (!secure && ctx.config.ssecRequireTls) {
    throw new S3Error('InvalidRequest', 'Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.');
  }
  if (algo === undefined) {
    throw new S3Error('InvalidArgument', 'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.', {
      ArgumentName: `${p}algorithm`,
    });
  }
  if (algo !== 'AES256') throw new S3Error('InvalidEncryptionAlgorithmError', undefined, { ArgumentName: `${p}algorithm`, ArgumentValue: algo });
  if (keyB64 === undefined) {
    throw new S3Error('InvalidArgument', 'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.', {
      ArgumentName: `${p}key`,
    });
  }
  const key = Buffer.from(keyB64, 'base64');
  if (key.length !== 32 || key.toString('base64') !== keyB64.trim()) {
    throw new S3Error('InvalidArgument', 'The secret key was invalid for the specified algorithm.', { ArgumentName: `${p}key` });
  }
  if (md5 === undefined) {
    throw new S3Error(
      'InvalidArgument',
      'Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.',
      { ArgumentName: `${p}key-MD5` },
    );
  }
  if (createHash('md5').update(key).digest('base64') !== md5.trim()) {
    throw new S3Error('InvalidArgument', 'The calculated MD5 hash of the key did not match the hash that was provided.', { ArgumentName: `${p}key-MD5` });
  }
  return key;
}

/** The encryption a write asks for in its headers (or form fields); undefined: none (the bucket's default may apply). */
export function writeSseOf(ctx: OpContext, h: IncomingHttpHeaders, secure: boolean): SseRequest | undefined {
  const mode = header(h, SSE);
  const keyId = header(h, `${SSE}-aws-kms-key-id`);
  const context = header(h, `${SSE}-context`);
  const bucketKeyRaw = header(h, `${SSE}-bucket-key-enabled`);
  const customer = customerKeyOf(ctx, h, secure);
  if (customer) {
    if (mode !== undefined)
      throw new S3Error('InvalidArgument', 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified');
    return { mode: 'SSE-C', key: customer };
  }
  if (mode === undefined) {
    if (keyId !== undefined || context !== undefined) {
      throw new S3Error('InvalidArgument', 'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', {
        ArgumentName: SSE,
      });
    }
    return undefined;
  }
  if (mode === 'AES256') {
    if (keyId !== undefined || context !== undefined) {
      throw new S3Error('InvalidArgument', 'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', {
        ArgumentName: SSE,
        ArgumentValue: mode,
      });
    }
    return { mode: 'AES256' };
  }
  if (mode !== 'aws:kms') throw new S3Error('InvalidArgument', 'The encryption method specified is not supported', { ArgumentName: SSE, ArgumentValue: mode });
  if (context !== undefined) {
    let ok = false;
    try {
      const v = JSON.parse(Buffer.from(context, 'base64').toString('utf8')) as unknown;
      ok = typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
    } catch {
      ok = false;
    }
    if (!ok)
      throw new S3Error('InvalidArgument', 'The header x-amz-server-side-encryption-context must be base64-encoded UTF-8 JSON of string pairs.', {
        ArgumentName: `${SSE}-context`,
      });
  }
  if (keyId === '') throw new S3Error('InvalidArgument', 'KMS key id must not be empty', { ArgumentName: `${SSE}-aws-kms-key-id` });
  return { mode: 'aws:kms', keyId: keyId === undefined ? undefined : kmsKeyIdOf(keyId), context, bucketKey: bucketKeyRaw?.toLowerCase() === 'true' };
}

/** What a new object written without encryption headers gets: the bucket's default encryption, if it has one. */
export function withBucketDefault(ctx: OpContext, bucket: Bucket, req: SseRequest | undefined): SseRequest | undefined {
  if (req) return req;
  const d = ctx.services.buckets.config<BucketEncryption>(bucket, 'encryption');
  if (!d) return undefined;
  return d.algorithm === 'AES256' ? { mode: 'AES256' } : { mode: 'aws:kms', keyId: d.kmsKeyId, bucketKey: d.bucketKey };
}

/** The condition keys of a write's encryption headers (present only when sent). */
export function sseConditionKeys(h: IncomingHttpHeaders): ConditionKeys {
  const out: ConditionKeys = {};
  const mode = header(h, SSE);
  const keyId = header(h, `${SSE}-aws-kms-key-id`);
  if (mode !== undefined) out['s3:x-amz-server-side-encryption'] = mode;
  if (keyId !== undefined) out['s3:x-amz-server-side-encryption-aws-kms-key-id'] = keyId;
  return out;
}

/**
 * A read of an object with the SSE-C key the request sent (or none): an
 * SSE-C object needs its key (400 without, 403 with another); a key sent for
 * another object is 400.
 */
export function checkReadKey(ctx: OpContext, o: ObjectRecord, key: Buffer | undefined): void {
  const isC = o.encryption?.mode === 'SSE-C';
  if (isC && !key) {
    throw new S3Error(
      'InvalidRequest',
      'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
    );
  }
  if (!isC && key) throw new S3Error('InvalidRequest', 'The encryption parameters are not applicable to this object.');
  if (isC && key && !ctx.services.objects.matchesCustomerKey(o.encryption!, key)) throw new S3Error('AccessDenied');
}

/** The headers answering how an object (or upload) is encrypted. */
export function sseHeaders(ctx: OpContext, bucket: Bucket, r: SseRecord | undefined, withContext = false): ResponseHeaders {
  if (!r) return {};
  if (r.mode === 'SSE-C') return { [`${SSE_C}algorithm`]: 'AES256', [`${SSE_C}key-MD5`]: r.keyMd5 };
  if (r.mode === 'AES256') return { [SSE]: 'AES256' };
  return {
    [SSE]: 'aws:kms',
    [`${SSE}-aws-kms-key-id`]: kmsKeyArn(ctx, bucket, r.kmsKeyId!),
    [`${SSE}-bucket-key-enabled`]: r.bucketKey ? 'true' : undefined,
    [`${SSE}-context`]: withContext ? r.context : undefined,
  };
}

/**
 * The data key a part of this upload is encrypted with (undefined: a
 * plaintext upload). An SSE-C upload's parts must each send its key.
 */
export function partDataKey(ctx: OpContext, u: Upload, req: S3Request): DataKey | undefined {
  const key = customerKeyOf(ctx, req.headers, req.secure);
  const r = u.encryption;
  if (r?.mode === 'SSE-C') {
    if (!key) {
      throw new S3Error(
        'InvalidRequest',
        'The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.',
      );
    }
    if (!ctx.services.objects.matchesCustomerKey(r, key)) {
      throw new S3Error('InvalidRequest', 'The provided encryption parameters did not match the ones used originally.');
    }
  } else if (key) throw new S3Error('InvalidRequest', 'The encryption parameters are not applicable to this object.');
  return r ? ctx.services.objects.dataKey(r, key) : undefined;
}

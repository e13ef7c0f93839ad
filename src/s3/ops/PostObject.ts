/**
 * POST Object: the browser form upload (`POST /bucket`, multipart/form-data).
 * The pipeline receives the form (its fields before the file), authenticates
 * it by its signed policy and checks the policy; this operation reads the
 * fields PutObject reads from headers, then streams the file through the one
 * write path, with the bucket's versioning and Object Lock default.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { uriEncode } from '../../auth/sigv4.js';
import { isDomainError } from '../../core/errors.js';
import { S3Error, isS3Error } from '../../errors/s3error.js';
import { malformedForm } from '../../http/form.js';
import { MAX_KEY_BYTES } from '../../http/target.js';
import { checksumHeaders, lockRequestOf, metadataOf, quoteEtag, storageClassOf } from '../headers.js';
import { aclConditionKeys, newObjectAcl, writeAclPermissions } from '../acls.js';
import { sseConditionKeys, sseHeaders, withBucketDefault, writeSseOf } from '../sse.js';
import { writeConditionKeys } from '../conditionKeys.js';
import { integrityPlan, verifyIntegrity } from '../integrity.js';
import { requireBucket } from '../lookup.js';
import { operation, type S3Request } from '../operation.js';
import { header, requireBucketName } from '../params.js';
import { parseTaggingDocument, requestTagKeys, taggingPermission } from '../tags.js';
import { noticeOf } from '../events.js';

const NO_TRAILERS: ReadonlyMap<string, string> = new Map();

/** The URL the object is reachable at, as the client addressed the bucket. */
function objectUrl(req: S3Request, bucket: string, key: string): string {
  const host = header(req.headers, 'host') ?? req.target.host;
  const path = req.target.style === 'virtual' ? `/${uriEncode(key, false)}` : `/${uriEncode(bucket, false)}/${uriEncode(key, false)}`;
  return `${req.secure ? 'https' : 'http'}://${host}${path}`;
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

export const PostObject = operation({
  name: 'PostObject',
  body: { kind: 'form' },
  parse(req) {
    const form = req.form!;
    const key = form.values.get('key') ?? '';
    if (key === '') throw new S3Error('InvalidArgument', 'User key must have a length greater than zero.', { ArgumentName: 'key', ArgumentValue: '' });
    if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
      throw new S3Error('KeyTooLongError', undefined, { Size: String(Buffer.byteLength(key, 'utf8')), MaxSizeAllowed: String(MAX_KEY_BYTES) });
    }
    // The fields PutObject reads from headers, read from the form.
    const h: IncomingHttpHeaders = Object.fromEntries(form.values);
    const lock = lockRequestOf(h);
    // The form's `acl` field is PutObject's x-amz-acl.
    const acl = form.values.get('acl');
    const aclHeaders: IncomingHttpHeaders = acl !== undefined ? { 'x-amz-acl': acl } : {};
    const tagging = form.values.get('tagging');
    const tags = tagging === undefined ? undefined : parseTaggingDocument(Buffer.from(tagging, 'utf8'));
    return {
      bucket: requireBucketName(req.target.bucket),
      key,
      ...metadataOf(h),
      storageClass: storageClassOf(h),
      plan: integrityPlan(h, []),
      lock,
      // The form's fields stand for PutObject's headers.
      conditionKeys: { ...writeConditionKeys(h, lock), ...aclConditionKeys(aclHeaders), ...requestTagKeys(tags), ...sseConditionKeys(h) },
      aclHeaders,
      tags,
      fields: h,
    };
  },
  permissions: (i) => [
    { action: 's3:PutObject', bucket: i.bucket, key: i.key, conditions: i.conditionKeys },
    ...writeAclPermissions(i.bucket, i.key, i.aclHeaders),
    ...taggingPermission(i),
  ],
  async run(ctx, i, req) {
    const form = req.form!;
    const bucket = requireBucket(ctx, i.bucket);
    const range = form.lengthRange;
    const owned = newObjectAcl(ctx, bucket, req.principal, i.aclHeaders);
    const objects = ctx.services.objects;
    const maxSize = Math.min(ctx.config.maxPutObjectSize, range?.max ?? Infinity);
    const sse = withBucketDefault(ctx, bucket, writeSseOf(ctx, i.fields, req.secure));
    const encrypt = sse ? { dataKey: objects.newDataKey(sse), partNumber: 0 } : undefined;
    const staged = await objects.stage(form.file!.stream, { maxSize, checksum: i.plan.algorithm, encrypt }).catch((e: unknown) => {
      // A broken body or multipart framing fails the file stream too: answer with the cause.
      throw form.failure() ?? (isS3Error(e) || isDomainError(e) ? e : malformedForm((e as Error)?.message));
    });
    let checksum: string | undefined;
    try {
      if (range && staged.size < range.min) {
        throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
          ProposedSize: String(staged.size),
          MinSizeAllowed: String(range.min),
        });
      }
      await form.finished();
      checksum = verifyIntegrity(i.plan, staged, NO_TRAILERS);
    } catch (e) {
      await staged.discard();
      throw e;
    }
    const { record, versionId } = await objects.write({
      bucket,
      key: i.key,
      staged,
      spec: {
        ownerId: owned.ownerId,
        acl: owned.acl,
        storageClass: i.storageClass,
        headers: i.headers,
        meta: i.meta,
        checksumAlgorithm: i.plan.algorithm,
        checksum,
        lock: i.lock,
        tags: i.tags,
      },
      notice: noticeOf(req, 'ObjectCreated:Post'),
    });
    const etag = quoteEtag(record.etag);
    const location = objectUrl(req, bucket.name, i.key);
    const out: Record<string, string | undefined> = {
      etag,
      location,
      'x-amz-version-id': versionId,
      ...(checksum ? (checksumHeaders(i.plan.algorithm, checksum, 'FULL_OBJECT') as Record<string, string>) : {}),
      ...(sseHeaders(ctx, bucket, record.encryption, true) as Record<string, string | undefined>),
    };
    const events = [{ name: 'ObjectCreated:Post', bucket: bucket.name, key: i.key, versionId, size: record.size, etag: record.etag }];
    const redirect = redirectTarget(form.values);
    if (redirect) {
      redirect.searchParams.append('bucket', bucket.name);
      redirect.searchParams.append('key', i.key);
      redirect.searchParams.append('etag', etag);
      return { status: 303, headers: { ...out, location: redirect.toString() }, bytes: record.size, events };
    }
    const status = form.values.get('success_action_status');
    if (status === '201') {
      return {
        status: 201,
        headers: out,
        xml: { root: 'PostResponse', body: { Location: location, Bucket: bucket.name, Key: i.key, ETag: etag }, xmlns: null },
        bytes: record.size,
        events,
      };
    }
    return { status: status === '200' ? 200 : 204, headers: out, bytes: record.size, events };
  },
});

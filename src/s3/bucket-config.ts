/**
 * The factory for bucket sub-resources (tagging, CORS, lifecycle, website,
 * policy, encryption, ...): one declaration yields the Get, Put and Delete
 * operations, stored in the bucket-configuration table as validated JSON.
 * A new sub-resource is one file with one `bucketConfig({...})` and one
 * registry line.
 */
import type { Bucket } from '../core/buckets.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { S3Error } from '../errors/s3error.js';
import { parseXml, type XmlObject } from '../xml/xml.js';
import { requireBucket } from './lookup.js';
import { operation, type OpContext, type Operation, type S3Request } from './operation.js';
import { decodeContinuationToken, encodeContinuationToken, requireBucketName } from './params.js';
import type { OperationName } from './router.js';

export interface BucketConfigSpec<T> {
  /** The stored kind ('tagging', 'cors', ...). */
  readonly kind: string;
  /** The operations' AWS names. */
  readonly names: { readonly get: OperationName; readonly put: OperationName; readonly delete?: OperationName };
  /** The IAM actions each needs. */
  readonly actions: { readonly get: string; readonly put: string; readonly delete?: string };
  /** The XML document element, and the paths of elements that are lists. */
  readonly root: string;
  readonly lists?: readonly string[];
  /** 'required': Content-MD5 or an x-amz-checksum-* must come with the Put (as AWS requires for some). */
  readonly integrity: 'required' | 'verify';
  readonly maxBytes?: number;
  /** Validates a parsed document into the stored form; throws S3 errors (MalformedXML, InvalidArgument, ...). */
  parse(doc: Record<string, unknown>): T;
  /** The stored form as the XML body Get answers with. */
  render(doc: T): XmlObject;
  /** The error Get answers when there is no configuration... */
  readonly notFound?: ErrorCode;
  /** ...or the document it answers instead (Accelerate, RequestPayment and Logging answer their default state). */
  readonly whenAbsent?: XmlObject;
  readonly putStatus?: number;
  /** A document that means "no configuration" (stored as its absence). */
  isEmpty?(doc: T): boolean;
  /** Checks against the server's state (other buckets, versioning) before a Put is stored; throws S3 errors. */
  check?(ctx: OpContext, bucket: Bucket, doc: T, req: S3Request): void;
  /** Checks the request itself (the bucket's name), before anything is looked up. */
  checkRequest?(bucket: string): void;
}

export function bucketConfig<T>(spec: BucketConfigSpec<T>): Operation[] {
  const bucketOnly = (req: { target: { bucket?: string } }) => ({ bucket: requireBucketName(req.target.bucket) });
  const notFound = (bucket: string) => new S3Error(spec.notFound ?? 'InternalError', undefined, { BucketName: bucket });
  const ops: Operation[] = [
    operation({
      name: spec.names.get,
      body: { kind: 'none' },
      parse: bucketOnly,
      permissions: (i) => [{ action: spec.actions.get, bucket: i.bucket }],
      async run(ctx, i) {
        const b = requireBucket(ctx, i.bucket);
        const doc = ctx.services.buckets.config<T>(b, spec.kind);
        if (doc === undefined) {
          if (spec.whenAbsent) return { xml: { root: spec.root, body: spec.whenAbsent } };
          throw notFound(b.name);
        }
        return { xml: { root: spec.root, body: spec.render(doc) } };
      },
    }),
    operation({
      name: spec.names.put,
      body: { kind: 'document', max: spec.maxBytes ?? 64 * 1024, integrity: spec.integrity },
      parse: (req) => {
        const bucket = requireBucketName(req.target.bucket);
        spec.checkRequest?.(bucket);
        return { bucket, doc: spec.parse(parseXml(req.document!, spec.root, spec.lists ?? [])) };
      },
      permissions: (i) => [{ action: spec.actions.put, bucket: i.bucket }],
      async run(ctx, i, req) {
        const b = requireBucket(ctx, i.bucket);
        const empty = spec.isEmpty?.(i.doc) === true;
        if (!empty) spec.check?.(ctx, b, i.doc, req);
        if (empty) await ctx.services.buckets.deleteConfig(b, spec.kind);
        else await ctx.services.buckets.putConfig(b, spec.kind, i.doc);
        return { status: spec.putStatus ?? 200 };
      },
    }),
  ];
  if (spec.names.delete && spec.actions.delete) {
    const action = spec.actions.delete;
    ops.push(
      operation({
        name: spec.names.delete,
        body: { kind: 'none' },
        parse: bucketOnly,
        permissions: (i) => [{ action, bucket: i.bucket }],
        async run(ctx, i) {
          await ctx.services.buckets.deleteConfig(requireBucket(ctx, i.bucket), spec.kind);
          return { status: 204 };
        },
      }),
    );
  }
  return ops;
}

/**
 * Configurations a bucket holds several of, each named by an id
 * (`?metrics&id=`, `?inventory&id=`, `?analytics&id=`,
 * `?intelligent-tiering&id=`): Put/Get/Delete one, List all in pages of 100
 * with a continuation token. All of a kind are one stored document (id ->
 * configuration), changed in one commit, so the 1,000 limit holds under
 * concurrent Puts.
 */
export interface BucketConfigListSpec<T> {
  readonly kind: string;
  readonly names: { readonly get: OperationName; readonly put: OperationName; readonly delete: OperationName; readonly list: OperationName };
  readonly actions: { readonly get: string; readonly put: string; readonly delete: string; readonly list: string };
  /** The element of one configuration (the Put body's root, and each list entry). */
  readonly root: string;
  /** The List answer's root element. */
  readonly listRoot: string;
  /** List paths inside one configuration, relative to it ('Filter.And.Tag'). */
  readonly lists?: readonly string[];
  readonly integrity: 'required' | 'verify';
  /** Validates one configuration (its Id included) into the stored form. */
  parse(doc: Record<string, unknown>): T;
  /** The configuration's Id. */
  id(doc: T): string;
  render(doc: T): XmlObject;
  /** How many a bucket may hold (AWS: 1,000). */
  readonly max?: number;
}

/** Configuration ids as AWS accepts them: 1-64 characters of letters, digits, '-', '_' and '.'. */
const CONFIG_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function configIdOf(q: ReadonlyMap<string, string>): string {
  const id = q.get('id');
  if (id === undefined || id === '') throw new S3Error('InvalidArgument', 'Missing required parameter: id', { ArgumentName: 'id', ArgumentValue: id ?? '' });
  if (!CONFIG_ID.test(id)) throw new S3Error('InvalidArgument', 'The configuration id is not valid.', { ArgumentName: 'id', ArgumentValue: id });
  return id;
}

const PAGE = 100;

export function bucketConfigList<T>(spec: BucketConfigListSpec<T>): Operation[] {
  const withId = (req: S3Request) => ({ bucket: requireBucketName(req.target.bucket), id: configIdOf(req.target.query) });
  const all = (ctx: OpContext, b: Bucket) => ctx.services.buckets.config<Record<string, T>>(b, spec.kind) ?? {};
  const missing = () => new S3Error('NoSuchConfiguration');
  const max = spec.max ?? 1000;
  const lists = [...(spec.lists ?? []).map((l) => `${spec.root}.${l}`)];
  return [
    operation({
      name: spec.names.get,
      body: { kind: 'none' },
      parse: withId,
      permissions: (i) => [{ action: spec.actions.get, bucket: i.bucket }],
      async run(ctx, i) {
        const doc = all(ctx, requireBucket(ctx, i.bucket))[i.id];
        if (doc === undefined) throw missing();
        return { xml: { root: spec.root, body: spec.render(doc) } };
      },
    }),
    operation({
      name: spec.names.put,
      body: { kind: 'document', max: 256 * 1024, integrity: spec.integrity },
      parse(req) {
        const { bucket, id } = withId(req);
        const doc = spec.parse(parseXml(req.document!, spec.root, lists));
        if (spec.id(doc) !== id)
          throw new S3Error('InvalidArgument', 'The Id in the request body does not match the id query parameter.', { ArgumentName: 'id', ArgumentValue: id });
        return { bucket, id, doc };
      },
      permissions: (i) => [{ action: spec.actions.put, bucket: i.bucket }],
      async run(ctx, i) {
        const b = requireBucket(ctx, i.bucket);
        await ctx.services.buckets.updateConfig<Record<string, T>>(b, spec.kind, (cur) => {
          const next = { ...(cur ?? {}) };
          if (next[i.id] === undefined && Object.keys(next).length >= max) throw new S3Error('TooManyConfigurations');
          next[i.id] = i.doc;
          return next;
        });
        return { status: 200 };
      },
    }),
    operation({
      name: spec.names.delete,
      body: { kind: 'none' },
      parse: withId,
      permissions: (i) => [{ action: spec.actions.delete, bucket: i.bucket }],
      async run(ctx, i) {
        const b = requireBucket(ctx, i.bucket);
        await ctx.services.buckets.updateConfig<Record<string, T>>(b, spec.kind, (cur) => {
          if (cur?.[i.id] === undefined) throw missing();
          const next = { ...cur };
          delete next[i.id];
          return Object.keys(next).length === 0 ? undefined : next;
        });
        return { status: 204 };
      },
    }),
    operation({
      name: spec.names.list,
      body: { kind: 'none' },
      parse(req) {
        const t = req.target.query.get('continuation-token');
        return { bucket: requireBucketName(req.target.bucket), token: t, after: t === undefined ? undefined : decodeContinuationToken(t) };
      },
      permissions: (i) => [{ action: spec.actions.list, bucket: i.bucket }],
      async run(ctx, i) {
        const docs = all(ctx, requireBucket(ctx, i.bucket));
        const ids = Object.keys(docs)
          .filter((id) => i.after === undefined || id > i.after)
          .sort();
        const page = ids.slice(0, PAGE);
        const truncated = ids.length > PAGE;
        return {
          xml: {
            root: spec.listRoot,
            body: {
              IsTruncated: truncated,
              ContinuationToken: i.token,
              NextContinuationToken: truncated ? encodeContinuationToken(page[page.length - 1]!) : undefined,
              [spec.root]: page.map((id) => spec.render(docs[id]!)),
            },
          },
        };
      },
    }),
  ];
}

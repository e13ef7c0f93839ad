/**
 * The factory for bucket sub-resources (tagging, CORS, lifecycle, website,
 * policy, encryption, ...): one declaration yields the Get, Put and Delete
 * operations, stored in the bucket-configuration table as validated JSON.
 * A new sub-resource is one file with one `bucketConfig({...})` and one
 * registry line.
 */
import type { ErrorCode } from '../errors/catalogue.js';
import { S3Error } from '../errors/s3error.js';
import { parseXml, type XmlObject } from '../xml/xml.js';
import { requireBucket } from './lookup.js';
import { operation, type Operation } from './operation.js';
import { requireBucketName } from './params.js';
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
  /** The error Get answers when there is no configuration. */
  readonly notFound: ErrorCode;
  readonly putStatus?: number;
  /** A document that means "no configuration" (stored as its absence). */
  isEmpty?(doc: T): boolean;
}

export function bucketConfig<T>(spec: BucketConfigSpec<T>): Operation[] {
  const bucketOnly = (req: { target: { bucket?: string } }) => ({ bucket: requireBucketName(req.target.bucket) });
  const notFound = (bucket: string) => new S3Error(spec.notFound, undefined, { BucketName: bucket });
  const ops: Operation[] = [
    operation({
      name: spec.names.get,
      body: { kind: 'none' },
      parse: bucketOnly,
      permissions: (i) => [{ action: spec.actions.get, bucket: i.bucket }],
      async run(ctx, i) {
        const b = requireBucket(ctx, i.bucket);
        const doc = ctx.services.buckets.config<T>(b, spec.kind);
        if (doc === undefined) throw notFound(b.name);
        return { xml: { root: spec.root, body: spec.render(doc) } };
      },
    }),
    operation({
      name: spec.names.put,
      body: { kind: 'document', max: spec.maxBytes ?? 64 * 1024, integrity: spec.integrity },
      parse: (req) => ({ bucket: requireBucketName(req.target.bucket), doc: spec.parse(parseXml(req.document!, spec.root, spec.lists ?? [])) }),
      permissions: (i) => [{ action: spec.actions.put, bucket: i.bucket }],
      async run(ctx, i) {
        const b = requireBucket(ctx, i.bucket);
        if (spec.isEmpty?.(i.doc)) await ctx.services.buckets.deleteConfig(b, spec.kind);
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

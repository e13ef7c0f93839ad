/**
 * The operation contract. An S3 operation is a value: its AWS name, how it
 * wants its body, a pure `parse` into a typed input, the permissions that
 * input needs, and a `run` that calls domain services and returns typed
 * output (status, headers, an XML document or a body stream) plus an event.
 * The pipeline (src/http/pipeline.ts) runs every operation the same way; no
 * operation authenticates, authorizes or renders errors itself.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import type { Services } from '../core/services.js';
import type { XmlObject } from '../xml/xml.js';
import type { OperationName } from './router.js';
import type { Target } from '../http/target.js';
import type { HttpDates } from './headers.js';

/** How an operation wants its request body. */
export type BodySpec =
  /** No body is read (a body sent anyway is drained or the connection closed). */
  | { readonly kind: 'none' }
  /** The operation streams the body itself (through `S3Request.body()`). */
  | { readonly kind: 'stream' }
  /**
   * A small document read whole, capped at `max` bytes. `integrity`:
   * 'required' — Content-MD5 or an x-amz-checksum-* must be sent and match;
   * 'verify' — checked when sent; 'none' — the checksum headers describe
   * something else (CompleteMultipartUpload: the object). `optional`: an
   * empty body is allowed.
   */
  | { readonly kind: 'document'; readonly max: number; readonly integrity: 'required' | 'verify' | 'none'; readonly optional?: boolean }
  /** A multipart/form-data upload that authenticates itself by its signed policy (PostObject). */
  | { readonly kind: 'form' };

/** One permission a request needs: an IAM action on a resource, with the condition keys the request supplies. */
export interface Permission {
  /** e.g. 's3:GetObject', 's3:GetObjectVersion'. */
  readonly action: string;
  /** The bucket the resource is in (undefined for service-level actions). */
  readonly bucket?: string;
  /** The object key, for object resources. */
  readonly key?: string;
  /** The resource ARN, when it is not an S3 bucket or object (IAM users, roles, policies). */
  readonly resource?: string;
  /** Request-specific condition keys (s3:prefix, s3:VersionId, s3:x-amz-copy-source, ...); undefined: the request has no such key. */
  readonly conditions?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * Condition keys that cost a lookup (s3:ExistingObjectTag/<k>: the tags of the
   * version addressed), computed only when a policy asks for a condition key.
   */
  readonly conditionsLater?: () => Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * An optional permission is asked about, not required: the request goes on
   * either way and the operation learns the answer (governance bypass, one key
   * of a DeleteObjects batch).
   */
  readonly optional?: boolean;
  /**
   * The action an ACL is consulted for instead of `action`: a write's
   * companion s3:PutObjectAcl (a PutObject with x-amz-acl) is granted by the
   * bucket ACL's WRITE, as the write itself is, not by an object ACL.
   */
  readonly aclAction?: string;
}

/** The evaluator's answers about this request beyond its required permissions. */
export interface Grants {
  /** Is this (optional) permission allowed? */
  allowed(p: Permission): boolean;
  /** Whose buckets ListBuckets shows: an owner id, or undefined for every bucket (the instance administrator). */
  readonly listOwner: number | undefined;
}

/** A request as operations see it: addressed, authenticated, and with its body as the operation's BodySpec asked. */
export interface S3Request {
  readonly id: string;
  readonly method: string;
  readonly target: Target;
  readonly headers: IncomingHttpHeaders;
  /** Who signed the request (undefined: anonymous). */
  readonly principal?: Principal;
  /** The body stream (kind 'stream'); `100 Continue` is sent when it is first asked for. */
  body(): Readable;
  /** Trailing headers of an aws-chunked body, complete once the body has ended. */
  trailers(): ReadonlyMap<string, string>;
  /** Decoded length of the body when known. */
  readonly contentLength?: number;
  /** Trailer names announced in x-amz-trailer (lower-case). */
  readonly trailerNames: readonly string[];
  /** The document body (kind 'document'): its bytes, verified. */
  readonly document?: Buffer;
  /** The form (kind 'form'): its fields before the file, and the file. */
  readonly form?: FormUpload;
  /** Whether the request came over TLS. */
  readonly secure: boolean;
  /** The client's address (aws:SourceIp; event notifications' sourceIPAddress). */
  readonly sourceIp?: string;
}

export interface FormUpload {
  /** Fields before the file part, names as sent, in order. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  /** Field values by lower-case name (first wins), `key` with `${filename}` already substituted. */
  readonly values: ReadonlyMap<string, string>;
  /** The file part; undefined when the form had none. */
  readonly file?: { readonly stream: Readable; readonly filename: string };
  /** Content-length range the policy allows for the file. */
  readonly lengthRange?: { readonly min: number; readonly max: number };
  /** Settles when the whole body has been parsed; rejects on a broken body. */
  finished(): Promise<void>;
  /** The first failure of the body or the parser, once there is one. */
  failure(): unknown;
}

/** An XML document to answer with (rendered by the reply step). */
export interface XmlDocument {
  readonly root: string;
  readonly body: XmlObject;
  /** Text content of the root element instead of children (GetBucketLocation). */
  readonly text?: string;
  /** The namespace; null for none (default: the S3 namespace). */
  readonly xmlns?: string | null;
}

/** What happened, for notifications, metrics and the access log (handled once, after the reply). */
export interface OpEvent {
  /** The S3 event name, e.g. 'ObjectCreated:Put', 'ObjectRemoved:DeleteMarkerCreated'. */
  readonly name: string;
  readonly bucket: string;
  readonly key?: string;
  readonly versionId?: string;
  readonly size?: number;
  readonly etag?: string;
}

export interface Output {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string | number | undefined>>;
  readonly xml?: XmlDocument;
  /** A body: a stream, or a buffer for small reads. */
  readonly body?: Readable | Buffer;
  /** Object bytes moved (for the access log and metrics). */
  readonly bytes?: number;
  readonly events?: readonly OpEvent[];
}

/** What `run` may use: configuration, clock and the domain services. No repositories, no SQL, no files. */
export interface OpContext {
  readonly config: Config;
  readonly clock: () => number;
  readonly services: Services;
  /** HTTP date formatting (with its cache of recent seconds). */
  readonly dates: HttpDates;
}

export interface Operation<I = unknown> {
  readonly name: OperationName;
  readonly body: BodySpec;
  /** A typed input from path, query, headers and the document; throws S3 errors for malformed requests. Pure. */
  parse(req: S3Request): I;
  /** The permissions the input needs (version-specific actions and copy sources included). */
  permissions(input: I, req: S3Request, ctx: OpContext): readonly Permission[];
  run(ctx: OpContext, input: I, req: S3Request, grants: Grants): Promise<Output>;
}

/** Declares an operation (a typed identity, so `parse`'s output types `permissions` and `run`). */
export function operation<I>(op: Operation<I>): Operation<I> {
  return op;
}

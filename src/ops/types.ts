import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Authenticated } from '../auth/authenticate.js';
import type { OperationName } from '../http/dispatch.js';
import type { Target } from '../http/request.js';

/** One request as an operation sees it: parsed target, headers, identity and the (still unread) body. */
export interface OpRequest {
  readonly id: string;
  readonly method: string;
  readonly target: Target;
  readonly headers: IncomingHttpHeaders;
  readonly raw: IncomingMessage;
  readonly auth: Authenticated;
}

/** What an operation answers. Exactly one of xml/body (or neither). */
export interface OpResult {
  status?: number;
  headers?: Record<string, string | number | undefined>;
  xml?: string;
  body?: Readable | Buffer | string;
  /** Bytes of object data moved (for the request log). */
  bytes?: number;
}

/** One permission an operation needs: an IAM action on a bucket (and key). */
export interface Check {
  action: string;
  bucket?: string;
  key?: string;
}

export interface Operation {
  readonly name: OperationName;
  /** The (action, resource) pairs that must be allowed. Default: the operation's action on the request's bucket/key. */
  checks?(r: OpRequest): Check[];
  /**
   * The operation proves who sent it from its body (PostObject's signed form)
   * and calls authorize() itself once it has: the pipeline does not.
   */
  readonly authenticatesItself?: true;
  run(ctx: import('../context.js').AppContext, r: OpRequest): Promise<OpResult>;
}

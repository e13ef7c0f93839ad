/**
 * A body that can write itself to a response faster than piping it: the
 * storage layer's file reads implement it to reuse their read buffers (a
 * buffer goes back to the pool once the socket has written it), so a large
 * GET allocates nothing per chunk and leaves the garbage collector idle.
 * The HTTP layer uses it when a body offers it and pipes the Readable
 * otherwise. A leaf module: storage and protocol both import it.
 */
import type { Writable } from 'node:stream';

export const WRITE_TO = Symbol('cairn.writeTo');

export interface Sendable {
  /**
   * Writes every byte to `dest` and ends it when `end` is not false. Never
   * rejects: a read error destroys `dest`; `dest` closing early stops it.
   * Resolves once the last byte was handed to `dest` (or it stopped); the
   * body is destroyed by then. Called at most once, before any other read.
   */
  [WRITE_TO](dest: Writable, end?: boolean): Promise<boolean>;
}

export function isSendable(body: unknown): body is Sendable {
  return typeof body === 'object' && body !== null && typeof (body as Partial<Sendable>)[WRITE_TO] === 'function';
}

import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '../errors/s3error.js';

/** Passes a body through while hashing it; fails at the end unless its SHA-256 is `expectedHex`. */
export class Sha256Verifier extends Transform {
  private readonly hash = createHash('sha256');

  constructor(private readonly expectedHex: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    const got = this.hash.digest('hex');
    if (got !== this.expectedHex) {
      cb(new S3Error('XAmzContentSHA256Mismatch', undefined, { ClientComputedContentSHA256: this.expectedHex, S3ComputedContentSHA256: got }));
    } else cb();
  }
}

/** Counts a body's bytes; fails at the end with IncompleteBody if fewer than `expected` arrived, or more. */
export class LengthVerifier extends Transform {
  private seen = 0;

  constructor(private readonly expected: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.expected) {
      cb(new S3Error('IncompleteBody', 'The request body is longer than the declared length.'));
      return;
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.seen !== this.expected) cb(new S3Error('IncompleteBody'));
    else cb();
  }
}

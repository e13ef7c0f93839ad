/**
 * aws-chunked body decoder (Content-Encoding: aws-chunked), as a streaming
 * Transform that outputs only the payload bytes.
 *
 * Covers the x-amz-content-sha256 streaming variants:
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD           signed chunks
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER   signed chunks + signed trailer
 *   STREAMING-UNSIGNED-PAYLOAD-TRAILER           plain chunks + unsigned trailer
 *
 * Wire format:
 *   hex-size[;chunk-signature=sig]\r\n <size bytes> \r\n      (repeated)
 *   0[;chunk-signature=sig]\r\n                              (final chunk)
 *   then, without trailers:  \r\n   (the JS SDK omits it when it sends no checksum)
 *   with trailers:           name:value\r\n ... [x-amz-trailer-signature:sig\r\n] \r\n
 *
 * Tolerated client variations: one blank line between the final chunk and the
 * trailers (the AWS documentation's example shows one); a missing final blank line
 * after complete trailer lines (it carries no information). Chunks may have any
 * size: the AWS SDK for JavaScript sends chunks smaller than 8 KiB.
 *
 * Data is forwarded as it arrives, before its chunk's signature can be checked
 * (that is only possible at the chunk's end). This is safe because the caller
 * commits nothing until the stream has ended without error: any bad signature,
 * framing error or truncation destroys the stream with an S3Error, and the
 * partially written data is discarded.
 *
 * Trailers: `trailers` holds the received trailing headers (lower-case names,
 * trimmed values, without x-amz-trailer-signature). It is complete, validated
 * (every announced trailer present, none unannounced, signature verified) once
 * the stream has emitted 'end' (readable side) or 'finish' (writable side)
 * without an error. Trailing checksum *values* are not checked here: the caller
 * hashes the output and compares with e.g. trailers.get('x-amz-checksum-crc32').
 */
import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '../errors/s3error.js';

export interface ChunkSignatureContext {
  /** SigV4 signing key: HMAC chain of 'AWS4'+secret, date, region, service, 'aws4_request'. */
  signingKey: Buffer;
  /** x-amz-date of the request, e.g. 20130524T000000Z. */
  amzDate: string;
  /** Credential scope, e.g. 20130524/us-east-1/s3/aws4_request. */
  scope: string;
  /** The request's (Authorization header) signature; the first chunk chains from it. */
  seedSignature: string;
}

export interface ChunkedDecoderOptions {
  /** Present for the signed variants: each chunk-signature is verified, and the trailer signature. */
  signed?: ChunkSignatureContext;
  /** -TRAILER variants: trailing headers follow the final chunk. */
  trailer: boolean;
  /** Lower-cased names announced in x-amz-trailer. */
  expectedTrailers: string[];
  /** x-amz-decoded-content-length: the payload must have exactly this many bytes. */
  decodedContentLength?: number;
}

/** Longest chunk-header or trailer line accepted (without its CRLF). */
export const MAX_LINE_LENGTH = 4096;
/** Largest trailer section accepted (all trailer lines with their CRLFs). */
export const MAX_TRAILER_BYTES = 16 * 1024;
const MAX_TRAILER_LINES = 64;

const CR = 0x0d;
const LF = 0x0a;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SIGNATURE_RE = /^[0-9a-f]{64}$/;
const HEX_RE = /^[0-9a-fA-F]{1,16}$/;
const TRAILER_SIGNATURE = 'x-amz-trailer-signature';

// Parser states.
const HEADER = 0; // reading a chunk-header line
const DATA = 1; // inside chunk data
const DATA_CR = 2; // expecting the CR after chunk data
const DATA_LF = 3; // expecting the LF after chunk data
const END_CR = 4; // after the final chunk (no trailers): optional CRLF
const END_LF = 5;
const TRAILER = 6; // reading trailer lines
const DONE = 7; // body complete; nothing more may follow
type State = typeof HEADER | typeof DATA | typeof DATA_CR | typeof DATA_LF | typeof END_CR | typeof END_LF | typeof TRAILER | typeof DONE;

function sameSignature(expectedHex: string, given: string): boolean {
  const a = Buffer.from(expectedHex, 'latin1');
  const b = Buffer.from(given, 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

function incomplete(message: string): S3Error {
  return new S3Error('IncompleteBody', message);
}

function malformed(message: string): S3Error {
  return new S3Error('InvalidRequest', message);
}

/**
 * The trailing headers are not well formed or do not match x-amz-trailer (one
 * announced and not sent, one sent and not announced, trailing data where no
 * trailer was announced): S3 answers MalformedTrailerError.
 */
function badTrailer(message: string): S3Error {
  return new S3Error('MalformedTrailerError', message);
}

export class ChunkedDecoder extends Transform {
  /** Trailing headers; complete and verified once 'end'/'finish' has been emitted without error. */
  readonly trailers = new Map<string, string>();

  private readonly signed: ChunkSignatureContext | undefined;
  private readonly trailer: boolean;
  private readonly expected: ReadonlySet<string>;
  private readonly decodedContentLength: number | undefined;

  private state: State = HEADER;
  private failed = false;
  private total = 0; // payload bytes forwarded
  private remaining = 0; // bytes left in the current chunk's data

  // Signature chain.
  private previousSignature = '';
  private chunkSignature = '';
  private chunkHash: Hash | undefined;

  // Line assembly when a line spans input buffers. `line` is only valid until the next takeLine().
  private readonly lineBuf = Buffer.allocUnsafe(MAX_LINE_LENGTH + 1);
  private lineLen = 0;
  private line: Buffer | undefined;

  // Trailer section.
  private trailerBytes = 0;
  private trailerLines: string[] = []; // raw lines as received (without CRLF), signature line excluded
  private trailerSignature: string | undefined;
  private skippedBlank = false;

  constructor(opts: ChunkedDecoderOptions) {
    super();
    this.signed = opts.signed;
    this.trailer = opts.trailer;
    this.expected = new Set(opts.expectedTrailers.map((n) => n.trim().toLowerCase()));
    this.decodedContentLength = opts.decodedContentLength;
    if (this.signed) this.previousSignature = this.signed.seedSignature;
  }

  /** Payload bytes output so far. */
  get bytesDecoded(): number {
    return this.total;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failed) {
      callback();
      return;
    }
    try {
      this.consume(chunk);
    } catch (err) {
      this.failed = true;
      callback(err as Error);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.failed) {
      callback();
      return;
    }
    try {
      this.finishInput();
    } catch (err) {
      this.failed = true;
      callback(err as Error);
      return;
    }
    callback();
  }

  private consume(chunk: Buffer): void {
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      switch (this.state) {
        case HEADER:
          pos = this.takeLine(chunk, pos, 'chunk header');
          if (this.line) this.onChunkHeader(this.line);
          break;
        case DATA: {
          const take = Math.min(this.remaining, n - pos);
          const piece = pos === 0 && take === n ? chunk : chunk.subarray(pos, pos + take);
          this.chunkHash?.update(piece);
          this.total += take;
          this.remaining -= take;
          pos += take;
          this.push(piece);
          if (this.remaining === 0) this.state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (chunk[pos++] !== CR) throw malformed('Chunk data is not followed by CRLF: the chunk size does not match its data.');
          this.state = DATA_LF;
          break;
        case DATA_LF:
          if (chunk[pos++] !== LF) throw malformed('Chunk data is not followed by CRLF: the chunk size does not match its data.');
          this.verifyChunk();
          this.state = HEADER;
          break;
        case END_CR:
          if (chunk[pos++] !== CR) throw badTrailer('Unexpected data after the final chunk (a trailer that x-amz-trailer did not announce?).');
          this.state = END_LF;
          break;
        case END_LF:
          if (chunk[pos++] !== LF) throw malformed('The final chunk is not followed by CRLF.');
          this.state = DONE;
          break;
        case TRAILER: {
          const before = pos;
          pos = this.takeLine(chunk, pos, 'trailer');
          this.trailerBytes += pos - before;
          if (this.trailerBytes > MAX_TRAILER_BYTES) throw badTrailer('The trailing headers are too large.');
          if (this.line) this.onTrailerLine(this.line);
          break;
        }
        case DONE:
          throw malformed('Unexpected data after the end of the aws-chunked body.');
      }
    }
  }

  /**
   * Reads up to and including the next LF. Sets `this.line` to the line without
   * its CRLF when complete (undefined otherwise) and returns the new position.
   */
  private takeLine(chunk: Buffer, pos: number, what: string): number {
    this.line = undefined;
    const lf = chunk.indexOf(LF, pos);
    const end = lf === -1 ? chunk.length : lf;
    const len = end - pos;
    if (this.lineLen + len > MAX_LINE_LENGTH + 1) {
      const message = `The aws-chunked ${what} line is longer than ${MAX_LINE_LENGTH} bytes.`;
      throw what === 'trailer' ? badTrailer(message) : malformed(message);
    }
    if (lf === -1) {
      chunk.copy(this.lineBuf, this.lineLen, pos, end);
      this.lineLen += len;
      return end;
    }
    let line: Buffer;
    if (this.lineLen === 0) {
      line = chunk.subarray(pos, lf);
    } else {
      chunk.copy(this.lineBuf, this.lineLen, pos, lf);
      line = this.lineBuf.subarray(0, this.lineLen + len);
      this.lineLen = 0;
    }
    if (line.length === 0 || line[line.length - 1] !== CR) {
      const message = `The aws-chunked ${what} line is not terminated by CRLF.`;
      throw what === 'trailer' ? badTrailer(message) : malformed(message);
    }
    this.line = line.subarray(0, line.length - 1);
    return lf + 1;
  }

  private onChunkHeader(lineBytes: Buffer): void {
    const line = lineBytes.toString('latin1');
    const semi = line.indexOf(';');
    const sizeText = (semi === -1 ? line : line.slice(0, semi)).replace(/[ \t]+$/, '');
    if (!HEX_RE.test(sizeText)) {
      throw malformed(`Invalid aws-chunked chunk size ${JSON.stringify(sizeText.slice(0, 32))}.`);
    }
    const size = parseInt(sizeText, 16);
    if (!Number.isSafeInteger(size)) throw malformed('The aws-chunked chunk size is too large.');

    if (this.signed) {
      let signature: string | undefined;
      if (semi !== -1) {
        for (const ext of line.slice(semi + 1).split(';')) {
          const eq = ext.indexOf('=');
          if (eq !== -1 && ext.slice(0, eq).trim() === 'chunk-signature') signature = ext.slice(eq + 1).trim();
        }
      }
      if (signature === undefined) throw new S3Error('SignatureDoesNotMatch', 'A chunk is missing its chunk-signature.');
      if (!SIGNATURE_RE.test(signature)) throw new S3Error('SignatureDoesNotMatch', 'A chunk-signature is malformed.');
      this.chunkSignature = signature;
    }

    if (this.decodedContentLength !== undefined && this.total + size > this.decodedContentLength) {
      throw incomplete('The decoded body is longer than x-amz-decoded-content-length.');
    }

    if (size > 0) {
      this.remaining = size;
      if (this.signed) this.chunkHash = createHash('sha256');
      this.state = DATA;
      return;
    }

    // Final (zero-length) chunk.
    if (this.signed) this.checkChunkSignature(EMPTY_SHA256);
    if (this.decodedContentLength !== undefined && this.total !== this.decodedContentLength) {
      throw incomplete(`The decoded body has ${this.total} bytes; x-amz-decoded-content-length is ${this.decodedContentLength}.`);
    }
    this.state = this.trailer ? TRAILER : END_CR;
  }

  private verifyChunk(): void {
    if (!this.signed) return;
    const hash = this.chunkHash!.digest('hex');
    this.chunkHash = undefined;
    this.checkChunkSignature(hash);
  }

  private checkChunkSignature(payloadHash: string): void {
    const s = this.signed!;
    const stringToSign = `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${this.previousSignature}\n${EMPTY_SHA256}\n${payloadHash}`;
    const expected = createHmac('sha256', s.signingKey).update(stringToSign, 'utf8').digest('hex');
    if (!sameSignature(expected, this.chunkSignature)) {
      throw new S3Error('SignatureDoesNotMatch', 'The chunk signature we calculated does not match the chunk-signature you provided.');
    }
    this.previousSignature = expected;
  }

  private onTrailerLine(lineBytes: Buffer): void {
    if (lineBytes.length === 0) {
      if (this.trailerLines.length === 0 && this.trailerSignature === undefined && !this.skippedBlank && this.expected.size > 0) {
        // `0;chunk-signature=...\r\n\r\n` followed by the trailers, as in the AWS docs' example.
        this.skippedBlank = true;
        return;
      }
      this.finishTrailers(false);
      return;
    }
    if (this.trailerLines.length >= MAX_TRAILER_LINES) throw badTrailer('Too many trailing headers.');
    const line = lineBytes.toString('latin1');
    const colon = line.indexOf(':');
    if (colon <= 0) throw badTrailer('A trailing header is malformed (expected name:value).');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === TRAILER_SIGNATURE) {
      if (!this.signed) return; // nothing to check it against in the unsigned variant
      if (this.trailerSignature !== undefined) throw badTrailer('x-amz-trailer-signature was sent twice.');
      this.trailerSignature = value;
      return;
    }
    if (!this.expected.has(name)) {
      throw badTrailer(`The trailing header ${name} was not announced in x-amz-trailer.`);
    }
    if (this.trailers.has(name)) throw badTrailer(`The trailing header ${name} was sent twice.`);
    this.trailers.set(name, value);
    this.trailerLines.push(line);
  }

  /** Validates the trailer section; `atEof` when the body ended without the final blank line. */
  private finishTrailers(atEof: boolean): void {
    for (const name of this.expected) {
      if (!this.trailers.has(name)) {
        const msg = `The trailing header ${name} announced in x-amz-trailer was not sent.`;
        // A body cut inside the trailer section is incomplete; one whose trailer section ended (a blank line
        // seen) without the announced header is S3's MalformedTrailerError.
        throw atEof && !this.skippedBlank ? incomplete(msg) : badTrailer(msg);
      }
    }
    if (this.signed && (this.trailers.size > 0 || this.trailerSignature !== undefined)) {
      if (this.trailerSignature === undefined) {
        const msg = 'The trailing headers are missing x-amz-trailer-signature.';
        throw atEof ? incomplete(msg) : new S3Error('SignatureDoesNotMatch', msg);
      }
      if (!this.trailerSignatureMatches(this.trailerSignature)) {
        throw new S3Error('SignatureDoesNotMatch', 'The trailer signature we calculated does not match the x-amz-trailer-signature you provided.');
      }
    }
    this.state = DONE;
  }

  private trailerSignatureMatches(given: string): boolean {
    // Canonical form (AWS SDKs, CRT): lower-case names sorted, trimmed values, each
    // 'name:value\n'. Some signers hash the lines as sent instead; accept that too.
    const canonical = [...this.trailers.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}:${v}\n`)
      .join('');
    if (sameSignature(this.trailerSignatureFor(canonical), given)) return true;
    const asSent = this.trailerLines.map((l) => `${l}\n`).join('');
    return asSent !== canonical && sameSignature(this.trailerSignatureFor(asSent), given);
  }

  private trailerSignatureFor(canonicalTrailers: string): string {
    const s = this.signed!;
    const hash = createHash('sha256').update(canonicalTrailers, 'latin1').digest('hex');
    const stringToSign = `AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${s.scope}\n${this.previousSignature}\n${hash}`;
    return createHmac('sha256', s.signingKey).update(stringToSign, 'utf8').digest('hex');
  }

  /** End of input: anything but a complete body is a truncation. */
  private finishInput(): void {
    switch (this.state) {
      case DONE:
      case END_CR: // final chunk without the closing CRLF (JS SDK without a checksum)
        return;
      case TRAILER:
        if (this.lineLen > 0) throw incomplete('The body ended inside the trailing headers.');
        this.finishTrailers(true);
        return;
      case HEADER:
        throw incomplete(this.lineLen > 0 ? 'The body ended inside a chunk header.' : 'The body ended before the final zero-length chunk.');
      case DATA:
        throw incomplete(`The body ended ${this.remaining} bytes before the end of a chunk.`);
      default:
        throw incomplete('The body ended before its final CRLF.');
    }
  }
}

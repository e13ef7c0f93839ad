/**
 * Receiving a browser form upload (POST Object, multipart/form-data): the
 * fields before the `file` part, then the file as a stream not yet read.
 * The fields after it are ignored, as S3 does.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Busboy, type BusboyFileStream, type BusboyInstance } from '@fastify/busboy';
import { S3Error } from '../errors/s3error.js';

/** The most bytes of field names and values the form may send before its file. */
export const MAX_POST_PRE_DATA = 64 * 1024;
/** The most fields the form may send before its file. */
const MAX_POST_FIELDS = 1000;

export interface ReceivedForm {
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

export function malformedForm(detail?: string): S3Error {
  return new S3Error('MalformedPOSTRequest', detail ? `The body of your POST request is not well-formed multipart/form-data. ${detail}` : undefined);
}

/**
 * Parses the body until the `file` part starts (or the body ends): resolves
 * with the fields before it and the file stream, not yet read.
 */
export function receiveForm(headers: IncomingHttpHeaders, body: Readable): Promise<ReceivedForm> {
  const ct = headers['content-type'];
  const contentType = (Array.isArray(ct) ? ct.join(',') : ct) ?? '';
  let bb: BusboyInstance;
  try {
    bb = Busboy({
      headers: { ...headers, 'content-type': contentType },
      limits: { fieldSize: MAX_POST_PRE_DATA, fields: MAX_POST_FIELDS, files: 1 },
      // S3 takes the part named `file` as the upload, whatever its headers say; any other part is a field.
      isPartAFile: (name) => name?.toLowerCase() === 'file',
    });
  } catch (e) {
    throw malformedForm((e as Error).message);
  }
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
    bb.on('error', (e: unknown) => fail(malformedForm((e as Error)?.message)));
    body.on('error', fail);
    body.pipe(bb);
  });
}

export function formValues(fields: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [name, value] of fields) {
    const lower = name.toLowerCase();
    if (!m.has(lower)) m.set(lower, value);
  }
  return m;
}

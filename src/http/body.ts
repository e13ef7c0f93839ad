import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { S3Error } from '../errors/s3error.js';

/**
 * Fails a request body that stops arriving: once the operation has asked for
 * the body, `timeoutMs` without a byte from the client destroys the decoded
 * stream with RequestTimeout (400, as S3 answers), so the reader's staged
 * file is removed and the connection can be closed. Time spent waiting for
 * the server's own reader (bytes buffered but not yet read: a slow disk) is
 * not the client's fault and does not count. Returns the stream it watches.
 */
export function watchBody(raw: IncomingMessage, body: Readable, timeoutMs: number): Readable {
  const socket = raw.socket;
  if (timeoutMs <= 0 || raw.complete || !socket) return body;
  if (body === raw) {
    // Destroying the request itself would close the socket before the error is answered: watch a pass-through.
    const through = new PassThrough();
    raw.on('error', (e) => through.destroy(e));
    body = raw.pipe(through);
  }
  // Progress is read off the socket's byte count: no listener is added to the streams (a 'data' listener would
  // change how they flow).
  let seen = socket.bytesRead;
  let last = Date.now();
  const timer = setInterval(
    () => {
      if (raw.complete || body.destroyed) return stop();
      const now = Date.now();
      // New bytes from the client, or bytes waiting for our own reader: the client is not the one stalling.
      if (socket.bytesRead !== seen || raw.readableLength > 0 || body.readableLength > 0) {
        seen = socket.bytesRead;
        last = now;
        return;
      }
      if (now - last < timeoutMs) return;
      stop();
      body.destroy(new S3Error('RequestTimeout'));
    },
    Math.max(50, Math.min(1000, Math.floor(timeoutMs / 4))),
  );
  timer.unref();
  const stop = () => clearInterval(timer);
  body.once('close', stop);
  raw.once('end', stop);
  return body;
}

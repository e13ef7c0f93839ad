import { Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import type { ObjectRecord } from '../store/objects.js';

/**
 * How many part blobs of a multipart object a read keeps open ahead of the
 * one it is sending. An open file outlives its unlink, so a GET that began
 * before the object was replaced or deleted still sends the old bytes of
 * every part it has open: all of them for objects of up to this many parts.
 * (Beyond that a part not yet opened when the object is replaced is gone,
 * and the response ends early with an error.)
 */
export const OPEN_AHEAD = 256;

/** Bytes [from, to] (inclusive, within the blob) of one part blob. */
interface Piece {
  blobId: string;
  from: number;
  to: number;
}

/**
 * Opens bytes [start, end] of an object for reading: one blob, or the part
 * blobs of a multipart object in order (the first OPEN_AHEAD at once, then
 * one more each time one is done). Undefined when the object's data is gone
 * (it was replaced meanwhile: the caller looks it up again).
 */
export async function openObject(ctx: AppContext, o: ObjectRecord, start: number, end: number): Promise<Readable | undefined> {
  if (!o.partsCount) return ctx.blobs.openRead(o.blobId, start, end);
  const pieces: Piece[] = ctx.objects
    .segments(o.blobId)
    .filter((g) => g.offset + g.size > start && g.offset <= end && g.size > 0)
    .map((g) => ({ blobId: g.blobId, from: Math.max(start, g.offset) - g.offset, to: Math.min(end, g.offset + g.size - 1) - g.offset }));
  if (pieces.length === 0) return o.size === 0 ? Readable.from([]) : undefined;
  const opened: Readable[] = [];
  try {
    for (const p of pieces.slice(0, OPEN_AHEAD)) {
      const s = await ctx.blobs.openRead(p.blobId, p.from, p.to);
      if (!s) {
        for (const x of opened) x.destroy();
        return undefined;
      }
      opened.push(s);
    }
  } catch (e) {
    for (const x of opened) x.destroy();
    throw e;
  }
  const out = Readable.from(pieceChunks(ctx, pieces, opened), { objectMode: false });
  // Destroyed before its first read, the generator never runs its finally: close what it holds here.
  out.once('close', () => {
    for (const s of opened) s.destroy();
  });
  return out;
}

async function* pieceChunks(ctx: AppContext, pieces: Piece[], open: Readable[]): AsyncGenerator<Buffer> {
  let next = open.length;
  let current: Readable | undefined;
  try {
    for (let i = 0; i < pieces.length; i++) {
      current = open.shift();
      if (!current) throw new S3Error('InternalError', 'A part of the object could not be read.');
      // Keep the window full: open the next part before sending this one.
      if (next < pieces.length) {
        const p = pieces[next++]!;
        const s = await ctx.blobs.openRead(p.blobId, p.from, p.to);
        if (!s) throw new S3Error('InternalError', 'A part of the object could not be read.');
        open.push(s);
      }
      for await (const chunk of current as AsyncIterable<Buffer>) yield chunk;
      current = undefined;
    }
  } finally {
    current?.destroy();
    for (const s of open) s.destroy();
    open.length = 0;
  }
}

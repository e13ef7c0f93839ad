import { Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import type { ObjectRecord } from '../store/objects.js';

/** Bytes [from, to] (inclusive, within the blob) of one part blob. */
interface Piece {
  blobId: string;
  from: number;
  to: number;
}

/**
 * Opens bytes [start, end] of an object for reading: one blob, or the part
 * blobs of a multipart object in order, each opened when reached. A
 * multipart read pins its manifest for as long as it runs, so a concurrent
 * overwrite or delete leaves its parts on disk until the read is done (the
 * garbage collector skips pinned manifests and the sweeper retries them).
 * Undefined when the object's data is gone (it was replaced meanwhile: the
 * caller looks it up again).
 */
export async function openObject(ctx: AppContext, o: ObjectRecord, start: number, end: number): Promise<Readable | undefined> {
  if (!o.partsCount) return ctx.blobs.openRead(o.blobId, start, end);
  return openParts(ctx, o, start, end);
}

/** Reads up to this many bytes of a single-part object in one read, sent as one buffer (no stream machinery). */
export const SMALL_READ = 256 * 1024;

/** openObject for GET: small single-part reads come back as one Buffer. */
export async function readObject(ctx: AppContext, o: ObjectRecord, start: number, end: number): Promise<Readable | Buffer | undefined> {
  if (!o.partsCount && end - start + 1 <= SMALL_READ) return ctx.blobs.readRange(o.blobId, start, end);
  return openObject(ctx, o, start, end);
}

async function openParts(ctx: AppContext, o: ObjectRecord, start: number, end: number): Promise<Readable | undefined> {
  const unpin = ctx.blobs.pin(o.blobId);
  const pieces: Piece[] = ctx.objects
    .segments(o.blobId)
    .filter((g) => g.offset + g.size > start && g.offset <= end && g.size > 0)
    .map((g) => ({ blobId: g.blobId, from: Math.max(start, g.offset) - g.offset, to: Math.min(end, g.offset + g.size - 1) - g.offset }));
  if (pieces.length === 0) {
    unpin();
    return o.size === 0 ? Readable.from([]) : undefined;
  }
  let first: Readable | undefined;
  try {
    first = await ctx.blobs.openRead(pieces[0]!.blobId, pieces[0]!.from, pieces[0]!.to);
  } catch (e) {
    unpin();
    throw e;
  }
  if (!first) {
    unpin();
    return undefined;
  }
  const out = Readable.from(pieceChunks(ctx, pieces, first), { objectMode: false });
  out.once('close', () => {
    // Destroyed before its first read, the generator never runs its finally.
    first.destroy();
    unpin();
  });
  return out;
}

async function* pieceChunks(ctx: AppContext, pieces: Piece[], first: Readable): AsyncGenerator<Buffer> {
  let current: Readable | undefined = first;
  try {
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) {
        const p = pieces[i]!;
        current = await ctx.blobs.openRead(p.blobId, p.from, p.to);
        if (!current) throw new S3Error('InternalError', 'A part of the object could not be read.');
      }
      for await (const chunk of current as AsyncIterable<Buffer>) yield chunk;
      current = undefined;
    }
  } finally {
    current?.destroy();
  }
}

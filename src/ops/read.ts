import { Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import { S3Error } from '../errors/s3error.js';
import type { ObjectRecord, Segment } from '../store/objects.js';

/**
 * Opens bytes [start, end] of an object for reading: one blob, or the part
 * blobs of a multipart object in order, each opened only when reached.
 * Undefined when the object's data is gone (it was replaced meanwhile: the
 * caller looks it up again).
 */
export async function openObject(ctx: AppContext, o: ObjectRecord, start: number, end: number): Promise<Readable | undefined> {
  if (!o.partsCount) return ctx.blobs.openRead(o.blobId, start, end);
  const segs = ctx.objects.segments(o.blobId).filter((g) => g.offset + g.size > start && g.offset <= end && g.size > 0);
  if (segs.length === 0) return o.size === 0 ? Readable.from([]) : undefined;
  const first = segs[0]!;
  const firstStream = await ctx.blobs.openRead(first.blobId, start - first.offset, Math.min(end, first.offset + first.size - 1) - first.offset);
  if (!firstStream) return undefined;
  return Readable.from(segmentChunks(ctx, segs, firstStream, start, end), { objectMode: false });
}

async function* segmentChunks(ctx: AppContext, segs: Segment[], first: Readable, start: number, end: number): AsyncGenerator<Buffer> {
  let current: Readable | undefined = first;
  try {
    for (let i = 0; i < segs.length; i++) {
      const g = segs[i]!;
      if (i > 0) {
        current = await ctx.blobs.openRead(g.blobId, Math.max(start, g.offset) - g.offset, Math.min(end, g.offset + g.size - 1) - g.offset);
        if (!current) throw new S3Error('InternalError', 'A part of the object could not be read.');
      }
      for await (const chunk of current as AsyncIterable<Buffer>) yield chunk;
      current = undefined;
    }
  } finally {
    current?.destroy();
  }
}

import { createHash } from 'node:crypto';
import { S3Error } from '../errors/s3error.js';
import { MAX_KEY_BYTES } from '../http/request.js';
import { CHECKSUM_ALGORITHMS, CHECKSUM_HEADER, algorithmFromHeaderName, checksumMatches, createHasher, isValidChecksumValue, type ChecksumAlgorithm } from '../store/checksums.js';
import { parseXml, parseXmlBoolean, toXml, type XmlObject } from '../xml/xml.js';
import { header, readSmallBody, requireBucket } from './common.js';
import { guardVersionRemoval } from './lock.js';
import { VERSION_ID_RE } from './objects.js';
import { checkChecksumNames } from './write.js';
import type { Operation, OpRequest } from './types.js';

/**
 * Operations AWS marks as requiring an integrity header accept Content-MD5
 * or any x-amz-checksum-* header; whichever is sent is verified.
 */
export function verifyRequiredIntegrity(r: OpRequest, body: Buffer, required: boolean): void {
  checkChecksumNames(r.headers, r.auth.trailerNames);
  const md5 = header(r.headers, 'content-md5');
  const algos = CHECKSUM_ALGORITHMS.filter((a) => r.headers[CHECKSUM_HEADER[a]] !== undefined);
  if (algos.length + r.auth.trailerNames.length > 1) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const trailerSum = r.auth.trailerNames[0];
  if (required && md5 === undefined && algos.length === 0 && trailerSum === undefined) {
    throw new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5 or x-amz-checksum-*');
  }
  if (md5 !== undefined) {
    const want = Buffer.from(md5.trim(), 'base64');
    if (want.length !== 16) throw new S3Error('InvalidDigest');
    if (!want.equals(createHash('md5').update(body).digest())) throw new S3Error('BadDigest');
  }
  for (const a of algos) {
    const v = header(r.headers, CHECKSUM_HEADER[a])!.trim();
    if (!isValidChecksumValue(a, v)) throw new S3Error('InvalidRequest', `Value for ${CHECKSUM_HEADER[a]} header is invalid.`);
    if (!checksumMatches(v, checksumOf(a, body))) {
      throw new S3Error('BadDigest', `The ${a} you specified did not match the calculated checksum.`);
    }
  }
  if (trailerSum !== undefined) {
    // The decoder has checked that the announced trailer was sent (MalformedTrailerError otherwise).
    const v = r.auth.trailers().get(trailerSum)?.trim();
    const a = algorithmFromHeaderName(trailerSum)!;
    if (v === undefined) throw new S3Error('MalformedTrailerError');
    if (!isValidChecksumValue(a, v)) throw new S3Error('InvalidRequest', `Value for ${trailerSum} trailing header is invalid.`);
    if (!checksumMatches(v, checksumOf(a, body))) {
      throw new S3Error('BadDigest', `The ${a} you specified did not match the calculated checksum.`);
    }
  }
}

function checksumOf(a: ChecksumAlgorithm, body: Buffer): Buffer {
  const h = createHasher(a);
  h.update(body);
  return h.digest();
}

const MAX_DELETE_BODY = 2 * 1024 * 1024;

export const DeleteObjects: Operation = {
  name: 'DeleteObjects',
  checks: (r) => [{ action: 's3:DeleteObject', bucket: r.target.bucket }],
  async run(ctx, r) {
    const bucket = requireBucket(ctx, r);
    const body = await readSmallBody(r.auth.body(r.raw), MAX_DELETE_BODY);
    verifyRequiredIntegrity(r, body, true);
    const doc = parseXml(body, 'Delete', ['Delete.Object']);
    const objects = doc.Object;
    if (!Array.isArray(objects) || objects.length === 0 || objects.length > 1000) throw new S3Error('MalformedXML');
    const quiet = doc.Quiet === undefined ? false : parseXmlBoolean(doc.Quiet);
    // Every entry is checked before anything is deleted: a malformed one fails the whole request.
    const targets = objects.map((o: unknown) => {
      if (typeof o !== 'object' || o === null) throw new S3Error('MalformedXML');
      const { Key: key, VersionId: versionId } = o as Record<string, unknown>;
      if (typeof key !== 'string' || (versionId !== undefined && typeof versionId !== 'string')) throw new S3Error('MalformedXML');
      return { key, versionId };
    });
    const deleted: XmlObject[] = [];
    const errors: XmlObject[] = [];
    const now = ctx.clock();
    const garbage: Array<string | undefined> = [];
    // One commit for the whole batch; blobs are unlinked only once it is durable.
    await ctx.commits.run(() => {
      for (const { key, versionId } of targets) {
        if (key === '') {
          errors.push({ Key: key, Code: 'UserKeyMustBeSpecified', Message: 'The key must be specified' });
          continue;
        }
        if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
          errors.push({ Key: key, VersionId: versionId, Code: 'KeyTooLongError', Message: 'Your key is too long' });
          continue;
        }
        try {
          if (versionId !== undefined) {
            if (!VERSION_ID_RE.test(versionId)) {
              errors.push({ Key: key, VersionId: versionId, Code: 'NoSuchVersion', Message: 'The specified version does not exist.' });
              continue;
            }
            const res = ctx.objects.deleteVersion(bucket.id, key, versionId, now, (v) => guardVersionRemoval(ctx, r, v));
            garbage.push(res.deletedBlobId);
            if (!quiet) deleted.push({ Key: key, VersionId: versionId, DeleteMarker: res.wasDeleteMarker ? true : undefined, DeleteMarkerVersionId: res.wasDeleteMarker ? versionId : undefined });
            continue;
          }
          const res = ctx.objects.delete(bucket.id, key, now, bucket.versioning, r.auth.identity!.user.id);
          garbage.push(res.deletedBlobId);
          if (!quiet) {
            deleted.push(
              res.deleteMarkerVersionId !== undefined ? { Key: key, DeleteMarker: true, DeleteMarkerVersionId: res.deleteMarkerVersionId } : { Key: key },
            );
          }
        } catch (e) {
          if (e instanceof S3Error) {
            errors.push({ Key: key, VersionId: versionId, Code: e.code, Message: e.message });
            continue;
          }
          ctx.log.error({ err: e, key }, 'DeleteObjects: delete failed');
          errors.push({ Key: key, VersionId: versionId, Code: 'InternalError', Message: 'We encountered an internal error. Please try again.' });
        }
      }
    });
    for (const g of garbage) ctx.garbage.collect(g);
    return { xml: toXml('DeleteResult', { Deleted: deleted, Error: errors }) };
  },
};

import { DomainError } from '../../core/errors.js';
import { S3Error } from '../../errors/s3error.js';
import { fromDomainError } from '../../http/errors.js';
import { MAX_KEY_BYTES } from '../../http/target.js';
import { parseXml, parseXmlBoolean, type XmlObject } from '../../xml/xml.js';
import { requireBucket } from '../lookup.js';
import { operation, type OpEvent, type Permission } from '../operation.js';
import { VERSION_ID_RE, booleanHeader, requireBucketName } from '../params.js';
import { bypassPermission } from './DeleteObject.js';
import { noticeOf } from '../events.js';
import { aclsDisabled } from '../acls.js';

interface Entry {
  key: string;
  versionId?: string;
}

/** What each entry asks to be allowed (checked one by one: a denied key is an AccessDenied entry, not a failed request). */
function entryPermission(bucket: string, e: Entry): Permission {
  return e.versionId === undefined
    ? { action: 's3:DeleteObject', bucket, key: e.key, optional: true }
    : { action: 's3:DeleteObjectVersion', bucket, key: e.key, conditions: { 's3:VersionId': e.versionId }, optional: true };
}

/** DeleteObjects: up to 1000 keys (and versions) in one commit; every entry answered on its own. */
export const DeleteObjects = operation({
  name: 'DeleteObjects',
  body: { kind: 'document', max: 2 * 1024 * 1024, integrity: 'required' },
  parse(req) {
    const doc = parseXml(req.document!, 'Delete', ['Delete.Object']);
    const objects = doc.Object;
    if (!Array.isArray(objects) || objects.length === 0 || objects.length > 1000) throw new S3Error('MalformedXML');
    const quiet = doc.Quiet === undefined ? false : parseXmlBoolean(doc.Quiet);
    // Every entry is checked before anything is deleted: a malformed one fails the whole request.
    const entries: Entry[] = objects.map((o: unknown) => {
      if (typeof o !== 'object' || o === null) throw new S3Error('MalformedXML');
      const { Key: key, VersionId: versionId } = o as Record<string, unknown>;
      if (typeof key !== 'string' || (versionId !== undefined && typeof versionId !== 'string')) throw new S3Error('MalformedXML');
      return { key, versionId };
    });
    return { bucket: requireBucketName(req.target.bucket), quiet, entries, bypass: booleanHeader(req.headers, 'x-amz-bypass-governance-retention') };
  },
  permissions: (i) => {
    const p: Permission[] = [];
    for (const e of i.entries) {
      p.push(entryPermission(i.bucket, e));
      if (i.bypass) p.push(bypassPermission(i.bucket, e.key));
    }
    return p;
  },
  async run(ctx, i, req, grants) {
    const bucket = requireBucket(ctx, i.bucket);
    const deleted: XmlObject[] = [];
    const errors: XmlObject[] = [];
    const events: OpEvent[] = [];
    // Entries refused before the commit, by position; the rest are deleted together.
    const todo: Array<{ index: number; e: Entry }> = [];
    const refused = new Map<number, XmlObject>();
    i.entries.forEach((e, index) => {
      if (e.key === '') refused.set(index, { Key: e.key, Code: 'UserKeyMustBeSpecified', Message: 'The key must be specified' });
      else if (Buffer.byteLength(e.key, 'utf8') > MAX_KEY_BYTES)
        refused.set(index, { Key: e.key, VersionId: e.versionId, Code: 'KeyTooLongError', Message: 'Your key is too long' });
      else if (e.versionId !== undefined && !VERSION_ID_RE.test(e.versionId)) {
        refused.set(index, { Key: e.key, VersionId: e.versionId, Code: 'NoSuchVersion', Message: 'The specified version does not exist.' });
      } else if (!grants.allowed(entryPermission(i.bucket, e)))
        refused.set(index, { Key: e.key, VersionId: e.versionId, Code: 'AccessDenied', Message: 'Access Denied' });
      else todo.push({ index, e });
    });
    const results = await ctx.services.objects.deleteMany(
      bucket,
      todo.map(({ e }) => ({
        key: e.key,
        versionId: e.versionId,
        // A delete marker belongs to its writer's account, or to the bucket owner under BucketOwnerEnforced.
        ownerId: aclsDisabled(ctx, bucket) ? bucket.ownerId : (req.principal?.account.id ?? bucket.ownerId),
        mayBypassGovernance: i.bypass && grants.allowed(bypassPermission(i.bucket, e.key)),
        notice: noticeOf(req),
      })),
    );
    const done = new Map<number, (typeof results)[number]>();
    todo.forEach(({ index }, n) => done.set(index, results[n]!));
    i.entries.forEach((e, index) => {
      const r = refused.get(index);
      if (r) {
        errors.push(r);
        return;
      }
      const res = done.get(index)!;
      if (res instanceof Error) {
        const s3 = res instanceof DomainError ? fromDomainError(res) : new S3Error('InternalError');
        errors.push({ Key: e.key, VersionId: e.versionId, Code: s3.code, Message: s3.message });
        return;
      }
      if (e.versionId !== undefined) {
        if (!i.quiet)
          deleted.push({
            Key: e.key,
            VersionId: e.versionId,
            DeleteMarker: res.deleteMarker ? true : undefined,
            DeleteMarkerVersionId: res.deleteMarker ? e.versionId : undefined,
          });
        return;
      }
      if (!i.quiet) deleted.push(res.deleteMarker ? { Key: e.key, DeleteMarker: true, DeleteMarkerVersionId: res.versionId } : { Key: e.key });
      events.push({
        name: res.deleteMarker ? 'ObjectRemoved:DeleteMarkerCreated' : 'ObjectRemoved:Delete',
        bucket: bucket.name,
        key: e.key,
        versionId: res.versionId,
      });
    });
    return { xml: { root: 'DeleteResult', body: { Deleted: deleted, Error: errors } }, events };
  },
});

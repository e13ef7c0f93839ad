/**
 * Tags as AWS validates them (bucket and object tagging, the x-amz-tagging
 * header, POST forms), and the condition keys tags supply to the evaluator:
 * s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys on writes carrying
 * tags, s3:ExistingObjectTag/<key> on requests addressing a tagged version.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error } from '../errors/s3error.js';
import { parseXml } from '../xml/xml.js';
import type { OpContext, Permission } from './operation.js';
import { header } from './params.js';

export interface Tag {
  key: string;
  value: string;
}

/** Tag keys and values: Unicode letters, digits, white space, and + - = . _ : / @ (AWS's rule). */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const length = (s: string) => [...s].length;

/** At most this many tags on an object version (a bucket may have 50). */
export const MAX_OBJECT_TAGS = 10;

function tooMany(max: number, what: 'Bucket' | 'Object'): S3Error {
  // S3 answers an eleventh object tag with BadRequest, a 51st bucket tag with InvalidTag.
  return what === 'Object'
    ? new S3Error('BadRequest', `Object tags cannot be greater than ${max}`)
    : new S3Error('InvalidTag', `Bucket tag count cannot be greater than ${max}`);
}

/** One tag's key and value: 1-128 and 0-256 Unicode characters from the allowed set, no `aws:` prefix. */
export function checkTag(key: string, value: string): void {
  if (length(key) < 1 || length(key) > 128 || !TAG_CHARS.test(key)) throw new S3Error('InvalidTag', 'The TagKey you have provided is invalid');
  if (length(value) > 256 || !TAG_CHARS.test(value)) throw new S3Error('InvalidTag', 'The TagValue you have provided is invalid');
  if (key.toLowerCase().startsWith('aws:')) throw new S3Error('InvalidTag', 'Your TagKey cannot be prefixed with aws:');
}

/**
 * A TagSet as AWS validates it: at most `max` tags, each checked by
 * checkTag, no key twice. Shared by bucket and object tagging.
 */
export function parseTagSet(doc: Record<string, unknown>, max: number, what: 'Bucket' | 'Object'): Tag[] {
  // White space alone (`<TagSet> </TagSet>`) is an empty set.
  const set = typeof doc.TagSet === 'string' && doc.TagSet.trim() === '' ? '' : doc.TagSet;
  // <TagSet/> parses as '' (no tags); anything but an element is malformed.
  if (set !== '' && (typeof set !== 'object' || set === null || Array.isArray(set))) throw new S3Error('MalformedXML');
  const raw = set === '' ? [] : ((set as Record<string, unknown>).Tag ?? []);
  if (!Array.isArray(raw)) throw new S3Error('MalformedXML');
  if (raw.length > max) throw tooMany(max, what);
  const seen = new Set<string>();
  return raw.map((t: unknown) => {
    if (typeof t !== 'object' || t === null) throw new S3Error('MalformedXML');
    const { Key: key, Value: value } = t as Record<string, unknown>;
    if (typeof key !== 'string' || (value !== undefined && typeof value !== 'string')) throw new S3Error('MalformedXML');
    const v = value ?? '';
    checkTag(key, v);
    if (seen.has(key)) throw new S3Error('InvalidTag', 'Cannot provide multiple Tags with the same key');
    seen.add(key);
    return { key, value: v };
  });
}

/** An object's Tagging document (PutObjectTagging's body, a POST form's `tagging` field) as pairs. */
export function parseTaggingDocument(xml: Buffer): Array<[string, string]> {
  return parseTagSet(parseXml(xml, 'Tagging', ['Tagging.TagSet.Tag']), MAX_OBJECT_TAGS, 'Object').map((t) => [t.key, t.value]);
}

const BAD_TAGGING_HEADER = "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.";

/**
 * The x-amz-tagging header (URL query form, `k1=v1&k2`): undefined when not
 * sent. Empty pairs are skipped and a key without `=` has an empty value, as
 * S3 accepts; a pair with an empty key, bad percent-encoding or a repeated
 * key is InvalidArgument; an eleventh tag BadRequest; a bad key or value
 * InvalidTag.
 */
export function parseTaggingHeader(value: string | undefined): Array<[string, string]> | undefined {
  if (value === undefined) return undefined;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      throw new S3Error('InvalidArgument', BAD_TAGGING_HEADER, { ArgumentName: 'x-amz-tagging', ArgumentValue: value });
    }
  };
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const pair of value.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = decode(eq < 0 ? pair : pair.slice(0, eq));
    const v = eq < 0 ? '' : decode(pair.slice(eq + 1));
    if (k === '' || seen.has(k)) throw new S3Error('InvalidArgument', BAD_TAGGING_HEADER, { ArgumentName: 'x-amz-tagging', ArgumentValue: value });
    seen.add(k);
    out.push([k, v]);
  }
  if (out.length > MAX_OBJECT_TAGS) throw tooMany(MAX_OBJECT_TAGS, 'Object');
  for (const [k, v] of out) checkTag(k, v);
  return out;
}

/** The tags of a write request's x-amz-tagging header. */
export function taggingOf(h: IncomingHttpHeaders): Array<[string, string]> | undefined {
  return parseTaggingHeader(header(h, 'x-amz-tagging'));
}

/** s3:RequestObjectTagKeys and s3:RequestObjectTag/<key> of a request carrying tags (none: no keys). */
export function requestTagKeys(tags: ReadonlyArray<[string, string]> | undefined): Record<string, string | string[]> {
  if (tags === undefined) return {};
  const out: Record<string, string | string[]> = { 's3:RequestObjectTagKeys': tags.map(([k]) => k) };
  for (const [k, v] of tags) out[`s3:RequestObjectTag/${k}`] = v;
  return out;
}

/**
 * s3:ExistingObjectTag/<key> of the version a request addresses (the latest
 * without a version id), looked up only when a policy asks for a condition.
 */
export function existingTagKeys(ctx: OpContext, bucket: string, key: string, versionId: string | undefined): () => Record<string, string> {
  return () => {
    const b = ctx.services.buckets.get(bucket);
    if (!b) return {};
    const v = versionId !== undefined ? ctx.services.objects.version(b, key, versionId) : ctx.services.objects.current(b, key);
    const out: Record<string, string> = {};
    for (const [k, val] of v?.tags ?? []) out[`s3:ExistingObjectTag/${k}`] = val;
    return out;
  };
}

/** A write carrying tags needs s3:PutObjectTagging besides s3:PutObject (as S3 asks). */
export function taggingPermission(i: { bucket: string; key: string; tags?: ReadonlyArray<[string, string]> }): Permission[] {
  return i.tags === undefined ? [] : [{ action: 's3:PutObjectTagging', bucket: i.bucket, key: i.key, conditions: requestTagKeys(i.tags) }];
}

/** The x-amz-tagging-count header of a tagged version. */
export function tagCountHeader(tags: ReadonlyArray<[string, string]> | undefined): number | undefined {
  return tags?.length ? tags.length : undefined;
}

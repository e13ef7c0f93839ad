import { S3Error } from '../../errors/s3error.js';
import { bucketConfig } from '../bucket-config.js';

export interface Tag {
  key: string;
  value: string;
}

/** Tag keys and values: Unicode letters, digits, white space, and + - = . _ : / @ (AWS's rule). */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const length = (s: string) => [...s].length;

/**
 * A TagSet as AWS validates it: at most `max` tags, keys of 1-128 and values
 * of 0-256 Unicode characters from the allowed set, no key twice, none with
 * the reserved `aws:` prefix. Shared by bucket and object tagging.
 */
export function parseTagSet(doc: Record<string, unknown>, max: number, what: 'Bucket' | 'Object'): Tag[] {
  const set = doc.TagSet;
  // <TagSet/> parses as '' (no tags); anything but an element is malformed.
  if (set !== '' && (typeof set !== 'object' || set === null || Array.isArray(set))) throw new S3Error('MalformedXML');
  const raw = set === '' ? [] : ((set as Record<string, unknown>).Tag ?? []);
  if (!Array.isArray(raw)) throw new S3Error('MalformedXML');
  if (raw.length > max) throw new S3Error('InvalidTag', `${what} tag count cannot be greater than ${max}`);
  const seen = new Set<string>();
  return raw.map((t: unknown) => {
    if (typeof t !== 'object' || t === null) throw new S3Error('MalformedXML');
    const { Key: key, Value: value } = t as Record<string, unknown>;
    if (typeof key !== 'string' || (value !== undefined && typeof value !== 'string')) throw new S3Error('MalformedXML');
    const v = value ?? '';
    if (length(key) < 1 || length(key) > 128 || !TAG_CHARS.test(key)) throw new S3Error('InvalidTag', 'The TagKey you have provided is invalid');
    if (length(v) > 256 || !TAG_CHARS.test(v)) throw new S3Error('InvalidTag', 'The TagValue you have provided is invalid');
    if (key.toLowerCase().startsWith('aws:')) throw new S3Error('InvalidTag', 'Your TagKey cannot be prefixed with aws:');
    if (seen.has(key)) throw new S3Error('InvalidTag', 'Cannot provide multiple Tags with the same key');
    seen.add(key);
    return { key, value: v };
  });
}

export const bucketTagging = bucketConfig<Tag[]>({
  kind: 'tagging',
  names: { get: 'GetBucketTagging', put: 'PutBucketTagging', delete: 'DeleteBucketTagging' },
  actions: { get: 's3:GetBucketTagging', put: 's3:PutBucketTagging', delete: 's3:PutBucketTagging' },
  root: 'Tagging',
  lists: ['Tagging.TagSet.Tag'],
  integrity: 'required',
  parse: (doc) => parseTagSet(doc, 50, 'Bucket'),
  render: (tags) => ({ TagSet: { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } }),
  notFound: 'NoSuchTagSet',
  putStatus: 204,
  // An empty TagSet removes the bucket's tags.
  isEmpty: (tags) => tags.length === 0,
});

import { bucketConfig } from '../bucket-config.js';
import { parseTagSet, type Tag } from '../tags.js';

export { parseTagSet, type Tag };

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

import { bucketConfig } from '../bucket-config.js';
import { parseWebsite, renderWebsite, WEBSITE_KIND, WEBSITE_LISTS, type WebsiteConfig } from '../website.js';

/** PutBucketWebsite, GetBucketWebsite, DeleteBucketWebsite: what the website endpoints serve (src/http/website.ts). */
export const bucketWebsite = bucketConfig<WebsiteConfig>({
  kind: WEBSITE_KIND,
  names: { get: 'GetBucketWebsite', put: 'PutBucketWebsite', delete: 'DeleteBucketWebsite' },
  actions: { get: 's3:GetBucketWebsite', put: 's3:PutBucketWebsite', delete: 's3:DeleteBucketWebsite' },
  root: 'WebsiteConfiguration',
  lists: WEBSITE_LISTS,
  integrity: 'verify',
  parse: parseWebsite,
  render: renderWebsite,
  notFound: 'NoSuchWebsiteConfiguration',
});

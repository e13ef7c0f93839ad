import { S3Error } from '../../errors/s3error.js';
import type { XmlObject } from '../../xml/xml.js';
import { bucketConfigList } from '../bucket-config.js';
import { child, children, compact, filterLists, int, oneOf, parseFilter, text } from '../configShapes.js';

/** Days before each archive tier, as AWS bounds them. */
const TIER_DAYS = { ARCHIVE_ACCESS: [90, 730], DEEP_ARCHIVE_ACCESS: [180, 730] } as const;

/** S3 Intelligent-Tiering archive configurations: stored and answered (Cairn has one storage tier). */
export const bucketIntelligentTiering = bucketConfigList<XmlObject>({
  kind: 'intelligentTiering',
  names: {
    get: 'GetBucketIntelligentTieringConfiguration',
    put: 'PutBucketIntelligentTieringConfiguration',
    delete: 'DeleteBucketIntelligentTieringConfiguration',
    list: 'ListBucketIntelligentTieringConfigurations',
  },
  actions: {
    get: 's3:GetIntelligentTieringConfiguration',
    put: 's3:PutIntelligentTieringConfiguration',
    delete: 's3:PutIntelligentTieringConfiguration',
    list: 's3:GetIntelligentTieringConfiguration',
  },
  root: 'IntelligentTieringConfiguration',
  listRoot: 'ListBucketIntelligentTieringConfigurationsOutput',
  lists: [...filterLists('Filter'), 'Tiering'],
  integrity: 'verify',
  parse(doc) {
    const tierings = children(doc, 'Tiering').map((t) => {
      const tier = oneOf(t, 'AccessTier', ['ARCHIVE_ACCESS', 'DEEP_ARCHIVE_ACCESS'] as const, true)!;
      const days = int(t, 'Days', true)!;
      const [min, max] = TIER_DAYS[tier];
      if (days < min || days > max)
        throw new S3Error('InvalidArgument', `The ${tier} tier requires Days between ${min} and ${max}.`, {
          ArgumentName: 'Days',
          ArgumentValue: String(days),
        });
      return { Days: days, AccessTier: tier };
    });
    if (tierings.length === 0) throw new S3Error('MalformedXML');
    if (new Set(tierings.map((t) => t.AccessTier)).size !== tierings.length)
      throw new S3Error('InvalidArgument', 'Each access tier can be specified at most once.', { ArgumentName: 'AccessTier', ArgumentValue: '' });
    return compact({
      Id: text(doc, 'Id', true)!.trim(),
      Filter: parseFilter(child(doc, 'Filter')),
      Status: oneOf(doc, 'Status', ['Enabled', 'Disabled'] as const, true)!,
      Tiering: tierings,
    });
  },
  id: (d) => d.Id as string,
  render: (d) => d,
});

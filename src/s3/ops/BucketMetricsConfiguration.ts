import { bucketConfigList } from '../bucket-config.js';
import { child, compact, filterLists, parseFilter, text } from '../configShapes.js';
import type { XmlObject } from '../../xml/xml.js';

/** CloudWatch request-metrics configurations: stored and answered (Cairn exports its metrics otherwise). */
export const bucketMetrics = bucketConfigList<XmlObject>({
  kind: 'metrics',
  names: {
    get: 'GetBucketMetricsConfiguration',
    put: 'PutBucketMetricsConfiguration',
    delete: 'DeleteBucketMetricsConfiguration',
    list: 'ListBucketMetricsConfigurations',
  },
  actions: { get: 's3:GetMetricsConfiguration', put: 's3:PutMetricsConfiguration', delete: 's3:PutMetricsConfiguration', list: 's3:GetMetricsConfiguration' },
  root: 'MetricsConfiguration',
  listRoot: 'ListMetricsConfigurationsResult',
  lists: filterLists('Filter'),
  integrity: 'verify',
  parse: (doc) => compact({ Id: text(doc, 'Id', true)!.trim(), Filter: parseFilter(child(doc, 'Filter'), { accessPoint: true }) }),
  id: (d) => d.Id as string,
  render: (d) => d,
});

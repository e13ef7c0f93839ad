import { S3Error } from '../../errors/s3error.js';
import type { XmlObject } from '../../xml/xml.js';
import { bucketConfigList } from '../bucket-config.js';
import { bucketArn, child, compact, filterLists, oneOf, parseFilter, text } from '../configShapes.js';

/** Storage-class analysis configurations: stored and answered (no analysis runs). */
export const bucketAnalytics = bucketConfigList<XmlObject>({
  kind: 'analytics',
  names: {
    get: 'GetBucketAnalyticsConfiguration',
    put: 'PutBucketAnalyticsConfiguration',
    delete: 'DeleteBucketAnalyticsConfiguration',
    list: 'ListBucketAnalyticsConfigurations',
  },
  actions: {
    get: 's3:GetAnalyticsConfiguration',
    put: 's3:PutAnalyticsConfiguration',
    delete: 's3:PutAnalyticsConfiguration',
    list: 's3:GetAnalyticsConfiguration',
  },
  root: 'AnalyticsConfiguration',
  listRoot: 'ListBucketAnalyticsConfigurationResult',
  lists: filterLists('Filter'),
  integrity: 'verify',
  parse(doc) {
    const sca = child(doc, 'StorageClassAnalysis', true)!;
    const exp = child(sca, 'DataExport');
    let dataExport: XmlObject | undefined;
    if (exp) {
      const dest = child(child(exp, 'Destination', true)!, 'S3BucketDestination', true)!;
      dataExport = {
        OutputSchemaVersion: oneOf(exp, 'OutputSchemaVersion', ['V_1'] as const, true)!,
        Destination: {
          S3BucketDestination: compact({
            Format: oneOf(dest, 'Format', ['CSV'] as const, true)!,
            BucketAccountId: text(dest, 'BucketAccountId')?.trim(),
            Bucket: bucketArn(text(dest, 'Bucket', true)!),
            Prefix: text(dest, 'Prefix'),
          }),
        },
      };
    }
    const filter = parseFilter(child(doc, 'Filter'));
    if (filter && 'And' in filter && Object.keys(filter.And as XmlObject).length === 0) throw new S3Error('MalformedXML');
    return compact({ Id: text(doc, 'Id', true)!.trim(), Filter: filter, StorageClassAnalysis: compact({ DataExport: dataExport }) });
  },
  id: (d) => d.Id as string,
  render: (d) => d,
});

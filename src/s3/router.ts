/**
 * Routing: a pure function from (method, bucket?, key?, query, headers) to an AWS operation name.
 *
 * Model (after Garage's router): the request addresses one of three levels (service, bucket,
 * object). The highest-priority sub-resource key present in the query (`?acl`, `?uploads`, …)
 * names the resource at that level; the method then picks the operation. A sub-resource that has
 * no operation for that method and level gives `undefined` (the caller answers 405), so an
 * unexpected `DELETE /b/k?lifecycle` can never fall through to DeleteObject, nor
 * `PUT /b/k?encryption` to PutObject. Query keys that are not sub-resources (`x-id`, `versionId`,
 * `partNumber` on GET, `list-type`, `prefix`, presigned `X-Amz-*`, `response-*`, …) are ignored.
 */

export const OPERATIONS = [
  // Service & buckets
  'ListBuckets',
  'CreateBucket',
  'DeleteBucket',
  'HeadBucket',
  'GetBucketLocation',
  // Objects core
  'PutObject',
  'GetObject',
  'HeadObject',
  'DeleteObject',
  'DeleteObjects',
  'GetObjectAttributes',
  // Multipart
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'ListMultipartUploads',
  // Copy
  'CopyObject',
  'UploadPartCopy',
  // Listing & versions
  'ListObjects',
  'ListObjectsV2',
  'ListObjectVersions',
  // Versioning
  'GetBucketVersioning',
  'PutBucketVersioning',
  // Object Lock
  'GetObjectLockConfiguration',
  'PutObjectLockConfiguration',
  'GetObjectRetention',
  'PutObjectRetention',
  'GetObjectLegalHold',
  'PutObjectLegalHold',
  // Tagging
  'GetBucketTagging',
  'PutBucketTagging',
  'DeleteBucketTagging',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  // ACL
  'GetBucketAcl',
  'PutBucketAcl',
  'GetObjectAcl',
  'PutObjectAcl',
  // Policy / status / public access block / ownership
  'GetBucketPolicy',
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'GetBucketPolicyStatus',
  'GetPublicAccessBlock',
  'PutPublicAccessBlock',
  'DeletePublicAccessBlock',
  'GetBucketOwnershipControls',
  'PutBucketOwnershipControls',
  'DeleteBucketOwnershipControls',
  // CORS
  'GetBucketCors',
  'PutBucketCors',
  'DeleteBucketCors',
  // Website
  'GetBucketWebsite',
  'PutBucketWebsite',
  'DeleteBucketWebsite',
  // Lifecycle
  'GetBucketLifecycleConfiguration',
  'PutBucketLifecycleConfiguration',
  'DeleteBucketLifecycle',
  // Replication
  'GetBucketReplication',
  'PutBucketReplication',
  'DeleteBucketReplication',
  // Notifications
  'GetBucketNotificationConfiguration',
  'PutBucketNotificationConfiguration',
  // Logging
  'GetBucketLogging',
  'PutBucketLogging',
  // Analytics / inventory / metrics / Intelligent-Tiering
  'GetBucketAnalyticsConfiguration',
  'PutBucketAnalyticsConfiguration',
  'DeleteBucketAnalyticsConfiguration',
  'ListBucketAnalyticsConfigurations',
  'GetBucketInventoryConfiguration',
  'PutBucketInventoryConfiguration',
  'DeleteBucketInventoryConfiguration',
  'ListBucketInventoryConfigurations',
  'GetBucketMetricsConfiguration',
  'PutBucketMetricsConfiguration',
  'DeleteBucketMetricsConfiguration',
  'ListBucketMetricsConfigurations',
  'GetBucketIntelligentTieringConfiguration',
  'PutBucketIntelligentTieringConfiguration',
  'DeleteBucketIntelligentTieringConfiguration',
  'ListBucketIntelligentTieringConfigurations',
  // Default encryption
  'GetBucketEncryption',
  'PutBucketEncryption',
  'DeleteBucketEncryption',
  // Select / restore
  'SelectObjectContent',
  'RestoreObject',
  // Accelerate / requester pays
  'GetBucketAccelerateConfiguration',
  'PutBucketAccelerateConfiguration',
  'GetBucketRequestPayment',
  'PutBucketRequestPayment',
  // Directory buckets / sessions
  'CreateSession',
  'ListDirectoryBuckets',
  // Other
  'GetObjectTorrent',
  'WriteGetObjectResponse',
  // Newer AWS operation (directory buckets)
  'RenameObject',
  // Not AWS API operations, but requests an S3 server must answer
  'PostObject',
  'OptionsObject',
] as const;

export type OperationName = (typeof OPERATIONS)[number];

/**
 * The primary IAM action of each operation (AWS Service Authorization Reference names), for
 * every AWS operation, served or not. A served operation declares its full permissions itself
 * (`permissions` in src/s3/ops/*: version-specific actions, a copy's source, condition keys).
 * OptionsObject (CORS preflight) is never authorized: it is answered from the bucket's CORS
 * configuration, so its action is the empty string.
 */
export const ACTIONS: Readonly<Record<OperationName, string>> = Object.freeze({
  ListBuckets: 's3:ListAllMyBuckets',
  CreateBucket: 's3:CreateBucket',
  DeleteBucket: 's3:DeleteBucket',
  HeadBucket: 's3:ListBucket',
  GetBucketLocation: 's3:GetBucketLocation',
  PutObject: 's3:PutObject',
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  DeleteObject: 's3:DeleteObject',
  DeleteObjects: 's3:DeleteObject',
  GetObjectAttributes: 's3:GetObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  ListParts: 's3:ListMultipartUploadParts',
  ListMultipartUploads: 's3:ListBucketMultipartUploads',
  CopyObject: 's3:PutObject',
  UploadPartCopy: 's3:PutObject',
  ListObjects: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
  ListObjectVersions: 's3:ListBucketVersions',
  GetBucketVersioning: 's3:GetBucketVersioning',
  PutBucketVersioning: 's3:PutBucketVersioning',
  GetObjectLockConfiguration: 's3:GetBucketObjectLockConfiguration',
  PutObjectLockConfiguration: 's3:PutBucketObjectLockConfiguration',
  GetObjectRetention: 's3:GetObjectRetention',
  PutObjectRetention: 's3:PutObjectRetention',
  GetObjectLegalHold: 's3:GetObjectLegalHold',
  PutObjectLegalHold: 's3:PutObjectLegalHold',
  GetBucketTagging: 's3:GetBucketTagging',
  PutBucketTagging: 's3:PutBucketTagging',
  DeleteBucketTagging: 's3:PutBucketTagging',
  GetObjectTagging: 's3:GetObjectTagging',
  PutObjectTagging: 's3:PutObjectTagging',
  DeleteObjectTagging: 's3:DeleteObjectTagging',
  GetBucketAcl: 's3:GetBucketAcl',
  PutBucketAcl: 's3:PutBucketAcl',
  GetObjectAcl: 's3:GetObjectAcl',
  PutObjectAcl: 's3:PutObjectAcl',
  GetBucketPolicy: 's3:GetBucketPolicy',
  PutBucketPolicy: 's3:PutBucketPolicy',
  DeleteBucketPolicy: 's3:DeleteBucketPolicy',
  GetBucketPolicyStatus: 's3:GetBucketPolicyStatus',
  GetPublicAccessBlock: 's3:GetBucketPublicAccessBlock',
  PutPublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  DeletePublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  GetBucketOwnershipControls: 's3:GetBucketOwnershipControls',
  PutBucketOwnershipControls: 's3:PutBucketOwnershipControls',
  DeleteBucketOwnershipControls: 's3:PutBucketOwnershipControls',
  GetBucketCors: 's3:GetBucketCORS',
  PutBucketCors: 's3:PutBucketCORS',
  DeleteBucketCors: 's3:PutBucketCORS',
  GetBucketWebsite: 's3:GetBucketWebsite',
  PutBucketWebsite: 's3:PutBucketWebsite',
  DeleteBucketWebsite: 's3:DeleteBucketWebsite',
  GetBucketLifecycleConfiguration: 's3:GetLifecycleConfiguration',
  PutBucketLifecycleConfiguration: 's3:PutLifecycleConfiguration',
  DeleteBucketLifecycle: 's3:PutLifecycleConfiguration',
  GetBucketReplication: 's3:GetReplicationConfiguration',
  PutBucketReplication: 's3:PutReplicationConfiguration',
  DeleteBucketReplication: 's3:PutReplicationConfiguration',
  GetBucketNotificationConfiguration: 's3:GetBucketNotification',
  PutBucketNotificationConfiguration: 's3:PutBucketNotification',
  GetBucketLogging: 's3:GetBucketLogging',
  PutBucketLogging: 's3:PutBucketLogging',
  GetBucketAnalyticsConfiguration: 's3:GetAnalyticsConfiguration',
  PutBucketAnalyticsConfiguration: 's3:PutAnalyticsConfiguration',
  DeleteBucketAnalyticsConfiguration: 's3:PutAnalyticsConfiguration',
  ListBucketAnalyticsConfigurations: 's3:GetAnalyticsConfiguration',
  GetBucketInventoryConfiguration: 's3:GetInventoryConfiguration',
  PutBucketInventoryConfiguration: 's3:PutInventoryConfiguration',
  DeleteBucketInventoryConfiguration: 's3:PutInventoryConfiguration',
  ListBucketInventoryConfigurations: 's3:GetInventoryConfiguration',
  GetBucketMetricsConfiguration: 's3:GetMetricsConfiguration',
  PutBucketMetricsConfiguration: 's3:PutMetricsConfiguration',
  DeleteBucketMetricsConfiguration: 's3:PutMetricsConfiguration',
  ListBucketMetricsConfigurations: 's3:GetMetricsConfiguration',
  GetBucketIntelligentTieringConfiguration: 's3:GetIntelligentTieringConfiguration',
  PutBucketIntelligentTieringConfiguration: 's3:PutIntelligentTieringConfiguration',
  DeleteBucketIntelligentTieringConfiguration: 's3:PutIntelligentTieringConfiguration',
  ListBucketIntelligentTieringConfigurations: 's3:GetIntelligentTieringConfiguration',
  GetBucketEncryption: 's3:GetEncryptionConfiguration',
  PutBucketEncryption: 's3:PutEncryptionConfiguration',
  DeleteBucketEncryption: 's3:PutEncryptionConfiguration',
  SelectObjectContent: 's3:GetObject',
  RestoreObject: 's3:RestoreObject',
  GetBucketAccelerateConfiguration: 's3:GetAccelerateConfiguration',
  PutBucketAccelerateConfiguration: 's3:PutAccelerateConfiguration',
  GetBucketRequestPayment: 's3:GetBucketRequestPayment',
  PutBucketRequestPayment: 's3:PutBucketRequestPayment',
  CreateSession: 's3express:CreateSession',
  ListDirectoryBuckets: 's3express:ListAllMyDirectoryBuckets',
  GetObjectTorrent: 's3:GetObjectTorrent',
  WriteGetObjectResponse: 's3-object-lambda:WriteGetObjectResponse',
  RenameObject: 's3:PutObject',
  PostObject: 's3:PutObject',
  OptionsObject: '',
});

export interface DispatchInput {
  /** Upper-case HTTP method. */
  method: string;
  /** Undefined for service-level requests (GET /). */
  bucket?: string;
  /** Undefined or '' when the request is on the bucket itself. */
  key?: string;
  /** Decoded query parameters (first value wins); a sub-resource like `?acl` has value ''. */
  query: ReadonlyMap<string, string>;
  /** Lower-case header names (Node style). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
type Routes = Partial<Record<Method, OperationName>>;

/**
 * Every query key that names a sub-resource, highest priority first. Only the first one present
 * counts. Legitimate clients send one at a time; the order only settles malformed mixtures, with
 * the multipart keys first. `uploadId` is a sub-resource (it turns PUT/GET/POST/DELETE on an
 * object into multipart operations); `partNumber` is not (GET/HEAD take it as a parameter).
 *
 * The last group names AWS operations Cairn has no name for (S3 Metadata tables, ABAC, object
 * annotations; `encryption` on an object is UpdateObjectEncryption): they are listed so that such
 * a request is refused instead of being read as DeleteBucket, CreateBucket, ListObjects, PutObject
 * or DeleteObject.
 */
export const SUBRESOURCES = [
  'uploads',
  'uploadId',
  'delete',
  'versions',
  'location',
  'session',
  'acl',
  'tagging',
  'versioning',
  'object-lock',
  'retention',
  'legal-hold',
  'attributes',
  'torrent',
  'restore',
  'select',
  'renameObject',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'ownershipControls',
  'cors',
  'website',
  'lifecycle',
  'replication',
  'notification',
  'logging',
  'analytics',
  'inventory',
  'metrics',
  'intelligent-tiering',
  'encryption',
  'accelerate',
  'requestPayment',
  // AWS operations without a Cairn name: always refused.
  'metadataConfiguration',
  'metadataTable',
  'metadataJournalTable',
  'metadataInventoryTable',
  'metadataAnnotationTable',
  'abac',
  'annotation',
] as const;

type SubResource = (typeof SUBRESOURCES)[number];

/** Bucket-level sub-resources and their operations. Absent = no such operation (405). */
const BUCKET_ROUTES: Partial<Record<SubResource, Routes>> = {
  uploads: { GET: 'ListMultipartUploads' },
  delete: { POST: 'DeleteObjects' },
  versions: { GET: 'ListObjectVersions' },
  location: { GET: 'GetBucketLocation' },
  session: { GET: 'CreateSession' },
  acl: { GET: 'GetBucketAcl', PUT: 'PutBucketAcl' },
  tagging: { GET: 'GetBucketTagging', PUT: 'PutBucketTagging', DELETE: 'DeleteBucketTagging' },
  versioning: { GET: 'GetBucketVersioning', PUT: 'PutBucketVersioning' },
  'object-lock': { GET: 'GetObjectLockConfiguration', PUT: 'PutObjectLockConfiguration' },
  policy: { GET: 'GetBucketPolicy', PUT: 'PutBucketPolicy', DELETE: 'DeleteBucketPolicy' },
  policyStatus: { GET: 'GetBucketPolicyStatus' },
  publicAccessBlock: {
    GET: 'GetPublicAccessBlock',
    PUT: 'PutPublicAccessBlock',
    DELETE: 'DeletePublicAccessBlock',
  },
  ownershipControls: {
    GET: 'GetBucketOwnershipControls',
    PUT: 'PutBucketOwnershipControls',
    DELETE: 'DeleteBucketOwnershipControls',
  },
  cors: { GET: 'GetBucketCors', PUT: 'PutBucketCors', DELETE: 'DeleteBucketCors' },
  website: { GET: 'GetBucketWebsite', PUT: 'PutBucketWebsite', DELETE: 'DeleteBucketWebsite' },
  lifecycle: {
    GET: 'GetBucketLifecycleConfiguration',
    PUT: 'PutBucketLifecycleConfiguration',
    DELETE: 'DeleteBucketLifecycle',
  },
  replication: {
    GET: 'GetBucketReplication',
    PUT: 'PutBucketReplication',
    DELETE: 'DeleteBucketReplication',
  },
  notification: {
    GET: 'GetBucketNotificationConfiguration',
    PUT: 'PutBucketNotificationConfiguration',
  },
  logging: { GET: 'GetBucketLogging', PUT: 'PutBucketLogging' },
  analytics: {
    GET: 'GetBucketAnalyticsConfiguration',
    PUT: 'PutBucketAnalyticsConfiguration',
    DELETE: 'DeleteBucketAnalyticsConfiguration',
  },
  inventory: {
    GET: 'GetBucketInventoryConfiguration',
    PUT: 'PutBucketInventoryConfiguration',
    DELETE: 'DeleteBucketInventoryConfiguration',
  },
  metrics: {
    GET: 'GetBucketMetricsConfiguration',
    PUT: 'PutBucketMetricsConfiguration',
    DELETE: 'DeleteBucketMetricsConfiguration',
  },
  'intelligent-tiering': {
    GET: 'GetBucketIntelligentTieringConfiguration',
    PUT: 'PutBucketIntelligentTieringConfiguration',
    DELETE: 'DeleteBucketIntelligentTieringConfiguration',
  },
  encryption: {
    GET: 'GetBucketEncryption',
    PUT: 'PutBucketEncryption',
    DELETE: 'DeleteBucketEncryption',
  },
  accelerate: { GET: 'GetBucketAccelerateConfiguration', PUT: 'PutBucketAccelerateConfiguration' },
  requestPayment: { GET: 'GetBucketRequestPayment', PUT: 'PutBucketRequestPayment' },
};

/** GET on these without `id` lists the configurations; with `id` gets one. */
const LIST_WITHOUT_ID: Partial<Record<SubResource, OperationName>> = {
  analytics: 'ListBucketAnalyticsConfigurations',
  inventory: 'ListBucketInventoryConfigurations',
  metrics: 'ListBucketMetricsConfigurations',
  'intelligent-tiering': 'ListBucketIntelligentTieringConfigurations',
};

/** Object-level sub-resources and their operations (`uploadId` is handled in code). */
const OBJECT_ROUTES: Partial<Record<SubResource, Routes>> = {
  uploads: { POST: 'CreateMultipartUpload' },
  acl: { GET: 'GetObjectAcl', PUT: 'PutObjectAcl' },
  tagging: { GET: 'GetObjectTagging', PUT: 'PutObjectTagging', DELETE: 'DeleteObjectTagging' },
  retention: { GET: 'GetObjectRetention', PUT: 'PutObjectRetention' },
  'legal-hold': { GET: 'GetObjectLegalHold', PUT: 'PutObjectLegalHold' },
  attributes: { GET: 'GetObjectAttributes' },
  torrent: { GET: 'GetObjectTorrent' },
  restore: { POST: 'RestoreObject' },
  select: { POST: 'SelectObjectContent' },
  renameObject: { PUT: 'RenameObject' },
};

const WGOR = 'WriteGetObjectResponse';

function firstHeader(headers: DispatchInput['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The sub-resource a query names (the highest-priority key present), if any. */
export function subResourceOf(query: ReadonlyMap<string, string>): SubResource | undefined {
  if (query.size === 0) return undefined;
  for (const s of SUBRESOURCES) if (query.has(s)) return s;
  return undefined;
}

/**
 * The AWS operation a request asks for, or `undefined` when the method and resource match none
 * (the caller answers 405 MethodNotAllowed). Pure: no I/O, no state.
 */
export function dispatch(input: DispatchInput): OperationName | undefined {
  const method = input.method.toUpperCase();
  const bucket = input.bucket === '' ? undefined : input.bucket;
  const key = input.key === undefined || input.key === '' ? undefined : input.key;
  const { query, headers } = input;

  // Service level: only ListBuckets (ListDirectoryBuckets looks the same on the wire; x-id ignored).
  if (bucket === undefined) {
    if (method === 'GET' && subResourceOf(query) === undefined) return 'ListBuckets';
    return undefined;
  }

  // CORS preflight, whatever the resource.
  if (method === 'OPTIONS') return 'OptionsObject';

  // Object Lambda: path-style POST /WriteGetObjectResponse (never a valid bucket name: upper case),
  // or virtual-hosted `{RequestRoute}.host` + POST /WriteGetObjectResponse with x-amz-request-route.
  if (method === 'POST') {
    if (key === undefined && bucket === WGOR) return 'WriteGetObjectResponse';
    if (key === WGOR && headers['x-amz-request-route'] !== undefined && subResourceOf(query) === undefined) {
      return 'WriteGetObjectResponse';
    }
  }

  const sub = subResourceOf(query);
  return key === undefined ? bucketLevel(method, sub, input) : objectLevel(method, sub, input);
}

function bucketLevel(method: string, sub: SubResource | undefined, { query, headers }: DispatchInput): OperationName | undefined {
  if (sub === undefined) {
    switch (method) {
      case 'GET':
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'HEAD':
        return 'HeadBucket';
      case 'PUT':
        return 'CreateBucket';
      case 'DELETE':
        return 'DeleteBucket';
      case 'POST': {
        const ct = firstHeader(headers, 'content-type')?.trim().toLowerCase();
        return ct?.startsWith('multipart/form-data') ? 'PostObject' : undefined;
      }
      default:
        return undefined;
    }
  }
  if (method === 'GET' && !query.has('id')) {
    const list = LIST_WITHOUT_ID[sub];
    if (list) return list;
  }
  return BUCKET_ROUTES[sub]?.[method as Method];
}

function objectLevel(method: string, sub: SubResource | undefined, { query, headers }: DispatchInput): OperationName | undefined {
  const copy = headers['x-amz-copy-source'] !== undefined;
  if (sub === 'uploadId') {
    switch (method) {
      case 'PUT':
        return copy ? 'UploadPartCopy' : 'UploadPart';
      case 'POST':
        return 'CompleteMultipartUpload';
      case 'DELETE':
        return 'AbortMultipartUpload';
      case 'GET':
        return 'ListParts';
      default:
        return undefined;
    }
  }
  if (sub === undefined) {
    switch (method) {
      case 'GET':
        return 'GetObject';
      case 'HEAD':
        return 'HeadObject';
      case 'PUT':
        // A part number without an upload id is a broken UploadPart, never a whole-object write:
        // UploadPart's parser rejects it instead of PutObject overwriting the key.
        if (query.has('partNumber')) return copy ? 'UploadPartCopy' : 'UploadPart';
        return copy ? 'CopyObject' : 'PutObject';
      case 'DELETE':
        return 'DeleteObject';
      default:
        return undefined; // POST /b/k without a sub-resource
    }
  }
  return OBJECT_ROUTES[sub]?.[method as Method];
}

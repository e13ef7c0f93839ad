/**
 * The operations Cairn serves, by AWS name: the registry the pipeline looks
 * operations up in. Every other name in the router's table answers 501
 * NotImplemented. Adding an operation: its file under ops/, one line here.
 */
import type { Operation } from './operation.js';
import type { OperationName } from './router.js';
import { AbortMultipartUpload } from './ops/AbortMultipartUpload.js';
import { bucketTagging } from './ops/BucketTagging.js';
import { DeleteObjectTagging, GetObjectTagging, PutObjectTagging } from './ops/ObjectTagging.js';
import { bucketLifecycle } from './ops/BucketLifecycle.js';
import { GetBucketNotificationConfiguration, PutBucketNotificationConfiguration } from './ops/BucketNotificationConfiguration.js';
import { GetBucketVersioning, PutBucketVersioning } from './ops/BucketVersioning.js';
import { CompleteMultipartUpload } from './ops/CompleteMultipartUpload.js';
import { CopyObject } from './ops/CopyObject.js';
import { CreateBucket } from './ops/CreateBucket.js';
import { CreateMultipartUpload } from './ops/CreateMultipartUpload.js';
import { DeleteBucket } from './ops/DeleteBucket.js';
import { DeleteObject } from './ops/DeleteObject.js';
import { DeleteObjects } from './ops/DeleteObjects.js';
import { GetBucketLocation } from './ops/GetBucketLocation.js';
import { GetObject, HeadObject } from './ops/GetObject.js';
import { GetObjectAttributes } from './ops/GetObjectAttributes.js';
import { HeadBucket } from './ops/HeadBucket.js';
import { ListBuckets } from './ops/ListBuckets.js';
import { ListMultipartUploads } from './ops/ListMultipartUploads.js';
import { ListObjectVersions } from './ops/ListObjectVersions.js';
import { ListObjects, ListObjectsV2 } from './ops/ListObjects.js';
import { ListParts } from './ops/ListParts.js';
import { GetObjectLegalHold, PutObjectLegalHold } from './ops/ObjectLegalHold.js';
import { GetObjectLockConfiguration, PutObjectLockConfiguration } from './ops/ObjectLockConfiguration.js';
import { GetObjectRetention, PutObjectRetention } from './ops/ObjectRetention.js';
import { PostObject } from './ops/PostObject.js';
import { PutObject } from './ops/PutObject.js';
import { UploadPart } from './ops/UploadPart.js';
import { UploadPartCopy } from './ops/UploadPartCopy.js';
import { DeleteBucketPolicy, GetBucketPolicy, GetBucketPolicyStatus, PutBucketPolicy } from './ops/BucketPolicy.js';
import { publicAccessBlockOps } from './ops/PublicAccessBlock.js';
import { GetBucketAcl, GetObjectAcl, PutBucketAcl, PutObjectAcl } from './ops/Acls.js';
import { ownershipControls } from './ops/OwnershipControls.js';
import { bucketCors } from './ops/BucketCors.js';
import { bucketWebsite } from './ops/BucketWebsite.js';
import { OptionsObject } from './ops/OptionsObject.js';
import { bucketAccelerate } from './ops/BucketAccelerate.js';
import { bucketAnalytics } from './ops/BucketAnalyticsConfiguration.js';
import { bucketIntelligentTiering } from './ops/BucketIntelligentTieringConfiguration.js';
import { bucketInventory } from './ops/BucketInventoryConfiguration.js';
import { bucketLogging } from './ops/BucketLogging.js';
import { bucketMetrics } from './ops/BucketMetricsConfiguration.js';
import { bucketReplication } from './ops/BucketReplication.js';
import { bucketRequestPayment } from './ops/BucketRequestPayment.js';
import { bucketEncryption } from './ops/BucketEncryption.js';

const OPERATIONS: readonly Operation[] = [
  ListBuckets,
  CreateBucket,
  DeleteBucket,
  HeadBucket,
  GetBucketLocation,
  PutObject,
  PostObject,
  GetObject,
  HeadObject,
  DeleteObject,
  DeleteObjects,
  CopyObject,
  ListObjects,
  ListObjectsV2,
  CreateMultipartUpload,
  UploadPart,
  UploadPartCopy,
  CompleteMultipartUpload,
  AbortMultipartUpload,
  ListParts,
  ListMultipartUploads,
  GetObjectAttributes,
  PutBucketVersioning,
  GetBucketVersioning,
  ListObjectVersions,
  PutObjectLockConfiguration,
  GetObjectLockConfiguration,
  PutObjectRetention,
  GetObjectRetention,
  PutObjectLegalHold,
  GetObjectLegalHold,
  ...bucketTagging,
  PutBucketPolicy,
  GetBucketPolicy,
  DeleteBucketPolicy,
  GetBucketPolicyStatus,
  ...publicAccessBlockOps,
  PutBucketAcl,
  GetBucketAcl,
  PutObjectAcl,
  GetObjectAcl,
  ...ownershipControls,
  PutObjectTagging,
  GetObjectTagging,
  DeleteObjectTagging,
  ...bucketLifecycle,
  ...bucketCors,
  OptionsObject,
  ...bucketWebsite,
  GetBucketNotificationConfiguration,
  PutBucketNotificationConfiguration,
  ...bucketAccelerate,
  ...bucketRequestPayment,
  ...bucketLogging,
  ...bucketMetrics,
  ...bucketInventory,
  ...bucketAnalytics,
  ...bucketIntelligentTiering,
  ...bucketReplication,
  ...bucketEncryption,
] as Operation[];

/** Served operations by name. */
export const REGISTRY: ReadonlyMap<OperationName, Operation> = new Map(OPERATIONS.map((op) => [op.name, op]));

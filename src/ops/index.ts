import type { OperationName } from '../http/dispatch.js';
import { CreateBucket, DeleteBucket, GetBucketLocation, HeadBucket, ListBuckets } from './buckets.js';
import { CopyObject } from './copy.js';
import { DeleteObjects } from './deleteObjects.js';
import { ListObjects, ListObjectsV2 } from './list.js';
import {
  AbortMultipartUpload,
  CompleteMultipartUpload,
  CreateMultipartUpload,
  ListMultipartUploads,
  ListParts,
  UploadPart,
  UploadPartCopy,
} from './multipart.js';
import { GetObjectAttributes } from './attributes.js';
import { DeleteObject, GetObject, HeadObject, PutObject } from './objects.js';
import {
  GetObjectLegalHold,
  GetObjectLockConfiguration,
  GetObjectRetention,
  PutObjectLegalHold,
  PutObjectLockConfiguration,
  PutObjectRetention,
} from './lock.js';
import { GetBucketVersioning, ListObjectVersions, PutBucketVersioning } from './versioning.js';
import { PostObject } from './postObject.js';
import type { Operation } from './types.js';

/**
 * The operations Cairn serves, by AWS name. Every other name in the
 * dispatch table answers 501 NotImplemented.
 */
export const SERVED: Partial<Record<OperationName, Operation>> = Object.fromEntries(
  [
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
  ].map((op) => [op.name, op]),
);

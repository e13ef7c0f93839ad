/**
 * The domain services the protocol layer may use. Built once per server by
 * the composition root (src/context.ts); operations reach them through
 * OpContext, never repositories, SQL or files.
 */
import type { BucketService } from './buckets.js';
import type { IamService } from './iam.js';
import type { IdentityService } from './identities.js';
import type { ObjectService } from './objects.js';
import type { UploadService } from './uploads.js';
import type { NotificationService } from './notifications.js';
import type { QuotaService } from './quotas.js';

export interface Services {
  readonly buckets: BucketService;
  readonly objects: ObjectService;
  readonly uploads: UploadService;
  readonly identities: IdentityService;
  readonly iam: IamService;
  readonly quotas: QuotaService;
  readonly notifications: NotificationService;
}

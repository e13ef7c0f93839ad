/**
 * The composition root: the data directory opened into repositories, the
 * blob store and group commit, and the domain services built over them. The
 * server, the background workers, the CLI and tests hold an AppContext;
 * operations see only the OpContext part (config, clock, services, dates).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { SignatureCaches } from './auth/sigv4.js';
import { BucketService } from './core/buckets.js';
import { IdentityService } from './core/identities.js';
import { ObjectService } from './core/objects.js';
import type { Services } from './core/services.js';
import { UploadService } from './core/uploads.js';
import type { AccessLog, PipelineContext } from './http/pipeline.js';
import { RequestIds } from './http/reply.js';
import { accessLogFor } from './logger.js';
import { HttpDates } from './s3/headers.js';
import { BlobStore, type BlobStoreOptions } from './store/blobs.js';
import { BucketConfigsRepo } from './store/bucketConfigs.js';
import { BucketsRepo } from './store/buckets.js';
import { GroupCommit } from './store/commits.js';
import { openDb, type Db } from './store/db.js';
import { Garbage } from './store/garbage.js';
import { DB_FILE, makePrivateDir, repairModes } from './store/modes.js';
import { ObjectsRepo } from './store/objects.js';
import { UploadsRepo } from './store/uploads.js';
import { AccountsRepo } from './store/accounts.js';
import { IamRepo } from './store/iam.js';
import { SecretBox } from './store/secrets.js';
import { Encryption } from './store/encryption.js';
import { Keyring } from './store/keyring.js';
import { IamService, type ManagedCatalog, type ManagedPolicy } from './core/iam.js';
import { MANAGED_POLICIES, managedPolicy } from './auth/policy/managed.js';
import { PolicyCache } from './auth/authorize.js';
import { BucketAccessCache } from './auth/access.js';
import { LifecycleRepo } from './store/lifecycle.js';
import { NotificationService } from './core/notifications.js';
import { QuotaService } from './core/quotas.js';
import { OutboxRepo } from './store/outbox.js';
import { QuotaUsageRepo } from './store/quotaUsage.js';
import type { OpEvent, S3Request } from './s3/operation.js';
import { noticeOf } from './s3/events.js';

/** The 20 AWS-managed policies (auth/policy/managed.ts) as the IAM service sees them. */
const toManaged = (p: (typeof MANAGED_POLICIES)[number]): ManagedPolicy => ({
  name: p.name,
  arn: p.arn,
  policyId: p.policyId,
  document: p.document,
  createdAt: Date.parse(p.createDate),
});
const MANAGED_LIST: readonly ManagedPolicy[] = MANAGED_POLICIES.map(toManaged);
const MANAGED_BY_ARN = new Map(MANAGED_LIST.map((p) => [p.arn, p]));
const MANAGED_CATALOG: ManagedCatalog = {
  get: (arn) => (managedPolicy(arn) ? MANAGED_BY_ARN.get(arn) : undefined),
  list: () => MANAGED_LIST,
};

export interface ContextOptions {
  clock?: () => number;
  blobOptions?: Partial<BlobStoreOptions>;
}

/** Everything one Cairn instance holds: passed explicitly, never held in module globals. */
export interface AppContext extends PipelineContext {
  readonly config: Config;
  readonly log: Logger;
  readonly accessLog: AccessLog;
  /** Milliseconds since the epoch; injected so tests can move time. */
  readonly clock: () => number;
  readonly services: Services;
  readonly dates: HttpDates;
  readonly ids: RequestIds;
  readonly signatures: SignatureCaches;
  /** Compiled identity policies per principal (dropped on any IAM change). */
  readonly policies: PolicyCache;
  /** Per-bucket access state (bucket policy, Block Public Access), dropped on any bucket configuration change. */
  readonly access: BucketAccessCache;
  // The store, for the composition root, the background workers, the CLI and tests (never for operations).
  readonly db: Db;
  /** Group commit for metadata writes on the request path (one WAL fsync per batch). */
  readonly commits: GroupCommit;
  readonly accounts: AccountsRepo;
  readonly iam: IamRepo;
  readonly secrets: SecretBox;
  readonly buckets: BucketsRepo;
  readonly objects: ObjectsRepo;
  readonly uploads: UploadsRepo;
  readonly bucketConfigs: BucketConfigsRepo;
  readonly blobs: BlobStore;
  readonly garbage: Garbage;
  /** The lifecycle worker's due-work queries and cursors. */
  readonly lifecycle: LifecycleRepo;
  /** The notification outbox (drained by workers/notifier.ts). */
  readonly outbox: OutboxRepo;
  /** The notification worker sets `wake` to be told when messages were queued. */
  readonly notifier: { wake?: () => void };
  /** Server-side encryption: the keyring (master key versions, KMS keys) and the segment cipher. */
  readonly encryption: Encryption;
}

/**
 * Opens the data directory: database (migrated), repositories, blob store,
 * services. The directory is created 0700 (its files 0600, see
 * store/modes.ts); the modes of an existing one are repaired first, each
 * change logged.
 */
export function openContext(config: Config, log: Logger, opts: ContextOptions = {}, role: 'server' | 'admin' = 'server'): AppContext {
  if (!makePrivateDir(config.dataDir, true)) repairModes(config.dataDir, log);
  const dbPath = join(config.dataDir, DB_FILE);
  // The server fsyncs the WAL itself, off the event loop (GroupCommit); the admin CLI lets SQLite do it.
  const db = openDb(dbPath, role === 'admin' && config.fsync ? 'FULL' : 'NORMAL');
  const clock = opts.clock ?? Date.now;
  const blobs = new BlobStore(config.dataDir, { fsync: config.fsync, ...opts.blobOptions });
  const objects = new ObjectsRepo(db);
  const commits = new GroupCommit(db, `${dbPath}-wal`, config.fsync);
  const secrets = SecretBox.open(config.dataDir);
  const accounts = new AccountsRepo(db, secrets);
  const sealed = accounts.sealPlaintextSecrets();
  if (sealed > 0) log.info({ keys: sealed }, 'access-key secrets sealed with the instance key');
  const iam = new IamRepo(db);
  const buckets = new BucketsRepo(db);
  const uploads = new UploadsRepo(db, objects);
  const bucketConfigs = new BucketConfigsRepo(db);
  const garbage = new Garbage(db, blobs, objects, log, commits);
  const ids = new RequestIds();
  const outbox = new OutboxRepo(db);
  const notifier: { wake?: () => void } = {};
  const quotas = new QuotaService(new QuotaUsageRepo(db), bucketConfigs, commits, clock);
  const notifications = new NotificationService(
    outbox,
    bucketConfigs,
    commits,
    {
      region: config.region,
      hostId: ids.hostId,
      targets: config.notificationTargets,
      queueSize: config.notificationQueueSize,
      onOverflow: (target, bucket, event) =>
        log.warn(
          { worker: 'notifier', target, bucket, event, queueSize: config.notificationQueueSize },
          'notification queue full: message counted as overflow',
        ),
      onQueued: () => notifier.wake?.(),
    },
    clock,
  );
  const encryption = new Encryption(new Keyring(config.dataDir), blobs);
  // In-memory caches hold what only this process changes; a commit by another connection (the CLI; later,
  // other nodes) drops them all. The user repository notices, at most every 100 ms.
  accounts.onExternalChange = () => {
    objects.invalidate();
    buckets.invalidate();
    bucketConfigs.invalidate();
    iam.invalidate();
  };
  const services: Services = {
    buckets: new BucketService(buckets, uploads, bucketConfigs, commits, garbage, clock),
    objects: new ObjectService(objects, blobs, commits, garbage, clock, quotas, notifications, encryption),
    uploads: new UploadService(uploads, commits, garbage, clock, quotas, notifications),
    identities: new IdentityService(accounts, iam, secrets, commits, clock),
    iam: new IamService(accounts, iam, commits, MANAGED_CATALOG, clock),
    quotas,
    notifications,
  };
  // Events the domain did not record in their change's commit (ObjectCreated/ObjectRemoved are) are recorded now.
  const onEvents = (events: readonly OpEvent[], req?: S3Request) => {
    // Without a request, S3 itself made the change (lifecycle): AWS names the service as the principal.
    const origin = req ? noticeOf(req).origin : { principalId: 's3.amazonaws.com', sourceIp: 's3.amazonaws.com', requestId: '' };
    for (const e of events) {
      if (e.key === undefined || e.name.startsWith('ObjectCreated:') || e.name.startsWith('ObjectRemoved:')) continue;
      const b = buckets.get(e.bucket);
      if (!b) continue;
      const change = { name: e.name, key: e.key, size: e.size, etag: e.etag, versionId: e.versionId };
      notifications.recordLater(b, [change], origin).catch((err: unknown) => log.error({ err, worker: 'notifier' }, 'recording a notification failed'));
    }
  };
  return {
    config,
    log,
    accessLog: accessLogFor(log),
    clock,
    services,
    dates: new HttpDates(),
    ids,
    onEvents,
    signatures: new SignatureCaches(),
    policies: new PolicyCache(services.iam),
    access: new BucketAccessCache({ config, services }),
    db,
    commits,
    accounts,
    iam,
    secrets,
    buckets,
    objects,
    uploads,
    bucketConfigs,
    blobs,
    garbage,
    lifecycle: new LifecycleRepo(db),
    outbox,
    notifier,
    encryption,
  };
}

/** Closes what openContext opened (the database last). */
export function closeContext(ctx: AppContext): void {
  ctx.services.identities.close();
  ctx.blobs.close();
  ctx.commits.close();
  ctx.db.close();
}

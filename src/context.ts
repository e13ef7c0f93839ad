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
    objects: new ObjectService(objects, blobs, commits, garbage, clock, encryption),
    uploads: new UploadService(uploads, commits, garbage, clock),
    identities: new IdentityService(accounts, iam, secrets, commits, clock),
    iam: new IamService(accounts, iam, commits, MANAGED_CATALOG, clock),
  };
  return {
    config,
    log,
    accessLog: accessLogFor(log),
    clock,
    services,
    dates: new HttpDates(),
    ids: new RequestIds(),
    signatures: new SignatureCaches(),
    policies: new PolicyCache(services.iam),
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

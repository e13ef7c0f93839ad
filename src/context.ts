import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { BlobStore } from './store/blobs.js';
import type { BucketsRepo } from './store/buckets.js';
import type { GroupCommit } from './store/commits.js';
import type { Db } from './store/db.js';
import type { Garbage } from './store/garbage.js';
import type { ObjectsRepo } from './store/objects.js';
import type { UploadsRepo } from './store/uploads.js';
import type { UsersRepo } from './store/users.js';

/** What every operation may use: passed explicitly, never held in module globals. */
export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  /** Group commit for metadata writes on the request path (one WAL fsync per batch). */
  readonly commits: GroupCommit;
  readonly users: UsersRepo;
  readonly buckets: BucketsRepo;
  readonly objects: ObjectsRepo;
  readonly uploads: UploadsRepo;
  readonly blobs: BlobStore;
  readonly garbage: Garbage;
  readonly log: Logger;
  /** Milliseconds since the epoch; injected so tests can move time. */
  readonly clock: () => number;
}

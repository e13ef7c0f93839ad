/**
 * IdentityService: who an access key belongs to, and the users that own
 * buckets and objects (for Owner elements). The IAM issue replaces users with
 * accounts and IAM principals behind this same seam.
 */
import type { User, UsersRepo } from '../store/users.js';

export type { User };

export class IdentityService {
  constructor(private readonly users: UsersRepo) {}

  /** The user owning an access key, with the key's secret; undefined if unknown. */
  byAccessKey(accessKey: string): { user: User; secretKey: string } | undefined {
    return this.users.findByAccessKey(accessKey);
  }

  user(id: number): User | undefined {
    return this.users.get(id);
  }
}

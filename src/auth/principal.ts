import type { User } from '../core/identities.js';

/** Who signed a request: a user and the access key it signed with. */
export interface Principal {
  readonly user: User;
  readonly accessKey: string;
}

/** Who signed a request (defined by the domain's IdentityService). */
import type { Principal } from '../core/identities.js';

export type { Principal, PrincipalType } from '../core/identities.js';

/**
 * How the access log names a principal: the account's name for its root
 * user, `account/user` for an IAM user, `account/role/session` for a role
 * session; undefined for an anonymous request. Never a key or a secret.
 */
export function principalName(p: Principal | undefined): string | undefined {
  if (!p) return undefined;
  switch (p.type) {
    case 'Account':
      return p.account.name;
    case 'User':
      return `${p.account.name}/${p.username ?? ''}`;
    case 'AssumedRole':
      return `${p.account.name}/${p.role?.name ?? ''}/${p.sessionName ?? ''}`;
  }
}

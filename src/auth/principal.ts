/** Who signed a request (defined by the domain's IdentityService). */
export type { Principal, PrincipalType } from '../core/identities.js';

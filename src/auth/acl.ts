/**
 * Access control lists, as Amazon S3 defines them: canned ACLs, grants from
 * x-amz-acl / x-amz-grant-* headers, the AccessControlPolicy document (parse
 * and render), whether an ACL allows a caller a permission, whether it is
 * public, and which ACL permission an IAM action needs (AWS's "mapping of ACL
 * permissions and access policy permissions"). Pure: no storage, no requests.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { S3Error } from '../errors/s3error.js';
import { escapeXml, parseXml, S3_XMLNS } from '../xml/xml.js';

export type AclPermission = 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP' | 'FULL_CONTROL';
export const ACL_PERMISSIONS: readonly AclPermission[] = ['FULL_CONTROL', 'WRITE', 'WRITE_ACP', 'READ', 'READ_ACP'];

export const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
export const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
export const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';
const GROUPS = new Set([ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY]);

/** The grantee aws-exec-read names (EC2's canonical user, as S3 renders it). */
export const AWS_EXEC_READ_GRANTEE = { id: '6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c', displayName: 'za-team' } as const;

export interface AclOwner {
  readonly id: string;
  readonly displayName?: string;
}
export type Grantee = { readonly type: 'CanonicalUser'; readonly id: string; readonly displayName?: string } | { readonly type: 'Group'; readonly uri: string };
export interface Grant {
  readonly grantee: Grantee;
  readonly permission: AclPermission;
}
export interface Acl {
  readonly owner: AclOwner;
  readonly grants: readonly Grant[];
}

export const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
] as const;
export type CannedAcl = (typeof CANNED_ACLS)[number];

export function isCannedAcl(s: string): s is CannedAcl {
  return (CANNED_ACLS as readonly string[]).includes(s);
}

/** At most this many grants in one ACL. */
export const MAX_GRANTS = 100;

const user = (o: AclOwner): Grantee => ({ type: 'CanonicalUser', id: o.id, ...(o.displayName !== undefined ? { displayName: o.displayName } : {}) });
const group = (uri: string): Grantee => ({ type: 'Group', uri });

function sameGrantee(a: Grantee, b: Grantee): boolean {
  return a.type === 'CanonicalUser' ? b.type === 'CanonicalUser' && a.id === b.id : b.type === 'Group' && a.uri === b.uri;
}

function dedupe(grants: Grant[]): Grant[] {
  const out: Grant[] = [];
  for (const g of grants) if (!out.some((o) => o.permission === g.permission && sameGrantee(o.grantee, g.grantee))) out.push(g);
  return out;
}

/**
 * The ACL a canned name stands for. For an object pass its owner
 * (`objectOwner`); bucket-owner-read and bucket-owner-full-control then also
 * grant the bucket owner. On a bucket those two mean private.
 */
export function cannedAcl(name: CannedAcl, bucketOwner: AclOwner, objectOwner?: AclOwner): Acl {
  const owner = objectOwner ?? bucketOwner;
  const grants: Grant[] = [{ grantee: user(owner), permission: 'FULL_CONTROL' }];
  switch (name) {
    case 'private':
      break;
    case 'public-read':
      grants.push({ grantee: group(ALL_USERS), permission: 'READ' });
      break;
    case 'public-read-write':
      grants.push({ grantee: group(ALL_USERS), permission: 'READ' }, { grantee: group(ALL_USERS), permission: 'WRITE' });
      break;
    case 'authenticated-read':
      grants.push({ grantee: group(AUTHENTICATED_USERS), permission: 'READ' });
      break;
    case 'aws-exec-read':
      grants.push({ grantee: user(AWS_EXEC_READ_GRANTEE), permission: 'READ' });
      break;
    case 'bucket-owner-read':
      if (objectOwner) grants.push({ grantee: user(bucketOwner), permission: 'READ' });
      break;
    case 'bucket-owner-full-control':
      if (objectOwner) grants.push({ grantee: user(bucketOwner), permission: 'FULL_CONTROL' });
      break;
    case 'log-delivery-write':
      grants.push({ grantee: group(LOG_DELIVERY), permission: 'WRITE' }, { grantee: group(LOG_DELIVERY), permission: 'READ_ACP' });
      break;
  }
  return { owner, grants: dedupe(grants) };
}

/** What the ACL headers of a request ask for: a canned ACL, explicit grants, or nothing. */
export type AclRequest = { readonly canned: CannedAcl } | { readonly grants: readonly Grant[] };

/** Finds an account by e-mail address (or by canonical id) for a grant; undefined: none. */
export type GranteeResolver = (value: string) => AclOwner | undefined;

export const GRANT_HEADERS: ReadonlyArray<readonly [string, AclPermission]> = [
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
];

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Does the request carry any ACL header (x-amz-acl or x-amz-grant-*)? */
export function hasAclHeaders(headers: IncomingHttpHeaders): boolean {
  return headers['x-amz-acl'] !== undefined || GRANT_HEADERS.some(([h]) => headers[h] !== undefined);
}

/** Splits `id="a", uri="b"` on commas outside quotes. */
function splitGrantees(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of value) {
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function invalidGrantee(value: string, message = 'Argument format not recognized'): S3Error {
  return new S3Error('InvalidArgument', message, { ArgumentName: 'x-amz-grant', ArgumentValue: value });
}

function checkUri(uri: string, where: (m: string) => S3Error): void {
  if (!GROUPS.has(uri)) throw where('Invalid group uri');
}

function resolveId(id: string, resolve: GranteeResolver | undefined, err: (m: string) => S3Error): Grantee {
  if (!/^[0-9a-f]{64}$/i.test(id) && id !== AWS_EXEC_READ_GRANTEE.id) throw err('Invalid id');
  if (!resolve) return { type: 'CanonicalUser', id };
  const o = id === AWS_EXEC_READ_GRANTEE.id ? AWS_EXEC_READ_GRANTEE : resolve(id);
  if (!o) throw err('Invalid id');
  return user(o);
}

function resolveEmailGrantee(email: string, resolveEmail: GranteeResolver): Grantee {
  const o = resolveEmail(email);
  if (!o) throw new S3Error('UnresolvableGrantByEmailAddress', undefined, { EmailAddress: email });
  return user(o);
}

/**
 * The ACL the request's headers ask for. x-amz-acl and x-amz-grant-* together
 * are InvalidRequest; an unknown canned name or a malformed grantee is
 * InvalidArgument; an e-mail address no account has is
 * UnresolvableGrantByEmailAddress. `resolveId` (optional) checks canonical
 * ids and supplies display names.
 */
export function aclFromHeaders(headers: IncomingHttpHeaders, resolveEmail: GranteeResolver, resolveIdFn?: GranteeResolver): AclRequest | undefined {
  const canned = headerValue(headers, 'x-amz-acl');
  const present = GRANT_HEADERS.filter(([h]) => headers[h] !== undefined);
  if (canned !== undefined) {
    if (present.length > 0) throw new S3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed');
    const name = canned.trim();
    if (!isCannedAcl(name)) throw new S3Error('InvalidArgument', undefined, { ArgumentName: 'x-amz-acl', ArgumentValue: canned });
    return { canned: name };
  }
  if (present.length === 0) return undefined;
  const grants: Grant[] = [];
  for (const [h, permission] of present) {
    const value = headerValue(headers, h)!;
    const parts = splitGrantees(value);
    if (parts.length === 0) throw invalidGrantee(value);
    for (const part of parts) {
      const m = /^([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^",\s]+))$/.exec(part);
      if (!m) throw invalidGrantee(part);
      const kind = m[1]!;
      const v = m[2] ?? m[3]!;
      const err = (msg: string) => invalidGrantee(part, msg);
      let grantee: Grantee;
      if (kind === 'id') grantee = resolveId(v, resolveIdFn, err);
      else if (kind === 'uri') {
        checkUri(v, err);
        grantee = group(v);
      } else if (kind === 'emailAddress') grantee = resolveEmailGrantee(v, resolveEmail);
      else throw err('Argument format not recognized');
      grants.push({ grantee, permission });
    }
  }
  const out = dedupe(grants);
  if (out.length > MAX_GRANTS) throw new S3Error('MalformedACLError', `An ACL may hold at most ${MAX_GRANTS} grants`);
  return { grants: out };
}

/** The ACL an AclRequest stands for, given the owners. */
export function aclFromRequest(req: AclRequest, bucketOwner: AclOwner, objectOwner?: AclOwner): Acl {
  if ('canned' in req) return cannedAcl(req.canned, bucketOwner, objectOwner);
  return { owner: objectOwner ?? bucketOwner, grants: req.grants };
}

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object' && '#text' in v) return text((v as Record<string, unknown>)['#text']);
  if (typeof v === 'object' && Object.keys(v).every((k) => k.startsWith('@_'))) return '';
  return undefined;
}

const malformed = (message?: string) => new S3Error('MalformedACLError', message);

/**
 * Parses an AccessControlPolicy document (PutBucketAcl / PutObjectAcl body).
 * Bad XML is MalformedXML; a document that is XML but not a valid policy
 * (no Owner ID, a grantee without xsi:type or its element, an unknown
 * permission, over 100 grants) is MalformedACLError; an unknown group URI or
 * canonical id is InvalidArgument; an unknown e-mail address
 * UnresolvableGrantByEmailAddress.
 */
export function parseAccessControlPolicy(xml: Buffer | string, resolveEmail: GranteeResolver, resolveIdFn?: GranteeResolver): Acl {
  // Validates well-formedness, markup and the document element.
  parseXml(xml, 'AccessControlPolicy', []);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    htmlEntities: true,
    isArray: (_name, jpath) => String(jpath) === 'AccessControlPolicy.AccessControlList.Grant',
  });
  const doc = parser.parse(typeof xml === 'string' ? xml : xml.toString('utf8')) as Record<string, unknown>;
  const root = doc['AccessControlPolicy'] as Record<string, unknown> | undefined;
  if (!root || typeof root !== 'object') throw malformed();
  const ownerEl = root['Owner'] as Record<string, unknown> | undefined;
  const ownerId = ownerEl && typeof ownerEl === 'object' ? text(ownerEl['ID']) : undefined;
  if (!ownerId) throw malformed();
  const ownerName = ownerEl ? text(ownerEl['DisplayName']) : undefined;
  const list = root['AccessControlList'];
  let grantEls: unknown[] = [];
  if (list !== undefined && list !== '') {
    if (typeof list !== 'object' || list === null) throw malformed();
    grantEls = ((list as Record<string, unknown>)['Grant'] as unknown[] | undefined) ?? [];
  }
  if (grantEls.length > MAX_GRANTS) throw malformed(`An ACL may hold at most ${MAX_GRANTS} grants`);
  const grants: Grant[] = [];
  for (const g of grantEls) {
    if (!g || typeof g !== 'object') throw malformed();
    const el = g as Record<string, unknown>;
    const permission = text(el['Permission']);
    if (!permission || !(ACL_PERMISSIONS as readonly string[]).includes(permission)) throw malformed();
    const ge = el['Grantee'] as Record<string, unknown> | undefined;
    if (!ge || typeof ge !== 'object') throw malformed();
    const type = ge['@_type'];
    const err = (m: string) => new S3Error('InvalidArgument', m, { ArgumentName: 'CanonicalUser/ID' });
    let grantee: Grantee;
    if (type === 'CanonicalUser') {
      const id = text(ge['ID']);
      if (!id) throw malformed();
      grantee = resolveId(id, resolveIdFn, err);
    } else if (type === 'Group') {
      const uri = text(ge['URI']);
      if (!uri) throw malformed();
      checkUri(uri, (m) => new S3Error('InvalidArgument', m, { ArgumentName: 'Group/URI', ArgumentValue: uri }));
      grantee = group(uri);
    } else if (type === 'AmazonCustomerByEmail') {
      const email = text(ge['EmailAddress']);
      if (!email) throw malformed();
      grantee = resolveEmailGrantee(email, resolveEmail);
    } else throw malformed();
    grants.push({ grantee, permission: permission as AclPermission });
  }
  return { owner: { id: ownerId, ...(ownerName ? { displayName: ownerName } : {}) }, grants: dedupe(grants) };
}

/** The AccessControlPolicy document (GetBucketAcl / GetObjectAcl answer), as XML text. */
export function renderAccessControlPolicy(acl: Acl): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n', `<AccessControlPolicy xmlns="${S3_XMLNS}">`];
  out.push(`<Owner><ID>${escapeXml(acl.owner.id)}</ID>`);
  if (acl.owner.displayName !== undefined) out.push(`<DisplayName>${escapeXml(acl.owner.displayName)}</DisplayName>`);
  out.push('</Owner><AccessControlList>');
  for (const g of acl.grants) {
    out.push(`<Grant><Grantee xmlns:xsi="${XSI}" xsi:type="${g.grantee.type}">`);
    if (g.grantee.type === 'CanonicalUser') {
      out.push(`<ID>${escapeXml(g.grantee.id)}</ID>`);
      if (g.grantee.displayName !== undefined) out.push(`<DisplayName>${escapeXml(g.grantee.displayName)}</DisplayName>`);
    } else out.push(`<URI>${escapeXml(g.grantee.uri)}</URI>`);
    out.push(`</Grantee><Permission>${g.permission}</Permission></Grant>`);
  }
  out.push('</AccessControlList></AccessControlPolicy>');
  return out.join('');
}

/** Who is asking: the caller's account's canonical id (undefined: anonymous), and whether the request was signed. */
export interface AclCaller {
  readonly canonicalId?: string;
  readonly authenticated: boolean;
}

function granteeMatches(g: Grantee, caller: AclCaller, ignorePublic: boolean): boolean {
  if (g.type === 'CanonicalUser') return caller.canonicalId !== undefined && g.id === caller.canonicalId;
  if (g.uri === ALL_USERS) return !ignorePublic;
  if (g.uri === AUTHENTICATED_USERS) return !ignorePublic && caller.authenticated;
  return false; // LogDelivery: the log-delivery service only
}

/**
 * Does the ACL give the caller `permission`? FULL_CONTROL implies every
 * permission. `ignorePublic` (Block Public Access IgnorePublicAcls) makes
 * grants to AllUsers and AuthenticatedUsers count for nothing.
 */
export function aclAllows(acl: Acl, caller: AclCaller, permission: AclPermission, opts: { readonly ignorePublic: boolean }): boolean {
  for (const g of acl.grants) {
    if (g.permission !== permission && g.permission !== 'FULL_CONTROL') continue;
    if (granteeMatches(g.grantee, caller, opts.ignorePublic)) return true;
  }
  return false;
}

/** Is the ACL public: does it grant anything to AllUsers or AuthenticatedUsers (AWS's definition)? */
export function isPublicAcl(acl: Acl): boolean {
  return acl.grants.some((g) => g.grantee.type === 'Group' && (g.grantee.uri === ALL_USERS || g.grantee.uri === AUTHENTICATED_USERS));
}

/** Is a canned ACL name public (Block Public Access BlockPublicAcls refuses these)? */
export function isPublicCannedAcl(name: CannedAcl): boolean {
  return name === 'public-read' || name === 'public-read-write' || name === 'authenticated-read';
}

/** Does an ACL grant only the owner's full control (what BucketOwnerEnforced still accepts)? */
export function isPrivateAcl(acl: Acl, owner: AclOwner): boolean {
  return acl.grants.length === 1 && acl.grants[0]!.permission === 'FULL_CONTROL' && sameGrantee(acl.grants[0]!.grantee, user(owner));
}

const BUCKET_ACTIONS: Readonly<Record<string, AclPermission>> = {
  's3:ListBucket': 'READ',
  's3:ListBucketVersions': 'READ',
  's3:ListBucketMultipartUploads': 'READ',
  's3:PutObject': 'WRITE',
  's3:DeleteObject': 'WRITE',
  's3:DeleteObjectVersion': 'WRITE',
  's3:AbortMultipartUpload': 'WRITE',
  's3:ListMultipartUploadParts': 'WRITE',
  's3:GetBucketAcl': 'READ_ACP',
  's3:PutBucketAcl': 'WRITE_ACP',
};
const OBJECT_ACTIONS: Readonly<Record<string, AclPermission>> = {
  's3:GetObject': 'READ',
  's3:GetObjectVersion': 'READ',
  's3:GetObjectTorrent': 'READ',
  's3:GetObjectAttributes': 'READ',
  's3:GetObjectVersionAttributes': 'READ',
  's3:GetObjectAcl': 'READ_ACP',
  's3:GetObjectVersionAcl': 'READ_ACP',
  's3:PutObjectAcl': 'WRITE_ACP',
  's3:PutObjectVersionAcl': 'WRITE_ACP',
};

/**
 * The ACL permission that allows an IAM action: the bucket ACL's
 * (`onObject` false) or the object ACL's (`onObject` true), from AWS's
 * mapping table (bucket WRITE also covers deletes and the multipart steps,
 * as S3 applies it). Undefined: no ACL grants that action.
 */
export function aclPermissionFor(action: string, onObject: boolean): AclPermission | undefined {
  return (onObject ? OBJECT_ACTIONS : BUCKET_ACTIONS)[action];
}

import { describe, expect, it } from 'vitest';
import {
  aclAllows,
  aclFromHeaders,
  aclFromRequest,
  aclPermissionFor,
  ALL_USERS,
  AUTHENTICATED_USERS,
  cannedAcl,
  isPrivateAcl,
  isPublicAcl,
  LOG_DELIVERY,
  parseAccessControlPolicy,
  renderAccessControlPolicy,
  type Acl,
  type AclOwner,
} from '../../src/auth/acl.js';
import { S3Error } from '../../src/errors/s3error.js';

const A: AclOwner = { id: 'a'.repeat(64), displayName: 'alice' };
const B: AclOwner = { id: 'b'.repeat(64), displayName: 'bob' };
const C: AclOwner = { id: 'c'.repeat(64), displayName: 'carol' };
const emails: Record<string, AclOwner> = { 'bob@example.com': B };
const byEmail = (e: string) => emails[e.toLowerCase()];
const byId = (id: string) => [A, B, C].find((o) => o.id === id);

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof S3Error) return e.code;
    throw e;
  }
  return 'no error';
}

const anon = { authenticated: false };
const signed = (o: AclOwner) => ({ canonicalId: o.id, authenticated: true });
const open = { ignorePublic: false };

describe('cannedAcl', () => {
  it('private: the owner has FULL_CONTROL only', () => {
    const acl = cannedAcl('private', A);
    expect(acl).toEqual({ owner: A, grants: [{ grantee: { type: 'CanonicalUser', ...A }, permission: 'FULL_CONTROL' }] });
    expect(isPrivateAcl(acl, A)).toBe(true);
    expect(isPublicAcl(acl)).toBe(false);
  });

  it('public-read, public-read-write and authenticated-read grant the groups', () => {
    expect(cannedAcl('public-read', A).grants.map((g) => [g.grantee.type === 'Group' ? g.grantee.uri : g.grantee.id, g.permission])).toEqual([
      [A.id, 'FULL_CONTROL'],
      [ALL_USERS, 'READ'],
    ]);
    expect(cannedAcl('public-read-write', A).grants.map((g) => g.permission)).toEqual(['FULL_CONTROL', 'READ', 'WRITE']);
    const auth = cannedAcl('authenticated-read', A);
    expect(auth.grants[1]).toEqual({ grantee: { type: 'Group', uri: AUTHENTICATED_USERS }, permission: 'READ' });
    for (const n of ['public-read', 'public-read-write', 'authenticated-read'] as const) expect(isPublicAcl(cannedAcl(n, A))).toBe(true);
  });

  it('bucket-owner-* grant the bucket owner on an object, and mean private on a bucket', () => {
    const obj = cannedAcl('bucket-owner-full-control', A, B);
    expect(obj.owner).toEqual(B);
    expect(obj.grants.map((g) => [g.grantee.type === 'CanonicalUser' && g.grantee.id, g.permission])).toEqual([
      [B.id, 'FULL_CONTROL'],
      [A.id, 'FULL_CONTROL'],
    ]);
    expect(cannedAcl('bucket-owner-read', A, B).grants[1]).toEqual({ grantee: { type: 'CanonicalUser', ...A }, permission: 'READ' });
    expect(cannedAcl('bucket-owner-full-control', A)).toEqual(cannedAcl('private', A));
    // The same account on both sides: one grant.
    expect(cannedAcl('bucket-owner-full-control', A, A).grants).toHaveLength(1);
  });

  it('log-delivery-write and aws-exec-read', () => {
    expect(cannedAcl('log-delivery-write', A).grants.slice(1)).toEqual([
      { grantee: { type: 'Group', uri: LOG_DELIVERY }, permission: 'WRITE' },
      { grantee: { type: 'Group', uri: LOG_DELIVERY }, permission: 'READ_ACP' },
    ]);
    const exec = cannedAcl('aws-exec-read', A).grants[1]!;
    expect(exec.permission).toBe('READ');
    expect(exec.grantee.type).toBe('CanonicalUser');
    expect(isPublicAcl(cannedAcl('log-delivery-write', A))).toBe(false);
  });
});

describe('aclFromHeaders', () => {
  it('reads a canned ACL, and nothing when no ACL header is sent', () => {
    expect(aclFromHeaders({ 'x-amz-acl': 'public-read' }, byEmail)).toEqual({ canned: 'public-read' });
    expect(aclFromHeaders({}, byEmail)).toBeUndefined();
    expect(code(() => aclFromHeaders({ 'x-amz-acl': 'world-writable' }, byEmail))).toBe('InvalidArgument');
  });

  it('reads grants by id, uri and emailAddress, several per header', () => {
    const r = aclFromHeaders(
      {
        'x-amz-grant-read': `uri="${ALL_USERS}", emailAddress="Bob@example.com"`,
        'x-amz-grant-full-control': `id="${C.id}"`,
        'x-amz-grant-write-acp': `id=${A.id}`,
      },
      byEmail,
      byId,
    );
    expect(r).toEqual({
      grants: [
        { grantee: { type: 'Group', uri: ALL_USERS }, permission: 'READ' },
        { grantee: { type: 'CanonicalUser', ...B }, permission: 'READ' },
        { grantee: { type: 'CanonicalUser', ...A }, permission: 'WRITE_ACP' },
        { grantee: { type: 'CanonicalUser', ...C }, permission: 'FULL_CONTROL' },
      ],
    });
    // Explicit grants are the whole ACL: the owner is not added.
    expect(aclFromRequest(r!, A).grants).toHaveLength(4);
  });

  it('refuses both kinds together, bad grantees and unknown e-mail addresses as AWS does', () => {
    expect(code(() => aclFromHeaders({ 'x-amz-acl': 'private', 'x-amz-grant-read': `id="${A.id}"` }, byEmail))).toBe('InvalidRequest');
    expect(code(() => aclFromHeaders({ 'x-amz-grant-read': 'user="x"' }, byEmail))).toBe('InvalidArgument');
    expect(code(() => aclFromHeaders({ 'x-amz-grant-read': 'garbage' }, byEmail))).toBe('InvalidArgument');
    expect(code(() => aclFromHeaders({ 'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/Everyone"' }, byEmail))).toBe('InvalidArgument');
    expect(code(() => aclFromHeaders({ 'x-amz-grant-read': 'id="not-hex"' }, byEmail))).toBe('InvalidArgument');
    expect(code(() => aclFromHeaders({ 'x-amz-grant-read': `id="${'d'.repeat(64)}"` }, byEmail, byId))).toBe('InvalidArgument');
    expect(code(() => aclFromHeaders({ 'x-amz-grant-read': 'emailAddress="nobody@example.com"' }, byEmail))).toBe('UnresolvableGrantByEmailAddress');
  });

  it('allows at most 100 grants', () => {
    const ids = Array.from({ length: 101 }, (_, i) => `id="${i.toString(16).padStart(64, '0')}"`);
    expect(code(() => aclFromHeaders({ 'x-amz-grant-read': ids.join(',') }, byEmail))).toBe('MalformedACLError');
    expect(code(() => aclFromHeaders({ 'x-amz-grant-read': ids.slice(1).join(',') }, byEmail))).toBe('no error');
  });
});

const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
function policyXml(grants: string, owner = `<Owner><ID>${A.id}</ID></Owner>`): string {
  return `<?xml version="1.0"?><AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${owner}<AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`;
}

describe('AccessControlPolicy documents', () => {
  it('parses CanonicalUser, Group and AmazonCustomerByEmail grantees (emails become canonical users)', () => {
    const acl = parseAccessControlPolicy(
      policyXml(
        `<Grant><Grantee ${XSI} xsi:type="CanonicalUser"><ID>${A.id}</ID><DisplayName>ignored</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>` +
          `<Grant><Grantee ${XSI} xsi:type="Group"><URI>${ALL_USERS}</URI></Grantee><Permission>READ</Permission></Grant>` +
          `<Grant><Grantee ${XSI} xsi:type="AmazonCustomerByEmail"><EmailAddress>bob@example.com</EmailAddress></Grantee><Permission>WRITE_ACP</Permission></Grant>`,
      ),
      byEmail,
      byId,
    );
    expect(acl.owner.id).toBe(A.id);
    expect(acl.grants).toEqual([
      { grantee: { type: 'CanonicalUser', ...A }, permission: 'FULL_CONTROL' },
      { grantee: { type: 'Group', uri: ALL_USERS }, permission: 'READ' },
      { grantee: { type: 'CanonicalUser', ...B }, permission: 'WRITE_ACP' },
    ]);
  });

  it('round-trips through render', () => {
    const acl: Acl = cannedAcl('public-read', A);
    const xml = renderAccessControlPolicy(acl);
    expect(xml).toContain(`<Grantee ${XSI} xsi:type="Group"><URI>${ALL_USERS}</URI></Grantee><Permission>READ</Permission>`);
    expect(xml).toContain(`<Owner><ID>${A.id}</ID><DisplayName>alice</DisplayName></Owner>`);
    expect(parseAccessControlPolicy(xml, byEmail, byId)).toEqual(acl);
  });

  it('refuses malformed policies', () => {
    const grant = (g: string, p = 'READ') => `<Grant>${g}<Permission>${p}</Permission></Grant>`;
    expect(code(() => parseAccessControlPolicy('<AccessControlPolicy><Owner>', byEmail))).toBe('MalformedXML');
    expect(code(() => parseAccessControlPolicy(policyXml('', ''), byEmail))).toBe('MalformedACLError');
    expect(code(() => parseAccessControlPolicy(policyXml(grant(`<Grantee><ID>${A.id}</ID></Grantee>`)), byEmail))).toBe('MalformedACLError');
    expect(code(() => parseAccessControlPolicy(policyXml(grant(`<Grantee ${XSI} xsi:type="CanonicalUser"><ID>${A.id}</ID></Grantee>`, 'ALL')), byEmail))).toBe(
      'MalformedACLError',
    );
    expect(code(() => parseAccessControlPolicy(policyXml(grant(`<Grantee ${XSI} xsi:type="Group"><URI>http://example.com/x</URI></Grantee>`)), byEmail))).toBe(
      'InvalidArgument',
    );
    expect(
      code(() =>
        parseAccessControlPolicy(policyXml(grant(`<Grantee ${XSI} xsi:type="AmazonCustomerByEmail"><EmailAddress>x@y.z</EmailAddress></Grantee>`)), byEmail),
      ),
    ).toBe('UnresolvableGrantByEmailAddress');
    const many = Array.from({ length: 101 }, () => grant(`<Grantee ${XSI} xsi:type="Group"><URI>${ALL_USERS}</URI></Grantee>`)).join('');
    expect(code(() => parseAccessControlPolicy(policyXml(many), byEmail))).toBe('MalformedACLError');
  });
});

describe('aclAllows', () => {
  const acl: Acl = {
    owner: A,
    grants: [
      { grantee: { type: 'CanonicalUser', ...A }, permission: 'FULL_CONTROL' },
      { grantee: { type: 'CanonicalUser', ...B }, permission: 'READ' },
      { grantee: { type: 'Group', uri: AUTHENTICATED_USERS }, permission: 'READ_ACP' },
      { grantee: { type: 'Group', uri: ALL_USERS }, permission: 'WRITE' },
    ],
  };

  it('FULL_CONTROL implies every permission; a grant gives only its own', () => {
    for (const p of ['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL'] as const) expect(aclAllows(acl, signed(A), p, open)).toBe(true);
    expect(aclAllows(acl, signed(B), 'READ', open)).toBe(true);
    expect(aclAllows(acl, signed(B), 'WRITE_ACP', open)).toBe(false);
    expect(aclAllows(acl, signed(C), 'READ', open)).toBe(false);
  });

  it('AllUsers means anyone, AuthenticatedUsers any signed request; IgnorePublicAcls ignores both', () => {
    expect(aclAllows(acl, anon, 'WRITE', open)).toBe(true);
    expect(aclAllows(acl, anon, 'READ_ACP', open)).toBe(false);
    expect(aclAllows(acl, signed(C), 'READ_ACP', open)).toBe(true);
    expect(aclAllows(acl, signed(C), 'WRITE', { ignorePublic: true })).toBe(false);
    expect(aclAllows(acl, signed(C), 'READ_ACP', { ignorePublic: true })).toBe(false);
    expect(aclAllows(acl, signed(B), 'READ', { ignorePublic: true })).toBe(true);
  });
});

describe('aclPermissionFor', () => {
  it("follows AWS's mapping of ACL permissions to actions", () => {
    expect(aclPermissionFor('s3:ListBucket', false)).toBe('READ');
    expect(aclPermissionFor('s3:ListBucketVersions', false)).toBe('READ');
    expect(aclPermissionFor('s3:PutObject', false)).toBe('WRITE');
    expect(aclPermissionFor('s3:GetBucketAcl', false)).toBe('READ_ACP');
    expect(aclPermissionFor('s3:PutBucketAcl', false)).toBe('WRITE_ACP');
    expect(aclPermissionFor('s3:GetObject', true)).toBe('READ');
    expect(aclPermissionFor('s3:GetObjectVersion', true)).toBe('READ');
    expect(aclPermissionFor('s3:GetObjectAcl', true)).toBe('READ_ACP');
    expect(aclPermissionFor('s3:PutObjectVersionAcl', true)).toBe('WRITE_ACP');
    // Object ACLs have no WRITE; bucket ACLs do not grant reads of objects; nothing grants policy actions.
    expect(aclPermissionFor('s3:PutObject', true)).toBeUndefined();
    expect(aclPermissionFor('s3:GetObject', false)).toBeUndefined();
    expect(aclPermissionFor('s3:PutBucketPolicy', false)).toBeUndefined();
  });
});

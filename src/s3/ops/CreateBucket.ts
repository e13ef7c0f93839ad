import { hasAclHeaders, isPrivateAcl, isPublicAcl } from '../../auth/acl.js';
import { S3Error } from '../../errors/s3error.js';
import {
  ACL_KIND,
  aclConditionKeys,
  aclOwner,
  aclRequestOf,
  FULL_PUBLIC_ACCESS_BLOCK,
  OWNERSHIP_KIND,
  parseObjectOwnership,
  PUBLIC_ACCESS_BLOCK_KIND,
  refuseAclWhenEnforced,
} from '../acls.js';
import { aclFromRequest } from '../../auth/acl.js';
import { parseXml } from '../../xml/xml.js';
import { operation } from '../operation.js';
import { header, requireBucketName } from '../params.js';

/** The AWS general-purpose bucket naming rules. Returns the reason a name is invalid, or undefined. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'Bucket names must be between 3 and 63 characters long.';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'Bucket names can consist only of lowercase letters, numbers, dots (.), and hyphens (-).';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'Bucket names must begin and end with a letter or number.';
  if (name.includes('..')) return 'Bucket names must not contain two adjacent periods.';
  // A label of a DNS name cannot start or end with a hyphen: `foo.-bar` and `foo-.bar` are refused.
  if (name.includes('.-') || name.includes('-.')) return 'Bucket names must not contain a period next to a hyphen.';
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return 'Bucket names must not be formatted as an IP address.';
  for (const p of ['xn--', 'sthree-', 'amzn-s3-demo-']) if (name.startsWith(p)) return `Bucket names must not start with the prefix "${p}".`;
  for (const s of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) if (name.endsWith(s)) return `Bucket names must not end with the suffix "${s}".`;
  return undefined;
}

export const CreateBucket = operation({
  name: 'CreateBucket',
  body: { kind: 'document', max: 64 * 1024, integrity: 'verify', optional: true },
  parse(req) {
    const name = requireBucketName(req.target.bucket);
    const problem = bucketNameProblem(name);
    if (problem) throw new S3Error('InvalidBucketName', problem, { BucketName: name });
    let locationConstraint: string | undefined;
    if (req.document && req.document.length > 0) {
      const doc = parseXml(req.document, 'CreateBucketConfiguration');
      const lc = doc.LocationConstraint;
      if (lc !== undefined && typeof lc !== 'string') throw new S3Error('MalformedXML');
      // A value that is no region name at all (S3 also knows the legacy 'EU').
      if (lc !== undefined && lc !== '' && lc !== 'EU' && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(lc)) {
        throw new S3Error('InvalidLocationConstraint', undefined, { LocationConstraint: lc });
      }
      locationConstraint = lc;
    }
    return {
      name,
      locationConstraint,
      objectLock: header(req.headers, 'x-amz-bucket-object-lock-enabled')?.toLowerCase() === 'true',
      ownership: parseObjectOwnership(header(req.headers, 'x-amz-object-ownership')),
      withAcl: hasAclHeaders(req.headers),
    };
  },
  // An ACL sent with CreateBucket also needs s3:PutBucketAcl; x-amz-object-ownership also s3:PutBucketOwnershipControls (as AWS asks).
  permissions: (input, req) => [
    { action: 's3:CreateBucket', bucket: input.name, conditions: aclConditionKeys(req.headers) },
    ...(input.withAcl ? [{ action: 's3:PutBucketAcl', bucket: input.name, conditions: aclConditionKeys(req.headers) }] : []),
    ...(input.ownership !== undefined ? [{ action: 's3:PutBucketOwnershipControls', bucket: input.name }] : []),
  ],
  async run(ctx, input, req) {
    const region = ctx.config.region;
    const lc = input.locationConstraint;
    if (lc !== undefined && lc !== '' && lc !== region && region !== 'us-east-1') {
      throw new S3Error(
        'IllegalLocationConstraintException',
        `The ${lc} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      );
    }
    const ownerId = req.principal!.account.id;
    const aws = ctx.config.bucketDefaults === 'aws';
    const ownership = input.ownership ?? (aws ? 'BucketOwnerEnforced' : undefined);
    const configs: Array<readonly [string, unknown]> = [];
    if (ownership !== undefined) configs.push([OWNERSHIP_KIND, { objectOwnership: ownership }]);
    if (aws) configs.push([PUBLIC_ACCESS_BLOCK_KIND, FULL_PUBLIC_ACCESS_BLOCK]);
    const aclReq = aclRequestOf(ctx, req.headers);
    if (aclReq) {
      const owner = aclOwner(ctx, ownerId);
      if (ownership === 'BucketOwnerEnforced') {
        try {
          refuseAclWhenEnforced(aclReq, owner);
        } catch {
          throw new S3Error('InvalidBucketAclWithObjectOwnership');
        }
      } else {
        const acl = aclFromRequest(aclReq, owner);
        // The 'aws' defaults turn BlockPublicAcls on from the start.
        if (aws && isPublicAcl(acl)) throw new S3Error('AccessDenied');
        if (!isPrivateAcl(acl, owner)) configs.push([ACL_KIND, { grants: acl.grants }]);
      }
    }
    await ctx.services.buckets.create(input.name, ownerId, region, input.objectLock, configs);
    return { headers: { location: `/${input.name}` } };
  },
});

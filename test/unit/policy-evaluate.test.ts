import { describe, expect, it } from 'vitest';
import {
  applicableStatements,
  combinePolicies,
  compileGlob,
  contextLookup,
  globalContext,
  intersectDecisions,
  layeredLookup,
  compilePolicy,
  evaluate,
  principalMatches,
  validatePolicy,
  type CompiledPolicy,
  type ConditionContext,
  type PolicyKind,
  type RequestPrincipal,
} from '../../src/auth/policy/index.js';

function policy(statement: unknown, { version = '2012-10-17', kind = 'identity' }: { version?: string | null; kind?: PolicyKind } = {}): CompiledPolicy {
  const json = JSON.stringify(version === null ? { Statement: statement } : { Version: version, Statement: statement });
  return compilePolicy(validatePolicy(json, kind));
}

const judge = (p: CompiledPolicy | CompiledPolicy[], action: string, resource: string, context?: ConditionContext, principal?: RequestPrincipal) =>
  evaluate(Array.isArray(p) ? p : [p], { action, resource, context, principal });

/** A statement allowing s3:GetObject on everything under the given condition. */
const when = (condition: unknown) => policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: condition });
const holds = (condition: unknown, context: ConditionContext): boolean => judge(when(condition), 's3:GetObject', 'arn:aws:s3:::b/k', context) === 'Allow';

// reference_policies_elements_action: "Action names are not case sensitive"; wildcards * and ? ("iam:*AccessKey*").
describe('Action and NotAction', () => {
  it('matches names case-insensitively, with * and ?', () => {
    const p = policy({ Effect: 'Allow', Action: ['s3:get*', 'iam:*AccessKey*', 's3:PutObjec?', 'S3:ListBucket'], Resource: '*' });
    const allowed = (a: string) => judge(p, a, 'arn:aws:s3:::b') === 'Allow';
    expect(allowed('s3:GetObject')).toBe(true);
    expect(allowed('s3:GetObjectVersion')).toBe(true);
    expect(allowed('S3:GETOBJECT')).toBe(true);
    expect(allowed('iam:CreateAccessKey')).toBe(true);
    expect(allowed('iam:ListAccessKeys')).toBe(true);
    expect(allowed('s3:PutObject')).toBe(true);
    expect(allowed('s3:PutObjectAcl')).toBe(false);
    expect(allowed('s3:listbucket')).toBe(true);
    expect(allowed('s3:ListBucketVersions')).toBe(false);
    expect(allowed('s3:DeleteObject')).toBe(false);
    expect(allowed('iam:CreateUser')).toBe(false);
  });

  it('"*" is every action of every service', () => {
    const p = policy({ Effect: 'Allow', Action: '*', Resource: '*' });
    expect(judge(p, 'iam:CreateUser', 'arn:aws:iam::123456789012:user/u')).toBe('Allow');
    expect(judge(p, 'sts:AssumeRole', '*')).toBe('Allow');
  });

  // reference_policies_elements_notaction: "Allow ... NotAction iam:*" grants everything but IAM.
  it('NotAction applies to every action it does not name', () => {
    const p = policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/k')).toBe('Allow');
    expect(judge(p, 'iam:CreateUser', '*')).toBeUndefined();
    const deny = policy({ Effect: 'Deny', NotAction: ['s3:GetObject', 's3:ListBucket'], Resource: '*' });
    expect(judge([p, deny], 's3:PutObject', 'arn:aws:s3:::b/k')).toBe('Deny');
    expect(judge([p, deny], 's3:GetObject', 'arn:aws:s3:::b/k')).toBe('Allow');
  });
});

// reference_policies_elements_resource: "You can use wildcard characters (* and ?) within the individual segments of an
// ARN ... If the * wildcard is the last character of a resource ARN segment, it can expand to match beyond the colon
// boundaries"; "The asterisk (*) character can expand to replace everything within a segment, including characters like
// a forward slash (/)"; "In the Resource element, the IAM user name is case sensitive."
describe('Resource and NotResource', () => {
  const allowOn = (resource: unknown) => policy({ Effect: 'Allow', Action: 's3:*', Resource: resource });

  it('matches ARNs case-sensitively; * crosses slashes, ? is one character', () => {
    const p = allowOn(['arn:aws:s3:::amzn-s3-demo-bucket/*', 'arn:aws:s3:::logs/??.txt']);
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::amzn-s3-demo-bucket/dir/sub/key')).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::amzn-s3-demo-bucket/')).toBe('Allow');
    expect(judge(p, 's3:ListBucket', 'arn:aws:s3:::amzn-s3-demo-bucket')).toBeUndefined();
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::AMZN-S3-DEMO-BUCKET/key')).toBeUndefined();
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::logs/ab.txt')).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::logs/abc.txt')).toBeUndefined();
    const users = policy({ Effect: 'Allow', Action: 'iam:GetUser', Resource: 'arn:aws:iam::123456789012:user/accounting/*' });
    expect(judge(users, 'iam:GetUser', 'arn:aws:iam::123456789012:user/accounting/Bob')).toBe('Allow');
    expect(judge(users, 'iam:GetUser', 'arn:aws:iam::123456789012:user/Accounting/Bob')).toBeUndefined();
  });

  it('an object key may contain colons: the resource segment matches them', () => {
    const p = allowOn(['arn:aws:s3:::b/a*b', 'arn:aws:s3:::c/x?y']);
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/a:c:b')).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::c/x:y')).toBe('Allow');
  });

  it('a * ending a segment expands beyond colons; one inside a segment, and ?, do not', () => {
    const endOfSegment = policy({ Effect: 'Allow', Action: 'someservice:*', Resource: 'arn:aws:someservice:*:111122223333:finance/*' });
    expect(judge(endOfSegment, 'someservice:Get', 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt')).toBe('Allow');
    const inside = policy({
      Effect: 'Allow',
      Action: 'ec2:*',
      Resource: ['arn:aws:ec2:us-*-1:123456789012:instance/*', 'arn:aws:ec2:eu-west-?:123456789012:volume/*'],
    });
    expect(judge(inside, 'ec2:Run', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1')).toBe('Allow');
    expect(judge(inside, 'ec2:Run', 'arn:aws:ec2:us-east:x-1:123456789012:instance/i-1')).toBeUndefined();
    expect(judge(inside, 'ec2:Run', 'arn:aws:ec2:eu-west-1:123456789012:volume/v')).toBe('Allow');
    expect(judge(inside, 'ec2:Run', 'arn:aws:ec2:eu-west-:123456789012:volume/v')).toBeUndefined();
    const bucketWide = allowOn('arn:aws:s3:::*');
    expect(judge(bucketWide, 's3:GetObject', 'arn:aws:s3:::any/key:with:colons')).toBe('Allow');
    expect(judge(bucketWide, 's3:GetObject', 'arn:aws:iam::123456789012:user/x')).toBeUndefined();
  });

  // reference_policies_elements_notresource: allow everything in S3 except the HRBucket/Payroll folder.
  it('NotResource applies to every resource it does not name', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:*', NotResource: ['arn:aws:s3:::HRBucket/Payroll', 'arn:aws:s3:::HRBucket/Payroll/*'] });
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::HRBucket/Other/x')).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::HRBucket/Payroll/x')).toBeUndefined();
    expect(judge(p, 's3:ListBucket', 'arn:aws:s3:::HRBucket/Payroll')).toBeUndefined();
  });
});

// reference_policies_variables: "${aws:username}" in Resource and in condition values; "${*}", "${?}", "${$}" for the
// literal characters; default values "${aws:PrincipalTag/team, 'company-wide'}"; a Version 2008-10-17 policy treats a
// variable "as a literal string".
describe('policy variables', () => {
  const home = policy({
    Effect: 'Allow',
    Action: 's3:*',
    Resource: ['arn:aws:s3:::bucket/home/${aws:username}', 'arn:aws:s3:::bucket/home/${aws:username}/*'],
  });

  it('${aws:username} in a Resource is the caller’s name', () => {
    expect(judge(home, 's3:GetObject', 'arn:aws:s3:::bucket/home/alice/notes.txt', { 'aws:username': 'alice' })).toBe('Allow');
    expect(judge(home, 's3:GetObject', 'arn:aws:s3:::bucket/home/alice', { 'aws:username': 'alice' })).toBe('Allow');
    expect(judge(home, 's3:GetObject', 'arn:aws:s3:::bucket/home/bob/notes.txt', { 'aws:username': 'alice' })).toBeUndefined();
    // No value (a role session has no aws:username): the pattern matches nothing, not the literal text.
    expect(judge(home, 's3:GetObject', 'arn:aws:s3:::bucket/home/${aws:username}/x', {})).toBeUndefined();
    expect(judge(home, 's3:GetObject', 'arn:aws:s3:::bucket/home//x', {})).toBeUndefined();
  });

  it('a variable’s value is literal: a * in a user name is not a wildcard', () => {
    expect(judge(home, 's3:GetObject', 'arn:aws:s3:::bucket/home/al*/x', { 'aws:username': 'al*' })).toBe('Allow');
    expect(judge(home, 's3:GetObject', 'arn:aws:s3:::bucket/home/alice/x', { 'aws:username': 'al*' })).toBeUndefined();
  });

  it('variable names are case-insensitive; the lookup function is asked with the lower-cased key', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/${AWS:UserID}/*' });
    const asked: string[] = [];
    const lookup = (k: string) => {
      asked.push(k);
      return k === 'aws:userid' ? 'AIDAEXAMPLE' : undefined;
    };
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/AIDAEXAMPLE/k', lookup)).toBe('Allow');
    expect(asked).toEqual(['aws:userid']);
  });

  it('${*}, ${?} and ${$} are the literal characters', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::b/${*}star', 'arn:aws:s3:::b/q${?}', 'arn:aws:s3:::b/cost${$}'] });
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/*star')).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/xstar')).toBeUndefined();
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/q?')).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/qx')).toBeUndefined();
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/cost$')).toBe('Allow');
    // A lone ${*} is a literal asterisk, not "everything".
    expect(holds({ StringLike: { 's3:prefix': '${*}' } }, { 's3:prefix': '*' })).toBe(true);
    expect(holds({ StringLike: { 's3:prefix': '${*}' } }, { 's3:prefix': 'home/' })).toBe(false);
  });

  it('a default value stands in when the key has none', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:*', Resource: "arn:aws:s3:::b/${aws:PrincipalTag/team, 'company-wide'}/*" });
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/company-wide/x', {})).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/red/x', { 'aws:PrincipalTag/team': 'red' })).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/company-wide/x', { 'aws:PrincipalTag/team': 'red' })).toBeUndefined();
  });

  it('in Version 2008-10-17 (or no Version) a variable is literal text', () => {
    for (const version of ['2008-10-17', null]) {
      const p = policy({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/${aws:username}' }, { version });
      expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/alice', { 'aws:username': 'alice' })).toBeUndefined();
      expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/${aws:username}', { 'aws:username': 'alice' })).toBe('Allow');
    }
  });

  // reference_policies_elements_condition_operators: the StringLike "home directory" example.
  it('in condition values: StringLike s3:prefix with ${aws:username}', () => {
    const p = policy({
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: 'arn:aws:s3:::BUCKET-NAME',
      Condition: { StringLike: { 's3:prefix': ['', 'home/', 'home/${aws:username}/'] } },
    });
    const list = (prefix: string | undefined) => judge(p, 's3:ListBucket', 'arn:aws:s3:::BUCKET-NAME', { 'aws:username': 'alice', 's3:prefix': prefix });
    expect(list('')).toBe('Allow');
    expect(list('home/')).toBe('Allow');
    expect(list('home/alice/')).toBe('Allow');
    expect(list('home/bob/')).toBeUndefined();
    expect(list(undefined)).toBeUndefined();
    const eq = when({ StringEquals: { 's3:prefix': 'home/${aws:username}' } });
    expect(judge(eq, 's3:GetObject', 'x', { 's3:prefix': 'home/alice', 'aws:username': 'alice' })).toBe('Allow');
    expect(judge(eq, 's3:GetObject', 'x', { 's3:prefix': 'home/${aws:username}' })).toBeUndefined();
  });
});

// reference_policies_elements_condition_operators.
describe('condition operators', () => {
  it('String: case-sensitive equality, IgnoreCase, Like with * and ?', () => {
    expect(holds({ StringEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } }, { 'aws:PrincipalTag/job-category': 'iamuser-admin' })).toBe(true);
    expect(holds({ StringEquals: { 'aws:PrincipalTag/job-category': 'iamuser-admin' } }, { 'aws:PrincipalTag/job-category': 'IAMuser-admin' })).toBe(false);
    expect(holds({ StringEqualsIgnoreCase: { 'aws:username': 'Alice' } }, { 'aws:username': 'aLICE' })).toBe(true);
    expect(holds({ StringNotEqualsIgnoreCase: { 'aws:username': 'Alice' } }, { 'aws:username': 'aLICE' })).toBe(false);
    expect(holds({ StringLike: { 's3:prefix': 'home/*/docs/?' } }, { 's3:prefix': 'home/a/b/docs/x' })).toBe(true);
    expect(holds({ StringLike: { 's3:prefix': 'home/*/docs/?' } }, { 's3:prefix': 'home/a/docs/xy' })).toBe(false);
    expect(holds({ StringLike: { 's3:prefix': 'Home/*' } }, { 's3:prefix': 'home/a' })).toBe(false);
    expect(holds({ StringEquals: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'home/a' })).toBe(false);
    expect(holds({ StringEquals: { 's3:prefix': 'home/*' } }, { 's3:prefix': 'home/*' })).toBe(true);
    expect(holds({ StringNotLike: { 's3:prefix': 'private/*' } }, { 's3:prefix': 'public/x' })).toBe(true);
    expect(holds({ StringNotLike: { 's3:prefix': 'private/*' } }, { 's3:prefix': 'private/x' })).toBe(false);
  });

  it('condition key names are case-insensitive, values are not', () => {
    expect(holds({ StringEquals: { 'AWS:USERNAME': 'alice' } }, { 'aws:UserName': 'alice' })).toBe(true);
    expect(holds({ StringEquals: { 'aws:username': 'alice' } }, new Map([['AWS:USERNAME', 'alice']]))).toBe(true);
    expect(holds({ StringEquals: { 'aws:username': 'alice' } }, { 'aws:username': 'Alice' })).toBe(false);
  });

  it('Numeric: integers and decimals; the s3:max-keys example', () => {
    const c = { NumericLessThanEquals: { 's3:max-keys': '10' } };
    expect(holds(c, { 's3:max-keys': '10' })).toBe(true);
    expect(holds(c, { 's3:max-keys': '9' })).toBe(true);
    expect(holds(c, { 's3:max-keys': '11' })).toBe(false);
    expect(holds(c, {})).toBe(false);
    expect(holds({ NumericEquals: { n: '1.50' } }, { n: '1.5' })).toBe(true);
    expect(holds({ NumericLessThan: { n: 2.5 } }, { n: '2.4' })).toBe(true);
    expect(holds({ NumericGreaterThan: { n: '-1' } }, { n: '0' })).toBe(true);
    expect(holds({ NumericGreaterThanEquals: { n: '5' } }, { n: '4' })).toBe(false);
    expect(holds({ NumericNotEquals: { n: ['1', '2'] } }, { n: '3' })).toBe(true);
    expect(holds({ NumericNotEquals: { n: ['1', '2'] } }, { n: '2' })).toBe(false);
    // A request value that is not a number matches neither the operator nor its negation.
    expect(holds({ NumericEquals: { n: '1' } }, { n: 'one' })).toBe(false);
    expect(holds({ NumericNotEquals: { n: '1' } }, { n: 'one' })).toBe(false);
  });

  it('Date: ISO 8601 and epoch seconds, on either side', () => {
    const after2020 = { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:01Z' } };
    expect(holds(after2020, { 'aws:CurrentTime': '2020-01-01T00:00:02Z' })).toBe(true);
    expect(holds(after2020, { 'aws:CurrentTime': '2020-01-01T00:00:01Z' })).toBe(false);
    expect(holds(after2020, { 'aws:CurrentTime': '2019-12-31T23:59:59.999Z' })).toBe(false);
    expect(holds({ DateGreaterThanEquals: { 'aws:CurrentTime': '2020-01-01T00:00:01Z' } }, { 'aws:CurrentTime': '2020-01-01T00:00:01Z' })).toBe(true);
    // W3C forms: a date alone, minutes without seconds, zone offsets.
    expect(holds({ DateLessThan: { 'aws:CurrentTime': '2020-01-02' } }, { 'aws:CurrentTime': '2020-01-01T23:59:59Z' })).toBe(true);
    expect(holds({ DateEquals: { 'aws:CurrentTime': '2020-01-01T12:00+02:00' } }, { 'aws:CurrentTime': '2020-01-01T10:00:00Z' })).toBe(true);
    expect(holds({ DateLessThanEquals: { 'aws:CurrentTime': '2020-01' } }, { 'aws:CurrentTime': '2020-01-01T00:00:00Z' })).toBe(true);
    // Digits alone are epoch seconds, as IAM's parser reads them (a value is ISO only with a "-" or a "T").
    expect(holds({ DateLessThan: { 'aws:CurrentTime': '2020' } }, { 'aws:CurrentTime': '1970-01-01T00:33:39Z' })).toBe(true);
    expect(holds({ DateLessThan: { 'aws:CurrentTime': '2020' } }, { 'aws:CurrentTime': '2019-06-01T00:00:00Z' })).toBe(false);
    // Epoch seconds in the policy against ISO in the request, and ISO in the policy against aws:EpochTime.
    expect(holds({ DateLessThan: { 'aws:CurrentTime': '1577836800' } }, { 'aws:CurrentTime': '2019-12-31T23:59:59Z' })).toBe(true);
    expect(holds({ DateGreaterThan: { 'aws:EpochTime': '2020-01-01T00:00:00Z' } }, { 'aws:EpochTime': '1577836801' })).toBe(true);
    expect(holds({ DateNotEquals: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } }, { 'aws:CurrentTime': '2020-01-01T00:00:00Z' })).toBe(false);
    expect(holds({ DateEquals: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } }, { 'aws:CurrentTime': 'yesterday' })).toBe(false);
  });

  // The Bool example: deny S3 when aws:SecureTransport is false.
  it('Bool', () => {
    const p = policy([
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      {
        Sid: 'BooleanExample',
        Action: 's3:*',
        Effect: 'Deny',
        Resource: ['arn:aws:s3:::DOC-EXAMPLE-BUCKET', 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/*'],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/k', { 'aws:SecureTransport': 'false' })).toBe('Deny');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/k', { 'aws:SecureTransport': 'true' })).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::OTHER/k', { 'aws:SecureTransport': 'false' })).toBe('Allow');
    expect(holds({ Bool: { 'aws:MultiFactorAuthPresent': true } }, { 'aws:MultiFactorAuthPresent': 'true' })).toBe(true);
    expect(holds({ Bool: { 'aws:MultiFactorAuthPresent': 'True' } }, { 'aws:MultiFactorAuthPresent': 'true' })).toBe(true);
    expect(holds({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }, {})).toBe(false);
  });

  it('BinaryEquals compares bytes against base64', () => {
    const c = { BinaryEquals: { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' } };
    expect(holds(c, { key: Buffer.from('BinaryValueInBase64').toString('base64') })).toBe(true);
    expect(holds(c, { key: Buffer.from('OtherValue').toString('base64') })).toBe(false);
    expect(holds(c, { key: '***' })).toBe(false);
  });

  it('IpAddress and NotIpAddress: IPv4 and IPv6 CIDR, a bare address is /32', () => {
    const c = { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:DB8:1234:5678::/64', '198.51.100.7'] } };
    expect(holds(c, { 'aws:SourceIp': '203.0.113.255' })).toBe(true);
    expect(holds(c, { 'aws:SourceIp': '203.0.114.0' })).toBe(false);
    expect(holds(c, { 'aws:SourceIp': '2001:db8:1234:5678:ffff::1' })).toBe(true);
    expect(holds(c, { 'aws:SourceIp': '2001:db8:1234:5679::1' })).toBe(false);
    expect(holds(c, { 'aws:SourceIp': '198.51.100.7' })).toBe(true);
    expect(holds(c, { 'aws:SourceIp': '198.51.100.8' })).toBe(false);
    expect(holds(c, { 'aws:SourceIp': '::ffff:203.0.113.9' })).toBe(true);
    expect(holds(c, { 'aws:SourceIp': 'not-an-ip' })).toBe(false);
    expect(holds({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '192.0.2.1' })).toBe(true);
    expect(holds({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': '203.0.113.1' })).toBe(false);
    expect(holds({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { 'aws:SourceIp': 'garbage' })).toBe(false);
  });

  // "Each of the six colon-delimited components of the ARN is checked separately"; ArnEquals and ArnLike "behave
  // identically"; the documented arn:aws:someservice example matches with StringLike but not with ArnLike.
  it('Arn operators match per component', () => {
    const value = 'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt';
    const pattern = 'arn:aws:someservice:*:111122223333:finance/*';
    expect(holds({ StringLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': value })).toBe(true);
    expect(holds({ ArnLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': value })).toBe(false);
    expect(holds({ ArnNotLike: { 'aws:SourceArn': pattern } }, { 'aws:SourceArn': value })).toBe(true);
    const topic = 'arn:aws:sns:us-east-1:123456789012:TOPIC-ID';
    for (const op of ['ArnEquals', 'ArnLike']) {
      expect(holds({ [op]: { 'aws:SourceArn': 'arn:aws:sns:*:123456789012:TOPIC-*' } }, { 'aws:SourceArn': topic })).toBe(true);
      expect(holds({ [op]: { 'aws:SourceArn': 'arn:aws:sns:*:123456789012:topic-*' } }, { 'aws:SourceArn': topic })).toBe(false);
    }
    expect(holds({ ArnNotEquals: { 'aws:SourceArn': topic } }, { 'aws:SourceArn': topic })).toBe(false);
    expect(holds({ ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::b/*' } }, { 'aws:SourceArn': 'arn:aws:s3:::b/k:with:colons' })).toBe(true);
    expect(
      holds(
        { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::${aws:PrincipalAccount}:user/*' } },
        { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/u', 'aws:PrincipalAccount': '123456789012' },
      ),
    ).toBe(true);
  });

  it('a missing key: false for an operator, true for a negated one ("If the policy condition requires that the key is not matched")', () => {
    expect(holds({ StringEquals: { 'aws:PrincipalTag/dept': 'x' } }, {})).toBe(false);
    expect(holds({ StringNotLike: { 'aws:PrincipalTag/dept': 'x' } }, {})).toBe(true);
    expect(holds({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:sns:*:*:*' } }, {})).toBe(true);
    expect(holds({ NumericLessThan: { 's3:max-keys': '5' } }, {})).toBe(false);
    expect(holds({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, {})).toBe(true);
  });

  it('several values of one key: OR; for a negated operator: NOR', () => {
    expect(holds({ StringEquals: { 'aws:PrincipalTag/role': ['audit', 'security'] } }, { 'aws:PrincipalTag/role': 'security' })).toBe(true);
    expect(holds({ StringEquals: { 'aws:PrincipalTag/role': ['audit', 'security'] } }, { 'aws:PrincipalTag/role': 'dev' })).toBe(false);
    expect(holds({ StringNotEquals: { 'aws:PrincipalTag/role': ['audit', 'security'] } }, { 'aws:PrincipalTag/role': 'audit' })).toBe(false);
    expect(holds({ StringNotEquals: { 'aws:PrincipalTag/role': ['audit', 'security'] } }, { 'aws:PrincipalTag/role': 'dev' })).toBe(true);
  });

  // reference_policies_condition-logic-multiple-context-keys-or-values: operators AND, keys within one operator AND.
  it('several operators, and several keys in one operator: all must hold', () => {
    const c = { StringEquals: { 'aws:username': 'alice', 's3:prefix': 'home/' }, Bool: { 'aws:SecureTransport': 'true' } };
    expect(holds(c, { 'aws:username': 'alice', 's3:prefix': 'home/', 'aws:SecureTransport': 'true' })).toBe(true);
    expect(holds(c, { 'aws:username': 'alice', 's3:prefix': 'home/', 'aws:SecureTransport': 'false' })).toBe(false);
    expect(holds(c, { 'aws:username': 'alice', 's3:prefix': 'other/', 'aws:SecureTransport': 'true' })).toBe(false);
  });

  // The ...IfExists example: StringLikeIfExists ec2:InstanceType.
  it('...IfExists: a missing key holds; a present one is compared', () => {
    const c = { StringLikeIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } };
    expect(holds(c, {})).toBe(true);
    expect(holds(c, { 'ec2:InstanceType': 't2.micro' })).toBe(true);
    expect(holds(c, { 'ec2:InstanceType': 'c5.large' })).toBe(false);
    expect(holds({ StringNotEqualsIfExists: { 's3:x-amz-storage-class': 'GLACIER' } }, {})).toBe(true);
    expect(holds({ StringNotEqualsIfExists: { 's3:x-amz-storage-class': 'GLACIER' } }, { 's3:x-amz-storage-class': 'GLACIER' })).toBe(false);
    expect(holds({ NumericLessThanEqualsIfExists: { 's3:max-keys': '10' } }, { 's3:max-keys': '100' })).toBe(false);
  });

  // "Use a Null condition operator to check if a condition key is absent": true = absent, false = present.
  it('Null', () => {
    expect(holds({ Null: { 'aws:TokenIssueTime': 'true' } }, {})).toBe(true);
    expect(holds({ Null: { 'aws:TokenIssueTime': 'true' } }, { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' })).toBe(false);
    expect(holds({ Null: { 's3:x-amz-server-side-encryption': 'false' } }, { 's3:x-amz-server-side-encryption': 'AES256' })).toBe(true);
    expect(holds({ Null: { 's3:x-amz-server-side-encryption': 'false' } }, {})).toBe(false);
    expect(holds({ Null: { 'aws:TagKeys': 'true' } }, { 'aws:TagKeys': [] })).toBe(true);
    expect(holds({ Null: { 's3:prefix': 'false' } }, { 's3:prefix': '' })).toBe(true);
  });
});

// reference_policies_multi-value-conditions and reference_policies_condition_examples-multi-valued-context-keys.
describe('set operators ForAllValues and ForAnyValue', () => {
  const attrs = 'dynamodb:requestedAttributes';

  it('ForAllValues: every request value must match a policy value; no values at all holds', () => {
    const c = { 'ForAllValues:StringLike': { [attrs]: ['PostDateTime', 'Message', 'Tags'] } };
    expect(holds(c, { [attrs]: ['PostDateTime', 'Message'] })).toBe(true);
    expect(holds(c, { [attrs]: ['PostDateTime', 'UserName'] })).toBe(false);
    expect(holds(c, {})).toBe(true);
    expect(holds(c, { [attrs]: [] })).toBe(true);
    expect(holds(c, { [attrs]: '' })).toBe(true);
    expect(holds(c, { [attrs]: 'Tags' })).toBe(true);
  });

  it('ForAnyValue: some request value must match; no values at all does not', () => {
    const p = policy([
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'dynamodb:PutItem',
        Resource: 'arn:aws:dynamodb:REGION:123456789012:table/Thread',
        Condition: { 'ForAnyValue:StringLike': { [attrs]: ['ID', 'PostDateTime'] } },
      },
    ]);
    const put = (v: string[] | undefined) => judge(p, 'dynamodb:PutItem', 'arn:aws:dynamodb:REGION:123456789012:table/Thread', { [attrs]: v });
    expect(put(['UserName', 'Message', 'PostDateTime'])).toBe('Deny');
    expect(put(['UserName'])).toBe('Allow');
    expect(put(undefined)).toBe('Allow');
    expect(put([])).toBe('Allow');
    expect(holds({ 'ForAnyValue:StringEquals': { k: 'a' } }, { k: '' })).toBe(false);
  });

  // The DenyRestrictedTags table: "ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}.
  it('ForAllValues with a negated operator: every request value must match no policy value', () => {
    const c = { 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'key1*' } };
    expect(holds(c, { 'aws:TagKeys': ['key1:legal'] })).toBe(false);
    expect(holds(c, { 'aws:TagKeys': ['key1:hr', 'key1:personnel'] })).toBe(false);
    expect(holds(c, { 'aws:TagKeys': ['key2:audit'] })).toBe(true);
    expect(holds(c, {})).toBe(true);
    expect(holds(c, { 'aws:TagKeys': ['key2:audit', 'key1:x'] })).toBe(false);
  });

  it('ForAnyValue with a negated operator: some request value matches no policy value', () => {
    const c = { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } };
    expect(holds(c, { 'aws:TagKeys': ['a', 'c'] })).toBe(true);
    expect(holds(c, { 'aws:TagKeys': ['a', 'b'] })).toBe(false);
    expect(holds(c, {})).toBe(false);
  });

  it('IfExists with a set operator: a missing key holds', () => {
    expect(holds({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'a' } }, {})).toBe(true);
    expect(holds({ 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': 'a' } }, { 'aws:TagKeys': ['b'] })).toBe(false);
  });

  it('a multivalued key without a set operator: any value matches; negated: none may', () => {
    expect(holds({ StringEquals: { 'aws:TagKeys': 'a' } }, { 'aws:TagKeys': ['b', 'a'] })).toBe(true);
    expect(holds({ StringNotEquals: { 'aws:TagKeys': 'a' } }, { 'aws:TagKeys': ['b', 'a'] })).toBe(false);
    expect(holds({ StringNotEquals: { 'aws:TagKeys': 'a' } }, { 'aws:TagKeys': ['b', 'c'] })).toBe(true);
  });
});

// reference_policies_evaluation-logic: "An explicit deny in any policy overrides any allows"; no applicable statement is
// an implicit deny (undefined here, for the caller to combine with other policy types).
describe('decisions', () => {
  const allowAll = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
  const denyDelete = policy({ Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::b/*' });

  it('explicit Deny wins over Allow, in any policy and any order', () => {
    expect(judge([allowAll, denyDelete], 's3:DeleteObject', 'arn:aws:s3:::b/k')).toBe('Deny');
    expect(judge([denyDelete, allowAll], 's3:DeleteObject', 'arn:aws:s3:::b/k')).toBe('Deny');
    expect(judge([allowAll, denyDelete], 's3:DeleteObject', 'arn:aws:s3:::c/k')).toBe('Allow');
    expect(judge([allowAll, denyDelete], 's3:GetObject', 'arn:aws:s3:::b/k')).toBe('Allow');
    expect(judge(combinePolicies([allowAll, denyDelete]), 's3:DeleteObject', 'arn:aws:s3:::b/k')).toBe('Deny');
  });

  it('a Deny whose condition does not hold does not apply', () => {
    const denyInsecure = policy({ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(judge([allowAll, denyInsecure], 's3:GetObject', 'arn:aws:s3:::b/k', { 'aws:SecureTransport': 'true' })).toBe('Allow');
    expect(judge([allowAll, denyInsecure], 's3:GetObject', 'arn:aws:s3:::b/k', { 'aws:SecureTransport': 'false' })).toBe('Deny');
  });

  it('nothing applicable is undefined', () => {
    expect(judge([denyDelete], 's3:GetObject', 'arn:aws:s3:::b/k')).toBeUndefined();
    expect(judge([], 's3:GetObject', 'arn:aws:s3:::b/k')).toBeUndefined();
    expect(judge([allowAll], 'iam:CreateUser', '*')).toBeUndefined();
  });

  // A role session's permissions are the intersection of the role's policies and the session policy.
  it('intersectDecisions: Deny if any denies, Allow only if all allow', () => {
    expect(intersectDecisions('Allow', 'Allow')).toBe('Allow');
    expect(intersectDecisions('Allow', undefined)).toBeUndefined();
    expect(intersectDecisions(undefined, 'Allow')).toBeUndefined();
    expect(intersectDecisions('Allow', 'Deny')).toBe('Deny');
    expect(intersectDecisions(undefined, 'Deny')).toBe('Deny');
    expect(intersectDecisions()).toBeUndefined();
    const role = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
    const sessionPolicy = policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' });
    const req = { action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' };
    expect(intersectDecisions(evaluate([role], req), evaluate([sessionPolicy], req))).toBeUndefined();
    const get = { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };
    expect(intersectDecisions(evaluate([role], get), evaluate([sessionPolicy], get))).toBe('Allow');
  });

  it('applicableStatements explains a decision', () => {
    const p = policy([
      { Sid: 'A', Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Sid: 'B', Effect: 'Deny', Action: 's3:Delete*', Resource: '*' },
      { Sid: 'C', Effect: 'Allow', Action: 'iam:*', Resource: '*' },
    ]);
    expect(applicableStatements([p], { action: 's3:DeleteObject', resource: 'arn:aws:s3:::b/k' }).map((s) => s.sid)).toEqual(['A', 'B']);
  });
});

// reference_policies_condition-keys: the global keys' value formats (aws:CurrentTime ISO 8601, aws:EpochTime epoch
// seconds usable with Date and Numeric operators, Bool keys "true"/"false"), and keys a request lacks left out.
describe('request context', () => {
  const now = Date.UTC(2024, 4, 3, 12, 15, 30, 450);
  const g = globalContext({
    sourceIp: '203.0.113.7',
    secureTransport: false,
    now,
    userAgent: 'aws-cli/2.15',
    username: 'alice',
    userid: 'AIDAEXAMPLE',
    principalArn: 'arn:aws:iam::123456789012:user/alice',
    principalAccount: '123456789012',
    principalType: 'User',
  });

  it('formats each global key', () => {
    expect(g('aws:currenttime')).toBe('2024-05-03T12:15:30Z');
    expect(g('aws:epochtime')).toBe(String(Math.floor(now / 1000)));
    expect(g('aws:securetransport')).toBe('false');
    expect(g('aws:referer')).toBeUndefined();
    expect(g('aws:multifactorauthpresent')).toBeUndefined();
    expect(globalContext({ secureTransport: true, now, multiFactorAuthPresent: false })('aws:multifactorauthpresent')).toBe('false');
  });

  it('drives conditions', () => {
    expect(holds({ DateLessThan: { 'aws:CurrentTime': '2024-05-03T12:15:31Z' }, DateGreaterThan: { 'aws:CurrentTime': '2024-05-03' } }, g)).toBe(true);
    expect(holds({ NumericGreaterThanEquals: { 'aws:EpochTime': String(Math.floor(now / 1000)) } }, g)).toBe(true);
    expect(holds({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, g)).toBe(true);
    expect(holds({ Bool: { 'aws:SecureTransport': 'true' } }, g)).toBe(false);
    expect(holds({ StringLike: { 'aws:UserAgent': 'aws-cli/*' } }, g)).toBe(true);
    expect(holds({ StringEquals: { 'aws:PrincipalType': 'User', 'aws:PrincipalAccount': '123456789012' } }, g)).toBe(true);
    expect(holds({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/al*' } }, g)).toBe(true);
    expect(holds({ Null: { 'aws:MultiFactorAuthPresent': 'true' } }, g)).toBe(true);
    expect(holds({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }, g)).toBe(true);
  });

  it("an operation's keys layered over the request's", () => {
    const ctx = layeredLookup(contextLookup({ 's3:prefix': 'home/', 's3:VersionId': 'v1', 'aws:username': 'mallory' }), g);
    expect(ctx('s3:versionid')).toBe('v1');
    expect(ctx('aws:sourceip')).toBe('203.0.113.7');
    expect(ctx('aws:username')).toBe('mallory');
    expect(holds({ StringEquals: { 's3:prefix': 'home/', 's3:VersionId': 'v1' } }, ctx)).toBe(true);
  });

  it('a record is read only when a condition asks', () => {
    let reads = 0;
    const record = {
      get 's3:prefix'() {
        reads++;
        return 'x';
      },
    };
    expect(judge(policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' }), 's3:ListBucket', 'arn:aws:s3:::b', record)).toBe('Allow');
    expect(reads).toBe(0);
    expect(holds({ StringEquals: { 's3:prefix': 'x' } }, record)).toBe(true);
    expect(reads).toBe(1);
  });
});

// reference_policies_elements_principal: "*" and {"AWS": "*"} are everyone including anonymous; an account id or its root
// ARN stands for the account; a role ARN for its sessions; NotPrincipal for everyone else.
describe('Principal and NotPrincipal (resource policies)', () => {
  const account = '123456789012';
  const alice: RequestPrincipal = { accountId: account, arn: `arn:aws:iam::${account}:user/alice`, canonicalUserId: 'A'.repeat(64) };
  const bob: RequestPrincipal = { accountId: account, arn: `arn:aws:iam::${account}:user/bob` };
  const session: RequestPrincipal = {
    accountId: account,
    arn: `arn:aws:sts::${account}:assumed-role/reader/s1`,
    roleArn: `arn:aws:iam::${account}:role/reader`,
  };
  const stranger: RequestPrincipal = { accountId: '999999999999', arn: 'arn:aws:iam::999999999999:user/eve' };
  const anonymous = undefined;
  const bucket = (principal: unknown, effect = 'Allow', element = 'Principal') =>
    policy({ Effect: effect, [element]: principal, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }, { kind: 'resource' });
  const get = (p: CompiledPolicy, who: RequestPrincipal | undefined) => judge(p, 's3:GetObject', 'arn:aws:s3:::b/k', {}, who);

  it('everyone', () => {
    for (const p of [bucket('*'), bucket({ AWS: '*' })]) {
      expect(get(p, anonymous)).toBe('Allow');
      expect(get(p, stranger)).toBe('Allow');
    }
  });

  it('an account, by id or root ARN', () => {
    for (const p of [bucket({ AWS: account }), bucket({ AWS: `arn:aws:iam::${account}:root` })]) {
      expect(get(p, alice)).toBe('Allow');
      expect(get(p, session)).toBe('Allow');
      expect(get(p, stranger)).toBeUndefined();
      expect(get(p, anonymous)).toBeUndefined();
    }
  });

  it('a user, a role (and its sessions), a session, a canonical user, a service', () => {
    const user = bucket({ AWS: `arn:aws:iam::${account}:user/alice` });
    expect(get(user, alice)).toBe('Allow');
    expect(get(user, bob)).toBeUndefined();
    const role = bucket({ AWS: [`arn:aws:iam::${account}:role/reader`] });
    expect(get(role, session)).toBe('Allow');
    expect(get(role, alice)).toBeUndefined();
    expect(get(bucket({ AWS: `arn:aws:sts::${account}:assumed-role/reader/s1` }), session)).toBe('Allow');
    expect(get(bucket({ CanonicalUser: 'a'.repeat(64) }), alice)).toBe('Allow');
    expect(get(bucket({ CanonicalUser: 'b'.repeat(64) }), alice)).toBeUndefined();
    const service = bucket({ Service: 'logging.s3.amazonaws.com' });
    expect(get(service, { service: 'logging.s3.amazonaws.com' })).toBe('Allow');
    expect(get(service, alice)).toBeUndefined();
  });

  it('NotPrincipal: everyone but those named', () => {
    const p = policy(
      [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
        { Effect: 'Deny', NotPrincipal: { AWS: [`arn:aws:iam::${account}:user/alice`] }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
      ],
      { kind: 'resource' },
    );
    expect(get(p, alice)).toBe('Allow');
    expect(get(p, bob)).toBe('Deny');
    expect(get(p, anonymous)).toBe('Deny');
    expect(principalMatches(p.deny[0]!, bob)).toBe(true);
    expect(principalMatches(p.deny[0]!, alice)).toBe(false);
  });

  it('identity statements (no Principal) cover every caller', () => {
    const p = policy({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
    expect(principalMatches(p.allow[0]!, anonymous)).toBe(true);
  });
});

describe('matching engine', () => {
  it.each([
    // [pattern, mode, subject, matches]
    ['*', 'arn', 'anything:at:all', true],
    ['', 'string', '', true],
    ['', 'string', 'x', false],
    ['s3:Get*', 'action', 's3:getobject', true],
    ['a?c', 'string', 'abc', true],
    ['a?c', 'string', 'ac', false],
    ['*a*b*', 'string', 'xxaxxbxx', true],
    ['*a*b*', 'string', 'xxbxxaxx', false],
    ['arn:aws:s3:::b/*', 'resource', 'arn:aws:s3:::b/', true],
    ['arn:aws:s3:::b/*/x', 'resource', 'arn:aws:s3:::b/1/2/x', true],
    ['arn:aws:iam::*:user/*', 'resource', 'arn:aws:iam::123456789012:user/u', true],
    ['arn:aws:iam::*:user/*', 'arn', 'arn:aws:iam::123456789012:user/u', true],
    ['arn:aws:iam::1*2:user/u', 'resource', 'arn:aws:iam::1:x:2:user/u', false],
    ['arn:aws:iam::1*', 'resource', 'arn:aws:iam::1:x:2:user/u', true],
    ['arn:aws:iam::1*', 'arn', 'arn:aws:iam::1:x:2:user/u', false],
    ['arn:aws:sns:*:*:t', 'arn', 'arn:aws:sns:us-east-1:123:t', true],
    ['arn:aws:sns:*:*:t', 'arn', 'arn:aws:sns:us-east-1:123:x:t', false],
    ['arn:aws:s3:::b/?', 'arn', 'arn:aws:s3:::b/:', true],
  ] as const)('%s (%s) against %s: %s', (pattern, mode, subject, matches) => {
    expect(compileGlob(pattern, mode).test(subject)).toBe(matches);
  });

  it('text that is not a variable stays literal', () => {
    const p = policy({
      Effect: 'Allow',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::b/${aws:username', 'arn:aws:s3:::c/${}', "arn:aws:s3:::d/${aws:username, 'x}"],
    });
    const context = { 'aws:username': 'alice' };
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::b/${aws:username', context)).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::c/${}', context)).toBe('Allow');
    expect(judge(p, 's3:GetObject', "arn:aws:s3:::d/${aws:username, 'x}", context)).toBe('Allow');
    expect(judge(p, 's3:GetObject', 'arn:aws:s3:::d/alice', context)).toBeUndefined();
    const quoted = policy({ Effect: 'Allow', Action: 's3:*', Resource: "arn:aws:s3:::e/${aws:PrincipalTag/t, 'it''s'}" });
    expect(judge(quoted, 's3:GetObject', "arn:aws:s3:::e/it's", {})).toBe('Allow');
  });

  it('a pathological pattern costs linear time, not exponential', () => {
    const m = compileGlob(`${'a*'.repeat(30)}b`, 'string');
    const start = process.hrtime.bigint();
    expect(m.test('a'.repeat(2000))).toBe(false);
    expect(m.test(`${'a'.repeat(2000)}b`)).toBe(true);
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(500);
  });

  it('judging 3 policies of 5 statements takes microseconds', () => {
    const p1 = policy([
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: 'arn:aws:s3:::photos/*' },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::photos', Condition: { StringLike: { 's3:prefix': ['home/${aws:username}/*'] } } },
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::photos/archive/*' },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::photos/home/${aws:username}/*' },
      { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ]);
    const p2 = policy([
      { Effect: 'Allow', Action: 'iam:Get*', Resource: 'arn:aws:iam::123456789012:user/${aws:username}' },
      { Effect: 'Allow', Action: 's3:List*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:PutBucketPolicy', Resource: '*' },
      { Effect: 'Allow', Action: 's3:GetBucket*', Resource: 'arn:aws:s3:::*' },
      { Effect: 'Deny', NotAction: 's3:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
    ]);
    const p3 = policy([
      { Effect: 'Allow', Action: 's3:GetObject*', Resource: ['arn:aws:s3:::logs/*', 'arn:aws:s3:::backups/*'] },
      { Effect: 'Allow', Action: 's3:*Object', Resource: 'arn:aws:s3:::scratch/*' },
      { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::logs/secret/*' },
      { Effect: 'Allow', Action: 's3:AbortMultipartUpload', Resource: '*' },
      { Effect: 'Allow', Action: 's3:ListMultipartUploadParts', Resource: '*' },
    ]);
    const policies = [p1, p2, p3];
    const context = (k: string) => (k === 'aws:securetransport' ? 'true' : k === 'aws:sourceip' ? '10.1.2.3' : k === 'aws:username' ? 'alice' : undefined);
    const request = { action: 's3:GetObject', resource: 'arn:aws:s3:::backups/2024/01/db.tar', context };
    expect(evaluate(policies, request)).toBe('Allow');
    for (let i = 0; i < 20_000; i++) evaluate(policies, request);
    const n = 100_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) evaluate(policies, request);
    const micros = Number(process.hrtime.bigint() - start) / 1e3 / n;
    // A few microseconds on an idle core; the bound leaves room for a loaded, shared machine.
    expect(micros).toBeLessThan(25);
  });
});

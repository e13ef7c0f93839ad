import { describe, expect, it } from 'vitest';
import { POLICY_LIMITS, PolicyError, policySize, validatePolicy, type PolicyKind, type PolicyLimits } from '../../src/auth/policy/index.js';

const doc = (statement: unknown, extra: Record<string, unknown> = { Version: '2012-10-17' }): string => JSON.stringify({ ...extra, Statement: statement });
const ok = { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::example_bucket' };

function refusal(json: string, kind: PolicyKind = 'identity', limits?: PolicyLimits): { code: string; message: string } {
  try {
    validatePolicy(json, kind, limits);
  } catch (e) {
    if (e instanceof PolicyError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error(`accepted: ${json}`);
}
const message = (json: string, kind?: PolicyKind, limits?: PolicyLimits): string => refusal(json, kind, limits).message;

// The cases and answers below are IAM's (CreatePolicy / PutUserPolicy), as recorded by moto's AWS-validated
// tests/test_iam/test_iam_policies.py; reference_policies_grammar for the grammar itself.
describe('validatePolicy: IAM identity policies', () => {
  describe('"Syntax errors in policy." for what the grammar rejects', () => {
    const cases: [string, string][] = [
      ['not JSON', 'This is not a json document'],
      ['JSON that is not an object', '["Version"]'],
      [
        'a repeated key (the grammar forbids two Effect blocks)',
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Deny","Action":"s3:*","Resource":"*"}}',
      ],
      ['an unknown Version', doc(ok, { Version: '2013-10-17' })],
      ['no Statement', JSON.stringify({ Version: '2012-10-17' })],
      ['an empty Statement array', doc([])],
      ['a statement that is not an object', doc(['afd'])],
      ['an unknown top-level element', doc(ok, { Version: '2012-10-17', 'Extra field': 'value' })],
      ['an unknown statement element', doc({ ...ok, 'Extra field': 'value' })],
      ['an Id that is not a string', doc(ok, { Version: '2012-10-17', Id: ['x'] })],
      ['a Sid that is not a string', doc({ ...ok, Sid: {} })],
      ['a bad Effect', doc({ ...ok, Effect: 'invalid' })],
      ['no Effect', doc({ Action: 's3:ListBucket', Resource: 'arn:aws:s3:::example_bucket' })],
      ['Action and NotAction', doc({ ...ok, NotAction: 'iam:dsf' })],
      ['Resource and NotResource', doc({ ...ok, NotResource: '*' })],
      ['an Action object', doc({ ...ok, Action: {} })],
      ['a nested Action array', doc({ ...ok, Action: [[]] })],
      ['a Resource holding an object', doc({ ...ok, Resource: ['adfdf', {}] })],
      ['a Condition array', doc({ ...ok, Condition: [] })],
      ['a Condition string', doc({ ...ok, Condition: 'a' })],
      ['an operator mapped to a string', doc({ ...ok, Condition: { a: 'b' } })],
      ['a condition key mapped to an object', doc({ ...ok, Condition: { DateGreaterThan: { a: {} } } })],
      ['an unknown condition operator', doc({ ...ok, Condition: { StringEqual: { 'aws:username': 'bob' } } })],
      ['a doubled qualifier colon', doc({ ...ok, Condition: { 'ForAnyValue::StringEqualsIfExists': { a: 'asf' } } })],
      ['NullIfExists (IfExists is for every operator but Null)', doc({ ...ok, Condition: { NullIfExists: { 'aws:TokenIssueTime': 'true' } } })],
      ['a null condition value', doc({ ...ok, Condition: { StringEquals: { 'aws:username': null } } })],
      ['a number that is not one', doc({ ...ok, Condition: { NumericLessThan: { 's3:max-keys': 'ten' } } })],
      ['an address that is not one', doc({ ...ok, Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/33' } } })],
      ['JSON nested deeper than any policy needs (no stack overflow)', `{"Version":"2012-10-17","Statement":${'['.repeat(100_000)}`],
      ['BinaryEquals with something that is not base64', doc({ ...ok, Condition: { BinaryEquals: { k: 'not base64!' } } })],
    ];
    it.each(cases)('%s', (_name, json) => {
      const r = refusal(json);
      expect(r.code).toBe('MalformedPolicyDocument');
      // IAM's words first (clients that match on them still do), then what is wrong.
      expect(r.message).toMatch(/^Syntax errors in policy\.( \(.+\))?$/);
    });
    it.each([
      ['an unknown Version', doc(ok, { Version: '2013-10-17' }), '(unknown Version "2013-10-17": use "2012-10-17")'],
      ['a bad Effect', doc({ ...ok, Effect: 'invalid' }), '(statement 1: Effect must be "Allow" or "Deny", not "invalid")'],
      ['no Effect', doc([ok, { Action: 's3:ListBucket', Resource: '*' }]), '(statement 2: Effect must be "Allow" or "Deny", not missing)'],
      [
        'an unknown condition operator',
        doc({ ...ok, Condition: { StringEqual: { 'aws:username': 'bob' } } }),
        '(statement 1: unknown Condition operator "StringEqual")',
      ],
      ['Action and NotAction', doc({ ...ok, NotAction: 'iam:dsf' }), '(statement 1: Action and NotAction cannot both be given)'],
      ['an unknown element', doc({ ...ok, Effects: 'Allow' }), '(statement 1: unknown element "Effects")'],
      [
        'a bad number',
        doc({ ...ok, Condition: { NumericLessThan: { 's3:max-keys': 'ten' } } }),
        '(statement 1: "ten" is not a valid value for NumericLessThan)',
      ],
    ])('names what is wrong: %s', (_name, json, detail) => {
      expect(refusal(json).message).toBe(`Syntax errors in policy. ${detail}`);
    });
  });

  describe('"The policy failed legacy parsing"', () => {
    const cases: [string, string][] = [
      ['an Effect cased wrongly', doc({ ...ok, Effect: 'denY' })],
      ['an unreadable date', doc({ ...ok, Condition: { DateGreaterThan: { 'aws:CurrentTime': 'sdfdsf' } } })],
      ['a month 13', doc({ ...ok, Condition: { DateLessThanEquals: { 'aws:CurrentTime': '234-13' } } })],
      ['an epoch beyond 64 bits', doc({ ...ok, Condition: { DateLessThan: { 'aws:EpochTime': '9223372036854775808' } } })],
      ['an S3 ARN short of a part', doc({ ...ok, Resource: 'arn:aws:s3::example_bucket' })],
      ['an ARN with no vendor', doc({ ...ok, Resource: 'arn:aws::fdsasf' })],
      ['the date is checked before the resource', doc({ ...ok, Resource: 'arn:error:s3:::example_bucket', Condition: { DateGreaterThan: { a: 'x' } } })],
      ['before the missing Action is noticed', doc({ Effect: 'Allow', Resource: 'arn:aws:s3::example_bucket' })],
    ];
    it.each(cases)('%s', (_name, json) => {
      expect(refusal(json)).toEqual({ code: 'MalformedPolicyDocument', message: 'The policy failed legacy parsing' });
    });
  });

  it('managed policies must be Version 2012-10-17; inline policies may be older', () => {
    const v = 'Policy document must be version 2012-10-17 or greater.';
    expect(message(doc(ok, {}), 'identity', POLICY_LIMITS.managed())).toBe(v);
    expect(message(doc(ok, { Version: '2008-10-17' }), 'identity', POLICY_LIMITS.managed())).toBe(v);
    // Checked before the legacy parse and the statement checks.
    expect(message(doc({ ...ok, Effect: 'denY' }, {}), 'identity', POLICY_LIMITS.managed())).toBe(v);
    expect(validatePolicy(doc(ok, {}), 'identity', POLICY_LIMITS.user('bob')).version).toBeUndefined();
    expect(validatePolicy(doc(ok, { Version: '2008-10-17' }), 'identity').version).toBe('2008-10-17');
  });

  it('statement checks, in IAM order', () => {
    expect(
      message(
        doc([
          { ...ok, Sid: 'sdf' },
          { Sid: 'sdf', Effect: 'Allow' },
        ]),
      ),
    ).toBe('Statement IDs (SID) in a single policy must be unique.');
    expect(message(doc({ ...ok, Sid: 'has space' }))).toBe(
      'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
    );
    expect(message(doc({ Effect: 'Allow', Resource: 'arn:aws:s3:::example_bucket' }))).toBe('Policy statement must contain actions.');
    expect(message(doc({ Effect: 'Allow' }))).toBe('Policy statement must contain actions.');
    expect(message(doc({ ...ok, Action: [] }))).toBe('Policy statement must contain actions.');
    expect(message(doc([{ Effect: 'Deny' }, ok]))).toBe('Policy statement must contain actions.');
    expect(message(doc({ Effect: 'Allow', Action: 's3:ListBucket' }))).toBe('Policy statement must contain resources.');
    expect(message(doc({ ...ok, Resource: [] }))).toBe('Policy statement must contain resources.');
    // Missing resources are reported before a malformed action.
    expect(message(doc({ Effect: 'Allow', Action: 'invalid' }))).toBe('Policy statement must contain resources.');
  });

  it('an action that names no service', () => {
    expect(message(doc({ ...ok, Action: 'invalid' }))).toBe('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    expect(message(doc({ ...ok, Action: undefined, NotAction: '' }))).toBe('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
    expect(message(doc({ ...ok, Action: 'a a:ListBucket' }))).toBe('Vendor a a is not valid');
    expect(message(doc({ ...ok, Action: 's3:List:Bucket' }))).toBe('Actions/Condition can contain only one colon.');
    expect(
      message(
        doc([
          { ...ok, Action: 's3s:ListBucket' },
          { ...ok, Action: 's:3s:ListBucket' },
        ]),
      ),
    ).toBe('Actions/Condition can contain only one colon.');
  });

  it('resources that are not ARNs', () => {
    expect(message(doc({ ...ok, Resource: 'invalid resource' }))).toBe('Resource invalid resource must be in ARN format or "*".');
    expect(message(doc({ ...ok, Resource: '' }))).toBe('Resource  must be in ARN format or "*".');
    expect(message(doc({ ...ok, Resource: ['adf'] }))).toBe('Resource adf must be in ARN format or "*".');
    expect(message(doc({ ...ok, Action: undefined, NotAction: 's3s:ListBucket', Resource: 'a:bsdfdsafsad' }))).toBe(
      'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".',
    );
    expect(message(doc({ ...ok, Resource: 'a:b:cadfsdf' }))).toBe('Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".');
    expect(message(doc({ ...ok, Resource: 'a:b:c:d:e:f:g:h' }))).toBe('Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".');
    expect(message(doc({ ...ok, Resource: 'aws:s3:::example_bucket' }))).toBe('Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".');
    // Of several, the last problem found in reverse-sorted order is reported (and hides the legacy failure of the other).
    expect(message(doc({ ...ok, Resource: ['arn:error:s3:::example_bucket', 'arn:error:s3::example_bucket'] }))).toBe(
      'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".',
    );
    expect(message(doc({ ...ok, Resource: 'arn:aws' }))).toBe('Resource vendor must be fully qualified and cannot contain regexes.');
    expect(message(doc({ ...ok, Resource: 'arn:aws:s3*:::b' }))).toBe('Resource vendor must be fully qualified and cannot contain regexes.');
    expect(message(doc({ ...ok, Resource: 'arn:aws:s3:us-east-1::example_bucket' }))).toBe(
      'Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.',
    );
    expect(message(doc({ ...ok, Resource: 'arn:aws:iam:us-east-1::example_bucket' }))).toBe(
      'IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.',
    );
    expect(message(doc({ ...ok, Resource: 'arn:aws:iam:::example_bucket' }))).toBe(
      'IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.',
    );
  });

  it('identity policies must not name a principal', () => {
    expect(refusal(doc({ ...ok, Principal: { AWS: '*' } }))).toEqual({
      code: 'MalformedPolicyDocument',
      message: 'Policy document should not specify a principal.',
    });
    expect(message(doc({ ...ok, NotPrincipal: '*' }), 'session')).toBe('Policy document should not specify a principal.');
  });

  it('size: non-whitespace characters against the quota, answered LimitExceeded', () => {
    // White space does not count: this document is longer than 2048 characters but smaller than the user quota.
    const padded = JSON.stringify({ Version: '2012-10-17', Statement: { ...ok, Sid: 'x'.repeat(1900) } }, null, 8);
    expect(policySize(padded)).toBe(JSON.stringify(JSON.parse(padded)).length);
    expect(padded.length).toBeGreaterThan(2048);
    expect(policySize(padded)).toBeLessThanOrEqual(2048);
    expect(validatePolicy(padded, 'identity', POLICY_LIMITS.user('bob')).statements).toHaveLength(1);
    const over = doc({ ...ok, Sid: 'x'.repeat(2000) });
    expect(refusal(over, 'identity', POLICY_LIMITS.user('bob'))).toEqual({
      code: 'LimitExceeded',
      message: 'Maximum policy size of 2048 bytes exceeded for user bob',
    });
    expect(validatePolicy(over, 'identity', POLICY_LIMITS.group('devs')).statements).toHaveLength(1);
    const big = doc({ ...ok, Sid: 'x'.repeat(6100) });
    expect(refusal(big, 'identity', POLICY_LIMITS.managed())).toEqual({ code: 'LimitExceeded', message: 'Cannot exceed quota for PolicySize: 6144' });
    expect(message(doc({ ...ok, Sid: 'x'.repeat(5100) }), 'identity', POLICY_LIMITS.group('devs'))).toBe(
      'Maximum policy size of 5120 bytes exceeded for group devs',
    );
    expect(message(doc({ ...ok, Sid: 'x'.repeat(10200) }), 'identity', POLICY_LIMITS.role('r'))).toBe('Maximum policy size of 10240 bytes exceeded for role r');
    expect(validatePolicy(doc({ ...ok, Sid: 'x'.repeat(10000) }), 'identity', POLICY_LIMITS.role('r')).statements[0]!.sid).toHaveLength(10000);
  });

  it('accepts what IAM accepts', () => {
    const accepted = [
      doc({ ...ok, Resource: ['arn:aws:s3:::example_bucket'] }),
      doc({ ...ok, Action: 'iam: asdf safdsf af ' }),
      doc({ ...ok, Resource: ['arn:aws:s3:::example_bucket', '*'] }),
      doc({ ...ok, Action: '*' }),
      doc([ok]),
      doc({ Effect: 'Allow', Action: 'service-prefix:action-name', Resource: '*' }),
      doc({ ...ok, Resource: 'arn:aws:iam:::user/example_bucket' }),
      doc({ ...ok, Resource: 'arn:aws:s33:::example_bucket' }),
      doc({ ...ok, Resource: 'arn:aws:fdsasf' }),
      doc({ ...ok, Resource: 'arn:aws:cloudwatch:us-east-1::example_bucket' }),
      doc({ ...ok, Resource: 'arn:aws:invalid-service:us-east-1::example_bucket' }),
      doc({ ...ok, Condition: {} }),
      doc({ ...ok, Condition: { a: {} } }),
      doc({ ...ok, Condition: { DateGreaterThan: {} } }),
      doc({ ...ok, Condition: { DateGreaterThan: { a: [] } } }),
      doc({ ...ok, Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'Department' } } }),
      doc({
        ...ok,
        Condition: { DateGreaterThan: { 'aws:CurrentTime': '2017-07-01T00:00:00Z' }, DateLessThan: { 'aws:CurrentTime': '2017-12-31T23:59:59Z' } },
      }),
      doc({ ...ok, Condition: { NumericLessThanEquals: { 's3:max-keys': 10 }, Bool: { 'aws:SecureTransport': true } } }),
      doc({ ...ok, Sid: 'dsfsdfsdfsdfsdfsadfsd' }),
      doc([
        { ...ok, Sid: '' },
        { ...ok, Sid: '' },
      ]),
      doc(ok, { Version: '2012-10-17', Id: 'cd3ad3d9-2776-4ef1-a904-4c229d1642ee' }),
      doc({ ...ok, Resource: 'arn:aws:s3:::bucket/home/${aws:username}/*' }),
      doc({ ...ok, Resource: 'arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}' }),
      doc({ ...ok, Resource: 'arn:aws:s3:::${aws:username}' }),
    ];
    for (const json of accepted) expect(() => validatePolicy(json, 'identity'), json).not.toThrow();
  });

  it('returns the typed document', () => {
    const d = validatePolicy(
      doc({ ...ok, Sid: 'S1', Action: ['s3:GetObject', 's3:PutObject'], Condition: { 'ForAnyValue:StringLikeIfExists': { 's3:prefix': ['a/*', 7] } } }),
      'identity',
    );
    expect(d).toEqual({
      version: '2012-10-17',
      id: undefined,
      statements: [
        {
          sid: 'S1',
          effect: 'Allow',
          action: ['s3:GetObject', 's3:PutObject'],
          resource: ['arn:aws:s3:::example_bucket'],
          conditions: [
            {
              operator: 'ForAnyValue:StringLikeIfExists',
              base: 'StringLike',
              qualifier: 'ForAnyValue',
              ifExists: true,
              key: 's3:prefix',
              values: ['a/*', '7'],
            },
          ],
        },
      ],
    });
  });
});

// CreateRole / UpdateAssumeRolePolicy (reference_policies_grammar: "The principal_block element is required in ...
// trust policies for IAM roles"); wording as IAM answers it.
describe('validatePolicy: trust policies', () => {
  const trust = { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' };
  it('accepts a trust policy', () => {
    expect(validatePolicy(doc(trust), 'trust', POLICY_LIMITS.trust()).statements[0]!.principal).toEqual({ AWS: ['arn:aws:iam::123456789012:root'] });
  });
  it.each([
    ['invalid JSON', '{invalid', 'This policy contains invalid Json'],
    ['an empty Statement', doc([]), 'Could not parse the policy: Statement is empty!'],
    ['no Principal', doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'Missing required field Principal'],
    ['an empty Principal', doc({ ...trust, Principal: {} }), 'Missing required field Principal cannot be empty!'],
    ['a non-STS action', doc({ ...trust, Action: '*' }), 'AssumeRole policy may only specify STS AssumeRole actions.'],
    ['a Resource', doc({ ...trust, Resource: '*' }), 'Has prohibited field Resource'],
    ['a NotResource', doc({ ...trust, NotResource: '*' }), 'AssumeRole policy must not contain resources.'],
    ['Allow with NotPrincipal', doc({ ...trust, Principal: undefined, NotPrincipal: { AWS: '*' } }), 'Allow with NotPrincipal is not allowed.'],
    ['a malformed principal', doc({ ...trust, Principal: { AWS: 'bob' } }), 'Invalid principal in policy: "AWS":"bob"'],
    [
      'a wildcard inside a principal',
      doc({ ...trust, Principal: { AWS: 'arn:aws:iam::123456789012:user/*' } }),
      'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/*"',
    ],
  ])('%s', (_name, json, msg) => {
    expect(refusal(json, 'trust')).toEqual({ code: 'MalformedPolicyDocument', message: msg });
  });
  it('size against ACLSizePerRole', () => {
    expect(refusal(doc({ ...trust, Sid: 'x'.repeat(2000) }), 'trust', POLICY_LIMITS.trust())).toEqual({
      code: 'LimitExceeded',
      message: 'Cannot exceed quota for ACLSizePerRole: 2048',
    });
  });
});

// PutBucketPolicy answers MalformedPolicy (reference_policies_grammar: the principal block "is required in
// resource-based policies (for example, in Amazon S3 bucket policies)"; Principal forms from
// reference_policies_elements_principal).
describe('validatePolicy: resource (bucket) policies', () => {
  const stmt = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
  it('accepts the Principal forms', () => {
    const principals = [
      '*',
      { AWS: '*' },
      { AWS: '123456789012' },
      { AWS: ['arn:aws:iam::123456789012:root', 'arn:aws:iam::123456789012:user/path/alice', 'arn:aws:iam::123456789012:role/r'] },
      { AWS: 'arn:aws:sts::123456789012:assumed-role/r/session' },
      { CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' },
      { Service: 'logging.s3.amazonaws.com' },
    ];
    for (const Principal of principals) expect(() => validatePolicy(doc({ ...stmt, Principal }), 'resource')).not.toThrow();
    // Bucket policies may have an Id and spaces in a Sid.
    expect(validatePolicy(doc({ ...stmt, Sid: 'Public read' }, { Version: '2012-10-17', Id: 'Policy1' }), 'resource').id).toBe('Policy1');
  });
  it.each([
    ['invalid JSON', '{', 'This policy contains invalid Json'],
    ['no Principal', doc({ ...stmt, Principal: undefined }), 'Missing required field Principal'],
    ['a bad principal', doc({ ...stmt, Principal: { AWS: 'not-an-account' } }), 'Invalid principal in policy'],
    ['an unknown principal type', doc({ ...stmt, Principal: { Nobody: 'x' } }), 'Invalid principal in policy'],
    ['a wildcard service', doc({ ...stmt, Principal: { Service: '*' } }), 'Invalid principal in policy'],
    ['a resource that is not an ARN', doc({ ...stmt, Resource: 'b/*' }), 'Policy has invalid resource'],
    ['an action without a service', doc({ ...stmt, Action: 'GetObject' }), 'Policy has invalid action'],
    ['an unknown element', doc({ ...stmt, Foo: 1 }), 'Invalid policy syntax. (statement 1: unknown element "Foo")'],
  ])('%s', (_name, json, msg) => {
    const r = refusal(json, 'resource');
    expect(r.code).toBe('MalformedPolicy');
    expect(r.message.startsWith(msg)).toBe(true);
  });
});

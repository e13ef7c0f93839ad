import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkPostPolicy, parsePostPolicy, postSignature, readPostSignature, verifyPostSignature, type PostPolicy } from '../../src/auth/postPolicy.js';
import { S3Error } from '../../src/errors/s3error.js';

const b64 = (doc: unknown) => Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc), 'utf8').toString('base64');
const NOW = Date.parse('2024-05-01T12:00:00Z');
const LATER = '2024-05-01T13:00:00.000Z';

function err(f: () => unknown): S3Error {
  try {
    f();
  } catch (e) {
    if (e instanceof S3Error) return e;
    throw e;
  }
  throw new Error('expected an S3Error');
}

function check(policy: PostPolicy, fields: Array<[string, string]>, bucket = 'photos') {
  const values = new Map<string, string>();
  for (const [n, v] of fields) if (!values.has(n.toLowerCase())) values.set(n.toLowerCase(), v);
  return checkPostPolicy(policy, { fields, values, bucket, now: NOW });
}

describe('parsePostPolicy', () => {
  it('reads expiration and the three condition forms', () => {
    const p = parsePostPolicy(
      b64({
        expiration: LATER,
        conditions: [{ bucket: 'photos' }, ['eq', '$Key', 'a.txt'], ['starts-with', '$Content-Type', 'image/'], ['content-length-range', 1, '10']],
      }),
    );
    expect(p.expiration).toBe(Date.parse(LATER));
    expect(p.conditions.map((c) => c.op)).toEqual(['eq', 'eq', 'starts-with', 'content-length-range']);
    expect(p.conditions[1]).toMatchObject({ field: 'key', value: 'a.txt', text: '["eq", "$Key", "a.txt"]' });
    expect(p.conditions[3]).toMatchObject({ min: 1, max: 10 });
  });

  it('accepts an expiration without milliseconds and a base64 value wrapped over lines', () => {
    const text = b64({ expiration: '2024-05-01T13:00:00Z', conditions: [] });
    const p = parsePostPolicy(text.replace(/(.{16})/g, '$1\r\n'));
    expect(p.expiration).toBe(Date.parse('2024-05-01T13:00:00Z'));
  });

  it.each([
    ['not base64', '%%%', 'Invalid Policy: Invalid JSON.'],
    ['not JSON', b64('{nope'), 'Invalid Policy: Invalid JSON.'],
    ['a JSON array', b64([]), 'Invalid Policy: Invalid JSON.'],
    ['no expiration', b64({ conditions: [] }), 'Invalid Policy: Policy missing expiration.'],
    ['a bad expiration', b64({ expiration: 'tomorrow', conditions: [] }), "Invalid Policy: Invalid 'expiration' value: 'tomorrow'"],
    ['no conditions', b64({ expiration: LATER }), 'Invalid Policy: Policy missing conditions.'],
    ['conditions not a list', b64({ expiration: LATER, conditions: {} }), "Invalid Policy: Invalid 'conditions' value: must be a List."],
  ])('InvalidPolicyDocument for %s', (_what, text, message) => {
    const e = err(() => parsePostPolicy(text));
    expect(e.code).toBe('InvalidPolicyDocument');
    expect(e.status).toBe(400);
    expect(e.message).toBe(message);
  });

  it.each([
    [['ends-with', '$key', 'x']],
    [['eq', 'key', 'x']],
    [['eq', '$key']],
    [['eq', '$key', 5]],
    [['content-length-range', -1, 5]],
    [['content-length-range', 1]],
    [{ a: '1', b: '2' }],
    [{ a: ['1'] }],
    ['key'],
  ])('InvalidPolicyDocument for the condition %j', (condition) => {
    expect(err(() => parsePostPolicy(b64({ expiration: LATER, conditions: [condition] }))).code).toBe('InvalidPolicyDocument');
  });
});

describe('checkPostPolicy', () => {
  const policy = (conditions: unknown[], expiration = LATER) => parsePostPolicy(b64({ expiration, conditions }));

  it('passes a form whose every field is covered and every condition holds', () => {
    const p = policy([{ bucket: 'photos' }, ['starts-with', '$key', 'user/'], { 'x-amz-meta-color': 'blue' }, ['content-length-range', 0, 100]]);
    const range = check(p, [
      ['key', 'user/a.png'],
      ['X-Amz-Meta-Color', 'blue'],
      ['bucket', 'photos'],
      ['policy', 'ignored'],
      ['x-amz-signature', 'ignored'],
      ['x-ignore-me', 'anything'],
    ]);
    expect(range).toEqual({ min: 0, max: 100 });
  });

  it('returns undefined without a content-length-range, the intersection with several', () => {
    expect(check(policy([['starts-with', '$key', '']]), [['key', 'k']])).toBeUndefined();
    expect(
      check(
        policy([
          ['content-length-range', 5, 100],
          ['content-length-range', 0, 50],
        ]),
        [],
      ),
    ).toEqual({ min: 5, max: 50 });
  });

  it('AccessDenied once expired', () => {
    const e = err(() => check(policy([], '2024-05-01T11:59:59.000Z'), []));
    expect(e.code).toBe('AccessDenied');
    expect(e.status).toBe(403);
    expect(e.message).toBe('Invalid according to Policy: Policy expired.');
  });

  it('names the fields no condition covers', () => {
    const e = err(() =>
      check(policy([['starts-with', '$key', '']]), [
        ['key', 'k'],
        ['x-amz-meta-a', '1'],
        ['Content-Type', 'x'],
      ]),
    );
    expect(e.code).toBe('AccessDenied');
    expect(e.message).toBe('Invalid according to Policy: Extra input fields: x-amz-meta-a, Content-Type');
  });

  it('a bucket field needs its condition too', () => {
    expect(
      err(() =>
        check(policy([['starts-with', '$key', '']]), [
          ['key', 'k'],
          ['bucket', 'photos'],
        ]),
      ).message,
    ).toBe('Invalid according to Policy: Extra input fields: bucket');
  });

  it('only the signature, policy, file and x-ignore-* fields are exempt: the SigV4 signing fields and every field the upload reads need a condition', () => {
    const p = policy([{ key: 'k' }]);
    for (const name of [
      'x-amz-algorithm',
      'x-amz-credential',
      'x-amz-date',
      'x-amz-security-token',
      'x-amz-storage-class',
      'x-amz-object-lock-mode',
      'x-amz-checksum-sha256',
      'Content-MD5',
      'Cache-Control',
      'success_action_status',
      'acl',
      'tagging',
    ]) {
      expect(
        err(() =>
          check(p, [
            ['key', 'k'],
            [name, 'v'],
          ]),
        ).message,
        name,
      ).toBe(`Invalid according to Policy: Extra input fields: ${name}`);
    }
    expect(
      check(p, [
        ['key', 'k'],
        ['X-Amz-Signature', 's'],
        ['file', 'f'],
        ['X-Ignore-Anything', 'x'],
      ]),
    ).toBeUndefined();
  });

  it('SigV2 form fields need no condition', () => {
    expect(
      check(policy([{ key: 'k' }]), [
        ['key', 'k'],
        ['AWSAccessKeyId', 'AK'],
        ['signature', 's'],
        ['Policy', 'p'],
      ]),
    ).toBeUndefined();
  });

  it('quotes the failed condition as AWS does (exact match in either form)', () => {
    expect(err(() => check(policy([{ key: 'a' }]), [['key', 'b']])).message).toBe('Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a"]');
    expect(err(() => check(policy([['eq', '$key', 'a']]), [['key', 'b']])).message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a"]',
    );
    expect(err(() => check(policy([['starts-with', '$key', 'user/']]), [['key', 'other/x']])).message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/"]',
    );
  });

  it('matches field names case-insensitively and values case-sensitively', () => {
    expect(check(policy([['eq', '$CONTENT-TYPE', 'text/plain']]), [['content-type', 'text/plain']])).toBeUndefined();
    expect(err(() => check(policy([['eq', '$content-type', 'text/plain']]), [['Content-Type', 'Text/Plain']])).code).toBe('AccessDenied');
  });

  it('an empty starts-with prefix allows anything, a missing field included', () => {
    const p = policy([
      ['starts-with', '$success_action_redirect', ''],
      ['starts-with', '$key', ''],
    ]);
    expect(
      check(p, [
        ['key', 'k'],
        ['success_action_redirect', 'https://example.com/'],
      ]),
    ).toBeUndefined();
    expect(check(p, [['key', 'k']])).toBeUndefined();
  });

  it('a condition on a field the form lacks fails', () => {
    expect(err(() => check(policy([{ 'x-amz-meta-a': '1' }]), [])).message).toContain('["eq", "$x-amz-meta-a", "1"]');
  });

  it('judges the bucket condition against the bucket posted to, not the form', () => {
    const p = policy([{ bucket: 'photos' }]);
    expect(check(p, [['bucket', 'photos']], 'photos')).toBeUndefined();
    expect(err(() => check(p, [['bucket', 'photos']], 'other')).message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "photos"]',
    );
  });

  it('a starts-with on Content-Type holds for every entry of a comma-separated list', () => {
    const p = policy([['starts-with', '$Content-Type', 'image/']]);
    expect(check(p, [['Content-Type', 'image/png, image/jpeg']])).toBeUndefined();
    expect(err(() => check(p, [['Content-Type', 'image/png, text/plain']])).code).toBe('AccessDenied');
  });
});

describe('form signatures', () => {
  const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  // The SigV4 POST example of the Amazon S3 API Reference ("Example: Browser-Based Upload using HTTP POST").
  const awsPolicy =
    'eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9';
  const v4Fields = new Map([
    ['x-amz-algorithm', 'AWS4-HMAC-SHA256'],
    ['x-amz-credential', 'AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request'],
    ['x-amz-date', '20151229T000000Z'],
    ['x-amz-signature', '8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e'],
    ['policy', awsPolicy],
  ]);

  it('verifies the SigV4 example of the AWS documentation', () => {
    const sig = readPostSignature(v4Fields)!;
    expect(sig).toMatchObject({ version: 4, accessKey: 'AKIAIOSFODNN7EXAMPLE', date: '20151229', region: 'us-east-1', service: 's3' });
    expect(postSignature(sig, secret)).toBe('8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e');
    expect(verifyPostSignature(sig, secret)).toBe(true);
    expect(verifyPostSignature({ ...sig, policy: `${awsPolicy.slice(0, -1)}A` }, secret)).toBe(false);
    expect(verifyPostSignature(sig, `${secret}x`)).toBe(false);
  });

  it('the example form passes the example policy', () => {
    const p = parsePostPolicy(awsPolicy);
    expect(p.expiration).toBe(Date.parse('2015-12-30T12:00:00.000Z'));
    expect(p.conditions).toHaveLength(11);
    const fields: Array<[string, string]> = [
      ['key', 'user/user1/photo.jpg'],
      ['acl', 'public-read'],
      ['success_action_redirect', 'http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html'],
      ['Content-Type', 'image/jpeg'],
      ['x-amz-meta-uuid', '14365123651274'],
      ['x-amz-server-side-encryption', 'AES256'],
      ['X-Amz-Credential', 'AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request'],
      ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
      ['X-Amz-Date', '20151229T000000Z'],
      ['x-amz-meta-tag', ''],
      ['Policy', awsPolicy],
      ['X-Amz-Signature', '8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e'],
    ];
    const values = new Map(fields.map(([n, v]) => [n.toLowerCase(), v]));
    const now = Date.parse('2015-12-29T12:00:00Z');
    expect(checkPostPolicy(p, { fields, values, bucket: 'sigv4examplebucket', now })).toBeUndefined();
    expect(err(() => checkPostPolicy(p, { fields, values, bucket: 'sigv4examplebucket', now: Date.parse('2015-12-31T00:00:00Z') })).message).toBe(
      'Invalid according to Policy: Policy expired.',
    );
  });

  it('verifies a SigV2 form: base64 HMAC-SHA1 of the policy', () => {
    const policy = b64({ expiration: LATER, conditions: [{ key: 'k' }] });
    const signature = createHmac('sha1', secret).update(policy).digest('base64');
    const sig = readPostSignature(
      new Map([
        ['awsaccesskeyid', 'AK'],
        ['signature', signature],
        ['policy', policy],
      ]),
    )!;
    expect(sig).toEqual({ version: 2, accessKey: 'AK', signature, policy });
    expect(verifyPostSignature(sig, secret)).toBe(true);
    expect(verifyPostSignature({ ...sig, signature: signature.toLowerCase() }, secret)).toBe(false);
  });

  it('an unsigned form has no signature', () => {
    expect(
      readPostSignature(
        new Map([
          ['key', 'k'],
          ['policy', 'p'],
        ]),
      ),
    ).toBeUndefined();
  });

  it.each(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-signature', 'policy'])('InvalidArgument for a SigV4 form without %s', (name) => {
    const m = new Map(v4Fields);
    m.delete(name);
    const e = err(() => readPostSignature(m));
    expect(e.code).toBe('InvalidArgument');
    expect(e.message).toContain(`'${name}'`);
  });

  it('InvalidArgument for a SigV2 form without its policy', () => {
    expect(
      err(() =>
        readPostSignature(
          new Map([
            ['awsaccesskeyid', 'AK'],
            ['signature', 's'],
          ]),
        ),
      ).message,
    ).toContain("'policy'");
  });

  it('rejects another algorithm, a malformed credential and a malformed date', () => {
    expect(err(() => readPostSignature(new Map([...v4Fields, ['x-amz-algorithm', 'AWS4-HMAC-SHA512']]))).code).toBe('InvalidArgument');
    expect(err(() => readPostSignature(new Map([...v4Fields, ['x-amz-credential', 'AK/20151229/us-east-1/s3']]))).code).toBe(
      'AuthorizationQueryParametersError',
    );
    expect(err(() => readPostSignature(new Map([...v4Fields, ['x-amz-credential', 'AK/20151229/us-east-1/s3/aws5_request']]))).message).toContain(
      'aws5_request',
    );
    expect(err(() => readPostSignature(new Map([...v4Fields, ['x-amz-date', '2015-12-29']]))).code).toBe('InvalidArgument');
  });
});

/** The console's uptime format, lifecycle form and "what can this user do" evaluation (src/console/web/logic.ts). */
import { describe, expect, it } from 'vitest';
import { formatDuration, lifecycleXml, userAccess } from '../../src/console/web/logic.js';

describe('formatDuration', () => {
  it('formats uptime', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3 h 2 min');
    expect(formatDuration(2 * 86400 + 3600)).toBe('2 d 1 h');
  });
});

describe('lifecycleXml', () => {
  it('writes one rule per chosen action under the prefix', () => {
    const xml = lifecycleXml({ prefix: 'logs/', expireDays: 30, noncurrentDays: 7, abortMultipartDays: 2 });
    expect(xml).toBe(
      '<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Rule><ID>expire-current logs/</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>' +
        '<Rule><ID>expire-noncurrent logs/</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays></NoncurrentVersionExpiration></Rule>' +
        '<Rule><ID>abort-multipart logs/</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>' +
        '</LifecycleConfiguration>',
    );
  });
  it('escapes the prefix, keeps the whole bucket for an empty one, refuses bad numbers and no rule', () => {
    expect(lifecycleXml({ prefix: 'a&b<', expireDays: 1 })).toContain('<Prefix>a&amp;b&lt;</Prefix>');
    expect(lifecycleXml({ prefix: '', abortMultipartDays: 1 })).toContain('<ID>abort-multipart</ID><Filter><Prefix></Prefix></Filter>');
    expect(() => lifecycleXml({ prefix: '', expireDays: 0 })).toThrow(/at least 1/);
    expect(() => lifecycleXml({ prefix: '', expireDays: 1.5 })).toThrow(/whole number/);
    expect(() => lifecycleXml({ prefix: '' })).toThrow(/at least one rule/);
  });
});

const pol = (name: string, ...Statement: unknown[]) => ({ name, document: JSON.stringify({ Version: '2012-10-17', Statement }) });
const decisions = (v: ReturnType<typeof userAccess>) => Object.fromEntries(v.map((x) => [x.action, x.decision]));

describe('userAccess', () => {
  it('matches Action and Resource wildcards, bucket vs object ARNs', () => {
    const v = userAccess(
      [pol('inline: ro', { Effect: 'Allow', Action: ['s3:Get*', 's3:listbucket'], Resource: ['arn:aws:s3:::photos', 'arn:aws:s3:::photos/*'] })],
      'photos',
    );
    expect(decisions(v)).toEqual({ 's3:GetObject': 'allowed', 's3:PutObject': 'none', 's3:DeleteObject': 'none', 's3:ListBucket': 'allowed' });
    expect(v[0]!.statements[0]).toMatchObject({ policy: 'inline: ro', effect: 'Allow', scope: 'all', conditional: false });
    expect(decisions(userAccess([pol('x', { Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::other/*' })], 'photos'))['s3:GetObject']).toBe('none');
    // bucket ARN alone does not grant object actions, object ARN alone does not grant ListBucket
    expect(decisions(userAccess([pol('x', { Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::photos' })], 'photos'))).toMatchObject({
      's3:GetObject': 'none',
      's3:ListBucket': 'allowed',
    });
  });
  it('a narrower Resource or a Condition makes it conditional; explicit Deny wins', () => {
    const v = userAccess(
      [
        pol('inline: a', { Sid: 'Some', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/public/*' }),
        pol('arn:aws:iam::1:policy/p', { Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }),
        pol('inline: b', { Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }),
      ],
      'photos',
    );
    expect(decisions(v)).toEqual({ 's3:GetObject': 'allowed', 's3:PutObject': 'allowed', 's3:DeleteObject': 'denied', 's3:ListBucket': 'allowed' });
    expect(v[0]!.statements.find((s) => s.sid === 'Some')).toMatchObject({ scope: 'some' });
    expect(v[1]!.statements.find((s) => s.conditional)).toMatchObject({ policy: 'arn:aws:iam::1:policy/p' });
    const only = userAccess([pol('x', { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/public/*' })], 'photos');
    expect(only[0]!.decision).toBe('conditional');
    const cond = userAccess(
      [
        pol(
          'x',
          { Effect: 'Allow', Action: 's3:*', Resource: '*' },
          { Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
        ),
      ],
      'photos',
    );
    expect(decisions(cond)['s3:PutObject']).toBe('conditional'); // a conditional Deny may take the Allow away
  });
  it('handles NotAction and NotResource, and skips unparsable documents', () => {
    const v = userAccess(
      [
        pol('x', { Effect: 'Allow', NotAction: 's3:Delete*', Resource: '*' }),
        pol('y', { Effect: 'Deny', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::photos/*' }),
        pol('z', { Effect: 'Deny', Action: 's3:ListBucket', NotResource: 'arn:aws:s3:::other' }),
        { name: 'broken', document: '{' },
      ],
      'photos',
    );
    expect(decisions(v)).toEqual({ 's3:GetObject': 'allowed', 's3:PutObject': 'allowed', 's3:DeleteObject': 'none', 's3:ListBucket': 'denied' });
  });
});

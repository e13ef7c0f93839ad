import { describe, expect, it } from 'vitest';
import {
  encodeEventKey,
  eventMessage,
  eventTypeMatches,
  overlappingRules,
  ruleMatches,
  sequencer,
  targetOfArn,
  testEventMessage,
  type NotificationRule,
} from '../../src/core/notifications.js';
import { parseNotificationDocument, renderNotification } from '../../src/s3/ops/BucketNotificationConfiguration.js';
import { parseXml } from '../../src/xml/xml.js';
import { S3Error } from '../../src/errors/s3error.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const rule = (events: string[], prefix?: string, suffix?: string, id = 'r'): NotificationRule => ({
  id,
  kind: 'Queue',
  arn: 'arn:cairn:sqs::hook:webhook',
  target: 'hook',
  events,
  prefix,
  suffix,
});

describe('S3 event message shape', () => {
  const ctx = {
    region: 'eu-west-1',
    hostId: 'HOSTID',
    time: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    bucket: 'photos',
    ownerPrincipalId: 'OWNER',
    configurationId: 'cfg-1',
    eventId: 255,
    origin: { principalId: 'AWS:AIDAEXAMPLE', sourceIp: '127.0.0.1', requestId: 'REQ1' },
  };

  it('an ObjectCreated record carries every field AWS sends, the key URL-encoded', () => {
    const m = eventMessage({ name: 'ObjectCreated:Put', key: 'holiday pics/ä+b.jpg', size: 1024, etag: 'abc', versionId: 'v1' }, ctx);
    expect(m).toEqual({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: 'eu-west-1',
          eventTime: '2026-01-02T03:04:05.678Z',
          eventName: 'ObjectCreated:Put',
          userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
          requestParameters: { sourceIPAddress: '127.0.0.1' },
          responseElements: { 'x-amz-request-id': 'REQ1', 'x-amz-id-2': 'HOSTID' },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'cfg-1',
            bucket: { name: 'photos', ownerIdentity: { principalId: 'OWNER' }, arn: 'arn:aws:s3:::photos' },
            object: { key: 'holiday+pics/%C3%A4%2Bb.jpg', size: 1024, eTag: 'abc', versionId: 'v1', sequencer: '00000000000000FF' },
          },
        },
      ],
    });
  });

  it('a removal has no size or ETag; unversioned objects no versionId', () => {
    const m = eventMessage({ name: 'ObjectRemoved:Delete', key: 'a' }, ctx) as { Records: Array<{ s3: { object: unknown } }> };
    expect(m.Records[0]!.s3.object).toEqual({ key: 'a', sequencer: '00000000000000FF' });
  });

  it('keys are encoded as form values, "/" kept; sequencers sort as the events happened', () => {
    expect(encodeEventKey("a b/c(d)!'*~.-_")).toBe('a+b/c%28d%29%21%27%2A~.-_');
    expect(encodeEventKey('%')).toBe('%25');
    expect(sequencer(9) < sequencer(10)).toBe(true);
    expect(sequencer(0xfff) < sequencer(0x1000)).toBe(true);
  });

  it('the test event S3 sends when a configuration is set', () => {
    expect(testEventMessage('photos', Date.UTC(2026, 0, 1), 'REQ', 'HOST')).toEqual({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-01-01T00:00:00.000Z',
      Bucket: 'photos',
      RequestId: 'REQ',
      HostId: 'HOST',
    });
  });
});

describe('matching and overlap', () => {
  it('event types with wildcards', () => {
    expect(eventTypeMatches('s3:ObjectCreated:*', 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(eventTypeMatches('s3:ObjectCreated:Put', 'ObjectCreated:Post')).toBe(false);
    expect(eventTypeMatches('s3:ObjectRemoved:*', 'ObjectCreated:Put')).toBe(false);
    expect(eventTypeMatches('s3:LifecycleExpiration:*', 'LifecycleExpiration:DeleteMarkerCreated')).toBe(true);
  });

  it('filters by prefix and suffix', () => {
    const r = rule(['s3:ObjectCreated:*'], 'images/', '.jpg');
    expect(ruleMatches(r, 'ObjectCreated:Put', 'images/a.jpg')).toBe(true);
    expect(ruleMatches(r, 'ObjectCreated:Put', 'images/a.png')).toBe(false);
    expect(ruleMatches(r, 'ObjectCreated:Put', 'docs/a.jpg')).toBe(false);
    expect(ruleMatches(r, 'ObjectRemoved:Delete', 'images/a.jpg')).toBe(false);
  });

  it('configurations overlap when they share an event type and some key matches both', () => {
    expect(overlappingRules([rule(['s3:ObjectCreated:*'], 'a/'), rule(['s3:ObjectCreated:Put'], 'a/b/')])).toBeDefined();
    expect(overlappingRules([rule(['s3:ObjectCreated:*']), rule(['s3:ObjectCreated:Put'], undefined, '.jpg')])).toBeDefined();
    expect(overlappingRules([rule(['s3:ObjectCreated:*'], 'a/'), rule(['s3:ObjectCreated:*'], 'b/')])).toBeUndefined();
    expect(overlappingRules([rule(['s3:ObjectCreated:*'], undefined, '.jpg'), rule(['s3:ObjectCreated:*'], undefined, '.png')])).toBeUndefined();
    expect(overlappingRules([rule(['s3:ObjectCreated:*']), rule(['s3:ObjectRemoved:*'])])).toBeUndefined();
  });

  it('ARNs name targets', () => {
    expect(targetOfArn('arn:cairn:sqs::photos-hook:webhook')).toBe('photos-hook');
    expect(targetOfArn('arn:cairn:sqs:us-east-1:photos-hook:webhook')).toBe('photos-hook');
    expect(targetOfArn('arn:aws:sqs:us-east-1:123456789012:queue')).toBeUndefined();
  });
});

describe('NotificationConfiguration documents', () => {
  const parse = (xml: string) => {
    const lists = ['Queue', 'Topic', 'CloudFunction'].flatMap((k) => [
      `NotificationConfiguration.${k}Configuration`,
      `NotificationConfiguration.${k}Configuration.Event`,
      `NotificationConfiguration.${k}Configuration.Filter.S3Key.FilterRule`,
    ]);
    return parseNotificationDocument(parseXml(xml, 'NotificationConfiguration', lists));
  };
  const err = (xml: string) => {
    try {
      parse(xml);
    } catch (e) {
      if (e instanceof S3Error) return [e.code, e.message];
      throw e;
    }
    throw new Error('expected an error');
  };
  const q = (inner: string) => `<NotificationConfiguration><QueueConfiguration>${inner}</QueueConfiguration></NotificationConfiguration>`;

  it('parses and renders back', () => {
    const rules = parse(
      q(
        '<Id>one</Id><Queue>arn:cairn:sqs::hook:webhook</Queue><Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:Delete</Event>' +
          '<Filter><S3Key><FilterRule><Name>prefix</Name><Value>img/</Value></FilterRule><FilterRule><Name>Suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter>',
      ),
    );
    expect(rules).toEqual([
      {
        id: 'one',
        kind: 'Queue',
        arn: 'arn:cairn:sqs::hook:webhook',
        target: 'hook',
        events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
        prefix: 'img/',
        suffix: '.jpg',
      },
    ]);
    expect(renderNotification({ rules, ownerPrincipalId: '' })).toEqual({
      QueueConfiguration: [
        {
          Id: 'one',
          Queue: 'arn:cairn:sqs::hook:webhook',
          Event: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
          Filter: {
            S3Key: {
              FilterRule: [
                { Name: 'Prefix', Value: 'img/' },
                { Name: 'Suffix', Value: '.jpg' },
              ],
            },
          },
        },
      ],
    });
  });

  it('an empty document is no configuration; a missing Id is generated', () => {
    expect(parse('<NotificationConfiguration/>')).toEqual([]);
    expect(parse('<NotificationConfiguration></NotificationConfiguration>')).toEqual([]);
    const [r] = parse(q('<Queue>arn:cairn:sqs::hook:webhook</Queue><Event>s3:ObjectCreated:Put</Event>'));
    expect(r!.id).toMatch(/^[A-Za-z0-9+/]{20,}$/);
  });

  it('refuses what S3 refuses', () => {
    expect(err(q('<Queue>arn:cairn:sqs::hook:webhook</Queue><Event>s3:ObjectMade:*</Event>'))).toEqual([
      'InvalidArgument',
      'The event is not supported for notifications',
    ]);
    expect(err(q('<Queue>arn:cairn:sqs::hook:webhook</Queue>'))[0]).toBe('MalformedXML');
    expect(err(q('<Event>s3:ObjectCreated:Put</Event>'))[0]).toBe('MalformedXML');
    const rules = (names: string[]) =>
      q(
        '<Queue>arn:cairn:sqs::hook:webhook</Queue><Event>s3:ObjectCreated:Put</Event><Filter><S3Key>' +
          names.map((n) => `<FilterRule><Name>${n}</Name><Value>x</Value></FilterRule>`).join('') +
          '</S3Key></Filter>',
      );
    expect(err(rules(['infix']))).toEqual(['InvalidArgument', 'filter rule name must be either prefix or suffix']);
    expect(err(rules(['prefix', 'Prefix']))).toEqual(['InvalidArgument', 'Cannot specify more than one prefix rule in a filter.']);
    expect(err(rules(['suffix', 'suffix']))).toEqual(['InvalidArgument', 'Cannot specify more than one suffix rule in a filter.']);
    const two =
      '<NotificationConfiguration>' +
      '<QueueConfiguration><Queue>arn:cairn:sqs::a:webhook</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration>' +
      '<TopicConfiguration><Topic>arn:cairn:sns::b:webhook</Topic><Event>s3:ObjectCreated:Copy</Event></TopicConfiguration>' +
      '</NotificationConfiguration>';
    expect(err(two)).toEqual(['InvalidArgument', 'Configurations overlap. Configurations on the same bucket cannot share a common event type.']);
  });
});

describe('notificationTargets setting', () => {
  const load = (v: unknown) => loadConfig({}, { dataDir: '/tmp/x', notificationTargets: v });
  const refused = (v: unknown) => {
    try {
      load(v);
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    throw new Error('expected a ConfigError');
  };

  it('reads targets from the config file or CAIRN_NOTIFICATION_TARGETS; TLS verification on by default', () => {
    expect(load([{ id: 'photos-hook', url: 'https://hooks.example.com/s3', authHeader: 'Bearer x' }]).notificationTargets).toEqual([
      { id: 'photos-hook', url: 'https://hooks.example.com/s3', authHeader: 'Bearer x', tlsVerify: true },
    ]);
    const env = loadConfig({ CAIRN_DATA_DIR: '/tmp/x', CAIRN_NOTIFICATION_TARGETS: '[{"id":"a","url":"http://10.0.0.1/","tlsVerify":false}]' });
    expect(env.notificationTargets).toEqual([{ id: 'a', url: 'http://10.0.0.1/', authHeader: undefined, tlsVerify: false }]);
    expect(loadConfig({ CAIRN_DATA_DIR: '/tmp/x' }).notificationTargets).toEqual([]);
  });

  it('refuses malformed targets with a message naming them', () => {
    expect(refused('not json')).toBe('notificationTargets: expected a JSON array of targets');
    expect(refused([{ id: 'a', url: 'ftp://x/' }])).toBe('notificationTargets[0].url: must be an http or https URL');
    expect(refused([{ id: 'a b', url: 'http://x/' }])).toBe('notificationTargets[0].id: 1 to 64 characters of A-Z a-z 0-9 _ . -');
    expect(
      refused([
        { id: 'a', url: 'http://x/' },
        { id: 'a', url: 'http://y/' },
      ]),
    ).toBe('notificationTargets[1].id: "a" is defined twice');
    expect(refused([{ id: 'a', url: 'http://x/', secret: 1 }])).toBe('notificationTargets[0]: unknown key "secret"');
  });
});

/** The console's notifications form <-> XML, folder-rename planning and progress, and the access check's sources (src/console/web/logic.ts). */
import { describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import {
  COPY_IN_PARTS_ABOVE,
  copyParts,
  folderMoves,
  moveProgressText,
  moveSteps,
  notificationRules,
  notificationTargetOf,
  notificationXml,
  percent,
  policySource,
  renamedPrefix,
  statementCovers,
  userAccess,
  withNotificationRule,
  type XmlElement,
} from '../../src/console/web/logic.js';

/** A parsed document as the DOM would give it (only what XmlElement needs), from fast-xml-parser's preserveOrder form. */
function dom(xml: string): XmlElement {
  type Node = Record<string, unknown>;
  const toEl = (n: Node): XmlElement => {
    const name = Object.keys(n).find((k) => k !== ':@')!;
    const kids = (n[name] as Node[]).filter((c) => !('#text' in c));
    const texts = (n[name] as Node[]).filter((c) => '#text' in c).map((c) => String(c['#text']));
    const children = kids.map(toEl);
    const textContent = texts.join('') + children.map((c) => c.textContent).join('');
    return { localName: name, textContent, children };
  };
  const parsed = new XMLParser({ preserveOrder: true, ignoreAttributes: true, parseTagValue: false, trimValues: false }).parse(xml) as Node[];
  return toEl(parsed.find((n) => !('?xml' in n))!);
}

describe('notification rules form', () => {
  const stored = `<?xml version="1.0" encoding="UTF-8"?><NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
    <QueueConfiguration><Id>images</Id><Queue>arn:cairn:sqs::hook:webhook</Queue><Event>s3:ObjectCreated:*</Event><Event>s3:ObjectRemoved:Delete</Event>
      <Filter><S3Key><FilterRule><Name>Prefix</Name><Value>img/</Value></FilterRule><FilterRule><Name>Suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter></QueueConfiguration>
    <TopicConfiguration><Id>all</Id><Topic>arn:cairn:sns:us-east-1:audit:webhook</Topic><Event>s3:ObjectTagging:*</Event></TopicConfiguration>
  </NotificationConfiguration>`;

  it('reads each configuration kind with its id, ARN, events and filter', () => {
    expect(notificationRules(dom(stored))).toEqual([
      {
        id: 'images',
        kind: 'Queue',
        arn: 'arn:cairn:sqs::hook:webhook',
        events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:Delete'],
        prefix: 'img/',
        suffix: '.jpg',
      },
      { id: 'all', kind: 'Topic', arn: 'arn:cairn:sns:us-east-1:audit:webhook', events: ['s3:ObjectTagging:*'] },
    ]);
    expect(notificationRules(dom('<NotificationConfiguration/>'))).toEqual([]);
    expect(notificationRules(undefined)).toEqual([]);
  });

  it('writes back what it read (kinds kept), and reads back what it wrote', () => {
    const rules = notificationRules(dom(stored));
    const xml = notificationXml(rules);
    expect(xml).toContain('<TopicConfiguration><Id>all</Id><Topic>arn:cairn:sns:us-east-1:audit:webhook</Topic>');
    expect(xml).toContain(
      '<Filter><S3Key><FilterRule><Name>Prefix</Name><Value>img/</Value></FilterRule><FilterRule><Name>Suffix</Name><Value>.jpg</Value></FilterRule></S3Key></Filter>',
    );
    expect(notificationRules(dom(xml))).toEqual(rules);
    expect(notificationXml([])).toBe('<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></NotificationConfiguration>');
  });

  it('escapes ids and filter values', () => {
    const xml = notificationXml([{ id: 'a&b', kind: 'Queue', arn: 'arn:cairn:sqs::h:webhook', events: ['s3:ObjectCreated:Put'], prefix: '<x>' }]);
    expect(xml).toContain('<Id>a&amp;b</Id>');
    expect(xml).toContain('<Value>&lt;x&gt;</Value>');
    expect(notificationRules(dom(xml))[0]).toMatchObject({ id: 'a&b', prefix: '<x>' });
  });

  it('adds a Queue rule from the form, leaving empty filters out, and refuses an incomplete one', () => {
    const next = withNotificationRule([], {
      id: ' new ',
      arn: 'arn:cairn:sqs::hook:webhook',
      events: ['s3:ObjectCreated:*', 's3:ObjectCreated:*'],
      prefix: 'up/',
      suffix: '',
    });
    expect(next).toEqual([{ id: 'new', kind: 'Queue', arn: 'arn:cairn:sqs::hook:webhook', events: ['s3:ObjectCreated:*'], prefix: 'up/' }]);
    expect(() => withNotificationRule(next, { id: '', arn: '', events: ['s3:ObjectCreated:*'], prefix: '', suffix: '' })).toThrow('Choose a target.');
    expect(() => withNotificationRule(next, { id: '', arn: 'arn:cairn:sqs::hook:webhook', events: [], prefix: '', suffix: '' })).toThrow(
      'Choose at least one event type.',
    );
    expect(() => withNotificationRule(next, { id: 'new', arn: 'arn:cairn:sqs::hook:webhook', events: ['s3:ObjectRemoved:*'], prefix: '', suffix: '' })).toThrow(
      'A rule named new exists already.',
    );
    // An empty id is left for the server to name; two such rules are fine.
    const two = withNotificationRule(withNotificationRule([], { id: '', arn: 'x', events: ['a'], prefix: '', suffix: '' }), {
      id: '',
      arn: 'x',
      events: ['b'],
      prefix: '',
      suffix: '',
    });
    expect(two.map((r) => r.id)).toEqual(['', '']);
    expect(notificationXml(two)).not.toContain('<Id>');
  });

  it('names the target of a Cairn ARN', () => {
    expect(notificationTargetOf('arn:cairn:sqs::hook:webhook')).toBe('hook');
    expect(notificationTargetOf('arn:cairn:lambda:eu-west-1:fn-1:webhook')).toBe('fn-1');
    expect(notificationTargetOf('arn:aws:sqs:us-east-1:123:q')).toBe('arn:aws:sqs:us-east-1:123:q');
  });
});

describe('rename and move', () => {
  it('normalises the new folder name and refuses an empty or unchanged one', () => {
    expect(renamedPrefix('photos/', ' pictures ')).toBe('pictures/');
    expect(renamedPrefix('photos/', '/archive/photos//')).toBe('archive/photos/');
    expect(() => renamedPrefix('photos/', ' / ')).toThrow('Give the folder a name.');
    expect(() => renamedPrefix('photos/', 'photos')).toThrow('The new name is the same as the old one.');
  });

  it('maps every key under the folder to the new prefix, nested keys included', () => {
    const objects = [
      { key: 'photos/', size: 0 },
      { key: 'photos/a.jpg', size: 10 },
      { key: 'photos/2024/b.jpg', size: 20 },
      { key: 'photosets/c.jpg', size: 5 },
    ];
    expect(folderMoves(objects, 'photos/', 'pics/')).toEqual([
      { from: 'photos/', to: 'pics/', size: 0 },
      { from: 'photos/a.jpg', to: 'pics/a.jpg', size: 10 },
      { from: 'photos/2024/b.jpg', to: 'pics/2024/b.jpg', size: 20 },
    ]);
  });

  it('copies large objects in 64 MiB parts, so their move has one step per part', () => {
    expect(copyParts(COPY_IN_PARTS_ABOVE)).toBeUndefined();
    expect(moveSteps(10)).toBe(2); // copy, delete
    const size = COPY_IN_PARTS_ABOVE + 1;
    const parts = copyParts(size)!;
    expect(parts).toHaveLength(5);
    expect(parts[0]).toEqual({ partNumber: 1, start: 0, end: 64 * 1024 * 1024 });
    expect(parts[4]).toEqual({ partNumber: 5, start: 4 * 64 * 1024 * 1024, end: size });
    expect(moveSteps(size)).toBe(7); // 5 parts, complete, delete
  });

  it('reports progress as whole percent and as text', () => {
    expect(percent(0, 0)).toBe(100);
    expect(percent(1, 3)).toBe(33);
    expect(percent(3, 3)).toBe(100);
    expect(percent(5, 3)).toBe(100);
    expect(moveProgressText({ objectsDone: 2, objectsTotal: 3, bytesDone: 2048, bytesTotal: 4096, failed: 0 })).toBe('2 of 3 objects, 2.0 KiB of 4.0 KiB');
    expect(moveProgressText({ objectsDone: 3, objectsTotal: 3, bytesDone: 0, bytesTotal: 0, failed: 1 })).toBe('3 of 3 objects, 0 B of 0 B, 1 failed');
  });
});

describe('userAccess with group and bucket policies', () => {
  const USER = 'arn:aws:iam::000000000001:user/ann';
  const doc = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });

  it("labels each statement with its source, and a group's Allow counts like the user's own", () => {
    const v = userAccess(
      [
        { name: 'inline: own', source: policySource.userInline, document: doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b' }) },
        {
          name: 'inline: put',
          source: policySource.groupInline('writers'),
          document: doc({ Sid: 'GroupPut', Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }),
        },
        {
          name: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
          source: policySource.groupManaged('readers'),
          document: doc({ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }),
        },
      ],
      'b',
    );
    const put = v.find((x) => x.action === 's3:PutObject')!;
    expect(put.decision).toBe('allowed');
    expect(put.statements).toEqual([
      {
        policy: 'inline: put',
        source: 'group writers inline',
        sid: 'GroupPut',
        effect: 'Allow',
        scope: 'all',
        conditional: false,
        resource: 'arn:aws:s3:::b/*',
      },
    ]);
    expect(v.find((x) => x.action === 's3:GetObject')!.statements.map((s) => s.source)).toEqual(['group readers managed']);
    expect(v.find((x) => x.action === 's3:ListBucket')!.statements.map((s) => s.source)).toEqual(['user inline', 'group readers managed']);
    expect(v.find((x) => x.action === 's3:DeleteObject')!.decision).toBe('none');
  });

  it("a group's Deny wins over the user's Allow", () => {
    const v = userAccess(
      [
        { name: 'inline: all', source: policySource.userInline, document: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) },
        { name: 'inline: no-delete', source: policySource.groupInline('interns'), document: doc({ Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }) },
      ],
      'b',
    );
    expect(v.find((x) => x.action === 's3:DeleteObject')!.decision).toBe('denied');
  });

  it("counts only the bucket policy's statements that name the user or everyone", () => {
    const bucketPolicy = doc(
      { Sid: 'Ann', Effect: 'Allow', Principal: { AWS: [USER] }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' },
      { Sid: 'Bob', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000001:user/bob' }, Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::b/*' },
      { Sid: 'Public', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
      { Sid: 'NotAnn', Effect: 'Deny', NotPrincipal: { AWS: USER }, Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b' },
      { Sid: 'AllButBob', Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::000000000001:user/bob' }, Action: 's3:DeleteObject', Resource: '*' },
    );
    const v = userAccess([{ name: 'b', source: policySource.bucket, document: bucketPolicy, principalArn: USER }], 'b');
    const by = Object.fromEntries(v.map((x) => [x.action, x]));
    expect(by['s3:PutObject']!.decision).toBe('allowed');
    expect(by['s3:PutObject']!.statements[0]).toMatchObject({ source: 'bucket policy', sid: 'Ann' });
    expect(by['s3:GetObject']!.statements.map((s) => s.sid)).toEqual(['Public']);
    expect(by['s3:ListBucket']!.decision).toBe('none');
    expect(by['s3:DeleteObject']!.decision).toBe('denied');
    expect(by['s3:DeleteObject']!.statements.map((s) => s.sid)).toEqual(['AllButBob']);
  });

  it('reads Principal forms', () => {
    expect(statementCovers({ Principal: '*' }, USER)).toBe(true);
    expect(statementCovers({ Principal: { AWS: '*' } }, USER)).toBe(true);
    expect(statementCovers({ Principal: { AWS: ['x', USER] } }, USER)).toBe(true);
    expect(statementCovers({ Principal: { CanonicalUser: 'abc' } }, USER)).toBe(false);
    expect(statementCovers({}, USER)).toBe(false);
    expect(statementCovers({ NotPrincipal: { AWS: USER } }, USER)).toBe(false);
  });
});

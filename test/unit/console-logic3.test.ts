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
  renamedPrefix,
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

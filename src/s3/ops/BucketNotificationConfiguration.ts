/**
 * PutBucketNotificationConfiguration / GetBucketNotificationConfiguration:
 * Queue, Topic and CloudFunction configurations whose ARNs name the webhook
 * targets the administrator defined (`arn:cairn:sqs::<id>:webhook`),
 * validated as S3 does (event types, prefix/suffix filter rules, no two
 * configurations sharing an event type for overlapping filters, every
 * destination known). An empty document removes the configuration; Get
 * answers an empty document when there is none. Setting one queues an
 * s3:TestEvent to each destination, as S3 sends.
 */
import { randomUUID } from 'node:crypto';
import { isEventType, overlappingRules, targetOfArn, type NotificationConfig, type NotificationRule, type RuleKind } from '../../core/notifications.js';
import { S3Error } from '../../errors/s3error.js';
import { parseXml, type XmlObject } from '../../xml/xml.js';
import { requireBucket } from '../lookup.js';
import { operation } from '../operation.js';
import { requireBucketName } from '../params.js';

const ROOT = 'NotificationConfiguration';
/** The configuration element, and the element holding its ARN. */
const KINDS: ReadonlyArray<readonly [string, RuleKind]> = [
  ['QueueConfiguration', 'Queue'],
  ['TopicConfiguration', 'Topic'],
  ['CloudFunctionConfiguration', 'CloudFunction'],
];
const LISTS = KINDS.flatMap(([el]) => [`${ROOT}.${el}`, `${ROOT}.${el}.Event`, `${ROOT}.${el}.Filter.S3Key.FilterRule`]);
const MAX_FILTER_VALUE = 1024;

const invalid = (message: string, name?: string, value?: string) =>
  new S3Error('InvalidArgument', message, name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? '' });

function textOf(v: unknown): string {
  if (typeof v !== 'string') throw new S3Error('MalformedXML');
  return v;
}

function parseFilter(f: unknown): { prefix?: string; suffix?: string } {
  if (f === undefined || f === '') return {};
  if (typeof f !== 'object' || f === null) throw new S3Error('MalformedXML');
  const key = (f as Record<string, unknown>).S3Key;
  if (key === undefined || key === '') return {};
  if (typeof key !== 'object' || key === null) throw new S3Error('MalformedXML');
  const rules = (key as Record<string, unknown>).FilterRule ?? [];
  if (!Array.isArray(rules)) throw new S3Error('MalformedXML');
  const out: { prefix?: string; suffix?: string } = {};
  for (const r of rules) {
    if (typeof r !== 'object' || r === null) throw new S3Error('MalformedXML');
    const name = textOf((r as Record<string, unknown>).Name).trim();
    const value = (r as Record<string, unknown>).Value ?? '';
    const v = textOf(value);
    const which = name.toLowerCase();
    if (which !== 'prefix' && which !== 'suffix') throw invalid('filter rule name must be either prefix or suffix', 'FilterRule', name);
    if (out[which] !== undefined) throw invalid(`Cannot specify more than one ${which} rule in a filter.`, 'FilterRule', name);
    if (v.length > MAX_FILTER_VALUE) throw invalid('The value of the filter rule is too long.', 'FilterRule', name);
    out[which] = v;
  }
  return out;
}

/** A document as S3 validates it, without the destination check (the operation does that with the server's targets). */
export function parseNotificationDocument(doc: Record<string, unknown> | string): NotificationRule[] {
  if (doc === '') return [];
  if (typeof doc !== 'object' || doc === null) throw new S3Error('MalformedXML');
  if (doc.EventBridgeConfiguration !== undefined) throw invalid('EventBridge is not available on this server.', 'EventBridgeConfiguration', '');
  const rules: NotificationRule[] = [];
  const ids = new Set<string>();
  for (const [el, kind] of KINDS) {
    const list = doc[el] ?? [];
    if (!Array.isArray(list)) throw new S3Error('MalformedXML');
    for (const c of list) {
      if (typeof c !== 'object' || c === null) throw new S3Error('MalformedXML');
      const o = c as Record<string, unknown>;
      const arn = textOf(o[kind]).trim();
      const events = (Array.isArray(o.Event) ? o.Event : []).map((e) => textOf(e).trim());
      if (arn === '' || events.length === 0) throw new S3Error('MalformedXML');
      for (const e of events) if (!isEventType(e) || e === 's3:TestEvent') throw invalid('The event is not supported for notifications', 'Event', e);
      const id = o.Id === undefined || o.Id === '' ? Buffer.from(randomUUID()).toString('base64').replace(/=+$/, '') : textOf(o.Id);
      if (ids.has(id)) throw invalid('Duplicate notification configuration ID.', 'Id', id);
      ids.add(id);
      rules.push({ id, kind, arn, target: targetOfArn(arn) ?? '', events: [...new Set(events)], ...parseFilter(o.Filter) });
    }
  }
  if (overlappingRules(rules)) {
    throw invalid('Configurations overlap. Configurations on the same bucket cannot share a common event type.');
  }
  return rules;
}

export function renderNotification(cfg: NotificationConfig | undefined): XmlObject {
  const body: XmlObject = {};
  for (const [el, kind] of KINDS) {
    const rules = (cfg?.rules ?? []).filter((r) => r.kind === kind);
    if (rules.length === 0) continue;
    body[el] = rules.map((r) => {
      const filterRules: XmlObject[] = [];
      if (r.prefix !== undefined) filterRules.push({ Name: 'Prefix', Value: r.prefix });
      if (r.suffix !== undefined) filterRules.push({ Name: 'Suffix', Value: r.suffix });
      const out: XmlObject = { Id: r.id, [kind]: r.arn, Event: r.events };
      if (filterRules.length > 0) out.Filter = { S3Key: { FilterRule: filterRules } };
      return out;
    });
  }
  return body;
}

export const GetBucketNotificationConfiguration = operation({
  name: 'GetBucketNotificationConfiguration',
  body: { kind: 'none' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket) }),
  permissions: (i) => [{ action: 's3:GetBucketNotification', bucket: i.bucket }],
  async run(ctx, i) {
    const b = requireBucket(ctx, i.bucket);
    return { xml: { root: ROOT, body: renderNotification(ctx.services.notifications.config(b)) } };
  },
});

export const PutBucketNotificationConfiguration = operation({
  name: 'PutBucketNotificationConfiguration',
  body: { kind: 'document', max: 256 * 1024, integrity: 'verify' },
  parse: (req) => ({ bucket: requireBucketName(req.target.bucket), rules: parseNotificationDocument(parseXml(req.document!, ROOT, LISTS)) }),
  permissions: (i) => [{ action: 's3:PutBucketNotification', bucket: i.bucket }],
  async run(ctx, i, req) {
    const b = requireBucket(ctx, i.bucket);
    const notifications = ctx.services.notifications;
    const unknown = [...new Set(notifications.unknownArns(i.rules.map((r) => r.arn)))];
    if (unknown.length > 0) {
      const extra: Record<string, string> = {};
      unknown.forEach((arn, n) => {
        extra[`ArgumentName${n + 1}`] = arn;
        extra[`ArgumentValue${n + 1}`] = 'The destination is not a notification target defined on this server';
      });
      throw new S3Error('InvalidArgument', 'Unable to validate the following destination configurations', extra);
    }
    const owner = ctx.services.identities.owner(b.ownerId);
    await notifications.setConfig(b, { rules: i.rules, ownerPrincipalId: owner?.canonicalId ?? '' }, req.id);
    return { status: 200 };
  },
});

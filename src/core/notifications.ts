/**
 * Bucket event notifications. A bucket's NotificationConfiguration names
 * webhook targets the administrator defined (`notificationTargets` in the
 * config file; ARN `arn:cairn:sqs::<id>:webhook`). Every change a rule
 * matches is written to the outbox inside the transaction that commits the
 * change (`record`), in AWS's S3 event message structure, and delivered
 * later by the notification worker (src/workers/notifier.ts): a change is
 * reported if and only if it was committed, at least once.
 */
import type { BucketConfigsRepo } from '../store/bucketConfigs.js';
import type { Bucket } from '../store/buckets.js';
import type { GroupCommit } from '../store/commits.js';
import type { OutboxRepo } from '../store/outbox.js';

/** Where a configuration's messages go. */
export type RuleKind = 'Queue' | 'Topic' | 'CloudFunction';

/** One Queue/Topic/CloudFunction configuration, validated. */
export interface NotificationRule {
  id: string;
  kind: RuleKind;
  arn: string;
  /** The target id the ARN names. */
  target: string;
  /** Event types with their "s3:" prefix, as sent (s3:ObjectCreated:*, s3:ObjectRemoved:Delete, ...). */
  events: string[];
  prefix?: string;
  suffix?: string;
}

/** The stored form of a bucket's notification configuration. */
export interface NotificationConfig {
  rules: NotificationRule[];
  /** The bucket owner's canonical id (s3.bucket.ownerIdentity.principalId). */
  ownerPrincipalId: string;
}

/** A webhook target defined by the administrator. */
export interface NotificationTarget {
  id: string;
  url: string;
  authHeader?: string;
  tlsVerify: boolean;
}

/** Who caused a change (userIdentity, requestParameters, responseElements). */
export interface EventOrigin {
  principalId: string;
  sourceIp: string;
  requestId: string;
}

/** A change to report: the event name without "s3:" (ObjectCreated:Put), and the object. */
export interface ChangeEvent {
  name: string;
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
}

/** Every event type AWS accepts in a notification configuration (Cairn emits the Created, Removed, Tagging, Acl and LifecycleExpiration ones). */
export const EVENT_TYPES: readonly string[] = [
  's3:TestEvent',
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationNotTracked',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
];
const EVENT_SET = new Set(EVENT_TYPES);

export function isEventType(name: string): boolean {
  return EVENT_SET.has(name);
}

const ARN_RE = /^arn:cairn:(sqs|sns|lambda):([a-z0-9-]*):([^:]+):webhook$/;

/** The target id an ARN names (`arn:cairn:sqs::<id>:webhook`; the region part may be empty or any region), or undefined. */
export function targetOfArn(arn: string): string | undefined {
  return ARN_RE.exec(arn)?.[3];
}

/** The ARN of a target, as the README shows it. */
export function arnOfTarget(id: string): string {
  return `arn:cairn:sqs::${id}:webhook`;
}

/** The concrete event types a configured type covers ("s3:ObjectCreated:*" covers every ObjectCreated one). */
function expand(type: string): string[] {
  if (!type.endsWith(':*')) return [type];
  const stem = type.slice(0, -1);
  return EVENT_TYPES.filter((t) => t.startsWith(stem) && !t.endsWith('*'));
}

/** Does a configured event type cover this event (name without "s3:")? */
export function eventTypeMatches(type: string, name: string): boolean {
  const full = `s3:${name}`;
  return type === full || (type.endsWith(':*') && full.startsWith(type.slice(0, -1)));
}

export function ruleMatches(r: NotificationRule, name: string, key: string): boolean {
  if (r.prefix !== undefined && !key.startsWith(r.prefix)) return false;
  if (r.suffix !== undefined && !key.endsWith(r.suffix)) return false;
  return r.events.some((t) => eventTypeMatches(t, name));
}

/**
 * AWS's overlap rule: two configurations may not share an event type when
 * some key could match both their filters (prefixes where one starts the
 * other, suffixes where one ends the other; a missing one matches all).
 * Returns the first pair that overlaps.
 */
export function overlappingRules(rules: readonly NotificationRule[]): [NotificationRule, NotificationRule] | undefined {
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const a = rules[i]!;
      const b = rules[j]!;
      const ta = new Set(a.events.flatMap(expand));
      if (!b.events.flatMap(expand).some((t) => ta.has(t))) continue;
      const pa = a.prefix ?? '';
      const pb = b.prefix ?? '';
      const sa = a.suffix ?? '';
      const sb = b.suffix ?? '';
      const prefixes = pa.startsWith(pb) || pb.startsWith(pa);
      const suffixes = sa.endsWith(sb) || sb.endsWith(sa);
      if (prefixes && suffixes) return [a, b];
    }
  }
  return undefined;
}

/** An object key as S3 event messages carry it: URL-encoded as a form value (space → '+'), '/' kept. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The sequencer of an event: its id as 16 upper-case hex digits (orders the events of one key). */
export function sequencer(eventId: number): string {
  return eventId.toString(16).toUpperCase().padStart(16, '0');
}

export interface MessageContext {
  region: string;
  hostId: string;
  time: number;
  bucket: string;
  ownerPrincipalId: string;
  configurationId: string;
  eventId: number;
  origin: EventOrigin;
}

/** One event in AWS's S3 event message structure (event version 2.1). */
export function eventMessage(e: ChangeEvent, m: MessageContext): Record<string, unknown> {
  const object: Record<string, unknown> = { key: encodeEventKey(e.key) };
  if (e.size !== undefined) object.size = e.size;
  if (e.etag !== undefined) object.eTag = e.etag;
  if (e.versionId !== undefined) object.versionId = e.versionId;
  object.sequencer = sequencer(m.eventId);
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: m.region,
        eventTime: new Date(m.time).toISOString(),
        eventName: e.name,
        userIdentity: { principalId: m.origin.principalId },
        requestParameters: { sourceIPAddress: m.origin.sourceIp },
        responseElements: { 'x-amz-request-id': m.origin.requestId, 'x-amz-id-2': m.hostId },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: m.configurationId,
          bucket: { name: m.bucket, ownerIdentity: { principalId: m.ownerPrincipalId }, arn: `arn:aws:s3:::${m.bucket}` },
          object,
        },
      },
    ],
  };
}

/** The s3:TestEvent S3 sends to each destination when a configuration is set. */
export function testEventMessage(bucket: string, time: number, requestId: string, hostId: string): Record<string, unknown> {
  return { Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date(time).toISOString(), Bucket: bucket, RequestId: requestId, HostId: hostId };
}

export const NOTIFICATION_KIND = 'notification';

export interface NotificationOptions {
  region: string;
  hostId: string;
  targets: readonly NotificationTarget[];
  /** Most messages waiting per target; beyond it a message is counted as overflow. */
  queueSize: number;
  /** Told of each message refused because its target's queue was full (the server logs it). */
  onOverflow?: (target: string, bucket: string, event: string) => void;
  /** Told after a message was queued (the worker wakes up). */
  onQueued?: () => void;
}

export class NotificationService {
  private readonly targetIds: Set<string>;

  constructor(
    private readonly outbox: OutboxRepo,
    private readonly configs: BucketConfigsRepo,
    private readonly commits: GroupCommit,
    private readonly opts: NotificationOptions,
    private readonly clock: () => number,
  ) {
    this.targetIds = new Set(opts.targets.map((t) => t.id));
  }

  /** The targets defined on this server, in the config's order: ids and ARNs only (never a URL or a header). */
  targets(): { id: string; arn: string }[] {
    return [...this.targetIds].map((id) => ({ id, arn: arnOfTarget(id) }));
  }

  /** The ARNs among these that name no target defined on this server. */
  unknownArns(arns: readonly string[]): string[] {
    return arns.filter((a) => {
      const id = targetOfArn(a);
      return id === undefined || !this.targetIds.has(id);
    });
  }

  /** Does this bucket have a configuration (so its changes may queue messages)? */
  configured(bucketId: number): boolean {
    return this.configs.get(bucketId, NOTIFICATION_KIND) !== undefined;
  }

  config(b: Bucket): NotificationConfig | undefined {
    return this.configs.get<NotificationConfig>(b.id, NOTIFICATION_KIND);
  }

  /**
   * Sets (no rules: removes) a bucket's configuration; in the same commit, an
   * s3:TestEvent is queued for each destination, as S3 sends one.
   */
  async setConfig(b: Bucket, cfg: NotificationConfig, requestId: string): Promise<void> {
    await this.commits.run(() => {
      const now = this.clock();
      if (cfg.rules.length === 0) {
        this.configs.delete(b.id, NOTIFICATION_KIND);
        return;
      }
      this.configs.put(b.id, NOTIFICATION_KIND, cfg, now);
      const eventId = this.outbox.nextEventId();
      const message = JSON.stringify(testEventMessage(b.name, now, requestId, this.opts.hostId));
      for (const target of new Set(cfg.rules.map((r) => r.target))) this.enqueue(target, b.name, b.name, eventId, message, now, 's3:TestEvent');
    });
    this.opts.onQueued?.();
  }

  /**
   * Queues the messages for changes of one bucket. Call inside the
   * transaction that commits the changes (GroupCommit.run), so a message
   * exists exactly when its change does. Nothing happens for a bucket
   * without a configuration.
   */
  record(bucket: { id: number; name: string }, events: readonly ChangeEvent[], origin: EventOrigin): void {
    const cfg = this.configs.get<NotificationConfig>(bucket.id, NOTIFICATION_KIND);
    if (!cfg) return;
    const now = this.clock();
    let queued = false;
    for (const e of events) {
      const rules = cfg.rules.filter((r) => ruleMatches(r, e.name, e.key));
      if (rules.length === 0) continue;
      const eventId = this.outbox.nextEventId();
      for (const r of rules) {
        const message = eventMessage(e, {
          region: this.opts.region,
          hostId: this.opts.hostId,
          time: now,
          bucket: bucket.name,
          ownerPrincipalId: cfg.ownerPrincipalId,
          configurationId: r.id,
          eventId,
          origin,
        });
        if (this.enqueue(r.target, bucket.name, `${bucket.name}/${e.key}`, eventId, JSON.stringify(message), now, e.name)) queued = true;
      }
    }
    if (queued) this.opts.onQueued?.();
  }

  /** Records changes in a commit of their own (for events reported after the change committed: `ctx.onEvents`). */
  async recordLater(bucket: { id: number; name: string }, events: readonly ChangeEvent[], origin: EventOrigin): Promise<void> {
    if (!this.configs.get(bucket.id, NOTIFICATION_KIND)) return;
    await this.commits.run(() => this.record(bucket, events, origin));
  }

  private enqueue(target: string, bucket: string, orderKey: string, eventId: number, message: string, now: number, event: string): boolean {
    const ok = this.outbox.enqueue({ target, orderKey, eventId, message, createdAt: now }, this.opts.queueSize);
    if (!ok) this.opts.onOverflow?.(target, bucket, event);
    return ok;
  }
}

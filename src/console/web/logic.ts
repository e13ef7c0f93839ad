/**
 * The console's pure logic, unit-tested without a browser: multipart
 * planning, listing pages, the public-read policy switch, sizes.
 */

export interface PartPlan {
  readonly partNumber: number;
  readonly start: number;
  readonly end: number;
}

export const MIN_PART = 5 * 1024 * 1024;
export const MAX_PARTS = 10_000;

/** Parts for a multipart upload of `size` bytes: at least `preferred` bytes each (≥ 5 MiB), at most 10,000 parts. */
export function planParts(size: number, preferred = 8 * 1024 * 1024): PartPlan[] {
  let partSize = Math.max(MIN_PART, preferred);
  if (Math.ceil(size / partSize) > MAX_PARTS) partSize = Math.ceil(size / MAX_PARTS);
  const parts: PartPlan[] = [];
  for (let start = 0, n = 1; start < size || n === 1; start += partSize, n++) {
    parts.push({ partNumber: n, start, end: Math.min(size, start + partSize) });
    if (size === 0) break;
  }
  return parts;
}

/** Whether a file is uploaded in parts. */
export function usesMultipart(size: number, threshold = 16 * 1024 * 1024): boolean {
  return size > threshold;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** The statement the "public" switch writes: anyone may read objects. */
export const PUBLIC_READ_SID = 'CairnConsolePublicRead';

export function publicReadStatement(bucket: string): Record<string, unknown> {
  return { Sid: PUBLIC_READ_SID, Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` };
}

/**
 * The bucket policy after flipping the public switch: the console's own
 * statement added or removed, every other statement kept. undefined: no
 * statement is left (delete the policy).
 */
export function withPublicRead(policy: string | undefined, bucket: string, on: boolean): string | undefined {
  let doc: { Version?: string; Statement?: unknown } = { Version: '2012-10-17', Statement: [] };
  if (policy) doc = JSON.parse(policy) as typeof doc;
  const list = Array.isArray(doc.Statement) ? [...(doc.Statement as unknown[])] : doc.Statement ? [doc.Statement] : [];
  const others = list.filter((s) => !(s && typeof s === 'object' && (s as { Sid?: string }).Sid === PUBLIC_READ_SID));
  const next = on ? [...others, publicReadStatement(bucket)] : others;
  if (next.length === 0) return undefined;
  return JSON.stringify({ Version: doc.Version ?? '2012-10-17', Statement: next }, null, 2);
}

/** Is the console's public-read statement in this policy? */
export function isPublicRead(policy: string | undefined): boolean {
  if (!policy) return false;
  try {
    const doc = JSON.parse(policy) as { Statement?: unknown };
    const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return list.some((s) => s && typeof s === 'object' && (s as { Sid?: string }).Sid === PUBLIC_READ_SID);
  } catch {
    return false;
  }
}

/** A read-only policy for one bucket, the form the user screen offers. */
export function bucketPolicyForm(bucket: string, access: 'read' | 'readwrite'): string {
  const actions =
    access === 'read'
      ? ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation']
      : ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket', 's3:GetBucketLocation'];
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: '*' },
        { Effect: 'Allow', Action: actions, Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] },
      ],
    },
    null,
    2,
  );
}

/** Breadcrumbs of a prefix: [['', 'bucket'], ['a/', 'a'], ['a/b/', 'b']]. */
export function breadcrumbs(prefix: string): { prefix: string; label: string }[] {
  const out: { prefix: string; label: string }[] = [];
  let acc = '';
  for (const part of prefix.split('/').filter((p) => p !== '')) {
    acc += `${part}/`;
    out.push({ prefix: acc, label: part });
  }
  return out;
}

/** The kind of in-place preview a key gets, from its content type or extension. */
export function previewKind(key: string, contentType = ''): 'image' | 'text' | 'pdf' | 'audio' | 'video' | undefined {
  const ext = key.toLowerCase().split('.').pop() ?? '';
  if (contentType.startsWith('image/') || ['png', 'jpg', 'jpeg', 'gif', 'webp', 'svg', 'avif', 'bmp'].includes(ext)) return 'image';
  if (contentType === 'application/pdf' || ext === 'pdf') return 'pdf';
  if (contentType.startsWith('audio/') || ['mp3', 'ogg', 'wav', 'flac', 'm4a'].includes(ext)) return 'audio';
  if (contentType.startsWith('video/') || ['mp4', 'webm', 'mov', 'mkv'].includes(ext)) return 'video';
  if (
    contentType.startsWith('text/') ||
    /json|xml|javascript|yaml/.test(contentType) ||
    ['txt', 'md', 'json', 'csv', 'log', 'xml', 'yaml', 'yml', 'ts', 'js', 'html', 'css'].includes(ext)
  )
    return 'text';
  return undefined;
}

// ---------- dashboard

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const d = Math.floor(seconds / 86400);
  const hr = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d} d ${hr} h`;
  if (hr > 0) return `${hr} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${Math.floor(seconds)} s`;
}

/**
 * The points of a sparkline (an SVG polyline's `points`) for these values,
 * left to right across `width`, 0 at the bottom of `height` and the largest
 * value 1 unit below the top; one value is drawn as a flat line across.
 */
export function sparkline(values: readonly number[], width: number, height: number): string {
  if (values.length === 0) return '';
  const max = Math.max(0, ...values.filter(Number.isFinite));
  const y = (v: number) => {
    const f = max > 0 && Number.isFinite(v) ? Math.max(0, v) / max : 0;
    return Math.round((height - 1 - f * (height - 2)) * 10) / 10;
  };
  const r = (x: number) => Math.round(x * 10) / 10;
  if (values.length === 1) return `0,${y(values[0]!)} ${width},${y(values[0]!)}`;
  const step = width / (values.length - 1);
  return values.map((v, i) => `${r(i * step)},${y(v)}`).join(' ');
}

// ---------- lifecycle form

export interface LifecycleForm {
  /** Key prefix the rules apply to ('' = the whole bucket). */
  readonly prefix: string;
  /** Expire current versions this many days after creation. */
  readonly expireDays?: number;
  /** Permanently delete noncurrent versions this many days after they became noncurrent. */
  readonly noncurrentDays?: number;
  /** Abort multipart uploads still open this many days after they started. */
  readonly abortMultipartDays?: number;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function days(label: string, n: number | undefined): number | undefined {
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${label} must be a whole number of days, at least 1.`);
  return n;
}

/** The LifecycleConfiguration for the common rules: one rule per action, all under the form's prefix. Throws on a bad number or no rule. */
export function lifecycleXml(form: LifecycleForm): string {
  const expire = days('Expire current versions after', form.expireDays);
  const noncurrent = days('Delete noncurrent versions after', form.noncurrentDays);
  const abort = days('Abort incomplete multipart uploads after', form.abortMultipartDays);
  const filter = `<Filter><Prefix>${xmlEscape(form.prefix)}</Prefix></Filter>`;
  const rule = (id: string, action: string) => `<Rule><ID>${xmlEscape(id)}</ID>${filter}<Status>Enabled</Status>${action}</Rule>`;
  const where = form.prefix ? ` ${form.prefix}` : '';
  const rules = [
    expire !== undefined ? rule(`expire-current${where}`, `<Expiration><Days>${expire}</Days></Expiration>`) : '',
    noncurrent !== undefined
      ? rule(`expire-noncurrent${where}`, `<NoncurrentVersionExpiration><NoncurrentDays>${noncurrent}</NoncurrentDays></NoncurrentVersionExpiration>`)
      : '',
    abort !== undefined
      ? rule(`abort-multipart${where}`, `<AbortIncompleteMultipartUpload><DaysAfterInitiation>${abort}</DaysAfterInitiation></AbortIncompleteMultipartUpload>`)
      : '',
  ].filter(Boolean);
  if (rules.length === 0) throw new Error('Choose at least one rule.');
  return `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules.join('')}</LifecycleConfiguration>`;
}

// ---------- "what can this user do on this bucket"

export const COMMON_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'] as const;

export interface NamedPolicy {
  /** "inline: name" or the managed policy's ARN. */
  readonly name: string;
  readonly document: string;
  /** Where it comes from: 'user inline', 'user managed', 'group G inline', 'group G managed', 'bucket policy'. */
  readonly source?: string;
  /**
   * A resource policy (the bucket's): only statements whose Principal names this ARN or everyone ('*'), or whose
   * NotPrincipal leaves it out, apply to the user.
   */
  readonly principalArn?: string;
}

/** The sources of a user's access, in the order the access check lists them. */
export const policySource = {
  userInline: 'user inline',
  userManaged: 'user managed',
  groupInline: (group: string) => `group ${group} inline`,
  groupManaged: (group: string) => `group ${group} managed`,
  bucket: 'bucket policy',
} as const;

/** Does a resource-policy statement's Principal / NotPrincipal cover this principal ARN? */
export function statementCovers(s: Record<string, unknown>, arn: string): boolean {
  const named = (p: unknown): boolean => {
    if (p === '*') return true;
    if (!p || typeof p !== 'object') return false;
    return list((p as Record<string, unknown>).AWS).some((v) => v === '*' || v === arn);
  };
  if (s.Principal !== undefined) return named(s.Principal);
  if (s.NotPrincipal !== undefined) return !named(s.NotPrincipal);
  return false;
}

export interface StatementMatch {
  readonly policy: string;
  /** The policy's source (see NamedPolicy.source); '' when not given. */
  readonly source: string;
  readonly sid: string;
  readonly effect: 'Allow' | 'Deny';
  /** 'all': every object (or the bucket); 'some': only some keys (a narrower Resource). */
  readonly scope: 'all' | 'some';
  readonly conditional: boolean;
  readonly resource: string;
}

export interface ActionVerdict {
  readonly action: string;
  /** allowed: an unconditional Allow and no Deny that could apply; denied: an unconditional Deny for all; conditional: depends on keys or conditions; none: nothing allows it (implicit deny). */
  readonly decision: 'allowed' | 'denied' | 'conditional' | 'none';
  readonly statements: StatementMatch[];
}

function wildcardRegex(pattern: string, flags = ''): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    flags,
  );
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** Could this Resource pattern match the target: fully ('all'), for some keys under it ('some'), or not at all? */
function resourceScope(pattern: string, target: string, objectTarget: boolean): 'all' | 'some' | undefined {
  if (wildcardRegex(pattern).test(target)) return 'all';
  if (!objectTarget) return undefined;
  // arn:aws:s3:::bucket/photos/* : the literal part before the first wildcard is under bucket/.
  const base = target.slice(0, -1); // "arn:aws:s3:::bucket/"
  const literal = pattern.split(/[*?]/)[0]!;
  return literal.startsWith(base) || (base.startsWith(literal) && literal.length < pattern.length) ? 'some' : undefined;
}

/**
 * Which of the user's identity-policy statements allow or deny each common
 * action on the bucket (its objects for the object actions): Action and
 * NotAction (case-insensitive wildcards), Resource and NotResource, an explicit
 * Deny wins, and a statement with a Condition counts as conditional. Give it
 * the user's own, its groups' and the bucket's policy (with `principalArn`:
 * only the statements naming the user or everyone count); permission
 * boundaries and ACLs are not part of this (the server also applies them).
 */
export function userAccess(policies: readonly NamedPolicy[], bucket: string, actions: readonly string[] = COMMON_ACTIONS): ActionVerdict[] {
  const statements: { policy: string; source: string; s: Record<string, unknown> }[] = [];
  for (const p of policies) {
    let doc: { Statement?: unknown };
    try {
      doc = JSON.parse(p.document) as { Statement?: unknown };
    } catch {
      continue;
    }
    const st = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    for (const s of st) {
      if (!s || typeof s !== 'object') continue;
      if (p.principalArn !== undefined && !statementCovers(s as Record<string, unknown>, p.principalArn)) continue;
      statements.push({ policy: p.name, source: p.source ?? '', s: s as Record<string, unknown> });
    }
  }
  return actions.map((action) => {
    const objectAction = action !== 's3:ListBucket';
    const target = objectAction ? `arn:aws:s3:::${bucket}/*` : `arn:aws:s3:::${bucket}`;
    const matches: StatementMatch[] = [];
    for (const { policy, source, s } of statements) {
      const effect = s.Effect === 'Deny' ? 'Deny' : s.Effect === 'Allow' ? 'Allow' : undefined;
      if (!effect) continue;
      const actionHit = (pats: string[]) => pats.some((p) => wildcardRegex(p, 'i').test(action));
      if (s.Action !== undefined ? !actionHit(list(s.Action)) : s.NotAction !== undefined ? actionHit(list(s.NotAction)) : true) continue;
      let scope: 'all' | 'some' | undefined;
      if (s.Resource !== undefined) {
        const scopes = list(s.Resource).map((r) => resourceScope(r, target, objectAction));
        scope = scopes.includes('all') ? 'all' : scopes.includes('some') ? 'some' : undefined;
      } else if (s.NotResource !== undefined) {
        const scopes = list(s.NotResource).map((r) => resourceScope(r, target, objectAction));
        scope = scopes.includes('all') ? undefined : scopes.includes('some') ? 'some' : 'all';
      }
      if (!scope) continue;
      const conditional = s.Condition !== undefined && typeof s.Condition === 'object' && Object.keys(s.Condition as object).length > 0;
      const resource = list(s.Resource ?? s.NotResource).join(', ');
      matches.push({
        policy,
        source,
        sid: typeof s.Sid === 'string' ? s.Sid : '',
        effect,
        scope,
        conditional,
        resource: s.Resource ? resource : `NotResource ${resource}`,
      });
    }
    const firm = (m: StatementMatch) => m.scope === 'all' && !m.conditional;
    const denies = matches.filter((m) => m.effect === 'Deny');
    const allows = matches.filter((m) => m.effect === 'Allow');
    let decision: ActionVerdict['decision'];
    if (denies.some(firm)) decision = 'denied';
    else if (allows.some(firm) && denies.length === 0) decision = 'allowed';
    else if (allows.length > 0) decision = 'conditional';
    else decision = 'none';
    return { action, decision, statements: matches };
  });
}

// ---------- notifications form

/** The configuration element a rule is written in (S3 keeps Queue, Topic and CloudFunction apart; Cairn delivers all to webhooks). */
export type NotificationKind = 'Queue' | 'Topic' | 'CloudFunction';

export interface NotificationRuleForm {
  /** The rule's Id ('' lets the server name it). */
  readonly id: string;
  readonly kind: NotificationKind;
  readonly arn: string;
  readonly events: readonly string[];
  readonly prefix?: string;
  readonly suffix?: string;
}

/** The event types the form offers (the ones Cairn emits). */
export const NOTIFICATION_EVENTS: readonly string[] = [
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectTagging:*',
  's3:ObjectAcl:Put',
  's3:LifecycleExpiration:*',
];

const NOTIFICATION_KINDS: readonly (readonly [string, NotificationKind])[] = [
  ['QueueConfiguration', 'Queue'],
  ['TopicConfiguration', 'Topic'],
  ['CloudFunctionConfiguration', 'CloudFunction'],
];

/** What the rules reader needs of an XML element (a DOM Element has it). */
export interface XmlElement {
  readonly localName: string;
  readonly textContent: string | null;
  readonly children: ArrayLike<XmlElement>;
}

const childrenNamed = (el: XmlElement, name: string): XmlElement[] => Array.from(el.children).filter((c) => c.localName === name);
const childText = (el: XmlElement, name: string): string | undefined => childrenNamed(el, name)[0]?.textContent ?? undefined;

/** The rules of a NotificationConfiguration document (its root element), in document order by kind. */
export function notificationRules(root: XmlElement | undefined): NotificationRuleForm[] {
  if (!root) return [];
  const out: NotificationRuleForm[] = [];
  for (const [el, kind] of NOTIFICATION_KINDS) {
    for (const c of childrenNamed(root, el)) {
      let prefix: string | undefined;
      let suffix: string | undefined;
      for (const f of childrenNamed(c, 'Filter')
        .flatMap((x) => childrenNamed(x, 'S3Key'))
        .flatMap((x) => childrenNamed(x, 'FilterRule'))) {
        const name = (childText(f, 'Name') ?? '').trim().toLowerCase();
        if (name === 'prefix') prefix = childText(f, 'Value') ?? '';
        else if (name === 'suffix') suffix = childText(f, 'Value') ?? '';
      }
      out.push({
        id: childText(c, 'Id') ?? '',
        kind,
        arn: (childText(c, kind) ?? '').trim(),
        events: childrenNamed(c, 'Event').map((e) => (e.textContent ?? '').trim()),
        ...(prefix !== undefined ? { prefix } : {}),
        ...(suffix !== undefined ? { suffix } : {}),
      });
    }
  }
  return out;
}

/** The PutBucketNotificationConfiguration document for these rules (no rules: the empty document that removes the configuration). */
export function notificationXml(rules: readonly NotificationRuleForm[]): string {
  const body = NOTIFICATION_KINDS.map(([el, kind]) =>
    rules
      .filter((r) => r.kind === kind)
      .map((r) => {
        const filter = [
          r.prefix !== undefined ? `<FilterRule><Name>Prefix</Name><Value>${xmlEscape(r.prefix)}</Value></FilterRule>` : '',
          r.suffix !== undefined ? `<FilterRule><Name>Suffix</Name><Value>${xmlEscape(r.suffix)}</Value></FilterRule>` : '',
        ].join('');
        return (
          `<${el}>${r.id ? `<Id>${xmlEscape(r.id)}</Id>` : ''}<${kind}>${xmlEscape(r.arn)}</${kind}>` +
          r.events.map((e) => `<Event>${xmlEscape(e)}</Event>`).join('') +
          (filter ? `<Filter><S3Key>${filter}</S3Key></Filter>` : '') +
          `</${el}>`
        );
      })
      .join(''),
  ).join('');
  return `<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${body}</NotificationConfiguration>`;
}

export interface NewNotificationRule {
  readonly id: string;
  /** The chosen target's ARN. */
  readonly arn: string;
  readonly events: readonly string[];
  /** '' means no prefix filter. */
  readonly prefix: string;
  readonly suffix: string;
}

/** The rules with one more, from the form (a Queue configuration); throws with a message for the form when it is incomplete. */
export function withNotificationRule(rules: readonly NotificationRuleForm[], rule: NewNotificationRule): NotificationRuleForm[] {
  const id = rule.id.trim();
  if (!rule.arn) throw new Error('Choose a target.');
  if (rule.events.length === 0) throw new Error('Choose at least one event type.');
  if (id && rules.some((r) => r.id === id)) throw new Error(`A rule named ${id} exists already.`);
  return [
    ...rules,
    {
      id,
      kind: 'Queue',
      arn: rule.arn,
      events: [...new Set(rule.events)],
      ...(rule.prefix ? { prefix: rule.prefix } : {}),
      ...(rule.suffix ? { suffix: rule.suffix } : {}),
    },
  ];
}

/** The target id an ARN names (arn:cairn:sqs::<id>:webhook), or the ARN itself when it is not Cairn's form. */
export function notificationTargetOf(arn: string): string {
  return /^arn:cairn:(?:sqs|sns|lambda):[a-z0-9-]*:([^:]+):webhook$/.exec(arn)?.[1] ?? arn;
}

// ---------- rename / move (copy, then delete)

/** Objects larger than this are copied in parts (UploadPartCopy), so a single large move shows its steps. */
export const COPY_IN_PARTS_ABOVE = 256 * 1024 * 1024;
/** The part size of such a copy (S3 allows up to 5 GiB a part). */
export const COPY_PART = 64 * 1024 * 1024;

export interface MovePlan {
  readonly from: string;
  readonly to: string;
  readonly size: number;
}

/** A folder's new prefix as typed ('' or the same prefix refused); always ends with '/'. */
export function renamedPrefix(from: string, typed: string): string {
  const to = typed.trim().replace(/^\/+/, '').replace(/\/*$/, '/');
  if (to === '/') throw new Error('Give the folder a name.');
  if (to === from) throw new Error('The new name is the same as the old one.');
  return to;
}

/** Where each object under `from` goes under `to` (keys outside `from` are left out). */
export function folderMoves(objects: readonly { key: string; size: number }[], from: string, to: string): MovePlan[] {
  return objects.filter((o) => o.key.startsWith(from)).map((o) => ({ from: o.key, to: to + o.key.slice(from.length), size: o.size }));
}

/** How one object is copied: whole (CopyObject), or in these byte ranges (UploadPartCopy), then completed. */
export function copyParts(size: number): PartPlan[] | undefined {
  return size > COPY_IN_PARTS_ABOVE ? planParts(size, COPY_PART) : undefined;
}

/** The steps a move of one object takes: the copy (or each part and the completion), then the delete. */
export function moveSteps(size: number): number {
  const parts = copyParts(size);
  return (parts ? parts.length + 1 : 1) + 1;
}

export interface MoveProgress {
  readonly objectsDone: number;
  readonly objectsTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly failed: number;
}

/** Whole percent of done over total (100 when there is nothing to do), never above 100. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 100;
  return Math.min(100, Math.floor((done / total) * 100));
}

/** The text a folder move's progress bar reads out. */
export function moveProgressText(p: MoveProgress): string {
  const failed = p.failed > 0 ? `, ${p.failed} failed` : '';
  return `${p.objectsDone} of ${p.objectsTotal} objects, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}${failed}`;
}

// ---------- identity pickers

/** A managed policy as an "attach" picker offers it. */
export interface PolicyChoice {
  readonly arn: string;
  readonly name: string;
}

/** The managed policies to offer for attaching: those not attached already, by name (then ARN). */
export function attachChoices(policies: readonly PolicyChoice[], attachedArns: readonly string[]): PolicyChoice[] {
  const taken = new Set(attachedArns);
  const seen = new Set<string>();
  return policies
    .filter((p) => !taken.has(p.arn) && !seen.has(p.arn) && seen.add(p.arn))
    .sort((a, b) => (a.name === b.name ? (a.arn < b.arn ? -1 : 1) : a.name < b.name ? -1 : 1));
}

/** Names to offer for adding (users to a group, groups to a user): those not in already, sorted, once each. */
export function addChoices(all: readonly string[], current: readonly string[]): string[] {
  const taken = new Set(current);
  return [...new Set(all.filter((n) => !taken.has(n)))].sort();
}

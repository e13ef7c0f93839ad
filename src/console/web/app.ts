/**
 * Cairn's console: a single page that signs every request in the browser
 * and talks to Cairn's own S3, IAM and STS APIs (no back door: a read-only
 * user sees a read-only console). Routes are hashes: #/buckets,
 * #/b/<bucket>/<prefix>, #/o/<bucket>/<key>, #/s/<bucket>, #/iam, #/dashboard.
 */
import qrcode from 'qrcode-generator';
import { accountsView } from './accounts.js';
import { dashboardView as dashboardScreen } from './dashboard.js';
import { attachPicker, failureText, groupsSection, managedDocument, policiesSection, policyText, userGroups } from './groups.js';
import { ApiError, Cairn, kid, kids, text, type Session } from './api.js';
import { clear, field, h } from './dom.js';
import {
  breadcrumbs,
  bucketPolicyForm,
  COMMON_ACTIONS,
  copyParts,
  folderMoves,
  formatBytes,
  isPublicRead,
  lifecycleXml,
  moveProgressText,
  moveSteps,
  NOTIFICATION_EVENTS,
  notificationRules,
  notificationTargetOf,
  notificationXml,
  percent,
  planParts,
  policySource,
  previewKind,
  renamedPrefix,
  userAccess,
  usesMultipart,
  withPublicRead,
  withNotificationRule,
  type NamedPolicy,
  type NotificationRuleForm,
} from './logic.js';
import type { Credentials } from './sigv4.js';

interface Config {
  readonly region: string;
  readonly version: string;
}

interface Me {
  arn: string;
  account: string;
  isRoot: boolean;
}

const STORE_KEY = 'cairn.console.session';
const root = document.getElementById('app') as HTMLElement;
let config: Config = { region: 'us-east-1', version: '' };
let api: Cairn | undefined;
/** The long-term credentials, kept in memory only (IAM calls need them: AWS refuses GetSessionToken credentials there). */
let longTerm: Credentials | undefined;
let iamApi: Cairn | undefined;
let me: Me | undefined;
/** The instance administrator (ListAccounts answered): the Accounts screen is theirs. */
let isAdmin = false;

// ---------- feedback

const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
const alertBox = h('div', { class: 'alert', role: 'alert', hidden: true });

function showError(e: unknown): void {
  const err = e instanceof ApiError ? e : new ApiError(0, 'Error', e instanceof Error ? e.message : String(e));
  clear(
    alertBox,
    h('strong', { class: 'code' }, err.code),
    ' ',
    h('span', { class: 'message' }, err.message),
    ' ',
    h('button', { class: 'link', onclick: () => (alertBox.hidden = true) }, 'Dismiss'),
  );
  alertBox.hidden = false;
}

function say(msg: string): void {
  status.textContent = msg;
  alertBox.hidden = true;
}

/** Runs an action, showing its failure; undefined means it failed (an action that returns nothing answers true). */
async function guard<T>(f: () => Promise<T>): Promise<([T] extends [void] ? true : T) | undefined> {
  try {
    const v = await f();
    return (v === undefined ? true : v) as [T] extends [void] ? true : T;
  } catch (e) {
    showError(e);
    return undefined;
  }
}

// ---------- sign-in

function sessionFor(creds: Credentials): Session {
  return { creds, region: config.region, host: location.host, skew: 0 };
}

async function signIn(accessKeyId: string, secretAccessKey: string, remember: boolean): Promise<void> {
  const first = new Cairn(sessionFor({ accessKeyId, secretAccessKey }));
  const who = await first.query('sts', 'GetCallerIdentity');
  const r = kid(who, 'GetCallerIdentityResult');
  longTerm = { accessKeyId, secretAccessKey };
  iamApi = first;
  me = describe(text(r, 'Arn'), text(r, 'Account'));
  isAdmin = await first.query('iam', 'ListAccounts', { MaxItems: '1' }).then(
    () => true,
    () => false,
  );
  // Sign S3 requests with temporary credentials, so the long-term secret is used only for IAM.
  let creds: Credentials = longTerm;
  try {
    const doc = await first.query('sts', 'GetSessionToken', { DurationSeconds: '3600' });
    const c = kid(kid(doc, 'GetSessionTokenResult') ?? doc.documentElement, 'Credentials');
    if (c) creds = { accessKeyId: text(c, 'AccessKeyId'), secretAccessKey: text(c, 'SecretAccessKey'), sessionToken: text(c, 'SessionToken') };
  } catch {
    // No temporary credentials: sign with the long-term key.
  }
  api = new Cairn(sessionFor(creds));
  if (remember && creds.sessionToken) sessionStorage.setItem(STORE_KEY, JSON.stringify({ creds, me }));
}

function describe(arn: string, account: string): Me {
  return { arn, account, isRoot: arn.endsWith(':root') };
}

function signOut(): void {
  metricsToken = '';
  api = undefined;
  iamApi = undefined;
  longTerm = undefined;
  me = undefined;
  isAdmin = false;
  sessionStorage.removeItem(STORE_KEY);
  if (location.hash === '' || location.hash === '#') void route();
  else location.hash = '';
}

function signInView(): HTMLElement {
  const key = h('input', { name: 'accessKeyId', autocomplete: 'username', required: true, spellcheck: 'false' });
  const secret = h('input', { name: 'secretAccessKey', type: 'password', autocomplete: 'current-password', required: true });
  const remember = h('input', { type: 'checkbox', name: 'remember' });
  const form = h(
    'form',
    {
      class: 'card signin',
      'aria-label': 'Sign in',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        say('Signing in…');
        const ok = await guard(() => signIn(key.value.trim(), secret.value, remember.checked));
        if (ok === undefined && !api) return;
        say('');
        if (location.hash === '#/buckets') void route();
        else location.hash = '#/buckets';
      },
    },
    h('h1', {}, 'Cairn'),
    h('p', {}, 'Sign in with an access key and secret: an account root, an IAM user, or the administrator.'),
    field('Access key ID', key),
    field('Secret access key', secret),
    h('label', { class: 'check' }, remember, ' Keep me signed in in this tab (temporary credentials only)'),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  return form;
}

// ---------- shell

function shell(title: string, ...body: (Node | string | null | Node[])[]): HTMLElement {
  return h(
    'div',
    { class: 'shell' },
    h(
      'header',
      {},
      h('a', { href: '#/buckets', class: 'brand' }, 'Cairn'),
      h(
        'nav',
        { 'aria-label': 'Main' },
        h('a', { href: '#/buckets' }, 'Buckets'),
        iamApi ? h('a', { href: '#/iam' }, 'Identity') : null,
        isAdmin ? h('a', { href: '#/accounts' }, 'Accounts') : null,
        h('a', { href: '#/dashboard' }, 'Dashboard'),
      ),
      h('span', { class: 'who', title: me?.arn ?? '' }, me?.arn ?? ''),
      h('button', { class: 'link', onclick: signOut }, 'Sign out'),
    ),
    h('main', {}, h('h1', {}, title), alertBox, status, ...body),
  );
}

// ---------- buckets

async function bucketsView(): Promise<HTMLElement> {
  const a = api!;
  const list = h('tbody');
  const table = h(
    'table',
    { class: 'list', 'aria-label': 'Buckets' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Objects'), h('th', {}, 'Size'), h('th', {}, 'Created'), h('th', {}, ''))),
    list,
  );
  const name = h('input', { name: 'bucket', placeholder: 'my-bucket', required: true });
  const versioning = h('input', { type: 'checkbox', name: 'versioning' });
  const lock = h('input', { type: 'checkbox', name: 'objectLock' });
  const load = async () => {
    const doc = await a.xml({ method: 'GET', query: { 'max-buckets': '1000' } });
    const buckets = kids(kid(doc, 'Buckets') ?? doc.documentElement, 'Bucket');
    clear(
      list,
      buckets.length === 0 ? h('tr', {}, h('td', { colspan: 5 }, 'No buckets yet.')) : null,
      buckets.map((b) => {
        const n = text(b, 'Name');
        const objects = h('td', { class: 'num', 'data-usage': 'objects' }, '…');
        const size = h('td', { class: 'num', 'data-usage': 'bytes' }, '…');
        // Filled in as each HeadBucket answers, so a long list is shown at once.
        void bucketUsage(a, n).then(
          (u) => {
            objects.textContent = u.objects === undefined ? '—' : String(u.objects);
            size.textContent = u.bytes === undefined ? '—' : formatBytes(u.bytes);
          },
          (e: unknown) => {
            objects.textContent = '—';
            size.textContent = e instanceof ApiError ? e.code : '—';
          },
        );
        return h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/b/${encodeURIComponent(n)}/` }, n)),
          objects,
          size,
          h('td', {}, new Date(text(b, 'CreationDate')).toLocaleString()),
          h(
            'td',
            { class: 'actions' },
            h('a', { href: `#/s/${encodeURIComponent(n)}` }, 'Settings'),
            ' ',
            h(
              'button',
              {
                class: 'danger',
                onclick: async () => {
                  if (!confirm(`Delete bucket ${n}? It must be empty.`)) return;
                  if ((await guard(() => a.call({ method: 'DELETE', bucket: n }))) !== undefined) await load();
                },
              },
              'Delete',
            ),
          ),
        );
      }),
    );
  };
  const create = h(
    'form',
    {
      class: 'card inline',
      'aria-label': 'Create bucket',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const n = name.value.trim();
        const headers: Record<string, string> = {};
        if (lock.checked) headers['x-amz-bucket-object-lock-enabled'] = 'true';
        const body =
          config.region === 'us-east-1'
            ? undefined
            : `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${config.region}</LocationConstraint></CreateBucketConfiguration>`;
        const ok = await guard(async () => {
          await a.call({ method: 'PUT', bucket: n, headers, body });
          if (versioning.checked && !lock.checked) await putVersioning(n, 'Enabled');
        });
        if (ok !== undefined) {
          say(`Created bucket ${n}.`);
          name.value = '';
          await load();
        }
      },
    },
    field('New bucket', name),
    h('label', { class: 'check' }, versioning, ' Versioning'),
    h('label', { class: 'check' }, lock, ' Object Lock (turns versioning on)'),
    h('button', { type: 'submit', class: 'primary' }, 'Create bucket'),
  );
  await guard(load);
  return shell('Buckets', create, table);
}

interface BucketUsage {
  readonly bytes?: number;
  readonly objects?: number;
  readonly maxBytes?: number;
  readonly maxObjects?: number;
}

/** Usage (every stored version) and quota from HeadBucket's x-cairn-* headers. */
async function bucketUsage(a: Cairn, bucket: string): Promise<BucketUsage> {
  const res = await a.call({ method: 'HEAD', bucket });
  const num = (name: string) => {
    const v = res.headers.get(name);
    return v === null || v === '' ? undefined : Number(v);
  };
  return {
    bytes: num('x-cairn-usage-bytes'),
    objects: num('x-cairn-usage-objects'),
    maxBytes: num('x-cairn-quota-max-size'),
    maxObjects: num('x-cairn-quota-max-objects'),
  };
}

async function putVersioning(bucket: string, state: 'Enabled' | 'Suspended'): Promise<void> {
  await api!.call({
    method: 'PUT',
    bucket,
    query: { versioning: '' },
    body: `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${state}</Status></VersioningConfiguration>`,
  });
}

// ---------- object browser

interface Transfer {
  readonly name: string;
  readonly size: number;
  sent: number;
  bar: HTMLProgressElement;
  label: HTMLElement;
  controller: AbortController;
}

const PAGE = 200;

async function browserView(bucket: string, prefix: string): Promise<HTMLElement> {
  const a = api!;
  const rows = h('tbody');
  const pager = h('div', { class: 'pager' });
  const transfers = h('section', { class: 'transfers', 'aria-label': 'Uploads' });
  const moves = h('section', { class: 'transfers', 'aria-label': 'Moves' });
  const overall = h('progress', { max: 100, value: 0, 'aria-label': 'All uploads' });
  const overallLabel = h('span', {}, '');
  const search = h('input', { type: 'search', name: 'search', placeholder: 'Filter by prefix', 'aria-label': 'Filter by prefix' });
  const selected = new Set<string>();
  const tokens: (string | undefined)[] = [undefined];
  let page = 0;
  const all: Transfer[] = [];

  const updateOverall = () => {
    const total = all.reduce((s, t) => s + t.size, 0);
    const sent = all.reduce((s, t) => s + t.sent, 0);
    overall.value = total === 0 ? 100 : Math.round((sent / total) * 100);
    overallLabel.textContent = `${overall.value}%`;
  };

  const load = async () => {
    const q: Record<string, string> = { 'list-type': '2', delimiter: '/', 'max-keys': String(PAGE), prefix: prefix + search.value };
    const token = tokens[page];
    if (token) q['continuation-token'] = token;
    const doc = await a.xml({ method: 'GET', bucket, query: q });
    const next = text(doc.documentElement, 'NextContinuationToken');
    tokens[page + 1] = next || undefined;
    const folders = kids(doc, 'CommonPrefixes').map((p) => text(p, 'Prefix'));
    const objects = kids(doc, 'Contents');
    selected.clear();
    clear(
      rows,
      folders.map((p) =>
        h(
          'tr',
          { class: 'folder' },
          h('td', {}),
          h('td', {}, h('a', { href: `#/b/${encodeURIComponent(bucket)}/${p.split('/').map(encodeURIComponent).join('/')}` }, `${p.slice(prefix.length)}`)),
          h('td', {}, '—'),
          h('td', {}, ''),
          h(
            'td',
            { class: 'actions' },
            h(
              'button',
              {
                class: 'link',
                'aria-label': `Rename folder ${p.slice(prefix.length)}`,
                onclick: async () => {
                  const typed = prompt('Move the folder to (a prefix)', p);
                  if (typed === null) return;
                  let to: string;
                  try {
                    to = renamedPrefix(p, typed);
                  } catch (e) {
                    showError(e);
                    return;
                  }
                  await moveFolder(a, bucket, p, to, moves);
                  await guard(load);
                },
              },
              'Rename',
            ),
          ),
        ),
      ),
      objects
        .filter((o) => text(o, 'Key') !== prefix)
        .map((o) => {
          const key = text(o, 'Key');
          const box = h('input', { type: 'checkbox', 'aria-label': `Select ${key}`, onchange: () => (box.checked ? selected.add(key) : selected.delete(key)) });
          return h(
            'tr',
            {},
            h('td', {}, box),
            h('td', {}, h('a', { href: objectHash(bucket, key) }, key.slice(prefix.length))),
            h('td', {}, formatBytes(Number(text(o, 'Size')))),
            h('td', {}, new Date(text(o, 'LastModified')).toLocaleString()),
            h('td', { class: 'actions' }, h('button', { class: 'link', onclick: () => download(bucket, key) }, 'Download')),
          );
        }),
      folders.length + objects.length === 0 ? h('tr', {}, h('td', { colspan: 5 }, 'This folder is empty.')) : null,
    );
    clear(
      pager,
      h('button', { disabled: page === 0, onclick: () => ((page -= 1), void guard(load)) }, 'Previous page'),
      h('span', {}, ` Page ${page + 1} `),
      h('button', { disabled: !next, onclick: () => ((page += 1), void guard(load)) }, 'Next page'),
    );
  };

  const uploadFile = async (file: File, key: string) => {
    const t: Transfer = {
      name: key,
      size: file.size,
      sent: 0,
      bar: h('progress', { max: 100, value: 0, 'aria-label': `Upload of ${key}` }),
      label: h('span', {}, '0%'),
      controller: new AbortController(),
    };
    all.push(t);
    const cancel = h('button', { class: 'link', onclick: () => t.controller.abort() }, 'Cancel');
    transfers.append(h('div', { class: 'transfer' }, h('span', { class: 'name' }, key), t.bar, t.label, cancel));
    const progress = (sent: number) => {
      t.sent = Math.min(t.size, sent);
      t.bar.value = t.size === 0 ? 100 : Math.round((t.sent / t.size) * 100);
      t.label.textContent = `${t.bar.value}%`;
      updateOverall();
    };
    try {
      const headers = { 'content-type': file.type || 'application/octet-stream' };
      if (!usesMultipart(file.size)) {
        await a.upload({ method: 'PUT', bucket, key, headers, body: file }, progress, t.controller.signal);
      } else {
        await multipartUpload(a, bucket, key, file, headers, progress, t.controller.signal);
      }
      progress(t.size);
      t.label.textContent = '100% done';
      cancel.remove();
    } catch (e) {
      t.label.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : 'failed';
      t.label.classList.add('failed');
      showError(e);
    }
  };

  const uploadAll = async (files: { file: File; path: string }[]) => {
    await Promise.all(files.map((f) => uploadFile(f.file, prefix + f.path)));
    await guard(load);
  };

  const picker = h('input', {
    type: 'file',
    multiple: true,
    'aria-label': 'Choose files to upload',
    onchange: () => void uploadAll([...(picker.files ?? [])].map((f) => ({ file: f, path: f.name }))),
  });
  const folderPicker = h('input', {
    type: 'file',
    multiple: true,
    webkitdirectory: true,
    'aria-label': 'Choose a folder to upload',
    onchange: () => void uploadAll([...(folderPicker.files ?? [])].map((f) => ({ file: f, path: f.webkitRelativePath || f.name }))),
  });
  const drop = h(
    'div',
    {
      class: 'dropzone',
      tabindex: 0,
      ondragover: (e: DragEvent) => {
        e.preventDefault();
        drop.classList.add('over');
      },
      ondragleave: () => drop.classList.remove('over'),
      ondrop: async (e: DragEvent) => {
        e.preventDefault();
        drop.classList.remove('over');
        const files = await droppedFiles(e.dataTransfer);
        await uploadAll(files);
      },
    },
    'Drop files or folders here, or ',
    h('label', { class: 'button' }, 'choose files', picker),
    ' ',
    h('label', { class: 'button' }, 'choose a folder', folderPicker),
  );
  const folderName = h('input', { name: 'folder', placeholder: 'new-folder', 'aria-label': 'New folder name' });
  const actions = h(
    'div',
    { class: 'toolbar' },
    search,
    h('button', { onclick: () => ((page = 0), (tokens.length = 1), void guard(load)) }, 'Search'),
    folderName,
    h(
      'button',
      {
        onclick: async () => {
          const n = folderName.value.trim().replace(/\/+$/, '');
          if (!n) return;
          if ((await guard(() => a.call({ method: 'PUT', bucket, key: `${prefix}${n}/`, body: '' }))) !== undefined) {
            folderName.value = '';
            await guard(load);
          }
        },
      },
      'Create folder',
    ),
    h(
      'button',
      {
        class: 'danger',
        onclick: async () => {
          if (selected.size === 0 || !confirm(`Delete ${selected.size} object(s)?`)) return;
          const body = `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>${[...selected].map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('')}</Delete>`;
          const doc = await guard(async () => a.xml({ method: 'POST', bucket, query: { delete: '' }, body, headers: await integrity(body) }));
          if (doc) {
            const errors = kids(doc, 'Error');
            if (errors.length > 0) showError(new ApiError(0, text(errors[0], 'Code'), `${text(errors[0], 'Key')}: ${text(errors[0], 'Message')}`));
            await guard(load);
          }
        },
      },
      'Delete selected',
    ),
  );
  const crumbs = h(
    'nav',
    { class: 'crumbs', 'aria-label': 'Breadcrumbs' },
    h('a', { href: '#/buckets' }, 'Buckets'),
    ' / ',
    h('a', { href: `#/b/${encodeURIComponent(bucket)}/` }, bucket),
    breadcrumbs(prefix).map((c) => [
      ' / ',
      h('a', { href: `#/b/${encodeURIComponent(bucket)}/${c.prefix.split('/').map(encodeURIComponent).join('/')}` }, c.label),
    ]),
    ' · ',
    h('a', { href: `#/s/${encodeURIComponent(bucket)}` }, 'Bucket settings'),
  );
  await guard(load);
  return shell(
    bucket,
    crumbs,
    actions,
    drop,
    h('div', { class: 'overall' }, 'All uploads: ', overall, overallLabel),
    transfers,
    moves,
    h(
      'table',
      { class: 'list', 'aria-label': 'Objects' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'Name'), h('th', {}, 'Size'), h('th', {}, 'Last modified'), h('th', {}, ''))),
      rows,
    ),
    pager,
  );
}

/** Files of a drop, walking dropped folders. */
async function droppedFiles(dt: DataTransfer | null): Promise<{ file: File; path: string }[]> {
  if (!dt) return [];
  const out: { file: File; path: string }[] = [];
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return [...dt.files].map((f) => ({ file: f, path: f.name }));
  const walk = async (entry: FileSystemEntry, path: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ file, path: path + entry.name });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e, `${path}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}

async function multipartUpload(
  a: Cairn,
  bucket: string,
  key: string,
  file: File,
  headers: Record<string, string>,
  progress: (n: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const created = await a.xml({ method: 'POST', bucket, key, query: { uploads: '' }, headers });
  const uploadId = text(created.documentElement, 'UploadId');
  const parts = planParts(file.size);
  const sent = new Map<number, number>();
  const etags = new Map<number, string>();
  const report = () => progress([...sent.values()].reduce((s, n) => s + n, 0));
  let nextPart = 0;
  const worker = async () => {
    while (nextPart < parts.length) {
      const part = parts[nextPart++]!;
      for (let attempt = 1; ; attempt++) {
        try {
          const etag = await a.upload(
            { method: 'PUT', bucket, key, query: { partNumber: String(part.partNumber), uploadId }, body: file.slice(part.start, part.end) },
            (n) => {
              sent.set(part.partNumber, n);
              report();
            },
            signal,
          );
          etags.set(part.partNumber, etag);
          break;
        } catch (e) {
          // A failed part is retried (three times), unless the upload was cancelled.
          if (signal.aborted || attempt >= 3) throw e;
          sent.set(part.partNumber, 0);
        }
      }
    }
  };
  try {
    await Promise.all([worker(), worker(), worker(), worker()]);
    const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(etags.get(p.partNumber) ?? '')}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    await a.xml({ method: 'POST', bucket, key, query: { uploadId }, body });
  } catch (e) {
    await a.call({ method: 'DELETE', bucket, key, query: { uploadId } }).catch(() => undefined);
    throw e;
  }
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function objectHash(bucket: string, key: string): string {
  return `#/o/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

async function download(bucket: string, key: string, versionId?: string): Promise<void> {
  const url = await api!.presign(bucket, key, 300, {
    'response-content-disposition': `attachment; filename="${key.split('/').pop() ?? 'download'}"`,
    ...(versionId ? { versionId } : {}),
  });
  const link = h('a', { href: url, download: '' });
  document.body.append(link);
  link.click();
  link.remove();
}

// ---------- rename / move

const copySource = (bucket: string, key: string) => `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

/** Headers a multipart copy's CreateMultipartUpload carries so the new object keeps the old one's type, metadata and tags. */
async function copiedHeaders(a: Cairn, bucket: string, key: string, signal: AbortSignal): Promise<Record<string, string>> {
  const head = await a.call({ method: 'HEAD', bucket, key, signal });
  const out: Record<string, string> = {};
  head.headers.forEach((v, k) => {
    if (k.startsWith('x-amz-meta-') || ['content-type', 'cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'].includes(k))
      out[k] = v;
    if (k === 'x-amz-storage-class') out[k] = v;
  });
  const tags = await a.xml({ method: 'GET', bucket, key, query: { tagging: '' }, signal }).catch(() => undefined);
  const pairs = tags ? [...tags.getElementsByTagName('Tag')].map((t) => `${encodeURIComponent(text(t, 'Key'))}=${encodeURIComponent(text(t, 'Value'))}`) : [];
  if (pairs.length > 0) out['x-amz-tagging'] = pairs.join('&');
  return out;
}

/**
 * Moves one object: CopyObject (or, above COPY_IN_PARTS_ABOVE, a multipart copy of UploadPartCopy ranges), then
 * DeleteObject of the source. `step` is told after each step (and bytes copied); the source is deleted only once
 * the copy is complete, and a failed or cancelled multipart copy is aborted.
 */
async function moveObject(a: Cairn, bucket: string, from: string, to: string, size: number, step: (bytes: number) => void, signal: AbortSignal): Promise<void> {
  const parts = copyParts(size);
  if (!parts) {
    await a.call({ method: 'PUT', bucket, key: to, headers: { 'x-amz-copy-source': copySource(bucket, from) }, signal });
    step(size);
  } else {
    const created = await a.xml({ method: 'POST', bucket, key: to, query: { uploads: '' }, headers: await copiedHeaders(a, bucket, from, signal), signal });
    const uploadId = text(created.documentElement, 'UploadId');
    try {
      const etags: string[] = [];
      for (const p of parts) {
        if (signal.aborted) throw new ApiError(0, 'Aborted', 'The move was cancelled.');
        const doc = await a.xml({
          method: 'PUT',
          bucket,
          key: to,
          query: { partNumber: String(p.partNumber), uploadId },
          headers: { 'x-amz-copy-source': copySource(bucket, from), 'x-amz-copy-source-range': `bytes=${p.start}-${p.end - 1}` },
          signal,
        });
        etags.push(text(doc.documentElement, 'ETag'));
        step(p.end - p.start);
      }
      const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.map((p, i) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(etags[i] ?? '')}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
      await a.xml({ method: 'POST', bucket, key: to, query: { uploadId }, body, signal });
      step(0);
    } catch (e) {
      await a.call({ method: 'DELETE', bucket, key: to, query: { uploadId } }).catch(() => undefined);
      throw e;
    }
  }
  if (signal.aborted) throw new ApiError(0, 'Aborted', 'The move was cancelled.');
  await a.call({ method: 'DELETE', bucket, key: from });
  step(0);
}

/** A move's panel: a labelled progress bar (role progressbar, aria-valuenow), its text, Cancel, and the errors per object. */
function movePanel(container: HTMLElement, label: string) {
  const controller = new AbortController();
  const bar = h('progress', { max: 100, value: 0, role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 });
  const info = h('span', { class: 'move-text' }, 'Starting…');
  const errors = h('ul', { class: 'move-errors', 'aria-label': `Errors: ${label}` });
  const cancel = h('button', { class: 'link', onclick: () => controller.abort() }, 'Cancel');
  const box = h('div', { class: 'transfer move' }, h('span', { class: 'name' }, label), bar, info, cancel, errors);
  container.append(box);
  return {
    signal: controller.signal,
    set(pct: number, msg: string) {
      bar.value = pct;
      bar.setAttribute('aria-valuenow', String(pct));
      bar.setAttribute('aria-valuetext', msg);
      info.textContent = msg;
    },
    fail(key: string, e: unknown) {
      errors.append(
        h(
          'li',
          {},
          h('span', { class: 'key' }, key),
          ': ',
          h('strong', { class: 'code' }, e instanceof ApiError ? e.code : 'Error'),
          ' ',
          failureText(e).replace(/^[^:]*: /, ''),
        ),
      );
    },
    finish(msg: string) {
      info.textContent = msg;
      bar.setAttribute('aria-valuetext', msg);
      cancel.remove();
    },
  };
}

/** Moves a single object with a determinate bar of its steps. True when it was moved. */
async function moveOne(a: Cairn, bucket: string, from: string, to: string, size: number, container: HTMLElement): Promise<boolean> {
  const panel = movePanel(container, `Moving ${from} to ${to}`);
  const total = moveSteps(size);
  let done = 0;
  panel.set(0, `Step 0 of ${total}`);
  try {
    await moveObject(
      a,
      bucket,
      from,
      to,
      size,
      () => {
        done++;
        panel.set(percent(done, total), `Step ${done} of ${total}`);
      },
      panel.signal,
    );
    panel.finish(`Moved (${total} of ${total} steps).`);
    say(`Moved ${from} to ${to}.`);
    return true;
  } catch (e) {
    panel.fail(from, e);
    panel.finish(panel.signal.aborted ? 'Cancelled.' : 'Failed.');
    return false;
  }
}

/**
 * Renames a folder: every key under `from` (all pages of ListObjectsV2) is copied under `to` and then deleted, four
 * at a time. The bar counts objects (and its text bytes); Cancel stops before the next object (a part copy stops
 * before its next part); each object that fails is listed with its error and left where it was.
 */
async function moveFolder(a: Cairn, bucket: string, from: string, to: string, container: HTMLElement): Promise<void> {
  const panel = movePanel(container, `Moving ${from} to ${to}`);
  const objects: { key: string; size: number }[] = [];
  try {
    let token: string | undefined;
    do {
      const q: Record<string, string> = { 'list-type': '2', prefix: from, 'max-keys': '1000' };
      if (token) q['continuation-token'] = token;
      const doc = await a.xml({ method: 'GET', bucket, query: q, signal: panel.signal });
      for (const o of kids(doc, 'Contents')) objects.push({ key: text(o, 'Key'), size: Number(text(o, 'Size')) });
      token = text(doc.documentElement, 'NextContinuationToken') || undefined;
    } while (token);
  } catch (e) {
    panel.fail(from, e);
    panel.finish('Failed: the folder could not be listed.');
    return;
  }
  const plan = folderMoves(objects, from, to);
  const progress = { objectsDone: 0, objectsTotal: plan.length, bytesDone: 0, bytesTotal: plan.reduce((s, m) => s + m.size, 0), failed: 0 };
  const show = () => panel.set(percent(progress.objectsDone, progress.objectsTotal), moveProgressText(progress));
  show();
  let next = 0;
  const worker = async () => {
    while (next < plan.length && !panel.signal.aborted) {
      const m = plan[next++]!;
      try {
        await moveObject(a, bucket, m.from, m.to, m.size, (bytes) => ((progress.bytesDone += bytes), show()), panel.signal);
      } catch (e) {
        if (panel.signal.aborted && e instanceof DOMException) break;
        progress.failed++;
        panel.fail(m.from, e);
      }
      progress.objectsDone++;
      show();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const moved = progress.objectsDone - progress.failed;
  const bytes = `${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`;
  const summary = panel.signal.aborted
    ? `Cancelled: ${moved} of ${plan.length} objects moved, ${bytes}.`
    : progress.failed > 0
      ? `Done with errors: ${moved} of ${plan.length} objects moved, ${progress.failed} failed.`
      : `Done: ${moved} of ${plan.length} objects moved, ${bytes}.`;
  panel.finish(summary);
  if (progress.failed === 0 && !panel.signal.aborted) say(`Moved ${from} to ${to}.`);
}

// ---------- object details

async function objectView(bucket: string, key: string): Promise<HTMLElement> {
  const a = api!;
  const info = h('dl', { class: 'details' });
  const preview = h('section', { class: 'preview', 'aria-label': 'Preview' });
  const versions = h('tbody');
  const share = h('section', { class: 'share card', 'aria-label': 'Share' });
  const meta = h('section', { class: 'card', 'aria-label': 'Metadata and tags' });
  const lockBox = h('section', { class: 'card', 'aria-label': 'Object Lock' });
  const moves = h('section', { class: 'transfers', 'aria-label': 'Moves' });

  const load = async () => {
    const res = await a.call({ method: 'HEAD', bucket, key, headers: { 'x-amz-checksum-mode': 'ENABLED' } });
    const hd = res.headers;
    const contentType = hd.get('content-type') ?? '';
    const rows: [string, string][] = [
      ['Size', formatBytes(Number(hd.get('content-length') ?? 0))],
      ['Content type', contentType],
      ['Last modified', hd.get('last-modified') ?? ''],
      ['ETag', hd.get('etag') ?? ''],
      ['Version', hd.get('x-amz-version-id') ?? '—'],
      ['Storage class', hd.get('x-amz-storage-class') ?? 'STANDARD'],
      ['Encryption', hd.get('x-amz-server-side-encryption') ?? 'none'],
    ];
    for (const alg of ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256']) {
      const v = hd.get(`x-amz-checksum-${alg}`);
      if (v) rows.push([`Checksum ${alg.toUpperCase()}`, v]);
    }
    const mode = hd.get('x-amz-object-lock-mode');
    if (mode) rows.push(['Retention', `${mode} until ${hd.get('x-amz-object-lock-retain-until-date') ?? ''}`]);
    const hold = hd.get('x-amz-object-lock-legal-hold');
    if (hold) rows.push(['Legal hold', hold]);
    clear(
      info,
      rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    );
    const metaEntries: [string, string][] = [];
    hd.forEach((v, k) => {
      if (k.startsWith('x-amz-meta-')) metaEntries.push([k.slice(11), v]);
    });
    await renderPreview(bucket, key, contentType);
    await renderMeta(metaEntries, contentType);
    await renderVersions();
    renderLock(mode, hold);
  };

  const renderPreview = async (b: string, k: string, contentType: string) => {
    const kind = previewKind(k, contentType);
    const url = await a.presign(b, k, 900);
    clear(
      preview,
      kind === 'image'
        ? h('img', { src: url, alt: `Preview of ${k}` })
        : kind === 'video'
          ? h('video', { src: url, controls: true })
          : kind === 'audio'
            ? h('audio', { src: url, controls: true })
            : kind === 'pdf'
              ? h('iframe', { src: url, title: `Preview of ${k}` })
              : kind === 'text'
                ? h('pre', { class: 'text-preview' }, await (await a.call({ method: 'GET', bucket: b, key: k, headers: { range: 'bytes=0-65535' } })).text())
                : h('p', {}, 'No preview for this kind of file.'),
    );
  };

  const renderMeta = async (entries: [string, string][], contentType: string) => {
    const tagsBox = h('textarea', { rows: 4, 'aria-label': 'Tags (key=value per line)' });
    const metaBox = h('textarea', { rows: 4, 'aria-label': 'Metadata (name=value per line)' }, entries.map(([k, v]) => `${k}=${v}`).join('\n'));
    const tagDoc = await a.xml({ method: 'GET', bucket, key, query: { tagging: '' } }).catch(() => undefined);
    if (tagDoc) tagsBox.value = [...tagDoc.getElementsByTagName('Tag')].map((t) => `${text(t, 'Key')}=${text(t, 'Value')}`).join('\n');
    const lines = (s: string) =>
      s
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=') < 0 ? l.length : l.indexOf('=')), l.indexOf('=') < 0 ? '' : l.slice(l.indexOf('=') + 1)] as const);
    clear(
      meta,
      h('h2', {}, 'Metadata and tags'),
      field('User metadata', metaBox),
      h(
        'button',
        {
          onclick: async () => {
            const headers: Record<string, string> = {
              'x-amz-metadata-directive': 'REPLACE',
              'x-amz-copy-source': `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
              'content-type': contentType,
            };
            for (const [k, v] of lines(metaBox.value)) headers[`x-amz-meta-${k.toLowerCase()}`] = v;
            if ((await guard(() => a.call({ method: 'PUT', bucket, key, headers }))) !== undefined) say('Metadata saved.');
          },
        },
        'Save metadata',
      ),
      field('Tags', tagsBox),
      h(
        'button',
        {
          onclick: async () => {
            const body = `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>${lines(tagsBox.value)
              .map(([k, v]) => `<Tag><Key>${escapeXml(k)}</Key><Value>${escapeXml(v)}</Value></Tag>`)
              .join('')}</TagSet></Tagging>`;
            if ((await guard(async () => a.call({ method: 'PUT', bucket, key, query: { tagging: '' }, body, headers: await integrity(body) }))) !== undefined)
              say('Tags saved.');
          },
        },
        'Save tags',
      ),
    );
  };

  const renderVersions = async () => {
    const doc = await a.xml({ method: 'GET', bucket, query: { versions: '', prefix: key, 'max-keys': '100' } }).catch(() => undefined);
    if (!doc) return;
    const items = [...doc.documentElement.children].filter((c) => (c.localName === 'Version' || c.localName === 'DeleteMarker') && text(c, 'Key') === key);
    clear(
      versions,
      items.map((v) => {
        const id = text(v, 'VersionId');
        const marker = v.localName === 'DeleteMarker';
        return h(
          'tr',
          {},
          h('td', {}, id, text(v, 'IsLatest') === 'true' ? h('span', { class: 'badge' }, ' latest') : null),
          h('td', {}, marker ? 'delete marker' : formatBytes(Number(text(v, 'Size')))),
          h('td', {}, new Date(text(v, 'LastModified')).toLocaleString()),
          h(
            'td',
            { class: 'actions' },
            marker ? null : h('button', { class: 'link', onclick: () => download(bucket, key, id) }, 'Download'),
            marker || text(v, 'IsLatest') === 'true'
              ? null
              : h(
                  'button',
                  {
                    class: 'link',
                    onclick: async () => {
                      const src = `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}?versionId=${encodeURIComponent(id)}`;
                      if ((await guard(() => a.call({ method: 'PUT', bucket, key, headers: { 'x-amz-copy-source': src } }))) !== undefined) {
                        say(`Restored version ${id}.`);
                        await guard(load);
                      }
                    },
                  },
                  'Restore',
                ),
            h(
              'button',
              {
                class: 'link danger',
                onclick: async () => {
                  if (!confirm(`Delete version ${id} for good?`)) return;
                  if ((await guard(() => a.call({ method: 'DELETE', bucket, key, query: { versionId: id } }))) !== undefined) await guard(load);
                },
              },
              'Delete version',
            ),
          ),
        );
      }),
    );
  };

  const renderLock = (mode: string | null, hold: string | null) => {
    const modeSel = h(
      'select',
      { 'aria-label': 'Retention mode' },
      h('option', { value: 'GOVERNANCE' }, 'GOVERNANCE'),
      h('option', { value: 'COMPLIANCE' }, 'COMPLIANCE'),
    );
    if (mode) modeSel.value = mode;
    const until = h('input', { type: 'date', 'aria-label': 'Retain until' });
    clear(
      lockBox,
      h('h2', {}, 'Object Lock'),
      h('p', {}, mode ? `Retention ${mode}.` : 'No retention.', ' ', hold === 'ON' ? 'Legal hold on.' : 'No legal hold.'),
      h(
        'div',
        { class: 'toolbar' },
        modeSel,
        until,
        h(
          'button',
          {
            onclick: async () => {
              if (!until.value) return;
              const body = `<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>${modeSel.value}</Mode><RetainUntilDate>${new Date(`${until.value}T00:00:00Z`).toISOString()}</RetainUntilDate></Retention>`;
              if (
                (await guard(async () => a.call({ method: 'PUT', bucket, key, query: { retention: '' }, body, headers: await integrity(body) }))) !== undefined
              )
                await guard(load);
            },
          },
          'Set retention',
        ),
        h(
          'button',
          {
            onclick: async () => {
              const body = `<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${hold === 'ON' ? 'OFF' : 'ON'}</Status></LegalHold>`;
              if (
                (await guard(async () => a.call({ method: 'PUT', bucket, key, query: { 'legal-hold': '' }, body, headers: await integrity(body) }))) !==
                undefined
              )
                await guard(load);
            },
          },
          hold === 'ON' ? 'Release legal hold' : 'Place legal hold',
        ),
      ),
    );
  };

  const expiry = h(
    'select',
    { 'aria-label': 'Link expiry' },
    [
      ['3600', '1 hour'],
      ['86400', '1 day'],
      ['604800', '7 days'],
    ].map(([v, l]) => h('option', { value: v }, l)),
  );
  const linkOut = h('input', { readonly: true, 'aria-label': 'Share link', class: 'share-link' });
  const qr = h('div', { class: 'qr', 'aria-label': 'QR code of the link' });
  clear(
    share,
    h('h2', {}, 'Share'),
    h(
      'div',
      { class: 'toolbar' },
      expiry,
      h(
        'button',
        {
          class: 'primary',
          onclick: async () => {
            const url = await a.presign(bucket, key, Number(expiry.value));
            linkOut.value = url;
            const code = qrcode(0, 'M');
            code.addData(url);
            code.make();
            qr.innerHTML = code.createSvgTag({ cellSize: 3, margin: 2, scalable: true });
            await navigator.clipboard?.writeText(url).then(
              () => say('Link copied to the clipboard.'),
              () => say('Link ready.'),
            );
          },
        },
        'Create link',
      ),
    ),
    linkOut,
    qr,
  );
  await guard(load);
  const name = key.split('/').filter(Boolean).pop() ?? key;
  const parent = key.slice(0, key.length - name.length - (key.endsWith('/') ? 1 : 0));
  return shell(
    name,
    h(
      'nav',
      { class: 'crumbs', 'aria-label': 'Breadcrumbs' },
      h('a', { href: `#/b/${encodeURIComponent(bucket)}/${parent.split('/').map(encodeURIComponent).join('/')}` }, `← ${bucket}/${parent}`),
    ),
    h(
      'div',
      { class: 'toolbar' },
      h('button', { onclick: () => download(bucket, key) }, 'Download'),
      h(
        'button',
        {
          onclick: async () => {
            const to = prompt('Move to key', key);
            if (!to || to === key) return;
            const size = Number((await guard(() => a.call({ method: 'HEAD', bucket, key })))?.headers.get('content-length') ?? NaN);
            if (!Number.isFinite(size)) return;
            if (await moveOne(a, bucket, key, to, size, moves)) location.hash = objectHash(bucket, to);
          },
        },
        'Rename or move',
      ),
      h(
        'button',
        {
          class: 'danger',
          onclick: async () => {
            if (!confirm(`Delete ${key}?`)) return;
            if ((await guard(() => a.call({ method: 'DELETE', bucket, key }))) !== undefined)
              location.hash = `#/b/${encodeURIComponent(bucket)}/${parent.split('/').map(encodeURIComponent).join('/')}`;
          },
        },
        'Delete',
      ),
    ),
    moves,
    h('div', { class: 'columns' }, h('section', { class: 'card' }, h('h2', {}, 'Details'), info), preview),
    share,
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Versions'),
      h(
        'table',
        { class: 'list', 'aria-label': 'Versions' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Version'), h('th', {}, 'Size'), h('th', {}, 'Modified'), h('th', {}, ''))),
        versions,
      ),
    ),
    meta,
    lockBox,
  );
}

/** The integrity header configuration PUTs require (S3 takes any x-amz-checksum-* in place of Content-MD5). */
async function integrity(body: string): Promise<Record<string, string>> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body));
  return { 'x-amz-checksum-sha256': btoa(String.fromCharCode(...new Uint8Array(digest))) };
}

// ---------- bucket settings

const SUBRESOURCES: { query: string; title: string; md5?: boolean }[] = [
  { query: 'cors', title: 'CORS', md5: true },
  { query: 'lifecycle', title: 'Lifecycle rules', md5: true },
  { query: 'encryption', title: 'Default encryption', md5: true },
  { query: 'notification', title: 'Notifications' },
  { query: 'tagging', title: 'Bucket tags', md5: true },
  { query: 'object-lock', title: 'Object Lock default retention', md5: true },
];

async function settingsView(bucket: string): Promise<HTMLElement> {
  const a = api!;
  const versioningState = h('span', {}, '…');
  const publicSwitch = h('input', { type: 'checkbox', role: 'switch', 'aria-label': 'Public read access' });
  const policyBox = h('textarea', { rows: 12, class: 'code', 'aria-label': 'Bucket policy JSON', spellcheck: 'false' });
  const policyError = h('div', { class: 'inline-error', role: 'alert' });
  const pab = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'].map((n) => ({
    name: n,
    box: h('input', { type: 'checkbox', name: n }),
  }));
  let policy: string | undefined;

  const loadPolicy = async () => {
    policy = await a
      .call({ method: 'GET', bucket, query: { policy: '' } })
      .then((r) => r.text())
      .catch((e: unknown) => {
        if (e instanceof ApiError && e.code === 'NoSuchBucketPolicy') return undefined;
        throw e;
      });
    policyBox.value = policy ? JSON.stringify(JSON.parse(policy), null, 2) : '';
    publicSwitch.checked = isPublicRead(policy);
  };
  const loadPab = async () => {
    const doc = await a.xml({ method: 'GET', bucket, query: { publicAccessBlock: '' } }).catch(() => undefined);
    for (const p of pab) p.box.checked = doc ? text(doc.documentElement, p.name) === 'true' : false;
  };
  const loadVersioning = async () => {
    const doc = await a.xml({ method: 'GET', bucket, query: { versioning: '' } });
    versioningState.textContent = text(doc.documentElement, 'Status') || 'Never enabled';
  };
  const savePolicy = async (doc: string | undefined) => {
    policyError.textContent = '';
    try {
      if (doc === undefined || doc.trim() === '') await a.call({ method: 'DELETE', bucket, query: { policy: '' } });
      else await a.call({ method: 'PUT', bucket, query: { policy: '' }, body: doc, headers: await integrity(doc) });
      say('Bucket policy saved.');
      await loadPolicy();
    } catch (e) {
      policyError.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
      await loadPolicy().catch(() => undefined);
    }
  };
  publicSwitch.addEventListener('change', async () => {
    if (publicSwitch.checked && !confirm(`Anyone on the network will be able to read every object in ${bucket}. Make it public?`)) {
      publicSwitch.checked = false;
      return;
    }
    await savePolicy(withPublicRead(policy, bucket, publicSwitch.checked));
  });

  const editors = SUBRESOURCES.map((s) => {
    const box = h('textarea', { rows: 6, class: 'code', 'aria-label': `${s.title} XML`, spellcheck: 'false' });
    const err = h('div', { class: 'inline-error', role: 'alert' });
    const load = async () => {
      box.value = await a
        .call({ method: 'GET', bucket, query: { [s.query]: '' } })
        .then((r) => r.text())
        .catch((e: unknown) => (e instanceof ApiError ? `<!-- ${e.code}: ${e.message} -->` : ''));
    };
    const section = h(
      'details',
      { class: 'card', ontoggle: () => void load() },
      h('summary', {}, s.title),
      box,
      err,
      h(
        'div',
        { class: 'toolbar' },
        h(
          'button',
          {
            onclick: async () => {
              err.textContent = '';
              try {
                await a.call({ method: 'PUT', bucket, query: { [s.query]: '' }, body: box.value, headers: s.md5 ? await integrity(box.value) : {} });
                say(`${s.title} saved.`);
                await load();
              } catch (e) {
                err.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
              }
            },
          },
          'Save',
        ),
        s.query === 'notification' || s.query === 'object-lock'
          ? null
          : h(
              'button',
              {
                class: 'danger',
                onclick: async () => {
                  if ((await guard(() => a.call({ method: 'DELETE', bucket, query: { [s.query]: '' } }))) !== undefined) await load();
                },
              },
              'Delete',
            ),
      ),
    );
    return section;
  });

  const usageOut = h('dl', { class: 'details', 'aria-label': 'Usage and quota' });
  const loadUsage = async () => {
    const u = await bucketUsage(a, bucket);
    const of = (used: number | undefined, max: number | undefined, fmt: (n: number) => string) =>
      used === undefined ? '—' : max === undefined ? `${fmt(used)} (no quota)` : `${fmt(used)} of ${fmt(max)} (${Math.round((used / max) * 100)}%)`;
    clear(
      usageOut,
      h('dt', {}, 'Stored bytes'),
      h('dd', { class: 'usage-bytes' }, of(u.bytes, u.maxBytes, formatBytes)),
      h('dt', {}, 'Objects (versions)'),
      h('dd', { class: 'usage-objects' }, of(u.objects, u.maxObjects, String)),
    );
  };

  const lcPrefix = h('input', { name: 'lifecyclePrefix', placeholder: 'logs/ (empty: the whole bucket)' });
  const dayInput = (name: string) => h('input', { name, type: 'number', min: 1, step: 1, inputmode: 'numeric' });
  const lcExpire = dayInput('expireDays');
  const lcNoncurrent = dayInput('noncurrentDays');
  const lcAbort = dayInput('abortMultipartDays');
  const lcError = h('div', { class: 'inline-error', role: 'alert' });
  const dayValue = (i: HTMLInputElement) => (i.value.trim() === '' ? undefined : Number(i.value));
  const lifecycleForm = h(
    'form',
    {
      class: 'card',
      'aria-label': 'Lifecycle rules form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        lcError.textContent = '';
        try {
          const body = lifecycleXml({
            prefix: lcPrefix.value,
            expireDays: dayValue(lcExpire),
            noncurrentDays: dayValue(lcNoncurrent),
            abortMultipartDays: dayValue(lcAbort),
          });
          await a.call({ method: 'PUT', bucket, query: { lifecycle: '' }, body, headers: await integrity(body) });
          say('Lifecycle rules saved.');
        } catch (err) {
          lcError.textContent = err instanceof ApiError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
        }
      },
    },
    h('h2', {}, 'Lifecycle rules'),
    h('p', {}, 'The common rules, for keys under one prefix. Saving replaces the whole lifecycle configuration; edit the raw XML below for anything else.'),
    field('Prefix', lcPrefix),
    field('Expire current versions after (days)', lcExpire),
    field('Delete noncurrent versions after (days)', lcNoncurrent),
    field('Abort incomplete multipart uploads after (days)', lcAbort),
    lcError,
    h('button', { type: 'submit', class: 'primary' }, 'Save lifecycle rules'),
  );

  const notifications = notificationsForm(a, bucket);
  await Promise.all([guard(loadPolicy), guard(loadPab), guard(loadVersioning), guard(loadUsage), notifications.load()]);
  return shell(
    `${bucket} settings`,
    h('nav', { class: 'crumbs' }, h('a', { href: `#/b/${encodeURIComponent(bucket)}/` }, `← ${bucket}`)),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Access'),
      h('label', { class: 'check switch' }, publicSwitch, ' Public: anyone may read objects (writes a bucket policy statement)'),
      h('p', { class: 'warning' }, 'A public bucket can be read by anyone who can reach this server, without credentials.'),
      h('h3', {}, 'Block Public Access'),
      pab.map((p) => h('label', { class: 'check' }, p.box, ` ${p.name}`)),
      h(
        'button',
        {
          onclick: async () => {
            const body = `<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${pab.map((p) => `<${p.name}>${p.box.checked}</${p.name}>`).join('')}</PublicAccessBlockConfiguration>`;
            if (
              (await guard(async () => a.call({ method: 'PUT', bucket, query: { publicAccessBlock: '' }, body, headers: await integrity(body) }))) !== undefined
            )
              say('Block Public Access saved.');
          },
        },
        'Save Block Public Access',
      ),
      h('h3', {}, 'Bucket policy'),
      policyBox,
      policyError,
      h(
        'div',
        { class: 'toolbar' },
        h('button', { class: 'primary', onclick: () => savePolicy(policyBox.value) }, 'Save policy'),
        h('button', { class: 'danger', onclick: () => savePolicy(undefined) }, 'Delete policy'),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Versioning'),
      h('p', {}, 'Status: ', versioningState),
      h('button', { onclick: async () => ((await guard(() => putVersioning(bucket, 'Enabled'))) !== undefined ? loadVersioning() : undefined) }, 'Enable'),
      ' ',
      h('button', { onclick: async () => ((await guard(() => putVersioning(bucket, 'Suspended'))) !== undefined ? loadVersioning() : undefined) }, 'Suspend'),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Usage and quota'),
      usageOut,
      h('p', {}, 'Usage counts every stored version and open multipart upload. The administrator sets quotas with ', h('code', {}, 'cairn bucket quota'), '.'),
    ),
    lifecycleForm,
    notifications.el,
    editors,
  );
}

/**
 * The notifications editor: the bucket's rules as a table, a form to add one (a target the server defines, event
 * types, a prefix and suffix filter), delete; every change writes the whole configuration back.
 */
function notificationsForm(a: Cairn, bucket: string): { el: HTMLElement; load: () => Promise<void> } {
  let rules: NotificationRuleForm[] = [];
  let targets: { id: string; arn: string }[] = [];
  const rows = h('tbody');
  const err = h('div', { class: 'inline-error', role: 'alert' });
  const targetSel = h('select', { name: 'notificationTarget' });
  const ruleId = h('input', { name: 'notificationId', placeholder: 'uploads-to-hook (empty: the server names it)' });
  const prefix = h('input', { name: 'notificationPrefix', placeholder: 'images/' });
  const suffix = h('input', { name: 'notificationSuffix', placeholder: '.jpg' });
  const events = NOTIFICATION_EVENTS.map((e) => ({ name: e, box: h('input', { type: 'checkbox', name: 'notificationEvent', value: e }) }));

  const render = () => {
    clear(
      rows,
      rules.length === 0 ? h('tr', {}, h('td', { colspan: 6 }, 'No notification rules.')) : null,
      rules.map((r, i) =>
        h(
          'tr',
          { 'data-rule': r.id },
          h('td', {}, r.id || '—'),
          h('td', {}, notificationTargetOf(r.arn)),
          h('td', {}, r.events.join(', ')),
          h('td', {}, r.prefix ?? ''),
          h('td', {}, r.suffix ?? ''),
          h(
            'td',
            { class: 'actions' },
            h(
              'button',
              {
                class: 'link danger',
                'aria-label': `Delete rule ${r.id || i + 1}`,
                onclick: () =>
                  void save(
                    rules.filter((_, j) => j !== i),
                    'Notification rule deleted.',
                  ),
              },
              'Delete',
            ),
          ),
        ),
      ),
    );
    clear(
      targetSel,
      targets.length === 0 ? h('option', { value: '' }, 'No targets (set notificationTargets in the config)') : null,
      targets.map((t) => h('option', { value: t.arn }, `${t.id} (${t.arn})`)),
    );
  };

  const load = async () => {
    err.textContent = '';
    try {
      const [doc, list] = await Promise.all([
        a.xml({ method: 'GET', bucket, query: { notification: '' } }),
        a.xml({ method: 'GET', bucket: '-', key: 'notification-targets' }),
      ]);
      rules = notificationRules(doc.documentElement ?? undefined);
      targets = kids(list, 'Target').map((t) => ({ id: text(t, 'Id'), arn: text(t, 'Arn') }));
    } catch (e) {
      err.textContent = failureText(e);
    }
    render();
  };

  const save = async (next: NotificationRuleForm[], done: string) => {
    err.textContent = '';
    try {
      await a.call({ method: 'PUT', bucket, query: { notification: '' }, body: notificationXml(next) });
      say(done);
      await load();
    } catch (e) {
      err.textContent = failureText(e);
    }
  };

  const el = h(
    'section',
    { class: 'card', 'aria-label': 'Notifications' },
    h('h2', {}, 'Notifications'),
    h('p', {}, 'Changes matching a rule are sent to a webhook target the administrator defined. Edit the raw XML below for anything else.'),
    h(
      'table',
      { class: 'list', 'aria-label': 'Notification rules' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'Id'), h('th', {}, 'Target'), h('th', {}, 'Events'), h('th', {}, 'Prefix'), h('th', {}, 'Suffix'), h('th', {}, '')),
      ),
      rows,
    ),
    h(
      'form',
      {
        'aria-label': 'Add notification rule',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          err.textContent = '';
          let next: NotificationRuleForm[];
          try {
            next = withNotificationRule(rules, {
              id: ruleId.value,
              arn: targetSel.value,
              events: events.filter((x) => x.box.checked).map((x) => x.name),
              prefix: prefix.value,
              suffix: suffix.value,
            });
          } catch (x) {
            err.textContent = failureText(x);
            return;
          }
          await save(next, 'Notification rule added.');
          if (err.textContent === '') {
            ruleId.value = prefix.value = suffix.value = '';
            for (const x of events) x.box.checked = false;
          }
        },
      },
      h('h3', {}, 'Add a rule'),
      field('Rule id', ruleId),
      field('Target', targetSel),
      h(
        'fieldset',
        { class: 'events' },
        h('legend', {}, 'Event types'),
        events.map((x) => h('label', { class: 'check' }, x.box, ` ${x.name}`)),
      ),
      field('Key prefix', prefix),
      field('Key suffix', suffix),
      h('button', { type: 'submit', class: 'primary' }, 'Add rule'),
    ),
    err,
  );
  return { el, load };
}

// ---------- identity

async function iamView(): Promise<HTMLElement> {
  const a = iamApi!;
  const users = h('tbody');
  const detail = h('section', { class: 'card', 'aria-label': 'User' });
  const newUser = h('input', { name: 'userName', placeholder: 'photo-app', required: true });

  const loadUsers = async () => {
    const doc = await a.query('iam', 'ListUsers', { MaxItems: '1000' });
    const list = [...doc.getElementsByTagName('member')].filter((m) => kid(m, 'UserName'));
    clear(
      users,
      list.length === 0 ? h('tr', {}, h('td', { colspan: 3 }, 'No IAM users.')) : null,
      list.map((u) => {
        const name = text(u, 'UserName');
        return h(
          'tr',
          {},
          h('td', {}, h('button', { class: 'link', onclick: () => void guard(() => showUser(name)) }, name)),
          h('td', {}, text(u, 'Arn')),
          h(
            'td',
            { class: 'actions' },
            h(
              'button',
              {
                class: 'danger',
                onclick: async () => {
                  if (!confirm(`Delete user ${name}, its keys and its policies?`)) return;
                  const ok = await guard(async () => {
                    const keys = await a.query('iam', 'ListAccessKeys', { UserName: name });
                    for (const k of [...keys.getElementsByTagName('AccessKeyId')])
                      await a.query('iam', 'DeleteAccessKey', { UserName: name, AccessKeyId: k.textContent ?? '' });
                    const attached = await a.query('iam', 'ListAttachedUserPolicies', { UserName: name });
                    for (const p of [...attached.getElementsByTagName('PolicyArn')])
                      await a.query('iam', 'DetachUserPolicy', { UserName: name, PolicyArn: p.textContent ?? '' });
                    const inline = await a.query('iam', 'ListUserPolicies', { UserName: name });
                    for (const p of [...inline.getElementsByTagName('member')])
                      await a.query('iam', 'DeleteUserPolicy', { UserName: name, PolicyName: p.textContent ?? '' });
                    const groups = await a.query('iam', 'ListGroupsForUser', { UserName: name });
                    for (const g of [...groups.getElementsByTagName('GroupName')])
                      await a.query('iam', 'RemoveUserFromGroup', { UserName: name, GroupName: g.textContent ?? '' });
                    await a.query('iam', 'DeleteUser', { UserName: name });
                  });
                  if (ok === undefined) return;
                  await guard(loadUsers);
                  await guard(deps.attachmentsChanged);
                },
              },
              'Delete',
            ),
          ),
        );
      }),
    );
  };

  const showUser = async (name: string) => {
    const keys = await a.query('iam', 'ListAccessKeys', { UserName: name });
    const attached = await a.query('iam', 'ListAttachedUserPolicies', { UserName: name });
    const inline = await a.query('iam', 'ListUserPolicies', { UserName: name });
    const secretOut = h('div', { class: 'secret', 'aria-live': 'polite' });
    const policyName = h('input', { name: 'policyName', value: 'bucket-access', 'aria-label': 'Inline policy name' });
    const bucketName = h('input', { name: 'policyBucket', placeholder: 'bucket', 'aria-label': 'Bucket for the policy form' });
    const accessSel = h(
      'select',
      { 'aria-label': 'Access' },
      h('option', { value: 'read' }, 'read only'),
      h('option', { value: 'readwrite' }, 'read and write'),
    );
    const policyDoc = h('textarea', { rows: 10, class: 'code', 'aria-label': 'Inline policy JSON', spellcheck: 'false' });
    const policyErr = h('div', { class: 'inline-error', role: 'alert' });
    const groups = await userGroups(deps, name, () => showUser(name));
    clear(
      detail,
      h('h2', {}, `User ${name}`),
      h('h3', {}, 'Access keys'),
      h(
        'ul',
        {},
        [...keys.getElementsByTagName('member')].map((k) => {
          const id = text(k, 'AccessKeyId');
          const st = text(k, 'Status');
          return h(
            'li',
            {},
            `${id} (${st}) `,
            h(
              'button',
              {
                class: 'link',
                onclick: async () =>
                  (await guard(() => a.query('iam', 'UpdateAccessKey', { UserName: name, AccessKeyId: id, Status: st === 'Active' ? 'Inactive' : 'Active' })))
                    ? guard(() => showUser(name))
                    : undefined,
              },
              st === 'Active' ? 'Disable' : 'Enable',
            ),
            ' ',
            h(
              'button',
              {
                class: 'link danger',
                onclick: async () =>
                  (await guard(() => a.query('iam', 'DeleteAccessKey', { UserName: name, AccessKeyId: id }))) ? guard(() => showUser(name)) : undefined,
              },
              'Delete',
            ),
          );
        }),
      ),
      h(
        'button',
        {
          onclick: async () => {
            const doc = await guard(() => a.query('iam', 'CreateAccessKey', { UserName: name }));
            if (!doc) return;
            const id = doc.getElementsByTagName('AccessKeyId')[0]?.textContent ?? '';
            const secret = doc.getElementsByTagName('SecretAccessKey')[0]?.textContent ?? '';
            const file = new Blob([`[${name}]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`], { type: 'text/plain' });
            clear(
              secretOut,
              h('p', {}, 'The secret is shown once. Copy it now.'),
              h('code', { class: 'key-id' }, id),
              ' ',
              h('code', { class: 'key-secret' }, secret),
              ' ',
              h('button', { onclick: () => navigator.clipboard?.writeText(`${id} ${secret}`) }, 'Copy'),
              ' ',
              h('a', { class: 'button', href: URL.createObjectURL(file), download: `${name}-credentials.txt` }, 'Download as file'),
            );
          },
        },
        'Create access key',
      ),
      secretOut,
      groups,
      h('h3', {}, 'Policies'),
      h(
        'ul',
        {},
        [...attached.getElementsByTagName('member')].map((p) => {
          const arn = text(p, 'PolicyArn');
          return h(
            'li',
            {},
            arn,
            ' ',
            h(
              'button',
              {
                class: 'link danger',
                'aria-label': `Detach ${arn} from ${name}`,
                onclick: async () =>
                  (await guard(() => a.query('iam', 'DetachUserPolicy', { UserName: name, PolicyArn: arn })))
                    ? (await guard(() => showUser(name)), await guard(deps.attachmentsChanged))
                    : undefined,
              },
              'Detach',
            ),
          );
        }),
        [...inline.getElementsByTagName('member')].map((p) => h('li', {}, `inline: ${p.textContent ?? ''}`)),
      ),
      await attachPicker(
        a,
        [...attached.getElementsByTagName('PolicyArn')].map((p) => p.textContent ?? ''),
        name,
        async (arn) => {
          if (await guard(() => a.query('iam', 'AttachUserPolicy', { UserName: name, PolicyArn: arn }))) {
            await guard(() => showUser(name));
            await guard(deps.attachmentsChanged);
          }
        },
      ),
      h(
        'div',
        { class: 'toolbar' },
        bucketName,
        accessSel,
        h(
          'button',
          { onclick: () => (policyDoc.value = bucketPolicyForm(bucketName.value.trim() || 'bucket', accessSel.value as 'read' | 'readwrite')) },
          'Fill from form',
        ),
      ),
      field('Policy name', policyName),
      policyDoc,
      policyErr,
      h(
        'button',
        {
          class: 'primary',
          onclick: async () => {
            policyErr.textContent = '';
            try {
              await a.query('iam', 'PutUserPolicy', { UserName: name, PolicyName: policyName.value.trim(), PolicyDocument: policyDoc.value });
              say('Policy saved.');
              await showUser(name);
            } catch (e) {
              policyErr.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
            }
          },
        },
        'Save inline policy',
      ),
      accessCheck(a, name, attached, inline),
    );
  };

  const deps = { api: a, guard, say, showUser, attachmentsChanged: () => policiesPart.load() };
  const groupsPart = groupsSection(deps);
  const policiesPart = policiesSection(deps);
  await guard(loadUsers);
  await guard(groupsPart.load);
  await guard(policiesPart.load);
  return shell(
    'Identity',
    h(
      'form',
      {
        class: 'card inline',
        'aria-label': 'Create user',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const n = newUser.value.trim();
          if ((await guard(() => a.query('iam', 'CreateUser', { UserName: n }))) !== undefined) {
            newUser.value = '';
            await guard(loadUsers);
            await guard(() => showUser(n));
          }
        },
      },
      field('New IAM user', newUser),
      h('button', { type: 'submit', class: 'primary' }, 'Create user'),
    ),
    h('table', { class: 'list', 'aria-label': 'IAM users' }, h('thead', {}, h('tr', {}, h('th', {}, 'User'), h('th', {}, 'ARN'), h('th', {}, ''))), users),
    detail,
    groupsPart.el,
    policiesPart.el,
  );
}

const DECISION_LABEL: Record<string, string> = {
  allowed: 'allowed',
  denied: 'denied (explicit Deny)',
  conditional: 'depends on the key or a condition',
  none: 'not allowed by these policies',
};

/**
 * "What can this user do on this bucket": for each common action, the statements that allow or deny it, from the
 * user's inline and attached policies, each of its groups' inline and attached policies, and the bucket policy's
 * statements that name the user or everyone, each labelled by its source.
 */
function accessCheck(a: Cairn, user: string, attached: Document, inline: Document): HTMLElement {
  const bucketIn = h('input', { name: 'accessBucket', placeholder: 'bucket', 'aria-label': 'Bucket to check' });
  const out = h('div', { class: 'access-out', 'aria-live': 'polite' });
  const check = async () => {
    const bucket = bucketIn.value.trim();
    if (!bucket) return;
    const policies: NamedPolicy[] = [];
    const notes: string[] = [];
    for (const m of [...inline.getElementsByTagName('member')]) {
      const pn = m.textContent ?? '';
      const doc = await a.query('iam', 'GetUserPolicy', { UserName: user, PolicyName: pn });
      policies.push({
        name: `inline: ${pn}`,
        source: policySource.userInline,
        document: policyText(doc.getElementsByTagName('PolicyDocument')[0]?.textContent ?? ''),
      });
    }
    for (const arnEl of [...attached.getElementsByTagName('PolicyArn')]) {
      const arn = arnEl.textContent ?? '';
      policies.push({ name: arn, source: policySource.userManaged, document: await managedDocument(a, arn) });
    }
    const groups = await a.query('iam', 'ListGroupsForUser', { UserName: user });
    for (const g of [...groups.getElementsByTagName('GroupName')]) {
      const group = g.textContent ?? '';
      const names = await a.query('iam', 'ListGroupPolicies', { GroupName: group });
      for (const m of [...names.getElementsByTagName('member')]) {
        const pn = m.textContent ?? '';
        const doc = await a.query('iam', 'GetGroupPolicy', { GroupName: group, PolicyName: pn });
        policies.push({
          name: `inline: ${pn}`,
          source: policySource.groupInline(group),
          document: policyText(doc.getElementsByTagName('PolicyDocument')[0]?.textContent ?? ''),
        });
      }
      const groupAttached = await a.query('iam', 'ListAttachedGroupPolicies', { GroupName: group });
      for (const arnEl of [...groupAttached.getElementsByTagName('PolicyArn')]) {
        const arn = arnEl.textContent ?? '';
        policies.push({ name: arn, source: policySource.groupManaged(group), document: await managedDocument(a, arn) });
      }
    }
    const userArn = (await a.query('iam', 'GetUser', { UserName: user })).getElementsByTagName('Arn')[0]?.textContent ?? '';
    try {
      const res = await (api ?? a).call({ method: 'GET', bucket, query: { policy: '' } });
      policies.push({ name: bucket, source: policySource.bucket, document: await res.text(), principalArn: userArn });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'NoSuchBucketPolicy')) notes.push(`The bucket policy could not be read (${failureText(e)}).`);
    }
    const verdicts = userAccess(policies, bucket, COMMON_ACTIONS);
    clear(
      out,
      notes.map((n) => h('p', { class: 'warning' }, n)),
      h(
        'table',
        { class: 'list', 'aria-label': `What ${user} can do on ${bucket}` },
        h('thead', {}, h('tr', {}, h('th', {}, 'Action'), h('th', {}, 'Result'), h('th', {}, 'Statements'))),
        h(
          'tbody',
          {},
          verdicts.map((v) =>
            h(
              'tr',
              { 'data-action': v.action },
              h('th', { scope: 'row' }, v.action),
              h('td', { class: `decision ${v.decision}` }, DECISION_LABEL[v.decision]),
              h(
                'td',
                {},
                v.statements.length === 0
                  ? '—'
                  : h(
                      'ul',
                      {},
                      v.statements.map((m) =>
                        h(
                          'li',
                          {},
                          h('span', { class: 'source' }, m.source ? `${m.source}: ` : ''),
                          `${m.effect} in ${m.policy}${m.sid ? ` (${m.sid})` : ''} on ${m.resource}`,
                          m.scope === 'some' ? ' — some keys only' : '',
                          m.conditional ? ' — conditional' : '',
                        ),
                      ),
                    ),
              ),
            ),
          ),
        ),
      ),
    );
  };
  return h(
    'section',
    { 'aria-label': 'What can this user do on a bucket' },
    h('h3', {}, 'What can this user do on a bucket?'),
    h(
      'p',
      {},
      "From this user's inline and attached policies, its groups' inline and attached policies, and the bucket policy's statements that name the user or everyone. A reading aid: the server decides (conditions, ACLs and the request itself count too).",
    ),
    h('div', { class: 'toolbar' }, bucketIn, h('button', { onclick: () => void guard(check) }, 'Check access')),
    out,
  );
}

// ---------- dashboard

/** The metrics bearer token the administrator pasted, in memory only (forgotten on sign-out and reload). */
let metricsToken = '';

function dashboardView(): Promise<HTMLElement> {
  return dashboardScreen({
    api: api!,
    shell,
    signedInAs: me?.arn ?? '',
    version: config.version,
    token: { get: () => metricsToken, set: (t) => (metricsToken = t) },
    bucketUsage,
  });
}

// ---------- routing

async function route(): Promise<void> {
  if (!api) {
    const saved = sessionStorage.getItem(STORE_KEY);
    if (saved) {
      const s = JSON.parse(saved) as { creds: Credentials; me: Me };
      api = new Cairn(sessionFor(s.creds));
      me = s.me;
    }
  }
  if (!api) {
    clear(root, h('main', { class: 'center' }, alertBox, status, signInView()));
    return;
  }
  status.textContent = '';
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const [view, ...rest] = parts;
  const dec = (s: string) => decodeURIComponent(s);
  let el: HTMLElement;
  try {
    if (view === 'b' && rest[0]) el = await browserView(dec(rest[0]), rest.slice(1).map(dec).join('/'));
    else if (view === 'o' && rest[0]) el = await objectView(dec(rest[0]), rest.slice(1).map(dec).join('/'));
    else if (view === 's' && rest[0]) el = await settingsView(dec(rest[0]));
    else if (view === 'iam' && iamApi) el = await iamView();
    else if (view === 'accounts' && iamApi && isAdmin) el = await accountsView({ api: iamApi, shell, showError, say });
    else if (view === 'dashboard') el = await dashboardView();
    else el = await bucketsView();
  } catch (e) {
    el = shell('Error');
    showError(e);
  }
  clear(root, el);
  (root.querySelector('main h1') as HTMLElement | null)?.focus?.();
}

async function start(): Promise<void> {
  const c = await fetch('/-/console/config.json')
    .then((r) => r.json() as Promise<Config>)
    .catch(() => undefined);
  if (c) config = c;
  window.addEventListener('hashchange', () => void route());
  await route();
}

void start();

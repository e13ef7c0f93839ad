/**
 * The dashboard: capacity (disk, database, per-bucket usage and quota), the
 * last hour per operation (requests, errors, latency, with sparklines of the
 * whole server per minute) and the background work (sweeper, lifecycle,
 * notification queues, last scrub), version and uptime. Figures come from
 * `/-/metrics/history` (the metrics bearer token, or CAIRN_METRICS_PUBLIC);
 * bucket usage from HEAD Bucket signed as the signed-in user.
 */
import { ApiError, kid, kids, text, type Cairn } from './api.js';
import { clear, field, h } from './dom.js';
import { formatBytes, formatDuration, sparkline } from './logic.js';
import type { HistoryReport } from '../../workers/historyReport.js';

/** What `/-/metrics/history` answers: the server's own type. */
export type MetricsHistory = HistoryReport;

export interface BucketFigures {
  bytes?: number;
  objects?: number;
  maxBytes?: number;
  maxObjects?: number;
}

/** What the dashboard borrows from the console's shell. */
export interface DashboardDeps {
  readonly api: Cairn;
  readonly shell: (title: string, ...body: (Node | string | null | Node[])[]) => HTMLElement;
  readonly signedInAs: string;
  /** The version config.json names (shown when the metrics cannot be read). */
  readonly version: string;
  /** The metrics bearer token, kept by the shell in memory only. */
  readonly token: { get(): string; set(t: string): void };
  readonly bucketUsage: (a: Cairn, bucket: string) => Promise<BucketFigures>;
}

async function fetchHistory(token: string): Promise<MetricsHistory> {
  const res = await fetch('/-/metrics/history', { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = await res.text();
  if (!res.ok)
    throw new ApiError(
      res.status,
      res.status === 401 ? 'Unauthorized' : res.status === 403 ? 'Forbidden' : res.status === 404 ? 'NotFound' : `HTTP${res.status}`,
      (res.status === 404 ? safeError(body) : body.trim()) || `HTTP ${res.status}`,
    );
  return JSON.parse(body) as MetricsHistory;
}

/** `{"error": "..."}` answers (metrics off) shown by their message. */
function safeError(body: string): string {
  try {
    return String((JSON.parse(body) as { error?: unknown }).error ?? body);
  } catch {
    return body.trim();
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/** An inline sparkline (no chart library): a polyline in the text colour, so it follows the light or dark theme. */
function spark(values: readonly number[], label: string, width = 240, height = 40): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({ width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'spark' }))
    svg.setAttribute(k, String(v));
  const title = document.createElementNS(SVG, 'title');
  title.textContent = label;
  const base = document.createElementNS(SVG, 'line');
  for (const [k, v] of Object.entries({ x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, stroke: 'currentColor', 'stroke-opacity': 0.25 }))
    base.setAttribute(k, String(v));
  const line = document.createElementNS(SVG, 'polyline');
  for (const [k, v] of Object.entries({
    points: sparkline(values, width, height),
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': 1.5,
    'stroke-linejoin': 'round',
  }))
    line.setAttribute(k, String(v));
  svg.append(title, base, line);
  return svg;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : x >= 10 ? `${x.toFixed(1)} s` : `${(x * 1000).toFixed(x < 0.01 ? 1 : 0)} ms`;
const perMinute = (perSecond: number) => {
  const v = perSecond * 60;
  return v >= 99.5 ? v.toFixed(0) : v >= 9.95 ? v.toFixed(1) : v.toFixed(2);
};
const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export async function dashboardView(d: DashboardDeps): Promise<HTMLElement> {
  const a = d.api;
  const facts = h('dl', { class: 'details', 'aria-label': 'Server' });
  const usageRows = h('tbody');
  const lastHour = h('div', { class: 'ops' });
  const background = h('div', {});
  const tokenIn = h('input', { type: 'password', name: 'metricsToken', autocomplete: 'off', value: d.token.get() });
  const metricsErr = h('div', { class: 'inline-error', role: 'alert' });

  const doc = await a.xml({ method: 'GET', query: { 'max-buckets': '1000' } });
  const names = kids(kid(doc, 'Buckets') ?? doc.documentElement, 'Bucket').map((b) => text(b, 'Name'));
  const usages = await Promise.all(names.map((n) => d.bucketUsage(a, n).catch((e: unknown) => e as Error)));
  let stored = 0;
  clear(
    usageRows,
    names.length === 0 ? h('tr', {}, h('td', { colspan: 4 }, 'No buckets.')) : null,
    names.map((n, i) => {
      const u = usages[i]!;
      if (u instanceof Error)
        return h('tr', {}, h('th', { scope: 'row' }, n), h('td', { colspan: 3 }, u instanceof ApiError ? `${u.code}: ${u.message}` : u.message));
      stored += u.bytes ?? 0;
      const quota = [u.maxBytes !== undefined ? formatBytes(u.maxBytes) : '', u.maxObjects !== undefined ? `${u.maxObjects} objects` : '']
        .filter(Boolean)
        .join(', ');
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, h('a', { href: `#/s/${encodeURIComponent(n)}` }, n)),
        h('td', { class: 'num' }, u.objects === undefined ? '—' : String(u.objects)),
        h('td', { class: 'num' }, u.bytes === undefined ? '—' : formatBytes(u.bytes)),
        h('td', {}, quota || 'none'),
      );
    }),
  );

  const when = (iso: string | null, now: number) => {
    if (iso === null) return 'not yet';
    const t = Date.parse(iso);
    return `${new Date(t).toLocaleString()} (${formatDuration((now - t) / 1000)} ago)`;
  };
  const dl = (label: string, rows: [string, string][]) =>
    h(
      'dl',
      { class: 'details', 'aria-label': label },
      rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    );

  const showFacts = (x: MetricsHistory | undefined) => {
    const c = x?.capacity;
    const rows: [string, string][] = [
      ['Signed in as', d.signedInAs],
      ['Server version', x?.version || d.version || '—'],
      ['Uptime', x ? formatDuration(x.uptimeSeconds) : '—'],
      ['Disk used', c ? `${formatBytes(c.diskTotalBytes - c.diskFreeBytes)} of ${formatBytes(c.diskTotalBytes)}` : '—'],
      ['Disk free', c ? formatBytes(c.diskFreeBytes) : '—'],
      ['Stored in the buckets you can see', formatBytes(stored)],
      ['Metadata database', c ? `${formatBytes(c.databaseBytes)} (and ${formatBytes(c.walBytes)} of WAL)` : '—'],
    ];
    clear(
      facts,
      rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    );
  };

  const showLastHour = (x: MetricsHistory) => {
    const per = x.minutes;
    const requests = per.map((m) => m.requests);
    const errors = per.map((m) => m.errors4xx + m.errors5xx);
    const p99 = per.map((m) => m.p99Seconds ?? 0);
    const peak = (v: number[]) => Math.max(0, ...v);
    const slice = x.sliceSeconds === 60 ? 'minute' : `${x.sliceSeconds} s slice`;
    const figure = (title: string, values: number[], summary: string) =>
      h('figure', {}, spark(values, `${title} over the last hour: ${summary}`), h('figcaption', {}, h('strong', {}, title), ` — ${summary}`));
    const totalRequests = requests.reduce((s, n) => s + n, 0);
    const totalErrors = errors.reduce((s, n) => s + n, 0);
    clear(
      lastHour,
      h(
        'p',
        {},
        `Over the last ${formatDuration(x.windowSeconds)}, one point per ${slice} (the last one is still counting). Refreshes every minute while shown.`,
      ),
      h(
        'div',
        { class: 'columns' },
        figure(`Requests per ${slice}`, requests, `${totalRequests} in all, at most ${peak(requests)} in one`),
        figure(
          `Errors per ${slice}`,
          errors,
          `${totalErrors} in all (${pct(totalRequests > 0 ? totalErrors / totalRequests : 0)}), at most ${peak(errors)} in one`,
        ),
        figure(`p99 latency per ${slice}`, p99, `highest ${ms(peak(p99))}`),
      ),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'list', 'aria-label': 'Last hour by operation' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Operation'),
              h('th', { scope: 'col' }, 'Requests'),
              h('th', { scope: 'col' }, 'Per minute'),
              h('th', { scope: 'col' }, 'Errors (4xx / 5xx)'),
              h('th', { scope: 'col' }, 'Error rate'),
              h('th', { scope: 'col' }, 'p50'),
              h('th', { scope: 'col' }, 'p99'),
              h('th', { scope: 'col' }, 'Mean'),
              h('th', { scope: 'col' }, 'Trend'),
            ),
          ),
          h(
            'tbody',
            {},
            x.operations.length === 0 ? h('tr', {}, h('td', { colspan: 9 }, 'No requests in the last hour.')) : null,
            x.operations.map((o) =>
              h(
                'tr',
                { 'data-operation': o.operation },
                h('th', { scope: 'row' }, o.operation),
                h('td', { class: 'num' }, String(o.requests)),
                h('td', { class: 'num' }, perMinute(o.rate)),
                h('td', { class: 'num' }, `${o.errors4xx} / ${o.errors5xx}`),
                h('td', { class: 'num' }, pct(o.errorRate)),
                h('td', { class: 'num' }, ms(o.p50Seconds)),
                h('td', { class: 'num' }, ms(o.p99Seconds)),
                h('td', { class: 'num' }, ms(o.meanSeconds)),
                h(
                  'td',
                  {},
                  spark(
                    per.map((m) => m.operations[o.operation]?.requests ?? 0),
                    `${o.operation} requests per ${slice} over the last hour`,
                    90,
                    18,
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };

  const showBackground = (x: MetricsHistory) => {
    const now = Date.parse(x.now);
    const { sweeper: sw, lifecycle: lc, notifications, scrub } = x.background;
    const r = sw.removed;
    clear(
      background,
      h(
        'div',
        { class: 'columns' },
        h(
          'section',
          {},
          h('h3', {}, 'Sweeper'),
          dl('Sweeper', [
            ['Last run', sw.lastRun === null ? 'not yet' : `${when(sw.lastRun, now)}${sw.ok === false ? `: failed (${sw.error ?? 'unknown error'})` : ''}`],
            ['Garbage blobs pending', String(sw.garbagePending)],
            ['Multipart uploads open', String(sw.uploadsOpen)],
            [
              'Removed since start',
              `${count(r.garbage, 'garbage blob')}, ${count(r.orphans, 'orphan')}, ${count(r.temps, 'temp file')}, ${count(r.staleUploads, 'stale upload')}`,
            ],
          ]),
        ),
        h(
          'section',
          {},
          h('h3', {}, 'Lifecycle'),
          dl('Lifecycle', [
            ['Last pass', when(lc.lastRun, now)],
            ['Passes since start', `${lc.runs} (${count(lc.failures, 'failure')})`],
            [
              'Done since start',
              `${count(lc.expired, 'object')} expired, ${count(lc.noncurrent, 'noncurrent version')} removed, ${count(lc.deleteMarkers, 'delete marker')} removed, ${count(lc.uploadsAborted, 'upload')} aborted`,
            ],
            ['Kept by Object Lock', `${count(lc.heldVersions, 'version')} waiting to be judged again`],
          ]),
        ),
        h(
          'section',
          {},
          h('h3', {}, 'Last scrub'),
          dl(
            'Last scrub',
            scrub
              ? [
                  ['Finished', when(scrub.finishedAt, now)],
                  ['Checked', `${count(scrub.checked, 'object')} (${formatBytes(scrub.bytes)})`],
                  ['Found', `${scrub.missing} missing, ${scrub.truncated} truncated, ${scrub.corrupt} corrupt`],
                ]
              : [['Finished', 'none since the start (cairn scrub, or CAIRN_SCRUB_INTERVAL_DAYS)']],
          ),
        ),
      ),
      h('h3', {}, 'Notification queues'),
      h(
        'table',
        { class: 'list', 'aria-label': 'Notification queues' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'Target'),
            h('th', { scope: 'col' }, 'Waiting'),
            h('th', { scope: 'col' }, 'Overflowed'),
            h('th', { scope: 'col' }, 'Delivered'),
            h('th', { scope: 'col' }, 'Failed attempts'),
          ),
        ),
        h(
          'tbody',
          {},
          notifications.length === 0 ? h('tr', {}, h('td', { colspan: 5 }, 'No notification targets configured (CAIRN_NOTIFICATION_TARGETS).')) : null,
          notifications.map((n) =>
            h(
              'tr',
              { 'data-target': n.target },
              h('th', { scope: 'row' }, n.target),
              h('td', { class: 'num' }, String(n.pending)),
              h('td', { class: 'num' }, String(n.overflow)),
              h('td', { class: 'num' }, String(n.delivered)),
              h('td', { class: 'num' }, String(n.failed)),
            ),
          ),
        ),
      ),
    );
  };

  let loaded = false;
  const load = async () => {
    metricsErr.textContent = '';
    let x: MetricsHistory;
    try {
      x = await fetchHistory(d.token.get());
    } catch (e) {
      loaded = false;
      showFacts(undefined);
      clear(lastHour);
      clear(background, h('p', {}, 'Needs the metrics.'));
      metricsErr.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
      return;
    }
    loaded = true;
    showFacts(x);
    showLastHour(x);
    showBackground(x);
  };
  await load();

  const view = d.shell(
    'Dashboard',
    h('section', { class: 'card' }, h('h2', {}, 'Server'), facts),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Last hour'),
      h(
        'form',
        {
          class: 'toolbar',
          'aria-label': 'Metrics access',
          onsubmit: async (e: Event) => {
            e.preventDefault();
            d.token.set(tokenIn.value.trim());
            await load();
          },
        },
        field('Metrics token', tokenIn, 'CAIRN_METRICS_TOKEN; kept in this page only. Not needed with CAIRN_METRICS_PUBLIC=true.'),
        h('button', { type: 'submit' }, 'Refresh metrics'),
      ),
      metricsErr,
      lastHour,
    ),
    h('section', { class: 'card' }, h('h2', {}, 'Background work'), background),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Buckets'),
      h(
        'table',
        { class: 'list', 'aria-label': 'Bucket usage' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Bucket'), h('th', {}, 'Objects'), h('th', {}, 'Stored'), h('th', {}, 'Quota'))),
        usageRows,
      ),
    ),
  );
  // A new point each minute while the dashboard is shown (and the metrics could be read); stops once it is left.
  const timer = setInterval(() => {
    if (!view.isConnected) clearInterval(timer);
    else if (loaded) void load();
  }, 60_000);
  return view;
}

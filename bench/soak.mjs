#!/usr/bin/env node
// npm run soak: a long mixed load (default one hour at concurrency 8) against a Cairn it starts from dist/ on a temp
// data dir (or --endpoint with --server-pid), in repeating phases: small PUT/GET/HEAD/DELETE, LIST with and without a
// delimiter, large PUT/GET, multipart, and failing requests (bad signatures, aborted multipart uploads, clients that
// disconnect mid-body and mid-download). Every 10 s it samples the server's RSS, heap, open descriptors and
// event-loop delay into samples.csv; at the end it writes chart.svg and report.md (PASS/FAIL per target) to --out.
// A bench mode, not a test: numbers depend on the machine and on whatever else runs on it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { signRequest } from '../dist/cli/signer.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---------- options
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const size = (s) => {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(String(s));
  if (!m) throw new Error(`bad size ${s}`);
  return Math.round(Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase()]);
};
const seconds = (s) => {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(String(s));
  if (!m) throw new Error(`bad duration ${s}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[(m[2] ?? 's').toLowerCase()];
};
if (args.includes('--help')) {
  console.log(`usage: npm run soak -- [--duration 60m] [--concurrency 8] [--phase 30s] [--interval 10s] [--warmup 10]
  [--size 4KiB] [--objects 2000] [--list-keys 5000] [--large-size 256MiB] [--mp-size 64MiB] [--part-size 16MiB]
  [--fsync on|off] [--out ./soak-<timestamp>/]
  [--endpoint http://127.0.0.1:9000 --access-key K --secret-key S --server-pid P --metrics-token T]
  [--phases small,list,large,multipart,faults]
  --phase: how long each phase runs (small, list, large, multipart, faults; then again until --duration)
  --warmup: the first N % of the run, left out of the RSS spread
  Writes samples.csv, chart.svg and report.md to --out.`);
  process.exit(0);
}
const duration = seconds(opt('duration', '60m')) * 1000;
const concurrency = Number(opt('concurrency', '8'));
const phaseMs = seconds(opt('phase', '30s')) * 1000;
const intervalMs = seconds(opt('interval', '10s')) * 1000;
const warmupPct = Number(opt('warmup', '10'));
const objSize = size(opt('size', '4KiB'));
const objects = Number(opt('objects', '2000'));
const listKeys = Number(opt('list-keys', '5000'));
const largeSize = size(opt('large-size', '256MiB'));
const mpSize = size(opt('mp-size', '64MiB'));
const partSize = size(opt('part-size', '16MiB'));
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const out = resolve(opt('out', `soak-${stamp}`));
const region = 'us-east-1';

// ---------- server
let endpoint = opt('endpoint');
const accessKey = opt('access-key', 'CAIRNBENCH0000000001');
const secretKey = opt('secret-key', 'cairn-bench-secret-0000000000000000000001');
const metricsToken = opt('metrics-token', 'cairn-soak-metrics');
let serverPid = opt('server-pid') ? Number(opt('server-pid')) : undefined;
let child;
let dataDir;

async function startCairn() {
  dataDir = mkdtempSync(join(tmpdir(), 'cairn-soak-'));
  const port = 19000 + Math.floor(Math.random() * 2000);
  // Started the way `npm start` starts it (package.json's start script: its malloc settings, then exec node), so the
  // soak measures the server as it ships; the script's `node` is this one.
  const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start;
  child = spawn('/bin/sh', ['-c', start], {
    cwd: root,
    env: {
      ...process.env,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      CAIRN_HOST: '127.0.0.1',
      CAIRN_PORT: String(port),
      CAIRN_DATA_DIR: dataDir,
      CAIRN_ACCESS_KEY: accessKey,
      CAIRN_SECRET_KEY: secretKey,
      CAIRN_LOG_LEVEL: 'warn',
      CAIRN_FSYNC: opt('fsync', 'on'),
      CAIRN_METRICS: 'true',
      CAIRN_METRICS_TOKEN: metricsToken,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  serverPid = child.pid;
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Cairn listening')) resolve();
    });
    child.on('exit', (c) => reject(new Error(`cairn exited (${c}): ${out}`)));
  });
  endpoint = `http://127.0.0.1:${port}`;
}

// ---------- requests
/** A fresh agent per phase, closed at its end, so the server's descriptors can be compared with the idle count. */
let agent;
const newAgent = () => new Agent({ connections: concurrency * 2, pipelining: 1, keepAliveTimeout: 30_000 });

const signed = (method, path, query = [], headers = {}, secret = secretKey) =>
  signRequest({ endpoint, method, path, query, headers, accessKey, secretKey: secret, region, now: new Date() });

let requests = 0;
let expectedFailures = 0;
/** The first 1,000 unexpected errors (the count goes on). */
const unexpected = [];
let unexpectedCount = 0;
function fail(what) {
  if (++unexpectedCount <= 1000) unexpected.push(`${new Date().toISOString()} ${phaseName}: ${what}`);
  if (unexpectedCount <= 20) console.error(`unexpected: ${what}`);
}

async function call(method, path, { query, headers, body, sink = 'dump', expect } = {}) {
  const s = signed(method, path, query, headers);
  const res = await request(s.url, { method, headers: s.headers, body, dispatcher: agent });
  requests++;
  const text = sink === 'text' ? await res.body.text() : (await res.body.dump({ limit: Infinity }), '');
  const ok = expect ? expect.includes(res.statusCode) : res.statusCode < 300;
  if (!ok) throw new Error(`${method} ${path} → ${res.statusCode} ${text.slice(0, 200)}`);
  return { status: res.statusCode, headers: res.headers, text };
}

async function* generate(total) {
  const chunk = randomBytes(1024 * 1024);
  for (let sent = 0; sent < total; sent += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, total - sent));
}

/** A raw HTTP/1.1 request on its own socket, destroyed after `after` bytes went out (body) or came in (response). */
function disconnect(method, path, { contentLength = 0, sendBytes = 0, readBytes = 0 }) {
  const s = signed(method, path, [], contentLength ? { 'content-length': String(contentLength) } : {});
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname);
    let got = 0;
    const timer = setTimeout(() => (sock.destroy(), reject(new Error(`${method} ${path}: no response to cut`))), 30_000);
    sock.on('error', () => {});
    sock.on('close', () => (clearTimeout(timer), resolve()));
    sock.on('connect', () => {
      const lines = [`${method} ${u.pathname}${u.search} HTTP/1.1`, ...Object.entries(s.headers).map(([k, v]) => `${k}: ${v}`), '', ''];
      sock.write(lines.join('\r\n'));
      if (sendBytes) {
        sock.write(randomBytes(sendBytes), () => setTimeout(() => sock.destroy(), 50));
      }
    });
    sock.on('data', (d) => {
      got += d.length;
      if (readBytes && got >= readBytes) sock.destroy();
    });
    requests++;
    expectedFailures++;
  });
}

// ---------- phases
const bucket = `soak-${Date.now().toString(36)}`;
const listBucket = `${bucket}-list`;
const small = randomBytes(objSize);
let phaseName = 'setup';
const rnd = (n) => Math.floor(Math.random() * n);

const smallOp = async () => {
  const k = `/${bucket}/obj/${rnd(objects)}`;
  const r = rnd(10);
  if (r < 3) await call('PUT', k, { body: small, headers: { 'content-length': String(objSize) } });
  else if (r < 7) await call('GET', k, { expect: [200, 404] });
  else if (r < 9) await call('HEAD', k, { expect: [200, 404] });
  else await call('DELETE', k, { expect: [204] });
};

const listOp = async () => {
  const delim = rnd(2) === 1;
  let token;
  do {
    const q = [
      ['list-type', '2'],
      ['max-keys', '1000'],
      ['prefix', delim ? `list/d${rnd(50)}` : 'list/'],
    ];
    if (delim) q.push(['delimiter', '/']);
    if (token) q.push(['continuation-token', token]);
    const res = await call('GET', `/${listBucket}`, { query: q, sink: 'text' });
    token = /<NextContinuationToken>([^<]+)</.exec(res.text)?.[1];
  } while (token && phaseOn());
};

let largeN = 0;
const largeOp = async () => {
  const k = `/${bucket}/large/${largeN++ % 2}`;
  await call('PUT', k, { body: generate(largeSize), headers: { 'content-length': String(largeSize) } });
  await call('GET', k);
};

let mpN = 0;
async function multipartOp({ abort = false } = {}) {
  const k = `/${bucket}/mp/${abort ? 'aborted' : mpN++ % 2}`;
  const init = await call('POST', k, { query: [['uploads', '']], sink: 'text' });
  const uploadId = /<UploadId>([^<]+)</.exec(init.text)[1];
  const total = abort ? partSize : mpSize;
  const parts = Math.ceil(total / partSize);
  const etags = [];
  let next = 1;
  await Promise.all(
    Array.from({ length: Math.min(4, parts) }, async () => {
      while (next <= parts) {
        const pn = next++;
        const len = Math.min(partSize, total - (pn - 1) * partSize);
        const res = await call('PUT', k, {
          query: [
            ['partNumber', String(pn)],
            ['uploadId', uploadId],
          ],
          body: generate(len),
          headers: { 'content-length': String(len) },
        });
        etags[pn] = res.headers.etag;
      }
    }),
  );
  if (abort) {
    await call('DELETE', k, { query: [['uploadId', uploadId]], expect: [204] });
    expectedFailures++;
    return;
  }
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => (e ? `<Part><PartNumber>${i}</PartNumber><ETag>${e}</ETag></Part>` : '')).join('')}</CompleteMultipartUpload>`;
  const done = await call('POST', k, { query: [['uploadId', uploadId]], body: xml, sink: 'text' });
  if (!done.text.includes('<ETag>')) throw new Error(`CompleteMultipartUpload: ${done.text.slice(0, 200)}`);
}

const faultOp = async () => {
  const r = rnd(4);
  if (r === 0) {
    // A bad signature: 403 SignatureDoesNotMatch.
    const s = signed('GET', `/${bucket}/obj/${rnd(objects)}`, [], {}, 'not-the-secret');
    const res = await request(s.url, { headers: s.headers, dispatcher: agent });
    const text = await res.body.text();
    requests++;
    expectedFailures++;
    if (res.statusCode !== 403 || !text.includes('SignatureDoesNotMatch')) throw new Error(`bad signature → ${res.statusCode}`);
  } else if (r === 1) {
    await multipartOp({ abort: true });
  } else if (r === 2) {
    // A PUT whose client goes away after 256 KiB of a 4 MiB body.
    await disconnect('PUT', `/${bucket}/cut/${rnd(16)}`, { contentLength: 4 * 1024 * 1024, sendBytes: 256 * 1024 });
  } else {
    // A GET of the large object whose client goes away after 1 MiB.
    await disconnect('GET', `/${bucket}/large/0`, { readBytes: 1024 * 1024 });
  }
};

/** Each phase: what each of the `concurrency` workers does in a loop. */
const phases = [
  { name: 'small', worker: () => smallOp },
  { name: 'list', worker: (i) => (i < concurrency / 2 ? listOp : smallOp) },
  { name: 'large', worker: (i) => (i < 2 ? largeOp : smallOp) },
  { name: 'multipart', worker: (i) => (i < 2 ? () => multipartOp() : smallOp) },
  { name: 'faults', worker: (i) => (i < concurrency / 2 ? faultOp : smallOp) },
];

const only = opt('phases');
if (only) {
  const names = only.split(',');
  for (const n of names) if (!phases.some((p) => p.name === n)) throw new Error(`--phases: ${n} is not one of ${phases.map((p) => p.name).join(', ')}`);
  phases.splice(0, phases.length, ...phases.filter((p) => names.includes(p.name)));
}

let phaseEnd = 0;
let runEnd = 0;
const phaseOn = () => performance.now() < phaseEnd && performance.now() < runEnd;

async function runPhase(p) {
  phaseName = p.name;
  agent = newAgent();
  phaseEnd = performance.now() + phaseMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      const op = p.worker(i);
      while (phaseOn()) {
        try {
          await op();
        } catch (e) {
          fail(e.message);
        }
      }
    }),
  );
  await agent.close();
}

// ---------- sampling
const fdTargets = (pid) => {
  const m = new Map();
  try {
    for (const f of readdirSync(`/proc/${pid}/fd`)) {
      try {
        m.set(f, readlinkSync(`/proc/${pid}/fd/${f}`));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // not ours to read
  }
  return m;
};
/** What the server holds open now that it did not at idle (fd → target), for the report. */
const newFds = () => {
  const now = fdTargets(serverPid);
  return [...now].filter(([f, t]) => idleFdMap.get(f) !== t).map(([f, t]) => `${f}→${t.replace(dataDir ?? '\0', '<data>')}`);
};
let idleFdMap = new Map();
let idleKinds = [];
const fdCount = (pid) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
};
const rssMB = (pid) => {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
};
/** /-/metrics on its own connection (closed after), the figures the soak needs. */
async function scrape() {
  const res = await request(`${endpoint}/-/metrics`, { headers: { authorization: `Bearer ${metricsToken}`, connection: 'close' }, reset: true });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`/-/metrics → ${res.statusCode}: ${text.slice(0, 100)}`);
  const v = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : NaN;
  };
  return {
    heapUsed: v(/^nodejs_heap_size_used_bytes (\S+)/m) / 1e6,
    heapTotal: v(/^nodejs_heap_size_total_bytes (\S+)/m) / 1e6,
    external: v(/^nodejs_external_memory_bytes (\S+)/m) / 1e6,
    elP99: v(/^cairn_eventloop_delay_seconds\{stat="p99"\} (\S+)/m) * 1000,
    elMax: v(/^cairn_eventloop_delay_seconds\{stat="max"\} (\S+)/m) * 1000,
  };
}

/** The server's CPU time (user + system, clock ticks of 10 ms). */
const ticks = (pid) => {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
};
let lastTicks = NaN;
let lastTickAt = 0;

const samples = [];
const fdChecks = [];
let t0 = 0;
let scraping = Promise.resolve();
async function sample() {
  const t = (performance.now() - t0) / 1000;
  const fds = fdCount(serverPid);
  const rss = rssMB(serverPid);
  let m = {};
  scraping = scrape().then(
    (x) => (m = x),
    (e) => fail(`scrape: ${e.message}`),
  );
  await scraping;
  const tk = ticks(serverPid);
  const now = performance.now();
  // Server CPU % over the interval (100 = one core) and the machine's load: a busy machine delays the event loop too.
  const cpu = ((tk - lastTicks) * 10 * 100) / (now - lastTickAt);
  lastTicks = tk;
  lastTickAt = now;
  const s = { t, phase: phaseName, rss, ...m, fds, cpu, load: loadavg()[0], requests, expectedFailures, unexpected: unexpectedCount };
  samples.push(s);
  console.error(
    `${t.toFixed(0).padStart(5)}s cpu ${fmt(cpu, 0)}% load ${fmt(s.load)} ${phaseName.padEnd(9)} rss ${rss.toFixed(1)} MB heap ${s.heapUsed?.toFixed(1)}/${s.heapTotal?.toFixed(1)} MB fds ${fds} el p99 ${s.elP99?.toFixed(1)} ms req ${requests} unexpected ${unexpectedCount}`,
  );
}
/** Descriptors once the phase's clients are gone (the server needs a moment to see the sockets close). */
async function settledFds() {
  await scraping;
  let fds = fdCount(serverPid);
  for (let i = 0; i < 20 && fds > idleFds; i++) {
    await new Promise((r) => setTimeout(r, 250));
    fds = fdCount(serverPid);
  }
  return fds;
}
let idleFds = NaN;
let setupFds = NaN;

// ---------- output
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '');
function writeCsv() {
  const cols = ['t', 'phase', 'rss', 'heapUsed', 'heapTotal', 'external', 'fds', 'elP99', 'elMax', 'cpu', 'load', 'requests', 'expectedFailures', 'unexpected'];
  const head =
    't_s,phase,rss_mb,heap_used_mb,heap_total_mb,external_mb,fds,eventloop_p99_ms,eventloop_max_ms,server_cpu_pct,load_avg_1m,requests,expected_failures,unexpected_errors';
  const rows = samples.map((s) => cols.map((c) => (typeof s[c] === 'number' ? fmt(s[c], c === 't' ? 0 : 2) : s[c])).join(','));
  writeFileSync(join(out, 'samples.csv'), `${head}\n${rows.join('\n')}\n`);
}

const PHASE_COLOURS = { setup: '#eeeeee', small: '#e3f2fd', list: '#fff3e0', large: '#fce4ec', multipart: '#e8f5e9', faults: '#f3e5f5', idle: '#fafafa' };
function writeSvg(bands) {
  const W = 900;
  const H = 150;
  const L = 60;
  const series = [
    { key: 'rss', label: 'RSS MB', colour: '#1565c0' },
    { key: 'heapUsed', label: 'heap used MB', colour: '#2e7d32' },
    { key: 'fds', label: 'open fds', colour: '#6a1b9a' },
    { key: 'elP99', label: 'event-loop p99 ms', colour: '#c62828' },
  ];
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const x = (t) => L + (t / tMax) * (W - L - 10);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H * series.length + 30}" font-family="sans-serif" font-size="11">\n`;
  series.forEach((ser, i) => {
    const top = i * H + 10;
    const vals = samples.map((s) => s[ser.key]).filter(Number.isFinite);
    const vMax = Math.max(1, ...vals) * 1.1;
    const y = (v) => top + H - 20 - (v / vMax) * (H - 30);
    for (const b of bands) {
      svg += `<rect x="${x(b.from).toFixed(1)}" y="${top}" width="${Math.max(0.5, x(b.to) - x(b.from)).toFixed(1)}" height="${H - 20}" fill="${PHASE_COLOURS[b.name] ?? '#fff'}"/>\n`;
    }
    svg += `<text x="${L}" y="${top + 10}" fill="${ser.colour}">${ser.label} (max ${fmt(Math.max(...vals))})</text>\n`;
    svg += `<text x="${L - 4}" y="${y(0)}" text-anchor="end">0</text><text x="${L - 4}" y="${y(vMax / 1.1) + 4}" text-anchor="end">${fmt(vMax / 1.1, 0)}</text>\n`;
    svg += `<line x1="${L}" y1="${y(0)}" x2="${W - 10}" y2="${y(0)}" stroke="#999"/>\n`;
    const pts = samples.filter((s) => Number.isFinite(s[ser.key])).map((s) => `${x(s.t).toFixed(1)},${y(s[ser.key]).toFixed(1)}`);
    svg += `<polyline fill="none" stroke="${ser.colour}" stroke-width="1.5" points="${pts.join(' ')}"/>\n`;
  });
  const legendY = H * series.length + 20;
  let lx = L;
  for (const [name, colour] of Object.entries(PHASE_COLOURS)) {
    svg += `<rect x="${lx}" y="${legendY - 9}" width="10" height="10" fill="${colour}" stroke="#999"/><text x="${lx + 14}" y="${legendY}">${name}</text>\n`;
    lx += 90;
  }
  svg += `<text x="${W - 10}" y="${legendY}" text-anchor="end">time (s, max ${fmt(tMax, 0)})</text>\n</svg>\n`;
  writeFileSync(join(out, 'chart.svg'), svg);
}

function writeReport(bands, opCounts) {
  const warm = samples.filter((s) => s.t >= ((warmupPct / 100) * duration) / 1000 && Number.isFinite(s.rss));
  const rssAll = samples.map((s) => s.rss).filter(Number.isFinite);
  const peak = Math.max(...rssAll);
  const wMin = Math.min(...warm.map((s) => s.rss));
  const wMax = Math.max(...warm.map((s) => s.rss));
  const spread = (wMax / wMin - 1) * 100;
  const loaded = samples.filter((s) => s.phase !== 'setup' && s.phase !== 'idle');
  const p99s = loaded.map((s) => s.elP99).filter(Number.isFinite);
  const p99Max = Math.max(...p99s);
  const p99Sorted = [...p99s].sort((a, b) => a - b);
  const p99Median = p99Sorted[Math.floor(p99Sorted.length / 2)];
  const elMax = Math.max(...loaded.map((s) => s.elMax).filter(Number.isFinite));
  const judged = fdChecks.filter((c) => c.judged);
  const fdBad = judged.filter((c) => c.fds > idleFds);
  const line = (ok, text) => `- **${ok === undefined ? 'N/A' : ok ? 'PASS' : 'FAIL'}** ${text}`;
  const targets = [
    line(spread <= 15, `RSS after warm-up (first ${warmupPct} %) within 15 %: ${fmt(wMin)}..${fmt(wMax)} MB, spread ${fmt(spread)} %`),
    line(
      judged.length === 0 ? undefined : fdBad.length === 0,
      `open descriptors back to the idle count (${idleFds}, after the first round) after each later phase: ${judged.length - fdBad.length}/${judged.length}${fdBad.length ? ` (not: ${fdBad.map((c) => `${c.phase}#${c.round} ${c.fds}`).join(', ')})` : ''}`,
    ),
    line(peak <= 200, `peak RSS ≤ 200 MB: ${fmt(peak)} MB`),
    line(p99Max <= 20, `event-loop delay p99 ≤ 20 ms in every 10 s interval under load: max ${fmt(p99Max)} ms (median ${fmt(p99Median)} ms)`),
    line(unexpectedCount === 0, `no unexpected errors: ${unexpectedCount}`),
  ];
  const fdTable = fdChecks.map((c) => `| ${c.round} | ${c.phase} | ${c.fds} | ${fmt(c.rss)} | ${c.extra.slice(0, 6).join(' ')} |`).join('\n');
  const md = `# Cairn soak ${new Date().toISOString()}

Duration ${fmt(duration / 60000)} min, concurrency ${concurrency}, phases of ${fmt(phaseMs / 1000, 0)} s
(${phases.map((p) => p.name).join(', ')}, repeated), samples every ${fmt(intervalMs / 1000, 0)} s; small objects ${objSize} B,
large ${largeSize / 1024 ** 2} MiB, multipart ${mpSize / 1024 ** 2} MiB in ${partSize / 1024 ** 2} MiB parts; fsync ${opt('fsync', 'on')}; Node ${process.version}.

## Targets

${targets.join('\n')}

## Figures

- Peak RSS ${fmt(peak)} MB; after warm-up min ${fmt(wMin)} MB, max ${fmt(wMax)} MB (spread ${fmt(spread)} %); at the end ${fmt(rssAll.at(-1))} MB
- Heap used max ${fmt(Math.max(...samples.map((s) => s.heapUsed).filter(Number.isFinite)))} MB, heap total max ${fmt(Math.max(...samples.map((s) => s.heapTotal).filter(Number.isFinite)))} MB
- Event-loop delay (per 10 s interval, under load): p99 median ${fmt(p99Median)} ms, p99 max ${fmt(p99Max)} ms; longest single delay ${fmt(elMax)} ms
- Server CPU ${fmt(
    loaded
      .map((s) => s.cpu)
      .filter(Number.isFinite)
      .reduce((a, b) => a + b, 0) / Math.max(1, loaded.length),
    0,
  )} % of a core on average; machine load average (1 min) ${fmt(Math.min(...loaded.map((s) => s.load)))}..${fmt(Math.max(...loaded.map((s) => s.load)))} on ${availableParallelism()} cores (a load above the core count delays the event loop whatever the server does)
- Requests ${requests} (${fmt(requests / (duration / 1000), 0)}/s), of them deliberately failing ${expectedFailures}; unexpected errors ${unexpectedCount}
- Operations by phase: ${Object.entries(opCounts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}

## Open descriptors (idle: ${idleFds}, after the first round; round 1 is not judged)

After the setup (${setupFds}): ${idleKinds.map(([k, n]) => `${n}× \`${k}\``).join(', ')}.

| round | after phase | fds | RSS MB | held beyond idle |
|---|---|---|---|---|
${fdTable}

${
  unexpectedCount
    ? `## Unexpected errors (first 50)\n\n${unexpected
        .slice(0, 50)
        .map((e) => `- ${e}`)
        .join('\n')}\n`
    : ''
}
![chart](chart.svg)

Raw samples: samples.csv.
`;
  writeFileSync(join(out, 'report.md'), md);
  console.log(targets.join('\n'));
  console.log(`report: ${join(out, 'report.md')}`);
  return bands;
}

// ---------- main
async function main() {
  mkdirSync(out, { recursive: true });
  if (!endpoint) await startCairn();
  if (!serverPid) throw new Error('--endpoint needs --server-pid (RSS and descriptors are read from /proc)');
  agent = newAgent();
  await call('PUT', `/${bucket}`);
  await call('PUT', `/${listBucket}`);
  let next = 0;
  const fill = async (n, put) =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) await put(next++);
      }),
    );
  await fill(objects, (i) => call('PUT', `/${bucket}/obj/${i}`, { body: small, headers: { 'content-length': String(objSize) } }));
  next = 0;
  await fill(listKeys, (i) => call('PUT', `/${listBucket}/list/d${i % 50}/k${String(i).padStart(7, '0')}`, { body: '', headers: { 'content-length': '0' } }));
  // The object the faults phase's clients walk away from mid-download.
  if (phases.some((p) => p.name === 'faults')) {
    await call('PUT', `/${bucket}/large/0`, { body: generate(largeSize), headers: { 'content-length': String(largeSize) } });
  }
  await agent.close();
  await new Promise((r) => setTimeout(r, 1000));
  idleFds = setupFds = fdCount(serverPid);
  idleFdMap = fdTargets(serverPid);
  const kinds = {};
  for (const t of idleFdMap.values()) {
    const k = t
      .replace(dataDir ?? '\0', '<data>')
      .replace(/\/blobs\/[0-9a-f]{2}$/, '/blobs/<shard>')
      .replace(/\d+/g, 'N');
    kinds[k] = (kinds[k] ?? 0) + 1;
  }
  idleKinds = Object.entries(kinds).sort((a, b) => b[1] - a[1]);
  console.error(`idle descriptors: ${idleKinds.map(([k, n]) => `${n}× ${k}`).join(', ')}`);
  console.error(`setup done: ${requests} requests, idle fds ${idleFds}, rss ${fmt(rssMB(serverPid))} MB`);

  t0 = performance.now();
  runEnd = t0 + duration;
  await sample();
  const timer = setInterval(sample, intervalMs);
  const bands = [];
  const opCounts = {};
  let round = 0;
  while (performance.now() < runEnd) {
    round++;
    for (const p of phases) {
      if (performance.now() >= runEnd) break;
      const from = (performance.now() - t0) / 1000;
      const before = requests;
      await runPhase(p);
      opCounts[p.name] = (opCounts[p.name] ?? 0) + requests - before;
      bands.push({ name: p.name, from, to: (performance.now() - t0) / 1000 });
      phaseName = 'idle';
      const fds = await settledFds();
      if (round === 1 && p === phases.at(-1)) {
        // The first round starts the pools that grow on first use (the MD5 hashing threads, the unlinker's thread,
        // one descriptor per blob shard directory that was fsynced): their count after it is the idle count.
        idleFds = fds;
        idleFdMap = fdTargets(serverPid);
      }
      const extra = fds > idleFds ? newFds() : [];
      fdChecks.push({ round, phase: p.name, fds, rss: rssMB(serverPid), extra, judged: round > 1 });
      if (fds > idleFds) console.error(`after ${p.name} (round ${round}): ${fds} fds, idle ${idleFds}: ${extra.slice(0, 12).join(' ')}`);
    }
  }
  clearInterval(timer);
  await sample();
  writeCsv();
  writeSvg(bands);
  writeReport(bands, opCounts);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (child) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

#!/usr/bin/env node
// npm run bench: starts Cairn on a temp data dir (or uses --endpoint) and
// measures small-object PUT/GET/HEAD/DELETE, LIST (with and without a
// delimiter), large PUT/GET and multipart, printing ops/s, MiB/s, p50/p99
// latency, the server's CPU time per operation and its peak RSS ("mixed":
// one 1 GiB PUT while 8 clients PUT and GET small objects; "large-put-parallel":
// --large-parallel large PUTs at once, aggregate MiB/s). Numbers depend on the
// machine and on whatever else runs on it: compare runs side by side.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
if (args.includes('--help')) {
  console.log(`usage: npm run bench -- [--workloads put,get,head,delete,list,list-delim,large-put,large-put-parallel,large-get,multipart,complete-10k,mixed]
  [--duration 10] [--concurrency 8] [--size 4KiB] [--objects 10000] [--list-keys 10000]
  [--large-size 1GiB] [--large-parallel 2] [--mp-size 512MiB] [--part-size 16MiB] [--mp-parallel 4]
  [--complete-parts 10000] [--complete-part-size 1KiB]
  [--fsync on|off] [--as admin|account-root|iam-user] [--bucket-policy N] [--bucket-acl CANNED] [--sse none|s3|kms|c]
  [--endpoint http://127.0.0.1:9000 --access-key K --secret-key S --server-pid P]
  --as: who signs (a server the bench starts): the admin (default), the root of an ordinary account,
  or an IAM user of that account with 3 attached policies and 2 groups (the cost of identity policies)
  --bucket-policy N: give the bench bucket an N-statement bucket policy (Deny and Allow statements that cover every
  request's action and resource but whose conditions never hold, so each is judged); --bucket-acl: a canned ACL on
  it (e.g. public-read). The admin bypasses both: measure them --as account-root or --as iam-user.
  --sse: every object written with SSE-S3, SSE-KMS (the default key) or SSE-C (one customer key, sent on reads too;
  a server the bench starts allows SSE-C over plain HTTP); large-range-get: Range GETs of --range-size bytes (default 1)
  in the middle of the large object; mp-range-get: the same in the middle of the multipart object (multipart first):
  compare --range-size 1MiB with get --size 1MiB;
  complete-10k: --complete-parts tiny parts (a server the bench starts takes parts under 5 MiB; with --endpoint set
  minPartSize yourself), then CompleteMultipartUpload timed alone, with the longest /-/health answer meanwhile
  (how long the server's event loop was held), and ListParts paged at 1,000`);
  process.exit(0);
}
const workloads = opt('workloads', 'put,get,head,list,list-delim,delete,large-put,large-get,multipart,mixed').split(',');
const duration = Number(opt('duration', '10')) * 1000;
const concurrency = Number(opt('concurrency', '8'));
const objSize = size(opt('size', '4KiB'));
const maxObjects = Number(opt('objects', '10000'));
const listKeys = Number(opt('list-keys', '10000'));
const largeSize = size(opt('large-size', '1GiB'));
const largeParallel = Number(opt('large-parallel', '2'));
const mpSize = size(opt('mp-size', '512MiB'));
const partSize = size(opt('part-size', '16MiB'));
const mpParallel = Number(opt('mp-parallel', '4'));
const completeParts = Number(opt('complete-parts', '10000'));
const completePartSize = size(opt('complete-part-size', '1KiB'));
const rangeSize = size(opt('range-size', '1'));
const region = 'us-east-1';
const bucketPolicyStatements = Number(opt('bucket-policy', '0'));
const bucketAcl = opt('bucket-acl');
const sseMode = opt('sse', 'none');
const sseKey = randomBytes(32);
const sseC = {
  'x-amz-server-side-encryption-customer-algorithm': 'AES256',
  'x-amz-server-side-encryption-customer-key': sseKey.toString('base64'),
  'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update(sseKey).digest('base64'),
};
/** Headers of writes (PUT, CreateMultipartUpload, UploadPart) and of reads (GET, HEAD) for --sse. */
const sseWrite = { none: {}, s3: { 'x-amz-server-side-encryption': 'AES256' }, kms: { 'x-amz-server-side-encryption': 'aws:kms' }, c: sseC }[sseMode];
const sseRead = sseMode === 'c' ? sseC : {};
const ssePart = sseMode === 'c' ? sseC : {};
if (sseWrite === undefined) throw new Error(`--sse ${sseMode}: none, s3, kms or c`);

// ---------- server
let endpoint = opt('endpoint');
let accessKey = opt('access-key', 'CAIRNBENCH0000000001');
let secretKey = opt('secret-key', 'cairn-bench-secret-0000000000000000000001');
let serverPid = opt('server-pid') ? Number(opt('server-pid')) : undefined;
let child;
let dataDir;

async function startCairn() {
  dataDir = mkdtempSync(join(tmpdir(), 'cairn-bench-'));
  const configFile = join(dataDir, 'bench-config.json');
  writeFileSync(configFile, JSON.stringify({ minPartSize: 1 }));
  const port = 19000 + Math.floor(Math.random() * 2000);
  child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve'], {
    env: {
      ...process.env,
      CAIRN_HOST: '127.0.0.1',
      CAIRN_PORT: String(port),
      CAIRN_DATA_DIR: dataDir,
      CAIRN_ACCESS_KEY: accessKey,
      CAIRN_SECRET_KEY: secretKey,
      CAIRN_LOG_LEVEL: 'warn',
      CAIRN_FSYNC: opt('fsync', 'on'),
      CAIRN_SSEC_REQUIRE_TLS: 'false',
      // complete-10k uploads 10,000 tiny parts: the 5 MiB minimum (a testing aid setting) is lifted.
      CAIRN_CONFIG: configFile,
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

/**
 * --as account-root | iam-user: an ordinary account 'bench' (CLI, on the server's data directory), and in it an IAM
 * user with three attached managed policies (two customer, one AWS-managed) and two groups with a policy each.
 */
function becomePrincipal(as) {
  if (as === 'admin') return;
  const cli = (...a) =>
    execFileSync(process.execPath, [join(root, 'dist/cli.js'), ...a, '--account', 'bench'], {
      env: { ...process.env, CAIRN_DATA_DIR: dataDir },
      encoding: 'utf8',
    });
  const keysOf = (out) => ({ ak: /AWS_ACCESS_KEY_ID=(\S+)/.exec(out)[1], sk: /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(out)[1] });
  const acct = keysOf(
    execFileSync(process.execPath, [join(root, 'dist/cli.js'), 'account', 'create', 'bench'], {
      env: { ...process.env, CAIRN_DATA_DIR: dataDir },
      encoding: 'utf8',
    }),
  );
  if (as === 'account-root') {
    ({ ak: accessKey, sk: secretKey } = acct);
    return;
  }
  if (as !== 'iam-user') throw new Error(`--as ${as}: admin, account-root or iam-user`);
  const file = (name, statements) => {
    const f = join(dataDir, `${name}.json`);
    writeFileSync(f, JSON.stringify({ Version: '2012-10-17', Statement: statements }));
    return f;
  };
  const u = keysOf(cli('user', 'create', 'bench-user'));
  cli(
    'policy',
    'create',
    'Objects',
    file('objects', [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::*/*' }]),
  );
  cli(
    'policy',
    'create',
    'Buckets',
    file('buckets', [
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:CreateBucket', 's3:DeleteBucket', 's3:ListBucketMultipartUploads', 's3:PutBucketPolicy', 's3:PutBucketAcl'],
        Resource: 'arn:aws:s3:::*',
      },
      { Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::forbidden/*' },
    ]),
  );
  cli(
    'policy',
    'create',
    'G1',
    file('g1', [{ Effect: 'Allow', Action: 's3:AbortMultipartUpload', Resource: 'arn:aws:s3:::*/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }]),
  );
  cli('policy', 'create', 'G2', file('g2', [{ Effect: 'Allow', Action: 's3:GetObjectTagging', Resource: 'arn:aws:s3:::*/${aws:username}/*' }]));
  for (const p of ['Objects', 'Buckets', 'S3ListAccess']) cli('policy', 'attach', p, '--user', 'bench-user');
  for (const [g, p] of [
    ['g1', 'G1'],
    ['g2', 'G2'],
  ]) {
    cli('group', 'create', g);
    cli('policy', 'attach', p, '--group', g);
    cli('group', 'add', g, 'bench-user');
  }
  ({ ak: accessKey, sk: secretKey } = u);
}

// ---------- signing and requests
const agent = new Agent({ connections: concurrency * 2, pipelining: 1, keepAliveTimeout: 30_000 });

function signed(method, path, query = [], headers = {}) {
  return signRequest({ endpoint, method, path, query, headers, accessKey, secretKey, region, now: new Date() });
}

async function call(method, path, { query, headers, body, sink = 'dump' } = {}) {
  const s = signed(method, path, query, headers);
  const res = await request(s.url, { method, headers: s.headers, body, dispatcher: agent });
  if (sink === 'text') return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  let bytes = 0;
  for await (const c of res.body) bytes += c.length;
  if (res.statusCode >= 300) throw new Error(`${method} ${path} → ${res.statusCode}`);
  return { status: res.statusCode, headers: res.headers, bytes };
}

// ---------- measurement
function ticks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return NaN;
  }
}
function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
const pct = (xs, p) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

const results = [];
async function phase(name, conc, n, op, bytesPerOp = 0, stop = undefined) {
  const lat = [];
  let done = 0;
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  const c0 = ticks(serverPid);
  let maxRss = rssMiB(serverPid);
  const rssTimer = setInterval(() => (maxRss = Math.max(maxRss, rssMiB(serverPid))), 100);
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < n && (stop ? !stop() : performance.now() - t0 < duration)) {
        const i = next++;
        const s = performance.now();
        try {
          await op(i);
          lat.push(performance.now() - s);
          done++;
        } catch (e) {
          if (errors++ < 3) console.error(`${name}: ${e.message}`);
        }
      }
    }),
  );
  clearInterval(rssTimer);
  const wall = (performance.now() - t0) / 1000;
  const cpuMs = (ticks(serverPid) - c0) * 10;
  lat.sort((a, b) => a - b);
  const r = {
    workload: name,
    conc,
    ops: done,
    'ops/s': +(done / wall).toFixed(1),
    'MiB/s': +((done * bytesPerOp) / wall / 1024 ** 2).toFixed(1),
    'p50 ms': +pct(lat, 50).toFixed(2),
    'p99 ms': +pct(lat, 99).toFixed(2),
    errors,
    'srv CPU ms/op': done ? +(cpuMs / done).toFixed(3) : NaN,
    'srv RSS MiB': +maxRss.toFixed(0),
  };
  results.push(r);
  console.error(`${name}: ${JSON.stringify(r)}`);
  return r;
}

async function* generate(total, seed) {
  const block = createHash('sha512').update(seed).digest();
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < chunk.length; i += block.length) block.copy(chunk, i);
  for (let sent = 0; sent < total; sent += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, total - sent));
}

/**
 * complete-10k: an upload of `completeParts` parts of `completePartSize` bytes, then one CompleteMultipartUpload
 * (a ~1 MB XML body) timed alone while /-/health is asked every 2 ms: its longest answer shows how long the
 * event loop was held. Then ListParts of an equal upload, paged at 1,000.
 */
async function completeMany(bucket) {
  const upload = async (key) => {
    const init = await call('POST', `/${bucket}/${key}`, { query: [['uploads', '']], headers: sseWrite, sink: 'text' });
    const uploadId = /<UploadId>([^<]+)</.exec(init.text)[1];
    const etags = [];
    const body = randomBytes(completePartSize);
    // Every part, however long it takes (not bounded by --duration).
    const r = await phase(
      `${key}-parts`,
      concurrency,
      completeParts,
      async (i) => {
        const res = await call('PUT', `/${bucket}/${key}`, {
          query: [
            ['partNumber', String(i + 1)],
            ['uploadId', uploadId],
          ],
          body,
          headers: { 'content-length': String(completePartSize), ...ssePart },
        });
        etags[i] = res.headers.etag;
      },
      0,
      () => false,
    );
    if (r.ops !== completeParts) throw new Error(`${key}: ${r.ops} of ${completeParts} parts uploaded`);
    return { uploadId, etags };
  };
  const probe = () => {
    let stop = false;
    let max = 0;
    let n = 0;
    const run = (async () => {
      while (!stop) {
        const s = performance.now();
        const res = await request(`${endpoint}/-/health`, { dispatcher: agent });
        await res.body.dump();
        max = Math.max(max, performance.now() - s);
        n++;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    return async () => {
      stop = true;
      await run;
      return { max, n };
    };
  };
  const { uploadId, etags } = await upload('c10k');
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const md5s = Buffer.concat(etags.map((e) => Buffer.from(e.replaceAll('"', ''), 'hex')));
  const expected = `${createHash('md5').update(md5s).digest('hex')}-${completeParts}`;
  await new Promise((r) => setTimeout(r, 200));
  const stopProbe = probe();
  const r = await phase('complete-10k', 1, 1, async () => {
    const done = await call('POST', `/${bucket}/c10k`, { query: [['uploadId', uploadId]], body: xml, sink: 'text' });
    if (!done.text.includes(expected)) throw new Error(`complete: ${done.status} ${done.text.slice(0, 300)}`);
  });
  const p = await stopProbe();
  r['xml KiB'] = Math.round(Buffer.byteLength(xml) / 1024);
  r['health max ms'] = +p.max.toFixed(1);
  r['health n'] = p.n;
  console.error(`complete-10k: ${JSON.stringify(r)}`);
  const head = await call('HEAD', `/${bucket}/c10k`, { headers: sseRead });
  if (Number(head.headers['content-length']) !== completeParts * completePartSize) throw new Error(`size ${head.headers['content-length']}`);

  const lp = await upload('lp10k');
  const stopProbe2 = probe();
  const l = await phase('list-parts-10k', 1, 1, async () => {
    let marker = 0;
    let seen = 0;
    for (;;) {
      const res = await call('GET', `/${bucket}/lp10k`, {
        query: [
          ['part-number-marker', String(marker)],
          ['uploadId', lp.uploadId],
        ],
        sink: 'text',
      });
      seen += (res.text.match(/<Part>/g) ?? []).length;
      if (!res.text.includes('<IsTruncated>true</IsTruncated>')) break;
      marker = Number(/<NextPartNumberMarker>(\d+)</.exec(res.text)[1]);
    }
    if (seen !== completeParts) throw new Error(`ListParts saw ${seen} parts`);
  });
  const p2 = await stopProbe2();
  l['health max ms'] = +p2.max.toFixed(1);
  console.error(`list-parts-10k: ${JSON.stringify(l)}`);
  await call('DELETE', `/${bucket}/lp10k`, { query: [['uploadId', lp.uploadId]] });
}

// ---------- workloads
async function main() {
  if (!endpoint) {
    await startCairn();
    becomePrincipal(opt('as', 'admin'));
    // The server sees the CLI's changes within 0.1 s.
    await new Promise((r) => setTimeout(r, 200));
  }
  const bucket = `bench-${Date.now().toString(36)}`;
  await call('PUT', `/${bucket}`);
  if (bucketPolicyStatements > 0) {
    const Statement = Array.from({ length: bucketPolicyStatements }, (_, i) =>
      i % 2 === 0
        ? {
            Sid: `Deny${i}`,
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
            Condition: { StringEquals: { 'aws:UserAgent': `blocked-agent-${i}` } },
          }
        : {
            Sid: `Allow${i}`,
            Effect: 'Allow',
            Principal: '*',
            Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'],
            Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
            Condition: { IpAddress: { 'aws:SourceIp': `203.0.113.${i % 250}/32` } },
          },
    );
    const policy = JSON.stringify({ Version: '2012-10-17', Statement });
    const md5 = createHash('md5').update(policy).digest('base64');
    await call('PUT', `/${bucket}`, {
      query: [['policy', '']],
      body: policy,
      headers: { 'content-md5': md5, 'content-length': String(Buffer.byteLength(policy)) },
    });
    console.log(`bucket policy: ${bucketPolicyStatements} statements`);
  }
  if (bucketAcl) {
    await call('PUT', `/${bucket}`, { query: [['acl', '']], headers: { 'x-amz-acl': bucketAcl } });
    console.log(`bucket ACL: ${bucketAcl}`);
  }
  const body = randomBytes(objSize);
  let written = 0;
  const ensureSmall = async () => {
    if (written > 0) return;
    const n = Math.min(maxObjects, 2000);
    const r = await phase(
      'setup',
      concurrency,
      n,
      (i) => call('PUT', `/${bucket}/obj/${i}`, { body, headers: { 'content-length': String(objSize), ...sseWrite } }),
      objSize,
    );
    // The phase also stops at --duration: reads go to the keys written (objects 0..ops-1), not to ones never PUT.
    written = r.ops;
  };
  for (const w of workloads) {
    if (w === 'put') {
      const r = await phase(
        'put',
        concurrency,
        maxObjects,
        (i) => call('PUT', `/${bucket}/obj/${i}`, { body, headers: { 'content-length': String(objSize), ...sseWrite } }),
        objSize,
      );
      written = Math.max(written, r.ops);
    } else if (w === 'get') {
      await ensureSmall();
      await phase('get', concurrency, Infinity, (i) => call('GET', `/${bucket}/obj/${i % written}`, { headers: sseRead }), objSize);
    } else if (w === 'head') {
      await ensureSmall();
      await phase('head', concurrency, Infinity, (i) => call('HEAD', `/${bucket}/obj/${i % written}`, { headers: sseRead }));
    } else if (w === 'delete') {
      await ensureSmall();
      await phase('delete', concurrency, written, (i) => call('DELETE', `/${bucket}/obj/${i}`));
      written = 0;
    } else if (w === 'list' || w === 'list-delim') {
      const lb = `${bucket}-list`;
      if (!results.some((r) => r.workload === 'list-setup')) {
        await call('PUT', `/${lb}`);
        await phase('list-setup', concurrency, listKeys, (i) =>
          call('PUT', `/${lb}/list/d${i % 100}/k${String(i).padStart(7, '0')}`, { body: '', headers: { 'content-length': '0' } }),
        );
      }
      const delim = w === 'list-delim';
      let seen = 0;
      const r = await phase(w, concurrency, Infinity, async () => {
        let token;
        do {
          const q = [
            ['list-type', '2'],
            ['max-keys', '1000'],
            ['prefix', delim ? 'list/d1' : 'list/'],
          ];
          if (delim) q.push(['delimiter', '/']);
          if (token) q.push(['continuation-token', token]);
          const res = await call('GET', `/${lb}`, { query: q, sink: 'text' });
          seen += (res.text.match(/<Key>/g) ?? []).length + (res.text.match(/<Prefix>list\/d/g) ?? []).length;
          token = /<NextContinuationToken>([^<]+)</.exec(res.text)?.[1];
        } while (token);
      });
      r['keys/s'] = Math.round(seen / (r.ops / r['ops/s'] || 1));
    } else if (w === 'large-put') {
      await phase(
        'large-put',
        1,
        1,
        () => call('PUT', `/${bucket}/large/0`, { body: generate(largeSize, 'large'), headers: { 'content-length': String(largeSize), ...sseWrite } }),
        largeSize,
      );
    } else if (w === 'large-put-parallel') {
      // `largeParallel` large PUTs at once (each its own key); MiB/s is their sum.
      await phase(
        'large-put-parallel',
        largeParallel,
        largeParallel,
        (i) => call('PUT', `/${bucket}/large/p${i}`, { body: generate(largeSize, `large${i}`), headers: { 'content-length': String(largeSize), ...sseWrite } }),
        largeSize,
      );
    } else if (w === 'mixed') {
      // Memory under load: one large PUT while `concurrency` clients PUT and GET small objects until it ends;
      // the row's RSS is the server's peak meanwhile.
      await ensureSmall();
      let largeDone = false;
      const t0 = performance.now();
      const large = call('PUT', `/${bucket}/large/mixed`, {
        body: generate(largeSize, 'mixed'),
        headers: { 'content-length': String(largeSize), ...sseWrite },
      }).finally(() => {
        largeDone = true;
      });
      const r = await phase(
        'mixed',
        concurrency,
        Infinity,
        (i) =>
          i % 2
            ? call('GET', `/${bucket}/obj/${i % written}`, { headers: sseRead })
            : call('PUT', `/${bucket}/obj/${i % written}`, { body, headers: { 'content-length': String(objSize), ...sseWrite } }),
        objSize,
        () => largeDone,
      );
      await large;
      r['large MiB/s'] = +(largeSize / ((performance.now() - t0) / 1000) / 1024 ** 2).toFixed(1);
    } else if (w === 'large-get') {
      await phase('large-get', 1, 1, () => call('GET', `/${bucket}/large/0`, { headers: sseRead }), largeSize);
    } else if (w === 'large-range-get' || w === 'mp-range-get') {
      // Ranges in the middle of the large (large-put first) or multipart object (multipart first): an encrypted object
      // decrypts only the segments a range touches, a multipart one opens only the parts it touches.
      const [key, total] = w === 'large-range-get' ? ['large/0', largeSize] : ['mp/0', mpSize];
      const mid = Math.floor(total / 2);
      await phase(
        w,
        concurrency,
        Infinity,
        (i) => {
          const from = mid + (i % 1024) * 4096;
          return call('GET', `/${bucket}/${key}`, { headers: { range: `bytes=${from}-${from + rangeSize - 1}`, ...sseRead } });
        },
        rangeSize,
      );
    } else if (w === 'multipart') {
      await phase(
        'multipart',
        1,
        1,
        async () => {
          const init = await call('POST', `/${bucket}/mp/0`, { query: [['uploads', '']], headers: sseWrite, sink: 'text' });
          const uploadId = /<UploadId>([^<]+)</.exec(init.text)[1];
          const parts = Math.ceil(mpSize / partSize);
          const etags = [];
          let nextPart = 1;
          await Promise.all(
            Array.from({ length: mpParallel }, async () => {
              while (nextPart <= parts) {
                const pn = nextPart++;
                const len = Math.min(partSize, mpSize - (pn - 1) * partSize);
                const res = await call('PUT', `/${bucket}/mp/0`, {
                  query: [
                    ['partNumber', String(pn)],
                    ['uploadId', uploadId],
                  ],
                  body: generate(len, `part${pn}`),
                  headers: { 'content-length': String(len), ...ssePart },
                });
                etags[pn] = res.headers.etag;
              }
            }),
          );
          const xml = `<CompleteMultipartUpload>${etags.map((e, i) => (e ? `<Part><PartNumber>${i}</PartNumber><ETag>${e}</ETag></Part>` : '')).join('')}</CompleteMultipartUpload>`;
          const done = await call('POST', `/${bucket}/mp/0`, { query: [['uploadId', uploadId]], body: xml, sink: 'text' });
          if (!done.text.includes('<ETag>')) throw new Error(`complete failed: ${done.text}`);
        },
        mpSize,
      );
    } else if (w === 'complete-10k') {
      await completeMany(bucket);
    } else {
      throw new Error(`unknown workload ${w}`);
    }
  }
  console.table(results.filter((r) => r.workload !== 'setup' && r.workload !== 'list-setup'));
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(async () => {
    await agent.close();
    if (child) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

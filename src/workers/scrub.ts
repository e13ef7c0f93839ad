/**
 * Scrubbing: every stored version's bytes are read again and checked against
 * what the metadata says: the blob file exists (else missing), has the
 * recorded size (shorter: truncated; longer: corrupt), its MD5 is the ETag's
 * (a part's, for multipart objects) and a stored full-object checksum
 * (CRC32, CRC32C, CRC64NVME, SHA1, SHA256) matches (else corrupt). Used by
 * `cairn scrub` and by the background scrub (CAIRN_SCRUB_INTERVAL_DAYS),
 * which is throttled to CAIRN_SCRUB_MB_PER_SECOND.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { AppContext } from '../context.js';
import { createHasher, parseChecksumAlgorithm, type Hasher } from '../digest/checksums.js';
import { ScrubRepo, type ScrubItem } from '../store/scrub.js';

export interface Finding {
  kind: 'missing' | 'truncated' | 'corrupt';
  bucket: string;
  key: string;
  versionId: string;
  /** The part, for a multipart object. */
  part?: number;
  detail: string;
  item: ScrubItem;
}

export interface ScrubReport {
  checked: number;
  bytes: number;
  missing: number;
  truncated: number;
  corrupt: number;
  findings: Finding[];
  seconds: number;
}

export interface ScrubOptions {
  bucket?: string;
  /** Read at most this many bytes per second (0 or absent: as fast as the disk goes). */
  bytesPerSecond?: number;
  onProgress?: (objects: number, bytes: number) => void;
  /** Set to stop early (the report covers what was checked). */
  stop?: { stopped: boolean };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unquote = (etag: string) => etag.replace(/^"|"$/g, '');

/** Checks one blob; undefined when it is intact. */
async function checkBlob(
  path: string,
  size: number,
  md5: string | undefined,
  extra: { hasher: Hasher; want: string; algorithm: string } | undefined,
  throttle: (n: number) => Promise<void>,
): Promise<{ kind: Finding['kind']; detail: string } | undefined> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing', detail: `blob file ${path} is missing` };
    throw e;
  }
  if (st.size < size) return { kind: 'truncated', detail: `blob file has ${st.size} bytes, ${size} recorded` };
  if (st.size > size) return { kind: 'corrupt', detail: `blob file has ${st.size} bytes, ${size} recorded` };
  const h = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    h.update(chunk);
    extra?.hasher.update(chunk);
    await throttle(chunk.length);
  }
  const got = h.digest('hex');
  if (md5 !== undefined && got !== md5) return { kind: 'corrupt', detail: `MD5 ${got}, ${md5} recorded` };
  if (extra) {
    const value = extra.hasher.digest().toString('base64');
    if (value !== extra.want) return { kind: 'corrupt', detail: `${extra.algorithm} ${value}, ${extra.want} recorded` };
  }
  return undefined;
}

export async function scrub(ctx: AppContext, opts: ScrubOptions = {}): Promise<ScrubReport> {
  const repo = new ScrubRepo(ctx.db);
  const started = Date.now();
  const report: ScrubReport = { checked: 0, bytes: 0, missing: 0, truncated: 0, corrupt: 0, findings: [], seconds: 0 };
  const bps = opts.bytesPerSecond ?? 0;
  let readBytes = 0;
  const throttle = async (n: number) => {
    readBytes += n;
    if (bps <= 0) return;
    const ahead = (readBytes / bps) * 1000 - (Date.now() - started);
    if (ahead > 5) await sleep(ahead);
  };
  for (const item of repo.items(opts.bucket)) {
    if (opts.stop?.stopped) break;
    const found = (kind: Finding['kind'], detail: string, part?: number) => {
      report[kind]++;
      report.findings.push({ kind, bucket: item.bucket, key: item.key, versionId: item.versionId, part, detail, item });
    };
    if (item.partsCount === 0) {
      const tag = unquote(item.etag);
      const alg = parseChecksumAlgorithm(item.checksumAlgorithm);
      // A full-object checksum (a composite one, "…-N", is of the parts' checksums: checked per part below).
      const extra = alg && item.checksum && !item.checksum.includes('-') ? { hasher: createHasher(alg), want: item.checksum, algorithm: alg } : undefined;
      const r = await checkBlob(ctx.blobs.pathOf(item.blobId), item.size, /^[0-9a-f]{32}$/.test(tag) ? tag : undefined, extra, throttle);
      if (r) found(r.kind, r.detail);
    } else {
      const alg = parseChecksumAlgorithm(item.checksumAlgorithm);
      for (const seg of repo.segments(item.blobId)) {
        const tag = unquote(seg.etag);
        const extra = alg && seg.checksum ? { hasher: createHasher(alg), want: seg.checksum, algorithm: alg } : undefined;
        const r = await checkBlob(ctx.blobs.pathOf(seg.blobId), seg.size, /^[0-9a-f]{32}$/.test(tag) ? tag : undefined, extra, throttle);
        if (r) {
          found(r.kind, `part ${seg.partNumber}: ${r.detail}`, seg.partNumber);
          break;
        }
      }
    }
    report.checked++;
    report.bytes += item.size;
    opts.onProgress?.(report.checked, report.bytes);
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** Removes the rows of versions whose blob (or a part's) is missing; returns how many. */
export function forgetMissing(ctx: AppContext, findings: readonly Finding[]): number {
  const repo = new ScrubRepo(ctx.db);
  let n = 0;
  for (const f of findings) if (f.kind === 'missing' && repo.forget(f.item.bucketId, f.item.keyBytes, f.versionId)) n++;
  return n;
}

/**
 * The background scrub: every `intervalDays`, a throttled scrub of
 * everything; findings go to the log (one line each) and to `onReport`
 * (metrics). The first runs one interval after start. Returns a stop function.
 */
export function startScrubber(ctx: AppContext, onReport: (r: ScrubReport) => void): () => void {
  const days = ctx.config.scrubIntervalDays;
  if (days <= 0) return () => undefined;
  const stop = { stopped: false };
  let running = false;
  const run = () => {
    if (running) return;
    running = true;
    ctx.log.info({ worker: 'scrub' }, 'background scrub started');
    scrub(ctx, { bytesPerSecond: ctx.config.scrubMbPerSecond * 1024 * 1024, stop })
      .then((r) => {
        for (const f of r.findings)
          ctx.log.error({ worker: 'scrub', kind: f.kind, bucket: f.bucket, key: f.key, versionId: f.versionId, detail: f.detail }, `scrub: ${f.kind} object`);
        const { findings: _f, ...summary } = r;
        ctx.log.info({ worker: 'scrub', ...summary }, 'background scrub finished');
        onReport(r);
      })
      .catch((e: unknown) => ctx.log.error({ worker: 'scrub', err: e }, 'background scrub failed'))
      .finally(() => {
        running = false;
      });
  };
  // setInterval's delay is a 32-bit number of milliseconds (~24.8 days): check hourly whether a scrub is due.
  const intervalMs = days * 86400_000;
  let last = Date.now();
  const timer = setInterval(
    () => {
      if (Date.now() - last < intervalMs) return;
      last = Date.now();
      run();
    },
    Math.min(3600_000, intervalMs),
  );
  timer.unref();
  return () => {
    stop.stopped = true;
    clearInterval(timer);
  };
}

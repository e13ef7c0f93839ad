import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import type { ServerAccessEntry } from '../s3/serverAccessLog.js';
import type { LoggingConfig } from '../s3/ops/BucketLogging.js';

/** Records per log object at most: a busy bucket's batch is written as soon as it has this many. */
export const MAX_RECORDS = 1000;

interface Batch {
  sourceBucket: string;
  sourceAccountId: string;
  config: LoggingConfig;
  /** When its first record's request was received. */
  first: number;
  lines: string[];
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * A log object's key, as S3 names them: `TargetPrefix` +
 * `YYYY-mm-DD-HH-MM-SS-<16 hex>` (SimplePrefix, the default), or with
 * PartitionedPrefix `TargetPrefix` + `<account id>/<region>/<bucket>/YYYY/mm/DD/`
 * + the same name, dated by the first record (EventTime) or the delivery.
 */
export function logObjectKey(config: LoggingConfig, sourceAccountId: string, region: string, sourceBucket: string, eventTime: number, now: number): string {
  const d = new Date(now);
  const unique = randomBytes(8).toString('hex').toUpperCase();
  const name = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}-${two(d.getUTCHours())}-${two(d.getUTCMinutes())}-${two(d.getUTCSeconds())}-${unique}`;
  if (!config.keyFormat?.partitioned) return `${config.targetPrefix}${name}`;
  const p = new Date(config.keyFormat.dateSource === 'EventTime' ? eventTime : now);
  return `${config.targetPrefix}${sourceAccountId}/${region}/${sourceBucket}/${p.getUTCFullYear()}/${two(p.getUTCMonth() + 1)}/${two(p.getUTCDate())}/${name}`;
}

/**
 * The server access log writer: records of buckets whose Logging is on are
 * kept in memory per (source bucket, target), and written as one log
 * object in the target bucket every `serverAccessLogFlushSeconds` or every
 * 1,000 records, through the one write path (ObjectService.write) as the
 * target bucket's owner's object. Records still buffered when the server
 * stops are written first; a target bucket that is gone by then loses its
 * batch (logged).
 */
export class ServerAccessLogs {
  private readonly batches = new Map<string, Batch>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: AppContext) {}

  /** The sink the pipeline hands records to. */
  readonly add = (e: ServerAccessEntry): void => {
    const id = `${e.sourceBucket}\n${e.config.targetBucket}\n${e.config.targetPrefix}\n${JSON.stringify(e.config.keyFormat ?? null)}`;
    let b = this.batches.get(id);
    if (!b) {
      b = { sourceBucket: e.sourceBucket, sourceAccountId: e.sourceAccountId, config: e.config, first: e.time, lines: [] };
      this.batches.set(id, b);
    }
    b.lines.push(e.line);
    if (b.lines.length >= MAX_RECORDS) {
      this.batches.delete(id);
      void this.enqueue([b]);
    }
  };

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.ctx.config.serverAccessLogFlushSeconds * 1000);
    this.timer.unref();
  }

  /** Writes every buffered batch; resolves when they (and earlier ones) are written. */
  flush(): Promise<void> {
    const all = [...this.batches.values()];
    this.batches.clear();
    return all.length > 0 ? this.enqueue(all) : this.writing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Log objects are written one at a time, in order. */
  private enqueue(batches: Batch[]): Promise<void> {
    this.writing = this.writing.then(async () => {
      for (const b of batches) {
        try {
          await this.write(b);
        } catch (e) {
          this.ctx.log.error(
            { err: e, worker: 'server-access-log', bucket: b.sourceBucket, target: b.config.targetBucket },
            'server access log object not written',
          );
        }
      }
    });
    return this.writing;
  }

  private async write(b: Batch): Promise<void> {
    const { services, config, clock } = this.ctx;
    const target = services.buckets.get(b.config.targetBucket);
    if (!target) {
      this.ctx.log.warn(
        { worker: 'server-access-log', bucket: b.sourceBucket, target: b.config.targetBucket, records: b.lines.length },
        'logging target bucket is gone',
      );
      return;
    }
    const body = Buffer.from(`${b.lines.join('\n')}\n`, 'utf8');
    const key = logObjectKey(b.config, b.sourceAccountId, config.region, b.sourceBucket, b.first, clock());
    const staged = await services.objects.stage(Readable.from([body]), { maxSize: config.maxPutObjectSize, expectedSize: body.length });
    await services.objects.write({
      bucket: target,
      key,
      staged,
      spec: { ownerId: target.ownerId, storageClass: 'STANDARD', headers: { 'content-type': 'text/plain' }, meta: [] },
    });
  }
}

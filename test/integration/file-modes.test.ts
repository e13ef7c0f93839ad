/**
 * The data directory holds every secret key (cairn.db and its WAL) and every
 * object: it and its directories must be 0700 and its files 0600 whatever
 * the umask, and an existing directory with looser modes is repaired at
 * start, one warning per path changed.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger, startServer, type RunningServer } from '../../src/main.js';
import { ACCESS_KEY, SECRET_KEY } from '../helpers/server.js';

const MiB = 1024 * 1024;

let parent: string;
let dataDir: string;
let umaskBefore: number;

beforeEach(() => {
  umaskBefore = process.umask();
  parent = mkdtempSync(join(tmpdir(), 'cairn-modes-'));
  dataDir = join(parent, 'data');
});
afterEach(() => {
  process.umask(umaskBefore);
  rmSync(parent, { recursive: true, force: true });
});

interface Started extends RunningServer {
  s3: S3Client;
  /** Modes of files in tmp/ seen while bodies were being written. */
  tempModes: number[];
  stop(): Promise<void>;
}

async function start(logger = createLogger('silent')): Promise<Started> {
  const config = loadConfig({}, { host: '127.0.0.1', port: 0, dataDir, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, logLevel: 'silent', fsync: false });
  const tempModes: number[] = [];
  const tmp = join(dataDir, 'tmp');
  const server = await startServer(config, {
    print: () => undefined,
    logger,
    blobOptions: {
      beforeWrite: () => {
        for (const f of readdirSync(tmp)) tempModes.push(statSync(join(tmp, f)).mode & 0o777);
      },
    },
  });
  const s3 = new S3Client({
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  return {
    ...server,
    s3,
    tempModes,
    async stop() {
      s3.destroy();
      await server.close();
    },
  };
}

/** Every path under the data directory (itself included) whose mode is not 0700 (directories) or 0600 (files). */
function wrongModes(): string[] {
  const bad: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    const mode = st.mode & 0o777;
    if (st.isDirectory()) {
      if (mode !== 0o700) bad.push(`${relative(parent, p)} ${mode.toString(8)}`);
      for (const name of readdirSync(p)) walk(join(p, name));
    } else if (mode !== 0o600 || !st.isFile()) bad.push(`${relative(parent, p)} ${mode.toString(8)}`);
  };
  walk(dataDir);
  return bad;
}

async function writeEverything(srv: Started): Promise<void> {
  const { s3 } = srv;
  await s3.send(new CreateBucketCommand({ Bucket: 'modes' }));
  await s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'small', Body: 'hello' }));
  await s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'big', Body: Buffer.alloc(6 * MiB, 7) }));
  await s3.send(new CopyObjectCommand({ Bucket: 'modes', Key: 'copy', CopySource: 'modes/small' }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'modes', Key: 'mpu' }));
  const p1 = await s3.send(new UploadPartCommand({ Bucket: 'modes', Key: 'mpu', UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 1) }));
  const p2 = await s3.send(new UploadPartCopyCommand({ Bucket: 'modes', Key: 'mpu', UploadId, PartNumber: 2, CopySource: 'modes/small' }));
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: 'modes',
      Key: 'mpu',
      UploadId,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: p1.ETag },
          { PartNumber: 2, ETag: p2.CopyPartResult!.ETag },
        ],
      },
    }),
  );
}

function blobFiles(): string[] {
  const blobs = join(dataDir, 'blobs');
  return readdirSync(blobs).flatMap((shard) => readdirSync(join(blobs, shard)).map((f) => join(blobs, shard, f)));
}

describe.each([0o022, 0o000])('with umask %o', (umask) => {
  it('creates the data directory 0700 and every database, WAL, temp and blob file 0600', async () => {
    process.umask(umask);
    const srv = await start();
    try {
      await writeEverything(srv);
      expect(statSync(join(dataDir, 'cairn.db-wal')).isFile()).toBe(true);
      expect(statSync(join(dataDir, 'cairn.db-shm')).isFile()).toBe(true);
      expect(statSync(join(dataDir, 'server.json')).isFile()).toBe(true);
      expect(blobFiles().length).toBeGreaterThanOrEqual(5);
      expect(srv.tempModes.length).toBeGreaterThan(0);
      expect(srv.tempModes.filter((m) => m !== 0o600)).toEqual([]);
      expect(wrongModes()).toEqual([]);
    } finally {
      await srv.stop();
    }
    expect(wrongModes()).toEqual([]);
  });

  it('gives a copy 0600 even when its source blob is 0644 (copyFile copies the mode)', async () => {
    process.umask(umask);
    const srv = await start();
    try {
      await srv.s3.send(new CreateBucketCommand({ Bucket: 'modes' }));
      await srv.s3.send(new PutObjectCommand({ Bucket: 'modes', Key: 'src', Body: 'copied bytes' }));
      const [source] = blobFiles();
      chmodSync(source!, 0o644);
      await srv.s3.send(new CopyObjectCommand({ Bucket: 'modes', Key: 'dst', CopySource: 'modes/src' }));
      const copies = blobFiles().filter((f) => f !== source);
      expect(copies).toHaveLength(1);
      expect((statSync(copies[0]!).mode & 0o777).toString(8)).toBe('600');
      expect(await (await srv.s3.send(new GetObjectCommand({ Bucket: 'modes', Key: 'dst' }))).Body!.transformToString()).toBe('copied bytes');
    } finally {
      await srv.stop();
    }
  });
});

describe('an existing data directory with loose modes', () => {
  it('is repaired at start, one warning per path changed, and a second start changes nothing', async () => {
    process.umask(0o022);
    let srv = await start();
    await writeEverything(srv);
    await srv.stop();

    // Another connection (as the CLI would hold) keeps the WAL and shared-memory files after the server's close.
    const dbPath = join(dataDir, 'cairn.db');
    const other = new Database(dbPath);
    try {
      other.pragma('journal_mode = WAL');
      other.exec('CREATE TABLE IF NOT EXISTS scratch (x)');
      other.exec('INSERT INTO scratch VALUES (1)');
      writeFileSync(join(dataDir, 'server.json'), '{"url":"http://127.0.0.1:1","pid":999999999}\n');
      const loosened: Record<string, number> = {
        [dataDir]: 0o755,
        [dbPath]: 0o644,
        [`${dbPath}-wal`]: 0o644,
        [`${dbPath}-shm`]: 0o664,
        [join(dataDir, 'server.json')]: 0o644,
        [join(dataDir, 'tmp')]: 0o755,
        [join(dataDir, 'blobs')]: 0o755,
        [join(dataDir, 'blobs', '00')]: 0o755,
        [join(dataDir, 'blobs', 'ff')]: 0o777,
      };
      for (const [p, m] of Object.entries(loosened)) chmodSync(p, m);

      let out = '';
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          out += chunk.toString('utf8');
          cb();
        },
      });
      srv = await start(pino({ level: 'info', base: undefined }, sink));
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { level: number; path?: string; from?: string; to?: string; msg: string })
        .filter((l) => l.msg.startsWith('file mode repaired'));
      expect(lines.every((l) => l.level === 40)).toBe(true);
      expect(lines.map((l) => l.path).sort()).toEqual(Object.keys(loosened).sort());
      for (const l of lines) {
        expect(l.from).toBe(`0${loosened[l.path!]!.toString(8)}`);
        expect(l.to).toBe(statSync(l.path!).isDirectory() ? '0700' : '0600');
      }
      expect(wrongModes()).toEqual([]);
      // The repaired server works on its old data.
      expect(await (await srv.s3.send(new GetObjectCommand({ Bucket: 'modes', Key: 'small' }))).Body!.transformToString()).toBe('hello');
      await srv.stop();

      out = '';
      srv = await start(pino({ level: 'info', base: undefined }, sink));
      await srv.stop();
      expect(out).not.toContain('file mode repaired');
    } finally {
      other.close();
    }
  });
});

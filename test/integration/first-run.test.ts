/**
 * What a new user sees and does at the first starts: the addresses the
 * server really listens on, how to get a new root secret, what setting
 * CAIRN_ACCESS_KEY after a first start does, and `cairn presign` finding the
 * running server (server.json). The CLI runs as `node dist/cli.js`
 * (`npm run build` first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, presignBase, startServer, type RunningServer } from '../../src/main.js';
import { cairn } from '../helpers/cli.js';

let parent: string;
let dataDir: string;
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'cairn-first-'));
  dataDir = join(parent, 'data');
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

const clients: S3Client[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

function configFor(settings: Partial<Record<keyof Config, unknown>> = {}): Config {
  return loadConfig({}, { host: '127.0.0.1', port: 0, dataDir, logLevel: 'silent', fsync: false, ...settings });
}

async function start(settings: Partial<Record<keyof Config, unknown>> = {}): Promise<{ server: RunningServer; lines: string[] }> {
  const lines: string[] = [];
  const server = await startServer(configFor(settings), { print: (l) => lines.push(l), logger: createLogger('silent') });
  return { server, lines };
}

function client(url: string, accessKeyId: string, secretAccessKey: string): S3Client {
  const c = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  clients.push(c);
  return c;
}

async function listBucketsStatus(url: string, ak: string, sk: string): Promise<number | string> {
  try {
    await client(url, ak, sk).send(new ListBucketsCommand({}));
    return 200;
  } catch (e) {
    return (e as { Code?: string; name: string }).Code ?? (e as Error).name;
  }
}

const generated = (lines: string[]) => ({
  ak: lines.find((l) => l.includes('AWS_ACCESS_KEY_ID='))!.split('=')[1]!,
  sk: lines.find((l) => l.includes('AWS_SECRET_ACCESS_KEY='))!.split('=')[1]!,
});

describe('the start-up line', () => {
  it('names the one address a server on 127.0.0.1 listens on', async () => {
    const { server, lines } = await start();
    try {
      expect(lines.at(-1)).toBe(`Cairn listening on http://127.0.0.1:${server.port} (data: ${dataDir}, region: us-east-1)`);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    } finally {
      await server.close();
    }
  });

  it('lists every IPv4 address of the machine for 0.0.0.0, loopback first, and each one answers', async () => {
    const { server, lines } = await start({ host: '0.0.0.0' });
    try {
      const line = lines.at(-1)!;
      const m = /^Cairn listening on (.*) \(data: .*, region: us-east-1\)$/.exec(line);
      expect(m, line).not.toBeNull();
      const urls = m![1]!.split(', ');
      expect(urls[0]).toBe(`http://127.0.0.1:${server.port}`);
      const ipv4 = Object.values(networkInterfaces())
        .flatMap((l) => l ?? [])
        .filter((i) => i.family === 'IPv4')
        .map((i) => `http://${i.address}:${server.port}`);
      expect([...urls].sort()).toEqual([...new Set(ipv4)].sort());
      for (const u of urls) expect((await request(`${u}/-/health`)).statusCode, u).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('a first start that cannot listen', () => {
  it('says the port is taken, and the credentials it printed stay valid at the next start', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    const lines: string[] = [];
    try {
      await expect(startServer(configFor({ port }), { print: (l) => lines.push(l), logger: createLogger('silent') })).rejects.toThrow(
        `cannot listen on 127.0.0.1 port ${port}: it is already in use (choose another with CAIRN_PORT)`,
      );
    } finally {
      blocker.close();
    }
    const first = generated(lines);
    const { server, lines: again } = await start();
    try {
      expect(again[0]).toBe(`Cairn admin access key: ${first.ak}`);
      expect(await listBucketsStatus(server.url, first.ak, first.sk)).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('admin credentials at later starts', () => {
  it('without CAIRN_SECRET_KEY: prints the access key and how to get a new secret, which then works', async () => {
    let { server, lines } = await start();
    const first = generated(lines);
    await server.close();

    ({ server, lines } = await start());
    try {
      expect(lines[0]).toBe(`Cairn admin access key: ${first.ak}`);
      expect(lines[1]).toContain('`cairn key create`');
      expect(lines[1]).toContain(`\`cairn key delete ${first.ak}\``);
      expect(lines.join('\n')).not.toContain(first.sk);

      // Following the hint while the server runs: a new pair, then the old key revoked.
      const made = await cairn(dataDir, ['key', 'create']);
      expect(made.code, made.stderr).toBe(0);
      const ak = /AWS_ACCESS_KEY_ID=(\S+)/.exec(made.stdout)![1]!;
      const sk = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(made.stdout)![1]!;
      expect(await listBucketsStatus(server.url, ak, sk)).toBe(200);
      expect((await cairn(dataDir, ['key', 'delete', first.ak])).code).toBe(0);
      await new Promise((r) => setTimeout(r, 150));
      expect(await listBucketsStatus(server.url, first.ak, first.sk)).toBe('InvalidAccessKeyId');
      expect(await listBucketsStatus(server.url, ak, sk)).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('CAIRN_ACCESS_KEY after a first start adds an admin root key, says the generated one stays valid and how to revoke it', async () => {
    let { server, lines } = await start();
    const first = generated(lines);
    await server.close();

    ({ server, lines } = await start({ accessKey: 'mine-root-key', secretKey: 'mine-root-secret' }));
    try {
      expect(lines[0]).toBe('Cairn admin access key: mine-root-key (from CAIRN_ACCESS_KEY)');
      expect(lines[1]).toContain(`older access key ${first.ak} is still valid`);
      expect(lines[2]).toBe(`  To revoke: \`cairn key delete ${first.ak}\``);
      expect(await listBucketsStatus(server.url, 'mine-root-key', 'mine-root-secret')).toBe(200);
      expect(await listBucketsStatus(server.url, first.ak, first.sk)).toBe(200);
      const keys = await cairn(dataDir, ['key', 'list']);
      expect(
        keys.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('\t')[0]),
      ).toEqual([first.ak, 'mine-root-key']);
      expect((await cairn(dataDir, ['key', 'delete', first.ak])).code).toBe(0);
      await new Promise((r) => setTimeout(r, 150));
      expect(await listBucketsStatus(server.url, first.ak, first.sk)).toBe('InvalidAccessKeyId');
    } finally {
      await server.close();
    }

    ({ server, lines } = await start({ accessKey: 'mine-root-key', secretKey: 'mine-root-secret' }));
    await server.close();
    expect(lines.filter((l) => !l.startsWith('Cairn listening on'))).toEqual(['Cairn admin access key: mine-root-key (from CAIRN_ACCESS_KEY)']);
  });
});

describe('server.json and cairn presign', () => {
  const creds = { accessKey: 'presign-root', secretKey: 'presign-secret' };

  it('records the running server (0600) and removes the record on a clean stop', async () => {
    const { server } = await start(creds);
    const path = join(dataDir, 'server.json');
    try {
      const rec = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      expect(rec).toMatchObject({ url: server.url, listening: [server.url], port: server.port, pid: process.pid });
      expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      await server.close();
    }
    expect(existsSync(path)).toBe(false);

    const withPublic = await start({ ...creds, publicUrl: 'https://s3.example.com' });
    try {
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ url: 'https://s3.example.com', listening: [withPublic.server.url] });
    } finally {
      await withPublic.server.close();
    }
  });

  it("signs for the running server's address (not the CLI's port), CAIRN_PUBLIC_URL when set, and says which", async () => {
    const { server } = await start(creds);
    try {
      await client(server.url, creds.accessKey, creds.secretKey).send(new CreateBucketCommand({ Bucket: 'shared' }));
      await client(server.url, creds.accessKey, creds.secretKey).send(new PutObjectCommand({ Bucket: 'shared', Key: 'a b.txt', Body: 'presigned body' }));

      const r = await cairn(dataDir, ['presign', 'shared/a b.txt']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.startsWith(`${server.url}/shared/a%20b.txt?`)).toBe(true);
      expect(r.stderr).toBe(
        `cairn: URL on ${server.url} (the running server (pid ${process.pid}), recorded in ${join(dataDir, 'server.json')}; set CAIRN_PUBLIC_URL to choose another)\n`,
      );
      const got = await request(r.stdout.trim());
      expect(got.statusCode).toBe(200);
      expect(await got.body.text()).toBe('presigned body');

      const pub = `http://localhost:${server.port}`;
      const p = await cairn(dataDir, ['presign', 'shared/a b.txt'], { CAIRN_PUBLIC_URL: pub, CAIRN_PORT: '1' });
      expect(p.stdout.startsWith(`${pub}/shared/`)).toBe(true);
      expect(p.stderr).toBe(`cairn: URL on ${pub} (CAIRN_PUBLIC_URL)\n`);
      const viaPublic = await request(p.stdout.trim());
      expect(viaPublic.statusCode).toBe(200);
      await viaPublic.body.dump();
    } finally {
      await server.close();
    }

    const after = await cairn(dataDir, ['presign', 'shared/a b.txt'], { CAIRN_PORT: '9123' });
    expect(after.stdout.startsWith('http://127.0.0.1:9123/shared/')).toBe(true);
    expect(after.stderr).toContain(`no running server recorded in ${join(dataDir, 'server.json')}: the configured port`);
  });

  it('ignores a record left by a server that is gone (a crash)', async () => {
    const { server } = await start(creds);
    await server.close();
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dataDir, 'server.json'), JSON.stringify({ url: 'http://127.0.0.1:4', listening: [], port: 4, pid: gone, startedAt: '' }), {
      mode: 0o600,
    });
    expect(presignBase(configFor({ port: 9000 }))).toEqual({
      url: 'http://127.0.0.1:9000',
      source: `no running server recorded in ${join(dataDir, 'server.json')}: the configured port`,
    });
    writeFileSync(join(dataDir, 'server.json'), JSON.stringify({ url: 'http://127.0.0.1:4', listening: [], port: 4, pid: process.pid, startedAt: '' }));
    expect(presignBase(configFor({ port: 9000 })).url).toBe('http://127.0.0.1:4');
    writeFileSync(join(dataDir, 'server.json'), '{not json');
    expect(presignBase(configFor({ port: 9000 })).url).toBe('http://127.0.0.1:9000');
  });
});

/**
 * HTTPS: `cairn cert self-signed`, the server on CAIRN_TLS_CERT / CAIRN_TLS_KEY
 * through @aws-sdk/client-s3 (custom CA) and undici (presigned URLs), the
 * certificate reloaded mid-traffic without dropping open connections (file
 * change, SIGHUP), CAIRN_HTTP_PORT beside it, and X-Forwarded-Proto /
 * X-Forwarded-For believed only from CAIRN_TRUSTED_PROXIES.
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent, Client, request } from 'undici';
import { spawnServer } from '../helpers/child.js';
import { cairn } from '../helpers/cli.js';
import { ADMIN, createUser, destroyClients, doc, iamClient } from '../helpers/iam-users.js';
import { body, expectS3Error, freePort, waitFor } from '../helpers/s3.js';
import { ACCESS_KEY, SECRET_KEY, startTestServer, type TestServer } from '../helpers/server.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cairn-tls-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `cairn cert self-signed` into a fresh directory: the certificate and key paths and the printed output. */
async function makeCert(hosts = ['localhost', '127.0.0.1']) {
  const dir = tempDir();
  const r = await cairn(dir, ['cert', 'self-signed', ...hosts.flatMap((h) => ['--host', h])]);
  expect(r.code, r.stderr).toBe(0);
  return { cert: join(dir, 'tls', 'cert.pem'), key: join(dir, 'tls', 'key.pem'), stdout: r.stdout };
}

/** The SHA-256 fingerprint of the certificate a new TLS connection is served. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256 ?? '';
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

const fingerprintOf = (path: string) => new X509Certificate(readFileSync(path)).fingerprint256;

describe('cairn cert self-signed', () => {
  it('writes a certificate for the hosts and a 0600 key, and prints the SHA-256 fingerprint', async () => {
    const c = await makeCert(['nas.local', '192.168.1.10']);
    const x = new X509Certificate(readFileSync(c.cert));
    expect(x.subjectAltName).toBe('DNS:nas.local, IP Address:192.168.1.10');
    expect(x.checkHost('nas.local')).toBe('nas.local');
    expect(x.checkIP('192.168.1.10')).toBe('192.168.1.10');
    expect(statSync(c.key).mode & 0o777).toBe(0o600);
    expect(c.stdout).toContain(`SHA-256 fingerprint: ${x.fingerprint256}`);
    expect(c.stdout).toContain(`CAIRN_TLS_CERT=${c.cert}`);
    // A second run does not overwrite without --force.
    const again = await cairn(join(c.cert, '..', '..'), ['cert', 'self-signed', '--host', 'nas.local']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    const bad = await cairn(tempDir(), ['cert', 'self-signed', '--host', 'not a host']);
    expect(bad.code).toBe(1);
  });
});

describe('HTTPS', () => {
  let ts: TestServer;
  let certs: { cert: string; key: string };
  let ca: Buffer;
  let s3: S3Client;

  beforeAll(async () => {
    const made = await makeCert();
    // The server reads its own copies, which the reload test replaces.
    const dir = tempDir();
    certs = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
    copyFileSync(made.cert, certs.cert);
    copyFileSync(made.key, certs.key);
    ca = readFileSync(made.cert);
    ts = await startTestServer({ tlsCert: certs.cert, tlsKey: certs.key, httpPort: await freePort() });
    s3 = ts.client({ requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsAgent({ ca, keepAlive: true }) }) });
  });
  afterAll(async () => {
    await ts?.stop();
  });

  it('serves S3 over TLS to @aws-sdk/client-s3 trusting the certificate', async () => {
    expect(ts.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await s3.send(new CreateBucketCommand({ Bucket: 'tls' }));
    await s3.send(new PutObjectCommand({ Bucket: 'tls', Key: 'a.txt', Body: 'over tls' }));
    expect((await body(await s3.send(new GetObjectCommand({ Bucket: 'tls', Key: 'a.txt' })))).toString()).toBe('over tls');
    // A client that does not trust it is refused by its own TLS check.
    const untrusting = ts.client({ maxAttempts: 1 });
    await expect(untrusting.send(new ListBucketsCommand({}))).rejects.toThrow(/self[- ]signed/i);
  });

  it('verifies presigned URLs over TLS (undici with the CA)', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'tls', Key: 'a.txt' }), { expiresIn: 60 });
    const dispatcher = new Agent({ connect: { ca } });
    const r = await request(url, { dispatcher });
    expect(r.statusCode).toBe(200);
    expect(await r.body.text()).toBe('over tls');
    await dispatcher.close();
  });

  it('keeps a plain HTTP listener on CAIRN_HTTP_PORT', async () => {
    expect(ts.httpPort).toBeGreaterThan(0);
    const plain = new S3Client({
      endpoint: `http://127.0.0.1:${ts.httpPort}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    });
    expect((await body(await plain.send(new GetObjectCommand({ Bucket: 'tls', Key: 'a.txt' })))).toString()).toBe('over tls');
    plain.destroy();
  });

  it('reloads the certificate when its files change, keeping open connections; a mismatched pair is refused', async () => {
    const first = fingerprintOf(certs.cert);
    expect(await servedFingerprint(ts.port)).toBe(first);
    // A keep-alive connection opened before the renewal.
    const open = new Client(ts.url, { connect: { ca, rejectUnauthorized: false } });
    const health = async () => (await open.request({ path: '/-/health', method: 'GET' })).statusCode;
    expect(await health()).toBe(200);
    let socketsBefore = 0;
    open.on('connect', () => socketsBefore++);

    const next = await makeCert();
    // A key that does not match the certificate (half-way through a renewal) is not installed.
    copyFileSync(next.cert, certs.cert);
    expect(ts.tls!.reload('test')).toBe(false);
    expect(await servedFingerprint(ts.port)).toBe(first);
    // The matching key arrives: the watcher (polling every 2 s) installs the pair.
    copyFileSync(next.key, certs.key);
    const want = fingerprintOf(next.cert);
    let served = '';
    expect(
      await waitFor(
        () => {
          void servedFingerprint(ts.port).then((f) => (served = f));
          return served === want;
        },
        8000,
        250,
      ),
    ).toBe(true);
    // The old connection still works, on the same socket.
    expect(await health()).toBe(200);
    expect(socketsBefore).toBe(0);
    await open.close();
  }, 15_000);

  it('reloads on SIGHUP (`cairn serve`)', async () => {
    const a = await makeCert();
    const dir = tempDir();
    const files = { cert: join(dir, 'c.pem'), key: join(dir, 'k.pem') };
    copyFileSync(a.cert, files.cert);
    copyFileSync(a.key, files.key);
    const srv = await spawnServer(tempDir(), { CAIRN_TLS_CERT: files.cert, CAIRN_TLS_KEY: files.key }, 'https');
    try {
      // The certificate line is printed just after "Cairn listening", which is what spawnServer waits for.
      await waitFor(() => srv.output().includes('TLS certificate:'), 5000);
      expect(srv.output()).toContain(`SHA-256 ${fingerprintOf(a.cert)}`);
      expect(await servedFingerprint(srv.port)).toBe(fingerprintOf(a.cert));
      const b = await makeCert();
      copyFileSync(b.cert, files.cert);
      copyFileSync(b.key, files.key);
      srv.proc.kill('SIGHUP');
      let served = '';
      expect(
        await waitFor(
          () => {
            void servedFingerprint(srv.port).then((f) => (served = f));
            return served === fingerprintOf(b.cert);
          },
          5000,
          100,
        ),
      ).toBe(true);
      // `cairn healthcheck` speaks HTTPS when TLS is configured.
      const hc = await cairn(tempDir(), ['healthcheck'], { CAIRN_PORT: String(srv.port), CAIRN_TLS_CERT: files.cert, CAIRN_TLS_KEY: files.key });
      expect(hc.code, hc.stderr).toBe(0);
    } finally {
      srv.proc.kill('SIGTERM');
      await srv.exited;
    }
  }, 30_000);
});

describe('behind a TLS-terminating proxy', () => {
  const policy = doc({ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } });

  async function listAs(ts: TestServer, forwardedProto?: string) {
    const iam = iamClient(ts, ADMIN);
    const u = await createUser(ts, iam, `proxy${Math.random().toString(36).slice(2, 8)}`, { inline: policy });
    const c = ts.client({ credentials: u.creds, maxAttempts: 1 });
    if (forwardedProto) {
      c.middlewareStack.add(
        (next) => (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-forwarded-proto'] = forwardedProto;
          return next(args);
        },
        { step: 'build' },
      );
    }
    return c.send(new ListBucketsCommand({}));
  }

  it('believes X-Forwarded-Proto from a trusted proxy address (aws:SecureTransport)', async () => {
    const ts = await startTestServer({ trustedProxies: '10.0.0.0/8,127.0.0.1' });
    try {
      await expect(listAs(ts, 'https')).resolves.toBeDefined();
      await expectS3Error(listAs(ts), 'AccessDenied', 403);
      await expectS3Error(listAs(ts, 'http'), 'AccessDenied', 403);
    } finally {
      destroyClients(ts);
      await ts.stop();
    }
  });

  it('virtual-hosted presigned https URLs verify when a proxy forwards them over plain HTTP with Host kept', async () => {
    const ts = await startTestServer({ trustedProxies: '127.0.0.1', domains: 's3.example.test' });
    try {
      const admin = ts.client();
      await admin.send(new CreateBucketCommand({ Bucket: 'proxied' }));
      await admin.send(new PutObjectCommand({ Bucket: 'proxied', Key: 'a b.txt', Body: 'via proxy' }));
      // What the client sees: https://proxied.s3.example.test/…, terminated by the proxy.
      const outside = new S3Client({
        endpoint: 'https://s3.example.test',
        region: 'us-east-1',
        forcePathStyle: false,
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      });
      const url = new URL(await getSignedUrl(outside, new GetObjectCommand({ Bucket: 'proxied', Key: 'a b.txt' }), { expiresIn: 60 }));
      expect(url.host).toBe('proxied.s3.example.test');
      outside.destroy();
      // What the proxy sends Cairn: the same Host, path and query, over HTTP, with X-Forwarded-Proto.
      const r = await request(`${ts.url}${url.pathname}${url.search}`, {
        headers: { host: url.host, 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' },
      });
      expect(r.statusCode).toBe(200);
      expect(await r.body.text()).toBe('via proxy');
    } finally {
      await ts.stop();
    }
  });

  it('ignores X-Forwarded-Proto from anyone else', async () => {
    const ts = await startTestServer({ trustedProxies: '10.0.0.0/8' });
    try {
      await expectS3Error(listAs(ts, 'https'), 'AccessDenied', 403);
    } finally {
      destroyClients(ts);
      await ts.stop();
    }
  });
});

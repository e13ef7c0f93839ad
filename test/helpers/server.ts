import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, startServer, type RunningServer, type StartOptions } from '../../src/main.js';

process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';

export const ACCESS_KEY = 'AKIACAIRNTEST0000001';
export const SECRET_KEY = 'cairn-test-secret-key-0000000000000000001';

export interface TestServer extends RunningServer {
  dataDir: string;
  config: Config;
  /** A client at @aws-sdk/client-s3's current defaults (path-style). */
  client(overrides?: Partial<S3ClientConfig>): S3Client;
  /** The clock the server uses; tests may move it. */
  now: { offsetMs: number };
  stop(): Promise<void>;
}

/** Starts the real server on 127.0.0.1, port 0, with a fresh temp data dir. */
export async function startTestServer(settings: Partial<Record<keyof Config, unknown>> = {}, opts: StartOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-test-'));
  const config = loadConfig(
    {},
    { host: '127.0.0.1', port: 0, dataDir, accessKey: ACCESS_KEY, secretKey: SECRET_KEY, logLevel: 'silent', fsync: false, ...settings },
  );
  const now = { offsetMs: 0 };
  const server = await startServer(config, {
    print: () => undefined,
    logger: createLogger('silent'),
    clock: () => Date.now() + now.offsetMs,
    ...opts,
  });
  const clients: S3Client[] = [];
  return {
    ...server,
    dataDir,
    config,
    now,
    client(overrides = {}) {
      const c = new S3Client({
        endpoint: server.url,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
        ...overrides,
      });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep } from '../helpers/s3.js';

/** Shared by the real-client suites: one `node dist/cli.js serve` process on a free port. */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

export { freePort };

export interface LoggedRequest {
  op: string;
  key?: string;
  status?: number;
}

export class CairnProcess {
  endpoint = '';
  port = 0;
  /** Why the process ended, when it did. */
  exit = '';
  /** More CAIRN_* settings for the server (e.g. CAIRN_NOTIFICATION_TARGETS, CAIRN_WEBSITE_DOMAINS). */
  env: Record<string, string> = {};
  /** The last 400 lines the server printed. */
  readonly log: string[] = [];
  /** Every request the server logged: its operation, key and status. */
  readonly requests: LoggedRequest[] = [];
  private child: ChildProcess | undefined;

  constructor(
    private readonly accessKey: string,
    private readonly secretKey: string,
    private readonly logLevel: string,
    /** CAIRN_REGION: the region credential scopes must name (us-east-1 accepts any). */
    private readonly region = 'us-east-1',
  ) {}

  tail(n = 40): string {
    return [this.exit && `!! ${this.exit}`, ...this.log.slice(-n)].filter(Boolean).join('\n');
  }

  private collect(stream: NodeJS.ReadableStream | null): void {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      this.log.push(...lines);
      for (const l of lines) {
        if (!l.startsWith('{')) continue;
        try {
          const j = JSON.parse(l) as { op?: string; key?: string; status?: number };
          if (typeof j.op === 'string') this.requests.push({ op: j.op, key: j.key, status: j.status });
        } catch {
          // not a log record
        }
      }
      if (this.log.length > 400) this.log.splice(0, this.log.length - 400);
    });
  }

  /** Starts the server on `dataDir` (with extra CAIRN_* settings) and waits for its health endpoint. */
  async start(dataDir: string, settings: Record<string, string> = {}): Promise<void> {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    this.log.length = 0;
    this.requests.length = 0;
    this.exit = '';
    this.port = await freePort();
    this.endpoint = `http://127.0.0.1:${this.port}`;
    const child = spawn(process.execPath, [CLI, 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CAIRN_HOST: '127.0.0.1',
        CAIRN_PORT: String(this.port),
        CAIRN_DATA_DIR: dataDir,
        CAIRN_REGION: this.region,
        CAIRN_ACCESS_KEY: this.accessKey,
        CAIRN_SECRET_KEY: this.secretKey,
        CAIRN_LOG_LEVEL: process.env.CAIRN_CLIENTS_LOG_LEVEL ?? this.logLevel,
        CAIRN_FSYNC: 'false',
        ...this.env,
        ...settings,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.collect(child.stdout);
    this.collect(child.stderr);
    child.on('exit', (code, sig) => {
      this.exit = `server exited (code ${code}, signal ${sig})`;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.exit) throw new Error(this.tail());
      if (Date.now() > deadline) throw new Error(`server not healthy after 30 s\n${this.tail()}`);
      if (this.log.some((l) => l.startsWith('Cairn listening on'))) {
        try {
          const r = await fetch(`${this.endpoint}/-/health`);
          if (r.status === 200 && ((await r.json()) as { status?: string }).status === 'ok') return;
        } catch {
          // not yet
        }
      }
      await sleep(100);
    }
  }

  /** SIGTERM, then SIGKILL if it is still running 5 s later. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((res) => child.once('exit', () => res()));
    child.kill('SIGTERM');
    const t = setTimeout(() => {
      console.warn(`cairn server (pid ${child.pid}) still running 5 s after SIGTERM: killing it\n${this.tail(10)}`);
      child.kill('SIGKILL');
    }, 5_000);
    await gone;
    clearTimeout(t);
  }
}

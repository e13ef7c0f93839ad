import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI } from './cli.js';
import { freePort, waitFor } from './s3.js';
import { ACCESS_KEY, SECRET_KEY } from './server.js';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildServer {
  proc: ChildProcess;
  port: number;
  url: string;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
}

/** Runs `node dist/cli.js serve` on `dataDir` on a free port (127.0.0.1); resolves once it listens. */
export async function spawnServer(dataDir: string, env: Record<string, string> = {}, scheme: 'http' | 'https' = 'http'): Promise<ChildServer> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const port = env.CAIRN_PORT ? Number(env.CAIRN_PORT) : await freePort();
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CAIRN_')) childEnv[k] = v;
  Object.assign(childEnv, {
    CAIRN_HOST: '127.0.0.1',
    CAIRN_PORT: String(port),
    CAIRN_DATA_DIR: dataDir,
    CAIRN_ACCESS_KEY: ACCESS_KEY,
    CAIRN_SECRET_KEY: SECRET_KEY,
    CAIRN_LOG_LEVEL: 'warn',
    CAIRN_FSYNC: 'false',
    ...env,
  });
  const proc = spawn(process.execPath, [CLI, 'serve'], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | string>((ok) => proc.once('exit', (code, sig) => ok(code ?? sig ?? -1)));
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const ready = await waitFor(() => out.includes('Cairn listening on') || proc.exitCode !== null, 20_000);
  if (!ready || proc.exitCode !== null) {
    proc.kill('SIGKILL');
    throw new Error(`server did not start (exit ${proc.exitCode}):\n${out}`);
  }
  return { proc, port, url: `${scheme}://127.0.0.1:${port}`, output: () => out, exited };
}

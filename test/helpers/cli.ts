import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

/** Runs `node dist/cli.js ARGS` on `dataDir` (no CAIRN_* variable of the test's environment leaks in). */
export function cairn(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CAIRN_')) childEnv[k] = v;
  Object.assign(childEnv, { CAIRN_DATA_DIR: dataDir, ...env });
  return new Promise((res) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv, encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * The web console's files, built into dist/console/public by `npm run build`
 * (src/console/build.mjs) and served from memory at /-/console/ on the S3
 * port. '-' cannot start a bucket name, so the path is never a bucket. The
 * console has no server-side powers: the page signs every request itself.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const CONSOLE_PATH = '/-/console';

export interface Asset {
  readonly body: Buffer;
  readonly gzip?: Buffer;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Security headers for every console response: nothing but the console's own files and Cairn's own API. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // Presigned links must not leak through Referer.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

function packageRoot(): string {
  // dist/console/assets.js or src/console/assets.ts: the package root is two levels up.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** The built files by name ('index.html', 'app.js', ...), plus config.json; undefined when the console was not built. */
export function loadConsoleAssets(region: string): Map<string, Asset> | undefined {
  const dir = join(packageRoot(), 'dist', 'console', 'public');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const assets = new Map<string, Asset>();
  const add = (name: string, body: Buffer) => {
    const type = TYPES[extname(name)] ?? 'application/octet-stream';
    const etag = `"${Buffer.from(String(body.length) + body.subarray(0, 64).toString('hex') + body.subarray(-64).toString('hex'))
      .toString('base64url')
      .slice(0, 27)}"`;
    assets.set(name, { body, type, etag, gzip: body.length > 1024 ? gzipSync(body) : undefined });
  };
  for (const n of names) add(n, readFileSync(join(dir, n)));
  let version = '';
  try {
    version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '';
  } catch {
    // no version
  }
  add('config.json', Buffer.from(JSON.stringify({ region, version })));
  return assets;
}

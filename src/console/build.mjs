// Builds the console into dist/console/public at `npm run build`: one
// bundled, minified ES module (esbuild), the page and its stylesheet. No CDN,
// nothing fetched at run time. Prints the gzipped size of what a browser loads.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'dist', 'console', 'public');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'web', 'app.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
  legalComments: 'none',
});
for (const f of ['index.html', 'styles.css']) copyFileSync(join(here, 'web', f), join(out, f));
const gz = ['app.js', 'styles.css', 'index.html'].reduce((n, f) => n + gzipSync(readFileSync(join(out, f))).length, 0);
if (process.env.CAIRN_CONSOLE_BUILD_QUIET !== '1') console.log(`console: ${(gz / 1024).toFixed(1)} KiB gzipped`);

// The web dashboard's front-end (web/) is bundled at build time into dist/web: one ES module, one
// stylesheet (uPlot's included) and the page template. ds01d serves these files and nothing else; no
// CDN, nothing fetched at run time. `npm run build` runs this after tsc.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_OUT = join(REPO, 'dist/web');

export async function bundleWeb(outdir = WEB_OUT): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    absWorkingDir: REPO,
    entryPoints: { app: 'web/src/main.ts' },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  copyFileSync(join(REPO, 'web/index.html'), join(outdir, 'index.html'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await bundleWeb();

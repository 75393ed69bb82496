// The commands ship as one bundled, minified entry (dist/commands/bin/ds01.js) plus lazily loaded chunks,
// so a command's start-up reads a few files instead of ~150 modules. The entry is commands/bin/ds01.ts
// and everything reachable from it is bundled: a command added later is picked up by being imported
// from the command tree, with no list to keep. `npm run build` runs this after tsc (which type-checks
// and emits the daemon); commands/bundle.test.ts checks the bundle's inputs keep the CLI/daemon boundary.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_OUT = join(REPO, 'dist/commands/bin');

/**
 * Packages left out of the bundle and loaded from node_modules when first used: enquirer finds its
 * ansi-colors through require.resolve (prompts.ts switches colours off through it), and only prompts
 * need it.
 */
export const CLI_EXTERNAL = ['enquirer'];

export function cliBuildOptions(outdir = CLI_OUT): BuildOptions {
  return {
    absWorkingDir: REPO,
    entryPoints: { ds01: 'commands/bin/ds01.ts' },
    outdir,
    bundle: true,
    // ESM keeps `import()` lazy: the command tree, ssh-proxy and rarely used parts become chunks.
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: 'node20',
    external: CLI_EXTERNAL,
    // Whitespace and syntax only: identifiers stay, so an unexpected error's stack is still readable.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    // Bundled CommonJS packages (commander, tar-stream) call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __ds01Require } from 'node:module'; const require = __ds01Require(import.meta.url);",
    },
    logLevel: 'warning',
    metafile: true,
  };
}

async function main(): Promise<void> {
  // Chunk names carry a content hash: remove the last build's so none is left over.
  rmSync(join(CLI_OUT, 'chunks'), { recursive: true, force: true });
  // tsc's map describes the unbundled file this build replaces.
  rmSync(join(CLI_OUT, 'ds01.js.map'), { force: true });
  await build(cliBuildOptions());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

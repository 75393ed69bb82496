// ds01d ships as one bundled entry (dist/daemon/main.js) plus lazily loaded chunks (dist/daemon/chunks/):
// a start after a crash reads a few files instead of ~400 modules, and the parts only some requests need
// (SSH access, SMTP, host load figures, dockerode's BuildKit session) are loaded when first used, which
// also keeps them out of the idle daemon's memory. `npm run build` runs this after tsc: tsc type-checks and
// still emits every module, because the helper programs ds01d runs as separate processes
// (workspace/bind-helper.js, access/sftp-helper.js, access/netns-relay.js) stay tsc's per-file output;
// daemon/paths.ts finds them from either layout. scripts/bundle-daemon.test.ts checks the lazy parts stay
// out of the entry.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DAEMON_OUT = join(REPO, 'dist/daemon');

/**
 * Left in node_modules: native addons (better-sqlite3, koffi; ssh2's optional crypto binding) cannot be
 * bundled, and ssh2 is only reached through `import()` (access/), so it stays a lazy load.
 */
export const DAEMON_EXTERNAL = ['better-sqlite3', 'koffi', 'ssh2', 'cpu-features'];

/**
 * Two packages load heavy dependencies at require time for features ds01 never or rarely uses: dockerode's
 * BuildKit session (@grpc/grpc-js + protobufjs; ds01 builds with the classic builder) and docker-modem's
 * ssh:// transport (ssh2; ds01 talks to a Unix socket or tcp://). Each require becomes a function that
 * requires on first call. A changed package fails the build here instead of silently loading eagerly.
 */
export const LAZY_REQUIRES: { file: RegExp; from: string; to: string }[] = [
  {
    file: /node_modules\/dockerode\/lib\/docker\.js$/,
    from: "withSession = require('./session'),",
    to: "withSession = function () { return require('./session').apply(this, arguments); },",
  },
  {
    file: /node_modules\/docker-modem\/lib\/ssh\.js$/,
    from: "var Client = require('ssh2').Client,",
    to: "var Client = function (o) { return new (require('ssh2').Client)(o); },",
  },
];

/** The rewrites the last build made (daemon/bundle.test.ts checks every one still applies). */
export const appliedLazyRequires = new Set<string>();

const lazyRequires: Plugin = {
  name: 'ds01-lazy-requires',
  setup(b) {
    for (const l of LAZY_REQUIRES)
      b.onLoad({ filter: l.file }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes(l.from))
          throw new Error(`${args.path} changed: cannot make "${l.from}" lazy (scripts/bundle-daemon.ts)`);
        appliedLazyRequires.add(l.from);
        return { contents: text.replace(l.from, l.to), loader: 'js' };
      });
  },
};

export function daemonBuildOptions(outdir = DAEMON_OUT): BuildOptions {
  return {
    absWorkingDir: REPO,
    entryPoints: { main: 'daemon/main.ts' },
    outdir,
    bundle: true,
    // ESM keeps `import()` lazy: SSH access, SMTP and host figures become chunks.
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: 'node20',
    external: DAEMON_EXTERNAL,
    plugins: [lazyRequires],
    // Whitespace and syntax only: identifiers stay, so a stack in the journal is still readable.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    // The shebang comes from daemon/main.ts; bundled CommonJS packages call require() for Node's modules.
    banner: {
      js: "import { createRequire as __ds01Require } from 'node:module'; const require = __ds01Require(import.meta.url);",
    },
    logLevel: 'warning',
    metafile: true,
  };
}

async function main(): Promise<void> {
  // Chunk names carry a content hash: remove the last build's so none is left over.
  rmSync(join(DAEMON_OUT, 'chunks'), { recursive: true, force: true });
  // tsc's map describes the unbundled file this build replaces.
  rmSync(join(DAEMON_OUT, 'main.js.map'), { force: true });
  await build(daemonBuildOptions());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();

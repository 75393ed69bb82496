// The commands ship bundled (esbuild), so a command's start-up reads three files instead of ~150
// modules, and compiles almost nothing:
//   dist/commands/bin/ds01.js          the entry (commands/bin/ds01.ts): answers `--version`, loads a bundle
//   dist/commands/bin/part-KEY-HASH.cjs one part of the command tree (commands/parts/KEY.ts, names.ts): a
//                                      command with a part of its own loads only that part's code
//   dist/commands/bin/cli-HASH.cjs     the whole command tree (commands/cli.ts and all it imports): help,
//                                      mistyped commands, the image commands
//   dist/commands/bin/ssh-proxy-HASH.cjs   `ds01 ssh-proxy`, which every ssh connection starts
//   dist/commands/bin/pkg-NAME-HASH.cjs    a package the commands only import() (chrono-node), on first use
//   *.cjs.cache                        V8's code cache for each bundle (commands/bin/code-cache.ts)
// All CommonJS (a package.json there says so): Node 20's ES module loader costs ≈5 ms before the first
// line runs, and only a classic script can use a code cache. Each bundle holds everything reachable from
// its entry, so a verb added to a part is picked up with no list to keep (a new top-level command goes in
// one part of commands/names.ts PART_NOUNS; commands/help.test.ts fails until it does). Why parts: a
// command then reads, deserialises and runs only its part's code (≈100 kB, not 350). `npm run build`
// runs this after tsc (which type-checks and emits the daemon); commands/bundle.test.ts checks the
// bundles keep the CLI/daemon boundary, and what start-up loads.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { OWN_BUNDLE, type PartKey } from '../commands/names.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_OUT = join(REPO, 'dist/commands/bin');

/**
 * Packages left out of the bundle and loaded from node_modules when first used: enquirer finds its
 * ansi-colors through require.resolve (prompts.ts switches colours off through it), and only prompts
 * need it.
 */
export const CLI_EXTERNAL = ['enquirer'];

/** The bundles' entry points, by the key the entry program knows them by. */
export const BUNDLES = {
  cli: 'commands/cli.ts',
  sshProxy: 'commands/user/ssh-proxy.ts',
  leaves: 'commands/leaf-commands.ts',
} as const;
/** Each part with a bundle of its own: its entry point. */
export const PART_ENTRIES = Object.fromEntries(
  OWN_BUNDLE.map((k) => [k, `commands/parts/${k}.ts`]),
) as Record<PartKey, string>;

/** The bundles' file names, as the entry program gets them. */
export interface BundleNames {
  cli: string;
  sshProxy: string;
  leaves: string;
  parts: Partial<Record<PartKey, string>>;
}

const common: BuildOptions = {
  absWorkingDir: REPO,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Whitespace and syntax only: identifiers stay, so an unexpected error's stack is still readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  // import() of what stays outside (enquirer, a package's bundle) as require(): a vm.Script has no ES
  // module loader to call, and require goes through load-bundle.ts.
  supported: { 'dynamic-import': false },
};

const cjsFiles: BuildOptions = {
  ...common,
  // The content hash in the name keys the code cache: V8 checks a cache against the source's length only.
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  external: CLI_EXTERNAL,
  // import.meta is ESM's; the two modules that use it want their own file's URL.
  // (a getter: made when asked, not at every start-up)
  define: { 'import.meta.url': '__ds01_meta.url' },
  banner: { js: 'var __ds01_meta={get url(){return require("node:url").pathToFileURL(__filename).href}};' },
};

/**
 * A package the commands only `import()` (chrono-node, for dates) gets a bundle of its own, which
 * load-bundle.ts loads on first use: inside the command tree's bundle its code, though never run, would
 * still be read and its part of the cache deserialised by every command (≈4 ms for chrono-node's 430 kB).
 * `chunks` maps each such package to its bundle's file name; `found` collects them.
 */
function packageChunks(chunks: Map<string, string>, found?: Set<string>): Plugin {
  return {
    name: 'package-chunks',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (
          args.kind !== 'dynamic-import' ||
          args.path.startsWith('node:') ||
          CLI_EXTERNAL.includes(args.path)
        )
          return undefined;
        found?.add(args.path);
        return { path: `./${chunks.get(args.path) ?? 'unbuilt.cjs'}`, external: true };
      });
    },
  };
}

/** The two bundles. A lazy `import()` of our own code becomes a function that runs it on first use. */
export function bundleBuildOptions(outdir = CLI_OUT, chunks = new Map<string, string>()): BuildOptions {
  return {
    ...cjsFiles,
    entryPoints: {
      cli: BUNDLES.cli,
      'ssh-proxy': BUNDLES.sshProxy,
      leaves: BUNDLES.leaves,
      ...Object.fromEntries(OWN_BUNDLE.map((k) => [`part-${k}`, PART_ENTRIES[k]])),
    },
    outdir,
    plugins: [packageChunks(chunks)],
  };
}

/** Which packages the bundles only import(), and the bundle built for each (name by package). */
async function buildPackageChunks(outdir: string, plugins: Plugin[]): Promise<Map<string, string>> {
  const found = new Set<string>();
  const probe = bundleBuildOptions(outdir);
  await build({ ...probe, write: false, plugins: [packageChunks(new Map(), found), ...plugins] });
  const chunks = new Map<string, string>();
  for (const pkg of found) {
    const r = await build({
      ...cjsFiles,
      entryPoints: { [`pkg-${pkg.replace(/[^\w.-]/g, '_')}`]: pkg },
      outdir,
      plugins,
    });
    const out = Object.keys(r.metafile?.outputs ?? {}).find((k) => k.endsWith('.cjs'));
    if (!out) throw new Error(`no bundle written for ${pkg}`);
    chunks.set(pkg, basename(out));
  }
  return chunks;
}

/** The bundles' file names by key, from the bundle build's metafile. */
export function bundleNames(meta: Metafile): BundleNames {
  const out = (entry: string) => {
    const file = Object.keys(meta.outputs).find((k) => meta.outputs[k]?.entryPoint === entry);
    if (!file) throw new Error(`bundle for ${entry} missing from the build`);
    return basename(file);
  };
  return {
    cli: out(BUNDLES.cli),
    sshProxy: out(BUNDLES.sshProxy),
    leaves: out(BUNDLES.leaves),
    parts: Object.fromEntries(OWN_BUNDLE.map((k) => [k, out(PART_ENTRIES[k])])),
  };
}

/** The entry program and the code-cache writer, which know the bundles by their hashed names. */
export function programBuildOptions(names: BundleNames, outdir = CLI_OUT): BuildOptions {
  return {
    ...common,
    entryPoints: { ds01: 'commands/bin/ds01.ts', 'code-cache': 'commands/bin/code-cache.ts' },
    outdir,
    define: { DS01_BUNDLES: JSON.stringify(names) },
  };
}

/**
 * Builds everything into `outdir` (emptied first) and writes the code cache with this node; returns the
 * bundles' metafile. `plugins` are for tests (markers in packages' code).
 */
export async function buildCli(outdir = CLI_OUT, plugins: Plugin[] = []): Promise<Metafile> {
  // tsc's per-file ES modules for commands/bin are replaced by the bundles; last build's hashed names go too.
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  // Every .js here is CommonJS (the repository's package.json says "module").
  writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
  const chunks = await buildPackageChunks(outdir, plugins);
  const options = bundleBuildOptions(outdir, chunks);
  const bundles = await build({ ...options, plugins: [...(options.plugins ?? []), ...plugins] });
  if (!bundles.metafile) throw new Error('esbuild gave no metafile');
  await build(programBuildOptions(bundleNames(bundles.metafile), outdir));
  chmodSync(join(outdir, 'ds01.js'), 0o755);
  // The cache is made by this node; install.sh makes it again with the node that runs the commands.
  const r = spawnSync(process.execPath, [join(outdir, 'code-cache.js')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`code-cache.js failed (${r.status ?? r.signal})`);
  return bundles.metafile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildCli();

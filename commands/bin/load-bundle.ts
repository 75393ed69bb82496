// Loads one of the commands' CommonJS bundles (scripts/bundle-cli.ts) through V8's code cache. Node 20
// has no compile cache for the CLI to use, so the bundle is compiled here with vm.Script and the bytecode
// that `code-cache.ts` saved beside it at build/install time. The cache is only ever read: it lives in
// the root-owned install tree, written by the build and by install.sh, never by a user's command.
// A missing or stale cache costs only speed: V8 rejects data that does not fit its version, flags or
// source, and the source is then compiled as usual.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Where a bundle's cache lives. Bundle names carry their content hash, so a cache is never applied to
 * another build's bundle (V8 itself checks only the source's length, not its text).
 */
export const cacheFileFor = (bundle: string): string => `${bundle}.cache`;

/** The CommonJS wrapper, byte for byte the same when the cache is made and when it is used. */
const wrap = (source: string) => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

/** The bundle compiled (with `cachedData` when given) but not yet run. */
export function compileBundle(file: string, cachedData?: Buffer): Script {
  return new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
}

/**
 * Node's modules that take milliseconds to load, that only some commands (or only the request, after
 * start-up) use, and that export a plain object. The bundle's `require` hands it a stand-in for them
 * that loads the module on first use: a package like commander requiring child_process at its top, or a
 * command file importing http, then costs nothing to a command that never calls them.
 */
export const LAZY_BUILTINS = [
  'child_process',
  'http',
  'https',
  'net',
  'tty',
  'readline',
  'crypto',
  'zlib',
  'dns',
  // prompts.ts's createRequire: node:module brings Node's ES module loader with it (≈1 ms), for prompts only
  'module',
];

const lazyIds = new Set(LAZY_BUILTINS.flatMap((m) => [m, `node:${m}`]));

function lazyModule(load: () => object): object {
  let mod: object | undefined;
  const real = () => {
    mod ??= load();
    return mod;
  };
  return new Proxy(
    {},
    {
      get: (_, key) => Reflect.get(real(), key),
      has: (_, key) => Reflect.has(real(), key),
      ownKeys: () => Reflect.ownKeys(real()),
      // A proxy may not report a property as non-configurable that its (empty) target lacks.
      getOwnPropertyDescriptor: (_, key) => {
        const d = Reflect.getOwnPropertyDescriptor(real(), key);
        return d && { ...d, configurable: true };
      },
    },
  );
}

/** Bundles loaded in this process, by file: a package's bundle imported twice runs once. */
const loaded = new Map<string, unknown>();

/**
 * `require` for a bundle: the lazy stand-ins for LAZY_BUILTINS; a package's own bundle (`./pkg-….cjs`,
 * scripts/bundle-cli.ts) through its code cache; everything else through this file's own require. This
 * file runs only bundled as CommonJS into the entry, beside the bundles (dist/commands/bin/), so its
 * require resolves what theirs would (and costs nothing to make, unlike createRequire).
 */
export function bundleRequire(file: string): NodeJS.Require {
  const load = (id: string) => {
    if (lazyIds.has(id)) return lazyModule(() => require(id));
    if (!/^\.\/[\w.-]+\.cjs$/.test(id)) return require(id);
    const path = join(dirname(file), id);
    if (!loaded.has(path)) loaded.set(path, loadBundle(path));
    return loaded.get(path);
  };
  return Object.assign(load, require);
}

/** Runs a compiled bundle as a CommonJS module of its own file; returns its exports. */
export function runBundle<T>(script: Script, file: string): T {
  const module = { exports: {} as T };
  const init = script.runInThisContext() as (...args: unknown[]) => void;
  init(module.exports, bundleRequire(file), module, file, dirname(file));
  return module.exports;
}

/** A bundle's exports, compiled with its cache when there is a usable one. */
export function loadBundle<T>(file: string): T {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFileFor(file));
  } catch {
    // no cache (a build that skipped it, a copied tree): compile from source
  }
  return runBundle<T>(compileBundle(file, cachedData), file);
}

// The commands as they ship (scripts/bundle-cli.ts), built into a temporary directory the way `npm run
// build` builds them and run with node: what they are built from keeps commands/imports.test.ts's rule
// (commands/, the wire contract, daemon/common and packages, never daemon code), what a command's
// start-up loads stays small, and the code cache is used when it fits and costs nothing when it does not.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Metafile, Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../scripts/bundle-cli.js';

const ALLOWED = /^(commands\/|daemon\/api\/types\/|daemon\/common\/|node_modules\/)/;
/** Packages that must not run at a command's start-up (only some commands use them). */
const WATCHED = ['chrono-node', 'tar-stream', 'zod'];

/** A line at the top of every file of a WATCHED package that records, when it runs, that it ran. */
const markPackages: Plugin = {
  name: 'mark-packages',
  setup(b) {
    const filter = new RegExp(`node_modules/(${WATCHED.join('|')})/.*\\.[cm]?js$`);
    b.onLoad({ filter }, (args) => {
      const pkg = WATCHED.find((p) => args.path.includes(`node_modules/${p}/`));
      const mark = `globalThis.__ds01Ran?.add(${JSON.stringify(pkg)});\n`;
      return {
        contents: mark + readFileSync(args.path, 'utf8'),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

let dir: string;
let meta: Metafile;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-bundle-'));
  meta = await buildCli(join(dir, 'bin'), [markPackages]);
  // Run before the entry: records which packages ran and which of Node's modules were loaded.
  writeFileSync(
    join(dir, 'probe.cjs'),
    `globalThis.__ds01Ran = new Set();
const fs = require('node:fs');
const readFileSync = fs.readFileSync;
const read = [];
fs.readFileSync = function (file, ...rest) {
  if (typeof file === 'string') read.push(require('node:path').basename(file));
  return readFileSync.call(this, file, ...rest);
};
const streams = [];
for (const name of ['stdout', 'stderr']) {
  const make = Object.getOwnPropertyDescriptor(process, name).get;
  Object.defineProperty(process, name, { configurable: true, enumerable: true, get() {
    if (!streams.includes(name)) streams.push(name);
    return make.call(process);
  } });
}
process.on('exit', () => fs.writeFileSync(process.env.PROBE_OUT, JSON.stringify({
  ran: [...globalThis.__ds01Ran],
  streams,
  read: read.filter((f) => f.endsWith('.cjs')),
  builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
  required: Object.keys(require.cache),
})));
`,
  );
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Probe {
  ran: string[];
  /** process.stdout / process.stderr, when something made them. */
  streams: string[];
  /** The bundles read (loaded), by file name. */
  read: string[];
  builtins: string[];
  required: string[];
}

/** The shipped entry run as `ds01 ARGS` against a socket nobody listens on. */
function ds01(args: string[]): { code: number | null; stdout: string; stderr: string; probe: Probe } {
  const out = join(dir, 'probe.json');
  const r = spawnSync(
    process.execPath,
    ['--require', join(dir, 'probe.cjs'), join(dir, 'bin/ds01.js'), ...args],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NO_COLOR: '1', DS01_SOCKET: join(dir, 'nobody.sock'), PROBE_OUT: out },
      timeout: 60_000,
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, probe: JSON.parse(readFileSync(out, 'utf8')) };
}

describe('CLI bundles', () => {
  it('are built only from commands, the wire contract, daemon/common and packages', () => {
    const inputs = Object.keys(meta.inputs);
    // Found by following imports: a command added to the tree is in the bundle with no list to edit.
    expect(inputs.some((f) => f.startsWith('commands/user/container-list'))).toBe(true);
    expect(inputs.filter((f) => !ALLOWED.test(f))).toEqual([]);
    // Nothing daemon-only is reached through a package either (the daemon's own dependencies).
    expect(
      inputs.filter((f) => /node_modules\/(better-sqlite3|dockerode|koffi|node-cron)\//.test(f)),
    ).toEqual([]);
  });

  it('start a command without loading what only other commands use', () => {
    const r = ds01(['container', 'list']);
    // The request was made (and failed: nobody listens), so everything a list needs up to the answer ran.
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('cannot reach the ds01 daemon');
    expect(r.probe.ran).toEqual([]);
    // node:net for the request, never node:http's client; no child_process (commander requires it at its
    // top), terminal, prompt or crypto modules.
    expect(r.probe.builtins).toContain('net');
    const heavy = [
      'child_process',
      'http',
      '_http_client',
      'https',
      'tty',
      'readline',
      'crypto',
      'zlib',
      'dns',
      'module', // and Node's ES module loader with it
      'internal/modules/esm/loader',
    ];
    expect(r.probe.builtins.filter((m) => heavy.includes(m))).toEqual([]);
    expect(r.probe.required.filter((f) => f.includes('node_modules/enquirer'))).toEqual([]);
  });

  it('load only the part of the tree a command is in; the whole tree for help and mistyped commands', () => {
    const bundle = (f: string) => f.replace(/-[A-Z0-9]+\.cjs$/, '');
    // The leaves (leaves.ts): exactly their words and flags.
    expect(ds01(['container', 'list']).probe.read.map(bundle)).toEqual(['leaves']);
    expect(ds01(['gpu', 'list', '--wide']).probe.read.map(bundle)).toEqual(['leaves']);
    expect(ds01(['limits', '--json']).probe.read.map(bundle)).toEqual(['leaves']);
    // Anything else on their lines: the part.
    expect(ds01(['container', 'ls']).probe.read.map(bundle)).toEqual(['part-container']);
    expect(ds01(['container', 'list', '-aj']).probe.read.map(bundle)).toEqual(['part-container']);
    expect(ds01(['limits', 'alice']).probe.read.map(bundle)).toEqual(['part-limits']);
    expect(ds01(['gpu', 'list', '--help']).probe.read.map(bundle)).toEqual(['part-gpu']);
    expect(ds01(['container-stats', 'x']).probe.read.map(bundle)).toEqual(['part-container']);
    for (const line of [['--help'], ['help', 'gpu'], ['contaner', 'list'], ['image', 'list']])
      expect(ds01(line).probe.read.map(bundle), line.join(' ')).toEqual(['cli']);
    // A part's bundle holds its own commands and what they share, not another part's.
    const inputsOf = (name: string) => {
      const out = Object.keys(meta.outputs).find((o) => bundle(o.split('/').pop() ?? '') === name);
      return Object.keys(meta.outputs[out ?? '']?.inputs ?? {});
    };
    const limits = inputsOf('part-limits');
    expect(limits).toContain('commands/user/check-limits.ts');
    expect(limits.filter((f) => /container-deploy|gpu-list|admin-cli|image-create/.test(f))).toEqual([]);
    expect(inputsOf('part-container').filter((f) => /gpu-list|admin-cli|image-create/.test(f))).toEqual([]);
    // The leaves' bundle runs the commands themselves, with neither commander nor the rest of a part.
    const leaves = inputsOf('leaves');
    expect(leaves).toContain('commands/user/container-list.ts');
    expect(leaves.filter((f) => /commander|tree\.ts|container-deploy|gpu-cli/.test(f))).toEqual([]);
  });

  it('answer ds01 --version without loading the command tree', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string };
    const r = ds01(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    expect(r.probe.builtins).not.toContain('vm');
    // Written to fd 1 itself: Node's stream for stdout is never made (lib/fd-output.ts).
    expect(r.probe.streams).toEqual([]);
  });

  it('end quietly when the reader of their output has gone (EPIPE on a write to the fd)', async () => {
    const child = spawn(process.execPath, [join(dir, 'bin/ds01.js'), '--help'], {
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader goes before the command writes its first byte
    let stderr = '';
    child.stderr.on('data', (b) => {
      stderr += b;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('load a package only import()ed from its own bundle, on first use', () => {
    const chunks = readdirSync(join(dir, 'bin')).filter((f) => f.startsWith('pkg-chrono-node-'));
    expect(chunks.some((f) => f.endsWith('.cjs'))).toBe(true);
    // `ds01 book` reads --from with chrono-node before it asks the daemon anything.
    const r = ds01(['book', '--from', 'not a time at all', '--for', '2h']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read "not a time at all" as a time');
    expect(r.probe.ran).toEqual(['chrono-node']);
  });

  it('use a code cache that fits, and run the same without one', () => {
    const check = () =>
      spawnSync(process.execPath, [join(dir, 'bin/code-cache.js'), '--check'], { encoding: 'utf8' });
    const ok = check();
    expect(ok.status).toBe(0);
    for (const b of ['cli', 'leaves', 'part-container', 'part-gpu', 'part-limits'])
      expect(ok.stdout).toMatch(new RegExp(`${b}-[A-Z0-9]+\\.cjs: code cache ok`));
    const bin = readdirSync(join(dir, 'bin'));
    const cache = join(dir, 'bin', bin.find((n) => /^part-container-.*\.cjs\.cache$/.test(n)) ?? 'missing');
    const other = join(dir, 'bin', bin.find((n) => /^ssh-proxy-.*\.cjs\.cache$/.test(n)) ?? 'missing');
    const good = readFileSync(cache);
    try {
      // Another bundle's cache in its place: V8 rejects it, and the command behaves exactly the same.
      copyFileSync(other, cache);
      expect(check()).toMatchObject({
        status: 1,
        stdout: expect.stringMatching(/part-container-.*: code cache rejected/),
      });
      expect(ds01(['container', 'list'])).toMatchObject({ code: 5, stdout: '' });
      // No cache at all.
      rmSync(cache);
      expect(check()).toMatchObject({
        status: 1,
        stdout: expect.stringMatching(/part-container-.*: no code cache/),
      });
      expect(ds01(['container', 'list'])).toMatchObject({ code: 5, stdout: '' });
    } finally {
      writeFileSync(cache, good);
    }
  });
});

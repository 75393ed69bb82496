// The layers hold: routes → services → (store, docker, gpu, policy, lifecycle, images, identity, …).
// Read from the source, so a new file is checked the day it is written:
//   - nothing outside daemon/api/ (but the composition root: main.ts and its daemon/wiring/ modules) imports
//     the HTTP layer, except the wire types in daemon/api/types;
//   - nothing below the services imports a service;
//   - audit events go through store/audit.ts (typed kinds, one clock).
// And no source file grows past ~450 lines without saying why at its top.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_LINES = 450;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Repo-relative paths of what a file imports from within the repo (static, re-exported and dynamic). */
export function importsOf(file: string, text: string): string[] {
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1] as string);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)).replace(/\.js$/, '.ts'));
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/** The layer rules for one file; each string is a broken rule. */
export function layerProblems(file: string, imports: string[]): string[] {
  const problems: string[] = [];
  const isApi = inside(file, 'daemon/api');
  // main.ts and the modules it delegates one feature's wiring to (main.ts is at its line limit).
  const isRoot = file === 'daemon/main.ts' || inside(file, 'daemon/wiring');
  const isService = inside(file, 'daemon/services');
  for (const imp of imports) {
    if (!isApi && !isRoot && inside(imp, 'daemon/api') && !inside(imp, 'daemon/api/types'))
      problems.push(`${file} imports ${imp}: only daemon/api/types may be used below the HTTP layer`);
    if (!isApi && !isRoot && !isService && inside(imp, 'daemon/services'))
      problems.push(`${file} imports ${imp}: a lower layer must not depend on a service`);
  }
  return problems;
}

describe('layer rules (the checker itself)', () => {
  it('flags a service that imports the router, and allows the wire types', () => {
    const f = 'daemon/services/x.ts';
    expect(importsOf(f, "import type { Caller } from '../api/router.js';")).toEqual(['daemon/api/router.ts']);
    expect(layerProblems(f, ['daemon/api/router.ts'])).toHaveLength(1);
    expect(layerProblems(f, ['daemon/api/types/events.ts'])).toEqual([]);
  });
  it('flags the store importing a service, and a dynamic import of the server', () => {
    expect(layerProblems('daemon/store/x.ts', ['daemon/services/containers/index.ts'])).toHaveLength(1);
    const imps = importsOf('daemon/docker/x.ts', "const s = await import('../api/server.js');");
    expect(layerProblems('daemon/docker/x.ts', imps)).toHaveLength(1);
  });
  it('lets routes and the composition root use anything', () => {
    expect(layerProblems('daemon/api/routes/x.ts', ['daemon/services/containers/index.ts'])).toEqual([]);
    expect(layerProblems('daemon/main.ts', ['daemon/api/server.ts'])).toEqual([]);
    expect(layerProblems('daemon/wiring/x.ts', ['daemon/api/routes/x.ts', 'daemon/services/x.ts'])).toEqual(
      [],
    );
  });
});

describe('the daemon layers', () => {
  const files = sources('daemon');

  it('nothing below the HTTP layer imports it (but the wire types), nothing below services imports one', () => {
    const problems = files.flatMap((f) =>
      layerProblems(f, importsOf(f, readFileSync(join(ROOT, f), 'utf8'))),
    );
    expect(problems).toEqual([]);
  });

  it('audit events are written only through the typed helper (store/audit.ts)', () => {
    const direct = files
      .filter((f) => !f.endsWith('.test.ts') && f !== 'daemon/store/audit.ts')
      .filter((f) => /\bevents\.append\(/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(direct).toEqual([]);
  });

  it(`no source file is over ${MAX_LINES} lines without a reason at its top`, () => {
    const long = [...files, ...sources('commands')]
      .filter((f) => !f.endsWith('.test.ts'))
      .filter((f) => {
        const text = readFileSync(join(ROOT, f), 'utf8');
        const lines = text.split('\n').length;
        // The reason: a comment in the first lines saying why this file stays whole.
        return lines > MAX_LINES && !/^\/\/ Long on purpose:/m.test(text.split('\n').slice(0, 12).join('\n'));
      });
    expect(long).toEqual([]);
  });
});

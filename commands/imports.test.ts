// The client's boundary with the daemon, as a test: commands/ may import from daemon/ only the wire
// contract (daemon/api/types) and the pure shared modules (daemon/common), and those two import nothing
// else from the daemon and do no I/O, so the CLI never pulls in daemon code or state.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = ['daemon/api/types/', 'daemon/common/'];
/** Modules that do I/O or hold state: never in the shared code. */
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|child_process|net|http|https|dgram|os|cluster|worker_threads)$|^(better-sqlite3|dockerode|koffi|node-cron|systeminformation)$/;

function sources(dir: string, tests = false): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && (tests || !f.endsWith('.test.ts')))
    .map((f) => join(dir, f));
}

/** Every module a file imports: static imports, `export … from`, dynamic `import()`. */
function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]/g))
    out.push(m[1] as string);
  for (const m of text.matchAll(/(?:^|[\s;])import\s*['"]([^'"]+)['"]/g)) out.push(m[1] as string);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] as string);
  return out;
}

/** Repository-relative path of a relative import, or null for a package. */
function target(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  return relative(ROOT, resolve(ROOT, dirname(file), spec));
}

const shared = (path: string) => SHARED.some((p) => path.startsWith(p));

describe('import boundaries', () => {
  it('finds imports in every form the code uses', () => {
    const text = `import a from '../x.js';\nimport type {\n  B,\n} from "./y.js";\nexport * from './z.js';\nimport './side.js';\nconst m = await import('../../daemon/store/db.js');`;
    expect(importsOf(text)).toEqual(['../x.js', './y.js', './z.js', './side.js', '../../daemon/store/db.js']);
  });

  it('commands/ imports from daemon/ only the wire types and daemon/common', () => {
    const bad: string[] = [];
    const files = sources('commands', true);
    expect(files.length).toBeGreaterThan(20);
    for (const f of files)
      for (const spec of importsOf(readFileSync(join(ROOT, f), 'utf8'))) {
        const t = target(f, spec);
        if (t?.startsWith('daemon/') && !shared(t)) bad.push(`${f}: ${spec}`);
      }
    expect(bad, 'use daemon/api/types or move the pure module to daemon/common').toEqual([]);
  });

  it('daemon/api/types and daemon/common import only each other and no I/O', () => {
    const bad: string[] = [];
    for (const f of [...sources('daemon/api/types'), ...sources('daemon/common')])
      for (const spec of importsOf(readFileSync(join(ROOT, f), 'utf8'))) {
        const t = target(f, spec);
        if (t === null ? IO_MODULES.test(spec) : !shared(t)) bad.push(`${f}: ${spec}`);
      }
    expect(bad).toEqual([]);
  });
});

// `npm run bench`: runs every testing/bench/*.ts module's default export (or those named on the
// command line), prints the results and rewrites the generated section of BENCHMARKS.md.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const skip = new Set(['run.ts', 'types.ts', 'heap-summary.ts']);
const only = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !skip.has(f))
  .filter((f) => !only.length || only.includes(basename(f, '.ts')))
  .sort();

// This host sets NODE_EXTRA_CA_CERTS, which makes every Node process parse a CA bundle before its first
// line (≈ +100 ms each here, more than the whole CLI's own start); a user's SSH session has no such
// setting, and nothing measured here speaks TLS. So the measured processes start without it.
delete process.env.NODE_EXTRA_CA_CERTS;

const sections: string[] = [];
let failed = 0;
for (const f of modules) {
  const name = basename(f, '.ts');
  process.stderr.write(`bench: ${name} …\n`);
  const mod = (await import(join(here, f))) as { default?: () => Promise<BenchResult[]> };
  if (typeof mod.default !== 'function') continue;
  try {
    const results = await mod.default();
    const rows = results.map((r) => `| ${r.name} | ${r.value} | ${r.unit} | ${r.notes ?? ''} |`);
    sections.push(
      `### ${name}\n\n| measure | value | unit | notes |\n|---|---|---|---|\n${rows.join('\n')}\n`,
    );
    for (const r of results) process.stdout.write(`${name}: ${r.name}: ${r.value} ${r.unit}\n`);
  } catch (err) {
    failed++;
    process.stderr.write(`bench: ${name} failed: ${(err as Error).stack}\n`);
    sections.push(`### ${name}\n\nfailed: ${(err as Error).message}\n`);
  }
}

const file = join(repo, 'BENCHMARKS.md');
const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const generated = `${BEGIN}\n_Last run: ${new Date().toISOString()} on ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}${only.length ? ` (only: ${only.join(', ')})` : ''}._\n\n${sections.join('\n')}${END}`;
const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
const next = old.includes(BEGIN)
  ? old.replace(new RegExp(`${BEGIN}[\\s\\S]*${END}`), generated)
  : `${old.trimEnd()}\n\n${generated}\n`;
if (!only.length) writeFileSync(file, next);
else {
  // The tables (with their notes) for pasting by hand.
  process.stdout.write(`\n${sections.join('\n')}`);
  process.stderr.write('bench: partial run; BENCHMARKS.md not rewritten\n');
}
process.exit(failed ? 1 : 0);

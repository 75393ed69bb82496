// `npm run chaos` — the full chaos run (issue 20): 100 SIGKILLs with the other faults among them, then a
// 30-minute soak, and the figures written between the chaos markers of BENCHMARKS.md. Options:
//   --kills N  --soak-min M  --users U      (defaults 100, 30, 5)
//   --samples FILE                          every soak sample as CSV (minute, RSS, V8 pages, malloc, fds)
//   --cpu-prof DIR                          ds01d's CPU profile (node --cpu-prof), for where its time goes
// Exit status 1 when any invariant was violated. Run as root on a machine with docker.io (like npm test).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ChaosReport, percentile, runChaos } from './run.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '100' },
    'soak-min': { type: 'string', default: '30' },
    users: { type: 'string', default: '5' },
    samples: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const kills = Number(values.kills);
const soakMin = Number(values['soak-min']);
const users = Number(values.users);
if (![kills, soakMin, users].every((n) => Number.isFinite(n) && n >= 0) || users < 1) {
  console.error('chaos: --kills, --soak-min and --users take non-negative numbers (users at least 1)');
  process.exit(2);
}

const r = await runChaos({
  kills,
  users,
  soakMs: soakMin * 60_000,
  samplesFile: values.samples,
  cpuProfDir: values['cpu-prof'],
  log: (l) => console.log(`chaos: ${l}`),
});
const section = render(r, kills === 100 && soakMin === 30);
console.log(section);
// The first few of each rule, so a run that found something says what (the block holds only counts).
const seen = new Map<string, number>();
for (const v of r.violations) {
  const n = (seen.get(v.rule) ?? 0) + 1;
  seen.set(v.rule, n);
  if (n <= 5) console.log(`chaos: ${v.rule} after ${v.after}: ${v.detail}`);
}
const file = join(dirname(fileURLToPath(import.meta.url)), '../../BENCHMARKS.md');
const text = readFileSync(file, 'utf8');
const re = /<!-- chaos:begin -->[\s\S]*<!-- chaos:end -->/;
if (re.test(text))
  writeFileSync(file, text.replace(re, `<!-- chaos:begin -->\n${section}\n<!-- chaos:end -->`));
process.exit(r.violations.length ? 1 : 0);

/** V8's pages and malloc's arena at the start → end: which of them the RSS growth is. */
function memoryLine(m: NonNullable<ChaosReport['soak']>['memory']): string {
  const mib = (kib: number) => (kib / 1024).toFixed(1);
  return (
    `V8 heap pages ${m.start.v8Pages} → ${m.end.v8Pages} (${mib(m.start.v8PagesKiB)} → ${mib(m.end.v8PagesKiB)} MiB resident), ` +
    `malloc main arena ${mib(m.start.mallocKiB)} → ${mib(m.end.mallocKiB)} MiB, ` +
    `other anonymous ${mib(m.start.otherAnonKiB)} → ${mib(m.end.otherAnonKiB)} MiB`
  );
}

function render(r: ChaosReport, full: boolean): string {
  const lines = [
    `Chaos run (${full ? 'full' : `SHORTER than the full run: ${r.kills} kills, ${r.soak?.minutes ?? 0} min soak`}; ` +
      `${new Date().toISOString().slice(0, 16)}Z, ${users} users, this 2-core machine shared with other test runs):`,
    `- faults injected: ${r.kills} SIGKILLs of ds01d, ${Object.entries(r.faults)
      .map(([k, n]) => `${n}× ${k}`)
      .join(', ')}`,
    `- invariant checks: ${r.checks} (after each kill and at the end; 9 rules each), violations: ${r.violations.length}`,
    `- time to serve again after SIGKILL: p50 ${percentile(r.recoverMs, 50)} ms, p99 ${percentile(r.recoverMs, 99)} ms, max ${Math.max(0, ...r.recoverMs)} ms; ${r.recoverOver5s} of ${r.kills} over the 5 s target`,
    `- user actions: ${r.actions.done} done, ${r.actions.refused} refused cleanly, ${r.actions.unclean.length} refused uncleanly`,
  ];
  if (r.soak)
    lines.push(
      `- soak ${r.soak.minutes} min without faults (${r.soak.samples} samples): RSS ${r.soak.rssMiB.start} → ${r.soak.rssMiB.end} MiB, ` +
        `slope ${r.soak.rssSlopeKiBPerMin} KiB/min (second half ${r.soak.rssSlopeLastHalfKiBPerMin}), ` +
        `peak per window ${r.soak.rssPeakByWindowMiB.join(' / ')} MiB; ${memoryLine(r.soak.memory)}; V8 heap kept after GC ` +
        `${r.soak.heapKeptMiB ? `${r.soak.heapKeptMiB.start} → ${r.soak.heapKeptMiB.end} MiB` : 'not measured'}; ` +
        `open fds slope ${r.soak.fdSlopePerMin}/min, p99 of GET /v1/containers per window ${r.soak.p99ByWindowMs.join(' / ')} ms ` +
        `(of GET /v1/system/health, which does nothing, ${r.soak.healthP99ByWindowMs.join(' / ')} ms; ds01d's CPU ${r.soak.daemonCpuPctByWindow.join(' / ')} % of a core)`,
    );
  const byRule = new Map<string, number>();
  for (const v of r.violations) byRule.set(v.rule, (byRule.get(v.rule) ?? 0) + 1);
  if (byRule.size) lines.push(`- violations by rule: ${[...byRule].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  return lines.join('\n');
}

// The short chaos run inside `npm test` (issue 20): 10 SIGKILLs of ds01d at random moments under 3 real
// users' load, plus one of each other fault (dockerd restart, full state file system, nvidia-smi failing and
// hanging, slow Docker), each followed by the ground-truth check. `npm run chaos` is the full run.
import { describe, expect, it } from 'vitest';
import { isRoot } from '../harness/users.js';
import { percentile, runChaos } from './run.js';

describe.skipIf(!isRoot())('chaos (short)', () => {
  it('10 kills and 5 other faults: nothing lost, nothing half done, never stuck after a kill', async () => {
    const r = await runChaos({ kills: 10, users: 3, soakMs: 0, log: (l) => console.log(`chaos: ${l}`) });
    console.log(
      `chaos short: ${r.kills} kills, faults ${JSON.stringify(r.faults)}, ${r.checks} checks, ` +
        `actions ${r.actions.done} done / ${r.actions.refused} refused, recover p50 ${percentile(r.recoverMs, 50)} ms ` +
        `p99 ${percentile(r.recoverMs, 99)} ms (${r.recoverOver5s} over 5 s), ${Math.round(r.durationMs / 1000)} s`,
    );
    expect(r.violations).toEqual([]);
    expect(r.kills).toBe(10);
    expect(Object.keys(r.faults).sort()).toEqual(
      ['docker-slow', 'dockerd-restart', 'nvidia-smi-fail', 'nvidia-smi-hang', 'state-disk-full'].sort(),
    );
    expect(r.checks).toBe(11); // one after each kill, one at the end
    expect(r.actions.done).toBeGreaterThan(0);
  }, 600_000);
});

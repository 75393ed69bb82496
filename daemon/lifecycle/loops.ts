// The cron loops that drive lifecycle sweeps, on the policy's schedules: `idle_sweep` samples activity
// and sweeps; `runtime_sweep` and `hold_sweep` sweep on what is stored. Sweeps never overlap (the engine
// runs one at a time and a tick that finds one running is skipped). A policy reload reschedules.
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.js';
import type { Schedules } from '../policy/types.js';

export interface Sweeper {
  tick(opts: { sample: boolean }): Promise<unknown>;
}

export class LifecycleLoops {
  private tasks: ScheduledTask[] = [];
  private current: string | null = null;

  constructor(
    private readonly sweeper: Sweeper,
    private readonly log: Logger,
  ) {}

  /** (Re)schedule from the policy; a no-op when the schedules did not change. */
  schedule(s: Schedules): void {
    const key = JSON.stringify([s.idleSweep, s.runtimeSweep, s.holdSweep]);
    if (key === this.current) return;
    this.stop();
    this.current = key;
    const run = (name: string, sample: boolean) => async () => {
      try {
        await this.sweeper.tick({ sample });
      } catch (err) {
        this.log.error('lifecycle sweep failed', { sweep: name, err: String(err) });
      }
    };
    // Identical expressions share one task (the idle sweep, which also samples, covers the others).
    const seen = new Set<string>();
    for (const [name, expr, sample] of [
      ['idle_sweep', s.idleSweep, true],
      ['runtime_sweep', s.runtimeSweep, false],
      ['hold_sweep', s.holdSweep, false],
    ] as const) {
      if (seen.has(expr)) continue;
      seen.add(expr);
      this.tasks.push(cron.schedule(expr, run(name, sample), { name: `ds01-${name}`, noOverlap: true }));
    }
    this.log.info('lifecycle sweeps scheduled', {
      idle: s.idleSweep,
      runtime: s.runtimeSweep,
      hold: s.holdSweep,
    });
  }

  stop(): void {
    for (const t of this.tasks) void t.destroy();
    this.tasks = [];
    this.current = null;
  }
}

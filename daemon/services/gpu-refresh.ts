// Re-probes the GPUs on the policy's `schedules.gpu_refresh` cron (re-armed when the policy changes), so a
// slot that disappears or returns is noticed without a restart. Falls back to every 60 s if the expression
// cannot be scheduled.
import { type ScheduledTask, schedule } from 'node-cron';
import type { Logger } from '../log.js';
import type { GpuInventoryService } from './gpu-inventory.js';
import type { PolicyService } from './policy.js';

export class GpuRefreshSchedule {
  private task: ScheduledTask | null = null;
  private fallback: NodeJS.Timeout | null = null;
  private expr: string | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly policy: PolicyService,
    private readonly inventory: GpuInventoryService,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.arm();
    this.unsubscribe = this.policy.onChange(() => this.arm());
  }

  private arm(): void {
    const expr = this.policy.current().schedules.gpuRefresh;
    if (expr === this.expr && (this.task || this.fallback)) return;
    this.clear();
    this.expr = expr;
    const tick = () => void this.inventory.probeShared();
    try {
      this.task = schedule(expr, tick, { name: 'gpu-refresh', noOverlap: true });
    } catch (err) {
      this.log.warn('cannot schedule gpu_refresh; probing every 60 s instead', { expr, err: String(err) });
      this.fallback = setInterval(tick, 60_000);
      this.fallback.unref();
    }
  }

  private clear(): void {
    if (this.task) void this.task.stop();
    if (this.fallback) clearInterval(this.fallback);
    this.task = null;
    this.fallback = null;
  }

  stop(): void {
    this.unsubscribe?.();
    this.clear();
  }
}

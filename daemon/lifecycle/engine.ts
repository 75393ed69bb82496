// The lifecycle reconciler: samples the running containers' activity, runs decide() for every ds01
// container, and applies the result. Before acting it re-reads the container (store and Docker) and
// decides again; an error on one container is recorded and the sweep goes on. Sweeps never overlap (one
// at a time; a cron tick that finds one running is skipped), and every deadline gets an exact timer.
// Long on purpose: sampling, the sweep, applying a decision and the timers share one exclusive chain
// and one per-sweep context; split apart they would have to pass that state around.

import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { EventKind } from '../api/types/events.js';
import { bookingDeadline } from '../booking/windows.js';
import type { Clock } from '../clock.js';
import type { DockerStatsSample } from '../docker/stats.js';
import type { Inventory } from '../gpu/types.js';
import type { AccountLookup } from '../identity/nss.js';
import { jobLifecycleLimits } from '../jobs/time.js';
import type { Logger } from '../log.js';
import { resolveLimits } from '../policy/resolve.js';
import type { Policy, ResolvedLimits } from '../policy/types.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { ContainerRow } from '../store/containers.js';
import type { ExtensionsRepo } from '../store/extensions.js';
import type { Store } from '../store/index.js';
import type { NoticesRepo } from '../store/notices.js';
import type { SamplesRepo } from '../store/samples.js';
import { MAX_SAMPLE_GAP_MS } from '../usage/accounting.js';
import { decide } from './decide.js';
import { carryQuietSince } from './idle.js';
import { countersOf, cpuPercent, gpuActivity, netRate } from './signals.js';
import type { DecideInput, Decision, LifecycleContainer, Sample } from './types.js';
import { humanDuration, storableWarning } from './words.js';

/** What the reconciler asks of the container and GPU services (one stop path for the whole daemon). */
export interface LifecycleActions {
  /** `told`: the line the owner reads; shells attached to the container print it as their last. */
  stop(id: string, reason: string, graceSec: number, told?: string): Promise<void>;
  remove(id: string, reason: string): Promise<void>;
  releaseGpu(id: string, reason: string): void | Promise<void>;
  /** ds01 sessions attached now: shells, SSH channels, forwarded connections. */
  sessionsOf(id: string): number;
  /** A ds01 operation on this container is in flight. */
  inTransition?(id: string): boolean;
}

/** Docker, read-only. */
export interface DockerProbe {
  /** Docker's state of the container, or null when it does not exist. */
  state(id: string): Promise<string | null>;
  /** One reading of the stats (one-shot, no 1-2 s wait). */
  stats(id: string): Promise<DockerStatsSample>;
}

export interface EngineDeps {
  store: Store;
  policy: () => Policy;
  accounts: AccountLookup;
  actions: LifecycleActions;
  docker: DockerProbe;
  gpus: { last: Inventory | null; refresh(): Promise<unknown> };
  clock: Clock;
  log: Logger;
  /** Write a notice to the user's terminals; returns the terminals written to. */
  notifyTerminals: (user: { uid: number; name: string }, text: string) => string[];
  /**
   * Parallel Docker stats calls. Each answers on dockerd's next 1 s collection tick, one-shot or not, so
   * calls in parallel share the wait: the cap only bounds sockets.
   */
  statsConcurrency?: number;
  /** Samples are kept this long (plus each container's newest). */
  sampleRetentionMs?: number;
  /** A batch job's container: its own time limit; no idle stop unless the policy's jobs.idle_timeout. */
  jobOf?: (containerId: string) => { timeLimitMs: number | null } | null;
}

export const KEEP_ALIVE_FILE = '.keep-alive';
const SAMPLES_READ = 64;
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SweepEntry {
  id: string;
  name: string;
  project: string;
  owner: string;
  state: string;
  decision: Decision;
  applied: boolean;
  error: string | null;
}

export interface SweepResult {
  dryRun: boolean;
  startedAt: number;
  durationMs: number;
  sampled: number;
  entries: SweepEntry[];
}

export function toLifecycleContainer(
  r: ContainerRow,
  ext: { extensions: number; extensionMs: number },
): LifecycleContainer {
  return {
    id: r.id,
    name: r.name,
    project: r.project,
    ownerUid: r.owner_uid,
    ownerName: r.owner_name,
    state: r.state,
    createdAt: r.created_at,
    startedAt: r.started_at,
    stoppedAt: r.stopped_at,
    runtimeMs: r.runtime_ms,
    extensions: ext.extensions,
    extensionMs: ext.extensionMs,
  };
}

/** Run `fn` over items with at most `limit` at once. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class LifecycleEngine {
  readonly samples: SamplesRepo;
  readonly notices: NoticesRepo;
  readonly extensions: ExtensionsRepo;
  private chain: Promise<unknown> = Promise.resolve();
  private running = false;
  private timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private stopped = false;
  lastSweep: SweepResult | null = null;

  constructor(private readonly d: EngineDeps) {
    this.samples = d.store.samples;
    this.notices = d.store.notices;
    this.extensions = d.store.extensions;
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  private readonly audit: Audit;

  get busy(): boolean {
    return this.running;
  }

  /** One at a time: a sweep, a timer's single-container pass, an admin's request queue behind each other. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(async () => {
      this.running = true;
      try {
        return await fn();
      } finally {
        this.running = false;
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** For cron ticks: skipped (not queued) when a sweep is already running. */
  tick(opts: { sample: boolean }): Promise<SweepResult | null> {
    if (this.running || this.stopped) return Promise.resolve(null);
    return this.sweep({ dryRun: false, sample: opts.sample });
  }

  sweep(opts: { dryRun: boolean; sample: boolean }): Promise<SweepResult> {
    return this.exclusive(() => this.doSweep(opts));
  }

  /** Decide and act for one container now (deadline timers). */
  reconcileOne(id: string): Promise<SweepEntry | null> {
    return this.exclusive(async () => {
      const row = this.d.store.containers.get(id);
      if (!row || row.removed_at !== null) return null;
      const ctx = this.context();
      return this.handle(row, ctx, false);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }

  // ——— inputs ———

  private context() {
    const now = this.d.clock.now();
    const counts = this.d.store.slots.counts();
    const usable = counts.total - counts.missing;
    const allocated = this.d.store.allocations.live().length;
    return {
      now,
      policy: this.d.policy(),
      allocatedFraction: usable > 0 ? Math.min(1, allocated / usable) : null,
      limits: new Map<number, Promise<{ limits: ResolvedLimits; home: string | null }>>(),
      warnings: this.notices.allWarnings(),
      extensions: this.extensions.all(),
      bookings: this.d.store.bookings.windows(now),
    };
  }

  private ownerLimits(ctx: ReturnType<LifecycleEngine['context']>, uid: number, name: string) {
    let p = ctx.limits.get(uid);
    if (!p) {
      p = this.d.accounts
        .byUid(uid)
        .catch(() => null)
        .then((acct) => ({
          limits: resolveLimits(
            ctx.policy,
            { name: acct?.name ?? name, groups: acct?.groups ?? [], uid },
            new Date(ctx.now),
          ),
          home: acct?.home ?? null,
        }));
      ctx.limits.set(uid, p);
    }
    return p;
  }

  private keepAlive(home: string | null, project: string): boolean | null {
    if (!home) return null;
    try {
      // lstat: the file counts by existing; a symlink there is as good as a file, and never followed.
      lstatSync(join(home, 'workspace', project, KEEP_ALIVE_FILE));
      return true;
    } catch {
      return false;
    }
  }

  async inputFor(row: ContainerRow, ctx = this.context()): Promise<DecideInput> {
    const owner = await this.ownerLimits(ctx, row.owner_uid, row.owner_name);
    const { home } = owner;
    const job = this.d.jobOf?.(row.id) ?? null;
    const limits = job
      ? {
          ...owner.limits,
          limits: jobLifecycleLimits(owner.limits.limits, job, ctx.policy.jobs?.idleTimeoutMs ?? null),
        }
      : owner.limits;
    const running = row.state === 'running' || row.state === 'paused';
    const since = running ? (row.started_at ?? row.created_at) : Number.MAX_SAFE_INTEGER;
    const live = this.d.store.allocations.liveForContainer(row.id);
    const booked = running
      ? bookingDeadline(
          live.map((a) => a.slot_uuid),
          row.owner_uid,
          ctx.bookings,
          ctx.now,
        )
      : null;
    return {
      container: toLifecycleContainer(row, ctx.extensions.get(row.id) ?? this.extensions.of(row.id)),
      samples: running ? this.samples.recent(row.id, since, SAMPLES_READ) : [],
      limits,
      allocations: live.map((a) => ({
        slot: a.slot_uuid,
        state: a.state as 'active' | 'held',
        holdUntil: a.hold_until,
      })),
      keepAlive: running ? this.keepAlive(home, row.project) : null,
      allocatedFraction: ctx.allocatedFraction,
      warningsSent: ctx.warnings.get(row.id) ?? [],
      inTransition: this.d.actions.inTransition?.(row.id) ?? false,
      booking: booked && {
        at: booked.at,
        bookingId: booked.booking.id,
        maintenance: booked.booking.maintenance,
      },
    };
  }

  // ——— sampling ———

  /** One sample per running container (Docker stats in parallel, capped), then pruning. */
  async sampleAll(): Promise<number> {
    await this.d.gpus.refresh().catch(() => undefined);
    const inv = this.d.gpus.last;
    const running = this.d.store.containers
      .live()
      .filter((r) => r.state === 'running' || r.state === 'paused');
    const ctx = this.context();
    let n = 0;
    await eachLimited(running, this.d.statsConcurrency ?? 32, async (row) => {
      try {
        await this.sampleOne(row, inv, ctx);
        n++;
      } catch (err) {
        this.d.log.debug('sample failed', { id: row.id, err: (err as Error).message });
      }
    });
    const now = this.d.clock.now();
    this.d.store.tx(() => {
      const lifecycle = this.d.policy().lifecycle;
      this.samples.prune(now - (this.d.sampleRetentionMs ?? 6 * 3600_000), {
        busyThresholdPct: lifecycle.gpuIdleThresholdPct,
        maxGapMs: MAX_SAMPLE_GAP_MS,
        keepAfter: now - lifecycle.usageRetentionMs,
      });
      this.notices.prune(now - 30 * 86_400_000);
    });
    return n;
  }

  private async sampleOne(
    row: ContainerRow,
    inv: Inventory | null,
    ctx: ReturnType<LifecycleEngine['context']>,
  ) {
    const stats = await this.d.docker.stats(row.id);
    const ts = this.d.clock.now();
    const counters = countersOf(stats, ts);
    const prev = this.samples.latest(row.id);
    const startedAt = row.started_at ?? row.created_at;
    const prevOfRun = prev && prev.ts >= startedAt ? prev : undefined;
    const slots = this.d.store.allocations.liveForContainer(row.id).map((a) => a.slot_uuid);
    const s: Sample = {
      ts,
      ...gpuActivity(slots, inv),
      cpuPct: cpuPercent(stats, counters, prevOfRun),
      netBytesPerSec: netRate(counters, prevOfRun),
      sessions: this.d.actions.sessionsOf(row.id),
    };
    const { limits } = await this.ownerLimits(ctx, row.owner_uid, row.owner_name);
    s.quietSince = carryQuietSince(prevOfRun, s, limits.lifecycle, startedAt);
    this.samples.insert({
      containerId: row.id,
      ...s,
      cpuUsageNs: counters.cpuUsageNs,
      systemCpuNs: counters.systemCpuNs,
      onlineCpus: counters.onlineCpus,
      netRxBytes: counters.netRxBytes,
      netTxBytes: counters.netTxBytes,
    });
  }

  // ——— the sweep ———

  private async doSweep(opts: { dryRun: boolean; sample: boolean }): Promise<SweepResult> {
    const startedAt = this.d.clock.now();
    const sampled = opts.sample && !opts.dryRun ? await this.sampleAll() : 0;
    const ctx = this.context();
    const entries: SweepEntry[] = [];
    for (const row of this.d.store.containers.live()) {
      entries.push(await this.handle(row, ctx, opts.dryRun));
    }
    const result: SweepResult = {
      dryRun: opts.dryRun,
      startedAt,
      durationMs: this.d.clock.now() - startedAt,
      sampled,
      entries,
    };
    if (!opts.dryRun) this.lastSweep = result;
    const errors = entries.filter((e) => e.error);
    if (errors.length) this.d.log.warn('lifecycle sweep: some containers failed', { errors: errors.length });
    return result;
  }

  private async handle(row: ContainerRow, ctx: ReturnType<LifecycleEngine['context']>, dryRun: boolean) {
    const entry: SweepEntry = {
      id: row.id,
      name: row.name,
      project: row.project,
      owner: row.owner_name,
      state: row.state,
      decision: null as unknown as Decision,
      applied: false,
      error: null,
    };
    try {
      let decision = decide(await this.inputFor(row, ctx), ctx.now);
      entry.decision = decision;
      if (dryRun || decision.action === 'none') {
        if (!dryRun) this.arm(row.id, decision.nextCheckAt);
        return entry;
      }
      // Re-read before acting: the row may have changed while we gathered, and Docker is the truth.
      const fresh = this.d.store.containers.get(row.id);
      if (!fresh || fresh.removed_at !== null) {
        entry.decision = { ...decision, action: 'none', reason: 'removed meanwhile' };
        return entry;
      }
      if (decision.action !== 'warn') {
        const dockerState = await this.d.docker.state(row.id);
        if (dockerState === null || dockerState !== fresh.state) {
          entry.decision = {
            ...decision,
            action: 'none',
            reason: `Docker reports ${dockerState ?? 'no such container'} while ds01 has ${fresh.state}; left for the next sweep`,
          };
          return entry;
        }
      }
      const now = this.d.clock.now();
      decision = decide(
        await this.inputFor(fresh, {
          ...ctx,
          now,
          warnings: new Map([[row.id, this.notices.warningsFor(row.id)]]),
        }),
        now,
      );
      entry.decision = decision;
      entry.state = fresh.state;
      if (decision.action !== 'none') {
        await this.apply(fresh, decision);
        entry.applied = true;
      }
      this.arm(row.id, decision.nextCheckAt);
    } catch (err) {
      entry.error = (err as Error).message;
      entry.decision ??= {
        action: 'none',
        reason: 'could not decide',
        deadline: null,
        nextCheckAt: null,
        idle: null,
        runtime: null,
        exempt: [],
      };
      this.d.log.warn('lifecycle: container failed', { id: row.id, err: entry.error });
      try {
        this.audit.byDaemon(
          'lifecycle.error',
          { subjectUid: row.owner_uid, containerId: row.id, containerName: row.name },
          `could not ${entry.decision.action === 'none' ? 'check' : entry.decision.action} it: ${entry.error}`,
        );
      } catch {
        // the store itself is failing; the log line above has it
      }
    }
    return entry;
  }

  private notice(
    row: ContainerRow,
    decision: Decision,
    kind: 'warning' | 'action',
    pointMs: number,
    message: string,
  ) {
    return this.notices.add({
      uid: row.owner_uid,
      container_id: row.id,
      container_name: row.name,
      kind,
      deadline_key: decision.deadline
        ? `${kind === 'action' ? `${decision.action}@` : ''}${decision.deadline.key}`
        : null,
      point_ms: pointMs,
      deadline_at: decision.deadline?.at ?? null,
      message,
      created_at: this.d.clock.now(),
    });
  }

  private async apply(row: ContainerRow, decision: Decision): Promise<void> {
    const now = this.d.clock.now();
    const user = { uid: row.owner_uid, name: row.owner_name };
    const name = row.project;
    switch (decision.action) {
      case 'warn': {
        const w = decision.warning as { pointMs: number; covers: number[] };
        const hint =
          decision.deadline?.kind === 'runtime'
            ? ` To run longer: container-extend ${name}.`
            : decision.deadline?.kind === 'idle'
              ? ` Use it, or keep it: touch ~/workspace/${name}/${KEEP_ALIVE_FILE}.`
              : '';
        const message = `ds01: your container ${name} ${decision.reason}.${hint} Details: container-why ${name}`;
        // Stored with the time-to-deadline as a token: rendered when read, never frozen (issue 14).
        const stored = storableWarning(message);
        const fresh = this.d.store.tx(() => {
          let added = false;
          for (const p of w.covers) added = this.notice(row, decision, 'warning', p, stored) || added;
          if (added) {
            this.audit.byDaemon(
              'lifecycle.warning',
              { subjectUid: row.owner_uid, containerId: row.id, containerName: row.name },
              decision.reason,
              {
                deadline: decision.deadline ? new Date(decision.deadline.at).toISOString() : null,
                outcome: decision.deadline?.outcome,
                cause: decision.deadline?.kind,
                pointSec: w.pointMs / 1000,
              },
              now,
            );
          }
          return added;
        });
        if (fresh) {
          const ttys = this.d.notifyTerminals(user, message);
          this.d.log.info('lifecycle warning', { id: row.id, terminals: ttys.length });
        }
        return;
      }
      case 'stop': {
        const grace = decision.graceSec ?? 10;
        const told =
          decision.deadline?.kind === 'runtime'
            ? `ds01: your container ${name} was ${decision.reason}. It has used its run time: container-extend ${name} (if your policy allows more), then container-start ${name}; otherwise retire it and deploy again.`
            : `ds01: your container ${name} was ${decision.reason}. Start it again with container-start ${name}.`;
        await this.d.actions.stop(row.id, `automatic stop: ${decision.reason}`, grace, told);
        this.recordAction(row, decision, 'lifecycle.stopped', told);
        return;
      }
      case 'remove': {
        await this.d.actions.remove(row.id, `automatic removal: ${decision.reason}`);
        this.recordAction(
          row,
          decision,
          'lifecycle.removed',
          `ds01: your container ${name} was ${decision.reason}.`,
        );
        return;
      }
      case 'release-gpu':
        await this.d.actions.releaseGpu(row.id, `automatic release: ${decision.reason}`);
        return;
    }
  }

  private recordAction(row: ContainerRow, decision: Decision, kind: EventKind, message: string) {
    this.d.store.tx(() => {
      this.audit.byDaemon(
        kind,
        { subjectUid: row.owner_uid, containerId: row.id, containerName: row.name },
        decision.reason,
        {
          cause: decision.deadline?.kind ?? null,
          graceSec: decision.graceSec ?? null,
          deadline: decision.deadline ? new Date(decision.deadline.at).toISOString() : null,
        },
      );
      this.notice(row, decision, 'action', 0, message);
    });
    this.d.notifyTerminals({ uid: row.owner_uid, name: row.owner_name }, message);
  }

  // ——— exact timers ———

  /** One timer per container at the moment its answer next changes (a warning point or the deadline). */
  private arm(id: string, at: number | null): void {
    const cur = this.timers.get(id);
    if (cur && cur.at === at) return;
    if (cur) clearTimeout(cur.timer);
    this.timers.delete(id);
    if (at === null || this.stopped) return;
    const delay = Math.min(Math.max(0, at - this.d.clock.now()) + 50, MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.reconcileOne(id).catch((err) =>
        this.d.log.warn('deadline check failed', { id, err: String(err) }),
      );
    }, delay);
    timer.unref();
    this.timers.set(id, { at, timer });
  }

  /** Next timer per container (for `ds01 status` / tests). */
  pendingTimers(): number {
    return this.timers.size;
  }
}

export const describeDeadline = (d: Decision, now: number) =>
  d.deadline ? `${d.deadline.outcome} in ${humanDuration(d.deadline.at - now)}` : 'nothing scheduled';

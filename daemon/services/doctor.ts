// `ds01 doctor`, the looking half: gathers facts as the daemon (root) sees them, then doctor/checks.ts
// judges. The NVIDIA hook is looked up on the nvidia_hook_path setting (dockerd's PATH, when it differs from
// ours), else on ds01d's own PATH, and Docker is asked which runtimes it has.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { DoctorReport } from '../api/types/doctor.js';
import { VERSION } from '../common/version.js';
import type { DockerStatsSample } from '../docker/stats.js';
import { accessChecks } from '../doctor/access.js';
import { type DoctorFacts, HOOK_PROGRAMS, runChecks, worstOf } from '../doctor/checks.js';
import { isEmptyStats } from '../doctor/stats.js';
import { healthView } from '../gpu/health-view.js';
import type { Store } from '../store/index.js';
import { LATEST_VERSION } from '../store/migrations/index.js';
import { gatherAccess } from './doctor-access.js';
import type { GpuInventoryService } from './gpu-inventory.js';
import type { HostService } from './host.js';
import type { PolicyService } from './policy.js';

export interface DockerFacts {
  version(): Promise<string>;
  info(): Promise<{ Runtimes?: Record<string, unknown>; CgroupDriver?: string }>;
  /** One-shot stats of a container (absent: the docker-stats check is skipped, unit tests). */
  statsOnce?(id: string): Promise<DockerStatsSample>;
}

/** Running containers doctor samples for the docker-stats check. */
const STATS_SAMPLE = 3;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A program name on a search path, or a path as given. */
export function resolveProgram(program: string, searchPath: readonly string[]): string | null {
  if (program.includes('/')) return executable(program) ? program : null;
  for (const dir of searchPath) {
    const p = join(dir, program);
    if (dir && executable(p)) return p;
  }
  return null;
}

export class DoctorService {
  constructor(
    private readonly store: Store,
    private readonly docker: DockerFacts,
    private readonly inventory: GpuInventoryService,
    private readonly policy: PolicyService,
    private readonly nvidiaSmi: string,
    /** dockerd's PATH when it differs from ours (setting nvidia_hook_path); null = our PATH. */
    private readonly hookPath: string | null = null,
    /** Where Docker's socket and the state dir are, for the access checks (null: skipped, unit tests). */
    private readonly paths: { dockerHost: string; stateDir: string } | null = null,
    /** Host readings, for the state directory's disk (null: not checked, unit tests). */
    private readonly host: Pick<HostService, 'resources'> | null = null,
    /** Users with live containers whose cgroupfs parent is missing or off-policy (null: not checked). */
    private readonly userCgroups: (() => Promise<{ uid: number; problems: string[] }[]>) | null = null,
  ) {}

  private searchPath(): string[] {
    return (this.hookPath || process.env.PATH || '').split(delimiter).filter(Boolean);
  }

  async facts(): Promise<DoctorFacts> {
    const d: DoctorFacts['docker'] = {
      reachable: false,
      version: null,
      error: null,
      runtimes: [],
      cgroupDriver: null,
    };
    try {
      d.version = await this.docker.version();
      const info = await this.docker.info();
      d.reachable = true;
      d.runtimes = Object.keys(info.Runtimes ?? {}).sort();
      d.cgroupDriver = info.CgroupDriver ?? null;
    } catch (err) {
      d.error = (err as Error).message;
    }
    const searchPath = this.searchPath();
    const found = searchPath.flatMap((dir) =>
      HOOK_PROGRAMS.filter((name) => executable(join(dir, name))).map((name) => ({
        name,
        path: join(dir, name),
      })),
    );
    const resolved = resolveProgram(this.nvidiaSmi, (process.env.PATH ?? '').split(delimiter));
    // A fresh probe: the answer is about now, not the last timer tick.
    const inv = resolved ? await this.inventory.refresh('doctor') : null;
    const policy = this.policy.current();
    const slots = inv?.slots ?? [];
    const integrity = this.store.reports.integrity();
    const host = this.host ? await this.host.resources() : undefined;
    return {
      docker: d,
      hook: { searchPath, found },
      nvidiaSmi: {
        setting: this.nvidiaSmi,
        resolved,
        probeError: resolved ? (inv ? null : (this.inventory.lastError ?? 'probe failed')) : null,
        gpus: inv?.gpus.length ?? 0,
        slots: slots.length,
      },
      mig: {
        enableMig: policy.gpuAllocation.enableMig,
        migProfile: policy.gpuAllocation.migProfile,
        gpus: (inv?.gpus ?? []).map((g) => ({
          index: g.index,
          name: g.name,
          migEnabled: g.migEnabled,
          profiles: slots.filter((s) => s.parentUuid === g.uuid && s.kind === 'mig').map((s) => s.profile),
        })),
      },
      slices: {
        aggregateLimits: policy.aggregateLimits,
        cgroupDriver: d.cgroupDriver,
        parentSliceExists: existsSync('/sys/fs/cgroup/ds01.slice'),
        userCgroups:
          policy.aggregateLimits && d.cgroupDriver === 'cgroupfs' && this.userCgroups
            ? await this.userCgroups()
            : [],
      },
      database: { ...integrity, schemaVersion: this.store.schemaVersion(), latestVersion: LATEST_VERSION },
      policy: {
        file: this.policy.file,
        lastError: this.policy.lastError,
        runningOnLastGood: this.policy.source.kind === 'last-good' ? this.policy.source.path : null,
      },
      gpuHealth: {
        conditions: this.store.gpuHealth.all().flatMap((row) => {
          const v = healthView(row);
          return v
            ? [
                {
                  gpuIndex: row.gpuIndex,
                  state: v.state,
                  reason: v.reason,
                  todo: v.problems.map((x) => x.todo),
                },
              ]
            : [];
        }),
        drained: this.store.slots
          .all()
          .filter((s) => s.drained && s.state !== 'missing')
          .map((s) => ({ gpuIndex: s.gpu_index, reason: s.drain_reason ?? 'no reason given' })),
        unmanaged: this.store.slots.all().flatMap((s) =>
          s.unmanaged_json
            ? (JSON.parse(s.unmanaged_json) as { user: string; command: string }[]).map((p) => ({
                gpuIndex: s.gpu_index,
                who: `${p.user} (${p.command})`,
              }))
            : [],
        ),
      },
      ...(host === undefined ? {} : { stateDisk: host?.stateDisk ?? null }),
      ...(d.reachable && this.docker.statsOnce ? { dockerStats: await this.sampleStats() } : {}),
    };
  }

  private async sampleStats(): Promise<NonNullable<DoctorFacts['dockerStats']>> {
    const running = this.store.containers.live().filter((c) => c.state === 'running');
    const sampled = await Promise.all(
      running.slice(0, STATS_SAMPLE).map(async (c) => {
        try {
          return { name: c.name, empty: isEmptyStats(await this.docker.statsOnce?.(c.id)), error: null };
        } catch (err) {
          return { name: c.name, empty: true, error: (err as Error).message.slice(0, 200) };
        }
      }),
    );
    return { running: running.length, sampled };
  }

  async report(): Promise<DoctorReport> {
    const checks = runChecks(await this.facts());
    if (this.paths)
      checks.push(...accessChecks(await gatherAccess({ ...this.paths, policyFile: this.policy.file })));
    return { daemonVersion: VERSION, checks, worst: worstOf(checks.map((c) => c.status)) };
  }
}

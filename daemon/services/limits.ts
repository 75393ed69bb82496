// check-limits and config explain: resolve a user's limits against the live policy and put current
// use beside each quota.
import type { LimitsReport } from '../api/types/limits.js';
import type { Clock } from '../clock.js';
import { Ds01Error, notFound } from '../errors.js';
import { groupCapsFor, groupHeld } from '../gpu/group-caps.js';
import type { Caller } from '../identity/caller.js';
import type { AccountLookup } from '../identity/nss.js';
import { formatRate } from '../lifecycle/idle.js';
import { explain, formatLimit, sourceLine } from '../policy/explain.js';
import { type PolicyUser, resolveLimits } from '../policy/resolve.js';
import { LIMIT_FIELDS } from '../policy/schema.js';
import type { Policy } from '../policy/types.js';
import { formatDuration, formatSize } from '../policy/units.js';
import type { Store } from '../store/index.js';
import { toLive } from './gpu-leases.js';
import type { PolicyService } from './policy.js';

/** The part of the policy a value comes from (the API's `source`; its line is a field of its own). */
function sectionOf(source: string): string {
  if (source === 'default') return 'defaults';
  const i = source.indexOf(':');
  const kind = source.slice(0, i);
  const rest = source.slice(i + 1);
  if (kind === 'group') return `groups.${rest}`;
  if (kind === 'user') return `user_overrides.${rest}`;
  return `exemption until ${rest}`;
}

export class LimitsService {
  constructor(
    private readonly store: Store,
    private readonly policy: PolicyService,
    private readonly accounts: AccountLookup,
    private readonly clock: Clock,
    private readonly queuePositions: (uid: number) => { position: number; id: number }[] = () => [],
  ) {}

  private async account(caller: Caller, user?: string) {
    if (user === undefined) return { name: caller.name, uid: caller.uid, groups: caller.groups };
    if (!caller.admin && user !== caller.name && user !== String(caller.uid)) {
      throw new Ds01Error(
        'FORBIDDEN',
        "only admins can see another user's limits",
        'run `check-limits` without a user for yours',
      );
    }
    const acct = /^\d+$/.test(user)
      ? await this.accounts.byUid(Number(user))
      : await this.accounts.byName(user);
    if (!acct) throw notFound(`user "${user}"`, 'check the name with `getent passwd NAME`');
    return { name: acct.name, uid: acct.uid, groups: acct.groups };
  }

  async report(caller: Caller, user?: string): Promise<LimitsReport> {
    const who = await this.account(caller, user);
    const policy = this.policy.current();
    const r = resolveLimits(policy, who, new Date(this.clock.now()));
    const limits = Object.entries(LIMIT_FIELDS).map(([yamlName, f]) => ({
      key: yamlName,
      value: r.limits[f.key] as number | boolean | null,
      display: formatLimit(f.key, r.limits[f.key]),
      source: sectionOf(r.sources[f.key]),
      line: sourceLine(r.sources[f.key], policy, yamlName),
    }));
    const live = this.store.allocations.liveForOwner(who.uid);
    const eq = live.reduce((sum, a) => sum + (this.store.slots.get(a.slot_uuid)?.gpu_equivalents ?? 0), 0);
    const usage = [
      { key: 'max_mig_instances', used: live.length, max: r.limits.maxMigInstances },
      { key: 'max_gpu_equivalents', used: Math.round(eq * 1000) / 1000, max: r.limits.maxGpuEquivalents },
      {
        key: 'max_containers_per_user',
        used: this.store.containers.live(who.uid).length,
        max: r.limits.maxContainersPerUser,
      },
      ...(await this.groupUsage(policy, r.group, who)),
    ];
    const lc = r.lifecycle;
    const lifecycle = [
      { key: 'idle_timeout', display: formatLimit('idleTimeoutMs', r.limits.idleTimeoutMs) },
      { key: 'max_runtime', display: formatLimit('maxRuntimeMs', r.limits.maxRuntimeMs) },
      { key: 'gpu_hold_after_stop', display: formatLimit('gpuHoldAfterStopMs', r.limits.gpuHoldAfterStopMs) },
      {
        key: 'container_hold_after_stop',
        display: formatLimit('containerHoldAfterStopMs', r.limits.containerHoldAfterStopMs),
      },
      { key: 'warnings', display: lc.warningPointsMs.map((w) => formatDuration(w)).join(', ') || 'none' },
      {
        key: 'idle means',
        display: `GPU < ${lc.gpuIdleThresholdPct}%, CPU < ${lc.cpuIdleThresholdPct}%, network < ${formatRate(lc.networkIdleThresholdBytesPerSec)} for ${lc.idleDetectionWindow} samples`,
      },
    ];
    return {
      user: who.name,
      uid: who.uid,
      group: r.group,
      groupVia: r.groupVia,
      limits,
      usage,
      lifecycle,
      exemptions: r.exemptions.map((e) => ({
        keys: e.keys === 'lifecycle' ? 'lifecycle' : e.keys.join(', '),
        expires: e.expires,
        reason: e.reason,
      })),
      queue: this.queuePositions(who.uid),
      storage: (['workspace', 'images'] as const).map((kind) => {
        const row = this.store.storageUsage.get(who.uid, kind);
        return {
          key: `storage_${kind}`,
          usedBytes: row?.bytes ?? null,
          hardBytes: kind === 'workspace' ? r.limits.storageWorkspaceBytes : r.limits.storageImagesBytes,
          measuredAt: row ? new Date(row.measured_at).toISOString() : null,
        };
      }),
      aggregate: {
        enforced: policy.aggregateLimits,
        caps: [
          { key: 'cpu_quota', display: r.aggregate?.cpus != null ? `${r.aggregate.cpus} CPUs` : 'unlimited' },
          { key: 'memory_max', display: formatSize(r.aggregate?.memoryMaxBytes ?? null) },
          { key: 'memory_high', display: formatSize(r.aggregate?.memoryHighBytes ?? null) },
          {
            key: 'tasks_max',
            display: r.aggregate?.tasksMax != null ? String(r.aggregate.tasksMax) : 'unlimited',
          },
        ],
      },
    };
  }

  /** `group_max_gpus`: the slots every member of the group holds together (only when the group has a cap). */
  private async groupUsage(
    policy: Policy,
    group: string,
    who: { uid: number; name: string; groups: readonly string[] },
  ): Promise<LimitsReport['usage']> {
    const max = policy.groups[group]?.groupMaxGpus ?? null;
    if (max === null) return [];
    const live = this.store.allocations.live().map(toLive);
    const accounts = new Map<number, PolicyUser>([[who.uid, who]]);
    for (const uid of new Set(live.map((a) => a.ownerUid))) {
      if (accounts.has(uid)) continue;
      const acct = await this.accounts.byUid(uid).catch(() => null);
      accounts.set(uid, acct ?? { name: String(uid), groups: [] });
    }
    const caps = groupCapsFor(policy, (uid) => accounts.get(uid) ?? { name: String(uid), groups: [] });
    return [{ key: `group_max_gpus (${group})`, used: groupHeld(caps, group, live), max }];
  }

  async explainText(caller: Caller, user: string): Promise<string> {
    const who = await this.account(caller, user);
    return explain(this.policy.current(), who, new Date(this.clock.now()), this.policy.fileInForce());
  }
}

// Pure: resource-limits.yaml → the Slurm configuration that enforces the same policy across a cluster
// (docs/cluster.md). One QOS and one account per ds01 group: the account's GrpTRES from `group_max_gpus`
// (all members together, on every node, whatever QOS their jobs run under), the QOS's MaxTRESPerUser from
// `max_mig_instances` (and no whole GPUs without `allow_full_gpu`), MaxWall from `max_runtime`, Priority
// from `priority`. A user with `user_overrides` of those gets a QOS of their own (`ds01-u-<user>`), set as
// their association's only QOS. gres.conf lists each node's slots in the order of gres.ts, which the
// node's ds01d uses to map Slurm's indices back to MIG UUIDs.
import type { Limits, Policy } from '../policy/types.js';
import { FULL_GPU_TYPE, type GresSlot, gresDevices, nodeGres } from './gres.js';

export interface NodeProbe {
  /** Slurm's NodeName. */
  name: string;
  slots: GresSlot[];
}

export interface RenderInput {
  policy: Policy;
  cluster: string;
  nodes: readonly NodeProbe[];
  /** The users of each ds01 group (members lists and Linux groups), resolved by the caller. */
  members: Readonly<Record<string, readonly string[]>>;
  /** Where the per-slot placeholder device files live on each node (`DIR/<node>/gpuN`). */
  deviceDir: string;
  prolog: string;
  epilog: string;
}

/** What a QOS should say; the same shape `cluster check` reads back from sacctmgr. */
export interface QosSpec {
  name: string;
  group: string;
  grpTres: string;
  maxTresPerUser: string;
  /** Minutes; null = no limit. */
  maxWallMinutes: number | null;
  priority: number;
}

/** A group's account: its GrpTRES holds for all its users' jobs together. */
export interface AccountSpec {
  name: string;
  group: string;
  grpTres: string;
}

/** A user whose association runs under a QOS of their own (user_overrides). */
export interface UserQosSpec {
  user: string;
  account: string;
  qos: string;
}

export interface SlurmRendering {
  slurmConf: string;
  gresConf: string;
  sacctmgr: string[];
  qos: QosSpec[];
  accounts: AccountSpec[];
  users: UserQosSpec[];
  /** What could not be expressed in Slurm, and what the admin must do by hand. */
  notes: string[];
}

/** Slurm lower-cases account and QOS names; anything else in a name is refused, never quoted. */
const SLURM_NAME = /^[a-z0-9_][a-z0-9_.-]{0,58}$/;
const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}$/;

export const qosName = (group: string) => `ds01-${group.toLowerCase()}`;

/** Slurm's D-HH:MM:SS for minutes. */
export function slurmDuration(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const hms = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`;
  return d ? `${d}-${hms}` : hms;
}

/** Slurm's minutes for a wall time (`1-02:00:00`, `02:00:00`, `30:00`, `30`); null = none or unreadable. */
export function parseSlurmDuration(text: string): number | null {
  const t = text.trim();
  const n = (...xs: (string | undefined)[]) => xs.map((x) => Number(x ?? 0));
  let m = /^(\d+)-(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t);
  if (m) {
    const [d, h, min, s] = n(m[1], m[2], m[3], m[4]);
    return (d as number) * 1440 + (h as number) * 60 + (min as number) + Math.ceil((s as number) / 60);
  }
  m = /^(\d+):(\d+):(\d+)$/.exec(t);
  if (m) {
    const [h, min, s] = n(m[1], m[2], m[3]);
    return (h as number) * 60 + (min as number) + Math.ceil((s as number) / 60);
  }
  m = /^(\d+):(\d+)$/.exec(t);
  if (m) {
    const [min, s] = n(m[1], m[2]);
    return (min as number) + Math.ceil((s as number) / 60);
  }
  return /^\d+$/.test(t) ? Number(t) : null;
}

/** A TRES list in one spelling: sorted, lower case, so Slurm's order never reads as a difference. */
export function normalizeTres(text: string): string {
  return text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .sort()
    .join(',');
}

function groupLimits(policy: Policy, group: string): Limits {
  return { ...policy.defaults, ...(policy.groups[group]?.limits ?? {}) } as Limits;
}

/** The QOS a group's limits (and a user's overrides on top) come to; the group's GPU cap is the account's. */
function qosFromLimits(name: string, group: string, l: Limits): QosSpec {
  const perUser: string[] = [];
  if (l.maxMigInstances !== null) perUser.push(`gres/gpu=${l.maxMigInstances}`);
  if (!l.allowFullGpu) perUser.push(`gres/gpu:${FULL_GPU_TYPE}=0`);
  return {
    name,
    group,
    grpTres: '',
    maxTresPerUser: normalizeTres(perUser.join(',')),
    maxWallMinutes: l.maxRuntimeMs === null ? null : Math.max(1, Math.ceil(l.maxRuntimeMs / 60_000)),
    priority: l.priority,
  };
}

export function qosFor(policy: Policy, group: string): QosSpec {
  return qosFromLimits(qosName(group), group, groupLimits(policy, group));
}

export function accountFor(policy: Policy, group: string): AccountSpec {
  const grp = policy.groups[group]?.groupMaxGpus ?? null;
  return { name: qosName(group), group, grpTres: grp === null ? '' : `gres/gpu=${grp}` };
}

/** The override keys a QOS expresses; others (memory, CPUs, …) are ds01d's on each node. */
const SLURM_KEYS = ['maxMigInstances', 'allowFullGpu', 'maxRuntimeMs', 'priority'] as const;
export const userQosName = (user: string) => `ds01-u-${user}`;

/** The groups ds01 knows: the default group and every `groups:` entry, each once. */
export function policyGroups(policy: Policy): string[] {
  return [...new Set([...Object.keys(policy.groups), policy.defaultGroup])];
}

/** Each TRES the policy may set, with `=-1` (Slurm's "no limit") where it sets none: a re-run clears it. */
function withCleared(spec: string, keys: readonly string[]): string {
  const parts = spec.split(',').filter(Boolean);
  return keys.map((k) => parts.find((p) => p.startsWith(`${k}=`)) ?? `${k}=-1`).join(',');
}

export function renderSlurm(input: RenderInput): SlurmRendering {
  const { policy } = input;
  const notes: string[] = [];
  const groups = policyGroups(policy).filter((g) => {
    if (SLURM_NAME.test(qosName(g))) return true;
    notes.push(`group "${g}": not a Slurm name (letters, digits, "_", ".", "-"); left out`);
    return false;
  });
  const qos = groups.map((g) => qosFor(policy, g));
  const accounts = groups.map((g) => accountFor(policy, g));
  // Each user's account: the first group listing them, else the default group.
  const groupOf = (user: string) =>
    groups.find((g) => (input.members[g] ?? []).includes(user)) ??
    (groups.includes(policy.defaultGroup) ? policy.defaultGroup : null);
  const users: UserQosSpec[] = [];
  const userQos: QosSpec[] = [];
  for (const [user, over] of Object.entries(policy.userOverrides).sort(([a], [b]) => a.localeCompare(b))) {
    if (!SLURM_KEYS.some((k) => over[k] !== undefined)) continue;
    const group = groupOf(user);
    if (!USER_NAME.test(user) || !SLURM_NAME.test(userQosName(user)) || group === null) {
      notes.push(`user_overrides.${user}: not a Slurm user name (or no group); left out`);
      continue;
    }
    userQos.push(
      qosFromLimits(userQosName(user), group, { ...groupLimits(policy, group), ...over } as Limits),
    );
    users.push({ user, account: qosName(group), qos: userQosName(user) });
  }

  // Every node's devices, types in the cluster's first-seen order for AccountingStorageTRES.
  const types = new Set<string>();
  const gresLines: string[] = [
    '# gres.conf rendered by `ds01 cluster render-slurm`: one line per GPU or MIG slot, in the order',
    "# each node's ds01d maps Slurm's indices back to slots. Re-render after any MIG change.",
    'AutoDetect=off',
  ];
  const nodeLines: string[] = [];
  for (const node of input.nodes) {
    if (!SLURM_NAME.test(node.name)) {
      notes.push(`node "${node.name}": not a Slurm node name; left out`);
      continue;
    }
    const devices = gresDevices(node.slots);
    for (const d of devices) {
      types.add(d.type);
      gresLines.push(
        `NodeName=${node.name} Name=gpu Type=${d.type} File=${input.deviceDir}/${node.name}/gpu${d.index} # ${d.uuid}`,
      );
    }
    const gres = nodeGres(devices);
    nodeLines.push(
      `NodeName=${node.name}${gres ? ` Gres=${gres}` : ''} # add CPUs=, RealMemory=, Port= for this node`,
    );
    if (devices.length)
      notes.push(
        `on ${node.name}: mkdir -p ${input.deviceDir}/${node.name} && touch ${devices
          .map((d) => `${input.deviceDir}/${node.name}/gpu${d.index}`)
          .join(' ')} (placeholders: Docker, not Slurm's cgroup, gives the container its one device)`,
      );
  }

  // `full` always: the QOS's "no whole GPU" limit names it even where no node has a whole GPU yet.
  types.add(FULL_GPU_TYPE);
  const tres = ['gres/gpu', ...[...types].map((t) => `gres/gpu:${t}`)].join(',');
  const slurmConf = [
    '# slurm.conf lines rendered by `ds01 cluster render-slurm` from resource-limits.yaml.',
    `ClusterName=${input.cluster}`,
    'GresTypes=gpu',
    `AccountingStorageTRES=${tres}`,
    '# limits: QOS limits hold only with associations enforced (slurmdbd needed)',
    'AccountingStorageEnforce=associations,limits,qos,safe',
    "# ds01 records a job's project and why it failed in the job's Comment; sacct keeps it only with this",
    'AccountingStoreFlags=job_comment',
    'PriorityType=priority/multifactor',
    'PriorityWeightQOS=10000',
    'PriorityWeightFairshare=1000',
    `Prolog=${input.prolog}`,
    `Epilog=${input.epilog}`,
    ...nodeLines,
    '',
  ].join('\n');

  const sacctmgr: string[] = [];
  const qosLines = (q: QosSpec) => {
    const set = [
      `GrpTRES=${withCleared(q.grpTres, ['gres/gpu'])}`,
      `MaxTRESPerUser=${withCleared(q.maxTresPerUser, ['gres/gpu', `gres/gpu:${FULL_GPU_TYPE}`])}`,
      `MaxWall=${q.maxWallMinutes === null ? '-1' : slurmDuration(q.maxWallMinutes)}`,
      `Priority=${q.priority}`,
      'Flags=DenyOnLimit',
    ];
    sacctmgr.push(`sacctmgr -i add qos ${q.name}`);
    sacctmgr.push(`sacctmgr -i modify qos where name=${q.name} set ${set.join(' ')}`);
  };
  const added = new Set<string>();
  for (const q of qos) {
    qosLines(q);
    sacctmgr.push(
      `sacctmgr -i add account ${q.name} Cluster=${input.cluster} Description="ds01 group ${q.group}"`,
    );
    const account = accounts.find((a) => a.name === q.name) as AccountSpec;
    sacctmgr.push(
      `sacctmgr -i modify account where name=${q.name} cluster=${input.cluster} set QOS=${q.name} DefaultQOS=${q.name} GrpTRES=${withCleared(account.grpTres, ['gres/gpu'])}`,
    );
    for (const user of [...(input.members[q.group] ?? [])].sort()) {
      if (!USER_NAME.test(user)) {
        notes.push(`user "${user}" of group ${q.group}: not a Slurm user name; left out`);
        continue;
      }
      sacctmgr.push(
        `sacctmgr -i add user ${user} Account=${q.name} DefaultAccount=${q.name} Cluster=${input.cluster}`,
      );
      added.add(`${user}:${q.name}`);
    }
    const l = groupLimits(policy, q.group);
    if (l.maxGpuEquivalents !== null)
      notes.push(
        `group ${q.group}: max_gpu_equivalents ${l.maxGpuEquivalents} has no Slurm QOS form (TRES are counts); max_mig_instances is what Slurm enforces`,
      );
    if (l.maxRuntimeMs !== null && l.maxRuntimeMs % 60_000 !== 0)
      notes.push(`group ${q.group}: max_runtime rounded up to whole minutes (Slurm's MaxWall)`);
  }
  notes.push(
    `users in no listed group belong to ${policy.defaultGroup}: sacctmgr -i add user NAME Account=${qosName(policy.defaultGroup)} DefaultAccount=${qosName(policy.defaultGroup)}`,
  );
  // Users with overrides: their own QOS, their association's only one (the account's GrpTRES still counts
  // their jobs with the group's).
  for (const [i, u] of users.entries()) {
    qosLines(userQos[i] as QosSpec);
    if (!added.has(`${u.user}:${u.account}`))
      sacctmgr.push(
        `sacctmgr -i add user ${u.user} Account=${u.account} DefaultAccount=${u.account} Cluster=${input.cluster}`,
      );
    sacctmgr.push(
      `sacctmgr -i modify user where name=${u.user} account=${u.account} cluster=${input.cluster} set QOS=${u.qos} DefaultQOS=${u.qos}`,
    );
  }
  if (users.length)
    notes.push(
      `a user whose override is removed keeps ${userQosName('USER')} until: sacctmgr -i modify user where name=USER set QOS=<group QOS> DefaultQOS=<group QOS> (cluster check shows it)`,
    );
  return {
    slurmConf,
    gresConf: `${gresLines.join('\n')}\n`,
    sacctmgr,
    qos: [...qos, ...userQos],
    accounts,
    users,
    notes,
  };
}

// `ds01 doctor`, the judging half (pure): facts gathered by the daemon → checks with a status and a fix.
import type { CheckStatus, DoctorCheck } from '../api/types/doctor.js';
import type { DiskUsage } from '../api/types/system.js';

export const HOOK_PROGRAMS = [
  'nvidia-container-runtime-hook',
  'nvidia-container-runtime',
  'nvidia-ctk',
] as const;

export interface DoctorFacts {
  docker: {
    reachable: boolean;
    version: string | null;
    error: string | null;
    runtimes: string[];
    cgroupDriver: string | null;
  };
  /** The directories searched for the NVIDIA hook, and what was found there. */
  hook: { searchPath: string[]; found: { name: string; path: string }[] };
  nvidiaSmi: {
    setting: string;
    /** The program it resolves to; null when not found / not executable. */
    resolved: string | null;
    probeError: string | null;
    gpus: number;
    slots: number;
  };
  mig: {
    enableMig: boolean;
    migProfile: string | null;
    gpus: { index: number; name: string; migEnabled: boolean; profiles: (string | null)[] }[];
  };
  slices: {
    aggregateLimits: boolean;
    cgroupDriver: string | null;
    parentSliceExists: boolean;
    /** cgroupfs only: users with live containers whose /ds01/u<uid> parent is missing or off-policy. */
    userCgroups?: { uid: number; problems: string[] }[];
  };
  database: { ok: boolean; problems: string[]; schemaVersion: number; latestVersion: number };
  policy: { file: string; lastError: string | null; runningOnLastGood: string | null };
  /** GPUs drained (by an admin, or by ds01d on a fatal Xid) and slots busy with processes outside ds01. */
  gpuHealth?: {
    drained: { gpuIndex: number; reason: string }[];
    unmanaged: { gpuIndex: number; who: string }[];
    /** GPUs with a health condition now (gpu/health.ts): warnings, failing and fatal ones. */
    conditions?: { gpuIndex: number; state: 'warning' | 'unhealthy'; reason: string; todo: string[] }[];
  };
  /** Docker stats of a few running ds01 containers: empty ones blind idle detection (doctor/stats.ts). */
  dockerStats?: { running: number; sampled: { name: string; empty: boolean; error: string | null }[] };
  /** The state directory's disk; null when it could not be read, absent when not looked at. */
  stateDisk?: DiskUsage | null;
}

export function worstOf(statuses: readonly CheckStatus[]): CheckStatus {
  return statuses.includes('fail') ? 'fail' : statuses.includes('warn') ? 'warn' : 'ok';
}

function docker(f: DoctorFacts): DoctorCheck {
  const base = { id: 'docker', title: 'Docker reachable' };
  if (f.docker.reachable)
    return { ...base, status: 'ok', detail: `Docker ${f.docker.version ?? '?'} answers` };
  return {
    ...base,
    status: 'fail',
    detail: `Docker does not answer: ${f.docker.error ?? 'unknown error'}`,
    hint: 'check `systemctl status docker` and the daemon’s --docker-host / DOCKER_HOST',
  };
}

function hook(f: DoctorFacts): DoctorCheck {
  const base = { id: 'nvidia-hook', title: 'NVIDIA container runtime hook' };
  const nvidiaRuntime = f.docker.runtimes.filter((r) => /nvidia/i.test(r));
  const runtimes = f.docker.reachable ? `; Docker runtimes: ${f.docker.runtimes.join(', ') || 'none'}` : '';
  if (f.hook.found.length) {
    return {
      ...base,
      status: 'ok',
      detail: `${f.hook.found.map((h) => h.path).join(', ')}${runtimes}`,
    };
  }
  if (nvidiaRuntime.length) {
    return {
      ...base,
      status: 'warn',
      detail: `no ${HOOK_PROGRAMS.join('/')} in ${f.hook.searchPath.join(':') || '(empty path)'}, but Docker has the runtime ${nvidiaRuntime.join(', ')}`,
      hint: 'check that the runtime’s binary exists (`nvidia-ctk --version`); set nvidia_hook_path in ds01d.yaml (or DS01_NVIDIA_HOOK_PATH) to dockerd’s PATH if it differs from ds01d’s',
    };
  }
  return {
    ...base,
    status: 'fail',
    detail: `none of ${HOOK_PROGRAMS.join(', ')} in ${f.hook.searchPath.join(':') || '(empty path)'}${runtimes}: containers asking for a GPU cannot start`,
    hint: 'install nvidia-container-toolkit (`apt install nvidia-container-toolkit`), run `nvidia-ctk runtime configure --runtime=docker` and restart Docker; if dockerd has another PATH than ds01d, set nvidia_hook_path in ds01d.yaml (or DS01_NVIDIA_HOOK_PATH) to it',
  };
}

function nvidiaSmi(f: DoctorFacts): DoctorCheck {
  const base = { id: 'nvidia-smi', title: 'nvidia-smi' };
  const n = f.nvidiaSmi;
  if (!n.resolved) {
    return {
      ...base,
      status: 'fail',
      detail: `"${n.setting}" not found or not executable`,
      hint: 'install the NVIDIA driver utilities, or point --nvidia-smi / DS01_NVIDIA_SMI at nvidia-smi; until then no GPU is handed out',
    };
  }
  if (n.probeError) {
    return {
      ...base,
      status: 'fail',
      detail: `${n.resolved} fails: ${n.probeError}`,
      hint: 'run `nvidia-smi` by hand: a driver/library mismatch needs a reboot, a missing module `modprobe nvidia`',
    };
  }
  return { ...base, status: 'ok', detail: `${n.resolved}: ${n.gpus} GPU(s), ${n.slots} slot(s)` };
}

function mig(f: DoctorFacts): DoctorCheck {
  const base = { id: 'mig-layout', title: 'MIG layout matches the policy' };
  const problems: string[] = [];
  const on = f.mig.gpus.filter((g) => g.migEnabled);
  if (!f.mig.enableMig && on.length) {
    problems.push(
      `MIG is on for GPU ${on.map((g) => g.index).join(', ')} but the policy says enable_mig: false (its MIG devices are still handed out as slots)`,
    );
  }
  for (const g of on) {
    if (!g.profiles.length) problems.push(`GPU ${g.index} has MIG on but no instances, so it offers no slot`);
    else if (f.mig.enableMig && f.mig.migProfile) {
      const other = g.profiles.filter((p) => p !== f.mig.migProfile);
      if (other.length)
        problems.push(
          `GPU ${g.index} has ${other.join(', ')} where the policy's mig_profile is ${f.mig.migProfile}`,
        );
    }
  }
  if (problems.length) {
    return {
      ...base,
      status: 'warn',
      detail: problems.join('; '),
      hint: f.mig.migProfile
        ? `set the layout in gpu_allocation.layout and run \`ds01 admin mig apply\` (drains, warns holders, re-partitions safely), or change gpu_allocation in the policy`
        : 'set the layout in gpu_allocation.layout and run `ds01 admin mig apply`, or turn MIG off with `nvidia-smi -i N -mig 0` (a GPU reset), or change gpu_allocation.enable_mig',
    };
  }
  const detail = on.length
    ? `${on.length} MIG GPU(s): ${on.map((g) => `GPU ${g.index} ${g.profiles.join('+')}`).join('; ')}`
    : `${f.mig.gpus.length} GPU(s), none with MIG on${f.mig.enableMig ? ' (enable_mig allows it)' : ''}`;
  return { ...base, status: 'ok', detail };
}

function slices(f: DoctorFacts): DoctorCheck {
  const base = { id: 'slices', title: 'Per-user slices' };
  if (!f.slices.aggregateLimits)
    return {
      ...base,
      status: 'ok',
      detail: 'enforcement.aggregate_limits is off: containers are not put in user slices',
    };
  if (f.slices.cgroupDriver === 'cgroupfs') {
    // ds01d creates and caps /ds01/u<uid> itself (daemon/cgroups/aggregate.ts); check live users' parents.
    const bad = f.slices.userCgroups ?? [];
    if (!bad.length)
      return {
        ...base,
        status: 'ok',
        detail: "cgroupfs driver: live users' /ds01/u<uid> parents hold their aggregate caps",
      };
    return {
      ...base,
      status: 'fail',
      detail: bad.map((b) => `uid ${b.uid}: ${b.problems.join('; ')}`).join(' | '),
      hint: 'run `ds01 config reload` to re-apply the caps (a memory cap below current use is refused by the kernel)',
    };
  }
  const problems: string[] = [];
  if (f.slices.cgroupDriver !== 'systemd')
    problems.push(`Docker's cgroup driver is ${f.slices.cgroupDriver ?? 'unknown'}, not systemd`);
  if (!f.slices.parentSliceExists) problems.push('ds01.slice is not active');
  if (!problems.length)
    return { ...base, status: 'ok', detail: 'ds01.slice active; Docker uses the systemd cgroup driver' };
  return {
    ...base,
    status: 'fail',
    detail: `aggregate limits are on but ${problems.join(' and ')}`,
    hint: 'install systemd/ds01.slice (`systemctl enable --now ds01.slice`) and set "exec-opts": ["native.cgroupdriver=systemd"] in /etc/docker/daemon.json, or use the cgroupfs driver, or turn enforcement.aggregate_limits off',
  };
}

function database(f: DoctorFacts): DoctorCheck {
  const base = { id: 'database', title: 'Database integrity' };
  const d = f.database;
  if (!d.ok) {
    return {
      ...base,
      status: 'fail',
      detail: d.problems.slice(0, 5).join('; '),
      hint: 'stop ds01d, back up the state dir, and run `sqlite3 ds01.db .recover`; see README (backups)',
    };
  }
  if (d.schemaVersion !== d.latestVersion) {
    return {
      ...base,
      status: 'warn',
      detail: `schema version ${d.schemaVersion}, this ds01d knows ${d.latestVersion}`,
      hint: 'restart ds01d so it migrates the database',
    };
  }
  return { ...base, status: 'ok', detail: `quick_check ok, foreign keys ok, schema ${d.schemaVersion}` };
}

function policy(f: DoctorFacts): DoctorCheck {
  const base = { id: 'policy', title: 'Policy file' };
  if (!f.policy.lastError) return { ...base, status: 'ok', detail: `${f.policy.file} in force` };
  return {
    ...base,
    status: 'warn',
    detail: `${
      f.policy.runningOnLastGood
        ? `ds01d started while the file was invalid and runs on the saved last good policy ${f.policy.runningOnLastGood}`
        : 'the file on disk is invalid; the last good policy stays in force'
    }: ${f.policy.lastError.split('\n').slice(0, 3).join(' ')}`,
    hint: 'run `ds01 config check` and fix what it names, then `ds01 config reload`',
  };
}

/** At this much of the state directory's disk used, doctor warns; at the second, it fails. */
export const STATE_DISK_WARN_PCT = 90;
export const STATE_DISK_FAIL_PCT = 98;

function stateDisk(d: DiskUsage | null): DoctorCheck {
  const base = { id: 'state-disk', title: 'State directory disk' };
  if (!d)
    return {
      ...base,
      status: 'warn',
      detail: 'could not read the disk of the state directory',
      hint: 'check `df -h` on the state dir (the state_dir setting); the database stops taking writes when it is full',
    };
  const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
  const detail = `${d.path} on ${d.mount}: ${d.usedPct}% used, ${gib(d.availableBytes)} free of ${gib(d.sizeBytes)}`;
  if (d.usedPct < STATE_DISK_WARN_PCT) return { ...base, status: 'ok', detail };
  return {
    ...base,
    status: d.usedPct >= STATE_DISK_FAIL_PCT ? 'fail' : 'warn',
    detail: `${detail}: nearly full`,
    hint: `free space on ${d.mount} (old images: \`docker image prune\`; logs: \`journalctl --vacuum-size\`); when it is full the database stops taking writes and ds01 can neither create nor release anything`,
  };
}

function gpuHealth(h: NonNullable<DoctorFacts['gpuHealth']>): DoctorCheck {
  const base = { id: 'gpu-health', title: 'GPU health and use outside ds01' };
  // One line per GPU: a drained GPU's slots share the reason, a busy one's processes are listed once.
  const drained = [...new Set(h.drained.map((x) => `GPU ${x.gpuIndex}: drained (${x.reason})`))];
  const outside = [...new Set(h.unmanaged.map((x) => `GPU ${x.gpuIndex}: used outside ds01 by ${x.who}`))];
  const conditions = (h.conditions ?? []).map((c) => `GPU ${c.gpuIndex}: ${c.state}: ${c.reason}`);
  if (drained.length === 0 && outside.length === 0 && conditions.length === 0)
    return { ...base, status: 'ok', detail: 'no GPU drained or unhealthy, no GPU process outside ds01' };
  const todo = [...new Set((h.conditions ?? []).flatMap((c) => c.todo))];
  return {
    ...base,
    status: 'warn',
    detail: [...drained, ...conditions, ...outside].join('; '),
    hint: [
      ...todo,
      'a GPU ds01 drained for its health needs a look (nvidia-smi -q, a reset or reboot), then `ds01 gpu undrain N --reason …`',
      ...(outside.length
        ? ['processes outside ds01: ask their owners, or set gpu_allocation.allow_unmanaged']
        : []),
    ].join('; '),
  };
}

function dockerStats(st: NonNullable<DoctorFacts['dockerStats']>): DoctorCheck {
  const base = { id: 'docker-stats', title: 'Docker stats (idle detection)' };
  if (st.sampled.length === 0)
    return {
      ...base,
      status: 'ok',
      detail: 'no running container to sample; checked again when one runs',
    };
  const blind = st.sampled.filter((x) => x.empty);
  if (blind.length === 0)
    return {
      ...base,
      status: 'ok',
      detail: `stats of ${st.sampled.length} of ${st.running} running container(s) carry CPU and memory readings`,
    };
  const names = blind
    .slice(0, 3)
    .map((x) => (x.error ? `${x.name} (${x.error})` : x.name))
    .join(', ');
  return {
    ...base,
    status: blind.length === st.sampled.length ? 'fail' : 'warn',
    detail: `Docker returns empty stats for ${blind.length} of ${st.sampled.length} sampled container(s): ${names}. Idle detection is blind: they read as 0% CPU and no traffic, so idle stops and usage are wrong`,
    hint: 'run `docker stats --no-stream` and read dockerd/containerd logs: "cannot find cgroup mount destination" means a cgroup v1 hierarchy in /proc/self/cgroup is not mounted (mount it under /sys/fs/cgroup, or reboot); a cgroup driver mismatch needs "exec-opts" in /etc/docker/daemon.json to match the host; restart Docker after the fix. Until then raise the idle timeouts in the policy',
  };
}

export function runChecks(f: DoctorFacts): DoctorCheck[] {
  const checks = [docker(f), hook(f), nvidiaSmi(f), mig(f), slices(f), database(f), policy(f)];
  if (f.gpuHealth) checks.push(gpuHealth(f.gpuHealth));
  if (f.dockerStats) checks.push(dockerStats(f.dockerStats));
  if (f.stateDisk !== undefined) checks.push(stateDisk(f.stateDisk));
  return checks;
}

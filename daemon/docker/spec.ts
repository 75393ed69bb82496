// Pure: a validated request + the owner's account + resolved limits + GPU slots + policy → the Docker
// create options. Everything security-relevant is decided here, by the daemon, and nothing a client sent
// reaches Docker except the name, the image, the command and checked environment variables.
import type { ContainerCreateOptions } from 'dockerode';
import { envProblem } from '../api/types/containers.js';
import { userCgroupParent } from '../cgroups/aggregate.js';
import { nameProblem } from '../common/names.js';
import type { Limits, SharedMount } from '../policy/types.js';
import { dockerName, LABELS } from './labels.js';

export const WORKSPACE_TARGET = '/workspace';

/** Keeps the container running until stopped, and exits at once on SIGTERM (no 10 s kill wait). */
export const KEEPALIVE_COMMAND = [
  '/bin/sh',
  '-c',
  'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done',
];

export interface SpecOwner {
  uid: number;
  gid: number;
  name: string;
}

export interface SpecInput {
  project: string;
  owner: SpecOwner;
  image: string;
  /** Host path of the workspace, already resolved and checked by the daemon. */
  workspace: string;
  limits: Readonly<Limits>;
  /** GPU slot UUIDs (never indices); empty = CPU only. */
  slots: readonly string[];
  sharedMounts: readonly SharedMount[];
  /** A per-user cgroup slice, or null (aggregate limits off, or dockerd not on the systemd driver). */
  cgroupParent: string | null;
  /** CPUs the Docker host has; a policy's max_cpus above it is capped there (Docker refuses more). */
  hostCpus?: number | null;
  env?: Readonly<Record<string, string>>;
  command?: readonly string[];
  createdBy: string;
  /** A batch job's container carries its id (ds01.job). */
  jobId?: number;
  /** Created by a deploy, started right after (ds01.deploy). */
  deploy?: boolean;
}

export function homeOf(userName: string): string {
  return `/home/${userName}`;
}

/** The slice name a user's containers go in when aggregate limits are enforced. */
export function userSlice(uid: number): string {
  return `ds01-u${uid}.slice`;
}

/**
 * Whether to set CgroupParent, and to what: only when the policy enforces aggregate limits. Under the
 * systemd driver the parent is the user's slice; under cgroupfs it is ds01's own cgroup directory, which
 * ds01d creates and caps (daemon/cgroups/aggregate.ts) before the container exists.
 */
export function cgroupParentFor(
  uid: number,
  aggregateLimits: boolean,
  cgroupDriver: string | null,
): string | null {
  if (!aggregateLimits) return null;
  if (cgroupDriver === 'systemd') return userSlice(uid);
  if (cgroupDriver === 'cgroupfs') return userCgroupParent(uid);
  return null;
}

export class SpecError extends Error {}

export function buildContainerSpec(input: SpecInput): ContainerCreateOptions {
  const problem = nameProblem(input.project);
  if (problem) throw new SpecError(problem);
  const env: string[] = [];
  for (const [k, v] of Object.entries(input.env ?? {})) {
    const p = envProblem(k);
    if (p) throw new SpecError(p);
    env.push(`${k}=${v}`);
  }
  const { owner, limits } = input;
  // The daemon's own values last, so they win even if a check above were ever loosened.
  env.push(
    `HOME=${homeOf(owner.name)}`,
    `USER=${owner.name}`,
    `LOGNAME=${owner.name}`,
    `NVIDIA_VISIBLE_DEVICES=${input.slots.length ? input.slots.join(',') : 'void'}`,
  );
  const binds = [
    `${input.workspace}:${WORKSPACE_TARGET}:rw`,
    ...input.sharedMounts.map((m) => `${m.source}:${m.target}:ro`),
  ];
  // The policy is a ceiling; a server with fewer cores than the ceiling gives what it has.
  const cpus =
    limits.maxCpus === null ? null : Math.min(limits.maxCpus, input.hostCpus ?? Number.POSITIVE_INFINITY);
  const nanoCpus = cpus === null ? undefined : Math.round(cpus * 1e9);
  const memory = limits.memoryBytes ?? undefined;
  // Docker's MemorySwap is memory+swap; without a memory limit it must be unset.
  const memorySwap = memory === undefined ? undefined : (limits.memorySwapBytes ?? -1);
  const hostConfig: ContainerCreateOptions['HostConfig'] = {
    Binds: binds,
    ...(nanoCpus !== undefined ? { NanoCpus: nanoCpus } : {}),
    ...(memory !== undefined ? { Memory: memory, MemorySwap: memorySwap } : {}),
    ...(limits.shmSizeBytes !== null ? { ShmSize: limits.shmSizeBytes } : {}),
    ...(limits.pidsLimit !== null ? { PidsLimit: limits.pidsLimit } : {}),
    Init: true,
    Privileged: false,
    // Runs as the user: no capability is needed, so none is kept.
    CapDrop: ['ALL'],
    CapAdd: [],
    SecurityOpt: ['no-new-privileges:true'],
    Devices: [],
    NetworkMode: 'default',
    ReadonlyRootfs: false,
    RestartPolicy: { Name: 'no' },
    ...(input.cgroupParent ? { CgroupParent: input.cgroupParent } : {}),
    ...(input.slots.length
      ? { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: [...input.slots], Capabilities: [['gpu']] }] }
      : {}),
  };
  return {
    name: dockerName(input.project, owner.uid),
    Image: input.image,
    Cmd: [...(input.command ?? KEEPALIVE_COMMAND)],
    User: `${owner.uid}:${owner.gid}`,
    WorkingDir: WORKSPACE_TARGET,
    Env: env,
    Labels: {
      [LABELS.ownerUid]: String(owner.uid),
      [LABELS.ownerName]: owner.name,
      [LABELS.project]: input.project,
      [LABELS.gpuSlots]: input.slots.join(','),
      [LABELS.createdBy]: input.createdBy,
      [LABELS.managed]: 'true',
      ...(input.jobId !== undefined ? { [LABELS.job]: String(input.jobId) } : {}),
      ...(input.deploy ? { [LABELS.deploy]: 'true' } : {}),
    },
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    HostConfig: hostConfig,
  };
}

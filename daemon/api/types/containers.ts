// Wire types for /v1/containers.
import { z } from 'zod';
import { isImageRef, NAME, NAME_RULE, nameProblem } from '../../common/names.js';
import type { QueueEntryView } from './gpus.js';

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removed';

/**
 * GET /v1/container-list: what `container-list` shows, in one request: the caller's containers (everyone's
 * with all=1, admins) and the GPU queue as GET /v1/queue gives it to the caller.
 */
export interface ContainerListing {
  containers: ContainerSummary[];
  queue: QueueEntryView[];
}

export interface ContainerSummary {
  id: string;
  name: string; // what the user typed
  dockerName: string; // <name>._.<uid>
  owner: string;
  ownerUid: number;
  image: string;
  state: ContainerState;
  createdAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
  gpuSlots: { uuid: string; profile: string | null; state: 'active' | 'held' }[];
  adopted: boolean;
  /** Stopped by someone else (an admin with their reason, or ds01d's automatic stop); null otherwise. */
  stopReason: string | null;
}

// ——— requests: the zod schema is the contract; each type is derived from it (z.infer) ———

/** Names the daemon sets itself; a client value would either be ignored or be a way to confuse the container. */
const DAEMON_ENV = new Set(['HOME', 'USER', 'LOGNAME']);

/** Why a client environment variable is refused; null when it may be passed. */
export function envProblem(name: string): string | null {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name))
    return `environment variable name "${name}" must be upper case letters, digits and "_" (not starting with a digit)`;
  if (name.startsWith('NVIDIA_'))
    return `${name}: NVIDIA_* variables are set by ds01 from your GPU allocation`;
  if (name === 'LD_PRELOAD') return 'LD_PRELOAD cannot be set through ds01';
  if (DAEMON_ENV.has(name)) return `${name} is set by ds01 to your account's value`;
  return null;
}

const MIG_PROFILE = /^(\d+c\.)?\d+g\.\d+gb(\+me)?$/;

const name = z.string().superRefine((v, ctx) => {
  const p = nameProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});

const env = z.record(z.string().max(128), z.string().max(32 * 1024)).superRefine((v, ctx) => {
  const keys = Object.keys(v);
  if (keys.length > 128) ctx.addIssue({ code: 'custom', message: 'at most 128 environment variables' });
  for (const k of keys) {
    const p = envProblem(k);
    if (p) ctx.addIssue({ code: 'custom', message: p, path: [k] });
  }
});

const createFields = {
  /** `<name>`: NAME (common/names.ts); the Docker name becomes `<name>._.<uid>`. */
  name,
  /** An image on this server (`image-list`); or `framework`, a name from the policy's `images` catalogue. Neither = the first catalogue entry. */
  image: z.string().refine(isImageRef, 'not a Docker image reference (e.g. ubuntu:22.04)').optional(),
  framework: z.string().regex(NAME, `a catalogue name: ${NAME_RULE}`).optional(),
  /** GPU slots wanted; 0 = CPU only. Default 1. Exclusive with `mig`. */
  gpus: z.number().int().min(0).max(16).optional(),
  /** One MIG slot of this profile (e.g. `1g.10gb`). */
  mig: z.string().regex(MIG_PROFILE, 'a MIG profile looks like 1g.10gb or 3g.40gb').optional(),
  /** Whole GPUs only (no MIG slices). */
  wholeGpu: z.boolean().optional(),
  /** Use the slots of this booking of yours (`ds01 book list`); it must be in its window. */
  booking: z.number().int().positive().optional(),
  /** Take a slot someone booked from a later time: the container is warned, then stopped when it starts. */
  acceptDeadline: z.boolean().optional(),
  /** Extra environment. Names `[A-Z_][A-Z0-9_]*`; NVIDIA_*, LD_PRELOAD, HOME, USER, LOGNAME are refused. */
  env: env.optional(),
  /** The main command; default: keep running until stopped. */
  command: z.array(z.string().max(4096)).min(1).max(64).optional(),
  /** Check everything and say what would be created, without creating it. */
  dryRun: z.boolean().optional(),
};

function exclusive(
  v: { gpus?: number; mig?: string; image?: string; framework?: string; booking?: number },
  ctx: z.RefinementCtx,
) {
  if (v.booking !== undefined && (v.gpus === 0 || v.mig !== undefined))
    ctx.addIssue({
      code: 'custom',
      message: 'a booking gives its own slots: drop --mig / --gpus 0',
      path: ['booking'],
    });
  if (v.gpus !== undefined && v.mig !== undefined)
    ctx.addIssue({ code: 'custom', message: 'give either gpus or mig, not both', path: ['mig'] });
  if (v.image !== undefined && v.framework !== undefined)
    ctx.addIssue({
      code: 'custom',
      message: 'give either image or framework, not both',
      path: ['framework'],
    });
}

/**
 * POST /v1/containers (create) and POST /v1/containers/deploy. Strict: any other field — labels, binds,
 * devices, privileged, capabilities, cgroup parent, runtime, network, user — is a VALIDATION_FAILED error
 * (400), never silently dropped, so a smuggling attempt is visible to whoever sent it. `ds01.*` labels
 * are set by the daemon only.
 */
export const containerCreateRequest = z.strictObject(createFields).superRefine(exclusive);
export type ContainerCreateRequest = z.infer<typeof containerCreateRequest>;

export const containerDeployRequest = z
  .strictObject({
    ...createFields,
    /** When no GPU is free: wait in the queue (202) instead of failing with NO_CAPACITY. */
    queue: z.boolean().optional(),
  })
  .superRefine(exclusive);
export type ContainerDeployRequest = z.infer<typeof containerDeployRequest>;

/** The GPU part of a request, in the allocator's terms; null = CPU only. */
export function gpuRequestOf(r: Pick<ContainerCreateRequest, 'gpus' | 'mig' | 'wholeGpu'>): {
  count: number;
  profile: string | null;
  wholeGpu: boolean;
} | null {
  if (r.mig !== undefined) return { count: 1, profile: r.mig, wholeGpu: false };
  const count = r.gpus ?? 1;
  if (count === 0) return null;
  return { count, profile: null, wholeGpu: r.wholeGpu ?? false };
}

/** What a create/deploy would do (dryRun), or did. */
export interface ContainerPlan {
  name: string;
  dockerName: string;
  image: string;
  workspace: string;
  gpu: { count: number; profile: string | null; wholeGpu: boolean } | null;
  limits: {
    cpus: number | null;
    memoryBytes: number | null;
    memorySwapBytes: number | null;
    shmSizeBytes: number | null;
    pidsLimit: number | null;
  };
}

/** 201 from create, 200 from deploy; 202 with `queued` when deploy waits for a GPU. */
export interface DeployResult {
  status: 'created' | 'running' | 'queued' | 'dry-run';
  plan: ContainerPlan;
  container: ContainerSummary | null;
  queue: { id: number; position: number } | null;
}

export const stopRequest = z.strictObject({
  /** Seconds between SIGTERM and SIGKILL (default 10). */
  timeout: z.number().int().min(0).max(3600).optional(),
  /** Kill at once. */
  force: z.boolean().optional(),
});
export type StopRequest = z.infer<typeof stopRequest>;

export const retireRequest = z.strictObject({
  /** Kill at once instead of a graceful stop. */
  force: z.boolean().optional(),
  dryRun: z.boolean().optional(),
});
export type RetireRequest = z.infer<typeof retireRequest>;

/** What retire freed. The workspace is never deleted. */
export interface RetireResult {
  id: string;
  name: string;
  dryRun: boolean;
  wasRunning: boolean;
  freedSlots: { uuid: string; profile: string | null }[];
  workspace: string;
}

/** GET /v1/containers/:ref/stats (one JSON object; `?watch=1`: NDJSON, one per second). */
export interface ContainerStats {
  id: string;
  name: string;
  state: ContainerState;
  at: string;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number | null;
  memoryPercent: number | null;
  netRxBytes: number;
  netTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
  /** Per GPU slot; utilisation and memory use are null where nvidia-smi reports none (MIG slices). */
  gpus: {
    uuid: string;
    profile: string | null;
    utilizationPct: number | null;
    memoryUsedMiB: number | null;
    memoryTotalMiB: number | null;
  }[];
}

/** GET /v1/containers/:ref/logs?tail=N&follow=1 — NDJSON, one chunk per object. */
/** POST /v1/containers/:ref/pause and …/unpause. */
export interface PauseResult {
  container: ContainerSummary;
  /** It was already in the state asked for: nothing changed. */
  unchanged: boolean;
  /** When a paused container will be stopped (max_pause), ISO; null = no limit, or not paused. */
  stopsAt: string | null;
}

export interface LogChunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * The shell: POST /v1/containers/:ref/exec with `Connection: Upgrade`, `Upgrade: tcp`; query `tty=1`,
 * `cols`, `rows`, `term`, and `cmd` (repeated; default a login shell). After `101 Switching Protocols`
 * both directions carry frames: 1 byte type, 4 bytes big-endian length, payload.
 *   client → daemon: STDIN (bytes), RESIZE (JSON {cols, rows}), STDIN_EOF (empty)
 *   daemon → client: STDOUT (bytes), STDERR (bytes; non-TTY only), EXIT (JSON {exitCode, notice?}) and then
 *   close; `notice` says who stopped or retired the container under the shell, and why (print it last).
 */
export { SHELL_FRAME, type ShellFrameType } from './shell-frames.js';

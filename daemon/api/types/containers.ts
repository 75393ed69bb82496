// Wire types for /v1/containers.

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removed';

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
}

/**
 * POST /v1/containers (create) and POST /v1/containers/deploy. Strict: any other field — labels, binds,
 * devices, privileged, capabilities, cgroup parent, runtime, network, user — is a VALIDATION_FAILED error
 * (400), never silently dropped. `ds01.*` labels are set by the daemon only.
 */
export interface ContainerCreateRequest {
  /** `[a-z0-9][a-z0-9_.-]{0,62}`; the Docker name becomes `<name>._.<uid>`. */
  name: string;
  /** An image on this server; or `framework` (a name from the policy's `images` catalogue). Neither = the first catalogue entry. */
  image?: string;
  framework?: string;
  /** GPU slots wanted; 0 = CPU only. Default 1. Exclusive with `mig`. */
  gpus?: number;
  /** One MIG slot of this profile (e.g. `1g.10gb`). */
  mig?: string;
  wholeGpu?: boolean;
  /** Extra environment. Names `[A-Z_][A-Z0-9_]*`; NVIDIA_*, LD_PRELOAD, HOME, USER, LOGNAME are refused. */
  env?: Record<string, string>;
  /** The main command; default: keep running until stopped. */
  command?: string[];
  /** Check everything and say what would be created, without creating it. */
  dryRun?: boolean;
}

export interface ContainerDeployRequest extends ContainerCreateRequest {
  /** When no GPU is free: wait in the queue (202) instead of failing with NO_CAPACITY. */
  queue?: boolean;
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

export interface StopRequest {
  /** Seconds between SIGTERM and SIGKILL (default 10). */
  timeout?: number;
  /** Kill at once. */
  force?: boolean;
}

export interface RetireRequest {
  /** Kill at once instead of a graceful stop. */
  force?: boolean;
  dryRun?: boolean;
}

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
export interface LogChunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * The shell: POST /v1/containers/:ref/exec with `Connection: Upgrade`, `Upgrade: tcp`; query `tty=1`,
 * `cols`, `rows`, `term`, and `cmd` (repeated; default a login shell). After `101 Switching Protocols`
 * both directions carry frames: 1 byte type, 4 bytes big-endian length, payload.
 *   client → daemon: STDIN (bytes), RESIZE (JSON {cols, rows}), STDIN_EOF (empty)
 *   daemon → client: STDOUT (bytes), STDERR (bytes; non-TTY only), EXIT (JSON {exitCode}) and then close.
 */
export const SHELL_FRAME = {
  STDIN: 0,
  STDOUT: 1,
  STDERR: 2,
  RESIZE: 3,
  STDIN_EOF: 4,
  EXIT: 5,
} as const;
export type ShellFrameType = (typeof SHELL_FRAME)[keyof typeof SHELL_FRAME];

// Wire types for /v1/jobs (batch jobs, issue 16).
import { z } from 'zod';
import { isImageRef, nameProblem } from '../../common/names.js';
import type { SlurmJobInfo } from './cluster.js';
import { envProblem } from './containers.js';

export type JobStateName =
  | 'pending'
  | 'queued'
  | 'starting'
  | 'running'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timed_out'
  | 'lost';

const MIG_PROFILE = /^(\d+c\.)?\d+g\.\d+gb(\+me)?$/;
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

const project = z.string().superRefine((v, ctx) => {
  const p = nameProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p.replace('a container name', 'a project name') });
});

const env = z.record(z.string().max(128), z.string().max(32 * 1024)).superRefine((v, ctx) => {
  const keys = Object.keys(v);
  if (keys.length > 128) ctx.addIssue({ code: 'custom', message: 'at most 128 environment variables' });
  for (const k of keys) {
    const p = envProblem(k) ?? (k.startsWith('DS01_') ? `${k}: DS01_* variables are set by ds01` : null);
    if (p) ctx.addIssue({ code: 'custom', message: p, path: [k] });
  }
});

/** POST /v1/jobs. Strict: any other field is VALIDATION_FAILED. Image, GPU and env rules are the container ones. */
export const jobSubmitRequest = z
  .strictObject({
    /** A label for lists; default: the command's first word. */
    name: z
      .string()
      .regex(JOB_NAME, 'a job name is letters, digits, ".", "_" or "-" (at most 63)')
      .optional(),
    /** ~/workspace/<project> at /workspace (default `jobs`); with no image, your own image of that name when built. */
    project: project.optional(),
    image: z.string().refine(isImageRef, 'not a Docker image reference (e.g. ubuntu:22.04)').optional(),
    /** GPU slots (default 1); exclusive with `mig` and `cpuOnly`. */
    gpus: z.number().int().min(0).max(16).optional(),
    mig: z.string().regex(MIG_PROFILE, 'a MIG profile looks like 1g.10gb or 3g.40gb').optional(),
    cpuOnly: z.boolean().optional(),
    /** Wall time (`6h`, `30m`, `2h30m`); capped by the policy's max_runtime. */
    time: z.string().max(32).optional(),
    /** Working directory in the container; relative = under /workspace. */
    workdir: z
      .string()
      .min(1)
      .max(1024)
      .refine((v) => !v.includes('\0') && !v.includes('\n'), 'a working directory is one line')
      .optional(),
    env: env.optional(),
    /** Start only after this job of yours completed successfully (Slurm's afterok). */
    after: z.number().int().positive().optional(),
    command: z
      .array(z.string().max(32 * 1024))
      .min(1, 'give the command after --')
      .max(256),
  })
  .superRefine((v, ctx) => {
    const choices = [v.gpus !== undefined, v.mig !== undefined, v.cpuOnly === true].filter(Boolean);
    if (choices.length > 1)
      ctx.addIssue({ code: 'custom', message: 'give one of --gpus, --mig or --cpu-only', path: ['gpus'] });
  });
export type JobSubmitRequest = z.infer<typeof jobSubmitRequest>;

/** The GPU part in the container request's terms. */
export function jobGpuFields(r: JobSubmitRequest): { gpus?: number; mig?: string } {
  if (r.cpuOnly) return { gpus: 0 };
  if (r.mig !== undefined) return { mig: r.mig };
  return { gpus: r.gpus ?? 1 };
}

export interface JobView {
  id: number;
  name: string;
  owner: string;
  ownerUid: number;
  project: string;
  state: JobStateName;
  /** Why it is in this state (ended: completed/failed/…; pending: what it waits for). */
  reason: string | null;
  command: string[];
  image: string | null;
  gpu: { count: number; profile: string | null } | null;
  after: number | null;
  /** The effective time limit (ms), after capping by max_runtime; null = none. */
  timeLimitMs: number | null;
  submittedAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Running time so far, or in all once ended (ms). */
  runtimeMs: number | null;
  exitCode: number | null;
  gpuSlots: string[];
  gpuHours: number;
  containerId: string | null;
  /** Host path of its log (in the owner's workspace, owned by the owner). */
  logPath: string;
  /** Queued: place in the GPU queue (1 = next) and when ds01 expects to start it. */
  queue: { id: number; position: number | null; estimatedStartAt: string | null } | null;
  /** With `backend: slurm`: the job is Slurm's (id = Slurm's job id) and this is Slurm's view of it. */
  slurm?: SlurmJobInfo;
}

export interface JobSubmitResult {
  job: JobView;
  /** Things the user should know (e.g. --time lowered to max_runtime). */
  notes: string[];
}

/** GET /v1/jobs/:id/wait?timeout=S: the job once it has ended, or as it is when the wait timed out. */
export interface JobWaitResult {
  job: JobView;
  ended: boolean;
  /** The exit status `job wait` gives: 0 completed, the job's exit code, else 1. */
  exitStatus: number;
}

// Wire types for /v1/cluster (a Slurm cluster, issue 24, docs/cluster.md).
import { z } from 'zod';
import type { JobView } from './jobs.js';

const SLURM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;
const ABS_PATH = /^\/[A-Za-z0-9_./-]{0,1023}$/;

/** One slot of a node as `ds01 cluster probe` prints it (the gres.ts fields). */
export const probeSlot = z.strictObject({
  uuid: z.string().regex(/^(GPU|MIG)-[A-Za-z0-9/-]{1,100}$/, 'a GPU or MIG UUID'),
  gpuIndex: z.number().int().min(0).max(1023),
  kind: z.enum(['full', 'mig']),
  profile: z
    .string()
    .regex(/^[A-Za-z0-9_.+-]{1,32}$/)
    .nullable(),
  migDeviceIndex: z.number().int().min(0).max(1023).nullable(),
});

/** GET /v1/cluster/probe: this node's GPU slots, for render-slurm on any machine. */
export const nodeProbe = z.strictObject({
  name: z.string().regex(SLURM_NAME, 'a Slurm NodeName'),
  slots: z.array(probeSlot).max(1024),
});
export type NodeProbeView = z.infer<typeof nodeProbe>;

/** POST /v1/cluster/render-slurm. Without `nodes`: this node alone, as its probe says. */
export const renderSlurmRequest = z.strictObject({
  cluster: z.string().regex(SLURM_NAME, 'a Slurm ClusterName').optional(),
  nodes: z.array(nodeProbe).min(1).max(4096).optional(),
  deviceDir: z.string().regex(ABS_PATH, 'an absolute path').optional(),
  prolog: z.string().regex(ABS_PATH, 'an absolute path').optional(),
  epilog: z.string().regex(ABS_PATH, 'an absolute path').optional(),
});
export type RenderSlurmRequest = z.infer<typeof renderSlurmRequest>;

export interface QosView {
  name: string;
  group: string;
  grpTres: string;
  maxTresPerUser: string;
  maxWallMinutes: number | null;
  priority: number;
}

export interface RenderSlurmResult {
  slurmConf: string;
  gresConf: string;
  sacctmgr: string[];
  qos: QosView[];
  /** Each group's account and its GrpTRES (the group's GPU cap across the cluster). */
  accounts: { name: string; group: string; grpTres: string }[];
  /** Users with user_overrides: their association's own QOS. */
  users: { user: string; account: string; qos: string }[];
  notes: string[];
}

/** One comparison of `ds01 cluster check`. */
export interface ClusterCheckItem {
  ok: boolean;
  /** e.g. `qos ds01-students MaxTRESPerUser`, `node n1 Gres`. */
  what: string;
  expected: string;
  actual: string;
}

export interface ClusterCheckResult {
  ok: boolean;
  items: ClusterCheckItem[];
}

/** Slurm's view of a job, added to a JobView when the backend is Slurm. */
export interface SlurmJobInfo {
  /** Slurm's own state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, … */
  state: string;
  node: string | null;
  /** Why it waits (QOSGrpGRES, Resources, …) or how it ended (ds01's reason in the job's Comment). */
  reason: string | null;
}

/** GET /v1/slurm/jobs/:id/log?offset=N[&admin=1]: the next piece of a Slurm job's log, from its node. */
export const jobLogQuery = z.strictObject({
  offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  admin: z.literal('1').optional(),
});

export interface JobLogChunk {
  job: number;
  node: string;
  /** Where `data` starts in the log, and where the next read starts. */
  offset: number;
  next: number;
  /** The bytes, base64 (a chunk may end inside a UTF-8 character). */
  data: string;
  /** More is there already (read again at `next` at once). */
  more: boolean;
  /** The log does not exist (yet): the job has not written anything. */
  missing: boolean;
  path: string;
}

/**
 * POST /v1/slurm/deploy: an interactive allocation (`container-deploy NAME --slurm`): Slurm picks the
 * node, that node's ds01d makes the container on the GPUs Slurm assigned; it lives until retired or the
 * allocation ends (its time limit: `time`, capped by max_runtime).
 */
const deployName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,50}$/, 'a name: lower case letters, digits, "_", "." and "-"');

export const slurmDeployRequest = z
  .strictObject({
    name: deployName,
    image: z.string().max(512).optional(),
    gpus: z.number().int().min(0).max(16).optional(),
    mig: z.string().max(32).optional(),
    time: z.string().max(32).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.gpus !== undefined && v.mig !== undefined)
      ctx.addIssue({ code: 'custom', message: 'give --gpus or --mig, not both', path: ['gpus'] });
  });
export type SlurmDeployRequest = z.infer<typeof slurmDeployRequest>;

/** POST /v1/slurm/deploy/retire: end the caller's interactive allocation of that name (scancel). */
export const slurmRetireRequest = z.strictObject({ name: deployName });

export interface SlurmDeployResult {
  /** The Slurm job holding the allocation (Slurm's id), as `ds01 job list` shows it. */
  job: JobView;
  /** Where it runs; null while it waits in Slurm's queue (job.reason says why). */
  node: string | null;
  /** The container's name on that node. */
  container: string;
  /** How to get in, one command a line. */
  reach: string[];
  notes: string[];
}

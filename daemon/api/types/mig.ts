// Wire types for /v1/admin/mig: the MIG layout plan, applying it, progress, cancelling.
import { z } from 'zod';

export type MigTargetView = { kind: 'mig'; profiles: string[] } | { kind: 'whole' } | { kind: 'off' };

export type MigPlanAction = 'none' | 'unmanaged' | 'reconfigure' | 'mode-change' | 'invalid' | 'unsupported';

export interface MigHolderView {
  slot: string;
  uid: number;
  user: string;
  containerId: string | null;
  containerName: string | null;
}

export interface MigPlacementView {
  profile: string;
  id: number;
  start: number;
  size: number;
}

/** An advance booking on a slot the plan destroys: apply refuses it unless forced (then it is cancelled). */
export interface MigBookingView {
  id: number;
  owner: string;
  maintenance: boolean;
  from: string;
  to: string;
  /** The booking's slots that the plan destroys. */
  slots: string[];
}

export interface MigGpuPlanView {
  gpuIndex: number;
  gpuUuid: string;
  gpuName: string;
  /** ds01's name of the model (A100-80GB, H100, …); null when it cannot do MIG. */
  model: string | null;
  /** Where the placement rules came from: the driver's `mig -lgip/-lgipp`, or ds01's built-in table. */
  modelSource: 'driver' | 'builtin' | null;
  migEnabled: boolean;
  /** GPU-instance profiles now (from `nvidia-smi mig -lgi`). */
  current: string[];
  desired: MigTargetView | null;
  desiredProfiles: string[];
  /** Which policy entry named the layout: the GPU index or the model. */
  desiredFrom: 'index' | 'model' | null;
  action: MigPlanAction;
  reason: string;
  keep: number[];
  destroy: number[];
  create: MigPlacementView[];
  affectedSlots: string[];
  holders: MigHolderView[];
  /** Bookings whose window overlaps now .. apply time + the booking horizon on a destroyed slot. */
  bookings: MigBookingView[];
  /** An unfinished change of this GPU (then `apply` resumes it, `cancel` ends it). */
  openChange: number | null;
}

export interface MigPlanView {
  gpus: MigGpuPlanView[];
  /** Set when nvidia-smi could not be read: the plan uses the last inventory. */
  probeError: string | null;
}

const MAX_DEADLINE_SEC = 30 * 24 * 3600;

export const migApplyRequest = z
  .object({
    /** GPU indices; absent = every GPU whose plan is `reconfigure`. */
    gpus: z.array(z.number().int().min(0).max(63)).max(64).optional(),
    /** Holders still on affected slots are stopped at this time (ISO 8601 with zone). */
    at: z.string().datetime({ offset: true }).optional(),
    /** …or this many seconds from now (default: the policy-free default of 1 hour). */
    drainDeadlineSec: z.number().int().min(0).max(MAX_DEADLINE_SEC).optional(),
    /** Go ahead although the plan destroys booked slots: those bookings are cancelled and their owners told. */
    force: z.boolean().optional(),
  })
  .strict()
  .refine((r) => !(r.at !== undefined && r.drainDeadlineSec !== undefined), {
    message: 'give either at or drainDeadlineSec, not both',
  });
export type MigApplyRequest = z.infer<typeof migApplyRequest>;

export const migCancelRequest = z
  .object({ gpus: z.array(z.number().int().min(0).max(63)).min(1).max(64) })
  .strict();
export type MigCancelRequest = z.infer<typeof migCancelRequest>;

export type MigChangeState =
  | 'draining'
  | 'waiting'
  | 'reconfiguring'
  | 'verifying'
  | 'undraining'
  | 'done'
  | 'failed'
  | 'cancelled';

export interface MigStepView {
  step: string;
  outcome: 'started' | 'done' | 'failed' | 'note';
  detail: string;
  at: string;
}

export interface MigChangeView {
  id: number;
  gpuIndex: number;
  gpuUuid: string;
  model: string;
  state: MigChangeState;
  failedStep: string | null;
  error: string | null;
  /** What to do about a failed change. */
  hint: string | null;
  deadline: string;
  desired: string[];
  keep: number[];
  destroy: number[];
  /** Containers still holding a slot that will be destroyed. */
  holders: MigHolderView[];
  requestedBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  steps: MigStepView[];
}

export interface MigApplyResult {
  changes: MigChangeView[];
  /** GPUs asked for (or planned) that were not started, and why. */
  skipped: { gpuIndex: number; action: MigPlanAction; reason: string }[];
}

export interface MigStatusView {
  changes: MigChangeView[];
}

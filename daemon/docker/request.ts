// What a client may ask for when it creates or deploys a container: a strict schema with no field for
// privileges, devices, binds, capabilities, cgroup parent, runtime, network or labels. An extra field is
// a VALIDATION_FAILED error (never silently dropped), so a smuggling attempt is visible to whoever sent it.
import { z } from 'zod';

/** `<name>` as users type it; the Docker name is `<name>._.<uid>`. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** Why a container name is unusable, in words a user can act on; null when it is fine. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'a container name cannot be empty';
  if (name.includes('/')) return `"${name}" contains "/": a container name is one word, not a path`;
  if (name.includes('..')) return `"${name}" contains "..": use single dots only`;
  if (/\s/.test(name)) return `"${name}" contains a space: use "-" or "_" instead`;
  if (/[A-Z]/.test(name))
    return `"${name}" has capital letters: names are lower case (try "${name.toLowerCase()}")`;
  if (name.includes('._.'))
    return `"${name}" contains "._.", which ds01 uses to separate the name from your uid`;
  if (name.length > 63) return `"${name.slice(0, 20)}…" is ${name.length} characters long: at most 63`;
  if (!NAME_PATTERN.test(name))
    return `"${name}" is not a valid name: start with a letter or digit, then letters, digits, ".", "_" or "-"`;
  return null;
}

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
// A Docker image reference: [registry/]repo[:tag][@digest]; no spaces, no option-looking values.
const IMAGE_REF = /^[a-z0-9][a-z0-9._\-/:@]{0,254}$/i;

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

const fields = {
  name,
  /** An image present on this server (`image-list`); or pick `framework` from the policy's catalogue. */
  image: z.string().regex(IMAGE_REF, 'not a Docker image reference').optional(),
  framework: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
    .optional(),
  /** Number of GPU slots; 0 = CPU only. Default 1. */
  gpus: z.number().int().min(0).max(16).optional(),
  /** One MIG slot of this profile, e.g. 1g.10gb. */
  mig: z.string().regex(MIG_PROFILE, 'a MIG profile looks like 1g.10gb or 3g.40gb').optional(),
  /** Whole GPUs only (no MIG slices). */
  wholeGpu: z.boolean().optional(),
  env: env.optional(),
  /** The container's main command; default keeps it running until stopped. */
  command: z.array(z.string().max(4096)).min(1).max(64).optional(),
  dryRun: z.boolean().optional(),
};

function exclusive(
  v: { gpus?: number; mig?: string; image?: string; framework?: string },
  ctx: z.RefinementCtx,
) {
  if (v.gpus !== undefined && v.mig !== undefined)
    ctx.addIssue({ code: 'custom', message: 'give either gpus or mig, not both', path: ['mig'] });
  if (v.image !== undefined && v.framework !== undefined)
    ctx.addIssue({
      code: 'custom',
      message: 'give either image or framework, not both',
      path: ['framework'],
    });
}

export const createRequestSchema = z.strictObject(fields).superRefine(exclusive);
export const deployRequestSchema = z
  .strictObject({
    ...fields,
    /** On NO_CAPACITY: wait in the GPU queue (202 with the position) instead of failing. */
    queue: z.boolean().optional(),
  })
  .superRefine(exclusive);

export type CreateRequest = z.infer<typeof createRequestSchema>;
export type DeployRequest = z.infer<typeof deployRequestSchema>;

/** The GPU part of a request, in the allocator's terms; null = CPU only. */
export function gpuRequestOf(r: Pick<CreateRequest, 'gpus' | 'mig' | 'wholeGpu'>): {
  count: number;
  profile: string | null;
  wholeGpu: boolean;
} | null {
  if (r.mig !== undefined) return { count: 1, profile: r.mig, wholeGpu: false };
  const count = r.gpus ?? 1;
  if (count === 0) return null;
  return { count, profile: null, wholeGpu: r.wholeGpu ?? false };
}

// Client calls for /v1/containers (the lifecycle). Types come from the wire contract.
import type {
  ContainerCreateRequest,
  ContainerDeployRequest,
  ContainerStats,
  ContainerSummary,
  DeployResult,
  LogChunk,
  PauseResult,
  RetireResult,
} from '../../daemon/api/types/index.js';
import { nameProblem } from '../../daemon/common/names.js';
import type { Client } from './client.js';
import { choose, interactive, text, UsageError } from './prompts.js';
import { listContainers } from './system.js';

const at = (ref: string) => `/containers/${encodeURIComponent(ref)}`;

export const getContainer = (c: Client, ref: string) => c.request<ContainerSummary>(at(ref));
export const createContainer = (c: Client, body: ContainerCreateRequest) =>
  c.request<DeployResult>('/containers', { method: 'POST', body });
export const deployContainer = (c: Client, body: ContainerDeployRequest) =>
  c.request<DeployResult>('/containers/deploy', { method: 'POST', body, timeoutMs: 10 * 60_000 });
export const startContainer = (c: Client, ref: string) =>
  c.request<ContainerSummary>(`${at(ref)}/start`, { method: 'POST' });
export const stopContainer = (c: Client, ref: string, body: { timeout?: number; force?: boolean }) =>
  c.request<ContainerSummary>(`${at(ref)}/stop`, { method: 'POST', body });
export const pauseContainer = (c: Client, ref: string, pause: boolean) =>
  c.request<PauseResult>(`${at(ref)}/${pause ? 'pause' : 'unpause'}`, { method: 'POST' });
export const removeContainer = (c: Client, ref: string, force = false) =>
  c.request<{ id: string; name: string }>(at(ref), {
    method: 'DELETE',
    query: { force: force ? 1 : undefined },
  });
export const retireContainer = (c: Client, ref: string, body: { force?: boolean; dryRun?: boolean }) =>
  c.request<RetireResult>(`${at(ref)}/retire`, { method: 'POST', body });
export const containerStats = (c: Client, ref: string) => c.request<ContainerStats>(`${at(ref)}/stats`);
export const watchContainerStats = (c: Client, ref: string, signal?: AbortSignal) =>
  c.openStream<ContainerStats>(`${at(ref)}/stats`, { query: { watch: 1 }, signal });
export const containerLogs = (
  c: Client,
  ref: string,
  q: { tail?: number; follow?: boolean },
  signal?: AbortSignal,
) =>
  c.openStream<LogChunk>(`${at(ref)}/logs`, {
    query: { tail: q.tail, follow: q.follow ? 1 : undefined },
    signal,
  });

// ——— shared by the container commands ———

export interface CreateFlags {
  image?: string;
  framework?: string;
  gpus?: string;
  mig?: string;
  cpuOnly?: boolean;
  env?: string[];
  dryRun?: boolean;
  booking?: string;
  acceptDeadline?: boolean;
}

/** Flags → request body; contradictory flags are a usage error here, the rest is the daemon's to judge. */
export function requestFromFlags(name: string, f: CreateFlags): ContainerCreateRequest {
  const gpuFlags = [f.gpus !== undefined, f.mig !== undefined, Boolean(f.cpuOnly)].filter(Boolean).length;
  if (gpuFlags > 1) throw new UsageError('give one of --gpus N, --mig PROFILE or --cpu-only');
  if (f.image && f.framework) throw new UsageError('give --image or --framework, not both');
  let gpus: number | undefined;
  if (f.gpus !== undefined) {
    gpus = Number(f.gpus);
    if (!Number.isInteger(gpus) || gpus < 1)
      throw new UsageError(`--gpus wants a whole number ≥ 1 (got ${f.gpus}); use --cpu-only for none`);
  }
  if (f.cpuOnly) gpus = 0;
  const booking = f.booking === undefined ? undefined : Number(f.booking);
  if (booking !== undefined && (!Number.isSafeInteger(booking) || booking < 1))
    throw new UsageError(`--booking wants a booking id from \`ds01 book list\` (got ${f.booking})`);
  const env: Record<string, string> = {};
  for (const kv of f.env ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--env wants NAME=VALUE (got ${kv})`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return {
    name,
    ...(f.image ? { image: f.image } : {}),
    ...(f.framework ? { framework: f.framework } : {}),
    ...(gpus !== undefined ? { gpus } : {}),
    ...(f.mig ? { mig: f.mig } : {}),
    ...(booking !== undefined ? { booking } : {}),
    ...(f.acceptDeadline ? { acceptDeadline: true } : {}),
    ...(Object.keys(env).length ? { env } : {}),
    ...(f.dryRun ? { dryRun: true } : {}),
  };
}

/** NAME as given, or picked from the user's containers on a terminal; a usage error without one. */
export async function nameOrPick(
  client: Client,
  name: string | undefined,
  verb: string,
  filter?: (c: ContainerSummary) => boolean,
): Promise<string> {
  if (name) return name;
  const flags = `give the container name: \`container-${verb} NAME\``;
  if (!interactive()) throw new UsageError(`which container? ${flags}`);
  const list = (await listContainers(client)).filter(filter ?? (() => true));
  if (!list.length) throw new UsageError(`you have no container to ${verb} (see \`container-list\`)`);
  return choose(
    `Container to ${verb}`,
    list.map((c) => ({ value: c.name, label: `${c.name}  (${c.state}, ${c.image})` })),
    flags,
  );
}

/** A new container's name, asked for on a terminal when missing. */
export async function newName(name: string | undefined, verb: string): Promise<string> {
  if (name) return name;
  return text(
    'Name for the new container',
    `give it: \`container-${verb} NAME\``,
    (v) => nameProblem(v) ?? true,
  );
}

export function gpuText(c: Pick<ContainerSummary, 'gpuSlots'>): string {
  return c.gpuSlots.map((s) => s.profile ?? 'full GPU').join(',') || 'cpu';
}

// `ds01 job submit|list|show|cancel|wait|logs` (also `job-submit`, …): batch jobs, in Slurm's habits
// (sbatch, squeue, scancel, sacct). A local job's log is read here, as the user, from their own
// workspace: the daemon only says where it is (after checking the job is theirs). A Slurm job's log lies
// on the node that ran it: that node's ds01d reads it as the owner and hands it over (docs/cluster.md).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { JobSubmitRequest, JobView } from '../../daemon/api/types/index.js';
import { ApiError, DaemonUnreachableError } from '../lib/client.js';
import { slurmJobLog } from '../lib/cluster.js';
import type { Ctx } from '../lib/context.js';
import { cancelJob, getJob, listJobs, localJobLog, submitJob, waitJob } from '../lib/jobs.js';
import { jsonLine, lineSplitter } from '../lib/json-lines.js';
import { printJson, table } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';
import { ago, duration, fromNow, gpuHours } from '../lib/units.js';

export interface SubmitFlags {
  name?: string;
  image?: string;
  project?: string;
  gpus?: string;
  mig?: string;
  cpuOnly?: boolean;
  time?: string;
  workdir?: string;
  env?: string[];
  after?: string;
  json?: boolean;
}

function intFlag(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} ${v}: give a whole number ≥ ${min}`);
  return n;
}

export function submitRequest(command: string[], f: SubmitFlags): JobSubmitRequest {
  if (!command.length)
    throw new UsageError('give the command to run after --, e.g. `job submit -- python train.py`');
  const env: Record<string, string> = {};
  for (const kv of f.env ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${kv}: write it as NAME=value`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const gpus = intFlag('--gpus', f.gpus, 0);
  const after = intFlag('--after', f.after?.replace(/^afterok:/, ''), 1);
  return {
    command,
    ...(f.name ? { name: f.name } : {}),
    ...(f.image ? { image: f.image } : {}),
    ...(f.project ? { project: f.project } : {}),
    ...(gpus !== undefined ? { gpus } : {}),
    ...(f.mig ? { mig: f.mig } : {}),
    ...(f.cpuOnly ? { cpuOnly: true } : {}),
    ...(f.time ? { time: f.time } : {}),
    ...(f.workdir ? { workdir: f.workdir } : {}),
    ...(Object.keys(env).length ? { env } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

/** Slurm's own word when Slurm runs the job (`backend: slurm`), else ds01's. */
const stateText = (j: JobView) => j.slurm?.state ?? j.state.replace('_', ' ');

function gpuText(j: JobView): string {
  if (!j.gpu) return 'cpu';
  return `${j.gpu.count}× ${j.gpu.profile ?? 'gpu'}`;
}

function whereNow(j: JobView, now: number): string {
  if (j.slurm) return [j.slurm.node, j.slurm.reason].filter(Boolean).join(': ');
  if (j.state === 'queued' && j.queue)
    return `queue #${j.queue.position ?? '?'}${j.queue.estimatedStartAt ? `, start ${fromNow(j.queue.estimatedStartAt, now)}` : ''}`;
  return j.reason ?? '';
}

export async function runJobSubmit(ctx: Ctx, command: string[], f: SubmitFlags): Promise<number> {
  const r = await submitJob(ctx.client, submitRequest(command, f));
  if (f.json) {
    printJson(ctx.io, r);
    return 0;
  }
  for (const n of r.notes) ctx.io.err(`note: ${n}\n`);
  const j = r.job;
  ctx.io.out(`${j.id}\n`);
  const what = j.slurm
    ? `sent to Slurm (${j.slurm.state}${j.slurm.reason ? `: ${j.slurm.reason}` : ''})`
    : j.state === 'running'
      ? `running${j.gpuSlots.length ? ` on ${j.gpuSlots.length} GPU slot(s)` : ''}`
      : j.state === 'queued'
        ? `queued for a GPU (${whereNow(j, Date.now())})`
        : j.state === 'pending'
          ? `pending: ${j.reason ?? ''}`
          : `${stateText(j)}${j.reason ? `: ${j.reason}` : ''}`;
  ctx.io.err(
    `Submitted batch job ${j.id}: ${what}\n  log: ${j.logPath}\n  follow it: ds01 job logs ${j.id} --follow\n`,
  );
  return 0;
}

export async function runJobList(ctx: Ctx, o: { all?: boolean; json?: boolean }): Promise<number> {
  const jobs = await listJobs(ctx.client, Boolean(o.all));
  if (o.json) {
    printJson(ctx.io, jobs);
    return 0;
  }
  if (!jobs.length) {
    ctx.io.err('no jobs (submit one with `ds01 job submit -- COMMAND`)\n');
    return 0;
  }
  const now = Date.now();
  const rows = jobs.map((j) => [
    String(j.id),
    j.name,
    j.owner,
    stateText(j),
    gpuText(j),
    j.runtimeMs === null ? '-' : duration(j.runtimeMs),
    j.exitCode === null ? '-' : String(j.exitCode),
    j.state === 'running' || j.state === 'queued' || j.state === 'pending'
      ? whereNow(j, now)
      : (j.reason ?? ''),
  ]);
  ctx.io.out(table(['ID', 'NAME', 'USER', 'STATE', 'GPU', 'RUNTIME', 'EXIT', 'WHERE/WHY'], rows, ctx.io));
  return 0;
}

export async function runJobShow(ctx: Ctx, id: string, o: { json?: boolean }): Promise<number> {
  const j = await getJob(ctx.client, id);
  if (o.json) {
    printJson(ctx.io, j);
    return 0;
  }
  const now = Date.now();
  const lines: [string, string][] = [
    ['job', `${j.id} (${j.name}) of ${j.owner}`],
    ['state', `${stateText(j)}${j.reason ? `: ${j.reason}` : ''}`],
    ['command', j.command.join(' ')],
    ['project', `${j.project}${j.image ? `, image ${j.image}` : ''}`],
    ['gpu', `${gpuText(j)}${j.gpuSlots.length ? ` (${j.gpuSlots.join(', ')})` : ''}`],
    ['time limit', j.timeLimitMs === null ? 'none' : duration(j.timeLimitMs)],
    ['submitted', ago(j.submittedAt, now)],
    ['started', ago(j.startedAt, now)],
    ['ended', ago(j.endedAt, now)],
    ['runtime', j.runtimeMs === null ? '-' : duration(j.runtimeMs)],
    ['exit code', j.exitCode === null ? '-' : String(j.exitCode)],
    ['gpu-hours', gpuHours(j.gpuHours)],
    ['log', j.logPath],
  ];
  if (j.after !== null) lines.push(['after', `job ${j.after}`]);
  if (j.queue) lines.push(['queue', whereNow(j, now)]);
  const w = Math.max(...lines.map(([k]) => k.length));
  ctx.io.out(lines.map(([k, v]) => `${k.padEnd(w)}  ${v}\n`).join(''));
  return 0;
}

export async function runJobCancel(
  ctx: Ctx,
  id: string,
  o: { reason?: string; json?: boolean },
): Promise<number> {
  const j = await cancelJob(ctx.client, id, o.reason);
  if (o.json) printJson(ctx.io, j);
  else ctx.io.err(`job ${j.id}: ${stateText(j)}${j.reason ? ` (${j.reason})` : ''}\n`);
  return 0;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

/** Waits for the job to end; its exit code becomes ours. Rides out a daemon restart. */
export async function runJobWait(
  ctx: Ctx,
  id: string,
  o: { json?: boolean },
  signal?: AbortSignal,
): Promise<number> {
  let unreachableSince: number | null = null;
  for (;;) {
    if (signal?.aborted) return 130;
    try {
      const r = await waitJob(ctx.client, id, 30, signal);
      unreachableSince = null;
      if (!r.ended) continue;
      if (o.json) printJson(ctx.io, r);
      else ctx.io.err(`job ${r.job.id} ${stateText(r.job)}${r.job.reason ? `: ${r.job.reason}` : ''}\n`);
      return r.exitStatus;
    } catch (err) {
      if (!(err instanceof DaemonUnreachableError) && !isReset(err)) throw err;
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince > 120_000) throw err;
      await sleep(1000, signal);
    }
  }
}

const isReset = (err: unknown) =>
  !(err instanceof ApiError) && /socket hang up|aborted|ECONNRESET/i.test(String((err as Error)?.message));

/** Reads from `offset` to the end of the file; null when it does not exist (yet). */
function readFrom(path: string, offset: number): { data: Buffer; size: number } | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EACCES') throw new Error(`cannot read ${path}: permission denied`);
    throw err;
  }
  try {
    const size = statSync(path).size;
    if (size <= offset) return { data: Buffer.alloc(0), size };
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    return { data: buf.subarray(0, n), size: offset + n };
  } finally {
    closeSync(fd);
  }
}

/** Where a job's output comes from: the file (a local job), or the node that ran a Slurm job. */
type LogSource = (offset: number) => Promise<{ data: Buffer; size: number } | null>;

const MAX_CHUNKS_PER_READ = 16;

function logSource(ctx: Ctx, job: JobView, admin: boolean): LogSource {
  // One's own local job: the file, read as oneself. Another user's: only through ds01d, which reads it as
  // its owner for an admin who asked with --admin (audited) and refuses anyone else with what to do.
  const mine = job.ownerUid === process.getuid?.();
  if (!job.slurm && mine && !admin) return async (offset) => readFrom(job.logPath, offset);
  const chunk = job.slurm ? slurmJobLog : localJobLog;
  return async (offset) => {
    const parts: Buffer[] = [];
    let at = offset;
    for (let i = 0; i < MAX_CHUNKS_PER_READ; i++) {
      const c = await chunk(ctx.client, job.id, at, admin).catch((err) => {
        // Not on a node yet (pending): nothing to read, like a log not written yet.
        if (err instanceof ApiError && err.code === 'CONFLICT' && /has not run on a node/.test(err.message))
          return null;
        throw err;
      });
      if (!c) return null;
      if (c.missing) return parts.length ? { data: Buffer.concat(parts), size: at } : null;
      parts.push(Buffer.from(c.data, 'base64'));
      at = c.next;
      if (!c.more) break;
    }
    return { data: Buffer.concat(parts), size: at };
  };
}

export async function runJobLogs(
  ctx: Ctx,
  id: string,
  o: { follow?: boolean; json?: boolean; admin?: boolean },
  signal?: AbortSignal,
): Promise<number> {
  let job = await getJob(ctx.client, id);
  let offset = 0;
  const read = logSource(ctx, job, o.admin === true);
  // --json: one {"job","line"} object per line (the log holds stdout and stderr together).
  const lines = lineSplitter<'output'>();
  const print = (text: string) => {
    if (!o.json) ctx.io.out(text);
    else for (const l of lines.push('output', text)) ctx.io.out(jsonLine({ job: job.id, line: l.line }));
  };
  const flush = () => {
    for (const l of lines.end()) ctx.io.out(jsonLine({ job: job.id, line: l.line }));
  };
  const decoder = new TextDecoder('utf-8');
  const drain = async () => {
    const r = await read(offset);
    if (!r) return false;
    if (r.data.length) print(decoder.decode(r.data, { stream: true }));
    offset = r.size;
    return true;
  };
  const ended = (j: JobView) => !['pending', 'queued', 'starting', 'running'].includes(j.state);
  const had = await drain();
  if (!o.follow) {
    flush();
    if (!had) ctx.io.err(`job ${job.id} has no output yet (${stateText(job)}); log: ${job.logPath}\n`);
    return 0;
  }
  let lastCheck = Date.now();
  // A Slurm job's log is a request to its node each time: once a second is enough.
  const every = job.slurm ? 1000 : 250;
  while (!signal?.aborted) {
    await sleep(every, signal);
    await drain();
    if (Date.now() - lastCheck >= 1000) {
      lastCheck = Date.now();
      job = await getJob(ctx.client, id).catch((err) => {
        if (err instanceof DaemonUnreachableError) return job;
        throw err;
      });
      if (ended(job)) {
        await drain();
        flush();
        ctx.io.err(`job ${job.id} ${stateText(job)}${job.reason ? `: ${job.reason}` : ''}\n`);
        return 0;
      }
    }
  }
  flush();
  return 0;
}

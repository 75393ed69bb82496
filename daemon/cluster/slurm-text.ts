// Pure: reading what Slurm's programs print. Identity and placement (uid, state, nodes) come only from
// fields a user cannot write (squeue's %i|%U|%T|%N|%b). The GPU indices come from `scontrol show job -d`,
// whose text a user CAN forge: a job's Comment or name may hold a newline and a line that looks like
// Slurm's own `Nodes=… GRES=…(IDX:…)`. So exactly one such line per node is accepted, and its counts must
// equal what squeue says the job asked for; anything else is refused, never guessed.

export interface SqueueJob {
  id: number;
  uid: number;
  state: string;
  nodes: string[];
  /** GPUs per node by type (`full`, `1g.10gb`, or '' untyped), from squeue's %b. */
  gpusPerNode: Record<string, number>;
}

/** The squeue format that goes with parseSqueueJob. */
export const SQUEUE_FORMAT = '%i|%U|%T|%N|%b';

/** `n[1-3,5],gpu7` → [n1, n2, n3, n5, gpu7]. */
export function expandHostlist(list: string): string[] {
  const out: string[] = [];
  for (const m of list.matchAll(/([^,[\]]+)(?:\[([^\]]+)\])?/g)) {
    const [, prefix, ranges] = m;
    if (!prefix) continue;
    if (!ranges) {
      out.push(prefix);
      continue;
    }
    for (const r of ranges.split(',')) {
      const [a, b] = r.split('-');
      if (a === undefined) continue;
      const from = Number(a);
      const to = b === undefined ? from : Number(b);
      for (let i = from; i <= to && i - from < 4096; i++)
        out.push(`${prefix}${String(i).padStart(a.length, '0')}`);
    }
  }
  return out;
}

/** `gres:gpu:1g.10gb:2`, `gres/gpu:full=1`, `gres:gpu:2` (comma-separated) → per type counts. */
export function parseTresPerNode(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const m = /^gres[:/]gpu(?::([A-Za-z0-9_.+-]+))?[:=](\d+)$/.exec(part.trim());
    if (!m) continue;
    const type = m[1] ?? '';
    out[type] = (out[type] ?? 0) + Number(m[2]);
  }
  return out;
}

export function parseSqueueJob(line: string): SqueueJob | null {
  const f = line.trim().split('|');
  if (f.length !== 5) return null;
  const [id, uid, state, nodes, tres] = f as [string, string, string, string, string];
  if (!/^\d+$/.test(id) || !/^\d+$/.test(uid)) return null;
  return {
    id: Number(id),
    uid: Number(uid),
    state,
    nodes: nodes && nodes !== '(null)' ? expandHostlist(nodes) : [],
    gpusPerNode: parseTresPerNode(tres === 'N/A' ? '' : tres),
  };
}

export interface AssignedGpu {
  type: string | null;
  index: number;
}

function expandIndices(list: string): number[] {
  const out: number[] = [];
  for (const r of list.split(',')) {
    const [a, b] = r.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) continue;
    for (let i = a; i <= (b ?? a) && i - a < 1024; i++) out.push(i);
  }
  return out;
}

/**
 * The GPU indices Slurm assigned the job on `node`, checked against what it asked for (`expected`, from
 * squeue). A forged or missing line is an error, with what was wrong.
 */
export function parseAssignedGpus(
  scontrolText: string,
  node: string,
  expected: Record<string, number>,
): { ok: true; gpus: AssignedGpu[] } | { ok: false; problem: string } {
  const lines = scontrolText
    .split('\n')
    .map((l) => /^\s+Nodes=(\S+) CPU_IDs=\S+ Mem=\d+ GRES=(\S*)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && expandHostlist(m[1] as string).includes(node));
  const wanted = Object.values(expected).reduce((a, b) => a + b, 0);
  if (lines.length > 1)
    return { ok: false, problem: `Slurm's job text has ${lines.length} GRES lines for ${node} (forged?)` };
  if (!lines.length) {
    return wanted === 0
      ? { ok: true, gpus: [] }
      : { ok: false, problem: `Slurm shows no GPUs assigned on ${node}` };
  }
  const gpus: AssignedGpu[] = [];
  const counts: Record<string, number> = {};
  for (const m of (lines[0]?.[2] ?? '').matchAll(
    /gpu(?::([A-Za-z0-9_.+-]+?))?(?::(\d+))?\(IDX:([0-9,-]+)\)/g,
  )) {
    const type = m[1] ?? null;
    for (const index of expandIndices(m[3] as string)) gpus.push({ type, index });
    counts[type ?? ''] = (counts[type ?? ''] ?? 0) + expandIndices(m[3] as string).length;
  }
  // What it asked for, by type; an untyped request may be met by any type.
  const total = gpus.length;
  const typedOk = Object.entries(expected).every(([t, n]) => t === '' || counts[t] === n);
  if (total !== wanted || !typedOk)
    return {
      ok: false,
      problem: `Slurm's GRES line for ${node} (${lines[0]?.[2]}) does not match the job's request (${JSON.stringify(expected)})`,
    };
  return { ok: true, gpus };
}

/** The ds01 request line of a batch script ds01 wrote; null when the script is not ds01's. */
export const REQUEST_MARK = '# ds01-request: ';

export function extractRequest(
  script: string,
): { ok: true; request: unknown } | { ok: false; problem: string } | null {
  const lines = script.split('\n').filter((l) => l.startsWith(REQUEST_MARK));
  if (!lines.length) return null;
  if (lines.length > 1) return { ok: false, problem: 'the batch script has more than one ds01 request line' };
  const b64 = (lines[0] as string).slice(REQUEST_MARK.length).trim();
  if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) return { ok: false, problem: 'the ds01 request line is not base64' };
  try {
    return { ok: true, request: JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) };
  } catch {
    return { ok: false, problem: 'the ds01 request line is not JSON' };
  }
}

/** One job as sacct tells it; the format that goes with it is SACCT_FORMAT (user text last). */
export interface SacctJob {
  id: number;
  uid: number;
  user: string;
  state: string;
  exitCode: number | null;
  node: string | null;
  submit: string | null;
  start: string | null;
  end: string | null;
  elapsedSec: number;
  timeLimitMin: number | null;
  gpus: Record<string, number>;
  reason: string | null;
  name: string;
  comment: string;
}

export const SACCT_FORMAT =
  'JobID,UID,User,State,ExitCode,NodeList,Submit,Start,End,ElapsedRaw,TimelimitRaw,AllocTRES,ReqTRES,Reason,JobName,Comment';

const time = (t: string | undefined) => (t && /^\d{4}-/.test(t) ? t : null);

/** sacct -n -P lines. JobName may hold '|': it and the Comment are the last fields, the Comment after. */
export function parseSacct(text: string): SacctJob[] {
  const out: SacctJob[] = [];
  for (const line of text.split('\n')) {
    const f = line.split('|');
    if (f.length < 16 || !/^\d+$/.test(f[0] as string) || !/^\d+$/.test(f[1] as string)) continue;
    const [id, uid, user, state, exit, node, submit, start, end, elapsed, limit, alloc, req, reason] =
      f as string[];
    // Everything between Reason and the last field is the name (a '|' in it splits it).
    const comment = f[f.length - 1] as string;
    const name = f.slice(14, f.length - 1).join('|');
    const code = /^(\d+):(\d+)$/.exec(exit ?? '');
    // code:signal; a signal reads as a shell would say it (128 + signal).
    const exitCode = code ? (Number(code[2]) ? 128 + Number(code[2]) : Number(code[1])) : null;
    const tres = parseTres((alloc ?? '') || (req ?? ''));
    out.push({
      id: Number(id),
      uid: Number(uid),
      user: user ?? '',
      state: (state ?? '').split(' ')[0] ?? '',
      exitCode,
      node: node && node !== 'None assigned' ? node : null,
      submit: time(submit),
      start: time(start),
      end: time(end),
      elapsedSec: Number(elapsed) || 0,
      timeLimitMin: /^\d+$/.test(limit ?? '') ? Number(limit) : null,
      gpus: tres,
      reason: reason && reason !== 'None' ? reason : null,
      name,
      comment,
    });
  }
  return out;
}

/** `billing=1,cpu=1,gres/gpu:1g.10gb=1,gres/gpu=1` → {'1g.10gb': 1} (typed entries; untyped if none). */
export function parseTres(text: string): Record<string, number> {
  const typed: Record<string, number> = {};
  let untyped = 0;
  for (const part of text.split(',')) {
    const m = /^gres\/gpu(?::([A-Za-z0-9_.+-]+))?=(\d+)$/.exec(part.trim());
    if (!m) continue;
    if (m[1]) typed[m[1]] = Number(m[2]);
    else untyped = Number(m[2]);
  }
  return Object.keys(typed).length ? typed : untyped ? { '': untyped } : {};
}

/** squeue's view of active jobs for lists (sacct may not know a pending job yet); user text last. */
export const SQUEUE_LIST_FORMAT = '%i|%U|%u|%T|%N|%b|%r|%V|%S|%l|%M|%j|%k';

/** Elapsed time as squeue prints it (`5:03`, `1:02:03`, `1-02:03:04`) in seconds. */
function elapsedSec(t: string): number {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(t.trim());
  if (!m) return 0;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

export function parseSqueueList(text: string, limitMinutes: (t: string) => number | null): SacctJob[] {
  const out: SacctJob[] = [];
  for (const line of text.split('\n')) {
    const f = line.split('|');
    if (f.length < 13 || !/^\d+$/.test(f[0] as string) || !/^\d+$/.test(f[1] as string)) continue;
    const [id, uid, user, state, node, tres, reason, submit, start, limit, elapsed] = f as string[];
    out.push({
      id: Number(id),
      uid: Number(uid),
      user: user ?? '',
      state: state ?? '',
      exitCode: null,
      node: node || null,
      submit: time(submit),
      start: time(start),
      end: null,
      elapsedSec: elapsedSec(elapsed ?? ''),
      timeLimitMin: limitMinutes(limit ?? ''),
      gpus: parseTresPerNode(tres === 'N/A' ? '' : (tres ?? '')),
      reason: reason && reason !== 'None' ? reason : null,
      name: f.slice(11, f.length - 1).join('|'),
      comment: f[f.length - 1] as string,
    });
  }
  return out;
}

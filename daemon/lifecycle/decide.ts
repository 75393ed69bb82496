// decide(): the next lifecycle action for one container, pure. Stops (idle, max runtime) and removals
// (never started, hold after stop) are announced at the policy's warning points, each once per deadline,
// and never come sooner than the smallest warning point after the first warning. GPU release after a stop
// is normally done by the GPU leases' own timer; decide() only reports an overdue one so a sweep can
// catch up after a daemon restart.
import { localWhen } from '../common/when.js';
import type { LimitKey } from '../policy/types.js';
import { allowedIdleMs, assessIdle } from './idle.js';
import type {
  ActionKind,
  Deadline,
  DeadlineKind,
  DecideInput,
  Decision,
  IdleAssessment,
  SentWarning,
} from './types.js';
import { humanDuration, limitText } from './words.js';

/** Docker states in which nothing is done: Docker is already changing the container. */
const TRANSITION_STATES = new Set(['restarting', 'removing']);

interface Candidate {
  kind: DeadlineKind;
  nominalAt: number;
  key: string;
  outcome: Deadline['outcome'];
  warn: boolean;
  /** Why this deadline exists, e.g. "idle since 10:02 (idle_timeout 30m)". */
  why: string;
}

interface Planned {
  action: ActionKind;
  deadline: Deadline;
  warning?: { pointMs: number; covers: number[] };
  nextCheckAt: number;
  why: string;
}

function plan(c: Candidate, points: readonly number[], sent: readonly SentWarning[], now: number): Planned {
  const pts = c.warn ? [...new Set(points.filter((p) => p > 0))].sort((a, b) => b - a) : [];
  const mine = sent.filter((w) => w.key === c.key);
  const minPoint = pts.length ? (pts[pts.length - 1] as number) : 0;
  // The first warning guarantees at least the smallest warning point of notice.
  const firstSent = mine.length ? Math.min(...mine.map((w) => w.at)) : now;
  const at = pts.length ? Math.max(c.nominalAt, firstSent + minPoint) : c.nominalAt;
  const deadline: Deadline = { kind: c.kind, at, key: c.key, outcome: c.outcome };
  const upcoming = [at, ...pts.map((p) => at - p)].filter((t) => t > now);
  const nextCheckAt = upcoming.length ? Math.min(...upcoming) : at;
  if (now >= at) {
    const action: ActionKind =
      c.outcome === 'stop' ? 'stop' : c.outcome === 'remove' ? 'remove' : 'release-gpu';
    return { action, deadline, nextCheckAt, why: c.why };
  }
  const due = pts.filter((p) => now >= at - p);
  const unsent = due.filter((p) => !mine.some((w) => w.pointMs === p));
  if (unsent.length) {
    return {
      action: 'warn',
      deadline,
      warning: { pointMs: Math.min(...due), covers: unsent },
      nextCheckAt,
      why: c.why,
    };
  }
  return { action: 'none', deadline, nextCheckAt, why: c.why };
}

const EXEMPT_WORDS: Partial<Record<LimitKey, string>> = {
  idleTimeoutMs: 'idle stop',
  maxRuntimeMs: 'max runtime',
  containerHoldAfterStopMs: 'automatic removal',
};

function exemptions(input: DecideInput): string[] {
  const out: string[] = [];
  for (const [key, words] of Object.entries(EXEMPT_WORDS) as [LimitKey, string][]) {
    const source = input.limits.sources[key];
    if (!source?.startsWith('exemption:')) continue;
    const e = input.limits.exemptions.find((x) => x.keys === 'lifecycle' || x.keys.includes(key));
    out.push(`no ${words}: exempt until ${source.slice('exemption:'.length)}${e ? ` (${e.reason})` : ''}`);
  }
  return out;
}

function pick(planned: Planned[]): Planned | undefined {
  const order: ActionKind[] = ['stop', 'remove', 'release-gpu', 'warn', 'none'];
  const sorted = [...planned].sort(
    (a, b) => order.indexOf(a.action) - order.indexOf(b.action) || a.deadline.at - b.deadline.at,
  );
  return sorted[0];
}

const OUTCOME_WORDS: Record<Deadline['outcome'], string> = {
  stop: 'stopped',
  remove: 'removed (the workspace is kept)',
  'release-gpu': 'have its GPU released',
};

function reasonFor(p: Planned, now: number): string {
  switch (p.action) {
    case 'stop':
      return `stopped: ${p.why}`;
    case 'remove':
      return `removed: ${p.why}; the workspace is kept`;
    case 'release-gpu':
      return `GPU released: ${p.why}`;
    case 'warn':
      return `will be ${OUTCOME_WORDS[p.deadline.outcome]} in ${humanDuration(p.deadline.at - now)}: ${p.why}`;
    default:
      return `${OUTCOME_WORDS[p.deadline.outcome]} in ${humanDuration(p.deadline.at - now)} unless that changes: ${p.why}`;
  }
}

function none(reason: string, extra: Partial<Decision> = {}): Decision {
  return {
    action: 'none',
    reason,
    deadline: null,
    nextCheckAt: null,
    idle: null,
    runtime: null,
    exempt: [],
    ...extra,
  };
}

function finish(
  planned: Planned[],
  now: number,
  quiet: string,
  base: Pick<Decision, 'idle' | 'runtime' | 'exempt'>,
  graceSec?: number,
): Decision {
  const chosen = pick(planned);
  if (!chosen) return none(quiet, base);
  const earliest = planned.reduce((a, b) => (b.deadline.at < a.deadline.at ? b : a));
  const nextCheckAt = Math.min(...planned.map((p) => p.nextCheckAt));
  const deadline = chosen.action === 'none' ? earliest.deadline : chosen.deadline;
  const reason = chosen.action === 'none' ? `${quiet}; ${reasonFor(earliest, now)}` : reasonFor(chosen, now);
  return {
    action: chosen.action,
    reason,
    deadline,
    ...(chosen.warning ? { warning: chosen.warning } : {}),
    ...(chosen.action === 'stop' && graceSec !== undefined ? { graceSec } : {}),
    nextCheckAt,
    ...base,
  };
}

/** Someone else's booking of one of its slots (or maintenance): stopped at its start, warned before. */
function bookingPlan(input: DecideInput, now: number): Planned | null {
  const b = input.booking;
  if (!b) return null;
  return plan(
    {
      kind: 'booking',
      nominalAt: b.at,
      key: `booking:${b.bookingId}:${b.at}`,
      outcome: 'stop',
      warn: true,
      why: b.maintenance
        ? `its GPU slot is booked for maintenance from ${localWhen(b.at)}`
        : `its GPU slot is booked by someone from ${localWhen(b.at)}`,
    },
    input.limits.lifecycle.warningPointsMs,
    input.warningsSent,
    now,
  );
}

/**
 * A paused container (processes frozen, GPU kept): never idle-stopped — it is quiet by construction — but
 * stopped once paused for max_pause; its paused time counts towards max_runtime (it holds the GPU).
 */
function decidePaused(input: DecideInput, now: number, exempt: string[]): Decision {
  const c = input.container;
  const { limits: l, lifecycle: lc } = input.limits;
  const pausedAt = c.stoppedAt ?? now;
  const usedMs = c.runtimeMs + Math.max(0, now - pausedAt);
  const limitMs = l.maxRuntimeMs === null ? null : l.maxRuntimeMs + c.extensionMs;
  const planned: Planned[] = [];
  if (lc.maxPauseMs !== null)
    planned.push(
      plan(
        {
          kind: 'pause',
          nominalAt: pausedAt + lc.maxPauseMs,
          key: `pause:${pausedAt}`,
          outcome: 'stop',
          warn: true,
          why: `paused for ${humanDuration(now - pausedAt)} (max_pause ${humanDuration(lc.maxPauseMs)}); unpause it with container-unpause ${c.project}`,
        },
        lc.warningPointsMs,
        input.warningsSent,
        now,
      ),
    );
  if (limitMs !== null)
    planned.push(
      plan(
        {
          kind: 'runtime',
          nominalAt: pausedAt + (limitMs - c.runtimeMs),
          key: `runtime:${pausedAt}:${limitMs}`,
          outcome: 'stop',
          warn: true,
          why: `max runtime ${humanDuration(limitMs)} reached (ran ${humanDuration(usedMs)} in all, paused time included)`,
        },
        lc.warningPointsMs,
        input.warningsSent,
        now,
      ),
    );
  const booked = bookingPlan(input, now);
  if (booked) planned.push(booked);
  const quiet = lc.maxPauseMs === null ? 'paused; no max_pause applies' : 'paused (not stopped for idleness)';
  return finish(
    planned,
    now,
    quiet,
    { idle: null, runtime: { usedMs, limitMs }, exempt },
    lc.sigtermGraceSec,
  );
}

export function decide(input: DecideInput, now: number): Decision {
  const c = input.container;
  const { limits: l, lifecycle: lc } = input.limits;
  const exempt = exemptions(input);
  if (input.inTransition || TRANSITION_STATES.has(c.state)) {
    return none(
      `in transition (${input.inTransition ? 'a ds01 operation is running' : c.state}); left alone`,
      {
        exempt,
      },
    );
  }
  const points = lc.warningPointsMs;

  if (c.state === 'paused') return decidePaused(input, now, exempt);

  if (c.state === 'running') {
    const startedAt = c.startedAt ?? c.createdAt;
    const planned: Planned[] = [];
    const limitMs = l.maxRuntimeMs === null ? null : l.maxRuntimeMs + c.extensionMs;
    const usedMs = c.runtimeMs + Math.max(0, now - startedAt);
    if (limitMs !== null) {
      const ext = c.extensions ? ` incl. ${c.extensions} extension(s)` : '';
      planned.push(
        plan(
          {
            kind: 'runtime',
            nominalAt: startedAt + (limitMs - c.runtimeMs),
            key: `runtime:${startedAt}:${limitMs}`,
            outcome: 'stop',
            warn: true,
            why: `max runtime ${humanDuration(limitMs)}${ext} reached (ran ${humanDuration(usedMs)} in all, across restarts)`,
          },
          points,
          input.warningsSent,
          now,
        ),
      );
    }
    const booked = bookingPlan(input, now);
    if (booked) planned.push(booked);
    const highDemand =
      lc.highDemandThreshold !== null &&
      input.allocatedFraction !== null &&
      input.allocatedFraction >= lc.highDemandThreshold;
    const timeoutMs =
      l.idleTimeoutMs === null
        ? null
        : highDemand
          ? Math.round(l.idleTimeoutMs * lc.highDemandIdleFactor)
          : l.idleTimeoutMs;
    const idle: IdleAssessment = assessIdle(input.samples, lc, {
      startedAt,
      now,
      timeoutMs,
      keepAliveMaxMs: lc.keepAliveMaxMs,
      keepAlive: input.keepAlive,
      highDemand,
    });
    const allowed = allowedIdleMs(timeoutMs, input.keepAlive, lc.keepAliveMaxMs);
    if (idle.idleSince !== null && allowed !== null) {
      const notes = [
        highDemand
          ? `shortened from ${humanDuration(l.idleTimeoutMs ?? 0)} because GPUs are in high demand`
          : '',
        idle.keepAlive === 'honoured' || idle.keepAlive === 'past-cap'
          ? `keep-alive file honoured for at most ${limitText(lc.keepAliveMaxMs)}`
          : '',
      ].filter(Boolean);
      planned.push(
        plan(
          {
            kind: 'idle',
            nominalAt: idle.idleSince + allowed,
            key: `idle:${idle.idleSince}`,
            outcome: 'stop',
            warn: true,
            why: `idle for ${humanDuration(now - idle.idleSince)} (allowed ${humanDuration(allowed)}${notes.length ? `; ${notes.join('; ')}` : ''})`,
          },
          points,
          input.warningsSent,
          now,
        ),
      );
    }
    const quiet =
      idle.idleSince !== null
        ? allowed === null
          ? `idle, but ${timeoutMs === null ? 'no idle timeout applies' : 'its keep-alive file has no cap'}`
          : 'idle'
        : idle.inGrace
          ? 'starting up (grace period)'
          : idle.busy.length
            ? `busy: ${idle.busy.join(', ')}`
            : `quiet for ${idle.quietSamples} of ${idle.window} samples`;
    return finish(planned, now, quiet, { idle, runtime: { usedMs, limitMs }, exempt }, lc.sigtermGraceSec);
  }

  if (c.state === 'created' && c.startedAt === null && c.runtimeMs === 0) {
    const t = lc.neverStartedTimeoutMs;
    if (t === null) return none('created, never started; no never-started timeout applies', { exempt });
    return finish(
      [
        plan(
          {
            kind: 'never-started',
            nominalAt: c.createdAt + t,
            key: `never-started:${c.createdAt}`,
            outcome: 'remove',
            warn: true,
            why: `created ${humanDuration(now - c.createdAt)} ago and never started (never-started timeout ${humanDuration(t)})`,
          },
          points,
          input.warningsSent,
          now,
        ),
      ],
      now,
      'created, never started',
      { idle: null, runtime: null, exempt },
    );
  }

  if (c.state === 'exited' || c.state === 'dead' || c.state === 'created') {
    const stoppedAt = c.stoppedAt ?? c.createdAt;
    const planned: Planned[] = [];
    const held = input.allocations.filter((a) => a.state === 'held' && a.holdUntil !== null);
    const active = input.allocations.filter((a) => a.state === 'active');
    let gpuAt: number | null = null;
    if (held.length) gpuAt = Math.min(...held.map((a) => a.holdUntil as number));
    else if (active.length && l.gpuHoldAfterStopMs !== null) gpuAt = stoppedAt + l.gpuHoldAfterStopMs;
    if (gpuAt !== null) {
      planned.push(
        plan(
          {
            kind: 'gpu-hold',
            nominalAt: gpuAt,
            key: `gpu-hold:${stoppedAt}`,
            outcome: 'release-gpu',
            warn: false,
            why: `stopped ${humanDuration(now - stoppedAt)} ago; the GPU hold after stop (${limitText(l.gpuHoldAfterStopMs)}) is over`,
          },
          points,
          input.warningsSent,
          now,
        ),
      );
    }
    const hold = l.containerHoldAfterStopMs;
    if (hold !== null) {
      planned.push(
        plan(
          {
            kind: 'removal',
            nominalAt: stoppedAt + hold,
            key: `removal:${stoppedAt}`,
            outcome: 'remove',
            warn: true,
            why: `stopped ${humanDuration(now - stoppedAt)} ago (container hold after stop ${humanDuration(hold)})`,
          },
          points,
          input.warningsSent,
          now,
        ),
      );
    }
    const quiet = hold === null ? 'stopped; kept until you remove it' : 'stopped';
    return finish(planned, now, quiet, { idle: null, runtime: null, exempt });
  }

  return none(`state ${c.state}: nothing to do`, { exempt });
}

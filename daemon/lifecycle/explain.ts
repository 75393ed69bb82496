// container-why: a decision and its inputs in plain words, pure.
import type { ContainerWhy, DeadlineInfo } from '../api/types/lifecycle.js';
import { localWhen } from '../common/when.js';
import { formatRate } from './idle.js';
import type { Deadline, DecideInput, Decision } from './types.js';
import { humanDuration, limitText } from './words.js';

export function deadlineInfo(d: Deadline | null, now: number): DeadlineInfo | null {
  if (!d) return null;
  return {
    kind: d.kind,
    at: new Date(d.at).toISOString(),
    inSec: Math.round((d.at - now) / 1000),
    outcome: d.outcome,
  };
}

const sec = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
const num = (n: number | null, unit: string) => (n === null ? 'n/a' : `${Math.round(n * 10) / 10}${unit}`);

export function explainDecision(input: DecideInput, d: Decision, now: number): ContainerWhy {
  const c = input.container;
  const lc = input.limits.lifecycle;
  const l = input.limits.limits;
  const latest = input.samples[input.samples.length - 1];
  const text: string[] = [];
  const at = (t: number) => localWhen(t);

  text.push(`${c.project} is ${c.state}.`);
  if (c.state === 'paused')
    text.push(
      `Paused: its processes are frozen and it keeps its GPU; it is not stopped for idleness, ${lc.maxPauseMs === null ? 'and no max_pause applies' : `but is stopped after ${humanDuration(lc.maxPauseMs)} paused (max_pause)`}. \`container-unpause ${c.project}\` resumes it.`,
    );
  else if (c.state === 'running') {
    if (latest) {
      text.push(
        `Activity ${humanDuration(now - latest.ts)} ago: GPU ${latest.gpuUtilPct !== null ? num(latest.gpuUtilPct, '%') : latest.gpuProcesses !== null ? `${latest.gpuProcesses} process(es) on its slice` : 'none held'}, CPU ${num(latest.cpuPct, '%')}, network ${latest.netBytesPerSec === null ? 'n/a' : formatRate(latest.netBytesPerSec)}, ${latest.sessions} ds01 session(s) attached (shell, SSH or forwarded port).`,
      );
    } else text.push('No activity sample yet.');
    text.push(
      `Idle means: GPU under ${lc.gpuIdleThresholdPct}% (MIG: no process on the slice), CPU under ${lc.cpuIdleThresholdPct}%, network under ${formatRate(lc.networkIdleThresholdBytesPerSec)}, no ds01 shell, SSH session or forwarded connection, for ${lc.idleDetectionWindow} samples in a row, after a ${humanDuration(lc.startupGraceMs)} start-up grace.`,
    );
    const idle = d.idle;
    if (idle) {
      if (idle.inGrace) text.push(`It is in its start-up grace until ${at(idle.graceEndsAt ?? now)}.`);
      else if (idle.idleSince !== null) text.push(`It has been idle since ${at(idle.idleSince)}.`);
      else if (idle.busy.length) text.push(`It is busy: ${idle.busy.join('; ')}.`);
      else text.push(`Quiet for ${idle.quietSamples} of the ${idle.window} samples needed.`);
      text.push(
        `Idle timeout: ${limitText(idle.timeoutMs)}${idle.highDemand ? ` (shortened: GPUs are in high demand)` : ''}.`,
      );
      if (idle.keepAlive === 'honoured')
        text.push(`Its keep-alive file is honoured for up to ${limitText(lc.keepAliveMaxMs)} of idleness.`);
      if (idle.keepAlive === 'past-cap')
        text.push(
          `Its keep-alive file no longer counts: it has been idle longer than ${limitText(lc.keepAliveMaxMs)}.`,
        );
    }
    if (d.runtime) {
      text.push(
        `Runtime: ${humanDuration(d.runtime.usedMs)} used of ${limitText(d.runtime.limitMs)} (across restarts; ${c.extensions} of ${l.maxExtensions} extension(s) used).`,
      );
    }
  }
  for (const e of d.exempt) text.push(`Exempt: ${e}.`);
  if (d.deadline) {
    const when =
      d.deadline.at <= now ? 'now' : `at ${at(d.deadline.at)} (in ${humanDuration(d.deadline.at - now)})`;
    const what = {
      stop: 'It will be stopped',
      remove: 'It will be removed (the workspace is kept)',
      'release-gpu': 'Its GPU will be released',
    }[d.deadline.outcome];
    // The reason without its own "will be stopped in …" lead: one sentence says one thing.
    const why = d.reason.includes(': ') ? d.reason.slice(d.reason.indexOf(': ') + 2) : d.reason;
    text.push(`${what} ${when}: ${why}.`);
    if (d.deadline.kind === 'runtime' && l.extensionMs !== null && c.extensions < l.maxExtensions)
      text.push(`You can add up to ${humanDuration(l.extensionMs)}: container-extend ${c.project}.`);
    if (d.deadline.kind === 'idle')
      text.push(
        `Use it, or create ~/workspace/${c.project}/.keep-alive to keep it up to ${limitText(lc.keepAliveMaxMs)} while idle.`,
      );
  } else text.push(`Nothing is scheduled: ${d.reason}.`);
  const b = input.booking;
  if (b && d.deadline?.kind !== 'booking' && (c.state === 'running' || c.state === 'paused'))
    text.push(
      `Its GPU slot is booked by ${b.maintenance ? 'an admin for maintenance' : 'someone'} from ${at(b.at)}: it is stopped then at the latest.`,
    );
  if (d.deadline?.kind === 'booking')
    text.push('Save your work before then; `ds01 book list --all` shows when slots are booked.');

  return {
    id: c.id,
    name: c.project,
    owner: c.ownerName,
    state: c.state,
    action: d.action,
    reason: d.reason,
    deadline: deadlineInfo(d.deadline, now),
    signals: latest
      ? {
          at: new Date(latest.ts).toISOString(),
          gpuUtilPct: latest.gpuUtilPct,
          gpuProcesses: latest.gpuProcesses,
          cpuPct: latest.cpuPct,
          netBytesPerSec: latest.netBytesPerSec,
          sessions: latest.sessions,
        }
      : null,
    thresholds: {
      gpuUtilPct: lc.gpuIdleThresholdPct,
      cpuPct: lc.cpuIdleThresholdPct,
      netBytesPerSec: lc.networkIdleThresholdBytesPerSec,
      window: lc.idleDetectionWindow,
      graceSec: Math.round(lc.startupGraceMs / 1000),
    },
    idle: d.idle
      ? {
          quietSamples: d.idle.quietSamples,
          window: d.idle.window,
          idleSince: d.idle.idleSince === null ? null : new Date(d.idle.idleSince).toISOString(),
          timeoutSec: sec(d.idle.timeoutMs),
          highDemand: d.idle.highDemand,
          keepAlive: d.idle.keepAlive,
          inGrace: d.idle.inGrace,
          busy: d.idle.busy,
        }
      : null,
    runtime: d.runtime
      ? {
          usedSec: Math.round(d.runtime.usedMs / 1000),
          limitSec: sec(d.runtime.limitMs),
          extensions: c.extensions,
          maxExtensions: l.maxExtensions,
          extensionSec: sec(l.extensionMs),
        }
      : null,
    exempt: d.exempt,
    text,
  };
}

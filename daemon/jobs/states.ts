// Pure: a job's states, how one ends (from its exit and why ds01 stopped it, if it did), and what a
// dependency's state means for the job waiting on it (`--after`, Slurm's afterok).
export type JobState =
  | 'pending' // waiting for its --after dependency
  | 'queued' // in the GPU queue
  | 'starting' // its container is being created and started
  | 'running'
  | 'completed' // exited 0
  | 'failed' // exited non-zero, could not start, or its dependency failed
  | 'cancelled' // by its owner or an admin
  | 'timed_out' // stopped at its --time (or max_runtime)
  | 'lost'; // its container vanished while ds01d was not watching

export const ACTIVE_STATES: readonly JobState[] = ['pending', 'queued', 'starting', 'running'];
export const FINAL_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled', 'timed_out', 'lost'];

export function isFinal(s: JobState): boolean {
  return FINAL_STATES.includes(s);
}

/** Why ds01 itself stopped a running job (recorded before the stop, read when the exit arrives). */
export interface StopIntent {
  kind: 'cancel' | 'timeout' | 'stop';
  reason: string;
  /** The owner asked for it: no notice telling them what they just did. */
  byOwner?: boolean;
}

export interface JobExit {
  exitCode: number | null;
  oomKilled?: boolean;
}

function signalOf(code: number): string | null {
  if (code === 137) return 'killed (SIGKILL)';
  if (code === 143) return 'terminated (SIGTERM)';
  return null;
}

/** The final state and its reason, in words a user can act on. */
export function outcomeOf(exit: JobExit, intent: StopIntent | null): { state: JobState; reason: string } {
  const code = exit.exitCode;
  if (intent?.kind === 'cancel') return { state: 'cancelled', reason: intent.reason };
  if (intent?.kind === 'timeout') return { state: 'timed_out', reason: intent.reason };
  if (intent?.kind === 'stop') return { state: 'failed', reason: `stopped by ds01d: ${intent.reason}` };
  if (code === 0) return { state: 'completed', reason: 'exited with code 0' };
  if (exit.oomKilled)
    return {
      state: 'failed',
      reason: `killed for using more memory than its limit (exit code ${code ?? '?'}); see \`check-limits\``,
    };
  if (code === null) return { state: 'failed', reason: 'ended without an exit code' };
  const sig = signalOf(code);
  if (code === 125)
    return { state: 'failed', reason: 'could not start the command (exit code 125); see its log' };
  if (code === 127) return { state: 'failed', reason: 'command not found in the image (exit code 127)' };
  return { state: 'failed', reason: `exited with code ${code}${sig ? `: ${sig}` : ''}` };
}

export type DependencyVerdict = { kind: 'go' } | { kind: 'wait' } | { kind: 'fail'; reason: string };

/** What a job submitted with `--after dep` does now, given the dependency's row. */
export function dependencyVerdict(dep: {
  id: number;
  state: JobState;
  reason: string | null;
}): DependencyVerdict {
  if (dep.state === 'completed') return { kind: 'go' };
  if (!isFinal(dep.state)) return { kind: 'wait' };
  const why = dep.state === 'failed' && dep.reason ? `: ${dep.reason}` : '';
  return {
    kind: 'fail',
    reason: `dependency job ${dep.id} did not complete successfully (${dep.state.replace('_', ' ')}${why})`,
  };
}

/** What cancel does in each state. */
export function cancelAction(s: JobState): 'end-now' | 'leave-queue' | 'stop-container' | 'already-ended' {
  if (s === 'pending') return 'end-now';
  if (s === 'queued') return 'leave-queue';
  if (s === 'starting' || s === 'running') return 'stop-container';
  return 'already-ended';
}

/** The exit status `job wait` gives: the job's own exit code, else 1 for a job that never exited itself. */
export function waitExitCode(j: { state: JobState; exit_code: number | null }): number {
  if (j.state === 'completed') return 0;
  if (j.exit_code !== null && j.exit_code > 0 && j.exit_code < 256) return j.exit_code;
  return 1;
}

import { describe, expect, it } from 'vitest';
import { cancelAction, dependencyVerdict, isFinal, outcomeOf, waitExitCode } from './states.js';

describe('outcomeOf', () => {
  it('exit 0 completes; anything else fails with the code in words', () => {
    expect(outcomeOf({ exitCode: 0 }, null).state).toBe('completed');
    expect(outcomeOf({ exitCode: 3 }, null)).toEqual({ state: 'failed', reason: 'exited with code 3' });
    expect(outcomeOf({ exitCode: 137 }, null).reason).toContain('SIGKILL');
    expect(outcomeOf({ exitCode: 127 }, null).reason).toContain('command not found');
    expect(outcomeOf({ exitCode: 137, oomKilled: true }, null).reason).toContain('memory');
  });

  it("ds01's own stop decides the state, whatever the exit code", () => {
    expect(outcomeOf({ exitCode: 143 }, { kind: 'cancel', reason: 'cancelled by alice' })).toEqual({
      state: 'cancelled',
      reason: 'cancelled by alice',
    });
    expect(outcomeOf({ exitCode: 0 }, { kind: 'timeout', reason: 'time limit 5s reached' }).state).toBe(
      'timed_out',
    );
    expect(outcomeOf({ exitCode: 143 }, { kind: 'stop', reason: 'idle' }).state).toBe('failed');
  });
});

describe('dependencyVerdict (afterok)', () => {
  it('goes after success, waits while active, fails after anything else with the reason', () => {
    expect(dependencyVerdict({ id: 1, state: 'completed', reason: null })).toEqual({ kind: 'go' });
    for (const s of ['pending', 'queued', 'starting', 'running'] as const)
      expect(dependencyVerdict({ id: 1, state: s, reason: null })).toEqual({ kind: 'wait' });
    const v = dependencyVerdict({ id: 7, state: 'failed', reason: 'exited with code 2' });
    expect(v).toEqual({
      kind: 'fail',
      reason: 'dependency job 7 did not complete successfully (failed: exited with code 2)',
    });
    expect(dependencyVerdict({ id: 7, state: 'timed_out', reason: 'x' })).toMatchObject({ kind: 'fail' });
    expect(dependencyVerdict({ id: 7, state: 'cancelled', reason: 'x' })).toMatchObject({ kind: 'fail' });
  });
});

describe('cancel and wait', () => {
  it('cancel acts by state', () => {
    expect(cancelAction('pending')).toBe('end-now');
    expect(cancelAction('queued')).toBe('leave-queue');
    expect(cancelAction('running')).toBe('stop-container');
    expect(cancelAction('starting')).toBe('stop-container');
    expect(cancelAction('completed')).toBe('already-ended');
  });

  it("wait's exit status is the job's own", () => {
    expect(waitExitCode({ state: 'completed', exit_code: 0 })).toBe(0);
    expect(waitExitCode({ state: 'failed', exit_code: 3 })).toBe(3);
    expect(waitExitCode({ state: 'cancelled', exit_code: null })).toBe(1);
    expect(waitExitCode({ state: 'lost', exit_code: null })).toBe(1);
    expect(isFinal('lost')).toBe(true);
    expect(isFinal('running')).toBe(false);
  });
});

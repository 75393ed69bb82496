import { describe, expect, it } from 'vitest';
import { runSaga, type Step } from './saga.js';

function recorder() {
  const log: string[] = [];
  const step = (name: string, opts: { fail?: boolean; undoFails?: boolean; undoOnFailure?: boolean } = {}) =>
    ({
      name,
      undoOnFailure: opts.undoOnFailure,
      run: () => {
        log.push(`run ${name}`);
        if (opts.fail) throw new Error(`${name} failed`);
      },
      undo: () => {
        log.push(`undo ${name}`);
        if (opts.undoFails) throw new Error(`undo ${name} failed`);
      },
    }) satisfies Step<unknown>;
  return { log, step };
}

describe('runSaga', () => {
  it('runs every step in order and undoes nothing when all succeed', async () => {
    const { log, step } = recorder();
    await runSaga([step('a'), step('b')], null, () => undefined);
    expect(log).toEqual(['run a', 'run b']);
  });

  it('undoes the steps that ran, newest first, and rethrows the failure', async () => {
    const { log, step } = recorder();
    await expect(
      runSaga([step('a'), step('b'), step('c', { fail: true }), step('d')], null, () => undefined),
    ).rejects.toThrow('c failed');
    expect(log).toEqual(['run a', 'run b', 'run c', 'undo b', 'undo a']);
  });

  it('undoes a step that failed half-way when it asks to be', async () => {
    const { log, step } = recorder();
    await expect(
      runSaga([step('a'), step('b', { fail: true, undoOnFailure: true })], null, () => undefined),
    ).rejects.toThrow('b failed');
    expect(log).toEqual(['run a', 'run b', 'undo b', 'undo a']);
  });

  it('reports a compensation that fails and still runs the rest', async () => {
    const { log, step } = recorder();
    const failed: string[] = [];
    await expect(
      runSaga([step('a'), step('b', { undoFails: true }), step('c', { fail: true })], null, (name) =>
        failed.push(name),
      ),
    ).rejects.toThrow('c failed');
    expect(log).toEqual(['run a', 'run b', 'run c', 'undo b', 'undo a']);
    expect(failed).toEqual(['b']);
  });
});

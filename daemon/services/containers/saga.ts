// A saga: ordered steps, each with the compensation that undoes it. When a step fails, the steps that
// ran are undone newest first, then the step's error is thrown again. A compensation that fails is
// reported and the rest still run: cleanup never stops half-way.

export interface Step<S> {
  name: string;
  run(state: S): Promise<void> | void;
  /** Undo what `run` did; called only when `run` returned (or, for `undoOnFailure`, also when it threw). */
  undo?(state: S, err: unknown): Promise<void> | void;
  /** `run` can fail half-way through: call `undo` for it too, which must check what was done. */
  undoOnFailure?: boolean;
}

export async function runSaga<S>(
  steps: readonly Step<S>[],
  state: S,
  onUndoError: (step: string, err: unknown) => void,
): Promise<void> {
  const done: Step<S>[] = [];
  try {
    for (const step of steps) {
      try {
        await step.run(state);
      } catch (err) {
        if (step.undoOnFailure) done.push(step);
        throw err;
      }
      done.push(step);
    }
  } catch (err) {
    for (const step of done.reverse()) {
      if (!step.undo) continue;
      try {
        await step.undo(state, err);
      } catch (e) {
        onUndoError(step.name, e);
      }
    }
    throw err;
  }
}

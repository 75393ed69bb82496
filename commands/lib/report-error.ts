// How a failed command reaches its user (DESIGN.md §10): prose on stderr with the daemon's hint, or with
// --json the same error as data on stdout, and the exit code for its kind. Without commander, so the
// leaves (leaves/run.ts) report as the tree does; tree.ts adds commander's own usage errors.
import { ApiError, DaemonUnreachableError } from './client.js';
import type { Ctx } from './context.js';
import { paint } from './output.js';
import { PromptCancelled, UsageError } from './prompts.js';

/** The `{"error":…}` a --json caller gets on stdout instead of prose, so scripts can branch on `code`. */
export interface JsonError {
  error: { code: string; message: string; hint?: string };
}

/** A failure other than commander's as `{"error":…}`, with its exit code. */
export function failureAsJson(err: unknown): { body: JsonError; exit: number } {
  const body = (code: string, message: string, hint?: string): JsonError => ({
    error: { code, message, ...(hint ? { hint } : {}) },
  });
  if (err instanceof UsageError) return { body: body('USAGE', err.message), exit: 2 };
  if (err instanceof DaemonUnreachableError)
    return { body: body('DAEMON_UNREACHABLE', err.message), exit: err.exitCode };
  if (err instanceof ApiError) return { body: body(err.code, err.message, err.hint), exit: err.exitCode };
  return { body: body('INTERNAL', (err as Error)?.message ?? String(err)), exit: 1 };
}

/** Tells the user what failed (and with --json, prints it as data too); returns the exit code. */
export function reportFailure(ctx: Ctx, err: unknown, json = false): number {
  const p = paint(ctx.io);
  if (err instanceof PromptCancelled) {
    ctx.io.err('\n');
    return 130;
  }
  if (json) {
    // The prose goes to stderr as usual; stdout carries the same error as data.
    const { body, exit } = failureAsJson(err);
    ctx.io.out(`${JSON.stringify(body)}\n`);
    ctx.io.err(`${p.red('ds01:')} ${body.error.message}\n`);
    return exit;
  }
  if (err instanceof UsageError) {
    ctx.io.err(`${p.red('ds01:')} ${err.message}\n`);
    return 2;
  }
  if (err instanceof DaemonUnreachableError) {
    ctx.io.err(`${p.red('ds01:')} ${err.message}\n`);
    return 5;
  }
  if (err instanceof ApiError) {
    ctx.io.err(`${p.red('ds01:')} ${err.message}\n`);
    if (err.hint) ctx.io.err(`  ${p.dim('hint:')} ${err.hint}\n`);
    return err.exitCode;
  }
  ctx.io.err(`${p.red('ds01:')} ${(err as Error)?.message ?? String(err)}\n`);
  return 1;
}

import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, errorAsJson } from './cli.js';
import { ApiError, DaemonUnreachableError } from './lib/client.js';
import type { Ctx } from './lib/context.js';
import { UsageError } from './lib/prompts.js';

const ctx = {
  client: {} as Ctx['client'],
  io: { out: () => undefined, err: () => undefined, isTTY: false, color: false, columns: 80 },
} as Ctx;

function* commands(c: Command, path: string[] = []): Generator<[string, Command]> {
  for (const sub of c.commands) {
    const p = [...path, sub.name()];
    yield [p.join(' '), sub];
    yield* commands(sub, p);
  }
}

describe('the command tree', () => {
  it('-y works wherever --yes does', () => {
    const program = buildProgram(ctx, () => undefined);
    const withYes = [...commands(program)].filter(([, c]) => c.options.some((o) => o.long === '--yes'));
    expect(withYes.length).toBeGreaterThan(3);
    for (const [name, c] of withYes) {
      const yes = c.options.find((o) => o.long === '--yes');
      expect([name, yes?.short]).toEqual([name, '-y']);
    }
  });
});

describe('errorAsJson', () => {
  it('carries the daemon code, message and hint, with the usual exit code', () => {
    const q = errorAsJson(new ApiError('QUOTA_EXCEEDED', 'over your limit', 403, 'retire one'));
    expect(q).toEqual({
      body: { error: { code: 'QUOTA_EXCEEDED', message: 'over your limit', hint: 'retire one' } },
      exit: 3,
    });
    expect(errorAsJson(new UsageError('give a name'))).toEqual({
      body: { error: { code: 'USAGE', message: 'give a name' } },
      exit: 2,
    });
    const gone = errorAsJson(
      new DaemonUnreachableError('/run/ds01/ds01.sock', Object.assign(new Error('x'), { code: 'ENOENT' })),
    );
    expect(gone.exit).toBe(5);
    expect(gone.body.error.code).toBe('DAEMON_UNREACHABLE');
  });
});

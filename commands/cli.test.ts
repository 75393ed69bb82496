import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ALIASES, buildProgram, errorAsJson } from './cli.js';
import { EXAMPLES, NO_JSON } from './help/examples.js';
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

/** An example line's words, before its `#` comment; quoted parts kept whole. */
function words(line: string): string[] {
  const code = line.replace(/\s+#.*$/, '');
  return (code.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^["']|["']$/g, ''));
}

/** The command an example runs (`ds01 a b`, `container-deploy …`) and the words after it. */
function resolveExample(program: Command, line: string): { path: string; cmd: Command; rest: string[] } {
  let argv = words(line);
  if (argv[0] === 'ds01') argv = argv.slice(1);
  else if (ALIASES[argv[0] ?? '']) argv = [...(ALIASES[argv[0] ?? ''] ?? []), ...argv.slice(1)];
  else if (argv[0] === 'ssh')
    return { path: 'ssh-proxy', cmd: program, rest: [] }; // runs under ssh
  else throw new Error(`example "${line}" does not start with ds01 or a ds01 program name`);
  let cmd = program;
  const path: string[] = [];
  while (argv.length) {
    const next = cmd.commands.find((c) => c.name() === argv[0] || c.aliases().includes(argv[0] ?? ''));
    if (!next) break;
    cmd = next;
    path.push(next.name());
    argv = argv.slice(1);
  }
  // A group with a default sub-command (`ds01 gpu`) runs that one.
  const dflt = (cmd as unknown as { _defaultCommandName?: string })._defaultCommandName;
  if (cmd.commands.length && dflt) {
    const d = cmd.commands.find((c) => c.name() === dflt);
    if (d) return { path: [...path, d.name()].join(' '), cmd: d, rest: argv };
  }
  return { path: path.join(' '), cmd, rest: argv };
}

describe('every command teaches and answers scripts (issue 21)', () => {
  const program = buildProgram(ctx, () => undefined);
  const all = [['', program] as [string, Command], ...commands(program)];

  it('has --json, or a written reason in NO_JSON (commands/help/examples.ts)', () => {
    const missing = all
      .filter(([name, c]) => name !== '' && !c.commands.length)
      .filter(([name, c]) => !c.options.some((o) => o.long === '--json') && !NO_JSON[name])
      .map(([name]) => name);
    expect(
      missing,
      `add .option('--json', 'machine-readable output') to these commands and print the result with printJson (or, when stdout is not data, add a reason to NO_JSON in commands/help/examples.ts): ${missing.join(', ')}`,
    ).toEqual([]);
    const stale = Object.keys(NO_JSON).filter((n) => !all.some(([name]) => name === n));
    expect(stale, 'NO_JSON names commands that no longer exist').toEqual([]);
  });

  it('has an Examples section in --help (EXAMPLES in commands/help/examples.ts)', () => {
    const missing = all.filter(([name]) => !EXAMPLES[name]?.length).map(([name]) => name || '(ds01)');
    expect(
      missing,
      `add example lines for these commands to EXAMPLES in commands/help/examples.ts: ${missing.join(', ')}`,
    ).toEqual([]);
    let help = '';
    const c = all.find(([n]) => n === 'container deploy')?.[1];
    c?.configureOutput({ writeOut: (s) => (help += s) });
    c?.outputHelp();
    expect(help).toMatch(/Examples:\n {2}\$ container-deploy my-project/);
  });

  it('runs each example under the command it is listed for, with flags that command has', () => {
    const wrong: string[] = [];
    for (const [name, lines] of Object.entries(EXAMPLES)) {
      for (const line of lines) {
        if (name === '') continue; // the top level shows a tour of other commands
        const { path, cmd, rest } = resolveExample(program, line);
        if (name === 'ssh-proxy') continue;
        const group = all.find(([n]) => n === name)?.[1];
        // A group's examples may run any of its commands.
        if (path !== name && !(group?.commands.length && path.startsWith(`${name} `)))
          wrong.push(`${name}: "${line}" runs \`${path}\``);
        for (const w of rest.filter((x) => x.startsWith('-') && x !== '--')) {
          if (rest.indexOf('--') >= 0 && rest.indexOf(w) > rest.indexOf('--')) continue;
          if (!cmd.options.some((o) => o.long === w || o.short === w || o.long === `--no-${w.slice(2)}`))
            wrong.push(`${name}: "${line}" uses ${w}, which \`${path}\` does not have`);
        }
      }
    }
    expect(wrong).toEqual([]);
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

describe('ds01 help', () => {
  const run = async (argv: string[], columns = 80) => {
    let out = '';
    let err = '';
    const io = {
      out: (s: string) => (out += s),
      err: (s: string) => (err += s),
      isTTY: true,
      color: false,
      columns,
    };
    let code = 0;
    const program = buildProgram({ ...ctx, io } as Ctx, (c) => {
      code = c;
    });
    await program.parseAsync(argv, { from: 'user' }).catch(() => (code = 2));
    return { out, err, code };
  };

  it('concepts explains each idea, fitted to the terminal', async () => {
    const r = await run(['help', 'concepts'], 60);
    for (const t of ['GPU slots', 'MIG', 'Quotas', 'Holds', 'Idle', 'The queue'])
      expect(r.out.toLowerCase()).toContain(t.toLowerCase());
    expect(r.out.split('\n').filter((l) => l.length > 60)).toEqual([]);
  });

  it('shows a command by its program name, with its examples, and refuses an unknown one', async () => {
    const r = await run(['help', 'container-logs']);
    expect(r.out).toContain('Usage: ds01 container logs');
    expect(r.out).toContain('$ container-logs my-project --json');
    expect((await run(['help', 'nope'])).code).toBe(2);
  });
});

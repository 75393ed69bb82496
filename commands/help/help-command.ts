// `ds01 help [COMMAND…]` (commander's own help command is switched off for this one): help on any
// command, by its words or its program name (`help container-deploy`), and `help concepts`.
import type { Command } from 'commander';
import type { Ctx } from '../lib/context.js';
import { UsageError } from '../lib/prompts.js';
import { conceptsText } from './concepts.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export function addHelpCommand(
  program: Command,
  ctx: Ctx,
  act: Act,
  aliases: Record<string, string[]>,
): void {
  program.helpCommand(false);
  program
    .command('help [command...]')
    .description(
      'help on a command; `help concepts`: slots, MIG, quotas, holds, idle and the queue explained',
    )
    .action(
      act(async (words: string[] = []) => {
        if (words.length === 1 && words[0] === 'concepts') {
          ctx.io.out(conceptsText(ctx.io));
          return 0;
        }
        const path = words.length === 1 && aliases[words[0] ?? ''] ? (aliases[words[0] ?? ''] ?? []) : words;
        let cmd: Command = program;
        for (const w of path) {
          const next = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
          if (!next)
            throw new UsageError(
              `no command "${path.join(' ')}"; \`ds01 help\` lists them, \`ds01 help concepts\` explains the ideas`,
            );
          cmd = next;
        }
        cmd.outputHelp();
        return 0;
      }),
    );
}

// Access into containers from a laptop: `ds01 ssh-proxy`, `ssh-config`, `jupyter`, `ports`.
import type { Command } from 'commander';
import type { Ctx } from './lib/context.js';
import { runJupyter } from './user/jupyter.js';
import { runPorts } from './user/ports.js';
import { runSshConfig } from './user/ssh-config.js';
import { runSshProxy } from './user/ssh-proxy.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export function addAccessCommands(program: Command, ctx: Ctx, act: Act): void {
  program
    .command('ssh-proxy <name>')
    .description('OpenSSH ProxyCommand: stdin/stdout become SSH into your container (see ssh-config)')
    .action(act((name: string) => runSshProxy(ctx, name)));
  program
    .command('ssh-config [names...]')
    .description(
      'the `Host NAME.ds01` blocks for ssh, scp, rsync and VS Code Remote-SSH (default: all your containers)',
    )
    .option('--host <server>', 'the server as your laptop reaches it with ssh (ProxyCommand hops through it)')
    .option('--write <file>', 'merge the blocks into this file (e.g. ~/.ssh/config); other entries are kept')
    .option('--ds01 <path>', 'the ds01 program on the server (default: ds01)')
    .option('--known-hosts', "print the containers' host keys as known_hosts lines instead")
    .option('--json', 'each container as {container, alias, user, fingerprint, knownHosts, block}')
    .action(act((names: string[], o) => runSshConfig(ctx, names, o)));
  program
    .command('jupyter <name>')
    .description('start JupyterLab in a container and print how to open it from your laptop')
    .option('--port <port>', 'port inside the container (default 8888)')
    .option('--json', 'machine-readable output')
    .action(act((name: string, o) => runJupyter(ctx, name, o)));
  program
    .command('ports <name>')
    .description('what listens inside a container, and the ssh -L line for each port')
    .option('--json', 'machine-readable output')
    .action(act((name: string, o: { json?: boolean }) => runPorts(ctx, name, o)));
}

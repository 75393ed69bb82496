// user-setup: a student's first session. Checks the daemon answers, explains their limits, sets up SSH
// the safe way (the key pair stays on the laptop: we only ever take a PUBLIC key), shows how the laptop
// reaches containers (NAME.ds01 blocks from `ds01 ssh-config`: ssh, scp, VS Code, `ds01 jupyter`), then
// runs project-init and container-deploy. --quick skips the explanations; every
// question has a flag, so it also runs without a terminal.
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { GpuAvailabilityReport, LimitsReport } from '../../daemon/api/types/index.js';
import { ApiError } from '../lib/client.js';
import type { Ctx } from '../lib/context.js';
import { gpuAvailability } from '../lib/gpus.js';
import { myLimits } from '../lib/limits.js';
import { type Io, paint, printJson } from '../lib/output.js';
import { confirm, input, interactive, UsageError } from '../lib/prompts.js';
import { systemInfo, whoami } from '../lib/system.js';
import { ownImageRef } from './image-create.js';
import { type ProjectInitOpts, type ProjectInitResult, runProjectInit } from './project-init.js';

export interface UserSetupOpts extends ProjectInitOpts {
  quick?: boolean;
  project?: string | boolean; // --no-project sets false
  deploy?: boolean; // --no-deploy sets false
  pubkey?: string;
  pubkeyFile?: string;
  host?: string;
}

/** Runs another command through the CLI's own code path (container-deploy lives in its own module). */
/** Runs another ds01 command line; `io` (when given) receives its output instead of the terminal. */
export type RunCommand = (argv: string[], io?: Io) => Promise<number>;

const PUBLIC_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}(?: [^\n\r]{0,200})?$/;

/** A public key line, or why it is not one (a private key pasted by mistake is refused, not stored). */
export function checkPublicKey(text: string): string | true {
  const t = text.trim();
  if (/PRIVATE KEY/.test(t))
    return 'that is a PRIVATE key: never paste it anywhere; paste the .pub file instead';
  if (!PUBLIC_KEY.test(t))
    return 'not an SSH public key (it starts with ssh-ed25519, ssh-rsa or ecdsa-…; it is your ~/.ssh/id_ed25519.pub)';
  return true;
}

/** Add a public key to ~/.ssh/authorized_keys with the permissions sshd insists on; once only. */
export function addAuthorizedKey(home: string, key: string): 'added' | 'present' {
  const dir = join(home, '.ssh');
  const file = join(dir, 'authorized_keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const body = key.trim().split(' ').slice(0, 2).join(' ');
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (existing.split('\n').some((l) => l.includes(body))) return 'present';
  appendFileSync(file, `${existing && !existing.endsWith('\n') ? '\n' : ''}${key.trim()}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return 'added';
}

function limitsSummary(r: LimitsReport): string[] {
  const want = [
    'max_mig_instances',
    'max_gpu_equivalents',
    'max_containers_per_user',
    'max_cpus',
    'memory',
    'max_runtime',
    'idle_timeout',
  ];
  return r.limits.filter((l) => want.includes(l.key)).map((l) => `  ${l.key.padEnd(24)} ${l.display}`);
}

/**
 * What the limits mean on THIS server: how many of each kind of slot the user may hold at once (the
 * binding limit named), not the raw max_mig_instances that a GPU-equivalents cap may undercut.
 */
export function gpuRoom(a: GpuAvailabilityReport): string[] {
  const kinds = a.profiles.filter((g) => g.forYou.atOnce !== 0);
  const parts = kinds.map(
    (g) => `${g.forYou.atOnce ?? 'any number'}× ${g.profile === 'full' ? 'whole GPU' : g.profile}`,
  );
  const lines = [`  ${'GPU slots at once'.padEnd(24)} ${parts.length ? parts.join(' or ') : 'none'}`];
  const why = [...new Set(a.profiles.map((g) => g.forYou.binding).filter((b): b is string => !!b))];
  if (why.length) lines.push(`  ${'(limited by)'.padEnd(24)} ${why.join('; ')}`);
  lines.push(`  ${'free for you now'.padEnd(24)} ${a.you.canGetNow} slot(s) (see gpu-avail)`);
  return lines;
}

export async function runUserSetup(ctx: Ctx, o: UserSetupOpts, runCommand: RunCommand): Promise<number> {
  const p = paint(ctx.io);
  const say = (s = '') => ctx.io.err(`${s}\n`);
  const explain = (s: string) => {
    if (!o.quick) say(p.dim(s));
  };
  const heading = (n: number, s: string) => say(`\n${p.bold(`${n}. ${s}`)}`);

  heading(1, 'Access to ds01');
  const me = await whoami(ctx.client); // unreachable daemon → exit 5 with what to do
  const info = await systemInfo(ctx.client);
  say(
    `you are ${p.bold(me.name)} (uid ${me.uid})${me.admin ? ', a ds01 admin' : ''}; the daemon answers (ds01d ${info.version})`,
  );
  say(
    `GPUs: ${info.gpus.slots} slot(s), ${Math.max(0, info.gpus.available - info.gpus.allocated)} free now; Docker ${info.docker.reachable ? 'ok' : p.red('unreachable — tell an admin')}`,
  );

  heading(2, 'Your limits');
  try {
    const r = await myLimits(ctx.client);
    say(`group ${p.bold(r.group)}:`);
    for (const l of limitsSummary(r)) say(l);
    for (const l of gpuRoom(await gpuAvailability(ctx.client))) say(l);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'NOT_FOUND')) throw err;
    say('this server does not report limits yet; an admin can tell you yours');
  }
  explain(
    'Containers idle for longer than idle_timeout, or running longer than max_runtime, are stopped (you are warned first). Your files in ~/workspace stay.',
  );
  explain('See them any time with `check-limits`.');

  heading(3, 'SSH from your laptop');
  const host = o.host ?? hostname();
  const user = me.name;
  explain(
    'Your key pair is made and kept on YOUR laptop; only the public half comes here. On the laptop run:',
  );
  say(`  ssh-keygen -t ed25519            ${p.dim('# once; makes ~/.ssh/id_ed25519 and id_ed25519.pub')}`);
  let key = o.pubkey ?? (o.pubkeyFile ? readFileSync(o.pubkeyFile, 'utf8') : undefined);
  if (key === undefined && interactive() && !o.quick)
    key = await input(
      'Paste your laptop’s PUBLIC key (the line in ~/.ssh/id_ed25519.pub), or leave empty to skip',
      {
        flags: '--pubkey',
        default: '',
        validate: (v) => (v.trim() === '' ? true : checkPublicKey(v)),
      },
    );
  if (key?.trim()) {
    const ok = checkPublicKey(key);
    if (ok !== true) throw new UsageError(`--pubkey: ${ok}`);
    const r = addAuthorizedKey(homedir(), key);
    say(`${r === 'added' ? 'added' : 'already had'} that key in ~/.ssh/authorized_keys`);
  } else {
    say(
      `  ssh-copy-id ${user}@${host}        ${p.dim('# or append the .pub line to ~/.ssh/authorized_keys here')}`,
    );
  }
  say(`then add this to ${p.bold('~/.ssh/config')} on the laptop:`);
  say(`  Host ds01\n    HostName ${host}\n    User ${user}\n    IdentityFile ~/.ssh/id_ed25519`);

  heading(4, 'Your containers from the laptop: ssh, scp, rsync, VS Code, Jupyter');
  explain(
    'Each container is reachable as NAME.ds01 through ds01 itself (no sshd in it, no open port). Once, put this line at the TOP of ~/.ssh/config on the laptop:',
  );
  say('  Include ds01.conf');
  explain('and after each new container, refresh the blocks (one per container) from the laptop:');
  say(`  ssh ds01 ds01 ssh-config --host ds01 > ~/.ssh/ds01.conf`);
  explain(
    'Then: `ssh NAME.ds01` for a shell, `scp data.csv NAME.ds01:` (lands in /workspace), `rsync -a data/ NAME.ds01:/workspace/data/` (the image needs rsync).',
  );
  explain(
    'VS Code: install the "Remote - SSH" extension, "Remote-SSH: Connect to Host…" → NAME.ds01, and open /workspace.',
  );
  explain(
    'Jupyter: `ds01 jupyter NAME` starts it in the container and prints the `ssh -N -L 8888:localhost:8888 NAME.ds01` line to run on the laptop and the URL to open. Any other port (TensorBoard…): `ds01 ports NAME`. Nothing is exposed to the network.',
  );
  if (o.quick)
    say('laptop: Include ds01.conf; ssh ds01 ds01 ssh-config --host ds01 > ~/.ssh/ds01.conf; ssh NAME.ds01');

  if (o.project === false) {
    say(`\nnext: ${p.bold('project-init NAME')}, then ${p.bold('container-deploy NAME')}`);
    return 0;
  }
  heading(5, 'Your first project');
  const name =
    typeof o.project === 'string'
      ? o.project
      : await input('Project name', { default: 'my-project', flags: '--project NAME' });
  let project: ProjectInitResult | undefined;
  const code = await runProjectInit(ctx, name, { ...o, json: false, yes: o.yes || o.quick }, (r) => {
    project = r;
  });
  const summary = (container: unknown = null) =>
    o.json &&
    printJson(ctx.io, {
      user: me.name,
      uid: me.uid,
      project: project
        ? {
            name: project.name,
            directory: project.directory,
            dockerfile: project.dockerfile,
            built: project.outcome?.code === 0,
            image: project.outcome?.image ?? null,
          }
        : null,
      container,
    });
  if (code !== 0) {
    summary();
    return code;
  }

  if (o.deploy === false || o.build === false) {
    say(`\nnext: ${p.bold(`container-deploy ${name} --image ${ownImageRef(name, o.tag)}`)}`);
    summary();
    return 0;
  }
  heading(6, 'Your first container');
  if (
    !(await confirm(`Deploy a container for ${name} now?`, {
      yes: o.yes || o.quick,
      flags: '--yes or --no-deploy',
      default: true,
    }))
  ) {
    say(`\nnext: ${p.bold(`container-deploy ${name} --image ${ownImageRef(name, o.tag)}`)}`);
    summary();
    return 0;
  }
  const deploy = ['container', 'deploy', name, '--image', ownImageRef(name, o.tag), '--background', '--yes'];
  if (!o.json) return runCommand(deploy);
  // --json: the deploy's own JSON becomes the summary's `container` (stdout carries one document).
  let captured = '';
  const deployed = await runCommand([...deploy, '--json'], {
    ...ctx.io,
    out: (s) => {
      captured += s;
    },
  });
  let container: unknown = null;
  try {
    container = JSON.parse(captured);
  } catch {
    container = captured.trim() ? { output: captured.trim() } : null;
  }
  summary(container);
  return deployed;
}

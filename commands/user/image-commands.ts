// The image commands and the onboarding wizards in the command tree: `ds01 image create|list|update|
// delete`, `ds01 project init`, `ds01 user setup`, and their program names (image-create, …).
import type { Command } from 'commander';
import type { Ctx } from '../lib/context.js';
import { runImageCreate } from './image-create.js';
import { runImageDelete } from './image-delete.js';
import { runImageList } from './image-list.js';
import { runImageUpdate } from './image-update.js';
import { PROJECT_TYPES, runProjectInit } from './project-init.js';
import { runProjectLaunch } from './project-launch.js';
import { type RunCommand, runUserSetup } from './user-setup.js';

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;
const list = (v: string, prev: string[] = []) => [...prev, v];

/** The image-create flags, shared by project-init and user-setup (they make the Dockerfile too). */
function imageFlags(c: Command): Command {
  return c
    .option('--base <name|image>', 'framework from the catalogue (see the picker) or any image reference')
    .option('--jupyter', 'add JupyterLab (default)')
    .option('--no-jupyter', 'leave JupyterLab out')
    .option('--datascience', 'add numpy, pandas, scipy, scikit-learn, matplotlib, seaborn (default)')
    .option('--no-datascience', 'leave the data-science stack out')
    .option('--use-case <list>', 'cv, nlp, rl, llm, audio, timeseries (repeat or comma-separate)', list)
    .option('--pip <pkgs>', 'extra pip packages, e.g. "einops torch==2.5.1" (repeatable)', list)
    .option('--apt <pkgs>', 'apt packages, e.g. "libgl1 ffmpeg" (repeatable)', list)
    .option('--requirements <file>', 'add the packages of a requirements.txt')
    .option('--tag <tag>', 'image tag', 'latest')
    .option('--guided', 'explain each step')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--show', 'print the Dockerfile (shown anyway when you are asked to confirm)')
    .option('--force', 'replace an existing Dockerfile')
    .option('--no-build', 'write the Dockerfile, do not build it')
    .option('--json', 'the result as JSON on stdout (progress and questions stay on stderr)');
}

export function addImageCommands(program: Command, ctx: Ctx, act: Act, runCommand: RunCommand) {
  const image = program.command('image').description('your images');
  imageFlags(
    image
      .command('create [name]')
      .description('make a Dockerfile step by step (base, Jupyter, packages) and build it')
      .option('--dry-run', 'print the Dockerfile, write and build nothing'),
  ).action(act((name: string | undefined, o) => runImageCreate(ctx, name, o)));
  image
    .command('list')
    .alias('ls')
    .description('your images: size, age, containers using them')
    .option('--json', 'machine-readable output')
    .option('-a, --all', "admins: everyone's images")
    .option('--bases', "the base images of the policy's catalogue that are on this server")
    .action(act((o: { json?: boolean; all?: boolean; bases?: boolean }) => runImageList(ctx, o)));
  image
    .command('update [name]')
    .description('add packages to an image made by image-create and rebuild it')
    .option('--add <pkgs>', 'pip packages to add (repeatable)', list)
    .option('--add-system <pkgs>', 'apt packages to add (repeatable)', list)
    .option('--requirements <file>', 'add the packages of a requirements.txt')
    .option('--rebuild', 'rebuild (even with no change) without asking')
    .option('--no-cache', 'rebuild every step (fresh package versions)')
    .option('--tag <tag>', 'image tag', 'latest')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'the result as JSON on stdout (progress stays on stderr)')
    .action(act((name: string | undefined, o) => runImageUpdate(ctx, name, o)));
  image
    .command('delete <name>')
    .alias('rm')
    .description('delete one of your images (NAME or NAME:TAG)')
    .option('--force', 'delete even if containers use it (they keep running but cannot be recreated)')
    .option('--owner <user>', "admins: another user's image")
    .option('--json', 'machine-readable output')
    .action(act((name: string, o) => runImageDelete(ctx, name, o)));

  const project = program.command('project').description('your projects in ~/workspace');
  imageFlags(
    project
      .command('init [name]')
      .description('a new project: folders, README, .gitignore, requirements.txt, git, Dockerfile and image')
      .option('--type <type>', `project type: ${PROJECT_TYPES.join(', ')}`)
      .option('--no-git', 'do not run git init'),
  ).action(act((name: string | undefined, o) => runProjectInit(ctx, name, o)));
  project
    .command('launch <name>')
    .description(
      "build the project's image from its Dockerfile if missing or changed (with progress), then start or deploy its container",
    )
    .option('--rebuild', 'build the image even if it is up to date')
    .option('--tag <tag>', 'image tag', 'latest')
    .option('--gpus <n>', 'number of GPU slots for a new container (default 1)')
    .option('--mig <profile>', 'one MIG slot of this profile for a new container, e.g. 1g.10gb')
    .option('--cpu-only', 'no GPU')
    .option('-e, --env <NAME=VALUE>', 'an environment variable for a new container (repeatable)', list)
    .option('--background', 'leave it running in the background')
    .option('--open', 'open a shell in it when it is up')
    .option('--queue', 'if no GPU is free, wait in the queue (it deploys by itself)')
    .option('-y, --yes', 'no questions: defaults for anything not given')
    .option('--json', 'the result as JSON on stdout (build progress stays on stderr)')
    .action(act((name: string, o) => runProjectLaunch(ctx, name, o)));

  const user = program.command('user').description('your account on ds01');
  imageFlags(
    user
      .command('setup')
      .description('first-time setup: access, limits, SSH, VS Code/Jupyter, first project and container')
      .option('--quick', 'no explanations, defaults everywhere (for experienced users)')
      .option('--pubkey <key>', 'your laptop’s SSH PUBLIC key line, added to ~/.ssh/authorized_keys')
      .option('--pubkey-file <file>', 'the same, read from a .pub file')
      .option('--host <name>', 'host name for the ~/.ssh/config example (default: this machine)')
      .option('--project <name>', 'name of the first project')
      .option('--no-project', 'skip making a project')
      .option('--type <type>', `project type: ${PROJECT_TYPES.join(', ')}`)
      .option('--no-git', 'do not run git init')
      .option('--no-deploy', 'do not deploy a container at the end'),
  ).action(act((o) => runUserSetup(ctx, o, runCommand)));
}

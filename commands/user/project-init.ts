// project-init [NAME]: a data-science project in ~/workspace/NAME (layout, README, .gitignore,
// requirements.txt, git), its Dockerfile through image-create's own code, and the next command to run.
// Files that already exist are left alone, so running it again only adds what is missing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { USE_CASES } from '../../daemon/common/phases.js';
import type { Ctx } from '../lib/context.js';
import { paint } from '../lib/output.js';
import { confirm, select, UsageError } from '../lib/prompts.js';
import {
  type BuildOutcome,
  buildAndShow,
  type ImageCreateOpts,
  ownImageRef,
  printBuildResult,
  renderOrUsage,
  resolveName,
  specFrom,
  writeDockerfile,
} from './image-create.js';

export const PROJECT_TYPES = ['general', ...Object.keys(USE_CASES)] as const;

export interface ProjectInitOpts extends ImageCreateOpts {
  type?: string;
  git?: boolean; // --no-git sets false
}

const DIRS = ['data/raw', 'data/processed', 'notebooks', 'src', 'models', 'outputs'];

const GITIGNORE = `# data and results stay out of git (they live in data/, models/, outputs/)
data/
models/
outputs/
*.ckpt
*.pt
*.safetensors
__pycache__/
*.pyc
.ipynb_checkpoints/
.venv/
.env
`;

function readme(name: string, type: string): string {
  return `# ${name}

A ${type === 'general' ? '' : `${type} `}project on the ds01 GPU server.

| Path | What goes there |
| --- | --- |
| \`data/raw\` | original data, never edited (not in git) |
| \`data/processed\` | data your code derived (not in git) |
| \`notebooks/\` | Jupyter notebooks |
| \`src/\` | your Python code |
| \`models/\`, \`outputs/\` | checkpoints and results (not in git) |
| \`requirements.txt\` | extra Python packages: \`image-update ${name} --requirements requirements.txt\` |
| \`Dockerfile\` | the image, made by \`image-create\`; change it with \`image-update\` |

Run it: \`container-deploy ${name} --image ${ownImageRef(name)}\` (this folder is /workspace inside).
`;
}

/** Write a file only when it is not there yet; returns whether it was written. */
function add(path: string, text: string): boolean {
  if (existsSync(path)) return false;
  writeFileSync(path, text);
  return true;
}

function hasGit(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What project-init made (its --json, and what user-setup reports). */
export interface ProjectInitResult {
  name: string;
  directory: string;
  created: boolean;
  dockerfile: string;
  outcome?: BuildOutcome;
}

export async function runProjectInit(
  ctx: Ctx,
  nameArg: string | undefined,
  o: ProjectInitOpts,
  done?: (r: ProjectInitResult) => void,
): Promise<number> {
  let made: ProjectInitResult | undefined;
  const code = await projectInit(ctx, nameArg, o, (r) => {
    made = r;
  });
  if (made) {
    done?.(made);
    printBuildResult(ctx, o.json, { ...made });
  }
  return code;
}

async function projectInit(
  ctx: Ctx,
  nameArg: string | undefined,
  o: ProjectInitOpts,
  report: (r: ProjectInitResult) => void,
): Promise<number> {
  const p = paint(ctx.io);
  const name = await resolveName(nameArg, 'Project');
  const type =
    o.type ??
    (await select(
      'Project type',
      PROJECT_TYPES.map((t) => ({
        value: t,
        label:
          t === 'general'
            ? 'general — no field-specific packages'
            : `${t} — ${USE_CASES[t as keyof typeof USE_CASES].description}`,
      })),
      { default: 'general', flags: '--type general' },
    ));
  if (!(PROJECT_TYPES as readonly string[]).includes(type))
    throw new UsageError(`"${type}" is not a project type; choose from ${PROJECT_TYPES.join(', ')}`);
  const dir = join(homedir(), 'workspace', name);
  const existed = existsSync(dir);
  const spec = await specFrom(ctx, name, { ...o, useCase: o.useCase ?? (type === 'general' ? [] : [type]) });
  const dockerfile = renderOrUsage(spec); // checked before anything is written

  for (const d of DIRS) mkdirSync(join(dir, d), { recursive: true });
  for (const d of ['data/raw', 'data/processed', 'models', 'outputs']) add(join(dir, d, '.gitkeep'), '');
  add(join(dir, 'README.md'), readme(name, type));
  add(join(dir, '.gitignore'), GITIGNORE);
  add(join(dir, 'requirements.txt'), '# one package per line, e.g. einops or torch==2.5.1\n');
  add(join(dir, 'src', '__init__.py'), '');
  ctx.io.err(`${existed ? 'completed' : 'created'} ${dir}\n`);

  if (o.git !== false) {
    if (existsSync(join(dir, '.git'))) ctx.io.err('git: already a repository\n');
    else if (!hasGit())
      ctx.io.err(`${p.yellow('note:')} git is not installed here; skipped \`git init\` (run it later)\n`);
    else {
      execFileSync('git', ['init', '-q', dir], { stdio: 'ignore' });
      ctx.io.err('git: initialised (nothing committed yet)\n');
    }
  }

  const path = join(dir, 'Dockerfile');
  if (existsSync(path) && !o.force) ctx.io.err(`kept the existing ${path}\n`);
  else await writeDockerfile(ctx, path, dockerfile, { force: true });
  let built = false;
  const made: ProjectInitResult = { name, directory: dir, created: !existed, dockerfile: path };
  report(made);
  if (
    o.build !== false &&
    (await confirm(`Build the ${name} image now?`, {
      yes: o.yes,
      flags: '--yes or --no-build',
      default: true,
    }))
  ) {
    const outcome = await buildAndShow(ctx, name, readFileSync(path, 'utf8'), { tag: o.tag });
    made.outcome = outcome;
    if (outcome.code !== 0) return outcome.code;
    built = true;
  }
  ctx.io.err(
    `\nnext: ${p.bold(built ? `container-deploy ${name} --image ${ownImageRef(name, o.tag)}` : `image-update ${name} --rebuild`)}\n`,
  );
  return 0;
}

// image-create [NAME]: the phased Dockerfile wizard. Asks on a terminal (explaining each phase with
// --guided), runs from flags otherwise; writes the Dockerfile into the user's project (the CLI runs as
// the user, so the file is theirs), shows it, then builds it through the daemon.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type ImageSpec, renderDockerfile, SpecError } from '../../daemon/common/dockerfile.js';
import { isImageRef, NAME, NAME_RULE } from '../../daemon/common/names.js';
import { PackageError, parseRequirementsFile, splitList } from '../../daemon/common/packages.js';
import {
  isUseCase,
  PHASE_HELP,
  type SectionId,
  USE_CASES,
  type UseCase,
} from '../../daemon/common/phases.js';
import type { Ctx } from '../lib/context.js';
import { baseImages, buildExitCode, buildImage, dockerfilePath, showBuild } from '../lib/images.js';
import { paint, printJson } from '../lib/output.js';
import { confirm, input, interactive, multiselect, select, UsageError } from '../lib/prompts.js';

export interface ImageCreateOpts {
  base?: string;
  jupyter?: boolean;
  datascience?: boolean;
  useCase?: string[];
  pip?: string[];
  apt?: string[];
  requirements?: string;
  tag?: string;
  guided?: boolean;
  yes?: boolean;
  show?: boolean;
  force?: boolean;
  build?: boolean; // --no-build sets false
  dryRun?: boolean;
  json?: boolean;
}

const CUSTOM = '__custom__';

function explain(ctx: Ctx, guided: boolean | undefined, id: SectionId) {
  if (guided) ctx.io.err(`\n${paint(ctx.io).dim(PHASE_HELP[id])}\n`);
}

/** Read a requirements file into pip requirements, with the file's line numbers in any error. */
export function readRequirements(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    return parseRequirementsFile(text, file).map((r) => r.text);
  } catch (err) {
    if (err instanceof PackageError) throw new UsageError(`${err.message} (${err.hint})`);
    throw err;
  }
}

/** Flags and answers → an ImageSpec (every question has a flag; without a terminal the default is used). */
export async function specFrom(ctx: Ctx, name: string, o: ImageCreateOpts): Promise<ImageSpec> {
  const bases = await baseImages(ctx.client);
  explain(ctx, o.guided, 'base');
  let base = o.base;
  if (!base) {
    base = await select(
      'Base image',
      [
        ...bases.map((b) => ({ value: b.name, label: `${b.name} — ${b.description}` })),
        { value: CUSTOM, label: 'another image (type its name)' },
      ],
      { default: bases[0]?.name, flags: 'pass --base NAME (see the policy catalogue) or --base IMAGE:TAG' },
    );
    if (base === CUSTOM)
      base = await input('Image reference (e.g. ubuntu:22.04)', {
        flags: 'pass --base IMAGE:TAG',
        validate: (v) => isImageRef(v) || 'not an image reference like ubuntu:22.04',
      });
  }
  const entry = bases.find((b) => b.name === base);
  explain(ctx, o.guided, 'jupyter');
  const jupyter =
    o.jupyter ?? (await confirm('Add JupyterLab?', { flags: '--jupyter/--no-jupyter', default: true }));
  explain(ctx, o.guided, 'datascience');
  const dataScience =
    o.datascience ??
    (await confirm('Add the data-science stack (numpy, pandas, …)?', {
      flags: '--datascience/--no-datascience',
      default: true,
    }));
  explain(ctx, o.guided, 'usecases');
  const useCases =
    o.useCase !== undefined
      ? splitList(o.useCase)
      : await multiselect(
          'Use cases',
          Object.entries(USE_CASES).map(([k, v]) => ({ value: k, label: `${k} — ${v.description}` })),
          { default: [], flags: '--use-case cv,nlp' },
        );
  for (const u of useCases)
    if (!isUseCase(u))
      throw new UsageError(`"${u}" is not a use case; choose from ${Object.keys(USE_CASES).join(', ')}`);
  explain(ctx, o.guided, 'pip');
  let pip = splitList(o.pip);
  if (o.requirements) pip = [...pip, ...readRequirements(o.requirements)];
  else if (o.pip === undefined && interactive())
    pip = splitList(
      await input('Extra pip packages (space-separated, e.g. einops torch==2.5.1; empty for none)', {
        default: '',
        flags: '--pip',
      }),
    );
  explain(ctx, o.guided, 'system');
  let apt = splitList(o.apt);
  if (o.apt === undefined && interactive())
    apt = splitList(
      await input('System (apt) packages (space-separated; empty for none)', { default: '', flags: '--apt' }),
    );
  explain(ctx, o.guided, 'user');
  return {
    name,
    base: entry?.image ?? (base as string),
    ...(entry ? { baseLabel: entry.name } : {}),
    jupyter,
    dataScience,
    useCases: useCases as UseCase[],
    pip,
    apt,
  };
}

export function renderOrUsage(spec: ImageSpec): string {
  try {
    return renderDockerfile(spec);
  } catch (err) {
    if (err instanceof SpecError) throw new UsageError(`${err.message}\n  hint: ${err.hint}`);
    throw err;
  }
}

/** What a build ended with: its exit code, and the image when it was built. */
export interface BuildOutcome {
  code: number;
  image?: { ref: string; id: string; durationMs: number };
  error?: { code: string; message: string; hint?: string };
}

/** Build a Dockerfile through the daemon, showing progress on stderr. */
export async function buildAndShow(
  ctx: Ctx,
  name: string,
  dockerfile: string,
  o: { tag?: string; noCache?: boolean },
): Promise<BuildOutcome> {
  const last = await showBuild(
    ctx.io,
    buildImage(ctx.client, { name, tag: o.tag, noCache: o.noCache }, dockerfile),
  );
  if (last?.type === 'done')
    return { code: 0, image: { ref: last.ref, id: last.id, durationMs: last.durationMs } };
  if (last?.type === 'error')
    return {
      code: buildExitCode(last.code),
      error: { code: last.code, message: last.message, ...(last.hint ? { hint: last.hint } : {}) },
    };
  ctx.io.err('ds01: the build stream ended without a result\n');
  return { code: 1, error: { code: 'INTERNAL', message: 'the build stream ended without a result' } };
}

/**
 * The --json result of a command that writes a Dockerfile and may build it: printed on success and on a
 * failed build alike (a script reads `built` and `error`), progress having gone to stderr.
 */
export function printBuildResult(
  ctx: Ctx,
  json: boolean | undefined,
  r: { name: string; dockerfile: string; outcome?: BuildOutcome; [k: string]: unknown },
): void {
  if (!json) return;
  const { outcome, ...rest } = r;
  printJson(ctx.io, {
    ...rest,
    built: outcome?.code === 0,
    image: outcome?.image ?? null,
    ...(outcome?.error ? { error: outcome.error } : {}),
  });
}

export async function resolveName(name: string | undefined, what: string): Promise<string> {
  const n =
    name ??
    (await input(`${what} name (lower case, digits, - _ .)`, {
      flags: `give the name: \`${what === 'Image' ? 'image-create' : 'project-init'} NAME\``,
      validate: (v) => NAME.test(v) || `use ${NAME_RULE}`,
    }));
  if (!NAME.test(n)) throw new UsageError(`"${n}" is not a valid name: use ${NAME_RULE}`);
  return n;
}

/** Write the Dockerfile (refusing to overwrite one without --force or a yes on the terminal). */
export async function writeDockerfile(
  ctx: Ctx,
  path: string,
  text: string,
  o: { force?: boolean; yes?: boolean },
) {
  if (existsSync(path) && !o.force) {
    const ok = await confirm(`${path} exists. Replace it?`, {
      yes: o.yes,
      flags: 'pass --force to replace it, or use `image-update NAME` to change it',
    });
    if (!ok) throw new UsageError(`kept ${path}; use \`image-update\` to change it`);
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  ctx.io.err(`wrote ${path}\n`);
}

export async function runImageCreate(
  ctx: Ctx,
  nameArg: string | undefined,
  o: ImageCreateOpts,
): Promise<number> {
  const name = await resolveName(nameArg, 'Image');
  const spec = await specFrom(ctx, name, o);
  const text = renderOrUsage(spec);
  const path = dockerfilePath(name);
  const p = paint(ctx.io);
  // The whole file only when asked (--show) or when the user is about to confirm the build from it.
  if (o.show || (!o.yes && !o.dryRun && interactive()))
    ctx.io.err(
      `\n${p.bold(`Dockerfile for ${name}`)} (${path}):\n${p.dim('─'.repeat(40))}\n${text}${p.dim('─'.repeat(40))}\n`,
    );
  if (o.dryRun) {
    if (o.json)
      printJson(ctx.io, { name, dockerfile: path, text, written: false, built: false, image: null });
    else ctx.io.out(text);
    return 0;
  }
  await writeDockerfile(ctx, path, text, o);
  const result = { name, dockerfile: path, written: true };
  if (o.build === false) {
    ctx.io.err(`not built; build it with \`image-update ${name} --rebuild\`\n`);
    printBuildResult(ctx, o.json, result);
    return 0;
  }
  if (!(await confirm(`Build ${name} now?`, { yes: o.yes, flags: '--yes', default: true }))) {
    ctx.io.err(`build it later with \`image-update ${name} --rebuild\`\n`);
    printBuildResult(ctx, o.json, result);
    return 0;
  }
  const outcome = await buildAndShow(ctx, name, text, { tag: o.tag });
  if (outcome.code === 0)
    ctx.io.err(`next: ${p.bold(`container-deploy ${name} --image ${ownImageRef(name, o.tag)}`)}\n`);
  printBuildResult(ctx, o.json, { ...result, outcome });
  return outcome.code;
}

/** The full reference of the caller's own image (what container-deploy --image takes). */
export function ownImageRef(name: string, tag = 'latest'): string {
  return `ds01-${process.getuid?.() ?? 0}/${name}:${tag}`;
}

// project-launch NAME: the one command a returning student types. The project's image is made sure of
// (built from ~/workspace/NAME/Dockerfile, with progress, when it is missing or the Dockerfile changed
// since it was built), then the project's container is started if it exists or deployed if not.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { NAME, NAME_RULE } from '../../daemon/common/names.js';
import { startContainer } from '../lib/containers.js';
import type { Ctx } from '../lib/context.js';
import { dockerfilePath, listImages } from '../lib/images.js';
import { type Io, paint, printJson } from '../lib/output.js';
import { UsageError } from '../lib/prompts.js';
import { listContainers } from '../lib/system.js';
import { type DeployFlags, runContainerDeploy } from './container-deploy.js';
import { type BuildOutcome, buildAndShow, ownImageRef } from './image-create.js';

export interface ProjectLaunchOpts extends Omit<DeployFlags, 'image' | 'framework' | 'dryRun'> {
  rebuild?: boolean;
  tag?: string;
}

/**
 * Why the image must be built first, or null when the one there is current. PURE. The Dockerfile is
 * compared with when project-launch last built this very image (`builtAtMs`, recorded by us): Docker's
 * own Created is whole seconds, and a fully cached build hands back an image Created long before, which
 * would read as "changed" on every launch. An image made some other way falls back to Created.
 */
export function buildReason(
  image: { createdAt: string } | undefined,
  dockerfileMtimeMs: number,
  rebuild: boolean,
  builtAtMs: number | null = null,
): string | null {
  if (rebuild) return 'rebuilding as asked (--rebuild)';
  if (!image) return 'its image does not exist yet';
  const since = builtAtMs ?? Date.parse(image.createdAt) + 999;
  if (dockerfileMtimeMs > since) return 'its Dockerfile changed since the image was built';
  return null;
}

/** ~/.cache/ds01/project-launch.json: image ref → the image id project-launch built and when. */
const RECORD = join(homedir(), '.cache', 'ds01', 'project-launch.json');
type Records = Record<string, { imageId: string; at: number }>;

function readRecords(): Records {
  try {
    return JSON.parse(readFileSync(RECORD, 'utf8')) as Records;
  } catch {
    return {};
  }
}

/** Best effort: without the record the next launch falls back to the image's Created. */
function recordBuild(ref: string, imageId: string, at: number): void {
  try {
    mkdirSync(dirname(RECORD), { recursive: true });
    writeFileSync(RECORD, JSON.stringify({ ...readRecords(), [ref]: { imageId, at } }));
  } catch {}
}

export async function runProjectLaunch(ctx: Ctx, name: string, o: ProjectLaunchOpts): Promise<number> {
  if (!NAME.test(name)) throw new UsageError(`"${name}" is not a valid project name: use ${NAME_RULE}`);
  const p = paint(ctx.io);
  const say = (s: string) => ctx.io.err(`${s}\n`);
  const path = dockerfilePath(name);
  let text: string;
  let mtime: number;
  try {
    text = readFileSync(path, 'utf8');
    mtime = statSync(path).mtimeMs;
  } catch {
    throw new UsageError(
      `no Dockerfile for ${name} (looked for ${path}); make the project with \`project-init ${name}\` or its image with \`image-create ${name}\``,
    );
  }
  const ref = ownImageRef(name, o.tag);
  const image = (await listImages(ctx.client)).find((i) => i.ref === ref);
  const record = readRecords()[ref];
  const builtAt = record && image && record.imageId === image.id ? record.at : null;
  const why = buildReason(image, mtime, Boolean(o.rebuild), builtAt);
  let outcome: BuildOutcome | undefined;
  if (why) {
    say(`${p.bold(name)}: ${why}; building ${ref} from ${path}`);
    const startedAt = Date.now();
    outcome = await buildAndShow(ctx, name, text, { tag: o.tag });
    if (outcome.code === 0 && outcome.image) recordBuild(ref, outcome.image.id, startedAt);
    if (outcome.code !== 0) {
      if (o.json) printJson(ctx.io, { project: name, dockerfile: path, built: false, error: outcome.error });
      if (image) say(`${p.dim('the previous image is unchanged:')} ${ref}`);
      return outcome.code;
    }
  } else say(`${p.bold(name)}: image ${ref} is up to date`);
  const imageInfo = outcome?.image ?? (image ? { ref, id: image.id } : null);
  const result = (container: unknown, action: string) => ({
    project: name,
    dockerfile: path,
    built: Boolean(outcome),
    image: imageInfo,
    action,
    container,
  });

  const existing = (await listContainers(ctx.client)).find((c) => c.name === name);
  if (existing) {
    if (outcome)
      say(
        `note: container ${name} still runs the image it was made from; to move it to the new one: container-retire ${name} && project-launch ${name}`,
      );
    if (existing.state === 'running' || existing.state === 'paused') {
      say(
        `${name} is ${existing.state}${existing.state === 'paused' ? `; resume it with \`container-unpause ${name}\`` : `; open a shell with \`container-open ${name}\``}`,
      );
      if (o.json) printJson(ctx.io, result(existing, 'none'));
      return 0;
    }
    const started = await startContainer(ctx.client, name);
    say(`started ${name}; open a shell with \`container-open ${name}\``);
    if (o.json) printJson(ctx.io, result(started, 'started'));
    return 0;
  }
  const flags: DeployFlags = { ...o, image: ref };
  if (!o.json) return runContainerDeploy(ctx, name, flags);
  // --json: the deploy's own JSON becomes `container` (stdout carries one document).
  let captured = '';
  const io: Io = {
    ...ctx.io,
    out: (s) => {
      captured += s;
    },
  };
  const code = await runContainerDeploy({ ...ctx, io }, name, flags);
  let deployed: unknown = captured.trim();
  try {
    deployed = JSON.parse(captured);
  } catch {
    // not JSON (cannot happen with --json; kept as text)
  }
  printJson(ctx.io, result(deployed, 'deployed'));
  return code;
}

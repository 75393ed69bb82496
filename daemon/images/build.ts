// One image build. The client's tar is re-written by ds01 on its way to Docker (tar-scan.ts), with a
// Dockerfile ds01 rendered from the user's (dockerfile-gate.ts) in which every image is the full id of
// one the user may use (resolver.ts). Progress comes back as BuildEvents; the result is checked
// (built-check.ts: the authorized base's layers, only ds01's labels) and tagged only then — a failed
// or refused build leaves no tag and no layers of its own behind; a failed rebuild leaves the old image.
import type { Readable } from 'node:stream';
import type { BuildEvent } from '../api/types/images.js';
import type { Clock } from '../clock.js';
import { type DockerBuildOptions, type DockerClient, statusCode } from '../docker/client.js';
import { Ds01Error } from '../errors.js';
import {
  describeBuildFailure,
  describeBuildTimeout,
  describeMissingBase,
  describeRefusedBuild,
} from './build-failure.js';
import { builtImageProblem } from './built-check.js';
import {
  DockerfileRefusal,
  type ReadDockerfile,
  readDockerfile,
  renderAuthorized,
} from './dockerfile-gate.js';
import { IMAGE_LABELS, imageRepo } from './naming.js';
import { BuildProgress, jsonLines } from './progress.js';
import { type ImageResolver, resolveOrPull } from './resolver.js';
import { ContextError, repackContext } from './tar-scan.js';

export interface BuildLimits {
  maxContextBytes: number;
  timeoutMs: number;
  /** Builds one user may run at once. */
  maxConcurrentPerUser: number;
}

export const DEFAULT_BUILD_LIMITS: BuildLimits = {
  maxContextBytes: 256 * 1024 * 1024,
  timeoutMs: 60 * 60_000,
  maxConcurrentPerUser: 2,
};

export interface BuildJob {
  caller: { uid: number; gid: number; name: string; admin: boolean };
  name: string;
  tag: string;
  noCache: boolean;
  context: Readable;
  signal: AbortSignal;
  /** The user's resource limits for the build's containers (and their slice, when enabled). */
  resources?: BuildResources;
}

export interface BuildResources {
  memoryBytes: number | null;
  memorySwapBytes: number | null;
  cpus: number | null;
  shmSizeBytes: number | null;
  cgroupParent: string | null;
}

/** Docker's build options for the user's limits (the classic builder has no pids limit: see CLAUDE.md). */
export function buildResourceOptions(r: BuildResources | undefined): Record<string, unknown> {
  if (!r) return {};
  const period = 100_000;
  return {
    ...(r.memoryBytes !== null ? { memory: r.memoryBytes } : {}),
    ...(r.memorySwapBytes !== null ? { memswap: r.memorySwapBytes } : {}),
    ...(r.cpus !== null ? { cpuperiod: period, cpuquota: Math.max(1000, Math.round(r.cpus * period)) } : {}),
    ...(r.shmSizeBytes !== null ? { shmsize: r.shmSizeBytes } : {}),
    ...(r.cgroupParent ? { cgroupparent: r.cgroupParent } : {}),
  };
}

/** A resolver refusal (not found, not theirs, not a reference) as the build's refusal. */
function contextErrorOf(err: unknown): unknown {
  if (err instanceof DockerfileRefusal) return new ContextError(err.code, err.message, err.hint);
  if (err instanceof Ds01Error && ['BAD_REQUEST', 'FORBIDDEN', 'NOT_FOUND'].includes(err.code))
    return new ContextError(err.code as 'BAD_REQUEST', err.message, err.hint);
  return err;
}

export type BuildOutcome =
  | { ok: true; ref: string; id: string }
  | { ok: false; code: string; message: string };

const mib = (n: number) => `${Math.round(n / 1048576)} MiB`;

/**
 * Run a build, yielding progress. `onEnd` gets the outcome (for the audit log) exactly once, whether the
 * build succeeded, failed, timed out or the client went away.
 */
/** What a build needs of Docker. */
export type BuildDocker = Pick<
  DockerClient,
  'buildImage' | 'inspectImage' | 'tagImage' | 'listImages' | 'removeImage'
>;

export async function* runBuild(
  docker: BuildDocker,
  resolver: ImageResolver,
  job: BuildJob,
  limits: BuildLimits,
  clock: Clock,
  onEnd: (o: BuildOutcome) => void,
): AsyncGenerator<BuildEvent> {
  const repo = imageRepo(job.caller.uid, job.name);
  const ref = `${repo}:${job.tag}`;
  const started = clock.now();
  const abort = new AbortController();
  let why: ContextError | 'timeout' | 'client' | undefined;
  const stop = (reason: typeof why) => {
    why ??= reason;
    abort.abort();
  };
  const timer = setTimeout(() => stop('timeout'), limits.timeoutMs);
  const onClientGone = () => stop('client');
  job.signal.addEventListener('abort', onClientGone, { once: true });

  // What ds01 authorized: the Dockerfile it read and the full id of each image it uses.
  let authorized: { read: ReadDockerfile; ids: Map<string, string> } | undefined;
  const rewrite = async (text: string): Promise<string> => {
    try {
      const read = readDockerfile(text);
      const local = await resolver.local();
      const ids = new Map<string, string>();
      for (const ref of read.images) {
        const img = await resolveOrPull(resolver, ref, job.caller, {
          adminMayUseAny: true,
          images: local,
        });
        // A user's image with ONBUILD triggers would run instructions in this build that ds01 never read.
        if (img.image.labels[IMAGE_LABELS.ownerUid] !== undefined) {
          const info = await docker.inspectImage(img.id);
          if (info.onBuild.length)
            throw new ContextError(
              'FORBIDDEN',
              `${ref} has ONBUILD triggers`,
              'build on an image without them',
            );
        }
        ids.set(ref, img.id);
      }
      authorized = { read, ids };
      return renderAuthorized(read, ids);
    } catch (err) {
      throw contextErrorOf(err);
    }
  };
  const context = repackContext(job.context, {
    maxBytes: limits.maxContextBytes,
    rewrite,
    onError: (err) => stop(err),
  });

  const ownLabels = {
    [IMAGE_LABELS.ownerUid]: String(job.caller.uid),
    [IMAGE_LABELS.ownerName]: job.caller.name,
    [IMAGE_LABELS.image]: job.name,
    [IMAGE_LABELS.createdBy]: 'ds01',
  };
  const progress = new BuildProgress();
  let outcome: BuildOutcome | undefined;
  const fail = (code: string, message: string, hint?: string): BuildEvent => {
    outcome = { ok: false, code, message };
    return progress.errorEvent(code, message, hint);
  };

  try {
    yield { type: 'start', ref };
    let out: NodeJS.ReadableStream | undefined;
    try {
      out = await docker.buildImage(context, {
        version: '1', // the classic builder: no RUN --mount, no frontend image named by `# syntax`
        dockerfile: 'Dockerfile', // the one ds01 wrote (tar-scan.ts)
        ...buildResourceOptions(job.resources),
        // Untagged until it succeeds; labels and the account build args come from the kernel's
        // identity of the caller, never from the request (they override any LABEL in the Dockerfile).
        labels: ownLabels,
        buildargs: {
          DS01_USER: job.caller.name,
          DS01_UID: String(job.caller.uid),
          DS01_GID: String(job.caller.gid),
        },
        nocache: job.noCache,
        rm: true,
        forcerm: true,
        abortSignal: abort.signal,
      } as DockerBuildOptions);
    } catch (err) {
      if (!why) throw err;
    }
    if (out && !why) {
      const onAbort = () => (out as unknown as { destroy?: () => void }).destroy?.();
      abort.signal.addEventListener('abort', onAbort, { once: true });
      try {
        for await (const msg of jsonLines(out as AsyncIterable<Buffer>)) {
          for (const e of progress.feed(msg)) yield e;
        }
      } catch (err) {
        if (!why) throw err;
      }
    }
    if (why === 'timeout') {
      const t = describeBuildTimeout(job.name, Math.round(limits.timeoutMs / 60_000));
      yield fail('BUILD_TIMEOUT', t.message, t.hint);
      return;
    }
    if (why === 'client') {
      outcome = { ok: false, code: 'CANCELLED', message: 'the client went away; the build was stopped' };
      return;
    }
    if (
      why instanceof ContextError &&
      (why.code as string) === 'NOT_FOUND' &&
      /is not on this server/.test(why.message)
    ) {
      const m = describeMissingBase(job.name, why.message);
      yield fail(why.code, m.message, m.hint);
      return;
    }
    if (why instanceof ContextError) {
      const hint =
        why.hint ??
        (why.code === 'PAYLOAD_TOO_LARGE' ? `the limit is ${mib(limits.maxContextBytes)}` : undefined);
      yield fail(why.code, why.message, hint);
      return;
    }
    if (progress.failure || !progress.imageId) {
      const f = describeBuildFailure({
        image: job.name,
        failure: progress.failure ?? 'Docker returned no image',
        output: progress.output,
        ...(progress.step ? { step: progress.step } : {}),
      });
      yield fail('BUILD_FAILED', f.message, f.hint);
      return;
    }
    const id = progress.imageId;
    const problem = await checkBuilt(docker, id, authorized, ownLabels);
    if (problem) {
      await docker.removeImage(id, { force: true }).catch(() => undefined);
      yield fail(
        'FORBIDDEN',
        problem,
        'build on an image from `image-list` or the catalogue, without ds01.* labels',
      );
      return;
    }
    await docker.tagImage(id, repo, job.tag);
    outcome = { ok: true, ref, id };
    yield { type: 'done', ref, id, durationMs: clock.now() - started };
  } catch (err) {
    // A status from Docker means it refused this build (bad Dockerfile syntax, …); none means no Docker.
    const refused = statusCode(err) !== undefined;
    const detail = (err as { json?: { message?: string } }).json?.message ?? (err as Error).message;
    if (refused) {
      const r = describeRefusedBuild(job.name, detail);
      yield fail('BUILD_FAILED', r.message, r.hint);
    } else
      yield fail(
        'DOCKER_UNAVAILABLE',
        `the build could not run: ${detail}`,
        'ask an admin to check Docker (`ds01 status`)',
      );
  } finally {
    clearTimeout(timer);
    job.signal.removeEventListener('abort', onClientGone);
    if (!abort.signal.aborted && !outcome) abort.abort();
    job.context.resume(); // whatever the client still sends is read and dropped
    if (!outcome?.ok) await removeLayers(docker, progress.created, started);
    onEnd(outcome ?? { ok: false, code: 'CANCELLED', message: 'the build was stopped' });
  }
}

/** The built image against what ds01 authorized (base layers, labels); the reason to refuse it, or null. */
async function checkBuilt(
  docker: BuildDocker,
  id: string,
  authorized: { read: ReadDockerfile; ids: Map<string, string> } | undefined,
  ownLabels: Record<string, string>,
): Promise<string | null> {
  if (!authorized) return 'the build ran without a Dockerfile ds01 authorized';
  const base = authorized.read.finalBase;
  let baseLayers: string[] = [];
  if (base.kind === 'image') {
    const baseId = authorized.ids.get(base.ref) as string;
    baseLayers = (await docker.inspectImage(baseId)).layers;
  }
  const built = await docker.inspectImage(id);
  return builtImageProblem({ layers: built.layers, labels: built.labels }, baseLayers, ownLabels);
}

/**
 * The layers a failed build made (not the cached ones it reused): removed, newest first, each only if
 * nothing else uses it (no force). Docker printed them as short ids in the same stream as the build's
 * own output, so a printed id counts only if it names exactly one untagged image made since this build
 * started: a RUN that echoes someone else's id cannot make ds01 delete an older image.
 */
async function removeLayers(
  docker: BuildDocker,
  shortIds: readonly string[],
  startedMs: number,
): Promise<void> {
  if (!shortIds.length) return;
  const all = await docker.listImages({ all: true }).catch(() => []);
  const since = Math.floor(startedMs / 1000) - 1;
  for (const short of [...shortIds].reverse()) {
    const hits = all.filter((i) => i.id.startsWith(`sha256:${short}`));
    const hit = hits[0];
    if (hits.length !== 1 || !hit || hit.created < since) continue;
    if (hit.repoTags.some((t) => t !== '<none>:<none>')) continue;
    await docker.removeImage(hit.id, { noprune: true }).catch(() => undefined);
  }
}

// One image build: the client's tar stream is piped through the context scanner (size limit, Dockerfile
// check) into Docker, progress comes back as BuildEvents, and the image is tagged only once the build
// has succeeded — a failed build leaves no tag behind, a rebuild that fails leaves the old image as is.
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { BuildEvent } from '../api/types/images.js';
import type { Clock } from '../clock.js';
import { statusCode } from '../docker/client.js';
import { IMAGE_LABELS, imageRepo } from './naming.js';
import { BuildProgress, jsonLines } from './progress.js';
import { refProblem } from './references.js';
import { ContextError, ContextScanner } from './tar-scan.js';

export interface BuildLimits {
  maxContextBytes: number;
  timeoutMs: number;
}

export const DEFAULT_BUILD_LIMITS: BuildLimits = {
  maxContextBytes: 256 * 1024 * 1024,
  timeoutMs: 60 * 60_000,
};

export interface BuildJob {
  caller: { uid: number; gid: number; name: string; admin: boolean };
  name: string;
  tag: string;
  noCache: boolean;
  context: Readable;
  signal: AbortSignal;
}

export type BuildOutcome =
  | { ok: true; ref: string; id: string }
  | { ok: false; code: string; message: string };

const mib = (n: number) => `${Math.round(n / 1048576)} MiB`;

/**
 * Run a build, yielding progress. `onEnd` gets the outcome (for the audit log) exactly once, whether the
 * build succeeded, failed, timed out or the client went away.
 */
export async function* runBuild(
  docker: Docker,
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

  const scanner = new ContextScanner({
    maxBytes: limits.maxContextBytes,
    check: (dockerfile) => {
      const p = refProblem(dockerfile, job.caller);
      if (p) throw new ContextError(p.code, p.message, p.hint);
    },
  });
  scanner.on('error', (err) =>
    stop(err instanceof ContextError ? err : new ContextError('BAD_REQUEST', err.message)),
  );
  job.context.on('error', (err) =>
    stop(
      (err as { code?: string }).code === 'PAYLOAD_TOO_LARGE'
        ? new ContextError('PAYLOAD_TOO_LARGE', `the build context is over ${mib(limits.maxContextBytes)}`)
        : 'client',
    ),
  );
  job.context.pipe(scanner);

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
      out = await docker.buildImage(scanner, {
        // Untagged until it succeeds; labels and the account build args come from the kernel's
        // identity of the caller, never from the request (they override any LABEL in the Dockerfile).
        labels: {
          [IMAGE_LABELS.ownerUid]: String(job.caller.uid),
          [IMAGE_LABELS.ownerName]: job.caller.name,
          [IMAGE_LABELS.image]: job.name,
          [IMAGE_LABELS.createdBy]: 'ds01',
        },
        buildargs: {
          DS01_USER: job.caller.name,
          DS01_UID: String(job.caller.uid),
          DS01_GID: String(job.caller.gid),
        },
        nocache: job.noCache,
        rm: true,
        forcerm: true,
        abortSignal: abort.signal,
      } as Docker.ImageBuildOptions);
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
      yield fail(
        'BUILD_TIMEOUT',
        `the build ran over ${Math.round(limits.timeoutMs / 60_000)} min and was stopped`,
        'make the slow step faster (fewer packages, a base image that has them), or ask an admin',
      );
      return;
    }
    if (why === 'client') {
      outcome = { ok: false, code: 'CANCELLED', message: 'the client went away; the build was stopped' };
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
      const step = progress.step
        ? ` at step ${progress.step.step}/${progress.step.total} (${progress.step.instruction})`
        : '';
      yield fail(
        'BUILD_FAILED',
        `the build failed${step}: ${progress.failure ?? 'Docker returned no image'}`,
        'fix that step in the Dockerfile (its output is above), then run `image-update NAME --rebuild`',
      );
      return;
    }
    const id = progress.imageId;
    await docker.getImage(id).tag({ repo, tag: job.tag });
    outcome = { ok: true, ref, id };
    yield { type: 'done', ref, id, durationMs: clock.now() - started };
  } catch (err) {
    // A status from Docker means it refused this build (bad Dockerfile syntax, …); none means no Docker.
    const refused = statusCode(err) !== undefined;
    const detail = (err as { json?: { message?: string } }).json?.message ?? (err as Error).message;
    yield fail(
      refused ? 'BUILD_FAILED' : 'DOCKER_UNAVAILABLE',
      refused ? `Docker refused the build: ${detail}` : `the build could not run: ${detail}`,
      refused
        ? 'fix the Dockerfile, then `image-update NAME --rebuild`'
        : 'ask an admin to check Docker (`ds01 status`)',
    );
  } finally {
    clearTimeout(timer);
    job.signal.removeEventListener('abort', onClientGone);
    if (!abort.signal.aborted && !outcome) abort.abort();
    job.context.unpipe(scanner);
    onEnd(outcome ?? { ok: false, code: 'CANCELLED', message: 'the build was stopped' });
  }
}

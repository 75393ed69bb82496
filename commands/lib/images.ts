// Client side of /v1/images: list, delete, the base catalogue, and builds (a tar upload answered by an
// NDJSON progress stream), plus where a user's Dockerfiles live and how a build is shown.
import { existsSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { exitCodeFor, isErrorCode } from '../../daemon/api/types/errors.js';
import type {
  BaseImage,
  BuildEvent,
  ErrorBody,
  ImageDeleteResult,
  ImageSummary,
} from '../../daemon/api/types/index.js';
import { ApiError, type Client, connectError, DaemonUnreachableError } from './client.js';
import { type Io, paint } from './output.js';

export const listImages = (c: Client, all = false) =>
  c.request<ImageSummary[]>('/images', { query: { all } });
export const baseImages = (c: Client) => c.request<BaseImage[]>('/images/bases');
export const deleteImage = (c: Client, ref: string, o: { force?: boolean; owner?: number }) =>
  c.request<ImageDeleteResult>(`/images/${encodeURIComponent(ref)}`, {
    method: 'DELETE',
    query: { force: o.force ? 1 : undefined, owner: o.owner },
  });

/**
 * Where image NAME's Dockerfile lives: an existing one (the project's `~/workspace/NAME/Dockerfile`, then
 * `~/dockerfiles/NAME.Dockerfile`); a new one goes in the project when it exists.
 */
export function dockerfilePath(name: string, home = homedir()): string {
  const project = join(home, 'workspace', name);
  const inProject = join(project, 'Dockerfile');
  const loose = join(home, 'dockerfiles', `${name}.Dockerfile`);
  // An existing file wins (a deploy may create ~/workspace/NAME after the image was made).
  if (existsSync(inProject)) return inProject;
  if (existsSync(loose)) return loose;
  return existsSync(project) ? inProject : loose;
}

/** Upload a Dockerfile as the whole build context and yield the daemon's progress events. */
export async function* buildImage(
  c: Client,
  q: { name: string; tag?: string; noCache?: boolean },
  dockerfile: string,
  signal?: AbortSignal,
): AsyncGenerator<BuildEvent> {
  // tar-stream (and its readable-stream) load only for a build, not on every command's start.
  const { packTar } = await import('../../daemon/common/tar.js');
  const body = await packTar([{ name: 'Dockerfile', data: dockerfile }]);
  const qs = new URLSearchParams({
    name: q.name,
    tag: q.tag ?? 'latest',
    ...(q.noCache ? { nocache: '1' } : {}),
  });
  await c.passGate(); // unread notices before the build's output
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(
      {
        socketPath: c.socket,
        method: 'POST',
        path: `/v1/images/build?${qs}`,
        headers: { Host: 'ds01', 'Content-Type': 'application/x-tar', 'Content-Length': body.length },
        signal,
      },
      resolve,
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const e = connectError(c.socket, err);
      if (e instanceof DaemonUnreachableError) reject(e);
      else if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err); // a refusal still answers
    });
    req.end(body);
  });
  if ((res.statusCode ?? 500) >= 400) {
    let text = '';
    for await (const chunk of res) text += chunk;
    let parsed: ErrorBody | undefined;
    try {
      parsed = JSON.parse(text) as ErrorBody;
    } catch {
      // not JSON
    }
    const e = parsed?.error;
    if (e && isErrorCode(e.code))
      throw new ApiError(e.code, e.message, res.statusCode ?? 500, e.hint, e.details);
    throw new ApiError(
      'INTERNAL',
      `daemon answered ${res.statusCode}: ${text.slice(0, 200)}`,
      res.statusCode ?? 500,
    );
  }
  let buf = '';
  for await (const chunk of res) {
    buf += chunk;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) yield JSON.parse(line) as BuildEvent;
      nl = buf.indexOf('\n');
    }
  }
}

/** ARG and LABEL steps (ds01's labels, build args) are internal: a build log does not show them. */
export const isInternalStep = (instruction: string) => /^\s*(ARG|LABEL)\b/i.test(instruction);

/** The exit code for a build that ended with this error code. */
export function buildExitCode(code: string): number {
  if (isErrorCode(code)) return exitCodeFor(code);
  return 1;
}

/**
 * Show a build: on a terminal, one status line that the current step's output scrolls through; otherwise
 * plain lines. A failure shows the failing step and its last output. Returns the final event.
 */
export async function showBuild(io: Io, events: AsyncIterable<BuildEvent>): Promise<BuildEvent | undefined> {
  const p = paint(io);
  const live = io.isTTY;
  const width = Math.max(20, io.columns - 1);
  let last: BuildEvent | undefined;
  let statusShown = false;
  // ds01's own bookkeeping steps (build args, labels) say nothing to the user: their output is hidden too.
  let hidden = false;
  const clear = () => {
    if (live && statusShown) io.err('\r\x1b[2K');
    statusShown = false;
  };
  for await (const e of events) {
    last = e;
    if (e.type === 'start') io.err(`building ${p.bold(e.ref)}\n`);
    else if (e.type === 'step') {
      hidden = isInternalStep(e.instruction);
      if (hidden) continue;
      clear();
      io.err(`${p.cyan(`[${e.step}/${e.total}]`)} ${e.instruction.slice(0, 200)}\n`);
    } else if (e.type === 'output') {
      if (hidden) continue;
      if (live) {
        clear();
        io.err(p.dim(`  ${e.text}`.slice(0, width)));
        statusShown = true;
      } else io.err(`  ${e.text}\n`);
    } else if (e.type === 'done') {
      clear();
      io.err(`${p.green('built')} ${e.ref} in ${Math.round(e.durationMs / 1000)}s\n`);
    } else if (e.type === 'error') {
      clear();
      io.err(`${p.red('build failed:')} ${e.message}\n`);
      if (e.step) io.err(`  failing step ${e.step.step}/${e.step.total}: ${e.step.instruction}\n`);
      if (e.output?.length) {
        io.err('  its last output:\n');
        for (const l of e.output) io.err(`    ${l}\n`);
      }
      if (e.hint) io.err(`  ${p.dim('hint:')} ${e.hint}\n`);
    }
  }
  clear();
  return last;
}

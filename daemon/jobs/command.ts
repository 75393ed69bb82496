// Pure: the container command that runs a job's command with its output in the job's log file. The
// shell runs as the user inside the container, so the log and its directory belong to the user and no
// root process ever writes in their workspace. The wrapper `exec`s the command, so the job's exit code
// and signals are the command's own.
import { posix } from 'node:path';
import { WORKSPACE_TARGET } from '../docker/spec.js';

export const JOBS_DIR = '.ds01/jobs';

/** Where the log is inside the container. */
export function logPathInContainer(id: number): string {
  return `${WORKSPACE_TARGET}/${JOBS_DIR}/${id}.log`;
}

/** `--workdir`: relative paths are under /workspace. */
export function jobWorkdir(dir: string | undefined): string {
  if (!dir) return WORKSPACE_TARGET;
  return posix.normalize(dir.startsWith('/') ? dir : `${WORKSPACE_TARGET}/${dir}`);
}

const SCRIPT = [
  `log=${WORKSPACE_TARGET}/${JOBS_DIR}/$0.log`,
  `mkdir -p ${WORKSPACE_TARGET}/${JOBS_DIR} || exit 125`,
  'cd "$1" 2>>"$log" || exit 125',
  'shift',
  'exec "$@" >>"$log" 2>&1',
].join('\n');

export function jobCommand(id: number, workdir: string, argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', SCRIPT, String(id), workdir, ...argv];
}

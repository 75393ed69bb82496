// Runs Slurm's own programs (sbatch, scontrol, squeue, sacct, scancel, sacctmgr): the one place ds01d
// talks to Slurm. A program runs as root (to ask Slurm about any job) or, with `asUser`, as that user
// through setpriv (sbatch and scancel: Slurm then knows the job is theirs, as if they had typed it). The
// environment is built here, never inherited from a request: PATH, the user's names, and SLURM_CONF.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export type SlurmProgram = 'sbatch' | 'scontrol' | 'squeue' | 'sacct' | 'scancel' | 'sacctmgr' | 'sinfo';

export interface RunAs {
  uid: number;
  gid: number;
  name: string;
  home: string;
}

export interface SlurmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SlurmPrograms {
  run(
    program: SlurmProgram,
    args: readonly string[],
    opts?: { asUser?: RunAs; stdin?: string; timeoutMs?: number },
  ): Promise<SlurmResult>;
  /** Run `mkdir -p DIR` as the user (a job's output directory in their own workspace). */
  mkdirAs(user: RunAs, dir: string): Promise<SlurmResult>;
  /**
   * Up to `max` bytes of FILE from `offset`, read AS the user (a job's log in their workspace: the kernel
   * decides what they may read; ds01d opens nothing there itself). stdout is the bytes.
   */
  readAs(user: RunAs, file: string, offset: number, max: number): Promise<SlurmBytes>;
}

export interface SlurmBytes {
  code: number;
  stdout: Buffer;
  stderr: string;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function exec(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin: string | undefined,
  timeoutMs: number,
): Promise<SlurmResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { env, cwd: '/', timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
        resolve({ code, stdout, stderr: stderr || (err && code === 127 ? String(err.message) : '') });
      },
    );
    // A program that exits without reading its stdin must not crash ds01d with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin ?? '');
  });
}

export function createSlurmPrograms(
  binDir: string | null,
  slurmConf = process.env.SLURM_CONF,
): SlurmPrograms {
  const path = (p: SlurmProgram) => (binDir ? join(binDir, p) : p);
  const baseEnv = (user?: RunAs): NodeJS.ProcessEnv => ({
    PATH: binDir ? `${binDir}:${PATH}` : PATH,
    ...(slurmConf ? { SLURM_CONF: slurmConf } : {}),
    ...(user ? { HOME: user.home, USER: user.name, LOGNAME: user.name } : { HOME: '/root' }),
  });
  const asUser = (u: RunAs) => [`--reuid=${u.uid}`, `--regid=${u.gid}`, '--init-groups', '--'];
  return {
    run(program, args, opts = {}) {
      const timeout = opts.timeoutMs ?? 30_000;
      if (opts.asUser)
        return exec(
          'setpriv',
          [...asUser(opts.asUser), path(program), ...args],
          baseEnv(opts.asUser),
          opts.stdin,
          timeout,
        );
      return exec(path(program), args, baseEnv(), opts.stdin, timeout);
    },
    mkdirAs(user, dir) {
      return exec('setpriv', [...asUser(user), 'mkdir', '-p', '--', dir], baseEnv(user), undefined, 10_000);
    },
    readAs(user, file, offset, max) {
      const args = [
        ...asUser(user),
        'dd',
        `if=${file}`,
        'bs=65536',
        'iflag=skip_bytes,count_bytes',
        `skip=${Math.max(0, Math.floor(offset))}`,
        `count=${Math.max(0, Math.floor(max))}`,
        'status=none',
      ];
      return new Promise((resolve) => {
        execFile(
          'setpriv',
          args,
          { env: baseEnv(user), cwd: '/', timeout: 20_000, encoding: 'buffer', maxBuffer: max + 65536 },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
            resolve({ code, stdout, stderr: stderr.toString('utf8') });
          },
        ).stdin?.end();
      });
    },
  };
}

// Docker exec as the container's owner in /workspace: the processes of shell, exec and rsync channels.
import type { Duplex } from 'node:stream';
import { StreamDemuxer } from '../docker/demux.js';
import type { DockerOps } from '../docker/ops.js';
import type { AccessTarget } from './target.js';

export interface ExecOptions {
  cmd: string[];
  tty: boolean;
  cols?: number;
  rows?: number;
  env?: string[];
}

/** What access needs of Docker: execs as the owner, and the container's run state. */
export type ExecDocker = Pick<DockerOps, 'exec' | 'execOutput' | 'execDetached' | 'execTarget'>;

const ownerEnv = (t: AccessTarget, extra: string[]) => [
  `HOME=${t.home}`,
  `USER=${t.ownerName}`,
  `LOGNAME=${t.ownerName}`,
  ...extra,
];

export interface RunningExec {
  stream: Duplex;
  tty: boolean;
  resize(cols: number, rows: number): Promise<void>;
  /** Exit code once the stream has ended (null if Docker cannot say). */
  exitCode(): Promise<number | null>;
}

export async function startExec(docker: ExecDocker, t: AccessTarget, o: ExecOptions): Promise<RunningExec> {
  const exec = await docker.exec(t.containerId, {
    cmd: o.cmd,
    tty: o.tty,
    user: t.execUser,
    workingDir: '/workspace',
    env: ownerEnv(t, o.env ?? []),
  });
  if (o.tty && o.cols && o.rows) await exec.resize(o.cols, o.rows).catch(() => undefined);
  return {
    stream: exec.stream,
    tty: o.tty,
    resize: async (cols, rows) => {
      await exec.resize(cols, rows).catch(() => undefined);
    },
    exitCode: async () => {
      for (let i = 0; i < 100; i++) {
        const s = await exec.inspect();
        if (!s) return null;
        if (!s.running) return s.exitCode;
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    },
  };
}

/** Run a short command as the owner and collect its output (ports, jupyter checks). */
export async function runCaptured(
  docker: ExecDocker,
  t: AccessTarget,
  cmd: string[],
  env: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { stream, inspect } = await docker.execOutput(t.containerId, {
    cmd,
    user: t.execUser,
    workingDir: '/workspace',
    env: ownerEnv(t, env),
  });
  const d = new StreamDemuxer();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  await new Promise<void>((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      for (const p of d.push(chunk)) (p.stream === 'stderr' ? err : out).push(p.data);
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', resolve);
  });
  let code: number | null = null;
  for (let i = 0; i < 100; i++) {
    const s = await inspect();
    if (!s) break;
    if (!s.running) {
      code = s.exitCode;
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

// Docker exec as the container's owner in /workspace: the processes of shell, exec and rsync channels.
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { StreamDemuxer } from '../docker/demux.js';
import type { AccessTarget } from './target.js';

export interface ExecOptions {
  cmd: string[];
  tty: boolean;
  cols?: number;
  rows?: number;
  env?: string[];
}

export interface RunningExec {
  stream: Duplex;
  tty: boolean;
  resize(cols: number, rows: number): Promise<void>;
  /** Exit code once the stream has ended (null if Docker cannot say). */
  exitCode(): Promise<number | null>;
}

export async function startExec(docker: Docker, t: AccessTarget, o: ExecOptions): Promise<RunningExec> {
  const c = docker.getContainer(t.containerId);
  const exec = await c.exec({
    Cmd: o.cmd,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: o.tty,
    User: t.execUser,
    Privileged: false,
    WorkingDir: '/workspace',
    Env: [`HOME=${t.home}`, `USER=${t.ownerName}`, `LOGNAME=${t.ownerName}`, ...(o.env ?? [])],
  });
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: o.tty })) as unknown as Duplex;
  if (o.tty && o.cols && o.rows) await exec.resize({ w: o.cols, h: o.rows }).catch(() => undefined);
  return {
    stream,
    tty: o.tty,
    resize: async (cols, rows) => {
      await exec.resize({ w: cols, h: rows }).catch(() => undefined);
    },
    exitCode: async () => {
      for (let i = 0; i < 100; i++) {
        const s = await exec.inspect().catch(() => null);
        if (!s) return null;
        if (!s.Running) return s.ExitCode ?? null;
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    },
  };
}

/** Run a short command as the owner and collect its output (ports, jupyter checks). */
export async function runCaptured(
  docker: Docker,
  t: AccessTarget,
  cmd: string[],
  env: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const c = docker.getContainer(t.containerId);
  const exec = await c.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    User: t.execUser,
    Privileged: false,
    WorkingDir: '/workspace',
    Env: [`HOME=${t.home}`, `USER=${t.ownerName}`, `LOGNAME=${t.ownerName}`, ...env],
  });
  const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Duplex;
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
    const s = await exec.inspect().catch(() => null);
    if (!s) break;
    if (!s.Running) {
      code = s.ExitCode ?? null;
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

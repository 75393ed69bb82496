// Idempotent container operations on dockerode: reaching the desired state is success (starting a
// running container, stopping a stopped one, removing a removed one). Docker errors become Ds01Errors
// with a message a user can act on.
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerCreateOptions } from 'dockerode';
import { unpackTar } from '../common/tar.js';
import { Ds01Error } from '../errors.js';
import { statusCode } from './client.js';
import { type LabelSigner, SIGNATURE_LABEL } from './label-signature.js';
import type { DockerStatsSample } from './stats.js';
import { type ContainerLayer, type StorageFacts, storageFacts } from './upper-layer.js';

function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string };
  return e?.json?.message ?? e?.message ?? String(err);
}

export function dockerError(what: string, err: unknown): Ds01Error {
  if (err instanceof Ds01Error) return err;
  const code = statusCode(err);
  const msg = dockerMessage(err);
  if (code === 404 && /image/i.test(msg))
    return new Ds01Error('NOT_FOUND', `${what}: ${msg}`, 'see `image-list` for the images on this server');
  if (code === 404) return new Ds01Error('NOT_FOUND', `${what}: ${msg}`);
  if (code === 409) return new Ds01Error('CONFLICT', `${what}: ${msg}`);
  // Docker refused what it was given (a bad reference, a redirect for an odd path): the request's fault.
  if (code !== undefined && code >= 300 && code < 500)
    return new Ds01Error('BAD_REQUEST', `${what}: Docker refused it: ${msg}`);
  // With redirects off (docker/client.ts), a 3xx answer surfaces as this error, without a status.
  if (code === undefined && /max redirects exceeded/i.test(msg))
    return new Ds01Error('BAD_REQUEST', `${what}: Docker refused it (it answered with a redirect)`);
  if (code === undefined)
    return new Ds01Error(
      'DOCKER_UNAVAILABLE',
      `${what}: Docker is not reachable (${msg})`,
      'ask an admin to check dockerd',
    );
  return new Ds01Error('INTERNAL', `${what}: Docker said: ${msg}`);
}

/** A Docker stream the caller may end early (logs, stats). */
export type DockerStream = NodeJS.ReadableStream & { destroy(): void };

/** A started Docker exec, attached (hijacked) in both directions. */
export interface ExecHandle {
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** Docker's view of the exec, or null when it cannot say. */
  inspect(): Promise<{ running: boolean; exitCode: number | null } | null>;
}

export interface ExecOptions {
  cmd: string[];
  tty: boolean;
  user: string;
  workingDir: string;
  env: string[];
}

export class DockerOps {
  constructor(
    private readonly docker: Docker,
    private readonly signer: LabelSigner,
  ) {}

  /** Every container ds01 creates is made here, and signed (the only ones adoption trusts). */
  async create(spec: ContainerCreateOptions): Promise<string> {
    const labels = { ...(spec.Labels ?? {}) };
    labels[SIGNATURE_LABEL] = this.signer.sign(labels, spec.name ?? '');
    try {
      return (await this.docker.createContainer({ ...spec, Labels: labels })).id;
    } catch (err) {
      throw dockerError(`cannot create ${spec.name}`, err);
    }
  }

  async start(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusCode(err) === 304) return; // already running
      throw dockerError('cannot start the container', err);
    }
  }

  /** Stop with a grace period (seconds); 0 = kill at once. Gone or already stopped = done. */
  async stop(id: string, timeoutSec: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutSec });
    } catch (err) {
      const code = statusCode(err);
      if (code === 304 || code === 404) return;
      throw dockerError('cannot stop the container', err);
    }
  }

  /** Freeze every process (the cgroup freezer); memory, GPU and files stay. Already paused = done. */
  async pause(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).pause();
    } catch (err) {
      if ((await this.state(id))?.status === 'paused') return;
      throw dockerError('cannot pause the container', err);
    }
  }

  /** Thaw a paused container. Not paused (any more) = done. */
  async unpause(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).unpause();
    } catch (err) {
      const st = await this.state(id);
      if (st && st.status !== 'paused') return;
      throw dockerError('cannot unpause the container', err);
    }
  }

  async kill(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).kill();
    } catch (err) {
      const code = statusCode(err);
      if (code === 304 || code === 404 || code === 409) return; // 409: not running
      throw dockerError('cannot kill the container', err);
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const code = statusCode(err);
      if (code === 404) return;
      // Another removal is in progress: done only once Docker no longer has it. Calling it done at once
      // let a retire record a container removed that Docker then kept (its removal failed: chaos run 3).
      if (code === 409 && /already in progress/i.test(dockerMessage(err))) return this.awaitGone(id);
      throw dockerError('cannot remove the container', err);
    }
  }

  private async awaitGone(id: string, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250));
      try {
        await this.docker.getContainer(id).remove({ force: true, v: true });
        return;
      } catch (err) {
        if (statusCode(err) === 404) return;
        if (!(statusCode(err) === 409 && /already in progress/i.test(dockerMessage(err))))
          throw dockerError('cannot remove the container', err);
      }
    }
    throw new Ds01Error(
      'CONFLICT',
      `Docker is still removing container ${id.slice(0, 12)}`,
      'try again in a minute',
    );
  }

  async state(id: string): Promise<{ status: string; exitCode: number | null; startedAt: string } | null> {
    try {
      const i = await this.docker.getContainer(id).inspect();
      return { status: i.State.Status, exitCode: i.State.ExitCode ?? null, startedAt: i.State.StartedAt };
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw dockerError('cannot inspect the container', err);
    }
  }

  /** How a container ended (a batch job's exit), or null when it is gone. Times are epoch ms. */
  async exitInfo(id: string): Promise<{
    status: string;
    exitCode: number | null;
    oomKilled: boolean;
    startedAt: number | null;
    finishedAt: number | null;
  } | null> {
    try {
      const i = await this.docker.getContainer(id).inspect();
      const ms = (t: string | undefined) => {
        const v = t ? Date.parse(t) : Number.NaN;
        return Number.isFinite(v) && v > 0 ? v : null; // Docker says 0001-01-01 for "never"
      };
      return {
        status: i.State.Status,
        exitCode: i.State.ExitCode ?? null,
        oomKilled: Boolean(i.State.OOMKilled),
        startedAt: ms(i.State.StartedAt),
        finishedAt: ms(i.State.FinishedAt),
      };
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw dockerError('cannot inspect the container', err);
    }
  }

  /** One file from the container's file system, or null when it does not exist. */
  async readFile(id: string, path: string): Promise<Buffer | null> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.getContainer(id).getArchive({ path })) as NodeJS.ReadableStream;
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw dockerError(`cannot read ${path} in the container`, err);
    }
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const entry = (await unpackTar(Buffer.concat(chunks)))[0];
    if (entry?.type !== 'file') return null; // a symlink or directory is not what we edit
    return entry.data;
  }

  async exists(id: string, path: string): Promise<boolean> {
    try {
      await this.docker.getContainer(id).infoArchive({ path });
      return true;
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw dockerError(`cannot look for ${path} in the container`, err);
    }
  }

  /** Extract a tar at / in the container (works before it is started). */
  async putTar(id: string, tar: Buffer): Promise<void> {
    try {
      await this.docker.getContainer(id).putArchive(tar, { path: '/' });
    } catch (err) {
      throw dockerError('cannot set up the user inside the container', err);
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw dockerError(`cannot look up image ${ref}`, err);
    }
  }

  /** What the spec builder must know about the Docker host (null fields when dockerd does not say). */
  async hostFacts(): Promise<{ cgroupDriver: string | null; cpus: number | null; storage: StorageFacts }> {
    try {
      const info = (await this.docker.info()) as { CgroupDriver?: string; NCPU?: number } & Parameters<
        typeof storageFacts
      >[0];
      return {
        cgroupDriver: info.CgroupDriver ?? null,
        cpus: info.NCPU ?? null,
        storage: storageFacts(info),
      };
    } catch {
      return { cgroupDriver: null, cpus: null, storage: storageFacts({}) };
    }
  }

  /** A container's file-system layers as inspect shows them (upper-layer.ts decides what they allow). */
  async layer(id: string): Promise<ContainerLayer> {
    try {
      const i = await this.docker.getContainer(id).inspect();
      const data = (i.GraphDriver?.Data ?? {}) as { UpperDir?: string; LowerDir?: string };
      return {
        status: i.State.Status,
        driver: i.GraphDriver?.Name ?? '',
        upperDir: data.UpperDir ?? null,
        lowerDir: data.LowerDir ?? null,
        workingDir: i.Config.WorkingDir ?? '',
      };
    } catch (err) {
      throw dockerError('cannot inspect the container', err);
    }
  }

  // ——— streams and exec: raw Docker errors; the caller says what failed ———

  /** The logs so far (multiplexed), or a live stream of them with `follow`. */
  async logs(id: string, opts: { tail?: number; follow: false }): Promise<Buffer>;
  async logs(id: string, opts: { tail?: number; follow: true }): Promise<DockerStream>;
  async logs(id: string, opts: { tail?: number; follow: boolean }): Promise<Buffer | DockerStream> {
    const common = { stdout: true, stderr: true, ...(opts.tail !== undefined ? { tail: opts.tail } : {}) };
    const c = this.docker.getContainer(id);
    if (opts.follow) return (await c.logs({ ...common, follow: true })) as unknown as DockerStream;
    return (await c.logs({ ...common, follow: false })) as unknown as Buffer;
  }

  /** One stats sample; `oneShot` answers at once instead of waiting ~1-2 s for a second reading. */
  async stats(id: string, opts: { oneShot?: boolean } = {}): Promise<DockerStatsSample> {
    const c = this.docker.getContainer(id);
    return (await c.stats(
      opts.oneShot ? { stream: false, 'one-shot': true } : { stream: false },
    )) as unknown as DockerStatsSample;
  }

  /** Stats samples as newline-separated JSON, until destroyed. */
  async statsStream(id: string): Promise<DockerStream> {
    return (await this.docker.getContainer(id).stats({ stream: true })) as unknown as DockerStream;
  }

  /** Whether the container runs, and the user it was created with. */
  async runInfo(id: string): Promise<{ running: boolean; user: string }> {
    const info = await this.docker.getContainer(id).inspect();
    return { running: Boolean(info.State.Running), user: info.Config.User ?? '' };
  }

  /** What an exec as the owner needs: whether it runs, its init's pid, the user it was created with. */
  async execTarget(id: string): Promise<{ running: boolean; pid: number; user: string }> {
    const info = await this.docker.getContainer(id).inspect();
    return { running: Boolean(info.State.Running), pid: info.State.Pid, user: info.Config.User ?? '' };
  }

  /** Start an exec with stdout and stderr attached (no stdin, no tty): a short command's output. */
  async execOutput(id: string, o: Omit<ExecOptions, 'tty'>): Promise<Pick<ExecHandle, 'stream' | 'inspect'>> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: o.cmd,
      AttachStdout: true,
      AttachStderr: true,
      User: o.user,
      Privileged: false,
      WorkingDir: o.workingDir,
      Env: o.env,
    });
    const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Duplex;
    return {
      stream,
      inspect: async () => {
        const s = await exec.inspect().catch(() => null);
        return s ? { running: Boolean(s.Running), exitCode: s.ExitCode ?? null } : null;
      },
    };
  }

  /** Start an exec detached (a server left running, e.g. JupyterLab). */
  async execDetached(id: string, o: Omit<ExecOptions, 'tty'>): Promise<Pick<ExecHandle, 'inspect'>> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: o.cmd,
      User: o.user,
      Privileged: false,
      WorkingDir: o.workingDir,
      Env: o.env,
    });
    await exec.start({ Detach: true });
    return {
      inspect: async () => {
        const s = await exec.inspect().catch(() => null);
        return s ? { running: Boolean(s.Running), exitCode: s.ExitCode ?? null } : null;
      },
    };
  }

  /** Start an exec attached both ways (never privileged). */
  async exec(id: string, o: ExecOptions): Promise<ExecHandle> {
    const exec = await this.docker.getContainer(id).exec({
      Cmd: o.cmd,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: o.tty,
      User: o.user,
      Privileged: false,
      WorkingDir: o.workingDir,
      Env: o.env,
    });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: o.tty })) as unknown as Duplex;
    return {
      stream,
      resize: async (cols, rows) => {
        await exec.resize({ w: cols, h: rows });
      },
      inspect: async () => {
        const s = await exec.inspect().catch(() => null);
        return s ? { running: Boolean(s.Running), exitCode: s.ExitCode ?? null } : null;
      },
    };
  }
}

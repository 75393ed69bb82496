// The Docker side, through dockerode on the Docker API socket; the daemon never shells out to the docker
// CLI. Two ports wrap the one connection and keep it private: DockerClient (reads: version, info, list,
// inspect, one-shot stats, the event stream; images: list, inspect, pull, build, tag, remove) and
// DockerOps (ops.ts: every container change, signed, and the execs). Only main.ts builds the handle and
// hands it to these two; every other caller (DockerSync, the lifecycle probe, doctor, the image service,
// builds, the image resolver, SSH/Jupyter access) uses their methods, each declaring the narrow slice it
// needs so that it can be unit-tested against a fake.
import type { Readable } from 'node:stream';
import modemHttp from 'docker-modem/lib/http.js';
import Docker from 'dockerode';
import { Ds01Error } from '../errors.js';
import { LABELS } from './labels.js';
import type { DockerStatsSample } from './stats.js';

/**
 * docker-modem follows an HTTP redirect from dockerd (it sends one for a path such as
 * /images/a/../b/json) with a fresh request that has no socket path and no 'error' listener: its
 * DNS failure was an uncaught exception that took the daemon down. ds01 never needs a redirect, so
 * none is followed: a 3xx answer is an error on the original, handled request.
 */
export function refuseDockerRedirects(): void {
  // A static import, so that in ds01d's bundle this is the very module dockerode's modem uses (one copy
  // of docker-modem is installed, beside dockerode; a require resolved at run time would load a second).
  if (typeof modemHttp.maxRedirects !== 'number')
    throw new Error('docker-modem changed: cannot turn off its redirect following (see docker/client.ts)');
  modemHttp.maxRedirects = 0;
}
refuseDockerRedirects();

export interface DockerContainer {
  id: string;
  name: string; // without leading slash
  image: string;
  state: string; // created|running|paused|restarting|exited|dead
  labels: Record<string, string>;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** An image as `listImages` reports it. */
export interface DockerImageSummary {
  id: string; // sha256:<64 hex>
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string>;
  sizeBytes: number;
  /** Epoch seconds, as Docker says it. */
  created: number;
}

/** What the image service and builds read from one image's inspect. */
export interface DockerImageDetail {
  id: string;
  labels: Record<string, string>;
  layers: string[];
  onBuild: string[];
}

/** Any container (ds01's or not) by the image it runs, for the image service. */
export interface DockerContainerUse {
  id: string;
  name: string; // without leading slash
  state: string;
  labels: Record<string, string>;
  imageId: string;
}

export type DockerBuildOptions = Docker.ImageBuildOptions;

export function dockerFromHost(host: string): Docker {
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  if (host.startsWith('/')) return new Docker({ socketPath: host });
  const m = /^tcp:\/\/([^:/]+):(\d+)$/.exec(host);
  if (m) return new Docker({ host: m[1], port: Number(m[2]) });
  throw new Ds01Error('INTERNAL', `unsupported docker host ${host}`, 'use unix:///path/to/docker.sock');
}

function time(s: string | undefined): number | null {
  if (!s || s.startsWith('0001-')) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

export function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

export class DockerClient {
  constructor(private readonly docker: Docker) {}

  /** dockerd's `info` (doctor reads runtimes, cgroup driver, security options). */
  async info(): Promise<Record<string, unknown>> {
    return (await this.docker.info()) as Record<string, unknown>;
  }

  /** One stats sample at once ('one-shot': no ~1-2 s wait for a second reading). */
  async statsOnce(id: string): Promise<DockerStatsSample> {
    return (await this.docker
      .getContainer(id)
      .stats({ stream: false, 'one-shot': true })) as unknown as DockerStatsSample;
  }

  /** Docker's event stream for ds01's containers (newline-separated JSON). */
  async containerEvents(): Promise<NodeJS.ReadableStream> {
    return (await this.docker.getEvents({
      filters: { type: ['container'], label: [LABELS.ownerUid] },
    })) as NodeJS.ReadableStream;
  }

  async version(): Promise<string> {
    const v = await this.docker.version();
    return v.Version;
  }

  /**
   * Top-level images (tagged or dangling), or with `all` also a build's intermediate layers; `label`
   * filters as Docker's label filter does. Raw Docker errors.
   */
  async listImages(opts: { label?: string; all?: boolean } = {}): Promise<DockerImageSummary[]> {
    const list = await (opts.label !== undefined
      ? this.docker.listImages({ filters: { label: [opts.label] } })
      : opts.all
        ? this.docker.listImages({ all: true })
        : this.docker.listImages());
    return list.map((i) => ({
      id: i.Id,
      repoTags: i.RepoTags ?? [],
      repoDigests: i.RepoDigests ?? [],
      labels: i.Labels ?? {},
      sizeBytes: i.Size,
      created: i.Created,
    }));
  }

  /** One image by reference or id; raw Docker errors (404 when there is none). */
  async inspectImage(ref: string): Promise<DockerImageDetail> {
    const i = await this.docker.getImage(ref).inspect();
    return {
      id: i.Id,
      labels: i.Config?.Labels ?? {},
      layers: i.RootFS?.Layers ?? [],
      onBuild: i.Config?.OnBuild ?? [],
    };
  }

  /** Remove an image; raw Docker errors (409 in use, 404 gone). */
  async removeImage(ref: string, opts: { force?: boolean; noprune?: boolean }): Promise<void> {
    await this.docker.getImage(ref).remove(opts);
  }

  async tagImage(id: string, repo: string, tag: string): Promise<void> {
    await this.docker.getImage(id).tag({ repo, tag });
  }

  /** Start a build; its output is Docker's JSON-lines progress stream. Raw Docker errors. */
  async buildImage(context: Readable, options: DockerBuildOptions): Promise<NodeJS.ReadableStream> {
    return this.docker.buildImage(context, options);
  }

  /** Every container on the host, any state, with the image id it runs. */
  async listAllContainers(): Promise<DockerContainerUse[]> {
    const list = await this.docker.listContainers({ all: true });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      state: c.State,
      labels: c.Labels ?? {},
      imageId: c.ImageID,
    }));
  }

  /**
   * Pull `name` (an exact reference) and wait for the end of its progress stream. Rejects with the raw
   * error: the request's, the stream's, or the first `error` message in the progress.
   */
  async pullImage(name: string): Promise<void> {
    const stream = (await this.docker.pull(name)) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      this.docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
        const failed = err ?? out?.find((m) => m.error)?.error;
        if (failed) reject(failed);
        else resolve();
      });
    });
  }

  /** Every container carrying a ds01 owner label, running or not. */
  async listManaged(): Promise<DockerContainer[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [LABELS.ownerUid] } });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      state: c.State,
      labels: c.Labels ?? {},
      createdAt: c.Created * 1000,
      startedAt: null,
      finishedAt: null,
    }));
  }

  /** One container by id, or null if Docker does not have it. */
  async inspect(id: string): Promise<DockerContainer | null> {
    try {
      const i = await this.docker.getContainer(id).inspect();
      return {
        id: i.Id,
        name: i.Name.replace(/^\//, ''),
        image: i.Config.Image,
        state: i.State.Status,
        labels: i.Config.Labels ?? {},
        createdAt: time(i.Created) ?? Date.now(),
        startedAt: time(i.State.StartedAt),
        finishedAt: time(i.State.FinishedAt),
      };
    } catch (err) {
      if (statusCode(err) === 404) return null;
      throw err;
    }
  }
}

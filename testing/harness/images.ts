// Offline test images: no registry is reachable, so the base is a busybox-static rootfs imported with
// `docker import`; anything else is `docker build FROM` it.

import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { execFileText } from './exec.js';

export const BASE_IMAGE = 'ds01-test/busybox:latest';

function findBusybox(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) if (existsSync(p)) return p;
  throw new Error('busybox not found: apt-get install -y busybox-static');
}

async function tarStream(dir: string): Promise<NodeJS.ReadableStream> {
  const child = spawn('tar', ['-C', dir, '--numeric-owner', '-c', '.'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return child.stdout;
}

async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Import the busybox base image once per dockerd. */
export async function ensureBaseImage(docker: Docker): Promise<string> {
  if (await imageExists(docker, BASE_IMAGE)) return BASE_IMAGE;
  const busybox = findBusybox();
  const rootfs = mkdtempSync(join(tmpdir(), 'ds01-rootfs-'));
  try {
    for (const d of ['bin', 'etc', 'tmp', 'home', 'root', 'proc', 'sys', 'dev', 'workspace'])
      mkdirSync(join(rootfs, d));
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    copyFileSync(busybox, join(rootfs, 'bin/busybox'));
    chmodSync(join(rootfs, 'bin/busybox'), 0o755);
    const applets = (await execFileText(busybox, ['--list'])).split('\n').filter((a) => a && a !== 'busybox');
    for (const a of applets) symlinkSync('busybox', join(rootfs, 'bin', a));
    writeFileSync(
      join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    );
    writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    const stream = await tarStream(rootfs);
    const out = (await docker.importImage(
      stream as never,
      { repo: 'ds01-test/busybox', tag: 'latest', changes: ['CMD ["/bin/sh"]', 'ENV PATH=/bin'] } as never,
    )) as unknown as NodeJS.ReadableStream;
    await followProgress(docker, out);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  return BASE_IMAGE;
}

/** `docker build` an image from a Dockerfile text (and optional extra files) on top of the base. */
export async function buildTestImage(
  docker: Docker,
  tag: string,
  dockerfile: string,
  files: Record<string, string | Buffer> = {},
) {
  const ctx = mkdtempSync(join(tmpdir(), 'ds01-ctx-'));
  try {
    writeFileSync(join(ctx, 'Dockerfile'), dockerfile);
    for (const [name, body] of Object.entries(files)) {
      mkdirSync(dirname(join(ctx, name)), { recursive: true });
      writeFileSync(join(ctx, name), body, { mode: 0o755 });
    }
    const stream = await tarStream(ctx);
    const out = await docker.buildImage(stream as never, { t: tag, rm: true, forcerm: true });
    const events = await followProgress(docker, out);
    const failed = events.find((e) => e.error || e.errorDetail);
    if (failed)
      throw new Error(`build of ${tag} failed: ${failed.error ?? JSON.stringify(failed.errorDetail)}`);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return tag;
}

type ProgressEvent = { error?: string; errorDetail?: unknown; stream?: string };

function followProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, res: ProgressEvent[]) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/**
 * Context files (under `rootfs/`) that put host programs into a busybox image with the shared libraries
 * ldd names, at the same paths: `COPY rootfs/ /` then runs them as on the host (e.g. a real rsync).
 */
export async function hostProgramFiles(programs: string[]): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (const prog of programs) {
    files[`rootfs${prog}`] = readFileSync(prog);
    const ldd = await execFileText('ldd', [prog]);
    for (const m of ldd.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) {
      const lib = m[1] as string;
      files[`rootfs${lib}`] = readFileSync(lib);
    }
  }
  return files;
}

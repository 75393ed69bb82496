// Fault injectors for the chaos suite: a Docker socket proxy that can delay every request, nvidia-smi
// that hangs or fails, a state directory on a small tmpfs that can be filled. SIGKILL and the dockerd
// restart are the harness's own (TestDaemon.kill9, PrivateDockerd.restart).
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

/** A unix socket in front of dockerd; `delayMs` holds each request's first bytes that long. */
export interface DockerProxy {
  socketPath: string;
  delayMs: number;
  close(): Promise<void>;
}

export async function startDockerProxy(target: string, socketPath: string): Promise<DockerProxy> {
  const sockets = new Set<net.Socket>();
  const proxy: DockerProxy = {
    socketPath,
    delayMs: 0,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.pipe(client);
    client.on('data', (chunk) => {
      const delay = proxy.delayMs;
      if (delay === 0) return void upstream.write(chunk);
      client.pause();
      setTimeout(() => {
        upstream.write(chunk);
        client.resume();
      }, delay);
    });
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  return proxy;
}

/** Swap the fake nvidia-smi wrapper for one that hangs, until `restore()`. */
export function hangNvidiaSmi(binPath: string): { restore(): void } {
  const original = readFileSync(binPath, 'utf8');
  const swap = (text: string) => {
    writeFileSync(`${binPath}.chaos`, text, { mode: 0o755 });
    renameSync(`${binPath}.chaos`, binPath);
  };
  swap('#!/bin/sh\n# chaos: nvidia-smi hangs (a wedged driver)\nexec sleep 120\n');
  return { restore: () => swap(original) };
}

/** Put the daemon's state directory on its own small tmpfs (copy in, mount, copy back). Daemon stopped. */
export function mountStateTmpfs(stateDir: string, sizeMiB: number): void {
  const keep = `${stateDir}.chaos-copy`;
  run('cp', ['-a', stateDir, keep]);
  run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'ds01-chaos-state', stateDir]);
  run('cp', ['-a', `${keep}/.`, stateDir]);
  rmSync(keep, { recursive: true, force: true });
}

/** Fill the file system holding `dir` to the last block; returns the undo. */
export function fillFileSystem(dir: string): { release(): void } {
  const filler = join(dir, 'chaos-filler');
  const st = statfsSync(dir);
  // Fast, but racing the daemon's own writes it may find less room than statfs said (ENOSPC): the
  // plain write below, which stops at ENOSPC, fills whatever is left either way.
  spawnSync('fallocate', ['-l', String(Number(st.bavail) * Number(st.bsize)), filler]);
  spawnSync('sh', ['-c', `cat /dev/zero >> '${filler}.tail' 2>/dev/null`]);
  return {
    release() {
      rmSync(filler, { force: true });
      rmSync(`${filler}.tail`, { force: true });
    },
  };
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

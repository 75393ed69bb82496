// The test environment itself: a private dockerd that accepts NVIDIA DeviceRequests through the stub
// hook, enforces limits, and cleans up after itself.
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { mountsUnder, startPrivateDockerd } from '../harness/dockerd.js';

const MIG_UUID = 'MIG-c6d4f1ef-42e4-5de3-91c7-45d71c87eb3f';

describe('private dockerd', () => {
  const docker = new Docker({ socketPath: inject('dockerSocket') });
  const made: string[] = [];
  afterAll(async () => {
    for (const id of made)
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
  });

  it('is not the machine default Docker', () => {
    expect(inject('dockerSocket')).not.toBe('/var/run/docker.sock');
    expect(inject('dockerHost')).toMatch(/^unix:\/\/.*ds01-dockerd-.*\/docker\.sock$/);
  });

  it('creates and starts a container with a MIG UUID DeviceRequest and CPU/memory limits', async () => {
    const c = await docker.createContainer({
      Image: inject('baseImage'),
      Cmd: ['sh', '-c', 'echo "visible=$NVIDIA_VISIBLE_DEVICES"'],
      HostConfig: {
        NanoCpus: 500_000_000,
        Memory: 64 * 1024 * 1024,
        MemorySwap: 128 * 1024 * 1024,
        PidsLimit: 64,
        DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: [MIG_UUID], Capabilities: [['gpu']] }],
      },
    });
    made.push(c.id);
    await c.start();
    const exit = await c.wait();
    expect(exit.StatusCode).toBe(0);

    const info = await c.inspect();
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.MemorySwap).toBe(128 * 1024 * 1024);
    expect(info.HostConfig.PidsLimit).toBe(64);
    expect(info.HostConfig.DeviceRequests).toEqual([
      expect.objectContaining({ Driver: 'nvidia', DeviceIDs: [MIG_UUID], Capabilities: [['gpu']] }),
    ]);
    // dockerd turned the request into the env the NVIDIA hook reads, as on a real GPU server.
    const logs = (await c.logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toContain(`visible=${MIG_UUID}`);
  });

  it('refuses an unknown device driver (the stub hook is what registers `nvidia`)', async () => {
    const c = await docker.createContainer({
      Image: inject('baseImage'),
      Cmd: ['true'],
      HostConfig: {
        DeviceRequests: [{ Driver: 'no-such-driver', DeviceIDs: ['0'], Capabilities: [['gpu']] }],
      },
    });
    made.push(c.id);
    await expect(c.start()).rejects.toThrow(/could not select device driver/);
  });

  it('a second private dockerd starts, runs a container and leaves nothing behind when stopped', async () => {
    const other = await startPrivateDockerd();
    const d2 = new Docker({ socketPath: other.socketPath });
    // Same offline route as the shared one: import, then run something that keeps running.
    const { ensureBaseImage } = await import('../harness/images.js');
    const image = await ensureBaseImage(d2);
    const c = await d2.createContainer({ Image: image, Cmd: ['sleep', '300'] });
    await c.start();
    await other.stop();
    let alive = true;
    try {
      process.kill(other.pid, 0);
    } catch {
      alive = false;
    }
    expect(alive).toBe(false);
    expect(existsSync(other.root)).toBe(false);
    expect(mountsUnder(other.root)).toEqual([]);
  });
});

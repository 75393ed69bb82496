import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { peerCred, sdNotify } from './libc.js';

const dir = mkdtempSync(join(tmpdir(), 'ds01-libc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('peerCred', () => {
  it('reads the uid/pid of the connecting process from the kernel', async () => {
    const path = join(dir, 'p.sock');
    const got = await new Promise<ReturnType<typeof peerCred>>((resolve) => {
      const srv = net.createServer((s) => {
        const fd = (s as unknown as { _handle: { fd: number } })._handle.fd;
        resolve(peerCred(fd));
        s.destroy();
        srv.close();
      });
      srv.listen(path, () => net.connect(path).on('error', () => undefined));
    });
    expect(got).toEqual({ pid: process.pid, uid: process.getuid?.(), gid: process.getgid?.() });
  });

  it('returns null for a descriptor that is not a socket', () => {
    expect(peerCred(-1)).toBeNull();
    expect(peerCred(0.5)).toBeNull();
  });
});

describe('sdNotify', () => {
  it('is a no-op without NOTIFY_SOCKET', () => {
    expect(sdNotify('READY=1', '')).toBe(false);
  });

  it('sends the state as one datagram to a path socket', async () => {
    // Node cannot bind AF_UNIX datagram sockets, so receive with socat-free python.
    const path = join(dir, 'notify.sock');
    const py = spawn('python3', [
      '-c',
      `import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(${JSON.stringify(path)})\nprint("bound",flush=True)\nprint(s.recv(100).decode(),flush=True)`,
    ]);
    let out = '';
    py.stdout.on('data', (d) => {
      out += d;
    });
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (out.includes('bound')) {
          clearInterval(t);
          r();
        }
      }, 20);
    });
    expect(sdNotify('READY=1\nSTATUS=serving', path)).toBe(true);
    await new Promise((r) => py.on('exit', r));
    expect(out).toContain('READY=1\nSTATUS=serving');
  });
});

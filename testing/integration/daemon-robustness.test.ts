// The daemon under abuse: kill -9 in the middle of writes, hostile and malformed requests, slow
// clients. It must come back with a sound database, repair state against Docker, and never fall over.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import Database from 'better-sqlite3';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const made: string[] = [];
let d: TestDaemon;

function firstMigUuid(): string {
  const s = loadGpuScenario('a100-mig-mixed') as { gpus: { migDevices?: { uuid: string }[] }[] };
  return s.gpus.flatMap((g) => g.migDevices ?? [])[0]!.uuid;
}

async function labelled(uid: number, project: string, extra: Record<string, string> = {}) {
  const c = await docker.createContainer({
    name: `${project}._.${uid}`,
    Image: inject('baseImage'),
    Cmd: ['sleep', '600'],
    Labels: d.signed(
      {
        'ds01.owner.uid': String(uid),
        'ds01.owner.name': `user${uid}`,
        'ds01.project': project,
        ...extra,
      },
      `${project}._.${uid}`,
    ),
    HostConfig: { Init: true },
  });
  made.push(c.id);
  return c;
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

beforeAll(async () => {
  d = await startTestDaemon({ dockerHost: inject('dockerHost') });
});
afterAll(async () => {
  for (const id of made)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => undefined);
  await d?.cleanup();
});

describe('kill -9 during a burst of writes', () => {
  it('restarts onto a sound database and reconciles what changed while it was down', async () => {
    const mig = firstMigUuid();
    // A container that holds a GPU slot (recorded from its labels at adoption).
    const holder = await labelled(4242, 'holder', { 'ds01.gpu.slots': mig });
    await holder.start();
    // A burst: 25 containers created and started; each is an adoption write in the daemon.
    const burst = Array.from({ length: 25 }, (_, i) =>
      labelled(4000 + i, `burst${i}`).then((c) => c.start()),
    );
    await new Promise((r) => setTimeout(r, 400));
    await d.kill9(); // mid-burst
    await Promise.all(burst);

    // While the daemon is down: the GPU holder is removed, and one more container appears.
    await holder.remove({ force: true });
    const late = await labelled(4999, 'late');

    await d.restart();
    const db = new Database(d.dbPath, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
    } finally {
      db.close();
    }
    const all = (await d.request('GET', '/v1/containers?all=1')).body as {
      id: string;
      name: string;
      gpuSlots: unknown[];
    }[];
    const names = all.map((c) => c.name).sort();
    for (let i = 0; i < 25; i++) expect(names).toContain(`burst${i}`);
    expect(names).toContain('late');
    expect(names).not.toContain('holder');
    expect(all.find((c) => c.id === late.id)).toBeTruthy();

    const events = (await d.request('GET', '/v1/events?limit=2000')).body as {
      kind: string;
      containerId: string;
      data: { slots?: string[] };
    }[];
    expect(events.some((e) => e.kind === 'container.vanished' && e.containerId === holder.id)).toBe(true);
    expect(events.some((e) => e.kind === 'allocation.released' && e.data?.slots?.includes(mig))).toBe(true);
    expect(events.some((e) => e.kind === 'container.adopted' && e.containerId === late.id)).toBe(true);
    // No duplicates from replaying the burst.
    const adoptions = events.filter((e) => e.kind === 'container.adopted').map((e) => e.containerId);
    expect(new Set(adoptions).size).toBe(adoptions.length);

    // Migrations are idempotent: a second restart changes nothing.
    await d.stop();
    await d.restart();
    const again = (await d.request('GET', '/v1/containers?all=1')).body as unknown[];
    expect(again.length).toBe(all.length);
  });
});

describe('hostile and malformed requests', () => {
  function rawExchange(payload: string | Buffer, waitMs = 3000): Promise<string> {
    return new Promise((resolve) => {
      const s = net.connect(d.socket);
      let out = '';
      s.on('data', (c) => {
        out += c.toString('utf8');
      });
      s.on('error', () => resolve(out));
      s.on('close', () => resolve(out));
      s.write(payload);
      setTimeout(() => {
        s.destroy();
        resolve(out);
      }, waitMs);
    });
  }

  it('200 bad requests each get a 4xx JSON error and the daemon stays up with stable memory', async () => {
    const cases: { method: string; path: string; body?: string; headers?: Record<string, string> }[] = [];
    const paths = [
      '/v1/nope',
      '/v1/../etc/passwd',
      '/v1/containers/..%2f..%2fetc',
      '/v1/containers/%00',
      '/etc/shadow',
      '/v1/containers/a/b/c',
      '//v1//system',
      '/v1/events?limit=-1',
      '/v1/events?limit=abc',
      '/v1/events?bogus=1',
      '/v1/events?since=yesterday-ish',
    ];
    for (let i = 0; i < 200; i++) {
      switch (i % 10) {
        case 0:
          cases.push({ method: 'GET', path: paths[i % paths.length]! });
          break;
        case 1:
          cases.push({ method: 'POST', path: '/v1/admin/policy/check', body: '{"text": ' });
          break;
        case 2:
          cases.push({ method: 'POST', path: '/v1/admin/policy/check', body: JSON.stringify({ text: 42 }) });
          break;
        case 3:
          cases.push({
            method: 'POST',
            path: '/v1/admin/policy/check',
            body: JSON.stringify({ text: 'x', extra: true, __proto__: { admin: true } }),
          });
          break;
        case 4:
          cases.push({ method: 'DELETE', path: '/v1/system/whoami' });
          break;
        case 5:
          cases.push({
            method: 'POST',
            path: '/v1/admin/policy/check',
            body: 'a'.repeat(100),
            headers: { 'content-type': 'text/plain' },
          });
          break;
        case 6:
          cases.push({ method: 'POST', path: '/v1/system/whoami', body: '{}' });
          break;
        case 7:
          cases.push({ method: 'GET', path: `/v1/containers/${'x'.repeat(300)}` });
          break;
        case 8:
          cases.push({ method: 'POST', path: '/v1/admin/policy/check', body: '[]' });
          break;
        default:
          cases.push({ method: 'GET', path: paths[(i * 7) % paths.length]! });
      }
    }
    const before = rssKb(d.proc.pid!);
    for (const c of cases) {
      const r = await d.request(c.method, c.path, c.body, c.headers);
      expect(r.status, `${c.method} ${c.path}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${c.method} ${c.path}`).toBeLessThan(500);
      expect(r.body?.error?.code, `${c.method} ${c.path}`).toMatch(/^[A-Z_]+$/);
      expect(typeof r.body.error.message).toBe('string');
    }
    // Huge bodies: declared and undeclared.
    const huge = await d.request('POST', '/v1/admin/policy/check', 'x'.repeat(3 * 1024 * 1024));
    expect(huge.status).toBe(413);
    const chunked = await rawExchange(
      `POST /v1/admin/policy/check HTTP/1.1\r\nHost: ds01\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${`100000\r\n${'y'.repeat(0x100000)}\r\n`.repeat(3)}0\r\n\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 413/);
    // Garbage that is not HTTP, and an oversized header.
    expect(await rawExchange(Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 10, 13, 10]))).toMatch(/^HTTP\/1\.1 400/);
    expect(
      await rawExchange(
        `GET /v1/system/health HTTP/1.1\r\nHost: ds01\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`,
      ),
    ).toMatch(/^HTTP\/1\.1 431/);

    const health = await d.request('GET', '/v1/system/health');
    expect(health).toEqual({ status: 200, body: { ok: true } });
    const after = rssKb(d.proc.pid!);
    // Stable memory: 200+ bad requests do not grow the heap by more than a few MB.
    expect(after - before).toBeLessThan(40 * 1024);
  });

  it('a slowloris client is cut off and others are served meanwhile', async () => {
    const slow = net.connect(d.socket);
    let closed = false;
    let answer = '';
    slow.on('data', (c) => {
      answer += c.toString();
    });
    slow.on('close', () => {
      closed = true;
    });
    slow.write('GET /v1/system/health HTTP/1.1\r\nHost: ds01\r\n');
    const drip = setInterval(() => slow.writable && slow.write('X-Drip: 1\r\n'), 1000);
    // Meanwhile, normal clients are served.
    for (let i = 0; i < 5; i++) expect((await d.request('GET', '/v1/system/health')).status).toBe(200);
    const end = Date.now() + 20_000;
    while (!closed && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    clearInterval(drip);
    slow.destroy();
    expect(closed).toBe(true);
    expect(answer).toMatch(/408|^$/);
  });

  it('refuses a connection whose credentials cannot be read (no TCP, only the Unix socket)', async () => {
    // The API never listens on TCP; a client on the socket always has kernel credentials. Prove the
    // socket is the only door: nothing answers on the usual ports.
    const tcp = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: 9401 });
      s.on('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    expect(tcp).toBe(false);
  });
});

describe('signals and systemd', () => {
  it('SIGTERM stops cleanly and removes nothing but its socket state', async () => {
    await d.stop();
    expect(d.proc.exitCode).toBe(0);
    expect(d.logs()).toMatch(/ds01d stopped/);
    await d.restart();
  });

  it('systemd socket activation and Type=notify readiness work', async () => {
    const { DAEMON_JS } = await import('../harness/daemon.js');
    const sock = `${d.dir}/activated.sock`;
    const notify = `${d.dir}/notify.sock`;
    // A datagram receiver for sd_notify (Node cannot bind AF_UNIX datagram sockets).
    const rx = spawn('python3', [
      '-c',
      `import socket\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(${JSON.stringify(notify)})\nprint("bound",flush=True)\nprint(s.recv(500).decode().replace(chr(10)," | "),flush=True)`,
    ]);
    let rxOut = '';
    rx.stdout.on('data', (c) => {
      rxOut += c;
    });
    while (!rxOut.includes('bound')) await new Promise((r) => setTimeout(r, 50));
    const act = spawn(
      'systemd-socket-activate',
      // systemd-socket-activate passes only the variables named with -E, like systemd itself.
      [
        '-l',
        sock,
        '-E',
        `NOTIFY_SOCKET=${notify}`,
        '-E',
        `PATH=${process.env.PATH}`,
        '-E',
        'DS01_CONFIG=',
        process.execPath,
        DAEMON_JS,
        `--state-dir=${d.dir}/state2`,
        `--policy=${d.policyPath}`,
        `--docker-host=${inject('dockerHost')}`,
        `--nvidia-smi=${d.gpu.binPath}`,
      ],
      { env: { ...process.env, NOTIFY_SOCKET: notify, DS01_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let actOut = '';
    act.stdout.on('data', (c) => {
      actOut += c;
    });
    act.stderr.on('data', (c) => {
      actOut += c;
    });
    try {
      const { request } = await import('../harness/daemon.js');
      let r: { status: number; body: any } | null = null;
      for (let i = 0; i < 100 && !r; i++) {
        r = await request(sock, 'GET', '/v1/system/whoami').catch(() => null);
        if (!r) await new Promise((res) => setTimeout(res, 100));
      }
      expect(r?.status, actOut).toBe(200);
      expect(r?.body.uid).toBe(0);
      for (let i = 0; i < 100 && !/READY=1/.test(rxOut); i++)
        await new Promise((res) => setTimeout(res, 100));
      expect(rxOut).toMatch(/READY=1/);
      expect(actOut).toMatch(/socket activation/);
    } finally {
      act.kill('SIGTERM');
      rx.kill();
      await new Promise((res) => act.on('exit', res));
    }
  });
});

// SSH into a container through ds01 alone, with the real OpenSSH client: the ProxyCommand of the config
// that `ds01 ssh-config` writes runs `ds01 ssh-proxy NAME` as the user, ds01d speaks SSH on that stream.
import { statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Cast, startDaemonWithCast } from '../harness/daemon.js';
import { type SshKit, sshKit } from '../harness/ssh.js';
import { cleanupTestUsers, isRoot } from '../harness/users.js';
import { until } from '../harness/wait.js';

const image = inject('baseImage');
let cast: Cast;
let kit: SshKit;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const events = async (kind: string) => (await cast.d.request('GET', `/v1/events?kind=${kind}`)).body as any[];

describe.skipIf(!isRoot())('SSH into a container through ds01', () => {
  beforeAll(async () => {
    cast = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      policyEdits: { 'defaults.idle_timeout': '1h', 'defaults.max_runtime': '2h' },
    });
    kit = sshKit(cast.d);
    const r = await cast.d.cli(
      ['container-deploy', 'web', '--image', image, '--cpu-only', '--background'],
      cast.alice,
    );
    expect(r.code, r.stderr).toBe(0);
    await kit.writeConfig(cast.alice, ['web']);
  });
  afterAll(async () => {
    kit?.cleanup();
    await cast?.d.cleanup();
    await cleanupTestUsers();
  });

  it('runs commands as the user: whoami, cd ~ && pwd, stderr apart, the exit code', async () => {
    const { alice } = cast;
    const who = await kit.ssh(alice, ['web.ds01', 'whoami']);
    expect(who.stderr).not.toMatch(/error/i);
    expect(who.code, who.stderr).toBe(0);
    expect(who.stdout.trim()).toBe(alice.name);
    const home = await kit.ssh(alice, ['web.ds01', 'cd ~ && pwd']);
    expect(home.stdout.trim()).toBe(`/home/${alice.name}`);
    const where = await kit.ssh(alice, ['web.ds01', 'pwd; echo oops >&2; exit 7']);
    expect(where.code).toBe(7);
    expect(where.stdout.trim()).toBe('/workspace');
    expect(where.stderr).toContain('oops');
    const stdin = await kit.ssh(alice, ['web.ds01', 'wc -c'], { input: 'x'.repeat(100_000) });
    expect(stdin.stdout.trim()).toBe('100000');
    const opened = await events('access.ssh_channel');
    expect(opened.length).toBeGreaterThanOrEqual(4);
    expect(opened[0]).toMatchObject({
      actor: alice.name,
      data: expect.objectContaining({ channel: 'exec' }),
    });
    // The command text is not recorded, only its program.
    expect(JSON.stringify(opened)).not.toContain('oops');
  });

  it('keeps the host key across a redeploy under the same name (0600 in the state dir)', async () => {
    const { alice, d } = cast;
    const key = join(d.stateDir, 'ssh-host-keys', String(alice.uid), 'web.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const before = (await d.cli(['ssh-config', 'web', '--known-hosts'], alice)).stdout;
    expect(before).toMatch(/^web\.ds01 ssh-ed25519 AAAA/);
    expect((await d.cli(['container-retire', 'web', '--yes'], alice)).code).toBe(0);
    const r = await d.cli(['container-deploy', 'web', '--image', image, '--cpu-only', '--background'], alice);
    expect(r.code, r.stderr).toBe(0);
    expect((await d.cli(['ssh-config', 'web', '--known-hosts'], alice)).stdout).toBe(before);
    // known_hosts has the key from the first test: strict checking passes after the redeploy.
    const again = await kit.ssh(alice, ['-o', 'StrictHostKeyChecking=yes', 'web.ds01', 'true']);
    expect(again.code, again.stderr).toBe(0);
  });

  it("refuses bob on alice's container (exit 3, audited), and an admin too", async () => {
    const { alice, bob, carol, d } = cast;
    const mine = (await d.request('GET', '/v1/containers?all=1')).body.find(
      (c: any) => c.name === 'web' && c.owner === alice.name,
    );
    for (const ref of [`web._.${alice.uid}`, mine.id]) {
      const r = await d.cli(['ssh-proxy', ref], bob, { input: '' });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toBe('');
    }
    const denied = await events('access.denied');
    expect(denied.some((e) => e.actor === bob.name && /\/ssh$/.test(String(e.data?.path)))).toBe(true);
    const admin = await d.cli(['ssh-proxy', `web._.${alice.uid}`], carol, { input: '' });
    expect(admin.code, admin.stderr).toBe(3);
    // A login name that is not the caller's is refused by the SSH server itself.
    const other = await kit.ssh(alice, ['-l', 'root', 'web.ds01', 'true']);
    expect(other.code).toBe(255);
    expect(other.stderr).toMatch(/Permission denied/);
  });

  it('no way to root: no sudo, no new privileges, not root', async () => {
    const r = await kit.ssh(cast.alice, [
      'web.ds01',
      'id -u; grep NoNewPrivs /proc/self/status; command -v sudo || echo no-sudo; touch /etc/x 2>/dev/null || echo no-etc',
    ]);
    expect(r.stdout.split('\n')).toEqual([String(cast.alice.uid), 'NoNewPrivs:\t1', 'no-sudo', 'no-etc', '']);
  });

  it('forwards to the container’s own port only (ssh -L to busybox httpd)', async () => {
    const { alice } = cast;
    const start = await kit.ssh(alice, [
      'web.ds01',
      'mkdir -p /tmp/www && echo hello-from-web > /tmp/www/index.html && httpd -p 127.0.0.1:8080 -h /tmp/www && echo started',
    ]);
    expect(start.stdout, start.stderr).toContain('started');
    // ssh -L as a student runs it, then an HTTP client on the laptop side.
    const local = await freePort();
    const tunnel = kit.spawn(alice, ['-N', '-L', `${local}:localhost:8080`, 'web.ds01']);
    try {
      const body = await until(
        async () => {
          const r = await fetch(`http://127.0.0.1:${local}/index.html`).catch(() => null);
          return r?.ok ? r.text() : null;
        },
        (t) => t !== null,
      );
      expect(body).toContain('hello-from-web');
    } finally {
      tunnel.kill();
    }
    // -W is the same direct-tcpip request joined to ssh's stdio.
    const get = await kit.ssh(alice, ['-W', 'localhost:8080', 'web.ds01'], {
      input: 'GET /index.html HTTP/1.0\r\n\r\n',
    });
    expect(get.stdout, get.stderr).toContain('hello-from-web');
    const fwd = await events('access.ssh_channel');
    expect(fwd.some((e) => e.data?.channel === 'direct-tcpip' && e.data?.port === 8080)).toBe(true);
  });

  it('refuses forwards to other hosts, to the host’s loopback, and remote forwarding', async () => {
    const { alice } = cast;
    // Something on the HOST's loopback: it must never see a connection from the container's session.
    let hostHits = 0;
    const host = net.createServer((s) => {
      hostHits++;
      s.end('host-secret\n');
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    const port = (host.address() as net.AddressInfo).port;
    try {
      for (const target of [
        '10.1.2.3:80',
        '172.17.0.1:80',
        `0.0.0.0:${port}`,
        `127.0.0.2:${port}`,
        'example.org:443',
      ]) {
        const r = await kit.ssh(alice, ['-W', target, 'web.ds01']);
        expect(r.code, target).not.toBe(0);
        expect(r.stderr, target).toMatch(/administratively prohibited|open failed/);
      }
      // 127.0.0.1 is the container's own loopback: nothing listens there on that port.
      const own = await kit.ssh(alice, ['-W', `127.0.0.1:${port}`, 'web.ds01']);
      expect(own.stdout).not.toContain('host-secret');
      expect(hostHits).toBe(0);
      const refused = await events('access.ssh_refused');
      expect(refused.some((e) => e.data?.request === 'direct-tcpip' && e.data?.host === '10.1.2.3')).toBe(
        true,
      );
      // Remote forwarding (-R) is refused.
      const remote = await kit.ssh(alice, [
        '-o',
        'ExitOnForwardFailure=yes',
        '-N',
        '-R',
        '0:localhost:80',
        'web.ds01',
      ]);
      expect(remote.code).not.toBe(0);
      expect(remote.stderr).toMatch(/remote port forwarding failed/i);
      expect((await events('access.ssh_refused')).some((e) => e.data?.request === 'tcpip-forward')).toBe(
        true,
      );
    } finally {
      host.close();
    }
  });
});

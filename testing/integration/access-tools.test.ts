// The daily tools through `NAME.ds01`: an interactive session under tmux, scp (SFTP) in and out with
// ownership, rsync, a VS Code-like sequence, `ds01 ports`, `ds01 jupyter`, the idle logic seeing SSH as
// "attached", and once the laptop path through a real host sshd on 127.0.0.1 with a key.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Cast, startDaemonWithCast } from '../harness/daemon.js';
import { execFileResult, execFileText } from '../harness/exec.js';
import { buildTestImage, hostProgramFiles } from '../harness/images.js';
import { type SshKit, sshKit } from '../harness/ssh.js';
import { cleanupTestUsers, isRoot, runAs } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const base = inject('baseImage');
const RSYNC_IMAGE = 'ds01-test/rsync:latest';
const JUPYTER_IMAGE = 'ds01-test/fake-jupyter:latest';
let cast: Cast;
let kit: SshKit;
const tmuxName = `ds01ssh${process.pid}`;

// A stand-in for JupyterLab: serves HTTP on the asked port (loopback) and prints its URL with the token.
const FAKE_JUPYTER = `#!/bin/sh
port=8888; token=none
for a in "$@"; do
  case "$a" in
    --port=*) port="\${a#--port=}" ;;
    --ServerApp.token=*) token="\${a#--ServerApp.token=}" ;;
  esac
done
mkdir -p /tmp/fake-lab/lab && echo "fake jupyterlab token=$token" > /tmp/fake-lab/lab/index.html
echo "    http://127.0.0.1:$port/lab?token=$token"
exec httpd -f -p 127.0.0.1:$port -h /tmp/fake-lab
`;

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

async function httpGet(url: string): Promise<string | null> {
  const r = await fetch(url).catch(() => null);
  return r?.ok ? r.text() : null;
}

const workspace = (name: string) => join(cast.alice.home, 'workspace', name);

describe.skipIf(!isRoot())('working in a container from a laptop', () => {
  beforeAll(async () => {
    await buildTestImage(
      docker,
      RSYNC_IMAGE,
      `FROM ${base}\nCOPY rootfs/ /\nENV PATH=/usr/bin:/bin\n`,
      await hostProgramFiles(['/usr/bin/rsync']),
    );
    await buildTestImage(
      docker,
      JUPYTER_IMAGE,
      `FROM ${base}\nCOPY jupyter /bin/jupyter\nRUN chmod 755 /bin/jupyter\n`,
      {
        jupyter: FAKE_JUPYTER,
      },
    );
    cast = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      policyEdits: {
        'defaults.idle_timeout': '1h',
        'defaults.max_runtime': '2h',
        'defaults.max_containers_per_user': 5,
      },
    });
    kit = sshKit(cast.d);
    for (const [name, img] of [
      ['work', base],
      ['sync', RSYNC_IMAGE],
      ['lab', JUPYTER_IMAGE],
    ] as const) {
      const r = await cast.d.cli(
        ['container-deploy', name, '--image', img, '--cpu-only', '--background'],
        cast.alice,
      );
      expect(r.code, r.stderr).toBe(0);
    }
    await kit.writeConfig(cast.alice, ['work', 'sync', 'lab']);
  });
  afterAll(async () => {
    await execFileResult('tmux', ['-L', tmuxName, 'kill-server']);
    rmSync(join(tmpdir(), `${tmuxName}.exit`), { force: true });
    kit?.cleanup();
    await cast?.d.cleanup();
    await cleanupTestUsers();
  });

  it('an interactive session in a real terminal: prompt, resize, exit code', async () => {
    const { alice } = cast;
    const exitFile = join(tmpdir(), `${tmuxName}.exit`);
    rmSync(exitFile, { force: true });
    const env = Object.entries(kit.env(alice))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const cmd = `setpriv --reuid=${alice.uid} --regid=${alice.gid} --init-groups env ${env} TERM=xterm ssh -F ${alice.home}/.ssh/config work.ds01; echo $? > ${exitFile}; sleep 30`;
    const tmux = (...a: string[]) => execFileText('tmux', ['-L', tmuxName, ...a]);
    const screen = () => tmux('capture-pane', '-p', '-t', tmuxName).catch(() => '');
    const waitScreen = async (re: RegExp) => {
      const s = await until(screen, (t) => re.test(t), 20_000);
      expect(s).toMatch(re);
    };
    const type = async (t: string) => {
      await tmux('send-keys', '-t', tmuxName, '-l', t);
      await tmux('send-keys', '-t', tmuxName, 'Enter');
    };
    await tmux('new-session', '-d', '-s', tmuxName, '-x', '100', '-y', '30', cmd);
    await waitScreen(/\/workspace \$\s*$/m);
    await type('echo "me=$(whoami) tty=$(tty)"');
    await waitScreen(new RegExp(`^me=${alice.name} tty=/dev/pts/`, 'm'));
    await type('stty size');
    await waitScreen(/^30 100$/m);
    await tmux('resize-window', '-t', tmuxName, '-x', '120', '-y', '40');
    await new Promise((r) => setTimeout(r, 500));
    await type('stty size');
    await waitScreen(/^40 120$/m);
    await type('exit 5');
    const code = await until(
      async () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() : ''),
      (c) => c !== '',
    );
    expect(code).toBe('5');
  });

  it('scp in and out (SFTP): files land owned by the user, only where the user may write', async () => {
    const { alice, d } = cast;
    const payload = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const local = join(alice.home, 'up.bin');
    writeFileSync(local, payload);
    chownSync(local, alice.uid, alice.gid);
    const up = await kit.run(alice, 'scp', ['-F', `${alice.home}/.ssh/config`, local, 'work.ds01:up.bin']);
    expect(up.code, up.stderr).toBe(0);
    const landed = join(workspace('work'), 'up.bin');
    const put = readFileSync(landed);
    expect({ len: put.length, firstOther: put.findIndex((b) => b !== 7) }).toEqual({
      len: payload.length,
      firstOther: -1,
    });
    expect(statSync(landed).uid).toBe(alice.uid);
    expect(statSync(landed).gid).toBe(alice.gid);
    const back = join(alice.home, 'down.bin');
    const down = await kit.run(alice, 'scp', [
      '-F',
      `${alice.home}/.ssh/config`,
      'work.ds01:/workspace/up.bin',
      back,
    ]);
    expect(down.code, down.stderr).toBe(0);
    const got = readFileSync(back);
    expect(got.length).toBe(payload.length);
    expect(got.indexOf(0)).toBe(-1);
    expect(got.equals(payload)).toBe(true);
    // Not root inside: the container's /etc is not writable.
    const etc = await kit.run(alice, 'scp', [
      '-F',
      `${alice.home}/.ssh/config`,
      local,
      'work.ds01:/etc/passwd',
    ]);
    expect(etc.code).not.toBe(0);
    // Paths mean the container's: a link to a host path the daemon could read leads nowhere.
    symlinkSync(d.dbPath, join(workspace('work'), 'hostlink'));
    const esc = await kit.run(alice, 'scp', [
      '-F',
      `${alice.home}/.ssh/config`,
      'work.ds01:/workspace/hostlink',
      join(alice.home, 'x'),
    ]);
    expect(esc.code).not.toBe(0);
    expect(existsSync(join(alice.home, 'x'))).toBe(false);
    // sftp listing and mkdir work too (VS Code's file explorer uses them).
    const sftp = await kit.run(alice, 'sftp', ['-F', `${alice.home}/.ssh/config`, '-b', '-', 'work.ds01'], {
      input: 'mkdir made\nls -l\n',
    });
    expect(sftp.code, sftp.stderr).toBe(0);
    expect(sftp.stdout).toContain('up.bin');
    expect(statSync(join(workspace('work'), 'made')).uid).toBe(alice.uid);
  });

  it('rsync over ssh both ways (an image with rsync)', async () => {
    const { alice } = cast;
    const src = join(alice.home, 'data');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    writeFileSync(join(src, 'sub', 'b.txt'), 'beta\n');
    await execFileText('chown', ['-R', `${alice.uid}:${alice.gid}`, src]);
    const e = `ssh -F ${alice.home}/.ssh/config`;
    const up = await kit.run(alice, 'rsync', ['-a', '-e', e, `${src}/`, 'sync.ds01:/workspace/data/']);
    const ver = await kit.ssh(alice, ['sync.ds01', 'rsync --version']);
    expect(up.code, `${up.stderr}\n${ver.code} ${ver.stdout} ${ver.stderr}`).toBe(0);
    const there = join(workspace('sync'), 'data', 'sub', 'b.txt');
    expect(readFileSync(there, 'utf8')).toBe('beta\n');
    expect(statSync(there).uid).toBe(alice.uid);
    const back = join(alice.home, 'back');
    const down = await kit.run(alice, 'rsync', ['-a', '-e', e, 'sync.ds01:/workspace/data/', `${back}/`]);
    expect(down.code, down.stderr).toBe(0);
    expect(readFileSync(join(back, 'a.txt'), 'utf8')).toBe('alpha\n');
  });

  it('a VS Code-like sequence: a multi-line script without a pty, then a forward to the port it opened', async () => {
    const { alice } = cast;
    const script = [
      'set -e',
      'mkdir -p /tmp/vsc && echo "vscode-server-ok $(whoami)" > /tmp/vsc/index.html',
      'PORT=39017',
      'httpd -p 127.0.0.1:$PORT -h /tmp/vsc',
      'echo "listeningOn==$PORT=="',
      '',
    ].join('\n');
    const r = await kit.ssh(alice, ['-T', 'work.ds01', 'sh'], { input: script });
    expect(r.code, r.stderr).toBe(0);
    const port = Number(/listeningOn==(\d+)==/.exec(r.stdout)?.[1]);
    expect(port).toBe(39017);
    const local = await freePort();
    const tunnel = kit.spawn(alice, ['-N', '-L', `${local}:127.0.0.1:${port}`, 'work.ds01']);
    try {
      const body = await until(
        () => httpGet(`http://127.0.0.1:${local}/index.html`),
        (t) => t !== null,
      );
      expect(body).toBe(`vscode-server-ok ${alice.name}\n`);
      // What listens is visible with `ds01 ports`.
      const ports = await cast.d.cli(['ports', 'work', '--json'], alice);
      expect(JSON.parse(ports.stdout).ports).toContainEqual({ port, address: '127.0.0.1' });
    } finally {
      tunnel.kill();
    }
  });

  it('ds01 jupyter starts it, and the printed ssh line and URL reach it from outside', async () => {
    const { alice, d } = cast;
    const none = await d.cli(['jupyter', 'work'], alice);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/image-update .*--add jupyterlab/);
    const r = await d.cli(['jupyter', 'lab', '--port', '8899'], alice);
    expect(r.code, r.stderr).toBe(0);
    const [sshLine, url] = r.stdout.trim().split('\n');
    expect(sshLine).toBe('ssh -N -L 8899:localhost:8899 lab.ds01');
    expect(url).toMatch(/^http:\/\/localhost:8899\/lab\?token=[0-9a-f]{48}$/);
    const token = new URL(url as string).searchParams.get('token');
    // Run the printed line (on another local port: 8899 may be taken on this machine).
    const local = await freePort();
    const args = (sshLine as string)
      .split(' ')
      .slice(1)
      .map((a) => a.replace('8899:localhost', `${local}:localhost`));
    const tunnel = kit.spawn(alice, args);
    try {
      const body = await until(
        () => httpGet((url as string).replace(':8899/', `:${local}/`).replace('/lab?', '/lab/?')),
        (t) => t !== null,
      );
      expect(body).toBe(`fake jupyterlab token=${token}\n`);
    } finally {
      tunnel.kill();
    }
    // Asked again, it says the same URL (it is already running).
    const again = await d.cli(['jupyter', 'lab', '--port', '8899'], alice);
    expect(again.stdout).toContain(url);
    // ...also after ds01d restarts: the token is kept root-only in the state dir, not in memory.
    await d.restart();
    const afterRestart = await d.cli(['jupyter', 'lab', '--port', '8899'], alice);
    expect(afterRestart.code, afterRestart.stderr).toBe(0);
    expect(afterRestart.stdout).toContain(url);
    const tokens = join(d.stateDir, 'jupyter-tokens');
    expect(statSync(tokens).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(tokens)) {
      const st = statSync(join(tokens, f));
      expect([st.uid, st.mode & 0o777]).toEqual([0, 0o600]);
    }
    // Nobody else gets it: bob asking for "lab" reaches only his own containers.
    const other = await d.cli(['jupyter', 'lab', '--port', '8899'], cast.bob);
    expect(other.code).not.toBe(0);
    expect(other.stdout).not.toContain(token as string);
    // Retired, its token is forgotten at the next full reconcile (here a restart): none is left behind.
    expect((await d.cli(['container-retire', 'lab', '--yes'], alice)).code).toBe(0);
    await d.restart();
    await until(
      async () => readdirSync(tokens),
      (left) => left.length === 0,
    );
  });

  it('an open SSH session counts as attached, and container-why says so', async () => {
    const { alice, d } = cast;
    const held = kit.spawn(alice, ['work.ds01', 'sleep 20']);
    try {
      const why = await until(
        async () => JSON.parse((await d.cli(['container-why', 'work', '--json'], alice)).stdout),
        (w) => (w.signals?.sessions ?? 0) >= 1,
      );
      expect(why.signals.sessions).toBeGreaterThanOrEqual(1);
      expect(why.text.join('\n')).toMatch(/session\(s\) attached \(shell, SSH or forwarded port\)/);
    } finally {
      held.kill();
    }
  });

  it('from a "laptop": through a real sshd on 127.0.0.1 with a key, ProxyCommand over the login', async () => {
    const { alice, d } = cast;
    const dir = mkdtempSync(join(tmpdir(), 'ds01-sshd-'));
    const port = await freePort();
    let sshd: ReturnType<typeof spawn> | null = null;
    try {
      await execFileText('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
      const key = join(alice.home, '.ssh', 'id_ed25519');
      const kg = await runAs(alice, 'ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
      expect(kg.code, kg.stderr).toBe(0);
      chmodSync(dir, 0o755); // sshd reads authorized keys as the user
      mkdirSync(join(dir, 'keys'));
      writeFileSync(join(dir, 'keys', alice.name), readFileSync(`${key}.pub`));
      mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
      // useradd leaves the password locked ("!"), and sshd without PAM refuses locked accounts even
      // for keys: "*" is no password, not locked.
      await execFileText('usermod', ['-p', '*', alice.name]);
      writeFileSync(
        join(dir, 'sshd_config'),
        [
          `Port ${port}`,
          'ListenAddress 127.0.0.1',
          `HostKey ${join(dir, 'host_key')}`,
          `PidFile ${join(dir, 'sshd.pid')}`,
          `AuthorizedKeysFile ${join(dir, 'keys')}/%u`,
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'StrictModes no',
          `AllowUsers ${alice.name}`,
          `SetEnv DS01_SOCKET=${d.socket}`,
          '',
        ].join('\n'),
      );
      sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
      await until(
        () =>
          new Promise<boolean>((r) => {
            const c = net.connect(port, '127.0.0.1');
            c.once('connect', () => {
              c.destroy();
              r(true);
            });
            c.once('error', () => r(false));
          }),
        (ok) => ok,
      );
      // The laptop's ~/.ssh/config: how to reach the server, then the generated container block.
      const cfg = join(alice.home, '.ssh', 'config');
      writeFileSync(
        cfg,
        `Host ds01server\n  HostName 127.0.0.1\n  Port ${port}\n  User ${alice.name}\n  IdentityFile ${key}\n  StrictHostKeyChecking accept-new\n\n`,
      );
      chownSync(cfg, alice.uid, alice.gid);
      const gen = await runAs(
        alice,
        join(kit.bin, 'ds01'),
        ['ssh-config', 'work', '--host', 'ds01server', '--ds01', join(kit.bin, 'ds01'), '--write', cfg],
        { env: kit.env(alice) },
      );
      expect(gen.code, gen.stderr).toBe(0);
      expect(readFileSync(cfg, 'utf8')).toContain(
        'ProxyCommand ssh -T -o ClearAllForwardings=yes ds01server',
      );
      // No DS01_SOCKET here: on the "laptop" only sshd's SetEnv gives it to the server side.
      const r = await runAs(alice, 'ssh', ['-o', 'BatchMode=yes', 'work.ds01', 'whoami; pwd'], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: alice.home },
        input: '',
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${alice.name}\n/workspace\n`);
    } finally {
      sshd?.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

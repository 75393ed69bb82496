// ds01 under a real systemd (issue 20): a Debian guest booted with systemd as PID 1 (systemd-nspawn, see
// guest.ts), dockerd inside it, and ds01 installed by scripts/install.sh as an admin would. The shipped units
// run unchanged, so every hardening option (SystemCallFilter, ProtectHome, ProtectSystem=strict, the
// capability set, RestrictNamespaces…) is exercised by: socket activation on a real user's deploy (workspace
// made under /home, bind-mounted through dockerd's mount namespace), nvidia-smi (the fake one) run by the
// unit, a policy reload, a warning written to the user's pty, the JSON journal, a stop that keeps the
// container and its GPU record, and uninstall.sh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootGuest, cannotBoot, type Guest, rootfs } from './guest.js';

const why = cannotBoot();
const USER = 'alice';
const setpriv = `setpriv --reuid=${USER} --regid=${USER} --init-groups env HOME=/home/${USER} USER=${USER} NO_COLOR=1`;
const asUser = (cmd: string) => `cd /home/${USER} && ${setpriv} ${cmd}`;
const IMAGE = 'ds01-test/busybox:latest';

/** Poll a guest command until its output passes `ok` (the guest shares 2 loaded cores: generous limits). */
async function waitFor(g: Guest, what: string, script: string, ok: (out: string) => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    const r = await g.sh(script);
    last = r.stdout + r.stderr;
    if (ok(r.stdout)) return r.stdout;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}; last output:\n${last.slice(-2000)}`);
}

/** Rows of the installed daemon's SQLite database, read with its own better-sqlite3 (daemon stopped or not). */
const sql = (g: Guest, query: string) =>
  g
    .ok(
      `node -e 'const D=require("/opt/ds01/node_modules/better-sqlite3");` +
        `const db=new D("/var/lib/ds01/ds01.db",{readonly:true});` +
        `console.log(JSON.stringify(db.prepare(process.argv[1]).all()))' ${JSON.stringify(query)}`,
    )
    .then((out) => JSON.parse(out) as Record<string, unknown>[]);

describe.skipIf(why !== null)(`ds01 under systemd${why ? ` (skipped: ${why})` : ''}`, () => {
  let g: Guest;
  let containerId = '';

  beforeAll(async () => {
    g = await bootGuest(await rootfs());
    // The guest's world: an offline image in its dockerd, the fake nvidia-smi as /usr/local/bin/nvidia-smi
    // (found on the unit's PATH like the real one), and a student account.
    await g.ok(`set -e
      d=$(mktemp -d); mkdir -p $d/bin $d/etc $d/tmp $d/workspace; chmod 1777 $d/tmp
      cp /bin/busybox $d/bin/; for a in $(/bin/busybox --list); do [ $a = busybox ] || ln -s busybox $d/bin/$a; done
      printf 'root:x:0:0:root:/root:/bin/sh\\n' >$d/etc/passwd; printf 'root:x:0:\\n' >$d/etc/group
      tar -C $d -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - ${IMAGE} >/dev/null; rm -rf $d
      mkdir -p /usr/local/lib/ds01-test
      cp /src/testing/fake-nvidia-smi/*.mjs /src/testing/fixtures/gpu-scenarios/a100-mig-mixed.json /usr/local/lib/ds01-test/
      printf '#!/bin/sh\\nFAKE_NVIDIA_SMI_SCENARIO=/usr/local/lib/ds01-test/a100-mig-mixed.json exec /usr/bin/node /usr/local/lib/ds01-test/nvidia-smi.mjs "$@"\\n' >/usr/local/bin/nvidia-smi
      chmod 0755 /usr/local/bin/nvidia-smi
      useradd --create-home --shell /bin/sh ${USER}`);
  }, 15 * 60_000);

  afterAll(async () => {
    await g?.shutdown();
  }, 60_000);

  it('installs with scripts/install.sh and comes up under systemd', async () => {
    const out = await g.ok('cd /src && bash scripts/install.sh', { timeout: 300_000 });
    expect(out).toMatch(/ds01 install/);
    expect((await g.sh('systemctl is-enabled ds01d.socket ds01d.service')).stdout.split('\n')).toEqual(
      expect.arrayContaining(['enabled']),
    );
    await waitFor(g, 'ds01d active', 'systemctl is-active ds01d.service', (o) => o.trim() === 'active');
    // The site's policy: the test policy with the lifecycle slowed down; edited below with a reload.
    await g.ok(`set -e
      cp /src/testing/fixtures/policies/test-fast.yaml /etc/ds01/resource-limits.yaml
      sed -i -e 's/^  idle_timeout: 20s/  idle_timeout: 1h/' -e 's/^  max_runtime: 2m/  max_runtime: 1h/' \\
        -e 's/^  never_started_timeout: 20s/  never_started_timeout: 1h/' -e 's/^  warning_points: .*/  warning_points: [50s]/' \\
        /etc/ds01/resource-limits.yaml
      grep -q '^  idle_timeout: 1h' /etc/ds01/resource-limits.yaml`);
  }, 360_000);

  it('a real user deploys through socket activation', async () => {
    await g.ok('systemctl stop ds01d.service');
    expect((await g.sh('systemctl is-active ds01d.service')).stdout.trim()).toBe('inactive');
    expect((await g.sh('systemctl is-active ds01d.socket')).stdout.trim()).toBe('active');
    const r = await g.sh(
      asUser(`ds01 container deploy exp1 --image ${IMAGE} --mig 1g.10gb --background --json`),
      { timeout: 180_000 },
    );
    const journal = async () => (await g.sh('journalctl -u ds01d --no-pager | tail -40')).stdout;
    expect(r.code, `${r.stdout}${r.stderr}\n${await journal()}`).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.container).toMatchObject({ name: 'exp1', owner: USER, state: 'running' });
    expect(out.container.gpuSlots).toHaveLength(1);
    containerId = out.container.id;
    expect((await g.sh('systemctl is-active ds01d.service')).stdout.trim()).toBe('active');
    // The workspace the unit made under /home (ProtectHome=tmpfs + BindPaths) belongs to the user, and
    // the container runs as them with the slot it was given.
    expect((await g.ok(`stat -c %U /home/${USER}/workspace/exp1`)).trim()).toBe(USER);
    const inspect = JSON.parse(await g.ok(`docker inspect ${containerId}`))[0];
    expect(inspect.State.Running).toBe(true);
    expect(inspect.HostConfig.DeviceRequests[0].DeviceIDs).toEqual([out.container.gpuSlots[0].uuid]);
  }, 240_000);

  it('the unit’s sandbox: one long-lived workspace helper in dockerd’s namespace, the user files in the layer', async () => {
    // ds01d's children running the helper (issue 17): exactly one, in dockerd's mount namespace, not ds01d's.
    const ns = (
      await g.ok(`set -e
        main=$(systemctl show -p MainPID --value ds01d.service)
        for d in /proc/[0-9]*; do
          read -r _ _ _ ppid _ < $d/stat 2>/dev/null || continue
          [ "$ppid" = "$main" ] && tr '\\0' ' ' < $d/cmdline | grep -q 'bind-helper.js --serve' && echo "helper $(readlink $d/ns/mnt)"
        done
        echo "ds01d $(readlink /proc/$main/ns/mnt)"
        echo "dockerd $(readlink /proc/$(cat /run/docker.pid)/ns/mnt)"`)
    )
      .trim()
      .split('\n');
    const helpers = ns.filter((l) => l.startsWith('helper '));
    const of = (who: string) => ns.find((l) => l.startsWith(`${who} `))?.split(' ')[1];
    expect(helpers, ns.join('\n')).toHaveLength(1);
    expect(helpers[0]?.split(' ')[1]).toBe(of('dockerd'));
    expect(of('ds01d')).not.toBe(of('dockerd'));
    // whoami and cd ~ inside; on overlay2 no archive put happened (Docker's extract-to-dir event).
    const inside = await g.ok(`docker exec ${containerId} sh -c 'whoami; cd ~ && pwd'`);
    expect(inside.split('\n')).toEqual([USER, `/home/${USER}`, '']);
    const driver = (await g.ok(`docker info -f '{{.Driver}}'`)).trim();
    const events = await g.ok(
      `docker events --since 30m --until "$(date +%s)" --filter container=${containerId} --format '{{.Action}}'`,
    );
    if (driver === 'overlay2') expect(events).not.toContain('extract-to-dir');
    else expect(events).toContain('extract-to-dir');
  }, 120_000);

  it('builds the user’s image under the sandbox (PrivateTmp spooling, NoExecPaths, the build limits)', async () => {
    const r = await g.sh(
      asUser(`ds01 image create proj --base ${IMAGE} --no-jupyter --no-datascience --yes`),
      { timeout: 240_000 },
    );
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    const uid = (await g.ok(`id -u ${USER}`)).trim();
    expect(r.stderr).toContain(`built ds01-${uid}/proj:latest`);
  }, 300_000);

  it('a policy edit takes effect on systemctl reload, and the warning reaches the user’s terminal', async () => {
    // A terminal of the user's: `script` on a pty they own (setsid: it outlives this nsenter).
    await g.ok(
      `cd /home/${USER} && setsid -f ${setpriv} script -q -f -c 'sleep 600' /home/${USER}/terminal.log </dev/null >/dev/null 2>&1`,
    );
    await waitFor(g, 'the terminal', `test -f /home/${USER}/terminal.log && echo yes`, (o) =>
      o.includes('yes'),
    );
    await g.ok("sed -i -e 's/^  idle_timeout: 1h/  idle_timeout: 60s/' /etc/ds01/resource-limits.yaml");
    await g.ok('systemctl reload ds01d.service');
    await waitFor(g, 'policy.reloaded', 'ds01 events --json --kind policy.reloaded', (o) =>
      o.includes('policy.reloaded'),
    );
    const terminal = await waitFor(
      g,
      'the warning on the user’s terminal',
      `cat /home/${USER}/terminal.log`,
      (t) => /your container exp1 will be stopped in/.test(t),
      90_000,
    );
    expect(terminal).toMatch(/idle/);
  }, 240_000);

  it('journalctl -u ds01d holds the daemon’s JSON log, with no permission error from the sandbox', async () => {
    const lines = (await g.ok('journalctl -u ds01d -o json --no-pager')).trim().split('\n');
    const records = lines
      .map((l) => JSON.parse(l) as { MESSAGE?: string; _SYSTEMD_UNIT?: string })
      .filter((e) => e._SYSTEMD_UNIT === 'ds01d.service' && e.MESSAGE?.startsWith('{'))
      .map((e) => JSON.parse(e.MESSAGE as string) as { level?: string; msg?: string });
    expect(records.length).toBeGreaterThan(5);
    expect(records.every((r) => typeof r.msg === 'string')).toBe(true);
    // A hardening option that breaks a feature shows up as EPERM/EROFS/EACCES in the daemon's own log.
    const denied = records.filter((r) =>
      /EPERM|EROFS|EACCES|not permitted|read-only file system/i.test(JSON.stringify(r)),
    );
    expect(denied, JSON.stringify(denied, null, 1)).toEqual([]);
  });

  it('systemctl stop keeps the container and its GPU record; a start finds them again', async () => {
    await g.ok('systemctl stop ds01d.socket ds01d.service');
    expect((await g.sh('systemctl is-active ds01d.service')).stdout.trim()).toBe('inactive');
    expect(JSON.parse(await g.ok(`docker inspect ${containerId}`))[0].State.Running).toBe(true);
    const live = await sql(
      g,
      `SELECT slot_uuid, state FROM allocations WHERE container_id = '${containerId}'`,
    );
    expect(live).toEqual([expect.objectContaining({ state: 'active' })]);
    expect(await sql(g, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    await g.ok('systemctl start ds01d.socket');
    const list = JSON.parse(await g.ok(asUser('ds01 container list --json'), { timeout: 60_000 }));
    const rows = Array.isArray(list) ? list : list.containers;
    expect(rows).toEqual([expect.objectContaining({ name: 'exp1', state: 'running' })]);
  }, 180_000);

  it('scores OK on systemd-analyze security as installed', async () => {
    const out = await g.ok('systemd-analyze security ds01d.service --no-pager');
    const m = /Overall exposure level for ds01d\.service: ([\d.]+)/.exec(out);
    expect(m, out.slice(-500)).not.toBeNull();
    console.log(`systemd-analyze security ds01d.service (booted guest): ${m?.[1]}`);
    expect(Number(m?.[1])).toBeLessThan(5);
  });

  it('uninstall.sh removes ds01 and leaves the user’s container and the state', async () => {
    const out = await g.ok('bash /src/scripts/uninstall.sh', { timeout: 120_000 });
    expect(out).toMatch(/uninstall: done/);
    expect((await g.sh('systemctl cat ds01d.service')).code).not.toBe(0);
    expect((await g.sh('test -e /opt/ds01')).code).not.toBe(0);
    expect((await g.sh('test -e /usr/local/bin/ds01')).code).not.toBe(0);
    expect((await g.sh('test -S /run/ds01/ds01.sock')).code).not.toBe(0);
    expect(JSON.parse(await g.ok(`docker inspect ${containerId}`))[0].State.Running).toBe(true);
    expect((await g.sh('test -f /var/lib/ds01/ds01.db')).code).toBe(0);
  });
});

// A create that fails after Docker made the container is undone — but the store gives up the row and
// its GPU only once Docker has really removed the container. Found by the chaos suite: during a dockerd
// restart the remove failed, the row was marked removed and the slot released anyway, leaving a
// container Docker kept with devices nobody accounted for. Here an HTTP-aware proxy in front of the
// private dockerd fails the user set-up (archive PUT) and, for a while, every DELETE.
import { rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;

/** Forwards HTTP to dockerd's socket; requests matching `fail` get a 500, `holdStart` never get an answer. */
function faultProxy(target: string, socketPath: string) {
  const rules = { failPut: false, failDelete: false, holdStart: false };
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (rules.holdStart && req.method === 'POST' && /\/containers\/[^/]+\/start/.test(url)) {
      held.push(res);
      return;
    }
    if (
      (rules.failPut && req.method === 'PUT' && /\/containers\/[^/]+\/archive/.test(url)) ||
      (rules.failDelete && req.method === 'DELETE' && /\/containers\//.test(url))
    ) {
      res.writeHead(500, { 'content-type': 'application/json' });
      return void res.end('{"message":"injected fault"}');
    }
    const up = http.request(
      { socketPath: target, path: url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        // Docker's event stream sends nothing until an event: pass its headers on now, as dockerd does.
        res.flushHeaders();
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return {
    rules,
    held,
    dropHeld: () => {
      for (const res of held.splice(0)) res.destroy();
    },
    listen: () => new Promise<void>((r) => server.listen(socketPath, r)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const sock = join(tmpdir(), `ds01-undo-proxy-${process.pid}.sock`);
const proxy = faultProxy(inject('dockerSocket'), sock);

describe.skipIf(!isRoot())('undo of a half-made container', () => {
  beforeAll(async () => {
    await proxy.listen();
    ({ d, alice, bob } = await startDaemonWithCast({
      dockerHost: `unix://${sock}`,
      // The injected fault is the user set-up's archive PUT: this daemon always takes that path (overlay2
      // would write into the container's layer instead; deploy-helper.test.ts tests that path).
      env: { DS01_USER_FILES: 'archive' },
      // Only the restart may remove a never-started container here, not the timeout.
      policyEdits: {
        'policies.never_started_timeout': '10m',
        // A stopped container keeps its row and its GPU on hold for the whole test.
        'defaults.container_hold_after_stop': '10m',
        'defaults.gpu_hold_after_stop': '10m',
      },
    }));
  });
  afterAll(async () => {
    await d?.cleanup();
    await proxy.close();
    rmSync(sock, { force: true });
    await cleanupTestUsers();
  });

  it('keeps the row and its GPU while Docker cannot remove the container, and gives both up once it has', async () => {
    proxy.rules.failPut = true;
    proxy.rules.failDelete = true;
    const dep = await d.cli(
      ['container-deploy', 'half', '--image', image, '--mig', '1g.10gb', '--background'],
      alice,
    );
    expect(dep.code).not.toBe(0);

    const db = new Database(d.dbPath, { readonly: true });
    try {
      const row = () =>
        db.prepare('SELECT id, removed_at FROM containers WHERE project = ?').get('half') as
          | { id: string; removed_at: number | null }
          | undefined;
      const live = () =>
        (
          db
            .prepare('SELECT COUNT(*) AS n FROM allocations WHERE container_id = ? AND released_at IS NULL')
            .get(row()?.id) as { n: number }
        ).n;
      const r = row();
      expect(r, 'the half-made container is recorded').toBeDefined();
      const id = r?.id as string;
      // Docker still has it (its remove failed): the store must not call it gone nor free its slot.
      expect((await docker.getContainer(id).inspect()).Id).toBe(id);
      expect(row()?.removed_at).toBeNull();
      expect(live()).toBe(1);
      // Held, not active: that container will never run.
      expect(
        (
          db
            .prepare('SELECT state FROM allocations WHERE container_id = ? AND released_at IS NULL')
            .get(id) as { state: string }
        ).state,
      ).toBe('held');

      // Docker answers again: the background retry removes it, then the row and the slot go, audited.
      proxy.rules.failDelete = false;
      proxy.rules.failPut = false;
      await until(
        async () => row()?.removed_at ?? null,
        (at) => at !== null,
        30_000,
      );
      await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(live()).toBe(0);
      const kinds = (
        db.prepare('SELECT kind FROM events WHERE container_id = ? ORDER BY id').all(id) as { kind: string }[]
      ).map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['container.created', 'container.removed']));
    } finally {
      db.close();
    }
  });

  it('removes a deploy the previous ds01d died in the middle of (created, never started), and keeps a created one', async () => {
    // A `container-create` one: created on purpose, it waits for its owner's `container-start`.
    const made = await d.cli(['container-create', 'later', '--image', image, '--json'], alice);
    expect(made.code, made.stderr).toBe(0);
    const keptId = (JSON.parse(made.stdout) as { container: { id: string } }).container.id;

    // Docker never answers the deploy's start: the daemon dies between create and start.
    proxy.rules.holdStart = true;
    const dep = d.cli(
      ['container-deploy', 'cut', '--image', image, '--mig', '1g.10gb', '--background'],
      alice,
    );
    await until(
      async () => proxy.held.length,
      (n) => n > 0,
      60_000,
    );
    const db = new Database(d.dbPath, { readonly: true });
    try {
      const row = db
        .prepare('SELECT id FROM containers WHERE project = ? AND removed_at IS NULL')
        .get('cut') as {
        id: string;
      };
      expect(row, 'the deploy recorded its container before starting it').toBeDefined();
      await d.kill9();
      expect((await dep).code).not.toBe(0);
      proxy.dropHeld();
      proxy.rules.holdStart = false;
      await d.restart();

      const released = () =>
        (
          db
            .prepare('SELECT COUNT(*) AS n FROM allocations WHERE container_id = ? AND released_at IS NULL')
            .get(row.id) as { n: number }
        ).n === 0;
      await until(
        async () => released(),
        (ok) => ok,
        30_000,
      );
      await expect(docker.getContainer(row.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      const removed = db
        .prepare("SELECT reason FROM events WHERE container_id = ? AND kind = 'container.removed'")
        .get(row.id) as { reason: string } | undefined;
      expect(removed?.reason).toMatch(/deploy was cut short by a ds01d restart/);
      // The container-create one is untouched.
      expect((await docker.getContainer(keptId).inspect()).State.Status).toBe('created');
      const list = await d.cli(['container-list', '--json'], alice);
      expect(list.stdout).toContain('later');
      expect(list.stdout).not.toContain('"cut"');
    } finally {
      db.close();
    }
  });

  it('puts the GPU of a start cut short by a ds01d crash back on hold (its container never ran)', async () => {
    const dep = await d.cli(
      ['container-deploy', 'back', '--image', image, '--mig', '1g.10gb', '--background'],
      alice,
    );
    expect(dep.code, dep.stderr).toBe(0);
    const stop = await d.cli(['container-stop', 'back'], alice);
    expect(stop.code, stop.stderr).toBe(0);
    const db = new Database(d.dbPath, { readonly: true });
    try {
      const id = (
        db.prepare('SELECT id FROM containers WHERE project = ? AND removed_at IS NULL').get('back') as {
          id: string;
        }
      ).id;
      const state = () =>
        (
          db
            .prepare('SELECT state FROM allocations WHERE container_id = ? AND released_at IS NULL')
            .get(id) as { state: string } | undefined
        )?.state;
      expect(
        await until(
          async () => state(),
          (s) => s === 'held',
          20_000,
        ),
      ).toBe('held');

      // The start takes the held slot back (active), then ds01d dies before Docker answers.
      proxy.rules.holdStart = true;
      const start = d.cli(['container-start', 'back'], alice);
      await until(
        async () => proxy.held.length,
        (n) => n > 0,
        60_000,
      );
      expect(state()).toBe('active');
      await d.kill9();
      expect((await start).code).not.toBe(0);
      proxy.dropHeld();
      proxy.rules.holdStart = false;
      await d.restart();

      // Docker never started it: the restarted ds01d must not leave its slot active.
      expect(
        await until(
          async () => state(),
          (s) => s !== 'active',
          30_000,
        ),
      ).toBe('held');
      expect((await docker.getContainer(id).inspect()).State.Running).toBe(false);
    } finally {
      db.close();
    }
  });

  it('finishes the removal of a container recorded removed that Docker kept, and still adopts the rest', async () => {
    const dep = await d.cli(
      ['container-deploy', 'stuck', '--image', image, '--cpu-only', '--background'],
      bob,
    );
    expect(dep.code, dep.stderr).toBe(0);
    const other = await d.cli(
      ['container-deploy', 'lost', '--image', image, '--cpu-only', '--background'],
      bob,
    );
    expect(other.code, other.stderr).toBe(0);
    await d.stop();
    // What a removal Docker reported "in progress" and then failed left: the row says removed, Docker
    // still has the container. And a second container whose row was lost (adopted from its signature).
    const rw = new Database(d.dbPath);
    const ids = (name: string) =>
      (rw.prepare('SELECT id FROM containers WHERE project = ?').get(name) as { id: string }).id;
    const stuck = ids('stuck');
    const lost = ids('lost');
    rw.prepare('UPDATE containers SET removed_at = ? WHERE id = ?').run(Date.now(), stuck);
    rw.prepare("UPDATE allocations SET state = 'released', released_at = ? WHERE container_id = ?").run(
      Date.now(),
      stuck,
    );
    rw.prepare('DELETE FROM allocations WHERE container_id = ?').run(lost);
    rw.prepare('DELETE FROM containers WHERE id = ?').run(lost);
    rw.close();
    await d.restart();

    await until(
      () =>
        docker
          .getContainer(stuck)
          .inspect()
          .then(
            () => 'there',
            () => 'gone',
          ),
      (s) => s === 'gone',
      30_000,
    );
    await expect(docker.getContainer(stuck).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const db = new Database(d.dbPath, { readonly: true });
    try {
      const adopted = await until(
        async () =>
          db.prepare('SELECT origin FROM containers WHERE id = ? AND removed_at IS NULL').get(lost) as
            | { origin: string }
            | undefined,
        (r) => r !== undefined,
        30_000,
      );
      expect(adopted?.origin).toBe('adopted');
    } finally {
      db.close();
    }
  });
});

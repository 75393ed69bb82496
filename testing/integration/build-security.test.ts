// Image builds cannot reach another user's image (issue 13 hole 3), cannot forge ds01 labels (hole 4),
// and run within the user's limits. alice has a private image with a secret; bob tries every way the
// issue found (and more) to build on it or copy from it. Ground truth is Docker's own record: no image
// made while bob tried carries the secret's layer.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packTar, type TarEntry } from '../../daemon/common/tar.js';
import { startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, isRoot, runAs, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const BASE = inject('baseImage');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let secret: { id: string; hex: string; layer: string; ref: string };

/** POST a build context as a user; the NDJSON events (or the error body) it answered. */
async function build(u: TestUser, name: string, entries: TarEntry[] | Buffer): Promise<any[]> {
  const tar = Buffer.isBuffer(entries) ? entries : await packTar(entries);
  const file = join(u.home, `ctx-${name}-${Date.now()}.tar`);
  writeFileSync(file, tar, { mode: 0o644 });
  const r = await runAs(
    u,
    'curl',
    [
      '-s',
      '--unix-socket',
      d.socket,
      '-H',
      'Content-Type: application/x-tar',
      '--data-binary',
      `@${file}`,
      `http://ds01/v1/images/build?name=${name}`,
    ],
    { timeout: 120_000 },
  );
  rmSync(file, { force: true });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Every image (any owner, tagged or not) whose layers include alice's secret layer, besides hers. */
async function imagesWithSecret(): Promise<string[]> {
  const out: string[] = [];
  for (const i of await docker.listImages({ all: true })) {
    if (i.Id === secret.id) continue;
    const layers = (await docker.getImage(i.Id).inspect()).RootFS?.Layers ?? [];
    if (layers.includes(secret.layer)) out.push(i.Id);
  }
  return out;
}

describe.skipIf(!isRoot())('image builds stay within what the user may use', () => {
  beforeAll(async () => {
    ({ d, alice, bob } = await startDaemonWithCast({ dockerHost: inject('dockerHost') }));
    const c = await docker.createContainer({ Image: BASE, Cmd: ['sh', '-c', 'echo alice-secret > /secret'] });
    await c.start();
    await c.wait();
    const ref = `ds01-${alice.uid}/private:latest`;
    await c.commit({
      repo: `ds01-${alice.uid}/private`,
      tag: 'latest',
      changes: `LABEL ds01.owner.uid=${alice.uid}`,
    });
    await c.remove({ force: true });
    const img = await docker.getImage(ref).inspect();
    const layers = img.RootFS?.Layers ?? [];
    secret = { id: img.Id, hex: img.Id.slice(7), layer: layers.at(-1) as string, ref };
  });
  afterAll(async () => {
    await docker
      .getImage(secret?.id ?? 'none')
      .remove({ force: true })
      .catch(() => undefined);
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('every way the issue found, and variants, is refused and no image gets the secret', async () => {
    const s = secret;
    const evil: [string, string][] = [
      ['continuation joined without a space', `FROM ds01-${alice.uid}/pri\\\nvate\n`],
      ['continuation before the reference', `FROM \\\n  ${s.ref}\n`],
      ['quoted reference', `FROM "${s.ref}"\n`],
      ['single-quoted', `FROM '${s.ref}'\n`],
      ['escape directive behind a BOM', `\uFEFF# escape=\`\nFROM ${BASE}\nCOPY --from=${s.ref} /secret /s\n`],
      [
        'escape directive',
        `# escape=\`\nFROM ${BASE}\nCOPY --from=ds01-${alice.uid}/pri\`\nvate /secret /s\n`,
      ],
      ['short id prefix', `FROM ${s.hex.slice(0, 5)}\n`],
      ['two-character prefix', `FROM ${s.hex.slice(0, 2)}\n`],
      ['sha256: prefix', `FROM sha256:${s.hex.slice(0, 8)}\n`],
      ['full id', `FROM ${s.id}\n`],
      ['bare full id', `FROM ${s.hex}\n`],
      ['by name', `FROM ${s.ref}\n`],
      ['docker.io form', `FROM docker.io/${s.ref}\n`],
      ['COPY --from by prefix', `FROM ${BASE}\nCOPY --from=${s.hex.slice(0, 6)} /secret /s\n`],
      [
        'COPY --from split over lines',
        `FROM ${BASE}\nCOPY --from=ds01-${alice.uid}/\\\nprivate /secret /s\n`,
      ],
      ['COPY flag split over lines', `FROM ${BASE}\nCOPY --fr\\\nom=${s.ref} /secret /s\n`],
      ['RUN --mount=from=', `FROM ${BASE}\nRUN --mount=type=bind,from=${s.ref},target=/m cat /m/secret\n`],
      ['ARG-substituted FROM', `ARG B=${s.ref}\nFROM $B\n`],
      ['ARG-substituted --from', `FROM ${BASE}\nARG B=${s.ref}\nCOPY --from=\${B} /secret /s\n`],
      ['build arg in FROM', `FROM ds01-\${DS01_UID}/private\n`],
      ['ONBUILD trigger', `FROM ${BASE}\nONBUILD COPY --from=${s.ref} /secret /s\n`],
      ['syntax directive (a frontend image)', `# syntax=${s.ref}\nFROM ${BASE}\n`],
      ['escaped name', `FROM ds01\\-${alice.uid}/private\n`],
    ];
    for (const [why, text] of evil) {
      const events = await build(bob, 'steal', [{ name: 'Dockerfile', data: text }]);
      expect([why, events.at(-1)?.type ?? events.at(-1)?.error?.code]).toEqual([why, 'error']);
    }
    // Two Dockerfiles (Docker's lower-case fallback), and the Dockerfile renamed by a pax header.
    const two = await build(bob, 'steal', [
      { name: 'Dockerfile', data: `FROM ${BASE}\n` },
      { name: 'dockerfile', data: `FROM ${s.ref}\n` },
    ]);
    expect(two.at(-1)).toMatchObject({
      type: 'error',
      message: expect.stringMatching(/more than one Dockerfile/),
    });
    expect(await imagesWithSecret()).toEqual([]);
    expect(
      (await docker.listImages())
        .flatMap((i) => i.RepoTags ?? [])
        .filter((t) => t.startsWith(`ds01-${bob.uid}/`)),
    ).toEqual([]);
    // A stage named like a prefix of alice's id is that stage, never her image.
    const stage = `b${s.hex.slice(0, 5)}`;
    const prefixed = `FROM ${BASE} AS ${stage}\nFROM ${stage}\nRUN test ! -e /secret\n`;
    expect((await build(bob, 'stage', [{ name: 'Dockerfile', data: prefixed }])).at(-1)).toMatchObject({
      type: 'done',
    });
    expect(await imagesWithSecret()).toEqual([]);
    // alice herself may build on her image, by name or full id.
    const own = await build(alice, 'derived', [
      { name: 'Dockerfile', data: `FROM ${s.id}\nRUN cat /secret\n` },
    ]);
    expect(own.at(-1), JSON.stringify(own)).toMatchObject({ type: 'done' });
  });

  it('a public base not on the host is pulled by its exact name; a ds01-… name never is', async () => {
    const missing = await build(bob, 'pull', [
      { name: 'Dockerfile', data: 'FROM ds01test-none/nothing:1\n' },
    ]);
    // The test dockerd is offline: the pull is tried, and fails with a reason.
    expect(missing.at(-1)).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/could not be pulled/),
    });
    const ns = await build(bob, 'pull', [
      { name: 'Dockerfile', data: `FROM ds01-${alice.uid}/elsewhere:1\n` },
    ]);
    expect(ns.at(-1)).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/is not on this server$/),
    });
  });

  it('a legitimate multi-stage build still works; Docker builds the Dockerfile ds01 wrote, on the authorized base', async () => {
    const events = await build(bob, 'multi', [
      {
        name: 'Dockerfile',
        data: [
          `FROM ${BASE} AS Builder`,
          'RUN echo built > /artifact \\',
          '    && echo more >> /artifact',
          '',
          `FROM ${BASE}`,
          'COPY --from=builder /artifact /artifact',
          'COPY --from=0 /artifact /again',
          'COPY hello.txt /hello.txt',
          'LABEL org.example.note="hello"',
          'CMD ["cat", "/artifact"]',
        ].join('\n'),
      },
      { name: 'hello.txt', data: 'hi\n' },
    ]);
    expect(events.at(-1), JSON.stringify(events)).toMatchObject({ type: 'done' });
    const steps = events.filter((e) => e.type === 'step').map((e) => e.instruction);
    expect(steps[0]).toMatch(/^FROM sha256:[0-9a-f]{64} AS ds01-stage-0$/);
    expect(steps).toContain('COPY --from=ds01-stage-0 /artifact /artifact');
    const img = await docker.getImage(`ds01-${bob.uid}/multi:latest`).inspect();
    const base = await docker.getImage(BASE).inspect();
    expect(img.RootFS?.Layers?.slice(0, base.RootFS?.Layers?.length)).toEqual(base.RootFS?.Layers);
    expect(img.Config.Labels).toMatchObject({
      'ds01.owner.uid': String(bob.uid),
      'org.example.note': 'hello',
    });
  });

  it('labels: ds01.* in a Dockerfile is refused; an escaped one that slips through is caught on the result, and the build step containers are never adopted', async () => {
    const slot = (loadGpuScenario('a100-mig-mixed') as { gpus: { migDevices?: { uuid: string }[] }[] }).gpus
      .flatMap((g) => g.migDevices ?? [])
      .at(-1)?.uuid as string;
    // The case, as written.
    const plain = await build(bob, 'spoof', [
      {
        name: 'Dockerfile',
        data: `FROM ${BASE}\nLABEL ds01.owner.uid=${alice.uid} ds01.owner.name=${alice.name} ds01.gpu.slots=${slot}\nRUN sleep 4\n`,
      },
    ]);
    expect(plain.at(-1)).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    // Escaped so a text check misses it: Docker's word processing turns ds\01 into ds01.
    const escaped = await build(bob, 'spoof', [
      {
        name: 'Dockerfile',
        data: `FROM ${BASE}\nLABEL ds\\01.owner.uid=${alice.uid} ds\\01.project=x ds\\01.gpu.slots=${slot}\nRUN sleep 4\n`,
      },
    ]);
    expect(escaped.at(-1), JSON.stringify(escaped.at(-1))).toMatchObject({
      type: 'error',
      code: 'FORBIDDEN',
      message: expect.stringMatching(/only ds01 may set/),
    });
    expect((await docker.listImages()).flatMap((i) => i.RepoTags ?? [])).not.toContain(
      `ds01-${bob.uid}/spoof:latest`,
    );
    // While its RUN ran, the step container carried alice's labels: nobody adopted it, the slot stayed free.
    const adopted = (await d.request('GET', '/v1/events?kind=container.adopted')).body as unknown[];
    expect(adopted).toEqual([]);
    const gpus = (await d.request('GET', '/v1/gpus')).body as { slots: { uuid: string; state: string }[] };
    expect(gpus.slots.find((s) => s.uuid === slot)?.state).toBe('available');
    expect((await d.cli(['container-list', '--json'], alice)).stdout).toBe('[]\n');
  });

  it("builds run with the user's memory and CPU limits, two at a time per user; a failed build leaves no layers", async () => {
    const probe = await build(bob, 'limits', [
      {
        name: 'Dockerfile',
        data: `FROM ${BASE}\nRUN cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us\n`,
      },
    ]);
    const out = probe.filter((e) => e.type === 'output').map((e) => e.text);
    expect(out, JSON.stringify(probe)).toContain('268435456'); // memory: 256m in test-fast.yaml
    expect(out.join(' ')).toMatch(/\b100000\b/); // max_cpus: 1 → 100000 µs of each 100000
    // Concurrency: two run, a third is refused with the reason.
    const slow = (n: string) => build(bob, n, [{ name: 'Dockerfile', data: `FROM ${BASE}\nRUN sleep 4\n` }]);
    const running = [slow('c1'), slow('c2')];
    await new Promise((r) => setTimeout(r, 1500));
    const third = await slow('c3');
    expect(third.at(-1)?.error ?? third.at(-1)).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: expect.stringMatching(/already have 2 image build\(s\) running; the limit is 2/),
    });
    for (const r of await Promise.all(running)) expect(r.at(-1)).toMatchObject({ type: 'done' });
    // A build that made a layer and then failed: the layer is gone, nothing of it stays behind.
    const before = new Set((await docker.listImages({ all: true })).map((i) => i.Id));
    const failed = await build(bob, 'fails', [
      { name: 'Dockerfile', data: `FROM ${BASE}\nRUN echo $RANDOM$RANDOM > /made\nRUN false\n` },
    ]);
    expect(failed.at(-1)).toMatchObject({ type: 'error', code: 'BUILD_FAILED' });
    const after = (await docker.listImages({ all: true })).map((i) => i.Id).filter((id) => !before.has(id));
    expect(after).toEqual([]);
    const leftover = await docker.listContainers({ all: true, filters: { status: ['created', 'exited'] } });
    expect(leftover.filter((c) => c.Image.startsWith('sha256:') && !c.Labels['ds01.owner.uid'])).toEqual([]);
  });
});

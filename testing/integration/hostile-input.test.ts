// A hostile student with curl on the socket (issue 13): requests that used to crash ds01d, images of
// another user by id prefix, ownership labels forged onto containers ds01 did not make, and connection
// exhaustion. All as real users against the real daemon and the private dockerd.
import { join } from 'node:path';
import Docker from 'dockerode';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packTar } from '../../daemon/common/tar.js';
import { REPO, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, createTestUser, isRoot, runAs, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const BASE = inject('baseImage');
const CLIENT = join(REPO, 'testing/harness/socket-client.mjs');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // admin
const made: string[] = [];

type Req = {
  method: string;
  path: string;
  body?: string;
  base64?: boolean;
  headers?: Record<string, string>;
};
type Answer = { status: number; last: string };

/** Many requests as a real user, through one client process (SO_PEERCRED says who). */
async function asUser(u: TestUser, reqs: Req[], concurrency = 4): Promise<Answer[]> {
  const r = await runAs(u, process.execPath, [CLIENT, d.socket, String(concurrency)], {
    input: JSON.stringify(reqs),
    timeout: 600_000,
  });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Answer[];
}

const deploy = (image: unknown, name: unknown = 'x'): Req => ({
  method: 'POST',
  path: '/v1/containers/deploy',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name, image, gpus: 0 }),
});

async function stillUp() {
  expect(d.proc.exitCode, d.logs().slice(-3000)).toBeNull();
  expect((await d.request('GET', '/v1/system/health')).status).toBe(200);
}

const containersOf = async (u: TestUser) =>
  docker.listContainers({ all: true, filters: { label: [`ds01.owner.uid=${u.uid}`] } });

describe.skipIf(!isRoot())('hostile input (real users, real dockerd)', () => {
  beforeAll(async () => {
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      extraArgs: ['--max-connections-per-user=8', '--max-connections=40', '--admin-connection-reserve=8'],
    }));
  });
  afterAll(async () => {
    await Promise.all(
      made.map((id) =>
        docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('the image reference that killed ds01d (a/../b) and its relatives get a 4xx; the daemon stays up', async () => {
    const images = [
      'a/../b',
      '../b',
      'a/..',
      '..',
      '.',
      './x',
      'a/./b',
      'a//b',
      '/etc',
      'a/../../../containers/json',
      'x?all=1',
      'x#frag',
      'x%2f..%2fy',
      '%2e%2e/b',
      'docker.io/../b',
      'localhost:1/../x',
      'http://evil.example/x',
      'sha256:',
      'sha256:zz',
      '@',
      ':',
      'x:',
      'x@',
      'a\u0000b',
      'a\nb',
      'a b',
      '💥',
      'A'.repeat(5000),
      `${'a/'.repeat(300)}b`,
    ];
    const answers = await asUser(bob, [
      ...images.map((i) => deploy(i)),
      ...images.map((i) => ({ ...deploy(i), path: '/v1/containers' })),
      deploy(42),
      deploy(null),
      deploy(['a']),
    ]);
    for (const [i, a] of answers.entries())
      expect([i, a.status, a.last]).toEqual([
        i,
        expect.toSatisfy((s: number) => s >= 400 && s < 500),
        a.last,
      ]);
    await stillUp();
    expect(await containersOf(bob)).toEqual([]);
  });

  it('fuzz: thousands of generated image and name strings as a real user: always a 4xx, never a crash', async () => {
    const pathish = fc
      .array(
        fc.constantFrom('a', 'b', '..', '.', '/', '%2e', ':', '@', 'sha256:', '0', 'f', '?', '#', '\\'),
        {
          maxLength: 12,
        },
      )
      .map((p) => p.join(''));
    const images = fc.sample(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        pathish,
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 64 }),
      ),
      { numRuns: 2000, seed: 13 },
    );
    const names = fc.sample(fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 80 }), pathish), {
      numRuns: 1000,
      seed: 31,
    });
    const answers = await asUser(bob, [
      ...images.map((i) => deploy(i)),
      ...names.map((n) => deploy(BASE, n)),
    ]);
    const bad = answers
      .map((a, i) => ({ ...a, i, input: i < images.length ? images[i] : names[i - images.length] }))
      // A valid name with the shared image is a real deploy (2xx) until the quota says no (403).
      .filter((a) => !(a.status >= 400 && a.status < 500) && !(a.i >= images.length && a.status < 300));
    expect(bad.slice(0, 5)).toEqual([]);
    await stillUp();
    for (const c of await containersOf(bob))
      await d.cli(['container-retire', c.Labels['ds01.project'] ?? '', '--yes'], bob);
  });

  it('fuzz: build names, tags and Dockerfiles: a 4xx or a build that ends in an error, never a crash', async () => {
    const tarOf = async (text: string) =>
      (await packTar([{ name: 'Dockerfile', data: text }])).toString('base64');
    const refs = fc.sample(
      fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('a/../b', 'sha256:0', '0', 'ds01-0/x')),
      {
        numRuns: 150,
        seed: 7,
      },
    );
    const reqs: Req[] = [];
    for (const r of refs) {
      for (const text of [`FROM ${r}\n`, `FROM ${BASE}\nCOPY --from=${r} / /x\n`]) {
        reqs.push({
          method: 'POST',
          path: '/v1/images/build?name=fuzz',
          headers: { 'content-type': 'application/x-tar' },
          body: await tarOf(text),
          base64: true,
        });
      }
    }
    for (const q of fc.sample(fc.string({ maxLength: 20 }), { numRuns: 200, seed: 5 }))
      reqs.push({
        method: 'POST',
        path: `/v1/images/build?name=${encodeURIComponent(q)}&tag=${encodeURIComponent(q)}`,
        headers: { 'content-type': 'application/x-tar' },
        body: await tarOf(`FROM ${BASE}\n`),
        base64: true,
      });
    const answers = await asUser(bob, reqs, 2);
    for (const [i, a] of answers.entries()) {
      const ok =
        (a.status >= 400 && a.status < 500) || (a.status === 200 && /"type":"(error|done)"/.test(a.last));
      expect([i, ok, a.status, a.last]).toEqual([i, true, a.status, a.last]);
    }
    await stillUp();
  });

  it("another user's image by short id prefix, sha256: prefix, full id or name: refused, never run", async () => {
    // alice's private image, as her builds make them: tagged in her namespace and labelled hers.
    const c = await docker.createContainer({ Image: BASE, Cmd: ['sh', '-c', 'echo alice-secret > /secret'] });
    made.push(c.id);
    await c.start();
    await c.wait();
    await c.commit({
      repo: `ds01-${alice.uid}/private`,
      tag: 'latest',
      changes: `LABEL ds01.owner.uid=${alice.uid}`,
    });
    const img = await docker.getImage(`ds01-${alice.uid}/private:latest`).inspect();
    const hex = img.Id.replace(/^sha256:/, '');
    const prefixes = Array.from({ length: 12 }, (_, i) => hex.slice(0, i + 1));
    const refs = [
      ...prefixes,
      ...prefixes.map((p) => `sha256:${p}`),
      img.Id,
      hex,
      `ds01-${alice.uid}/private`,
      `ds01-${alice.uid}/private:latest`,
      `docker.io/ds01-${alice.uid}/private:latest`,
      `ds01-${alice.uid}/private@${img.RepoDigests?.[0]?.split('@')[1] ?? `sha256:${hex}`}`,
    ];
    const answers = await asUser(
      bob,
      refs.map((r, i) => deploy(r, `steal${i}`)),
      2,
    );
    for (const [i, a] of answers.entries())
      expect([refs[i], a.status]).toEqual([
        refs[i],
        expect.toSatisfy((s: number) => [400, 403, 404].includes(s)),
      ]);
    // By full id or by name it is found, and refused as hers.
    expect(answers[refs.indexOf(img.Id)]?.status).toBe(403);
    expect(answers[refs.indexOf(`ds01-${alice.uid}/private`)]?.status).toBe(403);
    expect(await containersOf(bob)).toEqual([]);
    // alice herself may use it, by name or by full id; Docker is handed the id.
    const [byId] = await asUser(alice, [deploy(img.Id, 'mine')]);
    expect(byId?.status, byId?.last).toBe(200);
    const [mine] = await containersOf(alice);
    expect(mine?.ImageID).toBe(img.Id);
    expect((await d.cli(['container-retire', 'mine', '--yes'], alice)).code).toBe(0);
    await stillUp();
  });

  it('containers ds01 did not make are never adopted, whatever ds01.* labels they carry', async () => {
    const scenario = loadGpuScenario('a100-mig-mixed') as { gpus: { migDevices?: { uuid: string }[] }[] };
    const slot = scenario.gpus.flatMap((g) => g.migDevices ?? []).at(-1)?.uuid as string;
    const forged = {
      'ds01.owner.uid': String(alice.uid),
      'ds01.owner.name': alice.name,
      'ds01.project': 'spoof',
      'ds01.gpu.slots': slot,
    };
    // A real ds01 container of bob's, to copy its genuine signature from.
    expect(
      (await d.cli(['container-deploy', 'real', '--image', BASE, '--cpu-only', '--background'], bob)).code,
    ).toBe(0);
    const [real] = await containersOf(bob);
    const copied = { ...forged, 'ds01.signature': real?.Labels['ds01.signature'] as string };
    const attempts: [string | undefined, Record<string, string>][] = [
      [undefined, forged], // a build step's container: a random name
      [`spoof._.${alice.uid}`, forged], // even with the name ds01 would give it
      [`spoof2._.${alice.uid}`, { ...forged, 'ds01.signature': 'v1:00' }],
      [`spoof3._.${alice.uid}`, copied],
      [undefined, { ...real?.Labels }], // bob's genuine labels on another container
    ];
    for (const [name, Labels] of attempts) {
      const c = await docker.createContainer({
        ...(name ? { name } : {}),
        Image: BASE,
        Cmd: ['sleep', '120'],
        Labels,
      });
      made.push(c.id);
      await c.start();
    }
    await new Promise((r) => setTimeout(r, 2500));
    await d.stop();
    await d.restart(); // the start-up reconcile does not adopt them either
    const check = async () => {
      const all = (await d.request('GET', '/v1/admin/containers')).body as { id: string }[];
      for (const id of made) expect(all.map((c) => c.id)).not.toContain(id);
      const adopted = (await d.request('GET', '/v1/events?kind=container.adopted')).body as unknown[];
      expect(adopted).toEqual([]);
      const gpus = (await d.request('GET', '/v1/gpus')).body as { slots: { uuid: string; state: string }[] };
      expect(gpus.slots.find((s) => s.uuid === slot)?.state).toBe('available');
    };
    await check();
    expect((await d.cli(['container-list', '--json'], alice)).stdout).toBe('[]\n');
    expect((await d.cli(['container-retire', 'real', '--yes'], bob)).code).toBe(0);
  });

  it('connections: one user holding many gets a clear 429 past their cap; others and admins are still served', async () => {
    const dave = await createTestUser();
    // Hold `n` silent connections for `ms`; report how many the daemon refused, and when the rest closed.
    const hog = (u: TestUser, n: number, ms: number) =>
      runAs(
        u,
        process.execPath,
        [
          '-e',
          `const net=require('net');const [s,n,ms]=process.argv.slice(1);const t0=Date.now();const out=[];
           for(let i=0;i<+n;i++){const c=net.connect(s);const r={data:'',closed:null};out.push(r);
             c.on('data',d=>r.data+=d);c.on('close',()=>r.closed=Date.now()-t0);c.on('error',()=>{});}
           setTimeout(()=>{process.stdout.write(JSON.stringify(out));process.exit(0)},+ms);`,
          d.socket,
          String(n),
          String(ms),
        ],
        { timeout: 60_000 },
      ).then((r) => JSON.parse(r.stdout) as { data: string; closed: number | null }[]);
    const health = async (u: TestUser) =>
      (
        await runAs(u, 'curl', [
          '-s',
          '-o',
          '/dev/null',
          '-w',
          '%{http_code}',
          '--unix-socket',
          d.socket,
          'http://ds01/v1/system/health',
        ])
      ).stdout;

    const [erin, frank] = [await createTestUser(), await createTestUser()];
    const over = async (u: TestUser) =>
      (await runAs(u, 'curl', ['-s', '--unix-socket', d.socket, 'http://ds01/v1/system/health'])).stdout;
    const bobHog = hog(bob, 20, 16_000);
    await new Promise((r) => setTimeout(r, 1500));
    // bob's next one is refused with a reason; alice is served.
    expect(JSON.parse(await over(bob)).error).toMatchObject({
      code: 'TOO_MANY_CONNECTIONS',
      message: expect.stringMatching(/already have 8 connections open to ds01d; the limit is 8/),
    });
    expect(await health(alice)).toBe('200');
    // Fill the non-admin share (40 - 8 kept for admins = 32): bob, alice, dave and erin hold 8 each.
    const others = [hog(alice, 8, 7000), hog(dave, 8, 7000), hog(erin, 8, 7000)];
    await new Promise((r) => setTimeout(r, 1500));
    expect(JSON.parse(await over(frank)).error).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/are kept for admins/),
    });
    expect(await health(carol)).toBe('200'); // an admin, from the reserve
    expect((await d.request('GET', '/v1/system/health')).status).toBe(200); // root
    for (const held of await Promise.all(others)) expect(held.filter((r) => r.data).length).toBe(0);
    const bobResult = await bobHog;
    expect(bobResult.filter((r) => /TOO_MANY_CONNECTIONS/.test(r.data)).length).toBe(12);
    // Idle connections do not stay: the daemon closes silent ones by itself (408 after ~10 s).
    const held = bobResult.filter((r) => !/TOO_MANY_CONNECTIONS/.test(r.data));
    expect(held.length).toBe(8);
    for (const r of held) {
      expect(r.closed).not.toBeNull();
      expect(r.data === '' || /REQUEST_TIMEOUT|408/.test(r.data), r.data).toBe(true);
    }
    expect(await health(frank)).toBe('200'); // and once they are gone, everyone is served again
    await stillUp();
  });
});

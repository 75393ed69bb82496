// Issue 23 on the real daemon, with windows of seconds: a student books the server's one MIG slot; another
// deploys before the window (only by accepting a deadline), is warned and stopped at its start, and the
// booker deploys in the window on the booked slot. A booking nobody uses is released after its grace and
// the queue is served. Limits, privacy and ownership of bookings through the real CLI as real users.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Cast, startDaemonWithCast } from '../harness/daemon.js';
import { oneSlotScenario } from '../harness/fake-gpu.js';
import { cleanupTestUsers, isRoot } from '../harness/users.js';
import { until } from '../harness/wait.js';

const image = inject('baseImage');
let c: Cast;

const json = (s: string) => JSON.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();
type Row = { name: string; state: string; gpuSlots: { uuid: string }[] };
type Ev = { kind: string; reason: string; ts: string; data: Record<string, unknown> };
const events = async (kind: string) =>
  (await c.d.request('GET', `/v1/admin/events?kind=${kind}`)).body as Ev[];

async function retireAll() {
  for (const u of [c.alice, c.bob]) {
    const l = json((await c.d.cli(['container-list', '--json'], u)).stdout) as Row[];
    for (const r of l) await c.d.cli(['container-retire', r.name, '--yes'], u);
  }
}

describe.skipIf(!isRoot())('advance booking on the real daemon', () => {
  beforeAll(async () => {
    c = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      scenario: oneSlotScenario(),
      policyEdits: {
        'defaults.idle_timeout': '1h',
        'defaults.max_runtime': '1h',
        'defaults.gpu_hold_after_stop': '10m',
        'booking.no_show_grace': '4s',
        'booking.max_length': '2h',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await c?.d.cleanup();
    await cleanupTestUsers();
  });

  it('checks the booking policy, keeps others anonymous, and lets only the booker or an admin cancel', async () => {
    const { d, alice, bob, carol } = c;
    const from = Date.now() + 3_600_000;
    const long = await d.cli(['book', '--mig', '1g.10gb', '--from', iso(from), '--for', '3h'], alice);
    expect(long.code).toBe(3);
    expect(long.stderr).toMatch(/at most 2h/);
    const maint = await d.cli(
      ['book', '--mig', '1g.10gb', '--from', iso(from), '--for', '1h', '--maintenance'],
      alice,
    );
    expect(maint.code).toBe(3);
    const bad = await d.cli(['book', '--mig', '1g.10gb', '--from', 'whenever', '--for', '1h'], alice);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot read "whenever"/);

    const ok = await d.cli(
      ['book', '--mig', '1g.10gb', '--from', iso(from), '--for', '1h', '--note', 'paper', '--json'],
      alice,
    );
    expect(ok.code, ok.stderr).toBe(0);
    const b = json(ok.stdout);
    expect(b).toMatchObject({
      owner: alice.name,
      mine: true,
      phase: 'upcoming',
      state: 'booked',
      note: 'paper',
    });
    // The same slot in an overlapping window: refused, whoever asks.
    const clash = await d.cli(
      ['book', '--mig', '1g.10gb', '--from', iso(from + 1_800_000), '--for', '1h'],
      bob,
    );
    expect(clash.code).toBe(3);
    expect(clash.stderr).toMatch(/free from/);

    const seen = json((await d.cli(['book', 'list', '--all', '--json'], bob)).stdout).bookings;
    expect(seen).toEqual([expect.objectContaining({ id: b.id, owner: null, mine: false, note: null })]);
    const avail = json((await d.cli(['gpu-avail', '--at', iso(from + 60_000), '--json'], bob)).stdout);
    expect(avail.profiles).toEqual([
      expect.objectContaining({ profile: '1g.10gb', total: 1, bookable: 0, bookedByOthers: 1 }),
    ]);

    const steal = await d.cli(['book', 'cancel', String(b.id)], bob);
    expect(steal.code).toBe(3);
    const admin = await d.cli(
      ['book', 'cancel', String(b.id), '--reason', 'lab maintenance', '--json'],
      carol,
    );
    expect(admin.code, admin.stderr).toBe(0);
    expect(json(admin.stdout)).toMatchObject({ state: 'cancelled', endReason: 'lab maintenance' });
    // Cancelling again is success: the booking is already where it was asked to be.
    expect((await d.cli(['book', 'cancel', String(b.id)], alice)).code).toBe(0);
  });

  it('another deploys before the window only with a deadline, is warned and stopped at its start; the booker deploys in it', async () => {
    const { d, alice, bob } = c;
    const start = Date.now() + 25_000;
    const booked = await d.cli(
      ['book', '--mig', '1g.10gb', '--from', iso(start), '--for', '2m', '--json'],
      alice,
    );
    expect(booked.code, booked.stderr).toBe(0);
    const id = json(booked.stdout).id as number;

    const plain = await d.cli(
      ['container-deploy', 'early', '--image', image, '--mig', '1g.10gb', '--background'],
      bob,
    );
    expect(plain.code).toBe(3);
    expect(plain.stderr).toMatch(/booked by someone from/);
    expect(plain.stderr).toMatch(/--accept-deadline/);

    const early = await d.cli(
      [
        'container-deploy',
        'early',
        '--image',
        image,
        '--mig',
        '1g.10gb',
        '--background',
        '--accept-deadline',
        '--json',
      ],
      bob,
    );
    expect(early.code, early.stderr).toBe(0);
    const slot = json(early.stdout).container.gpuSlots[0].uuid as string;
    const why = await until(
      () => d.cli(['container-why', 'early'], bob),
      (r) => /booked by someone from/.test(r.stdout),
    );
    expect(why.stdout).toMatch(/It will be stopped at .*: its GPU slot is booked by someone from/);

    // Warned before, stopped at the start (not before it), its slot released at once, not held.
    const warned = await until(
      () => events('lifecycle.warning'),
      (e) => e.some((x) => /booked by someone/.test(x.reason)),
      40_000,
    );
    expect(warned.some((x) => /booked by someone/.test(x.reason))).toBe(true);
    const stopped = await until(
      () => d.cli(['container-list', '--json'], bob).then((r) => json(r.stdout) as Row[]),
      (l) => l[0]?.state === 'exited',
      60_000,
    );
    expect(stopped[0]?.state).toBe('exited');
    const stop = (await events('lifecycle.stopped')).find((e) => /booked by someone/.test(e.reason));
    expect(stop).toBeDefined();
    expect(Date.parse(stop?.ts as string)).toBeGreaterThanOrEqual(start - 1000);
    const released = (await events('allocation.released')).find((e) =>
      /booked by someone from now/.test(e.reason),
    );
    expect(released).toBeDefined();

    const mine = await until(
      () =>
        d.cli(
          ['container-deploy', 'booked', '--image', image, '--booking', String(id), '--background', '--json'],
          alice,
        ),
      (r) => r.code === 0,
      30_000,
    );
    expect(mine.code, mine.stderr).toBe(0);
    expect(json(mine.stdout).container.gpuSlots).toEqual([expect.objectContaining({ uuid: slot })]);
    const list = json((await d.cli(['book', 'list', '--json'], alice)).stdout).bookings;
    expect(list.find((x: { id: number }) => x.id === id)).toMatchObject({ state: 'used', phase: 'active' });
    await retireAll();
    expect((await d.cli(['book', 'cancel', String(id)], alice)).code).toBe(0);
  }, 180_000);

  it('a booking nobody uses is released after its grace, and the queue is served', async () => {
    const { d, alice, bob } = c;
    const start = Date.now() + 3_000;
    const booked = await d.cli(
      ['book', '--mig', '1g.10gb', '--from', iso(start), '--for', '2m', '--json'],
      alice,
    );
    expect(booked.code, booked.stderr).toBe(0);
    const id = json(booked.stdout).id as number;
    const q = await d.cli(
      [
        'container-deploy',
        'waiter',
        '--image',
        image,
        '--mig',
        '1g.10gb',
        '--background',
        '--queue',
        '--json',
      ],
      bob,
    );
    expect(q.code, q.stderr).toBe(0);
    expect(json(q.stdout)).toMatchObject({ status: 'queued' });

    const served = await until(
      () => d.cli(['container-list', '--json'], bob).then((r) => json(r.stdout) as Row[]),
      (l) => l.some((x) => x.state === 'running'),
      40_000,
    );
    expect(served[0]).toMatchObject({ name: 'waiter', state: 'running' });
    // Not before the grace ran out: the booker had the slot until then.
    const noShow = (await events('booking.no_show')).find((e) => e.data.booking === id);
    expect(noShow).toBeDefined();
    expect(Date.parse(noShow?.ts as string)).toBeGreaterThanOrEqual(start + 4_000 - 500);
    const list = json((await d.cli(['book', 'list', '--json'], alice)).stdout).bookings;
    expect(list.find((x: { id: number }) => x.id === id)).toMatchObject({ state: 'no_show' });
    const notices = await d.cli(['notices', '--all'], alice);
    expect(notices.stdout + notices.stderr).toMatch(new RegExp(`booking ${id} was not used`));
    // Usage: booked vs used GPU-hours per booker; the no-show is booked but unused, the used one was used.
    const u = json((await d.cli(['usage', '--json'], alice)).stdout).bookings;
    expect(u).toEqual([expect.objectContaining({ user: alice.name, bookings: 2, noShows: 1 })]);
    expect(u[0].usedGpuHours).toBeGreaterThan(0);
    expect(u[0].bookedGpuHours).toBeGreaterThan(u[0].usedGpuHours);
    await retireAll();
  }, 120_000);
});

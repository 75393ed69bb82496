// One rule for times people read: the server's local zone, with the zone named, in the daemon's sentences
// and in the CLI's tables alike (daemon/common/when.ts localWhen); --json keeps ISO 8601 in UTC. Run with
// the daemon and the CLI in Europe/Berlin, so a UTC time anywhere would show.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localWhen } from '../../daemon/common/when.js';
import { type Cast, startDaemonWithCast } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot } from '../harness/users.js';

const TZ = 'Europe/Berlin';
let cast: Cast;

describe.skipIf(!isRoot())('times in the server’s zone (TZ=Europe/Berlin)', () => {
  beforeAll(async () => {
    cast = await startDaemonWithCast({ dockerHost: inject('dockerHost'), env: { TZ } });
  }, 60_000);
  afterAll(async () => {
    await cast?.d.cleanup();
    await cleanupTestUsers();
  });

  it('a booking: the daemon’s event sentence and the CLI’s table both say CET; --json says UTC ISO', async () => {
    const { d, alice } = cast;
    const env = { env: { TZ } };
    // A whole minute two hours ahead, so both forms are exact.
    const from = Math.ceil((Date.now() + 2 * 3_600_000) / 60_000) * 60_000;
    const made = await d.cli(
      ['book', '--mig', '1g.10gb', '--from', new Date(from).toISOString(), '--for', '1h', '--json'],
      alice,
      env,
    );
    expect(made.code, made.stderr).toBe(0);
    const booking = JSON.parse(made.stdout) as { id: number; from: string; to: string };
    expect(booking.from).toBe(new Date(from).toISOString());

    const events = await d.cli(['events', '--kind', 'booking.created', '--json'], alice, env);
    const reason = (JSON.parse(events.stdout) as { reason: string }[])[0]?.reason ?? '';
    const berlin = localWhen(from, { zone: TZ });
    expect(berlin).toMatch(/ CES?T$/);
    expect(reason).toContain(`from ${berlin} to ${localWhen(from + 3_600_000, { zone: TZ })}`);
    expect(reason).not.toMatch(/UTC/);

    const table = await d.cli(['book', 'list'], alice, env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(berlin);
    expect(table.stdout).not.toMatch(/UTC/);
  });
});

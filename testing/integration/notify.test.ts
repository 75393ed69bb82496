// Notifications on the real daemon (issue 18): a local SMTP server and an HTTP sink. A queued deploy that
// is served sends its owner exactly one e-mail naming the container; a failing webhook is retried and then
// recorded as a notify.failed event; a secret file others can read is refused; only admins test channels;
// and a burst of 1,000 events neither slows requests nor grows the outbox or memory without bound.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent, NotifyPrefs } from '../../daemon/api/types/index.js';
import { REPO, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { startHttpSink, startSmtpSink } from '../harness/notify-sinks.js';
import { cleanupTestUsers, isRoot, runAs, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';

const CLIENT = join(REPO, 'testing/harness/socket-client.mjs');
let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // admin
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let sink: Awaited<ReturnType<typeof startHttpSink>>;
let secrets: string;

/** The API as the user (curl over the socket: identity from the kernel, like the CLI). */
async function api<T>(u: TestUser, method: string, path: string, body?: unknown) {
  const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '--unix-socket', d.socket, '-X', method];
  if (body !== undefined)
    args.push('-H', 'content-type: application/json', '--data-binary', JSON.stringify(body));
  args.push(`http://ds01${path}`);
  const r = await runAs(u, 'curl', args, { timeout: 120_000 });
  const nl = r.stdout.lastIndexOf('\n');
  const text = r.stdout.slice(0, nl);
  return { status: Number(r.stdout.slice(nl + 1)), body: (text ? JSON.parse(text) : null) as T };
}

/** A secret file as an admin writes it: root's, mode 0600 (or `mode` to test a careless one). */
function secret(name: string, value: string, mode = 0o600): string {
  const p = join(secrets, name);
  writeFileSync(p, `${value}\n`, { mode });
  return p;
}

const events = async (kind: string) =>
  (await d.request('GET', `/v1/events?kind=${kind}&limit=5000`)).body as AuditEvent[];

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

describe.skipIf(!isRoot())('notifications: e-mail and webhooks from the real daemon', () => {
  beforeAll(async () => {
    smtp = await startSmtpSink({ user: 'ds01', pass: 's3cret-pass' });
    sink = await startHttpSink();
    secrets = mkdtempSync(join(tmpdir(), 'ds01-notify-'));
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      scenario: 'consumer', // one whole GPU: a second GPU deploy queues
      env: { DS01_NOTIFY_RETRY_BASE_MS: '200', DS01_NOTIFY_MAX_ATTEMPTS: '3', DS01_NOTIFY_QUEUE_MAX: '300' },
      policyEdits: {
        'defaults.max_runtime': '1h',
        'defaults.idle_timeout': '1h',
        notifications: {
          smtp: {
            host: '127.0.0.1',
            port: smtp.port,
            security: 'none',
            user: 'ds01',
            password_file: secret('smtp-pass', 's3cret-pass'),
            from: 'ds01 <ds01@test.example>',
          },
          channels: [
            {
              name: 'ops',
              type: 'slack',
              url_file: secret('ops-url', sink.url('/ok/ops?token=T0KEN')),
              on: ['policy'],
            },
            {
              name: 'broken',
              type: 'webhook',
              url_file: secret('broken-url', sink.url('/fail/hook?token=T0KEN')),
              on: ['queue.served'],
            },
            {
              name: 'leaky',
              type: 'teams',
              url_file: secret('leaky-url', sink.url('/ok/leaky'), 0o644),
              on: [],
            },
            {
              name: 'firehose',
              type: 'mattermost',
              url_file: secret('fire-url', sink.url('/slow/fire')),
              on: ['access.'],
            },
          ],
        },
      },
    }));
  }, 120_000);
  afterAll(async () => {
    await d?.cleanup();
    await cleanupTestUsers();
    await smtp?.close();
    await sink?.close();
    if (secrets) rmSync(secrets, { recursive: true, force: true });
  });

  it('notify set/show: own address and topics; a bad address is refused with what to write', async () => {
    const bad = await d.cli(['notify', 'set', '--email', 'x@y.org, victim@z.org'], bob);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/one plain address/);
    const r = await d.cli(
      ['notify', 'set', '--email', 'bob@test.example', '--on', 'queue.served,stopped'],
      bob,
    );
    expect(r.code, r.stderr).toBe(0);
    const show = await d.cli(['notify', 'show', '--json'], bob);
    const prefs = JSON.parse(show.stdout) as NotifyPrefs;
    expect(prefs).toMatchObject({
      email: 'bob@test.example',
      emailSource: 'set',
      on: ['queue.served', 'stopped'],
    });
    expect(prefs.emailEnabled).toBe(true);
    // alice chose nothing: the default topics, and no address known (no policy map, no GECOS address).
    const a = JSON.parse((await d.cli(['notify', 'show', '--json'], alice)).stdout) as NotifyPrefs;
    expect(a).toMatchObject({ email: null, onSource: 'default' });
  });

  it('a queued deploy served: its owner gets one e-mail naming the container', async () => {
    const first = await api(alice, 'POST', '/v1/containers/deploy', { name: 'holder', gpus: 1 });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const queued = await api(bob, 'POST', '/v1/containers/deploy', { name: 'thesis', gpus: 1, queue: true });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    const holder = (first.body as { container: { id: string } }).container.id;
    const retire = await api(alice, 'POST', `/v1/containers/${holder}/retire`, { force: true });
    expect(retire.status, JSON.stringify(retire.body)).toBe(200);
    const mails = await until(
      async () => smtp.mails.filter((m) => m.to.includes('bob@test.example')),
      (m) => m.length > 0,
      90_000,
    );
    expect(mails).toHaveLength(1);
    const mail = mails[0] as (typeof mails)[number];
    expect(mail.user).toBe('ds01'); // authenticated with the password from the root-only file
    expect(mail.from).toBe('ds01@test.example');
    expect(mail.raw).toMatch(/Subject: ds01: your queued container thesis is running/);
    expect(mail.raw).toMatch(/container: thesis/);
    // The failing webhook on queue.served: tried 3 times, then one notify.failed event without its token.
    const failed = await until(
      () => events('notify.failed'),
      (e) => e.some((x) => x.data?.channel === 'broken'),
      30_000,
    );
    const f = failed.find((x) => x.data?.channel === 'broken') as AuditEvent;
    expect(f.data).toMatchObject({ topic: 'queue.served', attempts: 3 });
    expect(f.reason).toMatch(/HTTP 500/);
    expect(JSON.stringify(f)).not.toMatch(/T0KEN/);
    expect(sink.hits.filter((h) => h.path.startsWith('/fail/hook'))).toHaveLength(3);
    // Still one e-mail: retries of one channel never resend another's.
    expect(smtp.mails.filter((m) => m.to.includes('bob@test.example'))).toHaveLength(1);
  }, 180_000);

  it('channels: admins test them (Slack body shape); a secret file others can read is refused', async () => {
    const denied = await d.cli(['notify', 'test', '--channel', 'ops'], bob);
    expect(denied.code).toBe(3);
    const ok = await d.cli(['notify', 'test', '--channel', 'ops'], carol);
    expect(ok.code, ok.stderr).toBe(0);
    const hit = await until(
      async () => sink.hits.find((h) => h.path.startsWith('/ok/ops')),
      (h) => h !== undefined,
    );
    expect((hit?.body as { text: string } | undefined)?.text).toMatch(/^\*ds01: test notification\*\n/);
    expect((await d.cli(['notify', 'test', '--channel', 'leaky'], carol)).code).toBe(0);
    const leaky = await until(
      () => events('notify.failed'),
      (e) => e.some((x) => x.data?.channel === 'leaky'),
      30_000,
    );
    expect(leaky.find((x) => x.data?.channel === 'leaky')?.reason).toMatch(/chmod 600/);
    expect(sink.hits.some((h) => h.path.startsWith('/ok/leaky'))).toBe(false);
  }, 60_000);

  it('1,000 events in a burst: requests stay quick, the outbox stays bounded, memory does not run away', async () => {
    const whoamiMs = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await d.request('GET', '/v1/system/whoami');
        out.push(performance.now() - t);
      }
      out.sort((a, b) => a - b);
      return out[Math.floor(n * 0.99) - 1] as number;
    };
    const pid = d.proc.pid as number;
    const before = await whoamiMs(100);
    const rssBefore = rssKiB(pid);
    // Each refused admin request is an access.denied event; the firehose channel takes every access.* one.
    const reqs = Array.from({ length: 1000 }, () => ({ method: 'GET', path: '/v1/admin/containers' }));
    const r = await runAs(bob, process.execPath, [CLIENT, d.socket, '8'], {
      input: JSON.stringify(reqs),
      timeout: 600_000,
    });
    expect(r.code, r.stderr).toBe(0);
    // While the outbox drains to a slow sink, requests are as quick as before (within the machine's noise).
    const during = await whoamiMs(100);
    expect(during).toBeLessThan(Math.max(before * 4, before + 150));
    const delivered = await until(
      async () => sink.hits.filter((h) => h.path.startsWith('/slow/fire')).length,
      (n) => n >= 300,
      120_000,
    );
    // The outbox held at most 300: the rest were dropped (and counted), not kept in memory.
    expect(delivered).toBeGreaterThanOrEqual(300);
    expect(delivered).toBeLessThan(1000);
    const body = sink.hits.find((h) => h.path.startsWith('/slow/fire'))?.body as {
      username: string;
      text: string;
    };
    expect(body.username).toBe('ds01');
    expect(body.text).toMatch(/^#### ds01: access\.denied/);
    expect(rssKiB(pid) - rssBefore).toBeLessThan(64 * 1024);
    // No event for each drop, only the counter: the audit log got the 1,000 refusals and nothing per drop.
    expect((await events('notify.failed')).filter((e) => e.data?.channel === 'firehose')).toHaveLength(0);
  }, 600_000);
});

// Issue 19, the web socket over HTTP (no browser; web-chromium.test.ts drives Chromium): the page is
// served to whoever the kernel says connected (through a relay running as that user, as sshd does for
// `ssh -L`), with the same privacy rule as the terminal; foreign Hosts, cross-origin and token-less
// changes are refused and audited; the live feed tells a student about a slot another user just took
// without saying what it was; only the allow-listed API routes exist on the web socket.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditEvent, DashboardData } from '../../daemon/api/types/index.js';
import { startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { until } from '../harness/wait.js';
import { startWebRelay, type WebRelay, webRequest } from '../harness/web-relay.js';

let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser; // admin
const relays: WebRelay[] = [];
let aliceWeb: WebRelay;

const csrfOf = (html: string) => /<meta name="ds01-csrf" content="([^"]+)"/.exec(html)?.[1] ?? '';

/** The live feed as a list of `event` names (and data) received so far. */
function openLive(relay: WebRelay) {
  const got: { event: string; data: unknown }[] = [];
  let req!: http.ClientRequest;
  const ready = new Promise<void>((resolve, reject) => {
    req = http.get(
      {
        host: '127.0.0.1',
        port: relay.port,
        path: '/ui/live',
        agent: false,
        headers: { Host: `localhost:${relay.port}` },
      },
      (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream');
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const ev = /^event: (.*)$/m.exec(frame)?.[1] ?? '';
            const data = /^data: (.*)$/m.exec(frame)?.[1] ?? 'null';
            got.push({ event: ev, data: JSON.parse(data) });
            if (ev === 'hello') resolve();
          }
        });
      },
    );
    req.on('error', reject);
  });
  return { got, ready, close: () => req.destroy() };
}

describe.skipIf(!isRoot())('issue 19: the web dashboard socket (real daemon, real users)', () => {
  beforeAll(async () => {
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      policyEdits: { 'defaults.idle_timeout': '2h', 'defaults.max_runtime': '4h' },
    }));
    aliceWeb = await startWebRelay(alice, d.webSocket);
    relays.push(aliceWeb);
  }, 120_000);

  afterAll(async () => {
    for (const r of relays) await r.close();
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('serves the page to the connecting user, with its CSRF token and security headers', async () => {
    const page = await webRequest(aliceWeb, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(csrfOf(page.text)).toMatch(/^[0-9a-z]+\.[\w-]+\.[\w-]+$/);
    // Two loads, two tokens: each is bound to its page.
    expect(csrfOf((await webRequest(aliceWeb, 'GET', '/')).text)).not.toBe(csrfOf(page.text));
    const js = await webRequest(aliceWeb, 'GET', '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.text).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs|fonts\.)/);
    expect((await webRequest(aliceWeb, 'GET', '/assets/..%2f..%2fetc%2fpasswd')).status).toBe(404);
    expect((await webRequest(aliceWeb, 'GET', '/assets/index.html')).status).toBe(404);

    const dash = (await webRequest(aliceWeb, 'GET', '/v1/dashboard')).json() as DashboardData;
    expect(dash.viewer).toEqual({ name: alice.name, admin: false });
  });

  it('answers only for a loopback Host (DNS rebinding) and audits the refusal', async () => {
    for (const host of ['evil.example:8080', 'localhost.evil.example', '10.0.0.5:8080']) {
      const r = await webRequest(aliceWeb, 'GET', '/v1/dashboard', { headers: { Host: host } });
      expect(r.status, host).toBe(403);
      expect(r.json().error.message).toMatch(/only for localhost/);
    }
    for (const host of ['127.0.0.1:8080', '[::1]:9', 'LOCALHOST']) {
      expect((await webRequest(aliceWeb, 'GET', '/', { headers: { Host: host } })).status, host).toBe(200);
    }
    const denied = await d.request('GET', `/v1/events?kind=access.denied&user=${alice.name}&limit=50`);
    expect(denied.body.some((e: AuditEvent) => e.data?.socket === 'web')).toBe(true);
  });

  it('refuses a change from another origin, without a token, or with another user’s token', async () => {
    const dep = await d.cli(
      ['container-deploy', 'nb', '--image', inject('baseImage'), '--cpu-only', '--background'],
      alice,
    );
    expect(dep.code, dep.stderr).toBe(0);
    const token = csrfOf((await webRequest(aliceWeb, 'GET', '/')).text);
    const bobWeb = await startWebRelay(bob, d.webSocket);
    relays.push(bobWeb);
    const bobToken = csrfOf((await webRequest(bobWeb, 'GET', '/')).text);
    const json = { 'Content-Type': 'application/json' };
    const extend = (headers: Record<string, string>) =>
      webRequest(aliceWeb, 'POST', '/v1/containers/nb/extend', {
        headers: { ...json, ...headers },
        body: '{}',
      });

    // A form on another site posting to localhost:PORT: its Origin is its own.
    const form = await webRequest(aliceWeb, 'POST', '/v1/containers/nb/extend', {
      headers: { Origin: 'https://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'duration=9h',
    });
    expect(form.status).toBe(403);
    expect(form.json().error.message).toMatch(/another origin/);
    expect((await extend({ Origin: 'https://evil.example', 'X-DS01-CSRF': token })).status).toBe(403);
    expect((await extend({ 'X-DS01-CSRF': token })).status).toBe(403); // no Origin at all
    const cross = await extend({
      Origin: aliceWeb.origin,
      'X-DS01-CSRF': token,
      'Sec-Fetch-Site': 'cross-site',
    });
    expect(cross.status).toBe(403);
    const none = await extend({ Origin: aliceWeb.origin });
    expect(none.json().error.message).toMatch(/no CSRF token/);
    const bobs = await extend({ Origin: aliceWeb.origin, 'X-DS01-CSRF': bobToken });
    expect(bobs.status).toBe(403);
    expect(bobs.json().error.message).toMatch(/not this page/);
    const forged = await extend({ Origin: aliceWeb.origin, 'X-DS01-CSRF': `${token.slice(0, -2)}AA` });
    expect(forged.status).toBe(403);

    // The page itself: same origin, its token. The action reaches the same route the CLI uses.
    const ok = await extend({
      Origin: aliceWeb.origin,
      'X-DS01-CSRF': token,
      'Sec-Fetch-Site': 'same-origin',
    });
    expect([200, 400, 409]).toContain(ok.status);
    if (ok.status !== 200) expect(ok.json().error.message).not.toMatch(/CSRF|origin/i);
    // Bob's token is good on his own page, but Alice's container is not his.
    const bobTry = await webRequest(bobWeb, 'POST', '/v1/containers/nb/extend', {
      headers: { ...json, Origin: bobWeb.origin, 'X-DS01-CSRF': bobToken },
      body: '{}',
    });
    expect(bobTry.status).toBe(404);
  });

  it('has only the page’s routes: no create, no admin, no shell', async () => {
    const token = csrfOf((await webRequest(aliceWeb, 'GET', '/')).text);
    const h = { 'Content-Type': 'application/json', Origin: aliceWeb.origin, 'X-DS01-CSRF': token };
    for (const [method, path] of [
      ['POST', '/v1/containers'],
      ['POST', '/v1/containers/deploy'],
      ['POST', '/v1/containers/nb/exec'],
      ['POST', '/v1/admin/sweep'],
      ['GET', '/v1/admin/users'],
      ['POST', '/v1/images/build'],
    ] as const) {
      const r = await webRequest(aliceWeb, method, path, {
        headers: h,
        body: method === 'GET' ? undefined : '{}',
      });
      expect([404, 405], `${method} ${path}`).toContain(r.status);
    }
  });

  it('live feed: another user’s deploy arrives as a bare change; the viewer’s own events in full', async () => {
    const live = openLive(aliceWeb);
    await live.ready;
    const before = live.got.length;
    const dep = await d.cli(
      ['container-deploy', 'bobs', '--image', inject('baseImage'), '--gpus', '1', '--background'],
      bob,
    );
    expect(dep.code, dep.stderr).toBe(0);
    await until(
      async () => live.got.length,
      () => live.got.slice(before).some((m) => m.event === 'change'),
      10_000,
    );
    const afterBob = live.got.slice(before);
    expect(afterBob.some((m) => m.event === 'change')).toBe(true);
    expect(afterBob.some((m) => m.event === 'event')).toBe(false); // nothing about Bob's container
    expect(JSON.stringify(afterBob)).not.toContain(bob.name);
    // Alice's map now shows Bob's slot as taken, not as Bob's.
    const dash = (await webRequest(aliceWeb, 'GET', '/v1/dashboard')).json() as DashboardData;
    const held = dash.gpus.flatMap((g) => g.slots).filter((s) => s.holder);
    expect(held.map((s) => s.holder?.label)).toContain('taken');
    expect(JSON.stringify(dash.gpus)).not.toContain(bob.name);

    const mark = live.got.length;
    const stop = await d.cli(['container-stop', 'nb'], alice);
    expect(stop.code, stop.stderr).toBe(0);
    await until(
      async () => live.got.length,
      () => live.got.slice(mark).some((m) => m.event === 'event'),
      10_000,
    );
    const own = live.got.slice(mark).find((m) => m.event === 'event')?.data as AuditEvent | undefined;
    expect(own?.subjectUid).toBe(alice.uid);
    live.close();

    // An admin's page names the holder.
    const carolWeb = await startWebRelay(carol, d.webSocket);
    relays.push(carolWeb);
    const adminDash = (await webRequest(carolWeb, 'GET', '/v1/dashboard')).json() as DashboardData;
    expect(adminDash.viewer.admin).toBe(true);
    expect(adminDash.gpus.flatMap((g) => g.slots).map((s) => s.holder?.label)).toContain(bob.name);
  });

  it('`ds01 web` prints the ssh -L line for this server', async () => {
    const r = await d.cli(['web', '--port', '8093'], alice);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ssh -N -L 8093:${d.webSocket} ${alice.name}@`);
    expect(r.stdout).toContain('http://localhost:8093');
    const j = await d.cli(['web', '--json'], alice);
    expect(JSON.parse(j.stdout)).toMatchObject({ socket: d.webSocket, url: 'http://localhost:8080' });
  });
});

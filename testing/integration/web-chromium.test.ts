// Issue 19 in a real browser: Debian's Chromium driven by playwright-core. As a student the map shows
// "yours" on the student's slot and "taken" elsewhere; a deploy from another terminal appears on the open
// page within 2 s without a reload; an admin sees names; a cross-origin form post is refused; no console
// errors; 1280×800 and 390×844 (phone) layouts; bookings show as "booked" to students, named to admins;
// axe-core finds no serious accessibility violation.
// Screenshots go to testing/artifacts/web/ (gitignored); the path is printed.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO, startDaemonWithCast, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, isRoot, type TestUser } from '../harness/users.js';
import { startWebRelay, type WebRelay } from '../harness/web-relay.js';

const CHROMIUM = process.env.DS01_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(REPO, 'testing/artifacts/web');
const AXE = readFileSync(join(REPO, 'node_modules/axe-core/axe.min.js'), 'utf8');

let d: TestDaemon;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let browser: Browser;
const relays: WebRelay[] = [];
let evil: http.Server;
let evilPort = 0;

/** Opens the dashboard as `relay`'s user; collects console errors and failed requests. */
async function openPage(relay: WebRelay, viewport: { width: number; height: number }) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${relay.origin}/`);
  await page.waitForSelector('body[data-loaded]', { timeout: 20_000 });
  await page.waitForSelector('#live.on', { timeout: 20_000 });
  return { page, errors, close: () => ctx.close() };
}

/** axe-core's serious and critical findings on the page as it is now. */
async function axeSerious(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays on.
  await page.evaluate(AXE);
  const found = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })
      .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help })))`)) as {
    id: string;
    impact: string;
    nodes: number;
    help: string;
  }[];
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}, ${v.nodes} nodes): ${v.help}`);
}

async function shot(page: Page, name: string) {
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

const holders = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll('li.slot')].map((e) => e.dataset.holder ?? '')`) as Promise<
    string[]
  >;

describe.skipIf(!isRoot())('issue 19: the web dashboard in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-deps.sh as root`);
    mkdirSync(ARTIFACTS, { recursive: true });
    ({ d, alice, bob, carol } = await startDaemonWithCast({
      dockerHost: inject('dockerHost'),
      policyEdits: { 'defaults.idle_timeout': '2h', 'defaults.max_runtime': '4h' },
    }));
    for (const [u, name] of [
      [alice, 'train'],
      [bob, 'bobs'],
    ] as const) {
      const r = await d.cli(
        ['container-deploy', name, '--image', inject('baseImage'), '--gpus', '1', '--background'],
        u,
      );
      expect(r.code, r.stderr).toBe(0);
    }
    // Bob books a GPU for tomorrow: Alice's page shows it as booked, without his name.
    const book = await d.cli(['book', '--gpus', '1', '--from', 'tomorrow 09:00', '--for', '2h'], bob);
    expect(book.code, book.stderr).toBe(0);
    // As root, Chromium needs --no-sandbox (its sandbox refuses to run as root).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    // Another site open in the same browser: its form posts to the dashboard's origin.
    evil = http.createServer((req, res) => {
      const target = decodeURIComponent((req.url ?? '').slice(1));
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<!doctype html><html lang="en"><title>evil</title><form id="f" method="POST" action="${target}">` +
          `<input name="duration" value="99h"></form><script>document.getElementById('f').submit()</script></html>`,
      );
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    evilPort = (evil.address() as { port: number }).port;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (evil ? evil.close(r) : r(null)));
    for (const r of relays) await r.close();
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('student at 1280×800: "yours" on her slot, "taken" on Bob’s; a deploy elsewhere shows within 2 s', async () => {
    const relay = await startWebRelay(alice, d.webSocket);
    relays.push(relay);
    const { page, errors, close } = await openPage(relay, { width: 1280, height: 800 });
    const h = await holders(page);
    expect(h).toContain('yours');
    expect(h).toContain('taken');
    expect(h).not.toContain(bob.name);
    // No process outside ds01 runs here: no slot may look busy (unmanaged).
    expect(await page.$$('li.slot.unmanaged')).toHaveLength(0);
    expect(await page.textContent('#panel-containers')).toContain('train');
    const booked = (await page.textContent('#panel-bookings')) ?? '';
    expect(booked).toContain('booked');
    expect(booked).not.toContain(bob.name);
    expect(await page.textContent('#panel-disk')).toContain('No storage quota applies to you.');
    await shot(page, 'student-1280x800');

    // Another terminal: Alice deploys again. The open page shows it without reloading.
    await page.evaluate('window.__sameDocument = true');
    const before = h.filter((x) => x === 'yours').length;
    const dep = await d.cli(
      ['container-deploy', 'second', '--image', inject('baseImage'), '--gpus', '1', '--background'],
      alice,
    );
    expect(dep.code, dep.stderr).toBe(0);
    const shown = Date.now();
    await page.waitForFunction(
      `document.querySelectorAll('li.slot[data-holder="yours"]').length > ${before} &&
        (document.querySelector('#panel-containers')?.textContent ?? '').includes('second')`,
      undefined,
      { timeout: 2000 },
    );
    expect(Date.now() - shown).toBeLessThan(2000);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await shot(page, 'student-after-deploy');
    expect(await axeSerious(page)).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  });

  it('phone at 390×844: one column, nothing wider than the screen, accessible', async () => {
    const relay = relays[0] as WebRelay;
    const { page, errors, close } = await openPage(relay, { width: 390, height: 844 });
    await page.waitForSelector('.chart canvas', { timeout: 20_000 });
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await shot(page, 'student-390x844');
    expect(await axeSerious(page)).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  });

  it('admin sees who holds each slot', async () => {
    const relay = await startWebRelay(carol, d.webSocket);
    relays.push(relay);
    const { page, errors, close } = await openPage(relay, { width: 1280, height: 800 });
    const h = await holders(page);
    expect(h).toContain(alice.name);
    expect(h).toContain(bob.name);
    expect(h).not.toContain('taken');
    expect(await page.textContent('#panel-bookings')).toContain(bob.name);
    await shot(page, 'admin-1280x800');
    expect(errors).toEqual([]);
    await close();
  });

  it('refuses a cross-origin form post from another site in the same browser', async () => {
    const relay = relays[0] as WebRelay;
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const target = `${relay.origin}/v1/containers/train/extend`;
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === target, { timeout: 20_000 }),
      page.goto(`http://127.0.0.1:${evilPort}/${encodeURIComponent(target)}`),
    ]);
    expect(response.status()).toBe(403);
    expect(await response.text()).toMatch(/another origin/);
    await ctx.close();
    const extended = await d.request('GET', `/v1/events?user=${alice.name}&kind=lifecycle.extended&limit=10`);
    expect(extended.body).toEqual([]);
  });
});

// Runs scripts/install.sh and scripts/uninstall.sh for real, into a temporary root (DESTDIR), against a fake
// built tree. With DESTDIR set the scripts never run systemctl or groupadd, and every path they write is under
// the temporary root: this test must not touch the host's /usr/local/bin, /etc, /opt or systemd, and checks
// that it did not. Needs root (the scripts refuse to run otherwise, and chown what they install).

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;
const suite = isRoot
  ? 'install.sh / uninstall.sh into a temporary root'
  : 'install.sh / uninstall.sh into a temporary root (skipped: needs root; the scripts chown what they install)';

const BIN: Record<string, string> = {
  ds01d: 'dist/daemon/main.js',
  ds01: 'dist/commands/bin/ds01.js',
  'container-deploy': 'dist/commands/bin/container-deploy.js',
  'container-list': './dist/commands/bin/container-list.js',
};

describe.skipIf(!isRoot)(suite, () => {
  let tmp: string;
  let src: string;
  let root: string;
  let env: NodeJS.ProcessEnv;
  let hostBefore: string;

  const at = (p: string) => path.join(root, p);
  const read = (p: string) => readFileSync(at(p), 'utf8');
  /** Whether a path exists without following it: the staged links point at /opt/ds01, outside `root`. */
  const present = (p: string) => lstatSync(at(p), { throwIfNoEntry: false }) !== undefined;

  /** What the real host has in the places the scripts would write to without DESTDIR. */
  function hostSnapshot(): string {
    const list = (d: string) => (existsSync(d) ? readdirSync(d).sort().join(',') : '<absent>');
    return JSON.stringify({
      bin: list('/usr/local/bin'),
      opt: existsSync('/opt/ds01'),
      etc: existsSync('/etc/ds01'),
      units: ['ds01d.service', 'ds01d.socket', 'ds01.slice'].map((u) =>
        existsSync(`/etc/systemd/system/${u}`),
      ),
      profile: existsSync('/etc/profile.d/ds01.sh'),
      state: existsSync('/var/lib/ds01'),
    });
  }

  function script(name: 'install.sh' | 'uninstall.sh', ...args: string[]) {
    const r = spawnSync('bash', [path.join(repo, 'scripts', name), ...args], { encoding: 'utf8', env });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }

  function writePackage(bin: Record<string, string>) {
    writeFileSync(
      path.join(src, 'package.json'),
      JSON.stringify({ name: 'ds01', version: '0.0.0-test', bin }),
    );
  }

  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'ds01-install-'));
    src = path.join(tmp, 'src');
    root = path.join(tmp, 'root');
    // A fake built tree: the bin targets (with #!), a production dependency, the real units and daemon
    // settings, and a stand-in policy (the real one is not what is under test here).
    for (const target of Object.values(BIN)) {
      const file = path.join(src, target);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, '#!/usr/bin/env node\n');
    }
    mkdirSync(path.join(src, 'node_modules', 'fake-dep'), { recursive: true });
    writeFileSync(path.join(src, 'node_modules', 'fake-dep', 'index.js'), 'export {};\n');
    writePackage(BIN);
    cpSync(path.join(repo, 'systemd'), path.join(src, 'systemd'), { recursive: true });
    mkdirSync(path.join(src, 'config'));
    cpSync(path.join(repo, 'config', 'ds01d.yaml'), path.join(src, 'config', 'ds01d.yaml'));
    writeFileSync(path.join(src, 'config', 'resource-limits.yaml'), 'defaults:\n  max_mig_instances: 1\n');
    // install.sh checks that docker is present; a stub keeps the test independent of the host.
    const fakeBin = path.join(tmp, 'bin');
    mkdirSync(fakeBin);
    writeFileSync(path.join(fakeBin, 'dockerd'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(fakeBin, 'dockerd'), 0o755);
    // A fresh environment: nothing like DS01_PREFIX from the caller's shell may leak in.
    env = {
      PATH: `${fakeBin}:${path.dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: tmp,
      LANG: 'C.UTF-8',
      DESTDIR: root,
      DS01_SRC: src,
      DS01_NODE: process.execPath,
    };
    hostBefore = hostSnapshot();
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (hostBefore) expect(hostSnapshot()).toBe(hostBefore);
  });

  it('--dry-run changes nothing', () => {
    const r = script('install.sh', '--dry-run');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('dry run');
    expect(existsSync(root), r.out).toBe(false);
  });

  it('installs the tree, links every bin entry, units, config, state dir and login snippet', () => {
    const r = script('install.sh');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('skipped systemctl (DESTDIR set)');

    expect(existsSync(at('opt/ds01/dist/daemon/main.js'))).toBe(true);
    expect(existsSync(at('opt/ds01/node_modules/fake-dep/index.js'))).toBe(true);
    expect(JSON.parse(read('opt/ds01/package.json')).bin).toEqual(BIN);

    for (const [name, target] of Object.entries(BIN)) {
      const link = at(`usr/local/bin/${name}`);
      expect(lstatSync(link).isSymbolicLink(), name).toBe(true);
      // Links name the run-time path (no DESTDIR in them), like any staged install.
      const dest = readlinkSync(link);
      expect(dest).toBe(path.posix.join('/opt/ds01', target));
      expect(statSync(path.join(root, dest)).mode & 0o111, `${dest} executable`).not.toBe(0);
    }

    const service = read('etc/systemd/system/ds01d.service');
    expect(service).toContain(`ExecStart=${process.execPath} /opt/ds01/dist/daemon/main.js`);
    expect(read('etc/systemd/system/ds01d.socket')).toContain('ListenStream=/run/ds01/ds01.sock');
    expect(existsSync(at('etc/systemd/system/ds01.slice'))).toBe(true);

    expect(read('etc/ds01/ds01d.yaml')).toBe(readFileSync(path.join(src, 'config', 'ds01d.yaml'), 'utf8'));
    expect(read('etc/ds01/resource-limits.yaml')).toContain('max_mig_instances: 1');
    expect(statSync(at('var/lib/ds01')).mode & 0o777).toBe(0o700);

    const profile = read('etc/profile.d/ds01.sh');
    expect(profile).toContain('ds01 notices --login 2>/dev/null || true');
    expect(profile).toContain('*i*');
    // The snippet is sourced by sh (dash) at every login: it must parse as POSIX shell.
    const sh = spawnSync('sh', ['-n', at('etc/profile.d/ds01.sh')], { encoding: 'utf8' });
    expect(sh.status, sh.stderr).toBe(0);
  });

  it('the installed units still verify', () => {
    const analyze = spawnSync('systemd-analyze', ['--version']);
    if (analyze.status !== 0) return; // covered by systemd-units.test.ts, which reports the skip
    const units = ['ds01d.service', 'ds01d.socket', 'ds01.slice'].map((u) => at(`etc/systemd/system/${u}`));
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...units], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.split('\n').filter((l) => /ds01/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('a second run keeps an edited config and changes nothing else', () => {
    const policy = at('etc/ds01/resource-limits.yaml');
    writeFileSync(policy, 'defaults:\n  max_mig_instances: 3 # raised by the admin\n');
    const r = script('install.sh');
    expect(r.status, r.out).toBe(0);
    expect(readFileSync(policy, 'utf8')).toContain('raised by the admin');
    // The shipped default did not change, so there is nothing to put beside it.
    expect(existsSync(`${policy}.dist`)).toBe(false);
    expect(r.out).toContain('linked 0 commands');
    expect(r.out).toMatch(/ds01d\.service unchanged/);
  });

  it('a changed shipped default goes beside an edited config as .dist, and replaces an unedited one', () => {
    writeFileSync(path.join(src, 'config', 'resource-limits.yaml'), 'defaults:\n  max_mig_instances: 2\n');
    const newSettings = `${readFileSync(path.join(src, 'config', 'ds01d.yaml'), 'utf8')}# new key\n`;
    writeFileSync(path.join(src, 'config', 'ds01d.yaml'), newSettings);
    const r = script('install.sh');
    expect(r.status, r.out).toBe(0);
    expect(read('etc/ds01/resource-limits.yaml')).toContain('raised by the admin');
    expect(read('etc/ds01/resource-limits.yaml.dist')).toContain('max_mig_instances: 2');
    // ds01d.yaml was never edited: it follows the shipped default, with no .dist.
    expect(read('etc/ds01/ds01d.yaml')).toBe(newSettings);
    expect(existsSync(at('etc/ds01/ds01d.yaml.dist'))).toBe(false);
  });

  it('drops the link of a command removed from package.json, and leaves foreign links alone', () => {
    const { 'container-deploy': _gone, ...rest } = BIN;
    writePackage(rest);
    const foreign = at('usr/local/bin/not-ds01');
    mkdirSync(path.dirname(foreign), { recursive: true });
    spawnSync('ln', ['-s', '/usr/bin/true', foreign]);
    const r = script('install.sh');
    expect(r.status, r.out).toBe(0);
    expect(present('usr/local/bin/container-deploy')).toBe(false);
    expect(lstatSync(at('usr/local/bin/ds01')).isSymbolicLink()).toBe(true);
    expect(lstatSync(foreign).isSymbolicLink()).toBe(true);
    writePackage(BIN);
  });

  it('uninstall.sh --dry-run changes nothing', () => {
    const r = script('uninstall.sh', '--dry-run');
    expect(r.status, r.out).toBe(0);
    expect(existsSync(at('opt/ds01'))).toBe(true);
    expect(present('usr/local/bin/ds01')).toBe(true);
  });

  it('uninstall.sh removes what install placed and keeps state and config', () => {
    const r = script('uninstall.sh');
    expect(r.status, r.out).toBe(0);
    expect(existsSync(at('opt/ds01'))).toBe(false);
    for (const name of Object.keys(BIN)) expect(present(`usr/local/bin/${name}`), name).toBe(false);
    expect(lstatSync(at('usr/local/bin/not-ds01')).isSymbolicLink()).toBe(true);
    for (const unit of ['ds01d.service', 'ds01d.socket', 'ds01.slice']) {
      expect(existsSync(at(`etc/systemd/system/${unit}`)), unit).toBe(false);
    }
    expect(existsSync(at('etc/profile.d/ds01.sh'))).toBe(false);
    expect(read('etc/ds01/resource-limits.yaml')).toContain('raised by the admin');
    expect(existsSync(at('var/lib/ds01'))).toBe(true);
    expect(r.out).toContain('kept');
  });

  it('uninstall.sh --purge also removes state and config', () => {
    const r = script('uninstall.sh', '--purge');
    expect(r.status, r.out).toBe(0);
    expect(existsSync(at('etc/ds01'))).toBe(false);
    expect(existsSync(at('var/lib/ds01'))).toBe(false);
  });
});

// The upper-layer writer on a real file system laid out as Docker's overlay2 data root (no Docker: the
// integration tests run it against a real dockerd, tests/integration/workspace-helper.test.ts).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createdByDocker,
  isHomeName,
  layerIdOf,
  type UpperLayerInput,
  writeUpperLayer,
} from './upper-layer.js';

const isRoot = process.getuid?.() === 0;
const ID = 'c'.repeat(64);
const IMG = 'd'.repeat(64);

describe('upper-layer path rules (pure)', () => {
  it('takes only <root>/overlay2/<64 hex>[-init]/diff', () => {
    expect(layerIdOf('/var/lib/docker', `/var/lib/docker/overlay2/${ID}/diff`)).toBe(ID);
    expect(layerIdOf('/var/lib/docker', `/var/lib/docker/overlay2/${ID}-init/diff`)).toBe(`${ID}-init`);
    for (const bad of [
      `/var/lib/docker/overlay2/${ID}/diff/..`,
      `/var/lib/docker/overlay2/../${ID}/diff`,
      `/var/lib/docker/overlay2/${ID}/../x/diff`,
      `/var/lib/docker/overlay2/${ID.slice(1)}/diff`,
      `/var/lib/docker/overlay2/${ID}/merged`,
      `/elsewhere/overlay2/${ID}/diff`,
    ])
      expect(layerIdOf('/var/lib/docker', bad)).toBeNull();
    expect(layerIdOf('/var/lib/docker/', `/var/lib/docker//overlay2/${ID}/diff`)).toBeNull();
    expect(layerIdOf('var/lib/docker', `var/lib/docker/overlay2/${ID}/diff`)).toBeNull();
  });
  it('names a home with one path component', () => {
    expect(isHomeName('alice')).toBe(true);
    for (const bad of ['', '.', '..', 'a/b', 'a\0b']) expect(isHomeName(bad)).toBe(false);
  });
  it('knows what Docker’s create leaves in the layer: the working directory', () => {
    expect(createdByDocker('/workspace')).toBe('workspace');
    expect(createdByDocker('/a/b')).toBe('a');
    expect(createdByDocker('')).toBeNull();
  });
});

describe.skipIf(!isRoot)('writeUpperLayer on a real overlay2-shaped tree', () => {
  let root: string;
  let input: UpperLayerInput;
  const upper = () => join(root, 'overlay2', ID, 'diff');
  const image = () => join(root, 'overlay2', IMG, 'diff');

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ds01-upper-'));
    chmodSync(root, 0o710);
    mkdirSync(join(upper(), 'workspace'), { recursive: true, mode: 0o755 });
    mkdirSync(join(image(), 'etc'), { recursive: true });
    mkdirSync(join(image(), 'home'), { mode: 0o751 });
    writeFileSync(join(image(), 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    for (const d of [join(root, 'overlay2'), join(root, 'overlay2', ID), upper(), image()])
      chmodSync(d, 0o755);
    input = {
      rootDir: root,
      upperDir: upper(),
      lowerDirs: [image()],
      workingDir: '/workspace',
      passwd: 'root:x:0:0::/root:/bin/sh\nalice:x:1500:1500:alice:/home/alice:/bin/sh\n',
      group: 'root:x:0:\nalice:x:1500:\n',
      home: { name: 'alice', uid: 1500, gid: 1500 },
    };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes passwd, group (0644 root) and the home (0700 the user’s), /home as the image has it', () => {
    expect(writeUpperLayer(input)).toEqual({ ok: true });
    expect(readFileSync(join(upper(), 'etc/passwd'), 'utf8')).toBe(input.passwd);
    expect(readFileSync(join(upper(), 'etc/group'), 'utf8')).toBe(input.group);
    const st = (p: string) => lstatSync(join(upper(), p));
    expect([st('etc/passwd').mode & 0o7777, st('etc/passwd').uid]).toEqual([0o644, 0]);
    expect([st('etc/group').mode & 0o7777, st('etc/group').uid]).toEqual([0o644, 0]);
    expect([st('home').mode & 0o7777, st('home').uid]).toEqual([0o751, 0]);
    expect([st('home/alice').mode & 0o7777, st('home/alice').uid, st('home/alice').gid]).toEqual([
      0o700, 1500, 1500,
    ]);
    expect(readdirSync(upper()).sort()).toEqual(['etc', 'home', 'workspace']);
  });

  it('an image without /home gets one as the put made it (0755 root)', () => {
    rmSync(join(image(), 'home'), { recursive: true });
    expect(writeUpperLayer(input)).toEqual({ ok: true });
    expect(lstatSync(join(upper(), 'home')).mode & 0o7777).toBe(0o755);
  });

  it('an image deleting /home in a later layer (whiteout) counts as without', () => {
    const top = join(root, 'overlay2', 'e'.repeat(64), 'diff');
    mkdirSync(top, { recursive: true, mode: 0o755 });
    execFileSync('mknod', [join(top, 'home'), 'c', '0', '0']);
    expect(writeUpperLayer({ ...input, lowerDirs: [top, image()] })).toEqual({ ok: true });
    expect(lstatSync(join(upper(), 'home')).mode & 0o7777).toBe(0o755);
  });

  it('refuses (the put follows it) when the image’s /home or /etc is a symlink', () => {
    rmSync(join(image(), 'home'), { recursive: true });
    symlinkSync('var/home', join(image(), 'home'));
    const r = writeUpperLayer(input);
    expect(r).toMatchObject({
      ok: false,
      refused: true,
      message: expect.stringMatching(/\/home is not a directory/),
    });
    expect(readdirSync(upper())).toEqual(['workspace']);
  });

  it('refuses a layer that is not fresh, a symlinked path, or paths outside the data root', () => {
    writeFileSync(join(upper(), 'x'), '');
    expect(writeUpperLayer(input)).toMatchObject({ ok: false, refused: true, message: /not fresh/ });
    rmSync(join(upper(), 'x'));
    mkdirSync(join(upper(), 'etc'));
    expect(writeUpperLayer(input)).toMatchObject({ ok: false, refused: true, message: /not fresh/ });
    rmSync(join(upper(), 'etc'), { recursive: true });
    // The layer's diff a symlink to somewhere else: never followed.
    const elsewhere = mkdtempSync(join(tmpdir(), 'ds01-upper-elsewhere-'));
    try {
      const link = join(root, 'overlay2', 'f'.repeat(64));
      mkdirSync(link, { mode: 0o755 });
      symlinkSync(elsewhere, join(link, 'diff'));
      expect(writeUpperLayer({ ...input, upperDir: join(link, 'diff') })).toMatchObject({
        ok: false,
        refused: true,
      });
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(writeUpperLayer({ ...input, upperDir: '/etc' })).toMatchObject({ ok: false, refused: true });
    expect(writeUpperLayer({ ...input, lowerDirs: ['/'] })).toMatchObject({ ok: false, refused: true });
    expect(writeUpperLayer({ ...input, home: { ...input.home, name: '../x' } })).toMatchObject({
      ok: false,
      refused: true,
    });
  });

  it('refuses a layer someone else can write', () => {
    chmodSync(upper(), 0o777);
    expect(writeUpperLayer(input)).toMatchObject({
      ok: false,
      refused: true,
      message: /only root can write/,
    });
  });
});

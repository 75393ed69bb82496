// Issue 14, bug 10, as a real student through the real daemon: a deploy is validated before anything is
// asked (a missing default image fails at once, not after "background or terminal?"); the user's own
// image of the project's name is the default; --dry-run fails for an image that is not on the server;
// `image-list --bases` lists the base images that are actually here.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BaseImage, DeployResult } from '../../daemon/api/types/index.js';
import { editPolicy, startTestDaemon, type TestDaemon } from '../harness/daemon.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../harness/users.js';

const docker = new Docker({ socketPath: inject('dockerSocket') });
const image = inject('baseImage');
const ABSENT = 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime';
let d: TestDaemon;
let alice: TestUser;

describe.skipIf(!isRoot())('deploy defaults that do not mislead', () => {
  beforeAll(async () => {
    alice = await createTestUser();
    d = await startTestDaemon({ dockerHost: inject('dockerHost') });
    // The catalogue's first entry is not on this server (as on a fresh install); busybox is.
    editPolicy(d.policyPath, {
      images: [
        { name: 'pytorch', image: ABSENT, description: 'PyTorch (not pulled here)' },
        { name: 'busybox', image, description: 'offline test image' },
      ],
    });
    expect((await d.cli(['config', 'reload'])).code).toBe(0);
  });
  afterAll(async () => {
    await docker
      .getImage(`ds01-${alice.uid}/tiny:latest`)
      .remove()
      .catch(() => undefined);
    await d?.cleanup();
    await cleanupTestUsers();
  });

  it('a deploy whose default image is missing fails on the image before any question', async () => {
    // No --background/--open: a question would come next (on a terminal; here it would be a usage error).
    const r = await d.cli(['container-deploy', 'thesis', '--cpu-only'], alice);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`image ${ABSENT} is not on this server`);
    expect(r.stderr).toContain('image-create thesis');
    expect(r.stderr).not.toMatch(/background|--open/);
  });

  it('--dry-run fails for an image that is not on the server', async () => {
    const r = await d.cli(
      ['container-deploy', 'x', '--image', 'nosuch/image:1', '--cpu-only', '--dry-run'],
      alice,
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('image nosuch/image:1 is not on this server');
  });

  it('the user’s own image of the project’s name is the default', async () => {
    // Alice's own image `tiny` (as image-create would name it).
    await docker.getImage(image).tag({ repo: `ds01-${alice.uid}/tiny`, tag: 'latest' });
    const r = await d.cli(['container-deploy', 'tiny', '--cpu-only', '--dry-run', '--json'], alice);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as DeployResult).plan.image).toBe(`ds01-${alice.uid}/tiny:latest`);
    // Another project without an image of its own still gets the catalogue's default (and is told).
    const other = await d.cli(['container-deploy', 'other', '--cpu-only', '--dry-run'], alice);
    expect(other.code).toBe(4);
  });

  it('image-list --bases lists the base images actually present', async () => {
    const r = await d.cli(['image-list', '--bases', '--json'], alice);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as BaseImage[]).map((b) => [b.name, b.present])).toEqual([
      ['pytorch', false],
      ['busybox', true],
    ]);
    const t = await d.cli(['image-list', '--bases'], alice);
    expect(t.stdout).toMatch(/^busybox\s/m);
    expect(t.stdout).not.toContain('pytorch');
    expect(t.stderr).toContain(`pytorch (${ABSENT})`);
  });
});

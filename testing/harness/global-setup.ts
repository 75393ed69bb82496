// vitest global setup for the integration project: one private dockerd shared by every test file,
// with the offline base image imported. Torn down (no process, mount or temp dir left) at the end.
import Docker from 'dockerode';
import type { TestProject } from 'vitest/node';
import { type PrivateDockerd, startPrivateDockerd } from './dockerd.js';
import { ensureBaseImage } from './images.js';
import { isRoot, removeLeftoverTestAccounts } from './users.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dockerHost: string;
    dockerSocket: string;
    baseImage: string;
    /** dockerd's stub-hook directory (its PATH head). */
    dockerBin: string;
  }
}

let dockerd: PrivateDockerd | undefined;

export async function setup(project: TestProject) {
  dockerd = await startPrivateDockerd();
  const docker = new Docker({ socketPath: dockerd.socketPath });
  const baseImage = await ensureBaseImage(docker);
  project.provide('dockerHost', dockerd.host);
  project.provide('dockerSocket', dockerd.socketPath);
  project.provide('baseImage', baseImage);
  project.provide('dockerBin', dockerd.bin);
}

export async function teardown() {
  await dockerd?.stop();
  if (isRoot()) {
    const left = await removeLeftoverTestAccounts();
    if (left.length)
      console.warn(`harness: removed test accounts a test file left behind: ${left.join(', ')}`);
  }
}

// The README's main job: `npm run demo` walks a student through deploy → list → a command in the
// shell → stats → dashboard → retire on a simulated MIG server, and every step succeeds.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../harness/daemon.js';
import { execFileResult } from '../harness/exec.js';
import { isRoot } from '../harness/users.js';

describe('npm run demo', () => {
  it('runs every step and leaves nothing behind', async () => {
    const r = await execFileResult(process.execPath, ['--import', 'tsx', join(REPO, 'scripts/demo.ts')], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 240_000,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/deployed thesis \(1g\.10gb/);
    expect(r.stdout).toMatch(/GPU: MIG-[0-9a-f-]{36}/);
    expect(r.stdout).toMatch(/thesis\s+running/);
    expect(r.stdout).toMatch(/retired: stopped and removed thesis, freeing 1 GPU slot/);
    expect(r.stdout).toMatch(/Demo finished\. Cleaning up/);
    if (isRoot()) expect(r.stdout).toMatch(/-rw-r--r--\s+1 student/); // the workspace file is the student's
  });
});

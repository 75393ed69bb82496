// `npm run demo`: the daemon against a private dockerd with a simulated 4× A100 server (two GPUs in
// MIG mode), walking a student through the everyday path. Leaves nothing behind.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { REPO, startTestDaemon, type TestDaemon } from '../testing/harness/daemon.js';
import { type PrivateDockerd, startPrivateDockerd } from '../testing/harness/dockerd.js';
import { BASE_IMAGE, ensureBaseImage } from '../testing/harness/images.js';
import { cleanupTestUsers, createTestUser, isRoot, type TestUser } from '../testing/harness/users.js';

const bold = (s: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[2m${s}\x1b[0m` : s);

interface Step {
  say: string;
  as: 'student' | 'admin';
  cmd: string[];
  input?: string;
  /** Exit codes that are part of the story (e.g. a refused request). */
  expect?: number[];
}

export const STEPS = (project: string): Step[] => [
  {
    say: 'Who does the daemon say I am? (the kernel tells it: SO_PEERCRED)',
    as: 'student',
    cmd: ['ds01', 'whoami'],
  },
  { say: 'What may I use, and how much of it am I using?', as: 'student', cmd: ['check-limits'] },
  {
    say: 'Which GPUs does the server have? (others’ holders show as "taken")',
    as: 'student',
    cmd: ['ds01', 'gpu', 'list'],
  },
  {
    say: 'Deploy a project with one MIG slice, in the background',
    as: 'student',
    cmd: ['container-deploy', project, '--image', BASE_IMAGE, '--mig', '1g.10gb', '--background'],
  },
  { say: 'My containers', as: 'student', cmd: ['container-list'] },
  {
    say: 'Run a command inside it: files in /workspace are mine on the host',
    as: 'student',
    cmd: [
      'container-open',
      project,
      '--',
      'sh',
      '-c',
      'whoami; echo "GPU: $NVIDIA_VISIBLE_DEVICES"; echo hello > /workspace/out.txt; ls -l /workspace',
    ],
  },
  { say: 'What is it using?', as: 'student', cmd: ['container-stats', project] },
  { say: 'Who holds what on the server (the admin view)', as: 'admin', cmd: ['ds01-dashboard'] },
  {
    say: 'Done for today: retire it (the workspace stays, the GPU goes back at once)',
    as: 'student',
    cmd: ['container-retire', project, '--yes'],
  },
  { say: 'What happened, and why', as: 'student', cmd: ['ds01', 'events', '--limit', '15'] },
];

async function main() {
  if (!existsSync(join(REPO, 'dist/daemon/main.js')))
    throw new Error('run `npm run build` first (npm run demo does)');
  let dockerd: PrivateDockerd | undefined;
  let daemon: TestDaemon | undefined;
  let student: TestUser | undefined;
  const stop = async () => {
    await daemon?.cleanup().catch(() => undefined);
    await dockerd?.stop().catch(() => undefined);
    if (isRoot()) await cleanupTestUsers();
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    console.log(bold('ds01 demo: a simulated GPU server (4× A100-80GB, GPUs 0–1 split by MIG)\n'));
    console.log(dim('starting a private dockerd (never the machine’s own Docker) …'));
    dockerd = await startPrivateDockerd();
    await ensureBaseImage(new Docker({ socketPath: dockerd.socketPath }));
    console.log(dim('starting ds01d with the shipped policy (config/resource-limits.yaml) …'));
    daemon = await startTestDaemon({
      dockerHost: dockerd.host,
      policy: join(REPO, 'config/resource-limits.yaml'),
      scenario: 'a100-mig-mixed',
    });
    if (isRoot()) {
      student = await createTestUser({ prefix: 'student' });
      console.log(dim(`created a throwaway student account: ${student.name} (uid ${student.uid})\n`));
    } else {
      console.log(dim('not root: running every step as you (run as root for a real student account)\n'));
    }
    const project = 'thesis';
    let failed = 0;
    for (const [i, step] of STEPS(project).entries()) {
      const who = step.as === 'student' && student ? student.name : step.as === 'admin' ? 'admin' : 'you';
      console.log(bold(`\n${i + 1}. ${step.say}`));
      console.log(`${who}$ ${step.cmd.join(' ')}`);
      const args = step.cmd[0] === 'ds01' ? step.cmd.slice(1) : step.cmd;
      const r = await daemon.cli(args, step.as === 'student' ? student : undefined, {
        input: step.input,
        env: { COLUMNS: '100' },
      });
      process.stdout.write(r.stdout);
      process.stdout.write(dim(r.stderr));
      if (r.code !== 0 && !step.expect?.includes(r.code)) {
        failed++;
        console.log(`(exit code ${r.code})`);
      }
    }
    console.log(bold(`\nDemo finished${failed ? ` with ${failed} failed step(s)` : ''}. Cleaning up …`));
    return failed ? 1 : 0;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`demo failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);

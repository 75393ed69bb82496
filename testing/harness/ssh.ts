// The real OpenSSH client as a test user, through the config `ds01 ssh-config` generates: its
// ProxyCommand runs `ds01 ssh-proxy NAME` (a wrapper on PATH around the built CLI) as that user.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_JS, type TestDaemon } from './daemon.js';
import type { ExecResult } from './exec.js';
import { runAs, type TestUser } from './users.js';

export interface SshKit {
  /** A directory on PATH with `ds01` in it (world-readable, so every test user can run it). */
  bin: string;
  env(user: TestUser): Record<string, string>;
  /** `ssh-config NAMES --write ~/.ssh/config` as the user; returns the config path. */
  writeConfig(user: TestUser, names: string[], extra?: string[]): Promise<string>;
  /** `ssh -F ~/.ssh/config ARGS` as the user (stdin closed unless `input`). */
  ssh(user: TestUser, args: string[], o?: { input?: string; timeout?: number }): Promise<ExecResult>;
  /** Any program (scp, rsync, sftp) as the user with the same environment. */
  run(
    user: TestUser,
    file: string,
    args: string[],
    o?: { input?: string; timeout?: number },
  ): Promise<ExecResult>;
  /** `ssh -F ~/.ssh/config ARGS` as the user, left running (tunnels); kill it when done. */
  spawn(user: TestUser, args: string[]): ChildProcess;
  cleanup(): void;
}

export function sshKit(d: TestDaemon): SshKit {
  const bin = mkdtempSync(join(tmpdir(), 'ds01-bin-'));
  chmodSync(bin, 0o755);
  writeFileSync(join(bin, 'ds01'), `#!/bin/sh\nexec ${process.execPath} ${CLI_JS} "$@"\n`, { mode: 0o755 });
  const env = (user: TestUser) => ({
    DS01_SOCKET: d.socket,
    NO_COLOR: '1',
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: user.home,
  });
  const configOf = (user: TestUser) => join(user.home, '.ssh', 'config');
  const kit: SshKit = {
    bin,
    env,
    async writeConfig(user, names, extra = []) {
      const dir = join(user.home, '.ssh');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chownSync(dir, user.uid, user.gid);
      const r = await runAs(
        user,
        join(bin, 'ds01'),
        ['ssh-config', ...names, '--write', configOf(user), ...extra],
        {
          env: env(user),
        },
      );
      if (r.code !== 0) throw new Error(`ssh-config failed (${r.code}): ${r.stderr}`);
      return configOf(user);
    },
    ssh: (user, args, o = {}) =>
      runAs(user, 'ssh', ['-F', configOf(user), '-o', 'BatchMode=yes', ...args], {
        env: env(user),
        input: o.input ?? '',
        timeout: o.timeout ?? 60_000,
      }),
    run: (user, file, args, o = {}) =>
      runAs(user, file, args, { env: env(user), input: o.input ?? '', timeout: o.timeout ?? 60_000 }),
    spawn: (user, args) =>
      spawn(
        'setpriv',
        [
          `--reuid=${user.uid}`,
          `--regid=${user.gid}`,
          '--init-groups',
          '--',
          'ssh',
          '-F',
          configOf(user),
          '-o',
          'BatchMode=yes',
          ...args,
        ],
        {
          env: { ...env(user), USER: user.name, LOGNAME: user.name },
          cwd: user.home,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      ),
    cleanup: () => rmSync(bin, { recursive: true, force: true }),
  };
  return kit;
}

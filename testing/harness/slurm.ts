// A real Slurm on this machine for integration tests (Debian's slurm-wlm, slurmdbd, munge, mariadb; see
// CLAUDE.md "Slurm in tests"): munged on a private socket, a throw-away MariaDB on a private port,
// slurmdbd, slurmctld and one `slurmd -N NAME` per node, each on its own port, all under one
// /tmp/ds01-slurm-* directory. Nothing touches the machine's own munge or Slurm (there is none).
// What it took, found by hand: slurm.conf's AuthInfo=socket= names munge's socket for the daemons and
// commands, but the accounting connection reads it from AccountingStoragePass (and slurmdbd.conf's
// AuthInfo); munged refuses a socket directory that is not world-executable; slurmdbd reads
// slurmdbd.conf (0600, owned by SlurmUser) from SLURM_CONF's directory; mariadbd needs a datadir the
// mysql user owns; the cluster must be added with sacctmgr before slurmctld starts.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type ExecResult, execFileResult } from './exec.js';
import { until } from './wait.js';

export interface SlurmNodeSpec {
  name: string;
}

export interface SlurmCluster {
  dir: string;
  conf: string;
  cluster: string;
  /** Where the per-slot placeholder device files go (`<deviceDir>/<node>/gpuN`). */
  deviceDir: string;
  /** The environment Slurm's commands need (SLURM_CONF). */
  env: Record<string, string>;
  run(program: string, args: string[], opts?: { input?: string }): Promise<ExecResult>;
  /** Run each line of `sacctmgr -i …` commands (as render-slurm prints them). */
  sacctmgrLines(lines: string[]): Promise<void>;
  /** The nodes' states by name (idle, mixed, allocated, drained, …). */
  nodeStates(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/** The programs a Slurm test needs; missing ones mean the test cannot run here (ensure-deps installs them). */
export const SLURM_PROGRAMS = ['slurmctld', 'slurmd', 'slurmdbd', 'munged', 'mariadbd', 'mariadb-install-db'];

export function slurmMissing(): string[] {
  return SLURM_PROGRAMS.filter((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function idOf(user: string): { uid: number; gid: number } {
  const out = spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim();
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim();
  return { uid: Number(out), gid: Number(gid) };
}

/** `sacctmgr -i add account x Description="a b"` → argv, double quotes kept together. */
export function splitCommand(line: string): string[] {
  return [...line.matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map((m) => m[0].replace(/"/g, ''));
}

export interface SlurmOptions {
  nodes: SlurmNodeSpec[];
  cluster: string;
  /** Lines from render-slurm's slurm.conf: NodeName lines get this machine's address, ports and CPUs. */
  renderedConf: string;
  gresConf: string;
  /** Prolog/Epilog scripts are in the rendered lines; this dir is made for them beforehand. */
  dir?: string;
}

/** The directory (made now) a cluster will live in; the tests write prolog scripts there first. */
export function slurmDir(): string {
  const dir = mkdtempSync('/tmp/ds01-slurm-');
  chmodSync(dir, 0o755);
  return dir;
}

export async function startSlurm(o: SlurmOptions): Promise<SlurmCluster> {
  const dir = o.dir ?? slurmDir();
  const p = (...x: string[]) => join(dir, ...x);
  for (const d of ['state', 'log', 'run', 'munge', 'db', 'dbrun', 'dev'])
    mkdirSync(p(d), { recursive: true });
  for (const n of o.nodes) mkdirSync(p('spool', n.name), { recursive: true });
  const munge = idOf('munge');
  const mysql = idOf('mysql');
  const [ctld, dbd, db, ...nodePorts] = await Promise.all(
    [0, 1, 2, ...o.nodes.map(() => 0)].map(() => freePort()),
  );
  const conf = p('slurm.conf');
  const env = { SLURM_CONF: conf };
  const run = (program: string, args: string[], opts: { input?: string } = {}) =>
    execFileResult(program, args, { env: { ...process.env, ...env }, timeout: 60_000, ...opts });
  const pids: string[] = [];
  let mariadb: ReturnType<typeof spawn> | null = null;

  const stop = async () => {
    // Jobs first (their steps run as children of slurmstepd), then the daemons by their pid files.
    if (existsSync(conf)) {
      await run('scancel', ['--full', '--quiet', '--state=RUNNING']).catch(() => undefined);
      await run('scancel', ['--quiet', '--state=PENDING']).catch(() => undefined);
      await until(
        () => run('squeue', ['-h', '-o', '%i']).catch(() => ({ stdout: '', code: 1 }) as ExecResult),
        (r) => r.code !== 0 || r.stdout.trim() === '',
        20_000,
        500,
      );
    }
    for (const pidFile of pids.reverse()) {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {}
        await until(
          async () => existsSync(`/proc/${pid}`),
          (alive) => !alive,
          15_000,
          100,
        );
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
    if (mariadb && mariadb.exitCode === null) {
      mariadb.kill('SIGTERM');
      await new Promise((r) => mariadb?.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // munge: its own key and socket; munged forks into the background itself.
    chownSync(p('munge'), munge.uid, munge.gid);
    chmodSync(p('munge'), 0o700);
    chownSync(p('run'), munge.uid, munge.gid);
    writeFileSync(
      p('munge', 'munge.key'),
      Buffer.from(Array.from({ length: 1024 }, () => Math.floor(Math.random() * 256))),
      { mode: 0o400 },
    );
    chownSync(p('munge', 'munge.key'), munge.uid, munge.gid);
    const sock = p('run', 'munge.sock');
    pids.push(p('run', 'munged.pid'));
    const m = spawnSync(
      'setpriv',
      [
        `--reuid=${munge.uid}`,
        `--regid=${munge.gid}`,
        '--clear-groups',
        '--',
        'munged',
        `--socket=${sock}`,
        `--key-file=${p('munge', 'munge.key')}`,
        `--pid-file=${p('run', 'munged.pid')}`,
        `--log-file=${p('munge', 'munged.log')}`,
        `--seed-file=${p('munge', 'seed')}`,
      ],
      { encoding: 'utf8' },
    );
    if (m.status !== 0) throw new Error(`munged did not start: ${m.stderr}`);

    // MariaDB for slurmdbd, on a private port; it stays in the foreground as our child.
    chownSync(p('db'), mysql.uid, mysql.gid);
    chownSync(p('dbrun'), mysql.uid, mysql.gid);
    const inst = spawnSync(
      'mariadb-install-db',
      ['--user=mysql', `--datadir=${p('db')}`, '--auth-root-authentication-method=normal', '--skip-test-db'],
      { encoding: 'utf8' },
    );
    if (inst.status !== 0) throw new Error(`mariadb-install-db failed: ${inst.stderr}`);
    chmodSync(p('log'), 0o777);
    mariadb = spawn(
      'setpriv',
      [
        `--reuid=${mysql.uid}`,
        `--regid=${mysql.gid}`,
        '--clear-groups',
        '--',
        'mariadbd',
        '--no-defaults',
        `--datadir=${p('db')}`,
        `--socket=${p('dbrun', 'mysql.sock')}`,
        `--port=${db}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${p('dbrun', 'mysql.pid')}`,
        '--innodb-buffer-pool-size=16M',
        '--skip-log-bin',
      ],
      { stdio: ['ignore', 'ignore', openSync(p('log', 'mariadb.log'), 'a')] },
    );
    const sql = (q: string) =>
      execFileResult('mariadb', ['--no-defaults', '-S', p('dbrun', 'mysql.sock'), '-uroot', '-e', q]);
    const up = await until(
      () => sql('select 1'),
      (r) => r.code === 0,
      30_000,
      200,
    );
    if (up.code !== 0)
      throw new Error(`mariadb did not start: ${up.stderr}\n${readLog(p('log', 'mariadb.log'))}`);
    await sql(
      "create user 'slurm'@'127.0.0.1' identified by 'slurm'; grant all on slurm_acct_db.* to 'slurm'@'127.0.0.1';",
    );

    writeFileSync(
      p('slurmdbd.conf'),
      [
        'AuthType=auth/munge',
        `AuthInfo=socket=${sock}`,
        'DbdHost=localhost',
        `DbdPort=${dbd}`,
        'SlurmUser=root',
        `PidFile=${p('run', 'slurmdbd.pid')}`,
        `LogFile=${p('log', 'slurmdbd.log')}`,
        'StorageType=accounting_storage/mysql',
        'StorageHost=127.0.0.1',
        `StoragePort=${db}`,
        'StorageUser=slurm',
        'StoragePass=slurm',
        'StorageLoc=slurm_acct_db',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const rendered = o.renderedConf
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => {
        const node = /^NodeName=(\S+)(.*?)\s*(#.*)?$/.exec(l);
        if (!node) return l;
        const i = o.nodes.findIndex((n) => n.name === node[1]);
        return `NodeName=${node[1]}${node[2]} NodeHostname=localhost NodeAddr=127.0.0.1 Port=${nodePorts[i]} CPUs=2 RealMemory=1000`;
      });
    writeFileSync(
      conf,
      [
        'SlurmctldHost=localhost',
        `SlurmctldPort=${ctld}`,
        `SlurmdPort=${nodePorts[0]}`,
        'AuthType=auth/munge',
        `AuthInfo=socket=${sock}`,
        'CredType=cred/munge',
        'SlurmUser=root',
        'SlurmdUser=root',
        `StateSaveLocation=${p('state')}`,
        `SlurmdSpoolDir=${p('spool')}/%n`,
        `SlurmctldPidFile=${p('run', 'slurmctld.pid')}`,
        `SlurmdPidFile=${p('run')}/slurmd-%n.pid`,
        `SlurmctldLogFile=${p('log', 'slurmctld.log')}`,
        `SlurmdLogFile=${p('log')}/slurmd-%n.log`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'MpiDefault=none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'ReturnToService=2',
        'SchedulerType=sched/backfill',
        'SchedulerParameters=sched_interval=2',
        'AccountingStorageType=accounting_storage/slurmdbd',
        'AccountingStorageHost=localhost',
        `AccountingStoragePort=${dbd}`,
        // The accounting connection's munge socket (AuthInfo is not read for it).
        `AccountingStoragePass=${sock}`,
        'DebugFlags=NO_CONF_HASH',
        ...rendered,
        `PartitionName=ds01 Nodes=${o.nodes.map((n) => n.name).join(',')} Default=YES MaxTime=INFINITE State=UP`,
        '',
      ].join('\n'),
    );
    writeFileSync(p('gres.conf'), o.gresConf);

    pids.push(p('run', 'slurmdbd.pid'));
    const dbdStart = await run('slurmdbd', []);
    if (dbdStart.code !== 0) throw new Error(`slurmdbd did not start: ${dbdStart.stderr}`);
    const added = await until(
      () => run('sacctmgr', ['-i', 'add', 'cluster', o.cluster]),
      (r) => r.code === 0,
      30_000,
      300,
    );
    if (added.code !== 0) throw new Error(`sacctmgr add cluster failed: ${added.stderr}`);
    pids.push(p('run', 'slurmctld.pid'));
    const c = await run('slurmctld', ['-i']);
    if (c.code !== 0) throw new Error(`slurmctld did not start: ${c.stderr}`);
    for (const n of o.nodes) {
      pids.push(p('run', `slurmd-${n.name}.pid`));
      const s = await run('slurmd', ['-N', n.name]);
      if (s.code !== 0) throw new Error(`slurmd -N ${n.name} did not start: ${s.stderr}`);
    }
    const cluster: SlurmCluster = {
      dir,
      conf,
      cluster: o.cluster,
      deviceDir: p('dev'),
      env,
      run,
      async sacctmgrLines(lines) {
        for (const line of lines) {
          const [prog, ...args] = splitCommand(line);
          if (prog !== 'sacctmgr') throw new Error(`not a sacctmgr command: ${line}`);
          const r = await run('sacctmgr', args);
          if (r.code !== 0 && !/Nothing new added|already exists/i.test(r.stdout + r.stderr))
            throw new Error(`${line}: ${r.stderr || r.stdout}`);
        }
      },
      async nodeStates() {
        const r = await run('sinfo', ['-h', '-N', '-o', '%N %t']);
        return Object.fromEntries(
          r.stdout
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split(' ') as [string, string]),
        );
      },
      stop,
    };
    const idle = await until(
      () => cluster.nodeStates(),
      (s) => o.nodes.every((n) => s[n.name] === 'idle'),
      60_000,
      500,
    );
    if (!o.nodes.every((n) => idle[n.name] === 'idle'))
      throw new Error(
        `Slurm nodes did not come up: ${JSON.stringify(idle)}\n${readLog(p('log', 'slurmctld.log'))}`,
      );
    return cluster;
  } catch (err) {
    await stop();
    throw err;
  }
}

function readLog(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8').slice(-3000) : '';
}

// Wiring for a Slurm cluster (docs/cluster.md): the cluster admin routes, a node's prolog/epilog/wait,
// and — with `backend: slurm` — Slurm as the job routes' backend. main.ts calls this once.
import { hostname } from 'node:os';
import type { Route } from '../api/router.js';
import { clusterRoutes } from '../api/routes/cluster.js';
import { type JobBackend, jobRoutes } from '../api/routes/jobs.js';
import { ClusterConfig } from '../services/cluster/config.js';
import { SlurmNode } from '../services/cluster/node.js';
import { SlurmJobs } from '../services/cluster/submit.js';
import type { ContainerService } from '../services/containers/index.js';
import type { JobRunner, JobService, JobsDeps } from '../services/jobs/index.js';
import type { PolicyService } from '../services/policy.js';
import type { Settings } from '../settings.js';
import { createSlurmPrograms } from '../slurm/programs.js';

const SWEEP_FIRST_MS = 5_000;
const SWEEP_EVERY_MS = 30_000;

/** The job routes (on this server's jobs, or Slurm's with `backend: slurm`) and the cluster routes. */
export function startCluster(
  s: Settings,
  policy: PolicyService,
  deps: JobsDeps & { containers: JobsDeps['containers'] & Pick<ContainerService, 'stopAsDaemon'> },
  runner: JobRunner,
  local: JobService,
): Route[] {
  const d = { ...deps, policy, runner, jobs: local };
  const nodeName = s.slurmNodeName ?? hostname().split('.')[0] ?? 'localhost';
  const slurm = createSlurmPrograms(s.slurmBinDir);
  const config = new ClusterConfig({
    store: d.store,
    policy: d.policy,
    accounts: d.accounts,
    slurm,
    nodeName,
  });
  const node = new SlurmNode({
    store: d.store,
    slurm,
    accounts: d.accounts,
    runner: d.runner,
    jobs: d.jobs,
    containers: d.containers,
    clock: d.clock,
    log: d.log,
    nodeName,
  });
  const jobs: JobBackend =
    s.backend === 'slurm'
      ? new SlurmJobs({
          store: d.store,
          slurm,
          accounts: d.accounts,
          limitsOf: (o) => d.leases.limitsOf(o),
          clock: d.clock,
          batch: {
            ds01Command: s.slurmDs01Command,
            nodeSocket: s.slurmNodeSocket,
            graceSec: s.slurmDaemonGraceSec,
          },
        })
      : d.jobs;
  if (s.backend === 'slurm') {
    d.log.info('jobs go to Slurm', { node: nodeName });
    // A job's container whose Slurm job ended while ds01d was down is stopped soon after start, then
    // whenever Slurm has moved on without telling this node.
    const sweep = () =>
      void node.sweep().catch((err) => d.log.warn('Slurm job sweep failed', { err: String(err) }));
    setTimeout(sweep, SWEEP_FIRST_MS).unref();
    setInterval(sweep, SWEEP_EVERY_MS).unref();
  }
  return [...jobRoutes(jobs), ...clusterRoutes(config, node)];
}

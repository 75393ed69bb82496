// Wiring for a Slurm cluster (docs/cluster.md): the cluster admin routes, a node's prolog/epilog/wait,
// job logs from any node, the dashboard with every node's ds01d, the listener other nodes' ds01d ask
// (`cluster_listen`), and — with `backend: slurm` — Slurm as the job routes' backend. main.ts calls this once.
import { hostname } from 'node:os';
import { PeerServer } from '../api/peer-server.js';
import type { Route } from '../api/router.js';
import { clusterRoutes, peerRoutes } from '../api/routes/cluster.js';
import type { DashboardBackend } from '../api/routes/dashboard.js';
import { type JobBackend, jobLogRoutes, jobRoutes } from '../api/routes/jobs.js';
import { callerResolver } from '../identity/caller.js';
import { ClusterConfig } from '../services/cluster/config.js';
import { ClusterDashboard } from '../services/cluster/dashboard.js';
import { SlurmDeploys } from '../services/cluster/deploy.js';
import { SlurmJobLogs } from '../services/cluster/logs.js';
import { SlurmNode } from '../services/cluster/node.js';
import { ClusterPeers } from '../services/cluster/peers.js';
import { SlurmJobs } from '../services/cluster/submit.js';
import type { ContainerService } from '../services/containers/index.js';
import type { JobRunner, JobService, JobsDeps } from '../services/jobs/index.js';
import { LocalJobLogs } from '../services/jobs/log-read.js';
import type { PolicyService } from '../services/policy.js';
import type { Settings } from '../settings.js';
import { createMunge } from '../slurm/munge.js';
import { createSlurmPrograms } from '../slurm/programs.js';
import { auditLog } from '../store/audit.js';

const SWEEP_FIRST_MS = 5_000;
const SWEEP_EVERY_MS = 30_000;

export interface ClusterWiring {
  routes: Route[];
  /** The dashboard: this node's, plus every node's with `backend: slurm`. */
  dashboard: DashboardBackend;
  close(): Promise<void>;
}

/** The job routes (on this server's jobs, or Slurm's with `backend: slurm`) and the cluster routes. */
export function startCluster(
  s: Settings,
  policy: PolicyService,
  deps: JobsDeps & { containers: JobsDeps['containers'] & Pick<ContainerService, 'stopAsDaemon'> },
  runner: JobRunner,
  local: JobService,
  localDashboard: DashboardBackend,
): ClusterWiring {
  const d = { ...deps, policy, runner, jobs: local };
  const nodeName = s.slurmNodeName ?? hostname().split('.')[0] ?? 'localhost';
  const slurm = createSlurmPrograms(s.slurmBinDir);
  const munge = createMunge(s.mungeSocket);
  const audit = auditLog(d.store.events, () => d.clock.now());
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
  const slurmJobs =
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
      : null;
  const peers = new ClusterPeers({ configured: s.clusterNodes, slurm, munge, clock: d.clock });
  const logs = new SlurmJobLogs({
    store: d.store,
    slurm,
    accounts: d.accounts,
    clock: d.clock,
    nodeName,
    cluster: slurmJobs ? { jobs: slurmJobs, peers } : null,
  });
  const jobs: JobBackend = slurmJobs ?? d.jobs;
  if (s.backend === 'slurm') {
    d.log.info('jobs go to Slurm', { node: nodeName });
    // A job's container whose Slurm job ended while ds01d was down is stopped soon after start, then
    // whenever Slurm has moved on without telling this node.
    const sweep = () =>
      void node.sweep().catch((err) => d.log.warn('Slurm job sweep failed', { err: String(err) }));
    setTimeout(sweep, SWEEP_FIRST_MS).unref();
    setInterval(sweep, SWEEP_EVERY_MS).unref();
  }
  const peerServer = s.clusterListen
    ? new PeerServer({
        nodeName,
        munge,
        resolveCaller: callerResolver(d.accounts, () => policy.current()),
        routes: peerRoutes(localDashboard, logs),
        log: d.log,
        onDenied: (caller, code, method, path, message) =>
          audit.byUser(caller, 'access.denied', { subjectUid: caller.uid }, message, {
            code,
            method,
            path,
            via: 'cluster',
          }),
      })
    : null;
  // Not fatal: a node whose listener cannot start still serves its own users; other nodes show it
  // unreachable, and the log says why.
  if (peerServer && s.clusterListen)
    peerServer.listen(s.clusterListen).then(
      () => d.log.info('answering other nodes', { listen: s.clusterListen, node: nodeName }),
      (err: Error) => d.log.error('cannot answer other nodes', { listen: s.clusterListen, err: err.message }),
    );
  return {
    routes: [
      ...jobRoutes(jobs),
      // Local jobs' logs through ds01d (admins: another user's, audited); Slurm jobs' are the cluster route.
      ...jobLogRoutes(
        new LocalJobLogs({ store: d.store, programs: slurm, accounts: d.accounts, clock: d.clock, nodeName }),
      ),
      ...clusterRoutes(
        config,
        node,
        logs,
        slurmJobs ? new SlurmDeploys({ jobs: slurmJobs, clock: d.clock }) : null,
      ),
    ],
    dashboard:
      s.backend === 'slurm'
        ? new ClusterDashboard({ local: localDashboard, peers, nodeName })
        : localDashboard,
    close: () => peerServer?.close() ?? Promise.resolve(),
  };
}

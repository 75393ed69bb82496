#!/usr/bin/env node
// ds01d composition root: settings → store → policy → services → API + loops. The only place that
// wires concrete services together.
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { JupyterTokens } from './access/jupyter-tokens.js';
import { Router } from './api/router.js';
import { accessRoutes, accessUpgradeRoutes } from './api/routes/access.js';
import { adminRoutes } from './api/routes/admin.js';
import { adminOpsRoutes } from './api/routes/admin-ops.js';
import { containerReadRoutes, containerRoutes, containerUpgradeRoutes } from './api/routes/containers.js';
import { dashboardRoutes } from './api/routes/dashboard.js';
import { eventRoutes } from './api/routes/events.js';
import { imageRoutes } from './api/routes/images.js';
import { lifecycleRoutes, noticesOnAnswer } from './api/routes/lifecycle.js';
import { limitsRoutes } from './api/routes/limits.js';
import { queueRoutes } from './api/routes/queue.js';
import { systemRoutes } from './api/routes/system.js';
import { usageRoutes } from './api/routes/usage.js';
import { ApiServer } from './api/server.js';
import { auditAggregates, reapplyAggregates } from './cgroups/reapply.js';
import { systemClock } from './clock.js';
import { VERSION } from './common/version.js';
import { DockerClient, dockerFromHost } from './docker/client.js';
import { LabelSigner, loadOrCreateLabelKey } from './docker/label-signature.js';
import { DockerOps } from './docker/ops.js';
import { DockerSync } from './docker/sync.js';
import { callerResolver } from './identity/caller.js';
import { createNssLookup } from './identity/nss.js';
import { ImageResolver } from './images/resolver.js';
import { LifecycleEngine } from './lifecycle/engine.js';
import { LifecycleLoops } from './lifecycle/loops.js';
import { writeToTerminals } from './lifecycle/terminals.js';
import { createLogger } from './log.js';
import { startMetricsListener } from './metrics/listener.js';
import { sdNotify } from './native/libc.js';
import { lastGoodPath } from './policy/last-good.js';
import { diffEffectiveLimits } from './policy/resolve.js';
import { AccessService } from './services/access.js';
import { UsersReport } from './services/admin-users.js';
import { ContainerService } from './services/containers/index.js';
import { ContainerQueries } from './services/containers-read.js';
import { DashboardService } from './services/dashboard.js';
import { DoctorService } from './services/doctor.js';
import { EventsService } from './services/events.js';
import { GpuAdmin } from './services/gpu-admin.js';
import { GpuInventoryService } from './services/gpu-inventory.js';
import { GpuLeases } from './services/gpu-leases.js';
import { GpuQueue } from './services/gpu-queue.js';
import { GpuRefreshSchedule } from './services/gpu-refresh.js';
import { HostService } from './services/host.js';
import { buildResourcesOf, ImageService } from './services/images.js';
import { isQueuedJob, JobRunner, JobService } from './services/jobs/index.js';
import { LifecycleService } from './services/lifecycle.js';
import { dockerProbe, lifecycleActions } from './services/lifecycle-actions.js';
import { LimitsService } from './services/limits.js';
import { MetricsService } from './services/metrics.js';
import { PolicyService } from './services/policy.js';
import { SystemService } from './services/system.js';
import { UsageService } from './services/usage.js';
import { WorkspaceBinder } from './services/workspace-binder.js';
import { databasePath, loadSettings, type Settings, settingOptions } from './settings.js';
import { auditLog } from './store/audit.js';
import { Store } from './store/index.js';
import { startBookings } from './wiring/bookings.js';
import { checkConfig } from './wiring/check-config.js';
import { startCluster } from './wiring/cluster.js';
import { startGpuTest } from './wiring/gpu-test.js';
import { startMemoryTrim } from './wiring/memory.js';
import { startMig } from './wiring/mig.js';
import { startNotifications } from './wiring/notify.js';
import { startQuota } from './wiring/quota.js';
import { activationFd, socketGroupOf } from './wiring/socket-group.js';
import { startWeb, webInfoRoutes } from './wiring/web.js';

function parseFlags(argv: string[]): Record<string, string | boolean | undefined> {
  const program = new Command('ds01d')
    .description('ds01 daemon: owns GPU allocation state and runs containers for users')
    .version(VERSION)
    .option('--config <file>', 'settings file (default /etc/ds01/ds01d.yaml when present) [DS01_CONFIG]');
  for (const o of settingOptions()) program.option(o.flags, o.description);
  program
    .option(
      '--check-config [file]',
      'validate a policy file offline and exit 0 (valid) or 1 (invalid), like `sshd -t`; default: --policy',
    )
    .option('--json', 'with --check-config: print the result as JSON');
  program.parse(argv);
  return program.opts();
}

export async function startDaemon(settings: Settings) {
  const log = createLogger(settings.logLevel);
  const clock = systemClock;
  mkdirSync(settings.stateDir, { recursive: true, mode: 0o700 });
  const store = Store.open(databasePath(settings));
  const audit = auditLog(store.events, () => clock.now());
  // Creates in flight died with the previous process; their containers (if any) are adopted by sync.
  store.claims.clear();
  const policy = PolicyService.load(settings.policy, clock, log, lastGoodPath(settings.stateDir));
  const accounts = createNssLookup();
  // The one dockerode connection, wrapped by the two Docker ports; no service sees it.
  const dockerHandle = dockerFromHost(settings.dockerHost);
  const docker = new DockerClient(dockerHandle);
  const gpus = new GpuInventoryService(settings, store, clock, log, policy, accounts);
  // GPU leases and the queue: Docker stops start holds; anything that may free capacity serves the queue.
  const leases = new GpuLeases(store, policy, accounts, clock, log);
  const queue = new GpuQueue(store, leases, policy, clock, log);
  const gpuAdmin = new GpuAdmin(store, gpus, leases, queue, accounts, clock);
  gpus.onCapacityChange(() => queue.kick());
  // Signs the ownership labels of the containers ds01 creates; adoption trusts nothing else.
  const signer = new LabelSigner(loadOrCreateLabelKey(settings.stateDir));
  const sync = new DockerSync(docker, store, clock, log, signer, {
    containerStopped: (id, at) => leases.containerStopped(id, at),
    containerStarted: (id, at) => leases.containerStarted(id, at),
    capacityMayHaveFreed: () => queue.kick(),
    releaseGpus: (id, why) => leases.releaseForContainer(id, why, 'ds01d'),
    // Defined below; only called once events flow, after start-up.
    inFlight: (nameOrId) => containerService.inFlight(nameOrId),
    // Batch jobs: the exit watch; after each full reconcile every active job checked, gone tokens dropped.
    containerEvent: (id, action) => jobRunner.onContainerEvent(id, action),
    reconciled: () => {
      void jobRunner.recover();
      access.pruneJupyterTokens();
    },
    deployInterrupted: (id) => containerService.abandonInterruptedDeploy(id),
    removeLeftover: (id) =>
      void dockerOps.remove(id).catch((err) => log.warn('leftover kept', { id, err: String(err) })),
  });
  const gpuRefresh = new GpuRefreshSchedule(policy, gpus, log);
  const events = new EventsService(store.events, accounts, clock.now);
  const containers = new ContainerQueries(store);
  const dockerOps = new DockerOps(dockerHandle, signer);
  const imageResolver = new ImageResolver(docker);
  const workspaces = new WorkspaceBinder(settings.stateDir, settings.dockerHost, log);
  void workspaces.unbindLeftovers(); // binds wait for it; the socket need not
  const containerService = new ContainerService({
    store,
    ops: dockerOps,
    images: imageResolver,
    queries: containers,
    policy,
    leases,
    queue,
    accounts,
    inventory: () => gpus.last,
    clock,
    log,
    createdBy: `ds01d ${VERSION}`,
    workspaces,
    userFiles: settings.userFiles,
  });
  // Batch jobs: containers of the user's running one command, through the same saga and queue.
  const jobsDeps = {
    store,
    containers: containerService,
    ops: dockerOps,
    queue,
    leases,
    accounts,
    clock,
    log,
    notifyTerminals: writeToTerminals,
    slurmPlacement: (id: number) => store.slurmJobs.placementOf(id),
  };
  const jobRunner = new JobRunner(jobsDeps);
  const jobs = new JobService(jobsDeps, jobRunner);
  leases.setReleaseAtOnce((id) => store.jobs.byContainer(id) !== undefined);
  // A queued request whose turn has come: a job starts; a deploy is deployed for its owner (told by an event).
  queue.setServe((entry) =>
    isQueuedJob(entry.request) ? jobRunner.serveQueued(entry.request) : containerService.serveQueued(entry),
  );
  // SSH/ports/Jupyter into one's own container; its open channels count as attached sessions.
  const access = new AccessService({
    store,
    queries: containers,
    docker: dockerOps,
    hostKeysDir: join(settings.stateDir, 'ssh-host-keys'),
    runDir: join(settings.stateDir, 'run'),
    jupyterTokens: new JupyterTokens(join(settings.stateDir, 'jupyter-tokens')),
    clock,
    log,
  });
  const attachedSessions = (id: string) => containerService.sessionsOf(id) + access.sessionsOf(id);
  const limits = new LimitsService(store, policy, accounts, clock);
  // Dashboard, usage, admin reports and /metrics read what the services above keep.
  const metrics = new MetricsService(store, clock, () => gpus.last?.gpus ?? []);
  policy.onChange(() => metrics.counters.reloaded(true));
  policy.onFailure(() => metrics.counters.reloaded(false));
  const host = new HostService(settings.stateDir, clock, log);
  const notify = startNotifications({ settings, store, policy, accounts, clock, log, metrics });
  const doctor = new DoctorService(
    store,
    { version: () => docker.version(), info: () => docker.info(), statsOnce: (id) => docker.statsOnce(id) },
    gpus,
    policy,
    settings.nvidiaSmi,
    settings.nvidiaHookPath,
    { dockerHost: settings.dockerHost, stateDir: settings.stateDir },
    host,
    () =>
      auditAggregates(
        policy.current(),
        store.containers.live().map((c) => c.owner_uid),
        accounts,
        new Date(clock.now()),
      ),
  );
  const buildLimits = {
    timeoutMs: settings.buildTimeoutSec * 1000,
    maxContextBytes: settings.buildMaxContextBytes,
    maxConcurrentPerUser: settings.buildsPerUser,
  };
  const images = new ImageService(
    docker,
    imageResolver,
    () => policy.current(),
    buildLimits,
    clock,
    (caller, kind, subjectUid, reason, data) => audit.byUser(caller, kind, { subjectUid }, reason, data),
    buildResourcesOf(
      () => policy.current(),
      () => dockerOps.hostFacts(),
      clock,
    ),
  );
  // Lifecycle: idle/runtime stops, removals, warnings; stops go through the container service.
  const lifecycle = new LifecycleEngine({
    store,
    policy: () => policy.current(),
    accounts,
    actions: {
      ...lifecycleActions(
        {
          stopAsDaemon: (id, reason, timeoutSec) => containerService.stopAsDaemon(id, reason, timeoutSec),
          removeAsDaemon: (id, reason) => containerService.removeAsDaemon(id, reason),
          inFlight: (nameOrId) => containerService.inFlight(nameOrId),
          // ds01 shells plus SSH channels and forwarded connections.
          sessionsOf: attachedSessions,
        },
        leases,
      ),
      // A job stopped at its time limit ends timed_out (recorded when its exit arrives).
      stop: (id, reason, graceSec, told) => {
        jobs.lifecycleStopping(id, reason);
        return containerService.stopAsDaemon(id, reason, graceSec, told);
      },
    },
    jobOf: (id) => jobs.jobOfContainer(id),
    docker: dockerProbe(docker),
    gpus,
    clock,
    log,
    notifyTerminals: writeToTerminals,
  });
  const lifecycleLoops = new LifecycleLoops(lifecycle, log);
  policy.onChange((next) => lifecycleLoops.schedule(next.schedules));
  const system = new SystemService({
    store,
    dockerVersion: () => docker.version(),
    policy,
    inventory: () => gpus.last,
    host: () => host.resources(),
    clock,
  });
  // Who can see what changed: the effective limits per group, before and after.
  policy.onChange((next, prev) =>
    audit.byDaemon('policy.reloaded', { subjectUid: null }, `${policy.file} reloaded; new decisions use it`, {
      changes: diffEffectiveLimits(prev, next),
    }),
  );
  // Users with live containers get the new aggregate caps now, not at their next create.
  policy.onChange((next) => {
    void reapplyAggregates(next, accounts, new Date(clock.now())).then((r) => {
      if (r.applied.length > 0) log.info('aggregate cgroup caps re-applied', { uids: r.applied });
      for (const f of r.failed)
        log.error('cannot re-apply aggregate cgroup caps', { uid: f.uid, error: f.error });
    });
  });
  policy.onFailure((message) =>
    audit.byDaemon(
      'policy.rejected',
      { subjectUid: null },
      'an edit of the policy is invalid; the last good policy stays',
      { errors: message },
    ),
  );
  const mig = startMig({ settings, store, gpus, leases, containerService, policy, clock, log });
  const dashboard = new DashboardService(store, gpus, gpuAdmin, queue, events, policy, accounts, clock, host);
  const cluster = startCluster(settings, policy, jobsDeps, jobRunner, jobs, dashboard);
  const quota = startQuota({ settings, store, policy, accounts, clock, log, audit, docker });
  const lifecycleApi = new LifecycleService(store, lifecycle, containers, clock);
  startMemoryTrim(log);
  const router = new Router([
    ...quota.routes,
    ...mig.routes,
    ...systemRoutes(system),
    ...eventRoutes(events),
    ...containerReadRoutes(containers, queue),
    ...containerRoutes(containerService),
    ...accessRoutes(access),
    ...limitsRoutes(limits),
    ...lifecycleRoutes(lifecycleApi),
    ...dashboardRoutes(cluster.dashboard),
    ...usageRoutes(new UsageService(store, policy, accounts, clock)),
    ...adminOpsRoutes({
      queries: containers,
      containers: containerService,
      events,
      users: new UsersReport(store, policy, accounts),
      doctor,
    }),
    ...imageRoutes(images, buildLimits.maxContextBytes),
    ...startGpuTest({ store, dockerHandle, dockerOps, imageResolver, policy, gpuAdmin, clock, log }),
    ...queueRoutes(queue),
    ...cluster.routes,
    ...notify.routes,
    ...webInfoRoutes(settings.webSocket),
    ...startBookings({ store, policy, clock, log, leases, lifecycle, gpuAdmin }).routes,
    ...adminRoutes(policy, (who, ok, message) =>
      audit.by(
        { uid: null, name: who },
        ok ? 'policy.reload_requested' : 'policy.reload_failed',
        { subjectUid: null },
        message,
      ),
    ),
  ]);
  quota.gate(router.routes); // deploys, creates, builds and jobs refused over a hard storage quota

  const server = new ApiServer({
    router,
    connections: {
      perUser: settings.maxConnectionsPerUser,
      total: settings.maxConnections,
      adminReserve: settings.adminConnectionReserve,
    },
    upgrades: [...containerUpgradeRoutes(containerService, clock.now), ...accessUpgradeRoutes(access)],
    onRequest: (method, route, status) =>
      metrics.counters.request(method, route.replace(/^\S+ /, ''), status),
    log,
    answerHeaders: noticesOnAnswer(lifecycleApi),
    resolveCaller: callerResolver(accounts, () => policy.current()),
    onDenied: (caller, code, method, path, message) =>
      audit.byUser(caller, 'access.denied', { subjectUid: caller.uid }, message, { code, method, path }),
  });

  const firstProbe = gpus.refreshForStart(1500); // serve on the stored GPUs meanwhile (nvidia-smi can be slow)
  if (store.slots.counts().total === 0) await firstProbe; // a new state dir has none
  const fd = activationFd();
  const socketGroup = socketGroupOf(settings.socketGroup);
  await server.listen(fd !== undefined ? { fd } : { path: settings.socket, group: socketGroup });
  const web = await startWeb({ settings, router, events, accounts, policy, audit, metrics, clock, log });
  leases.start(); // before sync: reconcile's stop hooks arm hold timers
  sync.start();
  metrics.start();
  const metricsListener = settings.metrics
    ? await startMetricsListener(settings.metrics, () => metrics.render(), log)
    : null;
  policy.watch();
  gpuRefresh.start();
  queue.kick();
  lifecycleLoops.schedule(policy.current().schedules);

  log.info('ds01d ready', {
    version: VERSION,
    socket: fd !== undefined ? `fd ${fd} (socket activation)` : settings.socket,
    stateDir: settings.stateDir,
    policy: settings.policy,
    dockerHost: settings.dockerHost,
  });
  sdNotify(`READY=1\nSTATUS=serving on ${settings.socket}\nMAINPID=${process.pid}`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    sdNotify('STOPPING=1');
    log.info('ds01d stopping');
    gpuRefresh.stop();
    lifecycleLoops.stop();
    lifecycle.stop();
    queue.stop();
    leases.stop();
    sync.stop();
    metrics.stop();
    await metricsListener?.close();
    policy.close();
    await Promise.all([server.close(), web.close(), cluster.close()]);
    store.close();
    log.info('ds01d stopped');
  };
  const reload = () => {
    sdNotify('RELOADING=1');
    const r = policy.reload();
    log.info('SIGHUP: policy reload', { ok: r.ok, message: r.ok ? r.message : 'rejected' });
    sdNotify('READY=1');
  };
  return { server, store, policy, sync, gpus, leases, queue, containerService, jobs, stop, reload, log };
}

async function main() {
  const {
    checkConfig: check,
    json,
    ...flags
  } = parseFlags(process.argv) as Record<string, string | undefined> & {
    checkConfig?: string | boolean;
    json?: boolean;
  };
  let settings: Settings;
  try {
    if (check !== undefined) {
      const file = typeof check === 'string' ? check : loadSettings(flags).policy;
      process.exitCode = await checkConfig(file, json === true);
      return;
    }
    settings = loadSettings(flags);
  } catch (err) {
    process.stderr.write(`ds01d: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const d = await startDaemon(settings).catch((err) => {
    process.stderr.write(`ds01d: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  });
  process.on('SIGHUP', d.reload);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      d.stop().then(
        () => process.exit(0),
        (err) => {
          d.log.error('unclean stop', { err });
          process.exit(1);
        },
      );
    });
  }
  // The daemon never crashes on a request; anything that escapes is logged, not fatal.
  process.on('unhandledRejection', (err) =>
    d.log.error('unhandled rejection', { err: String((err as Error)?.stack ?? err) }),
  );
}

// Run when executed (directly or through the /usr/local/bin/ds01d link), not when imported by tests.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === fileURLToPath(import.meta.url)) void main();

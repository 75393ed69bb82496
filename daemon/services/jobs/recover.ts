// Jobs after a restart (kill -9 included) or a Docker reconnect: every active job is checked against
// Docker and the queue, so none is left "running" that is not. Running containers are watched again (die
// events), exited ones are recorded with their real exit code, vanished ones as lost with the evidence;
// pending ones whose dependency ended meanwhile move on; queued ones keep their place.
import { isRunningLike } from '../../docker/reconcile.js';
import { dependencyVerdict } from '../../jobs/states.js';
import type { JobRow } from '../../store/jobs.js';
import { DAEMON } from '../containers/index.js';
import type { JobRunner, JobsDeps } from './runner.js';

/** After a reconcile: every active job checked against Docker and the queue. Never throws. */
export async function recoverJobs(d: JobsDeps, runner: JobRunner): Promise<void> {
  for (const job of d.store.jobs.active()) {
    try {
      await recoverOne(d, runner, job);
    } catch (err) {
      d.log.error('job recovery failed', { job: job.id, err: String(err) });
    }
  }
}

async function recoverOne(d: JobsDeps, runner: JobRunner, job: JobRow): Promise<void> {
  switch (job.state) {
    case 'pending': {
      const dep = job.after_id === null ? undefined : d.store.jobs.get(job.after_id);
      const v = dep ? dependencyVerdict(dep) : ({ kind: 'go' } as const);
      if (v.kind === 'fail') runner.endWithout(job.id, 'failed', v.reason, DAEMON);
      else if (v.kind === 'go') await runner.launch(job.id, DAEMON, true);
      return;
    }
    case 'queued': {
      const q = job.queue_id === null ? undefined : d.store.queue.get(job.queue_id);
      if (q?.state === 'waiting') return;
      runner.endWithout(
        job.id,
        'failed',
        `its GPU queue entry ${job.queue_id ?? '?'} ended (${q?.state ?? 'missing'}${q?.note ? `: ${q.note}` : ''})`,
        DAEMON,
      );
      return;
    }
    case 'starting':
      if (!job.container_id) {
        runner.endWithout(job.id, 'lost', 'ds01d stopped while creating its container', DAEMON);
        return;
      }
      await adoptRunning(d, runner, job);
      return;
    case 'running':
      await adoptRunning(d, runner, job);
      return;
    default:
  }
}

/** Running in Docker: keep watching (die events); ended or gone: record it now. */
async function adoptRunning(d: JobsDeps, runner: JobRunner, job: JobRow): Promise<void> {
  const info = await d.ops.exitInfo(job.container_id as string);
  if (info && isRunningLike(info.status)) {
    if (job.state === 'starting')
      d.store.jobs.transition(job.id, ['starting'], 'running', {
        started_at: info.startedAt ?? d.clock.now(),
      });
    return;
  }
  if (info?.status === 'created') {
    // ds01d stopped between creating and starting it: it never ran, so start it now.
    // Through the workspace binder, like every start: the job's project is checked and bound now.
    const owner = await d.accounts.byUid(job.owner_uid);
    await (owner
      ? d.containers.startJobContainer(job.container_id as string, owner, job.project)
      : Promise.reject(new Error(`uid ${job.owner_uid} has no account any more`))
    ).catch((err) =>
      d.log.warn('could not start a job container after a restart', { job: job.id, err: String(err) }),
    );
    const now = await d.ops.exitInfo(job.container_id as string);
    if (now && isRunningLike(now.status)) {
      d.store.jobs.transition(job.id, ['starting'], 'running', {
        started_at: now.startedAt ?? d.clock.now(),
      });
      return;
    }
    if (now?.status === 'created') {
      runner.endWithout(job.id, 'failed', 'its container could not be started after ds01d restarted', DAEMON);
      d.leases.releaseForContainer(job.container_id as string, `job ${job.id} never started`, 'ds01d');
      return;
    }
  }
  await runner.finish(job.id);
}

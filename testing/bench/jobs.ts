// Batch jobs: from a running job's exit to the next queued job's container running (target < 1 s). One
// GPU slot, a chain of queued jobs of one user; each gap is Docker's own clock on both ends: the ended
// job's FinishedAt (recorded as its endedAt) to the next job's container StartedAt (its startedAt). The
// path measured: Docker's die event → ds01d records the end and releases the GPU → the queue serves the
// next entry → create (saga: claim, reserve, spec, create, passwd) → start.
import Docker from 'dockerode';
import { editPolicy, startTestDaemon } from '../harness/daemon.js';
import { startPrivateDockerd } from '../harness/dockerd.js';
import { loadGpuScenario } from '../harness/fake-gpu.js';
import { ensureBaseImage } from '../harness/images.js';
import { type BenchResult, percentile, round } from './types.js';

const N = 8;

function oneSlot() {
  const s = loadGpuScenario('a100-mig-mixed') as { gpus: { migDevices?: { profile: string }[] }[] };
  const gpu1 = { ...(s.gpus[1] as object), migDevices: s.gpus[1]?.migDevices?.slice(0, 1), processes: [] };
  return { ...s, description: 'one 1g.10gb slot', gpus: [gpu1] };
}

interface JobView {
  id: number;
  state: string;
  startedAt: string | null;
  endedAt: string | null;
}

export default async function jobsBench(): Promise<BenchResult[]> {
  const dockerd = await startPrivateDockerd();
  const d = await startTestDaemon({ dockerHost: dockerd.host, scenario: oneSlot() });
  try {
    const image = await ensureBaseImage(new Docker({ socketPath: dockerd.socketPath }));
    // Ended jobs' containers wait out container_hold_after_stop and count against the container quota;
    // raised so the gap measured is the exit → start path, not also removing an old container.
    editPolicy(d.policyPath, { 'defaults.max_containers_per_user': 50, 'defaults.idle_timeout': '1h' });
    await d.cli(['config', 'reload']);
    const ids: number[] = [];
    for (let i = 0; i < N + 1; i++) {
      const r = await d.cli(['job', 'submit', '--image', image, '--mig', '1g.10gb', '--', 'sleep', '2']);
      if (r.code !== 0) throw new Error(`submit failed: ${r.stderr}`);
      ids.push(Number(r.stdout.trim()));
    }
    const jobs: JobView[] = [];
    for (const id of ids) {
      const w = await d.cli(['job', 'wait', String(id)], undefined, { timeout: 120_000 });
      if (w.code !== 0) throw new Error(`job ${id} did not complete: ${w.stderr}`);
      jobs.push((await d.request('GET', `/v1/jobs/${id}`)).body as JobView);
    }
    const gaps: number[] = [];
    for (let i = 1; i < jobs.length; i++) {
      const prev = jobs[i - 1] as JobView;
      const next = jobs[i] as JobView;
      gaps.push(Date.parse(next.startedAt as string) - Date.parse(prev.endedAt as string));
    }
    return [
      {
        name: 'job exit → next queued job running (p50)',
        value: round(percentile(gaps, 50), 0),
        unit: 'ms',
        notes: `${gaps.length} gaps, one GPU slot, Docker FinishedAt → StartedAt; target < 1000`,
      },
      { name: 'job exit → next queued job running (max)', value: round(Math.max(...gaps), 0), unit: 'ms' },
    ];
  } finally {
    await d.cleanup();
    await dockerd.stop();
  }
}

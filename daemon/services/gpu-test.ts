// `ds01 gpu test SLOT`: a short check in a container on that slot (gpu/gpu-test.ts has the check and how
// its output is read). Admins test any slot; a user only a slot they hold. The container is built by the
// same spec builder as every ds01 container (the caller's uid, limits and cgroup parent; the slot's UUID as
// the only device, NVIDIA_VISIBLE_DEVICES set by the daemon) with no workspace bind and no ownership
// labels, so Docker sync never adopts it; it is always removed, and one left by a killed ds01d is removed
// at the next start (label ds01.gpu-test). Each test is a gpu.tested event.
import { randomBytes } from 'node:crypto';
import type { ContainerCreateOptions } from 'dockerode';
import type { GpuTestRequest, GpuTestResult } from '../api/types/gpus.js';
import { ensureCgroupParent } from '../cgroups/aggregate.js';
import type { Clock } from '../clock.js';
import { StreamDemuxer } from '../docker/demux.js';
import { LABELS } from '../docker/labels.js';
import type { DockerOps } from '../docker/ops.js';
import { buildContainerSpec, cgroupParentFor } from '../docker/spec.js';
import { Ds01Error } from '../errors.js';
import { GPU_TEST_SCRIPT, gpuTestPassed, readGpuTest } from '../gpu/gpu-test.js';
import type { Caller } from '../identity/caller.js';
import type { ImageResolver } from '../images/resolver.js';
import type { Logger } from '../log.js';
import { containerCpus, resolveLimits } from '../policy/resolve.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { Store } from '../store/index.js';
import type { SlotRow } from '../store/slots.js';
import type { PolicyService } from './policy.js';

export const GPU_TEST_LABEL = 'ds01.gpu-test';
const DEFAULT_TIMEOUT_SEC = 120;
const POLL_MS = 250;

export interface GpuTestDeps {
  store: Store;
  ops: Pick<DockerOps, 'create' | 'start' | 'state' | 'logs' | 'remove' | 'hostFacts'>;
  images: Pick<ImageResolver, 'resolve'>;
  policy: Pick<PolicyService, 'current'>;
  /** Every form `gpu list` shows → slots (GpuAdmin.resolve). */
  resolveSlots(ref: string): SlotRow[];
  /** Containers ds01 made with the test label (left by a killed ds01d). */
  leftovers(): Promise<string[]>;
  clock: Clock;
  log: Logger;
}

export class GpuTester {
  private readonly audit: Audit;
  /** Users with a test running: one at a time each, so nobody fills Docker with test containers. */
  private readonly running = new Set<number>();

  constructor(private readonly d: GpuTestDeps) {
    this.audit = auditLog(d.store.events, () => d.clock.now());
  }

  /** Removes test containers a killed ds01d left behind. */
  async removeLeftovers(): Promise<void> {
    for (const id of await this.d.leftovers())
      await this.d.ops
        .remove(id)
        .catch((err) => this.d.log.warn('cannot remove a GPU test container', { id, err: String(err) }));
  }

  async test(caller: Caller, ref: string, req: GpuTestRequest): Promise<GpuTestResult> {
    if (this.running.has(caller.uid))
      throw new Ds01Error(
        'CONFLICT',
        'a GPU test of yours is already running',
        'wait for it to finish (at most its --timeout), then test again',
      );
    this.running.add(caller.uid);
    try {
      return await this.run(caller, ref, req);
    } finally {
      this.running.delete(caller.uid);
    }
  }

  private async run(caller: Caller, ref: string, req: GpuTestRequest): Promise<GpuTestResult> {
    const slot = this.slotFor(caller, ref);
    const policy = this.d.policy.current();
    const imageText = req.image ?? policy.images[0]?.image;
    if (!imageText)
      throw new Ds01Error(
        'BAD_REQUEST',
        'no image to run the test in',
        'pass --image NAME (see `image-list`)',
      );
    const image = await this.d.images.resolve(imageText, { uid: caller.uid, admin: false });
    const timeoutSec = req.timeoutSec ?? DEFAULT_TIMEOUT_SEC;
    const started = this.d.clock.now();
    const spec = await this.spec(caller, slot, image.id);
    const id = await this.d.ops.create(spec);
    let result: Omit<GpuTestResult, 'durationMs'>;
    try {
      await this.d.ops.start(id);
      const end = await this.waitExit(id, started + timeoutSec * 1000);
      // What it printed so far, also when it timed out (the device part may be there).
      const output = demux(await this.d.ops.logs(id, { follow: false, tail: 200 }));
      const parts = readGpuTest(output, { ...end, timeoutSec });
      result = {
        slot: slot.uuid,
        gpuIndex: slot.gpu_index,
        label:
          slot.kind === 'mig' ? `${slot.gpu_index}.${slot.mig_device_index ?? '?'}` : String(slot.gpu_index),
        image: image.ref,
        passed: gpuTestPassed(parts),
        parts,
        exitCode: end.exitCode,
        timedOut: end.timedOut,
      };
    } finally {
      await this.d.ops.remove(id).catch((err) =>
        this.d.log.error('cannot remove a GPU test container; removed at the next start', {
          id,
          err: String(err),
        }),
      );
    }
    const out = { ...result, durationMs: this.d.clock.now() - started };
    this.d.store.tx(() =>
      this.audit.byUser(
        caller,
        'gpu.tested',
        { subjectUid: caller.uid },
        `GPU test on ${out.label} (${slot.uuid}) ${out.passed ? 'passed' : 'failed'}: ${out.parts
          .map((p) => `${p.name} ${p.status}`)
          .join(', ')}`,
        { slot: slot.uuid, image: out.image, passed: out.passed, parts: out.parts, timedOut: out.timedOut },
      ),
    );
    return out;
  }

  /** One slot the caller may test: admins any present slot, users one they hold. */
  private slotFor(caller: Caller, ref: string): SlotRow {
    const slots = this.d.resolveSlots(ref);
    if (slots.length !== 1)
      throw new Ds01Error(
        'BAD_REQUEST',
        `"${ref}" is a GPU with ${slots.length} slots`,
        'test one slot at a time: give its SLOT label (e.g. 1.2) from `ds01 gpu list`',
      );
    const slot = slots[0] as SlotRow;
    if (!caller.admin && this.d.store.allocations.liveForSlot(slot.uuid)?.owner_uid !== caller.uid)
      throw new Ds01Error(
        'FORBIDDEN',
        `slot ${ref} is not yours`,
        'you can test a slot you hold (see `ds01 gpu list`: "yours"); ask an admin to test others',
      );
    if (slot.state === 'missing')
      throw new Ds01Error(
        'CONFLICT',
        `slot ${ref} is not reported by nvidia-smi now`,
        'see `ds01 gpu list` and `ds01 doctor`; a vanished GPU needs a look by an admin',
      );
    return slot;
  }

  private async spec(caller: Caller, slot: SlotRow, imageId: string): Promise<ContainerCreateOptions> {
    const policy = this.d.policy.current();
    const user = { name: caller.name, groups: caller.groups, uid: caller.uid };
    const resolved = resolveLimits(policy, user, new Date(this.d.clock.now()));
    const host = await this.d.ops.hostFacts();
    const cgroupParent = cgroupParentFor(caller.uid, policy.aggregateLimits, host.cgroupDriver);
    ensureCgroupParent(cgroupParent, caller.uid, resolved.aggregate);
    const project = `gpu-test-${randomBytes(4).toString('hex')}`;
    const spec = buildContainerSpec({
      project,
      owner: { uid: caller.uid, gid: caller.gid, name: caller.name },
      image: imageId,
      workspace: '/nonexistent', // dropped below: a test binds nothing of the user's
      limits: {
        ...resolved.limits,
        maxCpus: containerCpus(resolved.limits.maxCpus, resolved.aggregate, policy.aggregateLimits),
      },
      slots: [slot.uuid],
      sharedMounts: [],
      cgroupParent,
      hostCpus: host.cpus,
      command: ['/bin/sh', '-c', GPU_TEST_SCRIPT],
      createdBy: 'ds01 gpu test',
    });
    // Not a user's container: no ownership labels (sync adopts only those), no workspace, its own name.
    const labels = { [GPU_TEST_LABEL]: slot.uuid, [LABELS.createdBy]: `${caller.name} (ds01 gpu test)` };
    return {
      ...spec,
      name: `ds01-${project}`,
      WorkingDir: '/',
      Labels: labels,
      HostConfig: { ...spec.HostConfig, Binds: [], NetworkMode: 'none' },
    };
  }

  private async waitExit(
    id: string,
    deadline: number,
  ): Promise<{ timedOut: boolean; exitCode: number | null }> {
    for (;;) {
      const st = await this.d.ops.state(id);
      if (!st) return { timedOut: false, exitCode: null };
      if (st.status === 'exited' || st.status === 'dead') return { timedOut: false, exitCode: st.exitCode };
      if (this.d.clock.now() >= deadline) return { timedOut: true, exitCode: null };
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
}

function demux(buf: Buffer): string {
  // A container without a TTY: Docker multiplexes stdout/stderr with 8-byte frame headers.
  return new StreamDemuxer()
    .push(buf)
    .map((c) => c.data.toString('utf8'))
    .join('');
}

import { afterEach, describe, expect, it } from 'vitest';
import { gpuKit, type Kit } from '../../testing/kits/gpu-test-kit.js';
import { silentLogger } from '../log.js';
import { loadSettings } from '../settings.js';
import { GpuInventoryService } from './gpu-inventory.js';

let kit: Kit | undefined;
afterEach(() => kit?.close());

describe('GpuInventoryService.refreshForStart', () => {
  it('returns after maxWaitMs when nvidia-smi hangs, and the probe still finishes later', async () => {
    kit = gpuKit();
    // nvidia-smi hangs until released; then every call answers "no GPUs".
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    const hanging = async () => {
      await released;
      return { stdout: '', stderr: 'No devices were found', code: 6 };
    };
    const inv = new GpuInventoryService(
      loadSettings({}, { DS01_CONFIG: '' }), // the defaults, no config file
      kit.store,
      kit.clock,
      silentLogger,
      kit.policy,
      kit.accounts,
      hanging,
    );
    const t = Date.now();
    await inv.refreshForStart(100);
    expect(Date.now() - t).toBeLessThan(2000);
    expect(inv.lastProbeAt).toBeNull(); // still probing
    release();
    await inv.refresh(); // joins the probe in flight
    expect(inv.lastError ?? inv.lastProbeAt).not.toBeNull();
  });
});

describe('GpuInventoryService.refresh', () => {
  it('answers with a probe started after the call, not one already in flight; the tick joins it', async () => {
    kit = gpuKit();
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let phase = 'before';
    const calledIn: string[] = [];
    const runner = async () => {
      calledIn.push(phase);
      if (phase === 'before') await released;
      return { stdout: '', stderr: 'No devices were found', code: 6 };
    };
    const inv = new GpuInventoryService(
      loadSettings({}, { DS01_CONFIG: '' }),
      kit.store,
      kit.clock,
      silentLogger,
      kit.policy,
      kit.accounts,
      runner,
    );
    const tick = inv.probeShared(); // a periodic probe reads the GPUs before the change
    const joined = inv.probeShared();
    expect(joined).toBe(tick);
    const first = inv.refresh('admin'); // the admin asks after the change
    const second = inv.refresh('admin');
    expect(second).toBe(first); // callers meanwhile share one queued probe
    phase = 'after';
    release();
    await tick;
    const seenBefore = calledIn.length;
    await first;
    expect(calledIn.length).toBeGreaterThan(seenBefore);
    expect(calledIn.slice(seenBefore).every((p) => p === 'after')).toBe(true);
  });
});

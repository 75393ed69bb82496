import { describe, expect, it } from 'vitest';
import { buildInventory, totalSlicesFor } from './inventory.js';
import { parseListGpus } from './parse/list-gpus.js';
import { parseMigLgi } from './parse/mig-lgi.js';
import { parseQueryGpu } from './parse/query-gpu.js';
import { parseQueryXml } from './parse/query-xml.js';

const A = 'GPU-aaaaaaaa-0000-1111-2222-333344445555';
const B = 'GPU-bbbbbbbb-0000-1111-2222-333344445555';
const C = 'GPU-cccccccc-0000-1111-2222-333344445555';
const M = (n: number) => `MIG-${String(n).repeat(8)}-0000-5111-8222-333344445555`;

const list = parseListGpus(
  [
    `GPU 0: NVIDIA A100-SXM4-80GB (UUID: ${A})`,
    `  MIG 3g.40gb     Device  0: (UUID: ${M(1)})`,
    `  MIG 1c.3g.40gb  Device  1: (UUID: ${M(2)})`,
    `  MIG 2c.3g.40gb  Device  2: (UUID: ${M(3)})`,
    `GPU 1: NVIDIA A100-SXM4-80GB (UUID: ${B})`,
    `GPU 2: NVIDIA A30 (UUID: ${C})`,
    `  MIG 2g.12gb     Device  0: (UUID: ${M(4)})`,
  ].join('\n'),
);
const queryGpu = parseQueryGpu(
  [
    `0, ${A}, NVIDIA A100-SXM4-80GB, 00000000:07:00.0, 81920, 2100, [N/A], 31, 550.90.07, Enabled`,
    `1, ${B}, NVIDIA A100-SXM4-80GB, 00000000:0F:00.0, 81920, 500, 87, 33, 550.90.07, Disabled`,
    `2, ${C}, NVIDIA A30, 00000000:47:00.0, 24576, 0, [N/A], 30, 550.90.07, Enabled`,
  ].join('\n'),
  [
    'index',
    'uuid',
    'name',
    'pci.bus_id',
    'memory.total',
    'memory.used',
    'utilization.gpu',
    'temperature.gpu',
    'driver_version',
    'mig.mode.current',
  ],
);
const xml =
  parseQueryXml(`<nvidia_smi_log><driver_version>550.90.07</driver_version><cuda_version>12.4</cuda_version>
<gpu id="00000000:07:00.0"><mig_mode><current_mig>Enabled</current_mig></mig_mode><mig_devices>
<mig_device><index>0</index><gpu_instance_id>1</gpu_instance_id><compute_instance_id>0</compute_instance_id><fb_memory_usage><total>40192 MiB</total></fb_memory_usage></mig_device>
<mig_device><index>1</index><gpu_instance_id>2</gpu_instance_id><compute_instance_id>0</compute_instance_id></mig_device>
<mig_device><index>2</index><gpu_instance_id>2</gpu_instance_id><compute_instance_id>1</compute_instance_id></mig_device>
</mig_devices><uuid>${A}</uuid><processes>
<process_info><gpu_instance_id>2</gpu_instance_id><compute_instance_id>1</compute_instance_id><pid>10</pid><process_name>py</process_name><used_memory>100 MiB</used_memory></process_info>
<process_info><gpu_instance_id>9</gpu_instance_id><compute_instance_id>0</compute_instance_id><pid>11</pid><process_name>ghost</process_name><used_memory>1 MiB</used_memory></process_info>
</processes></gpu>
<gpu id="00000000:0F:00.0"><mig_mode><current_mig>Disabled</current_mig></mig_mode><uuid>${B}</uuid><processes>
<process_info><gpu_instance_id>N/A</gpu_instance_id><compute_instance_id>N/A</compute_instance_id><pid>20</pid><process_name>train</process_name><used_memory>400 MiB</used_memory></process_info>
</processes></gpu>
<gpu id="00000000:47:00.0"><mig_mode><current_mig>Enabled</current_mig></mig_mode><uuid>${C}</uuid><mig_devices>
<mig_device><index>0</index><gpu_instance_id>1</gpu_instance_id><compute_instance_id>0</compute_instance_id></mig_device></mig_devices></gpu>
</nvidia_smi_log>`);

describe('buildInventory', () => {
  const inv = buildInventory({ list, queryGpu, xml });

  it('joins -L with --query-gpu and -q -x', () => {
    expect(inv).toMatchObject({ driverVersion: '550.90.07', cudaVersion: '12.4' });
    expect(inv.gpus.map((g) => [g.uuid, g.migEnabled, g.utilizationPct, g.totalSlices, g.busId])).toEqual([
      [A, true, null, 7, '00000000:07:00.0'],
      [B, false, 87, 7, '00000000:0F:00.0'],
      [C, true, null, 4, '00000000:47:00.0'],
    ]);
  });

  it('makes one slot per MIG device and one per whole GPU, with slices and equivalents', () => {
    expect(
      inv.slots.map((s) => [s.uuid, s.kind, s.profile, s.gi, s.ci, s.computeSlices, s.gpuEquivalents]),
    ).toEqual([
      [M(1), 'mig', '3g.40gb', 1, 0, 3, 3 / 7],
      [M(2), 'mig', '1c.3g.40gb', 2, 0, 1, 1 / 7],
      [M(3), 'mig', '2c.3g.40gb', 2, 1, 2, 2 / 7],
      [B, 'full', null, null, null, 7, 1],
      [M(4), 'mig', '2g.12gb', 1, 0, 2, 2 / 4],
    ]);
    expect(inv.slots[0]).toMatchObject({ parentUuid: A, gpuIndex: 0, migDeviceIndex: 0, memoryMiB: 40192 });
    expect(inv.slots[3]).toMatchObject({ parentUuid: B, memoryMiB: 81920 });
  });

  it('attributes MIG processes by GI/CI and whole-GPU processes to the GPU', () => {
    expect(inv.processes.map((p) => [p.pid, p.gpuUuid, p.slotUuid])).toEqual([
      [10, A, M(3)],
      [11, A, null],
      [20, B, B],
    ]);
  });

  it('offers no slot on a MIG-enabled GPU without instances', () => {
    const l = parseListGpus(`GPU 0: NVIDIA H100 80GB HBM3 (UUID: ${A})\n`);
    const q = parseQueryGpu(`${A}, Enabled\n`, ['uuid', 'mig.mode.current']);
    const empty = buildInventory({ list: l, queryGpu: q });
    expect(empty.gpus[0]!.migEnabled).toBe(true);
    expect(empty.slots).toEqual([]);
  });

  it('takes GI/CI from legacy UUIDs and profiles from mig -lgi when -L has none', () => {
    const l = parseListGpus(`GPU 0: Graphics Device (UUID: ${A})\n  MIG Device 0: (UUID: MIG-${A}/11/0)\n`);
    const lgi = parseMigLgi('|   0  MIG 2g.10gb      14       11          4:2     |\n');
    const inv2 = buildInventory({ list: l, lgi });
    expect(inv2.slots[0]).toMatchObject({
      gi: 11,
      ci: 0,
      profile: '2g.10gb',
      computeSlices: 2,
      gpuEquivalents: 2 / 7,
    });
    expect(buildInventory({ list: l }).slots[0]).toMatchObject({ profile: null, computeSlices: 1 });
  });

  it('falls back to compute-apps for processes without -q -x', () => {
    const inv3 = buildInventory({
      list,
      queryGpu,
      computeApps: [
        { pid: 1, gpuUuid: A, name: 'x', usedMemoryMiB: 5 },
        { pid: 2, gpuUuid: B, name: 'y', usedMemoryMiB: null },
      ],
    });
    expect(inv3.processes.map((p) => [p.pid, p.slotUuid])).toEqual([
      [1, null],
      [2, B],
    ]);
  });
});

describe('totalSlicesFor', () => {
  it.each([
    ['NVIDIA A100-SXM4-80GB', true, 7],
    ['NVIDIA H100 NVL', true, 7],
    ['NVIDIA GH200 480GB', true, 7],
    ['NVIDIA H200', true, 7],
    ['NVIDIA A30', true, 4],
    ['NVIDIA RTX PRO 6000 Blackwell Server Edition', true, 4],
    ['Graphics Device', true, 7],
    ['NVIDIA GeForce RTX 4090', false, 1],
  ])('%s', (name, capable, n) => {
    expect(totalSlicesFor(name, capable)).toBe(n);
  });
});

import { describe, expect, it } from 'vitest';
import { parseComputeApps } from './compute-apps.js';
import { NvidiaSmiParseError } from './errors.js';
import { parseListGpus } from './list-gpus.js';
import { parseMigLgi } from './mig-lgi.js';
import { parseMigProfile } from './profile.js';
import { parseQueryGpu } from './query-gpu.js';
import { parseQueryXml } from './query-xml.js';
import { parseVersion } from './version.js';

const G0 = 'GPU-1a2b3c4d-0000-1111-2222-333344445555';

function parseError(fn: () => unknown): NvidiaSmiParseError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NvidiaSmiParseError) return err;
    throw err;
  }
  throw new Error('expected NvidiaSmiParseError');
}

describe('parseListGpus', () => {
  it('reads MIG-<uuid> devices with padded spacing and suffixed profiles', () => {
    const text = [
      `GPU 0: NVIDIA H100 80GB HBM3 (UUID: ${G0})`,
      '  MIG 1c.3g.71gb  Device  0: (UUID: MIG-c788539f-c1ea-5a36-8b4d-9b07d024b1bb)',
      '  MIG 1g.24gb+me.all Device  1: (UUID: MIG-405bbda1-6b05-535f-9702-f95e8cd170ce)',
      '  MIG 1g.10gb-me  Device 12: (UUID: MIG-df7e5a27-eeea-51a0-9055-b36d5a552879)',
      '  MIG 2g.48gb+gfx Device 13: (UUID: MIG-b4b2228d-6933-5839-bc0e-41ab9edb61c6)',
      'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-99999999-0000-1111-2222-333344445555)',
      '',
    ].join('\n');
    const gpus = parseListGpus(text);
    expect(gpus.map((g) => [g.index, g.name, g.migDevices.length])).toEqual([
      [0, 'NVIDIA H100 80GB HBM3', 4],
      [1, 'NVIDIA H100 80GB HBM3', 0],
    ]);
    expect(gpus[0]!.migDevices.map((d) => [d.index, d.profile])).toEqual([
      [0, '1c.3g.71gb'],
      [1, '1g.24gb+me.all'],
      [12, '1g.10gb-me'],
      [13, '2g.48gb+gfx'],
    ]);
  });

  it('reads legacy MIG-GPU-<uuid>/<gi>/<ci> and the pre-release form without a profile', () => {
    const text = [
      ` GPU 0: Graphics Device (UUID: ${G0})`,
      `  MIG Device 0: (UUID: MIG-${G0}/1/0)`,
      `  MIG 3g.20gb Device 1: (UUID: MIG-${G0}/11/2)`,
    ].join('\r\n');
    const [gpu] = parseListGpus(text);
    expect(gpu!.migDevices).toEqual([
      { index: 0, profile: null, uuid: `MIG-${G0}/1/0`, legacyGi: 1, legacyCi: 0 },
      { index: 1, profile: '3g.20gb', uuid: `MIG-${G0}/11/2`, legacyGi: 11, legacyCi: 2 },
    ]);
  });

  it('reports the line number and text of an unknown line', () => {
    const err = parseError(() => parseListGpus(`GPU 0: X (UUID: ${G0})\nGarbage here\n`));
    expect(err).toMatchObject({ line: 2, lineText: 'Garbage here' });
    expect(parseError(() => parseListGpus('  MIG 1g.5gb Device 0: (UUID: MIG-x)')).line).toBe(1);
  });

  it('returns no GPUs for empty output', () => {
    expect(parseListGpus('')).toEqual([]);
  });
});

describe('parseQueryGpu', () => {
  const fields = ['index', 'uuid', 'memory.total', 'utilization.gpu', 'mig.mode.current', 'driver_version'];
  it('reads noheader,nounits with [N/A] and [Not Supported]', () => {
    const rows = parseQueryGpu(
      `0, ${G0}, 81920, [N/A], Enabled, 550.90.07\n1, GPU-b, 24564, 7, [N/A], [Not Supported]\n`,
      fields,
    );
    expect(rows[0]).toMatchObject({
      index: 0,
      uuid: G0,
      memoryTotalMiB: 81920,
      utilizationPct: null,
      migMode: 'Enabled',
      driverVersion: '550.90.07',
    });
    expect(rows[1]).toMatchObject({ utilizationPct: 7, migMode: null, driverVersion: null });
  });

  it('reads a header with units and values with units', () => {
    const text =
      'uuid, memory.used [MiB], utilization.gpu [%], kmd_version\nGPU-a, 1024 MiB, 45 %, 610.43.02\n';
    expect(parseQueryGpu(text)[0]).toMatchObject({
      uuid: 'GPU-a',
      memoryUsedMiB: 1024,
      utilizationPct: 45,
      driverVersion: '610.43.02',
    });
    // A header is recognised even when the queried fields are passed.
    expect(parseQueryGpu(text, ['uuid', 'memory.used', 'utilization.gpu', 'kmd_version'])).toHaveLength(1);
  });

  it('rejects short rows and non-numbers with the line', () => {
    expect(parseError(() => parseQueryGpu('0, GPU-a\n0, GPU-b, 1, 2, Enabled, x\n', fields)).line).toBe(1);
    const err = parseError(() => parseQueryGpu(`0, ${G0}, lots, 1, Enabled, 1\n`, fields));
    expect(err.message).toMatch(/memory.total is not a number/);
  });
});

describe('parseComputeApps', () => {
  it('reads rows, keeps commas in process names, and maps [N/A] memory to null', () => {
    const text = `4821, ${G0}, python3, 2048\n77, ${G0}, /opt/a, b/run.sh, [N/A]\n`;
    expect(parseComputeApps(text, ['pid', 'gpu_uuid', 'process_name', 'used_gpu_memory'])).toEqual([
      { pid: 4821, gpuUuid: G0, name: 'python3', usedMemoryMiB: 2048 },
      { pid: 77, gpuUuid: G0, name: '/opt/a, b/run.sh', usedMemoryMiB: null },
    ]);
  });
  it('returns nothing for no processes (header only or empty)', () => {
    expect(parseComputeApps('pid, gpu_uuid, process_name, used_gpu_memory [MiB]\n')).toEqual([]);
    expect(parseComputeApps('', ['pid'])).toEqual([]);
  });
});

describe('parseMigLgi', () => {
  it('reads rows in any order and the empty message', () => {
    const text = [
      '+-------------------------------------------------------+',
      '| GPU instances:                                        |',
      '| GPU   Name             Profile  Instance   Placement  |',
      '|                          ID       ID       Start:Size |',
      '|=======================================================|',
      '|   0  MIG 3g.40gb          9        2          4:4     |',
      '+-------------------------------------------------------+',
      '|   1  MIG 1g.24gb+me      14        5          6:3     |',
      '+-------------------------------------------------------+',
    ].join('\n');
    expect(parseMigLgi(text)).toEqual([
      { gpuIndex: 0, profile: '3g.40gb', profileId: 9, gi: 2, placementStart: 4, placementSize: 4 },
      { gpuIndex: 1, profile: '1g.24gb+me', profileId: 14, gi: 5, placementStart: 6, placementSize: 3 },
    ]);
    expect(parseMigLgi('No GPU instances found: Not Found\n')).toEqual([]);
    expect(parseError(() => parseMigLgi(`${text}\n|   0  MIG what |\n`)).line).toBe(10);
  });
});

describe('parseMigProfile', () => {
  it.each([
    ['3g.40gb', 3, 3, 40],
    ['1c.3g.40gb', 1, 3, 40],
    ['7g.80gb', 7, 7, 80],
    ['1g.24gb+me.all', 1, 1, 24],
    ['1g.10gb-me', 1, 1, 10],
  ])('%s', (name, computeSlices, giSlices, memoryGb) => {
    expect(parseMigProfile(name)).toMatchObject({ computeSlices, giSlices, memoryGb });
  });
  it('rejects non-profiles', () => {
    expect(parseMigProfile('Device')).toBeNull();
  });
});

describe('parseVersion', () => {
  it('reads pre-R610 and R610 spellings', () => {
    expect(
      parseVersion(
        'NVIDIA-SMI version  : 550.90.07\nDRIVER version      : 550.90.07\nCUDA Version        : 12.4\n',
      ),
    ).toEqual({
      driverVersion: '550.90.07',
      cudaVersion: '12.4',
    });
    const r610 = [
      'DRIVER version      : Deprecated, see "KMD version" instead',
      'CUDA version        : Deprecated, see "CUDA UMD version" instead',
      'KMD version         : 610.57.04',
      'CUDA UMD version    : 13.3',
    ].join('\n');
    expect(parseVersion(r610)).toEqual({ driverVersion: '610.57.04', cudaVersion: '13.3' });
  });
});

describe('parseQueryXml', () => {
  const xml = `<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">
<nvidia_smi_log>
  <driver_version>610.43.02 [Deprecated; will be removed in CUDA 14.0. Use KMD Version instead]</driver_version>
  <cuda_version>13.3</cuda_version>
  <kmd_version>610.43.02</kmd_version>
  <!-- a comment -->
  <gpu id="00000000:83:00.0">
    <product_name>NVIDIA H200 &amp; friends</product_name>
    <mig_mode><current_mig>Enabled</current_mig></mig_mode>
    <mig_devices>
      <mig_device><index>0</index><gpu_instance_id>2</gpu_instance_id><compute_instance_id>1</compute_instance_id>
        <fb_memory_usage><total>71424 MiB</total><used>13 MiB</used></fb_memory_usage></mig_device>
    </mig_devices>
    <uuid>${G0}</uuid>
    <minor_number>3</minor_number>
    <fb_memory_usage><total>143771 MiB</total><used>44 MiB</used></fb_memory_usage>
    <utilization><gpu_util>N/A</gpu_util></utilization>
    <temperature><gpu_temp>40 C</gpu_temp></temperature>
    <processes>
      <process_info><gpu_instance_id>2</gpu_instance_id><compute_instance_id>1</compute_instance_id>
        <pid>12249</pid><type>C</type><process_name>/root/memhog</process_name><used_memory>2194 MiB</used_memory></process_info>
    </processes>
  </gpu>
  <gpu id="x"><mig_devices /><processes /></gpu>
</nvidia_smi_log>`;

  it('reads GPUs, MIG devices and processes with GI/CI', () => {
    const q = parseQueryXml(xml);
    expect(q).toMatchObject({ driverVersion: '610.43.02', cudaVersion: '13.3' });
    expect(q.gpus[0]).toMatchObject({
      position: 0,
      busId: '00000000:83:00.0',
      uuid: G0,
      name: 'NVIDIA H200 & friends',
      minorNumber: 3,
      migEnabled: true,
      memoryTotalMiB: 143771,
      utilizationPct: null,
      temperatureC: 40,
      migDevices: [{ index: 0, gi: 2, ci: 1, memoryTotalMiB: 71424, memoryUsedMiB: 13 }],
      processes: [{ pid: 12249, gi: 2, ci: 1, type: 'C', name: '/root/memhog', usedMemoryMiB: 2194 }],
    });
    expect(q.gpus[1]).toMatchObject({ position: 1, migEnabled: null, migDevices: [], processes: [] });
  });

  it('reports mismatched tags and bad numbers with their line', () => {
    const broken = parseError(() => parseQueryXml('<nvidia_smi_log>\n<gpu>\n</nvidia_smi_log>\n'));
    expect(broken).toMatchObject({ line: 3, lineText: '</nvidia_smi_log>' });
    const bad = parseError(() =>
      parseQueryXml('<nvidia_smi_log>\n<gpu>\n<minor_number>lots</minor_number>\n</gpu>\n</nvidia_smi_log>'),
    );
    expect(bad).toMatchObject({ line: 3, lineText: '<minor_number>lots</minor_number>' });
    expect(parseError(() => parseQueryXml('<nvidia_smi_log>\n<gpu>\n')).message).toMatch(/never closed/);
  });
});

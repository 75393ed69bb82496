#!/usr/bin/env node
// Fake `nvidia-smi` for tests: replays a GPU inventory from the JSON scenario named by
// FAKE_NVIDIA_SMI_SCENARIO. The file is re-read on every invocation so tests can change the
// inventory while a daemon runs. Output formats follow the real recordings in ../shared/nvidia-smi/
// (see README.md beside this file for the scenario format).
import { readFileSync } from 'node:fs';
import { migCommand } from './mig.mjs';

const NO_DEVICES = 'No devices were found';
const NO_DRIVER =
  "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. " +
  'Make sure that the latest NVIDIA driver is installed and running.';

// nvidia-smi return codes (nvidia-smi(1) "RETURN VALUE").
const EXIT_INVALID_ARG = 2;
const EXIT_NOT_FOUND = 6;
const EXIT_DRIVER = 9;
const EXIT_GPU_LOST = 15;

function die(message, code = 1) {
  process.stderr.write(`fake-nvidia-smi: ${message}\n`);
  process.exit(code);
}

function loadScenario() {
  const path = process.env.FAKE_NVIDIA_SMI_SCENARIO;
  if (!path) die('FAKE_NVIDIA_SMI_SCENARIO is not set (path to a JSON scenario file)');
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    die(`cannot read scenario ${path}: ${err.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    die(`scenario ${path} is not valid JSON: ${err.message}`);
  }
}

// ---- model ------------------------------------------------------------------------------------

/** Normalises the scenario into GPUs with derived values (MIG device index, aggregates). */
function model(scenario) {
  const gpus = (scenario.gpus ?? []).map((g, position) => {
    const migCapable = g.migCapable ?? g.migEnabled === true;
    const migEnabled = migCapable && g.migEnabled === true;
    // MIG device index = ascending (GI, CI), as observed on every real driver.
    const migDevices = migEnabled
      ? [...(g.migDevices ?? [])]
          .sort((a, b) => a.gi - b.gi || a.ci - b.ci)
          .map((d, index) => ({ ...d, index }))
      : [];
    const processes = g.processes ?? [];
    const memoryTotalMiB = g.memoryTotalMiB ?? 81920;
    const migUsed = migDevices.reduce((sum, d) => sum + (d.memoryUsedMiB ?? 0), 0);
    const procUsed = processes.reduce((sum, p) => sum + (p.usedMemoryMiB ?? 0), 0);
    const memoryUsedMiB = g.memoryUsedMiB ?? (migEnabled ? migUsed : procUsed);
    return {
      index: g.index ?? position,
      name: g.name ?? 'NVIDIA A100-SXM4-80GB',
      uuid: g.uuid,
      serial: g.serial ?? '0000000000000',
      busId: g.busId ?? `00000000:${(position + 1).toString(16).toUpperCase().padStart(2, '0')}:00.0`,
      minorNumber: g.minorNumber ?? position,
      memoryTotalMiB,
      memoryReservedMiB: g.memoryReservedMiB ?? 0,
      memoryUsedMiB,
      memoryFreeMiB: Math.max(0, memoryTotalMiB - memoryUsedMiB - (g.memoryReservedMiB ?? 0)),
      utilizationGpu: g.utilizationGpu ?? 0,
      utilizationMemory: g.utilizationMemory ?? 0,
      temperatureC: g.temperatureC ?? 35,
      powerDrawW: g.powerDrawW ?? 60,
      powerLimitW: g.powerLimitW ?? 400,
      persistenceMode: g.persistenceMode ?? 'Enabled',
      pstate: g.pstate ?? 'P0',
      migCapable,
      migEnabled,
      migPending: g.migPending ?? migEnabled,
      migDevices,
      // GPU instances without a compute instance (mig.mjs): in `mig -lgi`, not in `-L`.
      emptyGpuInstances: migEnabled ? (g.emptyGpuInstances ?? []) : [],
      processes,
      // Health (see README): ECC counts, retired pages, remapped rows, temperature thresholds, and the
      // two ways a GPU fails to answer (the whole device, or some readings).
      ecc: g.ecc ?? { volatile: {}, aggregate: {} },
      retiredPages: g.retiredPages ?? null,
      remappedRows: g.remappedRows ?? {},
      thresholds: {
        shutdownC: 92,
        slowdownC: 89,
        maxOperatingC: 85,
        targetC: null,
        ...(g.temperatureThresholds ?? {}),
      },
      deviceError: g.deviceError ?? null,
      readingError: g.readingError ?? null,
    };
  });
  gpus.sort((a, b) => a.index - b.index);
  return {
    driverVersion: scenario.driverVersion ?? '550.54.15',
    cudaVersion: scenario.cudaVersion ?? '12.4',
    // R610 renamed "Driver Version"/"CUDA Version" to "KMD Version"/"CUDA UMD Version".
    kmdSpelling: scenario.kmdSpelling ?? Number.parseInt(scenario.driverVersion ?? '0', 10) >= 610,
    gpus,
  };
}

const na = '[N/A]';

// ---- argument handling ------------------------------------------------------------------------

/** Parses `--opt=value`, `--opt value` and bare flags into a list of [name, value|null]. */
function parseArgs(argv) {
  const valued = new Set(['--query-gpu', '--query-compute-apps', '--format', '-i', '--id']);
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) out.push([arg.slice(0, eq), arg.slice(eq + 1)]);
    else if (valued.has(arg)) out.push([arg, argv[++i] ?? '']);
    else out.push([arg, null]);
  }
  return out;
}

function selectGpus(m, idOption) {
  if (idOption === undefined) return m.gpus;
  const ids = idOption.split(',').map((s) => s.trim());
  const chosen = m.gpus.filter(
    (g) => ids.includes(String(g.index)) || ids.includes(g.uuid) || ids.includes(g.busId),
  );
  if (chosen.length === 0) {
    process.stdout.write(`No devices were found matching the provided ID(s)\n`);
    process.exit(EXIT_NOT_FOUND);
  }
  return chosen;
}

// ---- -L ---------------------------------------------------------------------------------------

function deviceErrorLine(g) {
  return `Unable to determine the device handle for GPU ${g.busId.replace(/^0000/, '')}: ${g.deviceError}`;
}

function listGpus(gpus) {
  const lines = [];
  for (const g of gpus) {
    if (g.deviceError) {
      lines.push(deviceErrorLine(g));
      continue;
    }
    lines.push(`GPU ${g.index}: ${g.name} (UUID: ${g.uuid})`);
    for (const d of g.migDevices) {
      // Profile padded to 12 columns (at least two spaces), index right-aligned in 2 columns.
      const pad = ' '.repeat(Math.max(2, 12 - d.profile.length));
      lines.push(`  MIG ${d.profile}${pad}Device ${String(d.index).padStart(2)}: (UUID: ${d.uuid})`);
    }
  }
  return lines.join('\n') + '\n';
}

// ---- --query-gpu / --query-compute-apps ------------------------------------------------------

function fmtFloat(n) {
  return n.toFixed(2);
}

/** field → [header name, unit or null, value(gpu) → string|number]. */
function gpuFields(m) {
  const util = (key) => (g) => (g.migEnabled ? na : (g.readingError ?? g[key]));
  const mig = (key) => (g) => (g.migCapable ? (g[key] ? 'Enabled' : 'Disabled') : na);
  const f = {
    timestamp: ['timestamp', null, () => timestamp()],
    driver_version: ['driver_version', null, () => m.driverVersion],
    kmd_version: ['kmd_version', null, () => m.driverVersion],
    count: ['count', null, () => m.gpus.length],
    index: ['index', null, (g) => g.index],
    name: ['name', null, (g) => g.name],
    serial: ['serial', null, (g) => g.serial],
    uuid: ['uuid', null, (g) => g.uuid],
    'pci.bus_id': ['pci.bus_id', null, (g) => g.busId],
    persistence_mode: ['persistence_mode', null, (g) => g.persistenceMode],
    pstate: ['pstate', null, (g) => g.pstate],
    'memory.total': ['memory.total', 'MiB', (g) => g.memoryTotalMiB],
    'memory.reserved': ['memory.reserved', 'MiB', (g) => g.memoryReservedMiB],
    'memory.used': ['memory.used', 'MiB', (g) => g.memoryUsedMiB],
    'memory.free': ['memory.free', 'MiB', (g) => g.memoryFreeMiB],
    'utilization.gpu': ['utilization.gpu', '%', util('utilizationGpu')],
    'utilization.memory': ['utilization.memory', '%', util('utilizationMemory')],
    'temperature.gpu': ['temperature.gpu', null, (g) => g.readingError ?? g.temperatureC],
    'power.draw': ['power.draw', 'W', (g) => fmtFloat(g.powerDrawW)],
    'power.limit': ['power.limit', 'W', (g) => fmtFloat(g.powerLimitW)],
    'mig.mode.current': ['mig.mode.current', null, mig('migEnabled')],
    'mig.mode.pending': ['mig.mode.pending', null, mig('migPending')],
    compute_mode: ['compute_mode', null, () => 'Default'],
  };
  // Aliases accepted by the real tool; the header shows the canonical name.
  f.gpu_name = f.name;
  f.gpu_uuid = f.uuid;
  f.gpu_bus_id = f['pci.bus_id'];
  return f;
}

function appFields() {
  const f = {
    timestamp: ['timestamp', null, () => timestamp()],
    gpu_name: ['gpu_name', null, (p) => p.gpu.name],
    gpu_bus_id: ['gpu_bus_id', null, (p) => p.gpu.busId],
    gpu_serial: ['gpu_serial', null, (p) => p.gpu.serial],
    // Parent GPU UUID even for processes inside a MIG device, like the real tool.
    gpu_uuid: ['gpu_uuid', null, (p) => p.gpu.uuid],
    pid: ['pid', null, (p) => p.pid],
    process_name: ['process_name', null, (p) => p.name],
    used_gpu_memory: ['used_gpu_memory', 'MiB', (p) => p.usedMemoryMiB ?? na],
  };
  f.name = f.process_name;
  f.used_memory = f.used_gpu_memory;
  return f;
}

function timestamp() {
  const d = new Date();
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
  );
}

function parseFormat(format) {
  const parts = (format ?? '').split(',').map((s) => s.trim());
  if (parts[0] !== 'csv') {
    process.stdout.write(`"${format}" is not a valid format. Valid options are: csv, noheader, nounits\n`);
    process.exit(EXIT_INVALID_ARG);
  }
  return { header: !parts.includes('noheader'), units: !parts.includes('nounits') };
}

function csv(fieldSpec, table, rows, format) {
  const names = fieldSpec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const cols = names.map((n) => {
    const col = table[n];
    if (!col) {
      process.stdout.write(`Field "${n}" is not a valid field to query.\n\n`);
      process.exit(EXIT_INVALID_ARG);
    }
    return col;
  });
  const { header, units } = parseFormat(format);
  const lines = [];
  // The header keeps units even with nounits, as the real tool does.
  if (header) lines.push(cols.map(([h, unit]) => (unit ? `${h} [${unit}]` : h)).join(', '));
  for (const row of rows) {
    lines.push(
      cols
        .map(([, unit, get]) => {
          const v = String(get(row));
          return units && unit && !v.startsWith('[') ? `${v} ${unit}` : v;
        })
        .join(', '),
    );
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

// ---- mig -lgi ---------------------------------------------------------------------------------

function listGpuInstances(gpus) {
  if (!gpus.some((g) => g.migCapable)) return ['No MIG-supported devices found.\n', EXIT_NOT_FOUND];
  const enabled = gpus.filter((g) => g.migEnabled);
  if (enabled.length === 0) return ['No MIG-enabled devices found.\n', EXIT_NOT_FOUND];
  // One row per GPU instance (a GI split into several CIs still shows once).
  const rows = [];
  for (const g of enabled) {
    const seen = new Set();
    for (const d of [...g.migDevices, ...g.emptyGpuInstances]) {
      if (seen.has(d.gi)) continue;
      seen.add(d.gi);
      const giProfile = d.profile.replace(/^\d+c\./, '');
      rows.push({
        gpu: g.index,
        name: `MIG ${giProfile}`,
        profileId: d.giProfileId ?? 0,
        gi: d.gi,
        placement: d.placement ?? `0:${giSize(giProfile)}`,
      });
    }
  }
  if (rows.length === 0) return ['No GPU instances found: Not Found\n', EXIT_NOT_FOUND];
  const nameW = Math.max(13, ...rows.map((r) => r.name.length + 2));
  const width = 4 + 2 + nameW + 6 + 9 + 13 + 5; // inner width between the bars
  const border = `+${'-'.repeat(width)}+`;
  const line = (s) => `|${s.padEnd(width)}|`;
  const right = (s) => `|${s.padStart(width)}|`;
  const out = [
    border,
    line(' GPU instances:'),
    line(' GPU   Name'.padEnd(width - 31) + 'Profile  Instance   Placement  '),
    right('ID       ID       Start:Size '),
    `|${'='.repeat(width)}|`,
  ];
  for (const r of rows) {
    out.push(
      `|${String(r.gpu).padStart(4)}  ${r.name.padEnd(nameW)}${String(r.profileId).padStart(6)}` +
        `${String(r.gi).padStart(9)}${r.placement.padStart(13)}     |`,
    );
    out.push(border);
  }
  return [out.join('\n') + '\n', 0];
}

function giSize(profile) {
  const g = /^(\d+)g\./.exec(profile);
  return g ? Number(g[1]) : 1;
}

// ---- -q -x ------------------------------------------------------------------------------------

function xmlEscape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function queryXml(m, gpus) {
  const x = [];
  const t = (depth, tag, value) => x.push(`${'\t'.repeat(depth)}<${tag}>${xmlEscape(value)}</${tag}>`);
  const open = (depth, tag) => x.push(`${'\t'.repeat(depth)}<${tag}>`);
  const close = (depth, tag) => x.push(`${'\t'.repeat(depth)}</${tag}>`);
  x.push('<?xml version="1.0" ?>');
  x.push('<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">');
  x.push('<nvidia_smi_log>');
  t(1, 'timestamp', new Date().toDateString());
  t(1, 'driver_version', m.driverVersion);
  t(1, 'cuda_version', m.cudaVersion);
  if (m.kmdSpelling) {
    t(1, 'kmd_version', m.driverVersion);
    t(1, 'cuda_umd_version', m.cudaVersion);
  }
  t(1, 'attached_gpus', m.gpus.length);
  for (const g of gpus) {
    x.push(`\t<gpu id="${g.busId}">`);
    t(2, 'product_name', g.name);
    open(2, 'mig_mode');
    t(3, 'current_mig', g.migCapable ? (g.migEnabled ? 'Enabled' : 'Disabled') : 'N/A');
    t(3, 'pending_mig', g.migCapable ? (g.migPending ? 'Enabled' : 'Disabled') : 'N/A');
    close(2, 'mig_mode');
    open(2, 'mig_devices');
    for (const d of g.migDevices) {
      const total = d.memoryTotalMiB ?? 0;
      const used = d.memoryUsedMiB ?? 0;
      open(3, 'mig_device');
      t(4, 'index', d.index);
      t(4, 'gpu_instance_id', d.gi);
      t(4, 'compute_instance_id', d.ci);
      open(4, 'device_attributes');
      open(5, 'shared');
      t(6, 'multiprocessor_count', d.multiprocessorCount ?? 14 * giSize(d.profile));
      close(5, 'shared');
      close(4, 'device_attributes');
      open(4, 'fb_memory_usage');
      t(5, 'total', `${total} MiB`);
      t(5, 'reserved', '0 MiB');
      t(5, 'used', `${used} MiB`);
      t(5, 'free', `${Math.max(0, total - used)} MiB`);
      close(4, 'fb_memory_usage');
      close(3, 'mig_device');
    }
    close(2, 'mig_devices');
    t(2, 'serial', g.serial);
    t(2, 'uuid', g.uuid);
    t(2, 'minor_number', g.minorNumber);
    open(2, 'pci');
    t(3, 'pci_bus_id', g.busId);
    close(2, 'pci');
    t(2, 'performance_state', g.pstate);
    open(2, 'fb_memory_usage');
    t(3, 'total', `${g.memoryTotalMiB} MiB`);
    t(3, 'reserved', `${g.memoryReservedMiB} MiB`);
    t(3, 'used', `${g.memoryUsedMiB} MiB`);
    t(3, 'free', `${g.memoryFreeMiB} MiB`);
    close(2, 'fb_memory_usage');
    open(2, 'utilization');
    t(3, 'gpu_util', g.migEnabled ? 'N/A' : `${g.utilizationGpu} %`);
    t(3, 'memory_util', g.migEnabled ? 'N/A' : `${g.utilizationMemory} %`);
    close(2, 'utilization');
    healthXml(g, t, open, close);
    open(2, 'gpu_power_readings');
    t(3, 'power_draw', g.readingError ?? `${fmtFloat(g.powerDrawW)} W`);
    t(3, 'current_power_limit', `${fmtFloat(g.powerLimitW)} W`);
    close(2, 'gpu_power_readings');
    open(2, 'processes');
    for (const p of g.processes) {
      open(3, 'process_info');
      t(4, 'gpu_instance_id', g.migEnabled && p.gi !== undefined ? p.gi : 'N/A');
      t(4, 'compute_instance_id', g.migEnabled && p.ci !== undefined ? p.ci : 'N/A');
      t(4, 'pid', p.pid);
      t(4, 'type', p.type ?? 'C');
      t(4, 'process_name', p.name);
      t(4, 'used_memory', p.usedMemoryMiB === undefined ? 'N/A' : `${p.usedMemoryMiB} MiB`);
      close(3, 'process_info');
    }
    close(2, 'processes');
    x.push('\t</gpu>');
  }
  x.push('</nvidia_smi_log>');
  return x.join('\n') + '\n';
}

/** ECC, retired pages, remapped rows and temperature, in the Ampere+ spelling of the recordings. */
function healthXml(g, t, open, close) {
  const count = (v) => (v === undefined || v === null ? 'N/A' : v);
  open(2, 'ecc_errors');
  for (const scope of ['volatile', 'aggregate']) {
    const e = g.ecc[scope] ?? {};
    open(3, scope);
    t(4, 'sram_correctable', count(e.sramCorrectable ?? 0));
    t(4, 'sram_uncorrectable', count(e.sramUncorrectable ?? 0));
    t(4, 'dram_correctable', count(e.dramCorrectable ?? 0));
    t(4, 'dram_uncorrectable', count(e.dramUncorrectable ?? 0));
    if (scope === 'aggregate' && e.sramThresholdExceeded !== undefined)
      t(4, 'sram_threshold_exceeded', e.sramThresholdExceeded ? 'Yes' : 'No');
    close(3, scope);
  }
  close(2, 'ecc_errors');
  const r = g.retiredPages;
  open(2, 'retired_pages');
  open(3, 'multiple_single_bit_retirement');
  t(4, 'retired_count', r ? (r.sbe ?? 0) : 'N/A');
  t(4, 'retired_pagelist', r ? '' : 'N/A');
  close(3, 'multiple_single_bit_retirement');
  open(3, 'double_bit_retirement');
  t(4, 'retired_count', r ? (r.dbe ?? 0) : 'N/A');
  t(4, 'retired_pagelist', r ? '' : 'N/A');
  close(3, 'double_bit_retirement');
  t(3, 'pending_blacklist', r ? (r.pending ? 'Yes' : 'No') : 'N/A');
  t(3, 'pending_retirement', r ? (r.pending ? 'Yes' : 'No') : 'N/A');
  close(2, 'retired_pages');
  const m = g.remappedRows;
  open(2, 'remapped_rows');
  t(3, 'remapped_row_corr', m.correctable ?? 0);
  t(3, 'remapped_row_unc', m.uncorrectable ?? 0);
  t(3, 'remapped_row_pending', m.pending ? 'Yes' : 'No');
  t(3, 'remapped_row_failure', m.failure ? 'Yes' : 'No');
  close(2, 'remapped_rows');
  const th = g.thresholds;
  const deg = (v) => (v === null || v === undefined ? 'N/A' : `${v} C`);
  open(2, 'temperature');
  t(3, 'gpu_temp', g.readingError ?? `${g.temperatureC} C`);
  t(3, 'gpu_temp_max_threshold', deg(th.shutdownC));
  t(3, 'gpu_temp_slow_threshold', deg(th.slowdownC));
  t(3, 'gpu_temp_max_gpu_threshold', deg(th.maxOperatingC));
  t(3, 'gpu_target_temperature', deg(th.targetC));
  close(2, 'temperature');
}

// ---- --version --------------------------------------------------------------------------------

function version(m) {
  const [major, minor] = m.driverVersion.split('.');
  const row = (k, v) => `${k.padEnd(20)}: ${v}`;
  const lines = [row('NVIDIA-SMI version', m.driverVersion), row('NVML version', `${major}.${minor}`)];
  if (m.kmdSpelling) {
    lines.push(row('DRIVER version', 'Deprecated, see "KMD version" instead'));
    lines.push(row('CUDA version', 'Deprecated, see "CUDA UMD version" instead'));
    lines.push(row('KMD version', m.driverVersion), row('CUDA UMD version', m.cudaVersion));
  } else {
    lines.push(row('DRIVER version', m.driverVersion), row('CUDA Version', m.cudaVersion));
  }
  return lines.join('\n') + '\n';
}

// ---- main -------------------------------------------------------------------------------------

function main() {
  const scenario = loadScenario();
  if (scenario.fail) {
    process.stderr.write(scenario.fail.stderr ?? '');
    if (scenario.fail.stdout) process.stdout.write(scenario.fail.stdout);
    process.exit(scenario.fail.exitCode ?? 1);
  }
  if (scenario.driverLoaded === false) {
    process.stdout.write(`${NO_DRIVER}\n\n`);
    process.exit(EXIT_DRIVER);
  }
  const m = model(scenario);
  const args = parseArgs(process.argv.slice(2));
  const opt = (name) => args.find(([n]) => n === name)?.[1] ?? undefined;
  const has = (name) => args.some(([n]) => n === name);

  const print = (text) => process.stdout.write(text);
  if (has('--version')) return print(version(m));
  if (m.gpus.length === 0) {
    process.stdout.write(`${NO_DEVICES}\n`);
    process.exit(EXIT_NOT_FOUND);
  }
  const gpus = selectGpus(m, opt('-i') ?? opt('--id'));

  if (has('-L') || has('--list-gpus')) {
    print(listGpus(gpus));
    if (gpus.some((g) => g.deviceError)) process.exit(EXIT_GPU_LOST);
    return;
  }
  // Any other query that includes a GPU the driver cannot reach fails, like the real tool (exit 15).
  const lost = gpus.filter((g) => g.deviceError);
  if (lost.length && args[0]?.[0] !== 'mig') {
    print(`${lost.map(deviceErrorLine).join('\n')}\n`);
    process.exit(EXIT_GPU_LOST);
  }
  if (has('--query-gpu')) return print(csv(opt('--query-gpu'), gpuFields(m), gpus, opt('--format')));
  if (has('--query-compute-apps')) {
    const rows = gpus.flatMap((gpu) => gpu.processes.map((p) => ({ ...p, gpu })));
    return print(csv(opt('--query-compute-apps'), appFields(), rows, opt('--format')));
  }
  if (args[0]?.[0] === 'mig' && (has('-lgi') || has('--list-gpu-instances'))) {
    const [text, code] = listGpuInstances(gpus);
    process.stdout.write(text);
    process.exit(code);
  }
  const mig =
    args[0]?.[0] === 'mig'
      ? migCommand(
          scenario,
          gpus.map((g) => g.index),
          process.argv.slice(2),
        )
      : null;
  if (mig) {
    const [stdout, stderr, code] = mig;
    if (stdout.length) process.stdout.write(`${stdout.join('\n')}\n`);
    if (stderr.length) process.stderr.write(`${stderr.join('\n')}\n`);
    process.exit(code);
  }
  if ((has('-q') || has('--query')) && (has('-x') || has('--xml-format'))) {
    return print(queryXml(m, gpus));
  }
  const argv = process.argv.slice(2).join(' ');
  process.stdout.write(`fake-nvidia-smi does not implement: nvidia-smi ${argv}\n`);
  process.exit(EXIT_INVALID_ARG);
}

main();

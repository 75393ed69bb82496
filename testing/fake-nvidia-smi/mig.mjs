// `nvidia-smi mig …` for the fake: lists (-lgip, -lgipp, -lci) and the commands that change the layout
// (-cgi [-C], -cci, -dci, -dgi), which rewrite the scenario file (temp file + rename) so every later call
// (and `-L`, `-q -x`, `-lgi`) sees the new layout. Output lines and error sentences follow the real driver
// (../shared/nvidia-smi: *-cgi*.txt, *-lgip*.txt, *-lci*.txt; NOTES.md §5).
//
// Faults for tests: `"migFaults": [{ "op": "cgi", "remaining": 1, "after": 1, "error": "Unknown Error" }]`
// in the scenario makes the next `-cgi` do `after` items, then fail with `error` (each use counts
// `remaining` down). `op` is one of cgi, cci, dgi, dci. With `"hangMs": N` the command instead stops
// there for N ms and exits 1 without another change (a driver call in flight when ds01d is killed).
import { randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { ciProfileIdFor, ciSlicesOf, giSlices, profilesOf } from './mig-models.mjs';

const EXIT = { notFound: 6, invalid: 2, inUse: 19, insufficient: 23, unknown: 255 };
const p2 = (n) => String(n).padStart(2);

function saveScenario(scenario) {
  const path = process.env.FAKE_NVIDIA_SMI_SCENARIO;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(scenario, null, 2)}\n`);
  renameSync(tmp, path);
}

/** Reads `-gi 1,2` style options from the raw argv (the main parser does not know them). */
function optList(argv, name) {
  const i = argv.indexOf(name);
  if (i < 0) return null;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('-')) return [];
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The GPU instances of a raw scenario GPU: those with compute instances and the empty ones. */
function instancesOf(g) {
  const out = new Map();
  for (const d of g.migDevices ?? []) {
    if (out.has(d.gi)) continue;
    const profile = d.profile.replace(/^\d+c\./, '');
    out.set(d.gi, {
      gi: d.gi,
      profile,
      giProfileId: d.giProfileId ?? 0,
      placement: d.placement ?? `0:${giSlices(profile)}`,
    });
  }
  for (const e of g.emptyGpuInstances ?? []) out.set(e.gi, { ...e });
  return [...out.values()];
}

const span = (placement) => {
  const [s, z] = placement.split(':').map(Number);
  return [s, s + z];
};

function freeStart(g, spec) {
  const used = instancesOf(g).map((i) => span(i.placement));
  const fits = (s) => used.every(([a, b]) => s + spec.size <= a || s >= b);
  const ok = spec.starts.filter(fits);
  if (ok.length === 0) return null;
  // The driver puts large instances high and single slices low (a100-80gb-pcie-mig-lgi-2x3g.txt, a30-mig-session.txt).
  return spec.size >= 2 ? ok[ok.length - 1] : ok[0];
}

function takeFault(scenario, op) {
  const f = (scenario.migFaults ?? []).find((x) => x.op === op && (x.remaining ?? 1) > 0);
  if (!f) return null;
  f.remaining = (f.remaining ?? 1) - 1;
  return f;
}

function hang(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  process.exit(1);
}

function nextGi(g) {
  const used = new Set(instancesOf(g).map((i) => i.gi));
  let gi = 1;
  while (used.has(gi)) gi++;
  return gi;
}

function createCi(g, inst, slices) {
  const ci = Math.max(-1, ...(g.migDevices ?? []).filter((d) => d.gi === inst.gi).map((d) => d.ci)) + 1;
  const whole = slices >= giSlices(inst.profile);
  const spec = profilesOf(g.name ?? '')?.find((p) => p.name === inst.profile);
  g.migDevices = [...(g.migDevices ?? [])];
  g.migDevices.push({
    profile: whole ? inst.profile : `${slices}c.${inst.profile}`,
    uuid: `MIG-${randomUUID()}`,
    gi: inst.gi,
    ci,
    giProfileId: inst.giProfileId,
    placement: inst.placement,
    memoryTotalMiB: Math.round((spec?.gib ?? 10) * 1024),
    memoryUsedMiB: 13,
    multiprocessorCount: spec ? Math.round((spec.sm * slices) / giSlices(inst.profile)) : 14 * slices,
  });
  g.emptyGpuInstances = (g.emptyGpuInstances ?? []).filter((e) => e.gi !== inst.gi);
  return ci;
}

// ---- commands -------------------------------------------------------------------------------------

function cgi(scenario, g, idx, argv) {
  const list = optList(argv, '-cgi') ?? [];
  const withCi = argv.includes('-C');
  const specs = profilesOf(g.name ?? '') ?? [];
  const out = [];
  const fault = takeFault(scenario, 'cgi');
  let done = 0;
  for (const item of list) {
    const spec = specs.find((p) => String(p.id) === item || p.name === item || `MIG ${p.name}` === item);
    if (!spec) {
      return [
        out,
        [
          `Unable to create a GPU instance on GPU ${p2(idx)} using profile ${item}: Invalid Argument`,
          'Failed to create GPU instances: Invalid Argument',
        ],
        EXIT.invalid,
      ];
    }
    if (fault?.hangMs && done >= (fault.after ?? 0)) {
      saveScenario(scenario); // what was done so far, and the fault used up
      hang(fault.hangMs);
    }
    const error = fault && done >= (fault.after ?? 0) ? (fault.error ?? 'Unknown Error') : null;
    const start = freeStart(g, spec);
    const count = instancesOf(g).filter((i) => i.profile === spec.name).length;
    if (error || start === null || count >= spec.total) {
      const why = error ?? 'Insufficient Resources';
      return [
        out,
        [
          `Unable to create a GPU instance on GPU ${p2(idx)} using profile ${item}: ${why}`,
          `Failed to create GPU instances: ${why}`,
        ],
        error ? EXIT.unknown : EXIT.insufficient,
      ];
    }
    const gi = nextGi(g);
    const inst = { gi, profile: spec.name, giProfileId: spec.id, placement: `${start}:${spec.size}` };
    g.emptyGpuInstances = [...(g.emptyGpuInstances ?? []), inst];
    out.push(
      `Successfully created GPU instance ID ${p2(gi)} on GPU ${p2(idx)} using profile MIG ${spec.name} (ID ${p2(spec.id)})`,
    );
    if (withCi) {
      const slices = giSlices(spec.name);
      const ci = createCi(g, inst, slices);
      out.push(
        `Successfully created compute instance ID ${p2(ci)} on GPU ${p2(idx)} GPU instance ID ${p2(gi)} using profile MIG ${spec.name} (ID ${p2(ciProfileIdFor(slices))})`,
      );
    }
    saveScenario(scenario);
    done++;
  }
  return [out, [], 0];
}

function cci(scenario, g, idx, argv) {
  const gis = optList(argv, '-gi');
  const list = optList(argv, '-cci') ?? [];
  const out = [];
  const targets = instancesOf(g).filter(
    (i) => gis === null || gis.length === 0 || gis.includes(String(i.gi)),
  );
  if (targets.length === 0) return [out, ['No GPU instances found: Not Found'], EXIT.notFound];
  const fault = takeFault(scenario, 'cci');
  let done = 0;
  for (const inst of targets) {
    const wanted = list.length ? list.map((id) => ciSlicesOf(Number(id))) : [giSlices(inst.profile)];
    for (const slices of wanted) {
      const used = (g.migDevices ?? [])
        .filter((d) => d.gi === inst.gi)
        .reduce(
          (n, d) =>
            n +
            (/^(\d+)c\./.exec(d.profile)?.[1] ? Number(/^(\d+)c\./.exec(d.profile)[1]) : giSlices(d.profile)),
          0,
        );
      const error = fault && done >= (fault.after ?? 0) ? (fault.error ?? 'Unknown Error') : null;
      if (error || slices === null || used + slices > giSlices(inst.profile)) {
        const why = error ?? (slices === null ? 'Invalid Argument' : 'Insufficient Resources');
        return [
          out,
          [
            `Unable to create a compute instance on GPU ${p2(idx)} GPU instance ID ${p2(inst.gi)} using profile ${list[0] ?? ''}: ${why}`,
            `Failed to create compute instances: ${why}`,
          ],
          error ? EXIT.unknown : EXIT.insufficient,
        ];
      }
      const ci = createCi(g, inst, slices);
      const name = slices >= giSlices(inst.profile) ? inst.profile : `${slices}c.${inst.profile}`;
      out.push(
        `Successfully created compute instance ID ${p2(ci)} on GPU ${p2(idx)} GPU instance ID ${p2(inst.gi)} using profile MIG ${name} (ID ${p2(ciProfileIdFor(slices))})`,
      );
      saveScenario(scenario);
      done++;
    }
  }
  return [out, [], 0];
}

function busy(g, gi, ci) {
  return (g.processes ?? []).some((p) => p.gi === gi && (ci === undefined || p.ci === ci));
}

function dci(scenario, g, idx, argv) {
  const gis = optList(argv, '-gi');
  const cis = optList(argv, '-ci');
  const devices = (g.migDevices ?? []).filter(
    (d) => (gis === null || gis.includes(String(d.gi))) && (cis === null || cis.includes(String(d.ci))),
  );
  if (devices.length === 0) return [[], ['No compute instances found: Not Found'], EXIT.notFound];
  const fault = takeFault(scenario, 'dci');
  const out = [];
  let done = 0;
  for (const d of devices.sort((a, b) => a.gi - b.gi || a.ci - b.ci)) {
    const error =
      fault && done >= (fault.after ?? 0)
        ? (fault.error ?? 'Unknown Error')
        : busy(g, d.gi, d.ci)
          ? 'In use by another client'
          : null;
    if (error) {
      return [
        out,
        [
          `Unable to destroy compute instance ID ${p2(d.ci)} from GPU ${p2(idx)} GPU instance ID ${p2(d.gi)}: ${error}`,
          `Failed to destroy compute instances: ${error}`,
        ],
        error.startsWith('In use') ? EXIT.inUse : EXIT.unknown,
      ];
    }
    const inst = instancesOf(g).find((i) => i.gi === d.gi);
    g.migDevices = g.migDevices.filter((x) => x !== d);
    if (!g.migDevices.some((x) => x.gi === d.gi)) {
      g.emptyGpuInstances = [...(g.emptyGpuInstances ?? []), inst];
    }
    out.push(
      `Successfully destroyed compute instance ID ${p2(d.ci)} from GPU ${p2(idx)} GPU instance ID ${p2(d.gi)}`,
    );
    saveScenario(scenario);
    done++;
  }
  return [out, [], 0];
}

function dgi(scenario, g, idx, argv) {
  const gis = optList(argv, '-gi');
  const all = instancesOf(g);
  if (all.length === 0) return [[], ['No GPU instances found: Not Found'], EXIT.notFound];
  const missing = (gis ?? []).find((x) => !all.some((i) => String(i.gi) === x));
  if (missing !== undefined) {
    return [
      [],
      [
        `Unable to get GPU instance ID ${p2(Number(missing))} on GPU ${p2(idx)}: Not Found`,
        'Failed to destroy GPU instances: Not Found',
      ],
      EXIT.notFound,
    ];
  }
  const fault = takeFault(scenario, 'dgi');
  const out = [];
  let done = 0;
  for (const inst of all.filter((i) => gis === null || gis.length === 0 || gis.includes(String(i.gi)))) {
    const hasCi = (g.migDevices ?? []).some((d) => d.gi === inst.gi);
    const error =
      fault && done >= (fault.after ?? 0)
        ? (fault.error ?? 'Unknown Error')
        : hasCi || busy(g, inst.gi)
          ? 'In use by another client'
          : null;
    if (error) {
      return [
        out,
        [
          `Unable to destroy GPU instance ID ${p2(inst.gi)} from GPU ${p2(idx)}: ${error}`,
          `Failed to destroy GPU instances: ${error}`,
        ],
        error.startsWith('In use') ? EXIT.inUse : EXIT.unknown,
      ];
    }
    g.emptyGpuInstances = (g.emptyGpuInstances ?? []).filter((e) => e.gi !== inst.gi);
    out.push(`Successfully destroyed GPU instance ID ${p2(inst.gi)} from GPU ${p2(idx)}`);
    saveScenario(scenario);
    done++;
  }
  return [out, [], 0];
}

// ---- lists --------------------------------------------------------------------------------------

function freeCount(g, spec) {
  // How many more instances of this profile fit now (placed greedily, as the driver would).
  const copy = { ...g, emptyGpuInstances: [...(g.emptyGpuInstances ?? [])] };
  let n = 0;
  const have = instancesOf(g).filter((i) => i.profile === spec.name).length;
  while (have + n < spec.total) {
    const s = freeStart(copy, spec);
    if (s === null) break;
    copy.emptyGpuInstances.push({
      gi: -1 - n,
      profile: spec.name,
      giProfileId: spec.id,
      placement: `${s}:${spec.size}`,
    });
    n++;
  }
  return n;
}

function lgip(rows) {
  const border = `+${'-'.repeat(77)}+`;
  const out = [
    border,
    `| GPU instance profiles:${' '.repeat(54)}|`,
    '| GPU   Name             ID    Instances   Memory     P2P    SM    DEC   ENC  |',
    '|                              Free/Total   GiB              CE    JPEG  OFA  |',
    `|${'='.repeat(77)}|`,
  ];
  for (const { idx, g, spec } of rows) {
    const s = giSlices(spec.name);
    const me = spec.name.endsWith('+me') || s === 7 ? 1 : 0;
    out.push(
      `|${String(idx).padStart(4)}  ${`MIG ${spec.name}`.padEnd(17)}${String(spec.id).padStart(3)}     ` +
        `${`${freeCount(g, spec)}/${spec.total}`.padEnd(11)}${spec.gib.toFixed(2).padEnd(11)}No     ` +
        `${String(spec.sm).padEnd(7)}${String(s).padEnd(6)}0   |`,
    );
    out.push(`|${' '.repeat(61)}${String(s).padEnd(6)}${String(s).padEnd(6)}${me}   |`);
    out.push(border);
  }
  return out;
}

function lgipp(rows) {
  return rows.map(({ idx, spec }) =>
    spec.starts.length === 1
      ? `GPU ${p2(idx)} Profile ID ${p2(spec.id)} Placement : {${spec.starts.join(',')}}:${spec.size}`
      : `GPU ${p2(idx)} Profile ID ${p2(spec.id)} Placements: {${spec.starts.join(',')}}:${spec.size}`,
  );
}

function lci(selected, argv) {
  const gis = optList(argv, '-gi');
  const rows = [];
  for (const { idx, g } of selected) {
    for (const d of [...(g.migDevices ?? [])].sort((a, b) => a.gi - b.gi || a.ci - b.ci)) {
      if (gis?.length && !gis.includes(String(d.gi))) continue;
      const m = /^(\d+)c\./.exec(d.profile);
      const slices = m ? Number(m[1]) : giSlices(d.profile);
      rows.push({
        idx,
        gi: d.gi,
        name: `MIG ${d.profile}`,
        id: ciProfileIdFor(slices),
        ci: d.ci,
        placement: `${d.ci * slices}:${slices}`,
      });
    }
  }
  if (rows.length === 0) return null;
  const border = `+${'-'.repeat(68)}+`;
  const out = [
    border,
    `| Compute instances:${' '.repeat(49)}|`,
    '| GPU     GPU       Name             Profile   Instance   Placement  |',
    '|       Instance                       ID        ID       Start:Size |',
    '|         ID                                                         |',
    `|${'='.repeat(68)}|`,
  ];
  for (const r of rows) {
    out.push(
      `|${String(r.idx).padStart(4)}${String(r.gi).padStart(7)}       ${r.name.padEnd(18)}${String(r.id).padStart(4)}${String(r.ci).padStart(10)}${r.placement.padStart(13)}     |`,
    );
    out.push(border);
  }
  return out;
}

/** Runs `nvidia-smi mig <verb>` for the selected GPUs; returns [stdout lines, stderr lines, exit code] or null. */
export function migCommand(scenario, selectedIndices, argv) {
  const raw = (scenario.gpus ?? []).map((g, position) => ({ idx: g.index ?? position, g }));
  const selected = raw.filter((r) => selectedIndices.includes(r.idx)).sort((a, b) => a.idx - b.idx);
  const verb = ['-lgip', '-lgipp', '-lci', '-cgi', '-cci', '-dci', '-dgi'].find((v) => argv.includes(v));
  if (!verb) return null;
  const capable = selected.filter(
    ({ g }) => (g.migCapable ?? g.migEnabled === true) && profilesOf(g.name ?? ''),
  );
  if (capable.length === 0) return [['No MIG-supported devices found.'], [], EXIT.notFound];
  const enabled = capable.filter(({ g }) => g.migEnabled === true);
  if (enabled.length === 0) return [['No MIG-enabled devices found.'], [], EXIT.notFound];
  const specRows = enabled.flatMap(({ idx, g }) =>
    (profilesOf(g.name) ?? []).map((spec) => ({ idx, g, spec })),
  );
  if (verb === '-lgip') return [lgip(specRows), [], 0];
  if (verb === '-lgipp') return [lgipp(specRows), [], 0];
  if (verb === '-lci') {
    const out = lci(enabled, argv);
    return out ? [out, [], 0] : [['No compute instances found: Not Found'], [], EXIT.notFound];
  }
  const run = { '-cgi': cgi, '-cci': cci, '-dci': dci, '-dgi': dgi }[verb];
  const stdout = [];
  const stderr = [];
  let code = 0;
  for (const { idx, g } of enabled) {
    const [o, e, c] = run(scenario, g, idx, argv);
    stdout.push(...o);
    stderr.push(...e);
    if (c !== 0) {
      code = c;
      break;
    }
  }
  saveScenario(scenario);
  return [stdout, stderr, code];
}

// Runs nvidia-smi (path from settings) through an injected exec and builds the Inventory.
// "No devices were found" is an empty inventory; anything else that goes wrong is a GpuProbeError naming
// the command, so callers never mistake a broken driver for "all GPUs disappeared".
import { buildInventory } from './inventory.js';
import { COMPUTE_APPS_FIELDS, parseComputeApps } from './parse/compute-apps.js';
import { NvidiaSmiParseError } from './parse/errors.js';
import { parseListGpus, splitDeviceErrors } from './parse/list-gpus.js';
import { type GpuInstanceRow, parseMigLgi } from './parse/mig-lgi.js';
import { parseQueryGpu, QUERY_GPU_FIELDS } from './parse/query-gpu.js';
import { parseQueryXml } from './parse/query-xml.js';
import { parseVersion, type SmiVersions } from './parse/version.js';
import type { Inventory } from './types.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a program; resolves with its exit code (rejects only when it cannot be started). */
export type Exec = (file: string, args: string[]) => Promise<ExecResult>;

export type GpuProbeFailure =
  /** nvidia-smi could not be started (missing binary, permissions). */
  | 'spawn'
  /** nvidia-smi cannot talk to the kernel driver (exit 9 / "couldn't communicate"). */
  | 'driver'
  /** Any other non-zero exit. */
  | 'exit'
  /** Output we could not parse; `cause` is the NvidiaSmiParseError. */
  | 'parse';

export class GpuProbeError extends Error {
  override readonly name = 'GpuProbeError';
  constructor(
    readonly kind: GpuProbeFailure,
    /** The command line that failed, e.g. `nvidia-smi -q -x`. */
    readonly command: string,
    message: string,
    readonly exitCode: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(`${command}: ${message}`, options);
  }
}

export const LIST_ARGS = ['-L'];
export const queryGpuArgs = (fields: readonly string[]) => [
  `--query-gpu=${fields.join(',')}`,
  '--format=csv,noheader,nounits',
];
export const COMPUTE_APPS_ARGS = [
  `--query-compute-apps=${COMPUTE_APPS_FIELDS.join(',')}`,
  '--format=csv,noheader,nounits',
];
export const XML_ARGS = ['-q', '-x'];
export const LGI_ARGS = ['mig', '-lgi'];
export const VERSION_ARGS = ['--version'];

const NO_DEVICES = /No devices were found/;
const NO_DRIVER = /couldn't communicate with the NVIDIA driver|NVIDIA-SMI has failed/i;
const INVALID_FIELD = /is not a valid field to query/;
const EXIT_DRIVER = 9;

export async function probeGpus(nvidiaSmi: string, exec: Exec): Promise<Inventory> {
  const run = async (args: string[]): Promise<ExecResult> => {
    try {
      return await exec(nvidiaSmi, args);
    } catch (err) {
      throw new GpuProbeError('spawn', commandLine(args), `cannot run: ${(err as Error).message}`, null, {
        cause: err,
      });
    }
  };

  const list = await run(LIST_ARGS);
  if (list.code !== 0 && NO_DEVICES.test(list.stdout + list.stderr)) {
    return { ...(await versionsOrNull(run)), gpus: [], slots: [], processes: [] };
  }
  // One GPU the driver cannot reach makes `-L` exit non-zero while it still lists the others: those are
  // probed alone (`-i`), and the one in error is reported, not taken for a failed probe. When NO GPU
  // answers, it is the driver, not a GPU: a probe failure as before (nothing is marked unhealthy).
  const split = splitDeviceErrors(`${list.stdout}\n${list.code === 0 ? '' : list.stderr}`);
  const listed =
    list.code !== 0 && split.errors.length > 0
      ? parse(LIST_ARGS, split.rest, parseListGpus)
      : parse(LIST_ARGS, checked(LIST_ARGS, list), parseListGpus);
  if (split.errors.length > 0 && listed.length === 0) {
    throw new GpuProbeError(
      'exit',
      commandLine(LIST_ARGS),
      `exit ${list.code}: no GPU answers (${split.errors.map((e) => `${e.busId}: ${e.error}`).join('; ')})`,
      list.code,
    );
  }
  const only = split.errors.length > 0 ? ['-i', listed.map((g) => g.uuid).join(',')] : [];

  const [queryGpu, computeApps, xml] = await Promise.all([
    queryGpus((args) => run([...args, ...only])),
    run([...COMPUTE_APPS_ARGS, ...only]).then((r) =>
      parse(COMPUTE_APPS_ARGS, checked(COMPUTE_APPS_ARGS, r), (t) =>
        parseComputeApps(t, COMPUTE_APPS_FIELDS),
      ),
    ),
    run([...XML_ARGS, ...only]).then((r) => parse(XML_ARGS, checked(XML_ARGS, r), parseQueryXml)),
  ]);

  // Only the pre-release driver omits profiles in -L; `mig -lgi` then names them. Best effort.
  let lgi: GpuInstanceRow[] | undefined;
  if (listed.some((g) => g.migDevices.some((d) => d.profile === null))) {
    const r = await run(LGI_ARGS);
    if (r.code === 0) lgi = parse(LGI_ARGS, r.stdout, parseMigLgi);
  }
  return buildInventory({ list: listed, queryGpu, computeApps, xml, lgi, gpuErrors: split.errors });
}

/** Drivers before R450 do not know mig.mode.current: ask again without it. */
async function queryGpus(run: (args: string[]) => Promise<ExecResult>) {
  let fields: readonly string[] = QUERY_GPU_FIELDS;
  let r = await run(queryGpuArgs(fields));
  if (r.code !== 0 && INVALID_FIELD.test(r.stdout + r.stderr)) {
    fields = fields.filter((f) => !f.startsWith('mig.'));
    r = await run(queryGpuArgs(fields));
  }
  const args = queryGpuArgs(fields);
  return parse(args, checked(args, r), (t) => parseQueryGpu(t, fields));
}

async function versionsOrNull(run: (args: string[]) => Promise<ExecResult>): Promise<SmiVersions> {
  const r = await run(VERSION_ARGS).catch(() => null);
  return r && r.code === 0 ? parseVersion(r.stdout) : { driverVersion: null, cudaVersion: null };
}

function checked(args: string[], r: ExecResult): string {
  if (r.code === 0) return r.stdout;
  const said = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
  const kind = r.code === EXIT_DRIVER || NO_DRIVER.test(said) ? 'driver' : 'exit';
  throw new GpuProbeError(kind, commandLine(args), `exit ${r.code}: ${said}`, r.code);
}

function parse<T>(args: string[], text: string, parser: (text: string) => T): T {
  try {
    return parser(text);
  } catch (err) {
    if (err instanceof NvidiaSmiParseError) {
      throw new GpuProbeError('parse', commandLine(args), err.message, 0, { cause: err });
    }
    throw err;
  }
}

function commandLine(args: string[]): string {
  return ['nvidia-smi', ...args].join(' ');
}

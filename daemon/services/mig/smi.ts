// The `nvidia-smi mig` calls a MIG change makes, through the same Exec as the probe. Reads return null when
// the driver has nothing to say (no MIG GPU, no instances); writes throw MigCommandError carrying the
// command line and the driver's own sentence ("Insufficient Resources", "In use by another client").

import { type GpuInstanceRow, parseMigLgi } from '../../gpu/parse/mig-lgi.js';
import {
  type GpuInstanceProfileRow,
  type PlacementRow,
  parseMigLgip,
  parseMigLgipp,
} from '../../gpu/parse/mig-lgip.js';
import type { Exec, ExecResult } from '../../gpu/probe.js';

export class MigCommandError extends Error {
  override readonly name = 'MigCommandError';
  constructor(
    readonly command: string,
    readonly said: string,
    readonly exitCode: number | null,
  ) {
    super(`\`${command}\` failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${said}`);
  }
}

// "Nothing there" answers: no MIG GPU, no instances. Destroying what is already gone is success.
const NOTHING = /No (MIG-supported|MIG-enabled) devices found|No (GPU|compute) instances found|Not Found/;

export class MigSmi {
  constructor(
    private readonly nvidiaSmi: string,
    private readonly exec: Exec,
  ) {}

  private async run(args: string[]): Promise<ExecResult & { line: string }> {
    const line = ['nvidia-smi', ...args].join(' ');
    try {
      return { ...(await this.exec(this.nvidiaSmi, args)), line };
    } catch (err) {
      throw new MigCommandError(line, `cannot run: ${(err as Error).message}`, null);
    }
  }

  private static said(r: ExecResult): string {
    const text = `${r.stderr}\n${r.stdout}`;
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    // The driver's reason: its "Unable to …" line, else "Failed to …", else whatever it printed first.
    return (
      lines.find((l) => /^Unable to/.test(l)) ??
      lines.find((l) => /^Failed/.test(l)) ??
      lines[0] ??
      'no output'
    );
  }

  /** `mig -lgi` for every GPU; [] when there are none; throws when it cannot be read. */
  async listInstances(): Promise<GpuInstanceRow[]> {
    const r = await this.run(['mig', '-lgi']);
    if (r.code !== 0) {
      if (NOTHING.test(r.stdout + r.stderr)) return [];
      throw new MigCommandError(r.line, MigSmi.said(r), r.code);
    }
    return parseMigLgi(r.stdout);
  }

  /** `mig -lgip` + `mig -lgipp`: the driver's profiles and placements; null when unavailable. */
  async profiles(): Promise<{ lgip: GpuInstanceProfileRow[]; lgipp: PlacementRow[] } | null> {
    try {
      const [a, b] = await Promise.all([this.run(['mig', '-lgip']), this.run(['mig', '-lgipp'])]);
      if (a.code !== 0 || b.code !== 0) return null;
      return { lgip: parseMigLgip(a.stdout), lgipp: parseMigLgipp(b.stdout) };
    } catch {
      return null; // old drivers, odd output: the built-in table serves
    }
  }

  /** Destroys GPU instances (their compute instances first). What is already gone is not an error. */
  async destroy(gpuIndex: number, gis: number[]): Promise<string[]> {
    if (gis.length === 0) return [];
    const out: string[] = [];
    for (const verb of ['-dci', '-dgi']) {
      const r = await this.run(['mig', '-i', String(gpuIndex), '-gi', gis.join(','), verb]);
      out.push(`${r.line}: ${MigSmi.said(r)}`);
      if (r.code !== 0 && !NOTHING.test(r.stdout + r.stderr)) {
        throw new MigCommandError(r.line, MigSmi.said(r), r.code);
      }
    }
    return out;
  }

  /** Creates GPU instances with one compute instance each (`-cgi … -C`), in the order given. */
  async create(gpuIndex: number, profileIds: number[]): Promise<string[]> {
    if (profileIds.length === 0) return [];
    const r = await this.run(['mig', '-i', String(gpuIndex), '-cgi', profileIds.join(','), '-C']);
    if (r.code !== 0) throw new MigCommandError(r.line, MigSmi.said(r), r.code);
    return [`${r.line}: ${r.stdout.trim().split('\n').length} line(s) of success`];
  }
}

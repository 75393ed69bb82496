// Reads host CPU, memory and the state directory's disk through systeminformation, for the dashboard,
// `ds01 status` and doctor. One reading serves every caller for a few seconds: several dashboards in
// --watch mode must not each run df. A failed reading is null, never an error for the caller.
import { realpathSync } from 'node:fs';
import type { HostResources } from '../api/types/system.js';
import type { Clock } from '../clock.js';
import { hostResources } from '../host/resources.js';
import type { Logger } from '../log.js';

const FRESH_MS = 3_000;

export class HostService {
  private last: { at: number; value: Promise<HostResources | null> } | null = null;

  constructor(
    private readonly stateDir: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The latest reading, at most a few seconds old; null when it could not be read. */
  resources(): Promise<HostResources | null> {
    const now = this.clock.now();
    if (this.last && now - this.last.at < FRESH_MS) return this.last.value;
    const value = this.read().catch((err) => {
      this.log.warn('cannot read host resources', { err: String(err) });
      return null;
    });
    this.last = { at: now, value };
    return value;
  }

  private async read(): Promise<HostResources> {
    // Loaded on first use: only the dashboard, `ds01 status` and doctor ask, and it is a large package.
    const { default: si } = await import('systeminformation');
    const [load, mem, fs] = await Promise.all([si.currentLoad(), si.mem(), si.fsSize()]);
    let dir = this.stateDir;
    try {
      dir = realpathSync(dir); // a symlinked state dir lives where it points
    } catch {}
    return hostResources(dir, {
      cores: load.cpus.length,
      load: load.currentLoad,
      memTotal: mem.total,
      memAvailable: mem.available,
      mounts: fs.map((f) => ({ mount: f.mount, size: f.size, available: f.available })),
    });
  }
}

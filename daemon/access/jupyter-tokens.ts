// The tokens of the JupyterLabs ds01d started, kept root-only in the state dir so a restarted ds01d can
// still hand the owner the URL of a JupyterLab that kept running (it used to say "port in use"). A token is
// bound to the container's init process: after the container restarts, its JupyterLab is gone and a
// stored token means nothing, so it is not handed out for whatever listens on that port now.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Stored {
  token: string;
  pid: number;
}

export class JupyterTokens {
  /** `dir` is made 0700; each file 0600, written atomically. */
  constructor(private readonly dir: string) {}

  private file(containerId: string, port: number): string {
    // Both are ds01's own (a stored Docker id, a checked port): no user string reaches the path.
    if (!/^[0-9a-f]{12,64}$/.test(containerId) || !Number.isInteger(port)) throw new Error('bad token key');
    return join(this.dir, `${containerId}-${port}.json`);
  }

  /** The token for the JupyterLab started in this run of the container (init `pid`), or null. */
  get(containerId: string, port: number, pid: number): string | null {
    let s: Partial<Stored>;
    try {
      s = JSON.parse(readFileSync(this.file(containerId, port), 'utf8')) as Partial<Stored>;
    } catch {
      return null;
    }
    if (typeof s.token !== 'string' || !/^[0-9a-f]{16,128}$/.test(s.token) || s.pid !== pid) {
      this.drop(containerId, port);
      return null;
    }
    return s.token;
  }

  set(containerId: string, port: number, pid: number, token: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = this.file(containerId, port);
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ token, pid } satisfies Stored), { mode: 0o600 });
    renameSync(tmp, path);
  }

  drop(containerId: string, port: number): void {
    rmSync(this.file(containerId, port), { force: true });
  }

  /**
   * Removes the tokens of containers that are gone (retired, removed outside ds01) and half-written files;
   * run after each full reconcile. Returns how many were removed.
   */
  prune(isLive: (containerId: string) => boolean): number {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0; // no JupyterLab was ever started
    }
    let removed = 0;
    for (const name of names) {
      const m = /^([0-9a-f]{12,64})-\d+\.json$/.exec(name);
      if (m?.[1] && isLive(m[1])) continue;
      rmSync(join(this.dir, name), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }
}

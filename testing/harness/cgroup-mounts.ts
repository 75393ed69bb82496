// On a cgroup v1 (hybrid) host, containerd reads a container's stats through every hierarchy listed in
// /proc/PID/cgroup and fails the whole read ("cannot find cgroup mount destination") when one of them
// is not mounted here. A v1 controller that was never mounted is not listed; but once any process on
// the machine mounts it in its own mount namespace (systemd booted by the systemd-nspawn test does, for
// every controller), it is listed for all processes — and Docker's stats come back empty for every
// later test (no memory, no CPU, so no idle detection). A real host's systemd mounts all of them; the
// harness does the same for any controller that has a hierarchy but no mount in our namespace.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

/** Controllers grouped as the kernel binds them (`net_cls,net_prio`), for hierarchies with no mount here. */
export function unmountedHierarchies(procCgroups: string, mountinfo: string): string[] {
  const byHierarchy = new Map<string, string[]>();
  for (const line of procCgroups.split('\n')) {
    const [name, hierarchy, , enabled] = line.trim().split(/\s+/);
    if (!name || !hierarchy || name.startsWith('#') || hierarchy === '0' || enabled !== '1') continue;
    byHierarchy.set(hierarchy, [...(byHierarchy.get(hierarchy) ?? []), name]);
  }
  const mounted = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const [, after] = line.split(' - ');
    const [fstype, , superOpts] = (after ?? '').split(' ');
    if (fstype === 'cgroup') for (const opt of superOpts?.split(',') ?? []) mounted.add(opt);
  }
  return [...byHierarchy.values()]
    .filter((names) => !names.some((n) => mounted.has(n)))
    .map((names) => names.sort().join(','));
}

function v1Layout(mountinfo: string): boolean {
  return mountinfo.split('\n').some((l) => l.split(' ')[4] === '/sys/fs/cgroup' && l.includes(' - tmpfs '));
}

/** Mounts each orphaned v1 hierarchy at /sys/fs/cgroup/<controllers>; a no-op on cgroup v2 or as non-root. */
export function mountOrphanedCgroupControllers(): void {
  if (process.getuid?.() !== 0) return;
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  if (!v1Layout(mountinfo)) return;
  for (const group of unmountedHierarchies(readFileSync('/proc/cgroups', 'utf8'), mountinfo)) {
    const dir = `/sys/fs/cgroup/${group}`;
    try {
      mkdirSync(dir, { recursive: true });
      execFileSync('mount', ['-t', 'cgroup', '-o', group, 'cgroup', dir], { stdio: 'pipe' });
    } catch (err) {
      console.warn(
        `harness: could not mount the ${group} cgroup hierarchy (Docker stats may be empty): ${err}`,
      );
    }
  }
}

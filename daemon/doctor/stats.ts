// PURE: does a Docker stats sample carry readings? When containerd cannot read a container's cgroups
// (an unmounted v1 hierarchy: "cannot find cgroup mount destination", a cgroup driver mismatch) Docker
// still answers, with a zero `read` time and no CPU or memory numbers; the lifecycle then sees every
// container at 0% CPU and no traffic, so idle detection is blind. Doctor samples a few running containers.
import type { DockerStatsSample } from '../docker/stats.js';

export function isEmptyStats(s: DockerStatsSample | null | undefined): boolean {
  if (!s) return true;
  if (s.read?.startsWith('0001-01-01')) return true;
  const cpu = s.cpu_stats?.cpu_usage?.total_usage ?? 0;
  const mem = s.memory_stats?.usage ?? 0;
  return cpu === 0 && mem === 0;
}

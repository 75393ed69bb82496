import { describe, expect, it } from 'vitest';
import { unmountedHierarchies } from './cgroup-mounts.js';

const PROC_CGROUPS = `#subsys_name	hierarchy	num_cgroups	enabled
cpuset	3	31	1
cpu	1	31	1
memory	4	150	1
net_cls	12	2	1
perf_event	11	2	1
net_prio	12	2	1
hugetlb	0	1	1
rdma	7	1	0
pids	8	31	1`;

const MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

describe('unmountedHierarchies', () => {
  it('names hierarchies that exist but have no mount here, controllers joined as the kernel binds them', () => {
    expect(unmountedHierarchies(PROC_CGROUPS, MOUNTINFO)).toEqual(['net_cls,net_prio', 'perf_event']);
  });

  it('skips never-mounted (hierarchy 0) and disabled controllers, and mounted ones', () => {
    const all = `${MOUNTINFO}\n50 31 0:40 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n51 31 0:41 / /x rw - cgroup cgroup rw,perf_event`;
    expect(unmountedHierarchies(PROC_CGROUPS, all)).toEqual([]);
  });
});

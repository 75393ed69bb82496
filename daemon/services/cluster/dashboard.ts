// The dashboard on a Slurm cluster (docs/cluster.md): this node's own snapshot, plus every node's ds01d
// as it answers this viewer (asked through ClusterPeers, as the viewer, in parallel, each with a
// timeout). A node that does not answer is shown as unreachable with why; it never fails the page.
import type { ClusterNodeView, DashboardData } from '../../api/types/dashboard.js';
import type { Caller } from '../../identity/caller.js';
import type { ClusterPeers } from './peers.js';

export interface ClusterDashboardDeps {
  local: { snapshot(caller: Caller): Promise<DashboardData> };
  peers: Pick<ClusterPeers, 'nodes' | 'get'>;
  nodeName: string;
}

const view = (name: string, self: boolean, d: DashboardData): ClusterNodeView => ({
  name,
  self,
  reachable: true,
  error: null,
  host: d.host,
  version: d.version,
  summary: d.summary,
  gpus: d.gpus,
});

const unreachable = (name: string, error: string): ClusterNodeView => ({
  name,
  self: false,
  reachable: false,
  error,
  host: null,
  version: null,
  summary: null,
  gpus: [],
});

export class ClusterDashboard {
  constructor(private readonly d: ClusterDashboardDeps) {}

  async snapshot(caller: Caller): Promise<DashboardData> {
    const [local, listed] = await Promise.all([
      this.d.local.snapshot(caller),
      this.d.peers.nodes().then(
        (nodes) => ({ nodes, error: null }),
        (err: Error) => ({ nodes: [], error: err.message }),
      ),
    ]);
    const others = listed.nodes.filter((n) => n.name !== this.d.nodeName);
    const answers = await Promise.all(
      others.map((n) =>
        this.d.peers.get<DashboardData>(n.name, caller, '/v1/dashboard').then(
          (data) => view(n.name, false, data),
          (err: Error) => unreachable(n.name, err.message),
        ),
      ),
    );
    const nodes = [view(this.d.nodeName, true, local), ...answers];
    if (listed.error) nodes.push(unreachable('(other nodes)', listed.error));
    return { ...local, nodes };
  }
}

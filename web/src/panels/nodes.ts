// A Slurm cluster's nodes (docs/cluster.md): each node's ds01d as it answered this viewer, or why not.
import { table } from '../dom.js';
import type { Panel } from '../panel.js';

export const nodes: Panel = {
  id: 'nodes',
  title: 'Nodes',
  render({ dashboard }) {
    const rows = (dashboard.nodes ?? []).map((n) => [
      n.self ? `${n.name} (this one)` : n.name,
      n.reachable ? 'up' : 'node unreachable',
      n.summary ? String(n.summary.gpus) : '—',
      n.summary ? `${n.summary.free} of ${n.summary.slots}` : '—',
      n.summary ? String(n.summary.jobs.running) : '—',
      n.error ?? '',
    ]);
    return table(
      'Nodes',
      ['Node', 'ds01d', 'GPUs', 'Free slots', 'Jobs running', 'Note'],
      rows,
      'One server: no Slurm cluster.',
    );
  },
};

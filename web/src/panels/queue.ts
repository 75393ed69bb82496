// The GPU queue with ds01's wait estimate; the viewer may leave their own entries.
import { del, seg } from '../api.js';
import { h, table } from '../dom.js';
import { until } from '../format.js';
import type { Panel } from '../panel.js';

export const queue: Panel = {
  id: 'queue',
  title: 'Queue',
  render({ dashboard: d }, act) {
    const rows = d.queue.map((q) => {
      const mine = q.owner === d.viewer.name;
      const g = q.gpu as { mig?: string; gpus?: number };
      return [
        q.position ?? '—',
        mine ? `${q.owner} (you)` : q.owner,
        g.mig ? `MIG ${g.mig}` : `${g.gpus ?? 1} GPU`,
        q.wait?.at ? until(q.wait.at) : q.wait?.kind === 'now' ? 'now' : 'unknown',
        q.wait?.why ?? '',
        mine
          ? h(
              'button',
              {
                type: 'button',
                onclick: () => act.run(`left the queue (#${q.id})`, () => del(`/v1/queue/${seg(q.id)}`)),
              },
              'Leave',
            )
          : '',
      ];
    });
    return table(
      'GPU queue',
      ['#', 'Who', 'Wants', 'Expected', 'Why', ''],
      rows,
      d.summary.queueLength > 0 ? `${d.summary.queueLength} waiting (not yours).` : 'Nobody is waiting.',
    );
  },
};

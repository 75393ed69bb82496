// The viewer's batch jobs with their time limits and queue estimates; cancel for those not ended.
import type { JobStateName } from '../../../daemon/api/types/jobs.js';
import { post, seg } from '../api.js';
import { h, table } from '../dom.js';
import { duration, until } from '../format.js';
import type { Panel } from '../panel.js';

const ENDED = new Set<JobStateName>(['completed', 'failed', 'cancelled', 'timed_out', 'lost']);

export const jobs: Panel = {
  id: 'jobs',
  title: 'My jobs',
  render({ jobs: list }, act) {
    const rows = list.slice(-30).map((j) => [
      j.id,
      j.name,
      j.state,
      j.reason ?? '',
      j.runtimeMs !== null ? duration(j.runtimeMs / 1000) : '—',
      j.timeLimitMs !== null ? duration(j.timeLimitMs / 1000) : 'none',
      j.queue?.estimatedStartAt ? `starts ${until(j.queue.estimatedStartAt)}` : '',
      ENDED.has(j.state)
        ? ''
        : h(
            'button',
            {
              type: 'button',
              onclick: () => act.run(`cancelled job ${j.id}`, () => post(`/v1/jobs/${seg(j.id)}/cancel`, {})),
            },
            'Cancel',
          ),
    ]);
    return table(
      'My jobs',
      ['Id', 'Name', 'State', 'Why', 'Ran', 'Limit', 'Queue', ''],
      rows,
      'No jobs. Submit one with ds01 job submit.',
    );
  },
};

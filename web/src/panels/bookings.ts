// GPU bookings (advance reservations) from now on: the viewer's own with their state and a cancel
// button, and others' as "booked" (admins see names), as `ds01 book list --all` shows them.
import { del, seg } from '../api.js';
import { h, table } from '../dom.js';
import { clock, until } from '../format.js';
import type { Panel } from '../panel.js';

export const bookings: Panel = {
  id: 'bookings',
  title: 'GPU bookings',
  render({ bookings: list }, act) {
    const rows = list
      .filter((b) => b.phase !== 'ended')
      .map((b) => [
        `${clock(b.from)} – ${clock(b.to)}`,
        b.phase === 'active' ? 'now' : until(b.from),
        b.mine ? 'you' : b.maintenance ? 'maintenance' : (b.owner ?? 'booked'),
        `${b.profile ?? ''} ${b.slots.map((s) => (s.gpuIndex === null ? '' : `GPU ${s.gpuIndex}`)).join(', ')}`.trim(),
        b.state === 'booked' && b.releaseIfUnusedAt && b.mine
          ? `released if unused ${until(b.releaseIfUnusedAt)}`
          : b.state,
        b.mine && b.state === 'booked'
          ? h(
              'button',
              {
                type: 'button',
                onclick: () => act.run(`cancelled booking ${b.id}`, () => del(`/v1/bookings/${seg(b.id)}`)),
              },
              'Cancel',
            )
          : '',
      ]);
    return table(
      'GPU bookings',
      ['When', 'Starts', 'Who', 'What', 'State', ''],
      rows,
      'No bookings ahead. Book with ds01 book.',
    );
  },
};

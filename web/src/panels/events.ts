// Recent events the viewer may see (their own; admins: everyone's), newest first, live.
import { table } from '../dom.js';
import { clock } from '../format.js';
import type { Panel } from '../panel.js';

export const events: Panel = {
  id: 'events',
  title: 'Recent events',
  render({ events: list }) {
    const rows = [...list]
      .reverse()
      .slice(0, 25)
      .map((e) => [clock(e.ts), e.actor, e.kind, e.containerName ?? '', e.reason ?? '']);
    return table('Recent events', ['When', 'Who', 'What', 'Container', 'Why'], rows, 'No events yet.');
  },
};

// Storage quotas (`ds01 quota`): the viewer's ~/workspace and images against their quotas; for admins, every
// user near or over one. Absent from older daemons, and empty where no quota is set.
import { h, table } from '../dom.js';
import { bytes } from '../format.js';
import type { Panel } from '../panel.js';

const STATE = { ok: 'ok', soft: 'warning', hard: 'over: new deploys and builds refused' } as const;

export const disk: Panel = {
  id: 'disk',
  title: 'Disk quotas',
  render({ dashboard }) {
    const lines = dashboard.storage ?? [];
    return h(
      'div',
      {},
      h(
        'p',
        {},
        dashboard.viewer.admin
          ? 'Users near or over a storage quota (ds01 quota --all has everyone).'
          : 'Your disk against your quotas; ds01 quota --refresh measures again after you delete files.',
      ),
      table(
        'Disk quotas',
        ['User', 'What', 'Used', 'Quota', 'Use', 'State'],
        lines.map((s) => [
          s.user,
          s.kind === 'workspace' ? '~/workspace' : 'images',
          bytes(s.usedBytes),
          bytes(s.hardBytes),
          `${s.hardBytes ? Math.floor((s.usedBytes / s.hardBytes) * 100) : 100}%`,
          STATE[s.level],
        ]),
        dashboard.viewer.admin ? 'Nobody is near a storage quota.' : 'No storage quota applies to you.',
      ),
    );
  },
};

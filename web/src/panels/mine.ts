// The viewer's containers: state, GPU, the next automatic action and `container-why` in plain words;
// extend and retire (retire asks a second click).
import type { ContainerSummary } from '../../../daemon/api/types/containers.js';
import type { ContainerWhy } from '../../../daemon/api/types/lifecycle.js';
import { post, seg } from '../api.js';
import { h, table } from '../dom.js';
import { until } from '../format.js';
import type { Actions, Panel } from '../panel.js';

function deadline(w: ContainerWhy | undefined) {
  if (!w?.deadline) return '—';
  return `${w.deadline.outcome} ${until(w.deadline.at)} (${w.deadline.kind})`;
}

/** container-why's first sentence, the rest behind a disclosure (it is long). */
function why_(w: ContainerWhy | undefined) {
  const text = (w?.text ?? []).join(' ');
  const cut = text.indexOf('. ');
  if (cut < 0) return h('span', { class: 'why' }, text);
  return h('details', { class: 'why' }, h('summary', {}, text.slice(0, cut + 1)), text.slice(cut + 2));
}

function retireButton(c: ContainerSummary, act: Actions) {
  const b = h('button', { type: 'button', class: 'danger' }, 'Retire');
  b.addEventListener('click', () => {
    if (b.dataset.armed !== '1') {
      b.dataset.armed = '1';
      b.textContent = `Retire ${c.name}? Click again`;
      return;
    }
    void act.run(`retired ${c.name}`, () => post(`/v1/containers/${seg(c.id)}/retire`, {}));
  });
  return b;
}

export const mine: Panel = {
  id: 'containers',
  title: 'My containers',
  render({ containers, why }, act) {
    const rows = containers.map((c) => {
      const w = why.get(c.id);
      return [
        h('strong', {}, c.name),
        c.state,
        c.gpuSlots.map((s) => `${s.profile ?? 'GPU'} (${s.state})`).join(', ') || 'none',
        deadline(w),
        why_(w),
        h(
          'span',
          { class: 'buttons' },
          h(
            'button',
            {
              type: 'button',
              onclick: () =>
                act.run(`extended ${c.name}`, () => post(`/v1/containers/${seg(c.id)}/extend`, {})),
            },
            'Extend',
          ),
          retireButton(c, act),
        ),
      ];
    });
    return table(
      'My containers',
      ['Name', 'State', 'GPU', 'Next', 'Why', ''],
      rows,
      'No containers. Start one with container-deploy NAME.',
    );
  },
};

// The GPU/MIG map: every GPU with its slots, state and holder — "yours"/"taken" for students, names for
// admins (the server decides the label, as for ds01-dashboard) — utilisation, memory, temperature, and
// health / unmanaged use when ds01d reports them.
import type { DashboardGpu, DashboardSlot } from '../../../daemon/api/types/dashboard.js';
import { h } from '../dom.js';
import { gib, until } from '../format.js';
import type { Panel } from '../panel.js';

/** GPU health, when the daemon reports it (not yet on the wire); shown when present. */
type Extra = { health?: { state?: string; reason?: string | null } | string | null };

/** Processes outside ds01 on a slot (the terminal's `busy (unmanaged)`), as the daemon lets the viewer see them. */
function unmanagedText(s: DashboardSlot): string | null {
  const procs = s.unmanaged ?? [];
  if (procs.length === 0) return null;
  return `busy (unmanaged): ${procs.map((p) => `${p.user} ${p.command}`.trim()).join('; ')}`;
}

function healthText(x: Extra): string | null {
  const hl = x.health;
  if (!hl) return null;
  if (typeof hl === 'string') return hl;
  return [hl.state, hl.reason].filter(Boolean).join(': ') || null;
}

function slot(s: DashboardSlot & Extra) {
  const holder = s.holder?.label ?? null;
  const mine = holder === 'yours';
  const unmanaged = unmanagedText(s);
  const what = [
    s.profile ?? 'whole GPU',
    s.state,
    holder ? `${s.holder?.reserved ? 'reserved for' : 'held by'} ${holder}` : null,
    s.holder?.container && (mine || s.holder.user) ? `(${s.holder.container})` : null,
    s.state === 'held' && s.holdUntil ? `until released ${until(s.holdUntil)}` : null,
    s.drainReason ? `drained: ${s.drainReason}` : null,
    unmanaged,
    healthText(s),
  ].filter(Boolean);
  return h(
    'li',
    {
      class: `slot state-${s.state}${mine ? ' mine' : ''}${unmanaged ? ' unmanaged' : ''}`,
      'data-slot': s.uuid,
      'data-holder': holder ?? '',
    },
    h('span', { class: 'slot-profile' }, s.profile ?? 'GPU'),
    h('span', { class: 'slot-holder' }, holder ?? (unmanaged ? 'busy (unmanaged)' : s.state)),
    h('span', { class: 'visually-hidden' }, `: ${what.join(', ')}`),
  );
}

function gpu(g: DashboardGpu & Extra) {
  const facts = [
    g.utilizationPct !== null ? `${g.utilizationPct}% busy` : g.migEnabled ? 'MIG' : null,
    g.memoryMiB !== null ? `${gib(g.memoryUsedMiB)} / ${gib(g.memoryMiB)}` : null,
    g.temperatureC !== null ? `${g.temperatureC} °C` : null,
    g.present ? null : 'missing',
    healthText(g),
    g.slots.some((s) => (s.unmanaged ?? []).length > 0) ? 'processes outside ds01' : null,
  ].filter(Boolean);
  return h(
    'article',
    { class: 'gpu', 'aria-label': `GPU ${g.index}` },
    h('h3', {}, `GPU ${g.index} · ${g.name}`),
    h('p', { class: 'facts' }, facts.join(' · ')),
    h(
      'ul',
      { class: 'slots' },
      g.slots.map((s) => slot(s)),
    ),
  );
}

export const gpuMap: Panel = {
  id: 'gpus',
  title: 'GPUs',
  render({ dashboard: d }) {
    const s = d.summary;
    const forYou = s.forYou
      ? ` You can take ${s.forYou.canGet} now${s.forYou.binding ? ` (${s.forYou.binding})` : ''}.`
      : '';
    return h(
      'div',
      {},
      h(
        'p',
        { class: 'summary' },
        `${s.free} free of ${s.slots} slots on ${s.gpus} GPUs; ${s.allocated} allocated, ${s.held} held, ` +
          `${s.drained} drained, ${s.queueLength} waiting.${forYou}`,
      ),
      d.probeError ? h('p', { class: 'warn' }, `nvidia-smi: ${d.probeError}`) : null,
      d.policyError ? h('p', { class: 'warn' }, `policy: ${d.policyError}`) : null,
      h(
        'div',
        { class: 'gpus' },
        d.gpus.map((g) => gpu(g)),
      ),
    );
  },
};

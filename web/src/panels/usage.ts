// GPU-hours by day over the last week: allocated vs busy, and the idle waste between them. Drawn with
// uPlot (bundled); the same numbers follow in a table, which is what screen readers read.
import uPlot from 'uplot';
import { h, table } from '../dom.js';
import { hours } from '../format.js';
import type { DayUsage, Panel } from '../panel.js';

function chart(days: DayUsage[]): HTMLElement {
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': 'GPU-hours allocated and busy per day' });
  const xs = days.map((d) => Date.parse(`${d.day}T12:00:00`) / 1000);
  const bars = uPlot.paths.bars?.({ size: [0.4, 40], align: 0 });
  const width = () => Math.max(280, Math.min(900, box.clientWidth || box.parentElement?.clientWidth || 600));
  const plot = new uPlot(
    {
      width: width(),
      height: 220,
      legend: { show: true, live: false },
      cursor: { show: false },
      scales: { x: { time: true } },
      axes: [{ stroke: '#444' }, { stroke: '#444', label: 'GPU-hours' }],
      series: [
        {},
        { label: 'allocated', stroke: '#1f5f99', fill: 'rgba(31,95,153,0.35)', paths: bars },
        { label: 'busy', stroke: '#1d7a3a', fill: 'rgba(29,122,58,0.55)', paths: bars },
        { label: 'idle waste', stroke: '#a33b00', width: 2 },
      ],
    },
    [xs, days.map((d) => d.allocated), days.map((d) => d.busy), days.map((d) => d.idle)],
    box,
  );
  // Follow the page's width (the phone layout), without polling: the browser says when it changes.
  new ResizeObserver(() => plot.setSize({ width: width(), height: 220 })).observe(box);
  return box;
}

export const usage: Panel = {
  id: 'usage',
  title: 'GPU usage, last 7 days',
  render({ usage: days, dashboard }) {
    if (!days) return h('p', { class: 'empty' }, 'Loading usage…');
    const who = dashboard.viewer.admin ? 'everyone' : 'you';
    return h(
      'div',
      {},
      h('p', {}, `GPU-hours ${who} held per day, how much of it the GPU was busy, and the idle rest.`),
      chart(days),
      table(
        'GPU-hours per day',
        ['Day', 'Allocated', 'Busy', 'Idle waste'],
        days.map((d) => [d.day, hours(d.allocated), hours(d.busy), hours(d.idle)]),
        'No usage yet.',
      ),
    );
  },
};

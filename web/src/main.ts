// The ds01 web dashboard: loads what the terminal dashboard shows through the same /v1 routes, renders
// each panel, and re-reads when ds01d's live feed (Server-Sent Events) says something happened. No polling.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { BookingList } from '../../daemon/api/types/bookings.js';
import type { ContainerSummary } from '../../daemon/api/types/containers.js';
import type { DashboardData } from '../../daemon/api/types/dashboard.js';
import type { AuditEvent } from '../../daemon/api/types/events.js';
import type { JobView } from '../../daemon/api/types/jobs.js';
import type { ContainerWhy } from '../../daemon/api/types/lifecycle.js';
import type { UsageReport } from '../../daemon/api/types/usage.js';
import { type ApiError, get, seg } from './api.js';
import { h } from './dom.js';
import type { Actions, DayUsage, PageData, Panel } from './panel.js';
import { bookings } from './panels/bookings.js';
import { disk } from './panels/disk.js';
import { events } from './panels/events.js';
import { gpuMap } from './panels/gpu-map.js';
import { jobs } from './panels/jobs.js';
import { mine } from './panels/mine.js';
import { nodes } from './panels/nodes.js';
import { queue } from './panels/queue.js';
import { usage } from './panels/usage.js';

const PANELS: Panel[] = [gpuMap, mine, jobs, queue, bookings, usage, disk, events, nodes];

const $ = (id: string) => document.getElementById(id) as HTMLElement;
let data: PageData | null = null;
const bodies = new Map<string, HTMLElement>();

function notice(text: string, kind: 'ok' | 'error') {
  const n = $('notice');
  n.textContent = text;
  n.className = kind;
  n.hidden = false;
}

const actions: Actions = {
  async run(label, change) {
    try {
      await change();
      notice(`Done: ${label}.`, 'ok');
    } catch (e) {
      const err = e as ApiError;
      notice(`${err.message}${err.hint ? ` — ${err.hint}` : ''}`, 'error');
    }
    await refresh();
  },
};

function layout() {
  const main = $('panels');
  for (const p of PANELS) {
    const body = h('div', { class: 'panel-body' });
    bodies.set(p.id, body);
    main.append(
      h(
        'section',
        { id: `panel-${p.id}`, 'aria-labelledby': `h-${p.id}` },
        h('h2', { id: `h-${p.id}` }, p.title),
        body,
      ),
    );
  }
}

function render() {
  if (!data) return;
  const d = data.dashboard;
  $('host').textContent = `on ${d.host}`;
  $('viewer').textContent = `${d.viewer.name}${d.viewer.admin ? ' (admin)' : ''} · ds01 ${d.version}`;
  for (const p of PANELS) {
    const body = bodies.get(p.id);
    if (!body) continue;
    try {
      body.replaceChildren(p.render(data, actions));
    } catch (e) {
      body.replaceChildren(h('p', { class: 'warn' }, `This panel failed: ${(e as Error).message}`));
    }
  }
  document.body.dataset.loaded = String(Date.now());
}

async function loadState(): Promise<Omit<PageData, 'usage' | 'events'>> {
  const [dashboard, all, jobList, booked] = await Promise.all([
    get<DashboardData>('/v1/dashboard'),
    get<ContainerSummary[]>('/v1/containers'),
    get<JobView[]>('/v1/jobs'),
    get<BookingList>('/v1/bookings?all=1'),
  ]);
  const me = dashboard.viewer.name;
  const containers = all.filter((c) => c.owner === me);
  const whys = await Promise.all(
    containers.map((c) => get<ContainerWhy>(`/v1/containers/${seg(c.id)}/why`).catch(() => null)),
  );
  const why = new Map<string, ContainerWhy>();
  for (const w of whys) if (w) why.set(w.id, w);
  return {
    dashboard,
    containers,
    why,
    jobs: jobList.filter((j) => j.owner === me),
    bookings: booked.bookings,
  };
}

function localDay(t: Date) {
  return `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, '0')}-${String(t.getDate()).padStart(2, '0')}`;
}

async function loadUsage(): Promise<DayUsage[]> {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const days = Array.from({ length: 7 }, (_, i) => {
    const from = new Date(start);
    from.setDate(start.getDate() - (6 - i));
    const to = new Date(from);
    to.setDate(from.getDate() + 1);
    return { from, to: i === 6 ? new Date() : to };
  });
  return Promise.all(
    days.map(async ({ from, to }) => {
      const r = await get<UsageReport>(
        `/v1/usage?from=${seg(from.toISOString())}&to=${seg(to.toISOString())}`,
      );
      return {
        day: localDay(from),
        allocated: r.totals.allocatedGpuHours,
        busy: r.totals.busyGpuHours,
        idle: r.totals.idleGpuHours,
      };
    }),
  );
}

let running: Promise<void> | null = null;
let again = false;
/** One re-read at a time; a change during one asks for one more after it. */
async function refresh(): Promise<void> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      const state = await loadState();
      data = { usage: data?.usage ?? null, events: data?.events ?? [], ...state };
      render();
    } catch (e) {
      notice(`Cannot read from ds01d: ${(e as Error).message}`, 'error');
    }
  })();
  await running;
  running = null;
  if (again) {
    again = false;
    await refresh();
  }
}

async function refreshUsage() {
  try {
    const days = await loadUsage();
    if (data) {
      data.usage = days;
      render();
    }
  } catch (e) {
    notice(`Cannot read usage: ${(e as Error).message}`, 'error');
  }
}

function connectLive() {
  const status = $('live');
  const es = new EventSource('/ui/live');
  let refreshes = 0;
  es.addEventListener('hello', () => {
    status.textContent = 'live';
    status.className = 'on';
    void refresh();
  });
  es.addEventListener('event', (m) => {
    const e = JSON.parse((m as MessageEvent<string>).data) as AuditEvent;
    if (data) data.events = [...data.events.slice(-49), e];
    void refresh();
  });
  es.addEventListener('change', () => void refresh());
  es.addEventListener('refresh', () => {
    void refresh();
    // Usage moves slowly: re-read it every fourth refresh (about a minute).
    if (++refreshes % 4 === 0) void refreshUsage();
  });
  es.onerror = () => {
    status.textContent = 'reconnecting…';
    status.className = 'off';
  };
}

async function start() {
  layout();
  const [state, recent] = await Promise.all([loadState(), get<AuditEvent[]>('/v1/events?limit=25')]);
  data = { ...state, usage: null, events: recent };
  render();
  connectLive();
  await refreshUsage();
}

start().catch((e) => notice(`Cannot load the dashboard: ${(e as Error).message}`, 'error'));

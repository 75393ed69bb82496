// A panel is one module: a title and a render function over what the page loaded. Adding one (bookings,
// health) is a new file in panels/ and a line in main.ts's PANELS.

import type { BookingView } from '../../daemon/api/types/bookings.js';
import type { ContainerSummary } from '../../daemon/api/types/containers.js';
import type { DashboardData } from '../../daemon/api/types/dashboard.js';
import type { AuditEvent } from '../../daemon/api/types/events.js';
import type { JobView } from '../../daemon/api/types/jobs.js';
import type { ContainerWhy } from '../../daemon/api/types/lifecycle.js';

export interface DayUsage {
  day: string; // YYYY-MM-DD (local)
  allocated: number;
  busy: number;
  idle: number;
}

export interface PageData {
  dashboard: DashboardData;
  /** The viewer's own containers, and container-why for each. */
  containers: ContainerSummary[];
  why: Map<string, ContainerWhy>;
  jobs: JobView[];
  /** Bookings from now on: the viewer's, and others' without names unless the viewer is an admin. */
  bookings: BookingView[];
  usage: DayUsage[] | null;
  events: AuditEvent[];
}

/** What a panel's buttons do: run a change, report its outcome in the notice line, refresh. */
export interface Actions {
  run(label: string, change: () => Promise<unknown>): Promise<void>;
}

export interface Panel {
  id: string;
  title: string;
  render(data: PageData, act: Actions): Node;
}

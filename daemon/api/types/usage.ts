// Wire types for GET /v1/usage: GPU-hours per user or group over a period.

export interface UsageRow {
  /** The user, or the policy group with --by group. */
  key: string;
  users: string[];
  allocations: number;
  /** Held (allocated) GPU-hours: time × the slot's GPU-equivalents. */
  allocatedGpuHours: number;
  /** The part of it covered by idle samples. */
  measuredGpuHours: number;
  /** Measured time the GPU showed work (utilisation ≥ threshold, or a process on a MIG slice). */
  busyGpuHours: number;
  /** Measured time it did not: idle waste. */
  idleGpuHours: number;
  /** Allocated time with no sample (before sampling, pruned samples, daemon down). */
  unmeasuredGpuHours: number;
  queueEntries: number;
  queueWaitHours: number;
  maxQueueWaitHours: number;
}

/** One batch job that ran in the period (`ds01 usage --jobs`). */
export interface UsageJob {
  id: number;
  user: string;
  name: string;
  state: string;
  exitCode: number | null;
  startedAt: string;
  endedAt: string | null;
  gpuEquivalents: number;
  /** Its run time inside the period × the GPU-equivalents it ran on (up to now while it runs). */
  gpuHours: number;
}

export interface UsageReport {
  from: string;
  to: string;
  by: 'user' | 'group';
  busyThresholdPct: number;
  /** Plain users get only their own row. */
  scope: 'all' | 'own';
  rows: UsageRow[];
  totals: Omit<UsageRow, 'key' | 'users'>;
  /** Batch jobs that ran in the period (yours; admins: all), most GPU-hours first. */
  jobs: UsageJob[];
  /** Advance bookings in the period, per booker (yours; admins: all): booked vs used GPU-hours, no-shows. */
  bookings?: UsageBookingRow[];
}

export interface UsageBookingRow {
  user: string;
  bookings: number;
  noShows: number;
  /** The booked windows inside the period × GPU-equivalents (a no-show counts until it was released). */
  bookedGpuHours: number;
  /** The part of it the booker held the booked slots. */
  usedGpuHours: number;
}

/** One user or group in `ds01 admin report`: its usage row plus the batch jobs that ran in the month. */
export interface MonthReportRow extends UsageRow {
  jobs: number;
  jobGpuHours: number;
}

/** GET /v1/admin/report?month=YYYY-MM (admins): the month's usage per user and group, from the usage
 * service itself, and who wasted the most allocated GPU time. */
export interface MonthReport {
  month: string;
  from: string;
  to: string;
  busyThresholdPct: number;
  users: MonthReportRow[];
  groups: MonthReportRow[];
  totals: Omit<MonthReportRow, 'key' | 'users'>;
  /** Users with the most idle GPU-hours (at most 5, none with zero idle). */
  topIdle: { user: string; idleGpuHours: number; allocatedGpuHours: number; idleShare: number }[];
}

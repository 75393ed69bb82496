// Wire types for /v1/events: the append-only audit log.

/**
 * Every kind of audit event ds01d writes. The store takes only these, so a new kind is added here (and
 * shown to users and admins as-is in `ds01 events`). Filters take a kind or a prefix ending in '.'.
 */
export const EVENT_KINDS = [
  // containers, by their owner, an admin, or ds01d
  'container.created',
  'container.create_failed',
  'container.started',
  'container.deployed',
  'container.stopped',
  'container.paused',
  'container.unpaused',
  'container.removed',
  'container.retired',
  'container.shell_opened',
  'container.shell_closed',
  'container.adopted',
  'container.vanished',
  // GPU allocations
  'allocation.reserved',
  'allocation.reservation_expired',
  'allocation.cancelled',
  'allocation.reactivated',
  'allocation.reclaimed',
  'allocation.held',
  'allocation.hold_expired',
  'allocation.released',
  'allocation.released_for_queue',
  'allocation.force_released',
  'allocation.adopted',
  'allocation.conflict',
  // GPUs and slots
  'gpu.slot_missing',
  'gpu.slot_returned',
  'gpu.slots_added',
  'gpu.drained',
  'gpu.undrained',
  'gpu.drained_in_use',
  // MIG reconfiguration (ds01 admin mig apply): requested, each step, holders warned/stopped, the end
  'mig.requested',
  'mig.step',
  'mig.holder_warned',
  'mig.holder_stopped',
  'mig.failed',
  'mig.done',
  'mig.cancelled',
  // a forced MIG change (apply --force) cancelled a booking on a slot it destroys; its owner is told
  'mig.booking_cancelled',
  // a process outside ds01 computes on a slot (subject: its owner), and when none is left there
  'gpu.unmanaged',
  'gpu.unmanaged_gone',
  // a GPU error from the kernel log (Xid); fatal ones also drain the GPU (gpu.drained by ds01d)
  'gpu.health',
  // `ds01 gpu test SLOT`: a check in a container on the slot (its parts and whether it passed)
  'gpu.tested',
  // the GPU queue
  'queue.joined',
  'queue.left',
  'queue.removed',
  'queue.served',
  'queue.failed',
  // advance bookings
  'booking.created',
  'booking.cancelled',
  'booking.used',
  'booking.no_show',
  // the lifecycle
  'lifecycle.warning',
  'lifecycle.stopped',
  'lifecycle.removed',
  'lifecycle.extended',
  'lifecycle.error',
  // batch jobs: submitted, then one per state it reaches
  'job.submitted',
  'job.pending',
  'job.queued',
  'job.starting',
  'job.started',
  'job.running',
  'job.completed',
  'job.failed',
  'job.cancelled',
  'job.timed_out',
  'job.lost',
  'job.log_read',
  // images
  'image.built',
  'image.build_failed',
  'image.deleted',
  // the policy
  'policy.reloaded',
  'policy.rejected',
  'policy.reload_requested',
  'policy.reload_failed',
  // SSH, ports and JupyterLab into one's own container
  'access.ssh_connected',
  'access.ssh_channel',
  'access.ssh_refused',
  'access.ssh_closed',
  'access.jupyter_started',
  // the API server's refusals
  'access.denied',
  // notifications: a user's choices, and deliveries given up after their retries
  'notify.prefs_changed',
  'notify.failed',
  // storage quotas: a user's workspace or images crossed up into the soft or hard limit, or fell back under
  'quota.warning',
  'quota.cleared',
  // the daemon itself
  'daemon.started',
  'host.disk_low',
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

export interface AuditEvent {
  id: number;
  ts: string; // ISO time
  actor: string; // user name, or 'ds01d' for automatic actions
  actorUid: number | null;
  subjectUid: number | null;
  containerId: string | null;
  containerName: string | null;
  /** An EventKind; a string here because an older daemon's log may hold kinds since retired. */
  kind: string;
  reason: string | null;
  data: Record<string, unknown> | null;
}

export interface EventQuery {
  user?: string;
  container?: string;
  kind?: string;
  since?: string;
  until?: string;
  limit?: number;
  follow?: boolean;
}

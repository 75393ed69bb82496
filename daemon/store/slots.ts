// The GPU slots the daemon knows: every slot ever seen, with its state. A slot that disappears from
// nvidia-smi is marked missing (never deleted: allocations point at it); one that reappears comes back.
import type { AllocatableSlot } from '../gpu/allocator.js';
import type { Slot } from '../gpu/types.js';
import type { Db } from './db.js';
import { TableCache } from './table-cache.js';

export type SlotState = 'available' | 'drained' | 'missing';

export interface SlotRow {
  uuid: string;
  parent_uuid: string;
  gpu_index: number;
  gpu_name: string;
  kind: 'full' | 'mig';
  profile: string | null;
  mig_device_index: number | null;
  gi: number | null;
  ci: number | null;
  memory_mib: number | null;
  compute_slices: number;
  gpu_equivalents: number;
  state: SlotState;
  drained: 0 | 1;
  drain_reason: string | null;
  /** Processes outside ds01 seen on it at the last probe (JSON UnmanagedProcess[]); null = none. */
  unmanaged_json: string | null;
  /** 1 when those keep it from being handed out (the allocator then reads its state as 'busy'). */
  unmanaged_blocks: 0 | 1;
  /** 1 while its GPU is failing or has a fatal health condition (gpu/health.ts): not handed out. */
  health_blocks: 0 | 1;
  first_seen: number;
  last_seen: number;
}

export interface SlotSyncResult {
  added: string[];
  missing: string[];
  returned: string[];
}

export class SlotsRepo {
  private readonly allocatableCache: TableCache<AllocatableSlot>;

  constructor(private readonly db: Db) {
    this.allocatableCache = new TableCache(db, 'gpu_slots', () => this.readAllocatable());
  }

  /** Store.tx: a new outermost transaction (see TableCache). */
  transactionStarts(): void {
    this.allocatableCache.transactionStarts();
  }

  all(): SlotRow[] {
    return this.db
      .prepare('SELECT * FROM gpu_slots ORDER BY gpu_index, coalesce(mig_device_index, -1), uuid')
      .all() as SlotRow[];
  }

  /**
   * Every slot as the allocator reads it: only its columns, already in its shape, cached until the table
   * changes. Every reservation and queue pass reads this; building every slot's row each time was most
   * of a reservation's read time.
   */
  allocatable(): readonly AllocatableSlot[] {
    return this.allocatableCache.get();
  }

  private readAllocatable(): AllocatableSlot[] {
    return this.db
      .prepare(
        `SELECT uuid, parent_uuid AS parentUuid, gpu_index AS gpuIndex, kind, profile,
           mig_device_index AS migDeviceIndex, gpu_equivalents AS gpuEquivalents,
           CASE WHEN state = 'available' AND (unmanaged_blocks = 1 OR health_blocks = 1) THEN 'busy'
             ELSE state END AS state
         FROM gpu_slots ORDER BY gpu_index, coalesce(mig_device_index, -1), uuid`,
      )
      .all() as AllocatableSlot[];
  }

  /** The unmanaged processes on a slot now; a write only when they changed (the allocator cache stays warm). */
  setUnmanaged(uuid: string, json: string | null, blocks: boolean): boolean {
    return (
      this.db
        .prepare(
          `UPDATE gpu_slots SET unmanaged_json = @json, unmanaged_blocks = @blocks
           WHERE uuid = @uuid AND (unmanaged_json IS NOT @json OR unmanaged_blocks IS NOT @blocks)`,
        )
        .run({ uuid, json, blocks: blocks ? 1 : 0 }).changes > 0
    );
  }

  /** Whether a GPU's slots are kept from being handed out for its health; true when that changed. */
  setHealthBlocks(parentUuid: string, blocks: boolean): boolean {
    return (
      this.db
        .prepare('UPDATE gpu_slots SET health_blocks = @b WHERE parent_uuid = @p AND health_blocks IS NOT @b')
        .run({ p: parentUuid, b: blocks ? 1 : 0 }).changes > 0
    );
  }

  get(uuid: string): SlotRow | undefined {
    return this.db.prepare('SELECT * FROM gpu_slots WHERE uuid = ?').get(uuid) as SlotRow | undefined;
  }

  /**
   * Make the table match a fresh inventory. Call inside a transaction. A NEW slot of a GPU in `fenced`
   * (parent UUID → reason: a MIG reconfiguration in progress) starts drained, so no allocation can take it
   * before the change has verified the layout.
   */
  sync(
    slots: Slot[],
    gpuNames: Map<string, string>,
    now: number,
    fenced: ReadonlyMap<string, string> = new Map(),
  ): SlotSyncResult {
    const known = new Map(this.all().map((s) => [s.uuid, s]));
    const seen = new Set<string>();
    const result: SlotSyncResult = { added: [], missing: [], returned: [] };
    const upsert = this.db.prepare(
      `INSERT INTO gpu_slots (uuid, parent_uuid, gpu_index, gpu_name, kind, profile, mig_device_index, gi, ci, memory_mib,
         compute_slices, gpu_equivalents, state, drained, drain_reason, first_seen, last_seen)
       VALUES (@uuid, @parent_uuid, @gpu_index, @gpu_name, @kind, @profile, @mig_device_index, @gi, @ci, @memory_mib,
         @compute_slices, @gpu_equivalents, @state, @drained, @drain_reason, @now, @now)
       ON CONFLICT(uuid) DO UPDATE SET parent_uuid = excluded.parent_uuid, gpu_index = excluded.gpu_index,
         gpu_name = excluded.gpu_name, kind = excluded.kind, profile = excluded.profile,
         mig_device_index = excluded.mig_device_index, gi = excluded.gi, ci = excluded.ci, memory_mib = excluded.memory_mib,
         compute_slices = excluded.compute_slices, gpu_equivalents = excluded.gpu_equivalents,
         state = excluded.state, last_seen = excluded.last_seen`,
    );
    for (const s of slots) {
      seen.add(s.uuid);
      const prev = known.get(s.uuid);
      if (!prev) result.added.push(s.uuid);
      else if (prev.state === 'missing') result.returned.push(s.uuid);
      const fence = prev ? undefined : fenced.get(s.parentUuid);
      upsert.run({
        uuid: s.uuid,
        parent_uuid: s.parentUuid,
        gpu_index: s.gpuIndex,
        gpu_name: gpuNames.get(s.parentUuid) ?? '',
        kind: s.kind,
        profile: s.profile,
        mig_device_index: s.migDeviceIndex,
        gi: s.gi,
        ci: s.ci,
        memory_mib: s.memoryMiB,
        compute_slices: s.computeSlices,
        gpu_equivalents: s.gpuEquivalents,
        state: prev?.drained || fence !== undefined ? 'drained' : 'available',
        drained: fence !== undefined ? 1 : 0,
        drain_reason: fence ?? null,
        now,
      });
    }
    const markMissing = this.db.prepare(`UPDATE gpu_slots SET state = 'missing' WHERE uuid = ?`);
    for (const [uuid, row] of known) {
      if (!seen.has(uuid) && row.state !== 'missing') {
        markMissing.run(uuid);
        result.missing.push(uuid);
      }
    }
    return result;
  }

  setDrained(uuid: string, drained: boolean, reason: string | null): boolean {
    return (
      this.db
        .prepare(
          `UPDATE gpu_slots SET drained = @d, drain_reason = @reason,
             state = CASE WHEN state = 'missing' THEN 'missing' WHEN @d = 1 THEN 'drained' ELSE 'available' END
           WHERE uuid = @uuid`,
        )
        .run({ d: drained ? 1 : 0, reason, uuid }).changes > 0
    );
  }

  counts(): { total: number; available: number; missing: number; drained: number } {
    return this.db
      .prepare(
        `SELECT count(*) AS total, coalesce(sum(state = 'available'), 0) AS available,
           coalesce(sum(state = 'missing'), 0) AS missing, coalesce(sum(state = 'drained'), 0) AS drained FROM gpu_slots`,
      )
      .get() as { total: number; available: number; missing: number; drained: number };
  }
}

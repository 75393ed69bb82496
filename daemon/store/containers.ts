// The containers ds01 manages (or adopted), keyed by Docker id. Removed containers keep their row
// (removed_at set) so history and accumulated runtime stay answerable.
import type { Db } from './db.js';

export interface ContainerRow {
  id: string;
  name: string;
  project: string;
  owner_uid: number;
  owner_name: string;
  image: string;
  state: string;
  created_at: number;
  started_at: number | null;
  stopped_at: number | null;
  removed_at: number | null;
  runtime_ms: number;
  limits_json: string | null;
  extensions: number;
  origin: 'ds01' | 'adopted';
}

export type NewContainer = Pick<
  ContainerRow,
  'id' | 'name' | 'project' | 'owner_uid' | 'owner_name' | 'image' | 'state' | 'created_at'
> &
  Partial<Pick<ContainerRow, 'started_at' | 'limits_json' | 'origin'>>;

export class ContainersRepo {
  constructor(private readonly db: Db) {}

  insert(c: NewContainer): void {
    this.db
      .prepare(
        `INSERT INTO containers (id, name, project, owner_uid, owner_name, image, state, created_at, started_at, limits_json, origin)
         VALUES (@id, @name, @project, @owner_uid, @owner_name, @image, @state, @created_at, @started_at, @limits_json, @origin)`,
      )
      .run({ started_at: null, limits_json: null, origin: 'ds01', ...c });
  }

  get(id: string): ContainerRow | undefined {
    return this.db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as ContainerRow | undefined;
  }

  /** Live (not removed) containers, optionally of one owner. */
  live(ownerUid?: number): ContainerRow[] {
    if (ownerUid === undefined) {
      return this.db
        .prepare('SELECT * FROM containers WHERE removed_at IS NULL ORDER BY created_at')
        .all() as ContainerRow[];
    }
    return this.db
      .prepare('SELECT * FROM containers WHERE removed_at IS NULL AND owner_uid = ? ORDER BY created_at')
      .all(ownerUid) as ContainerRow[];
  }

  /** Find a live container by Docker id (full or unique prefix ≥ 12), Docker name, or project name of an owner. */
  findLive(ref: string, ownerUid?: number): ContainerRow[] {
    return this.db
      .prepare(
        `SELECT * FROM containers WHERE removed_at IS NULL AND (
           id = @ref OR (length(@ref) >= 12 AND substr(id, 1, length(@ref)) = @ref) OR name = @ref
           OR (project = @ref AND owner_uid = @owner))`,
      )
      .all({ ref, owner: ownerUid ?? -1 }) as ContainerRow[];
  }

  /** Live containers of any owner with this project name (admins naming someone's container). */
  liveByProject(project: string): ContainerRow[] {
    return this.db
      .prepare('SELECT * FROM containers WHERE removed_at IS NULL AND project = ? ORDER BY created_at')
      .all(project) as ContainerRow[];
  }

  /**
   * A Docker state change; accumulates runtime when a run ends. A pause ends a run (stopped_at = when it
   * was paused) but its paused time is added to runtime when it ends, as it held the GPU all along.
   */
  markState(id: string, state: string, at: number): ContainerRow | undefined {
    const c = this.get(id);
    if (!c || c.removed_at !== null) return c;
    if (c.state === 'paused' && state !== 'paused') {
      const paused = c.stopped_at !== null ? Math.max(0, at - c.stopped_at) : 0;
      this.db
        .prepare('UPDATE containers SET state = ?, stopped_at = ?, runtime_ms = runtime_ms + ? WHERE id = ?')
        .run(state, at, paused, id);
      if (state === 'running')
        this.db.prepare('UPDATE containers SET started_at = ?, stopped_at = NULL WHERE id = ?').run(at, id);
      return this.get(id);
    }
    const running = state === 'running';
    if (running && c.state !== 'running') {
      this.db
        .prepare('UPDATE containers SET state = ?, started_at = ?, stopped_at = NULL WHERE id = ?')
        .run(state, at, id);
    } else if (!running && c.state === 'running') {
      const ran = c.started_at !== null ? Math.max(0, at - c.started_at) : 0;
      this.db
        .prepare('UPDATE containers SET state = ?, stopped_at = ?, runtime_ms = runtime_ms + ? WHERE id = ?')
        .run(state, at, ran, id);
    } else {
      this.db.prepare('UPDATE containers SET state = ? WHERE id = ?').run(state, id);
    }
    return this.get(id);
  }

  markRemoved(id: string, at: number): void {
    const c = this.get(id);
    if (!c || c.removed_at !== null) return;
    if (c.state === 'running') this.markState(id, 'exited', at);
    this.db.prepare(`UPDATE containers SET state = 'removed', removed_at = ? WHERE id = ?`).run(at, id);
  }

  counts(): { total: number; running: number } {
    return this.db
      .prepare(
        `SELECT count(*) AS total, coalesce(sum(state = 'running'), 0) AS running FROM containers WHERE removed_at IS NULL`,
      )
      .get() as { total: number; running: number };
  }
}

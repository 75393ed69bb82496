// `container-extend` bookkeeping on the containers table (columns extensions, extension_ms).
import type { Db } from './db.js';

export class ExtensionsRepo {
  constructor(private readonly db: Db) {}

  of(containerId: string): { extensions: number; extensionMs: number } {
    const r = this.db
      .prepare('SELECT extensions, extension_ms FROM containers WHERE id = ?')
      .get(containerId) as { extensions: number; extension_ms: number } | undefined;
    return { extensions: r?.extensions ?? 0, extensionMs: r?.extension_ms ?? 0 };
  }

  all(): Map<string, { extensions: number; extensionMs: number }> {
    const rows = this.db
      .prepare('SELECT id, extensions, extension_ms FROM containers WHERE removed_at IS NULL')
      .all() as { id: string; extensions: number; extension_ms: number }[];
    return new Map(rows.map((r) => [r.id, { extensions: r.extensions, extensionMs: r.extension_ms }]));
  }

  /** Add one extension unless `max` are used already (checked in the statement: no race). */
  add(containerId: string, ms: number, max: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE containers SET extensions = extensions + 1, extension_ms = extension_ms + ?
           WHERE id = ? AND removed_at IS NULL AND extensions < ?`,
        )
        .run(ms, containerId, max).changes > 0
    );
  }
}

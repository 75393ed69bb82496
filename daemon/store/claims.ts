// Claims on a Docker name by creates in flight (see migration 003): counted with live containers by the
// container quota, so the check and its record are one transaction.
import type { Db } from './db.js';

export class ClaimsRepo {
  constructor(private readonly db: Db) {}

  /** false when the name is already claimed (another create of the same name is in flight). */
  insert(dockerName: string, ownerUid: number, at: number): boolean {
    const r = this.db
      .prepare(
        'INSERT INTO container_claims (docker_name, owner_uid, claimed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(dockerName, ownerUid, at);
    return r.changes === 1;
  }

  count(ownerUid: number): number {
    return (
      this.db.prepare('SELECT COUNT(*) AS n FROM container_claims WHERE owner_uid = ?').get(ownerUid) as {
        n: number;
      }
    ).n;
  }

  release(dockerName: string): void {
    this.db.prepare('DELETE FROM container_claims WHERE docker_name = ?').run(dockerName);
  }

  /** At start: no create survives its process. */
  clear(): number {
    return this.db.prepare('DELETE FROM container_claims').run().changes;
  }
}

// Reads the two sides the chaos invariants compare: Docker (what really runs, with which GPU device ids)
// and ds01d's SQLite file (a second, read-only connection: what the daemon believes and what it audited).
import Database from 'better-sqlite3';
import type Docker from 'dockerode';
import type { DockerContainer, StoreSnapshot } from './invariants.js';

export async function dockerTruth(docker: Docker): Promise<DockerContainer[]> {
  const list = await docker.listContainers({ all: true, filters: { label: ['ds01.owner.uid'] } });
  const out: DockerContainer[] = [];
  for (const c of list) {
    try {
      const i = await docker.getContainer(c.Id).inspect();
      out.push({
        id: i.Id,
        name: i.Name.replace(/^\//, ''),
        running: i.State.Running,
        deviceIds: (i.HostConfig.DeviceRequests ?? []).flatMap((r) => r.DeviceIDs ?? []),
      });
    } catch {
      // removed between list and inspect: not there
    }
  }
  return out;
}

export function storeTruth(dbPath: string): StoreSnapshot {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const all = <T>(sql: string) => db.prepare(sql).all() as T[];
    return {
      containers: all('SELECT id, name, removed_at FROM containers'),
      allocations: all('SELECT id, slot_uuid, container_id, state, allocated_at FROM allocations'),
      queue: all('SELECT id, state, container_id FROM queue'),
      events: all(
        "SELECT kind, container_id, data_json FROM events WHERE kind LIKE 'container.%' OR kind LIKE 'queue.%' OR kind LIKE 'allocation.%' OR kind LIKE 'lifecycle.removed'",
      ),
      claims: all('SELECT docker_name FROM container_claims'),
      integrity: (db.pragma('integrity_check') as { integrity_check: string }[])
        .map((r) => r.integrity_check)
        .join('; '),
    };
  } finally {
    db.close();
  }
}

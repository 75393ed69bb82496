// The store: one database, one repo per table. Services take the Store and wrap state changes in
// `store.tx(...)` (BEGIN IMMEDIATE) so every decision sees and writes one consistent state.
import { AllocationsRepo } from './allocations.js';
import { ClaimsRepo } from './claims.js';
import { ContainersRepo } from './containers.js';
import { type Db, openDatabase, schemaVersion } from './db.js';
import { EventsRepo } from './events.js';
import { QueueRepo } from './queue.js';
import { SlotsRepo } from './slots.js';

export class Store {
  readonly containers: ContainersRepo;
  readonly allocations: AllocationsRepo;
  readonly events: EventsRepo;
  readonly slots: SlotsRepo;
  readonly queue: QueueRepo;
  readonly claims: ClaimsRepo;

  constructor(
    readonly db: Db,
    readonly path: string,
  ) {
    this.containers = new ContainersRepo(db);
    this.allocations = new AllocationsRepo(db);
    this.events = new EventsRepo(db);
    this.slots = new SlotsRepo(db);
    this.queue = new QueueRepo(db);
    this.claims = new ClaimsRepo(db);
  }

  static open(path: string): Store {
    return new Store(openDatabase(path), path);
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  schemaVersion(): number {
    return schemaVersion(this.db);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

// The store: one database, one repo per table, all made here. Services take the Store and wrap state
// changes in `store.tx(...)` (BEGIN IMMEDIATE) so every decision sees and writes one consistent state.
// The database handle itself stays inside: nothing outside store/ writes SQL.
import type Database from 'better-sqlite3';
import { AllocationsRepo } from './allocations.js';
import { BookingsRepo } from './bookings.js';
import { startCheckpoints } from './checkpoints.js';
import { ClaimsRepo } from './claims.js';
import { ContainersRepo } from './containers.js';
import { type Db, openDatabase, schemaVersion } from './db.js';
import { EventsRepo } from './events.js';
import { ExtensionsRepo } from './extensions.js';
import { GpuHealthRepo } from './gpu-health.js';
import { JobsRepo } from './jobs.js';
import { MigChangesRepo } from './mig-changes.js';
import { NoticesRepo } from './notices.js';
import { NotifyPrefsRepo, OutboxRepo } from './notify.js';
import { QueueRepo } from './queue.js';
import { ReportQueries } from './reports.js';
import { SamplesRepo } from './samples.js';
import { SlotsRepo } from './slots.js';
import { SlurmJobsRepo } from './slurm-jobs.js';
import { StorageUsageRepo } from './storage-usage.js';

export class Store {
  readonly containers: ContainersRepo;
  readonly allocations: AllocationsRepo;
  readonly events: EventsRepo;
  readonly slots: SlotsRepo;
  readonly queue: QueueRepo;
  readonly claims: ClaimsRepo;
  readonly samples: SamplesRepo;
  readonly notices: NoticesRepo;
  readonly extensions: ExtensionsRepo;
  /** Read-only reports across tables (usage, metrics, the users report, integrity). */
  readonly reports: ReportQueries;
  readonly jobs: JobsRepo;
  readonly notifyPrefs: NotifyPrefsRepo;
  /** Notifications waiting for delivery; written through the events tap (services/notifier.ts). */
  readonly outbox: OutboxRepo;
  readonly migChanges: MigChangesRepo;
  readonly bookings: BookingsRepo;
  readonly slurmJobs: SlurmJobsRepo;
  /** GPUs with a health condition now (gpu/health.ts), and failing GPUs' bad probes in a row. */
  readonly gpuHealth: GpuHealthRepo;
  readonly storageUsage: StorageUsageRepo;

  private constructor(
    private readonly db: Db,
    readonly path: string,
  ) {
    this.runTx = db.transaction((fn: () => unknown) => fn());
    this.versionStmt = db.prepare(
      'SELECT total_changes() AS changes, (SELECT data_version FROM pragma_data_version) AS other',
    );
    this.containers = new ContainersRepo(db);
    this.allocations = new AllocationsRepo(db);
    this.events = new EventsRepo(db);
    this.slots = new SlotsRepo(db);
    this.queue = new QueueRepo(db);
    this.claims = new ClaimsRepo(db);
    this.samples = new SamplesRepo(db);
    this.notices = new NoticesRepo(db);
    this.extensions = new ExtensionsRepo(db);
    this.reports = new ReportQueries(db);
    this.jobs = new JobsRepo(db);
    this.notifyPrefs = new NotifyPrefsRepo(db);
    this.outbox = new OutboxRepo(db);
    this.migChanges = new MigChangesRepo(db);
    this.bookings = new BookingsRepo(db);
    this.slurmJobs = new SlurmJobsRepo(db);
    this.gpuHealth = new GpuHealthRepo(db);
    this.storageUsage = new StorageUsageRepo(db);
    this.stopCheckpoints = startCheckpoints(db);
  }

  private readonly stopCheckpoints: () => void;

  /** False once closed: timers that fire during shutdown check it and do nothing. */
  get isOpen(): boolean {
    return this.db.open;
  }

  static open(path: string): Store {
    return new Store(openDatabase(path), path);
  }

  /** One transaction wrapper, made once (better-sqlite3 builds four functions per transaction()). */
  private readonly runTx: Database.Transaction<(fn: () => unknown) => unknown>;

  tx<T>(fn: () => T): T {
    if (!this.db.inTransaction) {
      this.slots.transactionStarts();
      this.allocations.transactionStarts();
    }
    return this.runTx.immediate(fn) as T;
  }

  private readonly versionStmt: Database.Statement;

  /**
   * Changes whenever anything this daemon or another connection (an admin's sqlite3) wrote may have
   * changed what a read sees; null inside a transaction, whose writes may still roll back. Answers built
   * only from the store can be kept while it is unchanged (services/answer-cache.ts). A rolled-back write
   * still moves it: answers are then computed again, never kept stale.
   */
  readVersion(): string | null {
    if (this.db.inTransaction) return null;
    const v = this.versionStmt.get() as { changes: number; other: number };
    return `${v.changes}:${v.other}`;
  }

  schemaVersion(): number {
    return schemaVersion(this.db);
  }

  close(): void {
    this.stopCheckpoints();
    if (this.db.open) this.db.close();
  }
}

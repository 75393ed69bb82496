// WAL checkpoints off the write path. SQLite's own (every 1,000 WAL pages, run by whichever commit crosses
// it) copied the same few hot pages back into the database ≈70 times per 5,000 reservations, each with two
// fsyncs inside a commit: ≈27% of the reservation bench's wall time on a busy disk. Now a timer checkpoints
// once a second when something was written, between requests, and SQLite's own is only a backstop (a
// burst that writes ≈40 MB of WAL within a second).
// Durability is unchanged or better: commits were never fsynced (WAL + synchronous=NORMAL: a ds01d crash
// loses nothing; an OS crash can lose what the kernel had not yet written), and the WAL is now fsynced
// within about a second of a write instead of whenever 1,000 pages had piled up.
import type { Db } from './db.js';

export const CHECKPOINT_EVERY_MS = 1000;
/** SQLite's automatic checkpoint, kept as a backstop: ≈40 MB of WAL at 4 KiB pages. */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** Starts the timer (unref'd: it never keeps a process alive); returns its stop. */
export function startCheckpoints(db: Db, everyMs = CHECKPOINT_EVERY_MS): () => void {
  let seen = -1;
  const timer = setInterval(() => checkpointIfWritten(), everyMs);
  timer.unref();
  function checkpointIfWritten(): void {
    if (!db.open || db.inTransaction) return;
    const changes = (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    if (changes === seen) return;
    seen = changes;
    try {
      // PASSIVE: never waits for readers (another connection's snapshot); what it cannot copy now is
      // copied at the next tick after a write, or by the backstop.
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // SQLITE_BUSY from another checkpointer: the next tick tries again.
      seen = -1;
    }
  }
  return () => clearInterval(timer);
}

// Opens the SQLite state: WAL, foreign keys, busy timeout, numbered migrations under user_version.
// A database newer than this code is refused rather than guessed at.
import Database from 'better-sqlite3';
import { Ds01Error } from '../errors.js';
import { WAL_AUTOCHECKPOINT_PAGES } from './checkpoints.js';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenOptions {
  migrations?: readonly Migration[];
  readonly?: boolean;
}

/** The page cache's bound, KiB per connection. */
export const PAGE_CACHE_KIB = 16_000;

/** Distinct SQL texts kept prepared; past this the cache starts again (dynamic filters make a few). */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * Repos call `db.prepare(sql)` where they use it; compiling the SQL each time was a third of a GPU
 * reservation's cost. Each text is compiled once and its statement reused. Safe because the store only
 * runs statements to completion (.run/.get/.all): never .iterate() (a busy statement cannot be reused)
 * and never .pluck()/.raw()/.expand(), which would change the shared statement for every caller
 * (store.test.ts checks the sources).
 */
function cachePreparedStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.clear();
      stmt = prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  }) as Db['prepare'];
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  const db = new Database(path, { readonly: opts.readonly ?? false });
  cachePreparedStatements(db);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // SQLite's page cache is ds01d's largest malloc'd part: it fills as pages are read, up to this bound
    // (better-sqlite3's build default, made ours here so an upgrade cannot move it; BENCHMARKS.md soak).
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commit).
      db.pragma('synchronous = NORMAL');
      // Store checkpoints on a timer (checkpoints.ts); SQLite's own is the backstop.
      db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    }
    migrate(db, opts.migrations ?? MIGRATIONS);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Apply every migration above the stored version, each in its own transaction. Idempotent. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.length ? Math.max(...migrations.map((m) => m.version)) : 0;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new Ds01Error(
      'INTERNAL',
      `database schema version ${current} is newer than this ds01 (knows up to ${latest})`,
      'upgrade ds01, or restore the database backup made before the upgrade',
    );
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return schemaVersion(db);
}

export { LATEST_VERSION };

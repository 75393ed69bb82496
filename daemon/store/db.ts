// Opens the SQLite state: WAL, foreign keys, busy timeout, numbered migrations under user_version.
// A database newer than this code is refused rather than guessed at.
import Database from 'better-sqlite3';
import { Ds01Error } from '../errors.js';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenOptions {
  migrations?: readonly Migration[];
  readonly?: boolean;
}

export function openDatabase(path: string, opts: OpenOptions = {}): Db {
  const db = new Database(path, { readonly: opts.readonly ?? false });
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commit).
      db.pragma('synchronous = NORMAL');
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

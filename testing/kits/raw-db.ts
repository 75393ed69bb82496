// Tests only: a second connection to a Store's database file, for what no repo offers on purpose
// (back-dating a row, checking pragmas and triggers). The daemon's Store never hands out its handle.
import { type Db, openDatabase } from '../../daemon/store/db.js';
import type { Store } from '../../daemon/store/index.js';

export function withRawDb<T>(store: Pick<Store, 'path'>, fn: (db: Db) => T): T {
  const db = openDatabase(store.path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

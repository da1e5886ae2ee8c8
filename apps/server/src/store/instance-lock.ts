import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StartError } from '../start-failure.js';

export interface InstanceLock {
  release(): void;
}

/**
 * One server per database file. Two servers on one file would each fan out only their own
 * events, and ids committed through the other would be skipped by their subscribers.
 *
 * The lock is an exclusive transaction held open, for the server's life, on a small SQLite file
 * beside the database (`<SBC_DB>.lock`). SQLite takes it with fcntl locks, which the kernel drops
 * when the process ends however it ends (kill -9 included): a stale lock never blocks a start,
 * and there is no pid file to clean up. Node has no flock of its own. The database itself cannot
 * carry the lock, because `pnpm admin` must keep writing to it beside a running server.
 * `:memory:` and `file:` URIs are not locked.
 */
export function lockDatabase(dbPath: string): InstanceLock | undefined {
  if (dbPath === ':memory:' || dbPath.startsWith('file:')) return undefined;
  const lockPath = `${dbPath}.lock`;
  // The lock comes before the store, which would create the directory itself.
  mkdirSync(dirname(dbPath), { recursive: true });
  // No wait: a held lock means another server, not a moment's contention.
  const db = new Database(lockPath, { timeout: 0 });
  try {
    // No journal: nothing is ever written, and no `-journal` file appears beside the lock.
    db.pragma('journal_mode = OFF');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    throw new StartError(`Another server is running on SBC_DB=${dbPath} (it holds ${lockPath}); stop it, or give this server another SBC_DB`);
  }
  return {
    release() {
      if (!db.open) return;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

import { SessionService, type EventSink } from '../domain/session-service.js';
import type { SessionStore } from '../domain/session-store.js';
import type { Logger } from '../logger.js';
import { isPostgresUrl } from './location.js';
import { SqliteStore } from './sqlite-store.js';

export interface StoreOptions {
  /** The server's event hub: the events of every write go there once committed. */
  events?: EventSink;
  logger?: Logger;
  /** PostgreSQL: connections this process opens for requests and jobs (SBC_DB_POOL_SIZE), besides its feed's own. */
  poolSize?: number;
}

/**
 * The store that SBC_DB names, with the domain's rules over it: the one place that picks a
 * database backend. A `postgres://` or `postgresql://` URL is PostgreSQL; any other value is a
 * SQLite path (or `:memory:`).
 *
 * On SQLite (one process) the domain publishes each write's events once committed. On
 * PostgreSQL other nodes write too: the node's event feed, following the events table, is the
 * only publisher, of this node's commits and every other's alike, in id order.
 */
export async function openStore(location: string, { events, logger, poolSize }: StoreOptions = {}): Promise<SessionStore> {
  if (!isPostgresUrl(location)) return new SessionService(new SqliteStore(location), events);
  // Loaded only here: a SQLite server starts without node-postgres.
  const [{ PostgresStore }, { PostgresEventFeed }] = await Promise.all([import('./postgres-store.js'), import('./postgres-event-feed.js')]);
  const backend = await PostgresStore.open(location, poolSize);
  if (events) {
    const feed = new PostgresEventFeed(backend, events, (error) => logger?.warn({ err: error }, 'event feed: the database did not answer; retrying'));
    try {
      await feed.start();
    } catch (error) {
      await backend.close();
      throw error;
    }
  }
  return new SessionService(backend);
}

/** SBC_DB as it may be printed or logged: a URL's password hidden. */
export function printableLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'the PostgreSQL URL in SBC_DB (not a valid URL)';
  }
}

import { SessionService, type EventSink } from '../domain/session-service.js';
import type { SessionStore } from '../domain/session-store.js';
import { SqliteStore } from './sqlite-store.js';

/**
 * The store that SBC_DB names, with the domain's rules over it: the one place that picks a
 * database backend. Today every value is a SQLite path (or `:memory:`). A server passes its event
 * hub: the events of every write go there once committed.
 */
export async function openStore(location: string, events?: EventSink): Promise<SessionStore> {
  return new SessionService(new SqliteStore(location), events);
}

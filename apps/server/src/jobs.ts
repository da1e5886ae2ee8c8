import type { EventHub } from './events/hub.js';
import type { Logger } from './logger.js';
import type { SessionStore } from './store/session-store.js';

export interface MaintenanceOptions {
  store: SessionStore;
  hub: EventHub;
  logger: Logger;
  now: () => Date;
  retentionHours: number;
  maxCallHours: number;
}

const batchSize = 500;

/**
 * Ends calls that outlived MAX_CALL_HOURS and deletes what outlived RETENTION_HOURS, in small
 * batches with a turn of the event loop between them so requests are never held up for long.
 */
export async function runMaintenance(options: MaintenanceOptions): Promise<{ deletedSessions: number; deletedEvents: number; endedStale: number }> {
  const totals = { deletedSessions: 0, deletedEvents: 0, endedStale: 0 };
  for (;;) {
    const round = await options.store.maintain(options.now(), options.retentionHours, options.maxCallHours, batchSize);
    options.hub.publish(round.endedStale);
    totals.deletedSessions += round.deletedSessions;
    totals.deletedEvents += round.deletedEvents;
    totals.endedStale += round.endedStale.length;
    if (round.deletedSessions < batchSize && round.deletedEvents < batchSize && round.endedStale.length < batchSize) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (totals.deletedSessions + totals.deletedEvents + totals.endedStale > 0) options.logger.info(totals, 'maintenance');
  return totals;
}

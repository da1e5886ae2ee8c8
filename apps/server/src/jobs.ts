import type { Logger } from './logger.js';
import type { SessionStore } from './domain/session-store.js';

export interface MaintenanceOptions {
  store: SessionStore;
  logger: Logger;
  now: () => Date;
  retentionHours: number;
  maxCallHours: number;
  endRequestTimeoutSeconds: number;
}

export interface MaintenanceTotals {
  deletedSessions: number;
  deletedEvents: number;
  endedStale: number;
  /** Ends of calls requested longer than END_REQUEST_TIMEOUT_SECONDS ago that no SBC has confirmed. */
  endRequestsUnanswered: number;
}

/**
 * How long one round of maintenance may hold the event loop: a request that arrives meanwhile
 * waits for the rest of the round, so rounds are sized to take about this long.
 */
const roundBudgetMs = 10;
const firstBatch = 50;
const maxBatch = 5000;

/**
 * Ends calls that outlived MAX_CALL_HOURS and deletes what outlived RETENTION_HOURS, in rounds
 * sized to take about `roundBudgetMs` each, with a turn of the event loop between them: however
 * large the backlog (after downtime, or a shorter RETENTION_HOURS), no request waits long for
 * it. Then warns of end requests that their SBC left unanswered.
 */
export async function runMaintenance(options: MaintenanceOptions): Promise<MaintenanceTotals> {
  const totals = { deletedSessions: 0, deletedEvents: 0, endedStale: 0, endRequestsUnanswered: 0 };
  let batchSize = firstBatch;
  for (;;) {
    const started = performance.now();
    const round = await options.store.maintain(options.now(), options.retentionHours, options.maxCallHours, batchSize);
    const tookMs = performance.now() - started;
    totals.deletedSessions += round.deletedSessions;
    totals.deletedEvents += round.deletedEvents;
    totals.endedStale += round.endedStale.length;
    if (round.deletedSessions < batchSize && round.deletedEvents < batchSize && round.endedStale.length < batchSize) break;
    // Cold pages, a busy disk or a slower machine make a row cost more: the next round follows.
    batchSize = Math.max(1, Math.min(maxBatch, 2 * batchSize, Math.floor((batchSize * roundBudgetMs) / Math.max(tookMs, 0.1))));
    await new Promise((resolve) => setImmediate(resolve));
  }
  totals.endRequestsUnanswered = await warnOfUnansweredEndRequests(options);
  if (totals.deletedSessions + totals.deletedEvents + totals.endedStale > 0) options.logger.info(totals, 'maintenance');
  return totals;
}

/**
 * A call whose end was requested stays live until its SBC reports the end: the server cannot
 * know that the SBC no longer carries it. Only an agent of that node can end it, so a request
 * it leaves unanswered is a warning for the operator, repeated every run while it lasts.
 */
async function warnOfUnansweredEndRequests(options: MaintenanceOptions): Promise<number> {
  const requestedBefore = new Date(options.now().getTime() - options.endRequestTimeoutSeconds * 1000);
  const unanswered = await options.store.unansweredEndRequests(requestedBefore);
  for (const node of unanswered) {
    options.logger.warn(
      { sbcServer: node.sbcServer, unanswered: node.count, oldestRequested: node.oldest.toISOString() },
      'ends of calls requested but not confirmed by their SBC: is an agent of that node following /sbc/events?',
    );
  }
  return unanswered.reduce((sum, node) => sum + node.count, 0);
}

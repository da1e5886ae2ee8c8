import type { Contract } from '@sbc/contract';
import type { EventHub } from '../events/hub.js';
import type { IngestQueue } from '../ingest-queue.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { SessionStore } from '../domain/session-store.js';

/** What route handlers work with. */
export interface RouteDeps {
  store: SessionStore;
  hub: EventHub;
  ingestQueue: IngestQueue;
  metrics: Metrics;
  logger: Logger;
  contract: Contract;
  now: () => Date;
  homeCountryCode: string;
  /** How long ended calls are kept: the longest window of traffic statistics. */
  retentionHours: number;
  heartbeatMs: number;
  /** Bytes of events that may wait for a slow subscriber before it is disconnected. */
  subscriberBufferLimit: number;
  /** Events a replay reads per turn of the event loop. */
  replayPageSize: number;
  isShuttingDown: () => boolean;
  /** The built API reference served at /docs. */
  docsFile: string;
  /** The built console (its index.html and assets/) served at /console. */
  consoleDir: string;
}

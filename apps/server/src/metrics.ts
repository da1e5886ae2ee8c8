import type { EndCallResult, Event } from '@sbc/contract';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReportOutcome, SessionStore } from './domain/session-store.js';

/**
 * The process and Node.js collectors (memory, CPU, event-loop lag, GC) describe the process, not
 * one server: they are registered once, by the first server of the process to ask.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface Gauges {
  liveSessions(): Promise<number>;
  eventSubscribers(): number;
}

export type StreamRefusal = 'per_token' | 'total';
export type StreamDisconnect = 'slow_subscriber' | 'token_no_longer_valid';

const secondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const reportOutcomes: ReportOutcome['result'][] = ['created', 'updated', 'unchanged', 'rejected'];
const endOutcomes: EndCallResult['outcome'][] = ['requested', 'alreadyRequested', 'alreadyEnded'];

/** One server's metrics, with the process's, in the Prometheus text format (prom-client). */
export class Metrics {
  private readonly registry = new Registry();
  private readonly registers = [this.registry];
  readonly contentType = this.registry.contentType;

  private readonly requests = new Counter({
    name: 'sbc_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status (499: the client closed the connection first).',
    labelNames: ['method', 'route', 'status'],
    registers: this.registers,
  });
  private readonly requestDuration = new Histogram({
    name: 'sbc_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route template and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: secondsBuckets,
    registers: this.registers,
  });
  private readonly liveSessions = new Gauge({ name: 'sbc_live_sessions', help: 'Sessions with no end.', registers: this.registers });
  private readonly eventSubscribers = new Gauge({ name: 'sbc_event_subscribers', help: 'Open event streams.', registers: this.registers });
  private readonly reports = new Counter({
    name: 'sbc_reports_applied_total',
    help: 'Session reports applied, by outcome: created, updated, unchanged, rejected.',
    labelNames: ['outcome'],
    registers: this.registers,
  });
  private readonly events = new Counter({
    name: 'sbc_events_published_total',
    help: 'Events committed and handed to the event streams, by type.',
    labelNames: ['type'],
    registers: this.registers,
  });
  private readonly streamsRefused = new Counter({
    name: 'sbc_event_streams_refused_total',
    help: 'Event streams refused with 429 too_many_streams, by the cap reached: per_token or total.',
    labelNames: ['cap'],
    registers: this.registers,
  });
  private readonly streamDisconnects = new Counter({
    name: 'sbc_event_stream_disconnects_total',
    help: 'Event streams ended by the server, by reason: slow_subscriber (its buffer passed the bound) or token_no_longer_valid.',
    labelNames: ['reason'],
    registers: this.registers,
  });
  private readonly endRequests = new Counter({
    name: 'sbc_terminate_requests_total',
    help: 'Requests to end a call (DELETE /sbc/session/{id}), by outcome; "requested" issues the terminate command.',
    labelNames: ['outcome'],
    registers: this.registers,
  });
  private readonly terminationsCompleted = new Counter({
    name: 'sbc_terminate_completed_total',
    help: 'Calls whose end was reported after their termination was requested.',
    registers: this.registers,
  });
  private readonly commitReports = new Histogram({
    name: 'sbc_ingest_commit_reports',
    help: 'Reports applied per group commit (one transaction, one disk flush).',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
    registers: this.registers,
  });
  private readonly commitDuration = new Histogram({
    name: 'sbc_ingest_commit_duration_seconds',
    help: 'Time to apply and commit one group of reports.',
    buckets: secondsBuckets,
    registers: this.registers,
  });
  private readonly storeDuration = new Histogram({
    name: 'sbc_store_call_duration_seconds',
    help: 'Time of each call into the session store, by store operation (one or a few SQL statements).',
    labelNames: ['operation'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: this.registers,
  });
  private readonly tokenLookups = new Counter({
    name: 'sbc_token_cache_lookups_total',
    help: 'Token checks, by result: hit (answered from the one-second cache) or miss (read from the store).',
    labelNames: ['result'],
    registers: this.registers,
  });
  private readonly rateLimitedRequests = new Counter({
    name: 'sbc_rate_limited_requests_total',
    help: 'Requests refused with 429 too_many_requests by the per-token rate limit.',
    registers: this.registers,
  });

  constructor() {
    processMetrics();
    // Series that exist from the start, at 0: a rate over them is defined before the first event.
    for (const outcome of reportOutcomes) this.reports.inc({ outcome }, 0);
    for (const outcome of endOutcomes) this.endRequests.inc({ outcome }, 0);
    for (const cap of ['per_token', 'total'] satisfies StreamRefusal[]) this.streamsRefused.inc({ cap }, 0);
    for (const reason of ['slow_subscriber', 'token_no_longer_valid'] satisfies StreamDisconnect[]) this.streamDisconnects.inc({ reason }, 0);
    for (const result of ['hit', 'miss']) this.tokenLookups.inc({ result }, 0);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status };
    this.requests.inc(labels);
    this.requestDuration.observe(labels, seconds);
  }

  /** Outcomes of one group commit; a reported end of a call whose termination was requested completes that termination. */
  reportsApplied(outcomes: readonly ReportOutcome[], events: readonly Event[]): void {
    for (const outcome of outcomes) this.reports.inc({ outcome: outcome.result });
    for (const event of events) if (event.type === 'ended' && event.session.terminationRequested !== undefined) this.terminationsCompleted.inc();
  }

  groupCommitted(reports: number, seconds: number): void {
    this.commitReports.observe(reports);
    this.commitDuration.observe(seconds);
  }

  eventsPublished(events: readonly Event[]): void {
    for (const event of events) this.events.inc({ type: event.type });
  }

  streamRefused(cap: StreamRefusal): void {
    this.streamsRefused.inc({ cap });
  }

  streamDisconnected(reason: StreamDisconnect): void {
    this.streamDisconnects.inc({ reason });
  }

  terminateRequested(outcome: EndCallResult['outcome']): void {
    this.endRequests.inc({ outcome });
  }

  tokenLookup(hit: boolean): void {
    this.tokenLookups.inc({ result: hit ? 'hit' : 'miss' });
  }

  rateLimited(): void {
    this.rateLimitedRequests.inc();
  }

  /**
   * The store with each call timed by its method name: one timer per store call (a lookup is
   * one), not one per SQL statement. An asynchronous call is timed until it settles.
   */
  timedStore(store: SessionStore): SessionStore {
    const timed = Object.create(store) as Record<string, unknown>;
    for (let proto = Object.getPrototypeOf(store) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const method = (store as unknown as Record<string, unknown>)[name];
        if (name === 'constructor' || Object.hasOwn(timed, name) || typeof method !== 'function') continue;
        const histogram = this.storeDuration.labels(name);
        timed[name] = (...args: unknown[]) => {
          const start = performance.now();
          const stop = () => histogram.observe((performance.now() - start) / 1000);
          let result: unknown;
          try {
            result = (method as (...a: unknown[]) => unknown).apply(store, args);
          } catch (error) {
            stop();
            throw error;
          }
          // Timed beside the caller's await, not in front of it: no extra promise in its way.
          if (result instanceof Promise) void result.then(stop, stop);
          else stop();
          return result;
        };
      }
    }
    return timed as unknown as SessionStore;
  }

  async render(gauges: Gauges): Promise<string> {
    this.liveSessions.set(await gauges.liveSessions());
    this.eventSubscribers.set(gauges.eventSubscribers());
    const [process, own] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return process + own;
  }
}

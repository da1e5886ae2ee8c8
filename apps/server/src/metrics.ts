import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { EndCallResult, Event } from '@sbc/contract';
import type { Registry } from 'prom-client';
import type { ReportOutcome, SessionStore } from './domain/session-store.js';

/**
 * prom-client, loaded at the first scrape rather than with the server: it is a large part of a
 * start (its process collectors pull in @opentelemetry/api), and only `render` needs it. The
 * counting itself is the plain families below. CommonJS, so it loads synchronously.
 */
const promClient = (() => {
  let loaded: typeof import('prom-client') | undefined;
  return () => (loaded ??= createRequire(import.meta.url)('prom-client') as typeof import('prom-client'));
})();

/**
 * The process and Node.js collectors (memory, CPU, event-loop lag, GC) describe the process, not
 * one server: they are registered once, at the first scrape of any server of the process.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    const { Registry, collectDefaultMetrics } = promClient();
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

type Labels = Record<string, string | number>;
type MetricType = 'counter' | 'gauge' | 'histogram';
/** One sample as prom-client's registry formats it: `labels` first, then `sharedLabels`. */
interface Sample {
  labels: Labels;
  sharedLabels?: Labels;
  value: number;
  metricName?: string;
}

/**
 * A metric family counted in plain numbers, handed to prom-client's registry at the scrape in
 * the shape its own metrics give it (`get()`), so that the text is the one prom-client writes.
 * A labelled observation through prom-client validates and hashes its labels every time; here a
 * series is found once and then counted on.
 */
abstract class Family<S> {
  protected readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly labelNames: readonly string[],
  ) {}

  /** The series of these label values (kept in this key order in the text). */
  labels(labels: Labels): S {
    const key = Object.values(labels).join('\u0000');
    let found = this.series.get(key);
    if (found === undefined) {
      found = this.create(labels);
      this.series.set(key, found);
    }
    return found;
  }

  protected abstract create(labels: Labels): S;
  protected abstract samples(series: S): Sample[];

  get() {
    // As prom-client: a family without labels has its one series, at 0, from the start.
    if (this.labelNames.length === 0) this.labels({});
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum' as const, values: [...this.series.values()].flatMap((s) => this.samples(s)) };
  }
}

interface Count {
  labels: Labels;
  value: number;
}

class CounterFamily extends Family<Count> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'counter', labelNames);
  }
  inc(labels: Labels = {}, by = 1): void {
    this.labels(labels).value += by;
  }
  protected create(labels: Labels): Count {
    return { labels, value: 0 };
  }
  protected samples({ labels, value }: Count): Sample[] {
    return [{ labels, value }];
  }
}

class GaugeFamily extends Family<Count> {
  constructor(name: string, help: string) {
    super(name, help, 'gauge', []);
  }
  set(value: number): void {
    this.labels({}).value = value;
  }
  protected create(labels: Labels): Count {
    return { labels, value: 0 };
  }
  protected samples({ labels, value }: Count): Sample[] {
    return [{ labels, value }];
  }
}

/** One series of a histogram: observations counted in the bucket of their upper bound. */
class Distribution {
  /** Per bucket, not cumulative; the last one is `+Inf`'s own. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.sum += value;
    this.count++;
  }
}

class HistogramFamily extends Family<Distribution> {
  distributions(): Distribution[] {
    return [...this.series.values()];
  }
  observe(value: number, labels: Labels = {}): void {
    this.labels(labels).observe(value);
  }

  constructor(
    name: string,
    help: string,
    private readonly bounds: readonly number[],
    labelNames: readonly string[] = [],
  ) {
    super(name, help, 'histogram', labelNames);
  }
  protected create(labels: Labels): Distribution {
    return new Distribution(labels, this.bounds);
  }
  protected samples(d: Distribution): Sample[] {
    let below = 0;
    const bucket = `${this.name}_bucket`;
    return [
      ...this.bounds.map((le, i) => ({ labels: { le }, sharedLabels: d.labels, value: (below += d.counts[i]!), metricName: bucket })),
      { labels: { le: '+Inf' }, sharedLabels: d.labels, value: d.count, metricName: bucket },
      { labels: {}, sharedLabels: d.labels, value: d.sum, metricName: `${this.name}_sum` },
      { labels: {}, sharedLabels: d.labels, value: d.count, metricName: `${this.name}_count` },
    ];
  }
}

/** A counter that reads the count of each series of a histogram: one observation counts in both. */
class HistogramCounts {
  readonly type = 'counter';
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly of: HistogramFamily,
  ) {}
  get() {
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum' as const, values: this.of.distributions().map(({ labels, count }) => ({ labels, value: count })) };
  }
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
  /** prom-client's `Registry.PROMETHEUS_CONTENT_TYPE`, without loading prom-client for it. */
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  /** Built at the first scrape. */
  private registry: Registry | undefined;

  private readonly requestDuration = new HistogramFamily(
    'sbc_http_request_duration_seconds',
    'Time to answer HTTP requests, by method, route template and status.',
    secondsBuckets,
    ['method', 'route', 'status'],
  );
  private readonly requests = new HistogramCounts(
    'sbc_http_requests_total',
    'HTTP requests answered, by method, route template and status (499: the client closed the connection first).',
    this.requestDuration,
  );
  /** The series of each route, method and status seen: no labels object, nor a key string made, per request. */
  private readonly requestSeries = new Map<string, Map<string, Map<number, Distribution>>>();
  private readonly liveSessions = new GaugeFamily('sbc_live_sessions', 'Sessions with no end.');
  private readonly eventSubscribers = new GaugeFamily('sbc_event_subscribers', 'Open event streams.');
  private readonly reports = new CounterFamily('sbc_reports_applied_total', 'Session reports applied, by outcome: created, updated, unchanged, rejected.', ['outcome']);
  private readonly events = new CounterFamily('sbc_events_published_total', 'Events committed and handed to the event streams, by type.', ['type']);
  private readonly streamsRefused = new CounterFamily('sbc_event_streams_refused_total', 'Event streams refused with 429 too_many_streams, by the cap reached: per_token or total.', ['cap']);
  private readonly streamDisconnects = new CounterFamily('sbc_event_stream_disconnects_total', 'Event streams ended by the server, by reason: slow_subscriber (its buffer passed the bound) or token_no_longer_valid.', ['reason']);
  private readonly endRequests = new CounterFamily('sbc_terminate_requests_total', 'Requests to end a call (DELETE /sbc/session/{id}), by outcome; "requested" issues the terminate command.', ['outcome']);
  private readonly terminationsCompleted = new CounterFamily('sbc_terminate_completed_total', 'Calls whose end was reported after their termination was requested.');
  private readonly commitReports = new HistogramFamily('sbc_ingest_commit_reports', 'Reports applied per group commit (one transaction, one disk flush).', [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]);
  private readonly commitDuration = new HistogramFamily('sbc_ingest_commit_duration_seconds', 'Time to apply and commit one group of reports.', secondsBuckets);
  private readonly storeDuration = new HistogramFamily('sbc_store_call_duration_seconds', 'Time of each call into the session store, by store operation (one or a few SQL statements).', [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], ['operation']);
  private readonly tokenLookups = new CounterFamily('sbc_token_cache_lookups_total', 'Token checks, by result: hit (answered from the one-second cache) or miss (read from the store).', ['result']);
  private readonly rateLimitedRequests = new CounterFamily('sbc_rate_limited_requests_total', 'Requests refused with 429 too_many_requests by the per-token rate limit.');

  constructor() {
    // Series that exist from the start, at 0: a rate over them is defined before the first event.
    for (const outcome of reportOutcomes) this.reports.inc({ outcome }, 0);
    for (const outcome of endOutcomes) this.endRequests.inc({ outcome }, 0);
    for (const cap of ['per_token', 'total'] satisfies StreamRefusal[]) this.streamsRefused.inc({ cap }, 0);
    for (const reason of ['slow_subscriber', 'token_no_longer_valid'] satisfies StreamDisconnect[]) this.streamDisconnects.inc({ reason }, 0);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.requestSeries.get(route);
    if (byMethod === undefined) this.requestSeries.set(route, (byMethod = new Map<string, Map<number, Distribution>>()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map<number, Distribution>()));
    let series = byStatus.get(status);
    if (series === undefined) byStatus.set(status, (series = this.requestDuration.labels({ method, route, status })));
    series.observe(seconds);
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

  /** Counted on every request with a token: its two series found once, not by their labels each time. */
  private readonly tokenLookupSeries = { hit: this.tokenLookups.labels({ result: 'hit' }), miss: this.tokenLookups.labels({ result: 'miss' }) };

  tokenLookup(hit: boolean): void {
    (hit ? this.tokenLookupSeries.hit : this.tokenLookupSeries.miss).value++;
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
        // Found at the first call: series appear in the order of first use, as prom-client's did.
        let series: Distribution | undefined;
        const stop = (start: number) => (series ??= this.storeDuration.labels({ operation: name })).observe((performance.now() - start) / 1000);
        timed[name] = (...args: unknown[]) => {
          const start = performance.now();
          let result: unknown;
          try {
            result = (method as (...a: unknown[]) => unknown).apply(store, args);
          } catch (error) {
            stop(start);
            throw error;
          }
          // Timed beside the caller's await, not in front of it: no extra promise in its way. A
          // closure only for a promise: a call answered at once (an ADMIN's lookup) allocates none.
          if (result instanceof Promise) {
            const settled = () => stop(start);
            void result.then(settled, settled);
          } else stop(start);
          return result;
        };
      }
    }
    return timed as unknown as SessionStore;
  }

  async render(gauges: Gauges): Promise<string> {
    this.liveSessions.set(await gauges.liveSessions());
    this.eventSubscribers.set(gauges.eventSubscribers());
    const [process, own] = await Promise.all([processMetrics().metrics(), this.ownRegistry().metrics()]);
    return process + own;
  }

  private ownRegistry(): Registry {
    if (!this.registry) {
      this.registry = new (promClient().Registry)();
      const families = [
        this.requests,
        this.requestDuration,
        this.liveSessions,
        this.eventSubscribers,
        this.reports,
        this.events,
        this.streamsRefused,
        this.streamDisconnects,
        this.endRequests,
        this.terminationsCompleted,
        this.commitReports,
        this.commitDuration,
        this.storeDuration,
        this.tokenLookups,
        this.rateLimitedRequests,
      ];
      // prom-client's registry takes any object with its metrics' `get()`.
      for (const family of families) this.registry.registerMetric(family as unknown as Parameters<Registry['registerMetric']>[0]);
    }
    return this.registry;
  }
}

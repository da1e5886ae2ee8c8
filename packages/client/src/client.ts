// createSbcClient: the API's operations as typed methods, on top of openapi-fetch and the
// contract's generated `paths`. Parameters and results are the generated types.
import createClient from 'openapi-fetch';
import { eventStream, type EventsOptions } from './events.js';
import { runRequest, type Attempt } from './request.js';
import { retryPolicy, type RetryOptions } from './retry.js';
import type {
  Customer,
  CustomerInput,
  CustomerList,
  EndCallResult,
  IngestReport,
  IngestResponse,
  ListCustomersQuery,
  ListSessionsQuery,
  paths,
  SbcEvent,
  Session,
  SessionFilters,
  SessionList,
  SessionReport,
  SessionSummary,
  TrafficStats,
  TrafficStatsQuery,
  WhoAmI,
} from './types.js';

export interface SbcClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  baseUrl: string;
  /** The API token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** A fetch to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: (request: Request) => Promise<Response>;
  /** How long one attempt may take, answer body included; 0 for no limit. Default 10000 ms. */
  timeoutMs?: number;
  /** Retries of idempotent calls: a number of attempts, or the full options. Default 2 attempts. */
  retries?: number | RetryOptions;
}

export type SbcClient = ReturnType<typeof createSbcClient>;

export function createSbcClient(options: SbcClientOptions) {
  const api = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
    // `types` is one comma-separated value (style form, explode false), as the contract says.
    querySerializer: { array: { style: 'form', explode: false } },
  });
  const policy = retryPolicy(options.retries);
  const timeoutMs = options.timeoutMs ?? 10_000;

  function call<D>(what: string, retryable: boolean, attempt: Attempt<D>): Promise<D> {
    return runRequest({ what, retryable, timeoutMs, policy }, attempt);
  }

  const client = {
    /**
     * The openapi-fetch client underneath, same base URL and token, for the `{ data, error,
     * response }` style of openapi-fetch: it neither throws, retries nor times out.
     */
    api,

    /** `GET /sbc/session/{id}`: the session of a SIP Call-ID. */
    async getSession(callId: string): Promise<Session> {
      const params = sessionParams(callId);
      return call('GET /sbc/session/{id}', true, (signal) => api.GET('/sbc/session/{id}', { params, signal }));
    },

    /** `GET /sbc/session`: one page of the sessions matching the filters. */
    listSessions(query: ListSessionsQuery = {}): Promise<SessionList> {
      return call('GET /sbc/session', true, (signal) => api.GET('/sbc/session', { params: { query }, signal }));
    },

    /**
     * Every session matching the filters, fetching page after page (`limit` per page, 1000 by
     * default). A session that moves to a later page while paging (new calls start) is not
     * yielded twice.
     */
    async *listAllSessions(filters: SessionFilters = {}): AsyncGenerator<SessionSummary | Session, void, undefined> {
      const seen = new Set<string>();
      const query = { limit: 1000, ...filters };
      for (let offset = 0; ; ) {
        const page = await client.listSessions({ ...query, offset });
        for (const session of page.sessions) {
          if (seen.has(session.callId)) continue;
          seen.add(session.callId);
          yield session;
        }
        offset += page.sessions.length;
        if (page.sessions.length === 0 || offset >= page.total) return;
      }
    },

    /** `DELETE /sbc/session/{id}`: ends the call. Idempotent, so it is retried. */
    async endCall(callId: string): Promise<EndCallResult> {
      const params = sessionParams(callId);
      return call('DELETE /sbc/session/{id}', true, (signal) => api.DELETE('/sbc/session/{id}', { params, signal }));
    },

    /**
     * `GET /sbc/events`: the event stream. Reconnects after a drop with `Last-Event-ID`, so no
     * session event is lost or repeated; ends when `signal` aborts.
     */
    events(eventOptions: EventsOptions = {}): AsyncGenerator<SbcEvent, void, undefined> {
      return eventStream(
        {
          timeoutMs,
          policy,
          connect: (query, lastEventId, signal) =>
            api.GET('/sbc/events', {
              params: { query, header: lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId } },
              headers: { Accept: 'text/event-stream' },
              parseAs: 'stream',
              signal,
            }),
        },
        eventOptions,
      );
    },

    /** `PATCH /sbc/session/{id}`: an SBC node's report about one call. Retried only with `retries.reports`. */
    async reportSession(callId: string, report: SessionReport): Promise<Session> {
      const params = sessionParams(callId);
      return call('PATCH /sbc/session/{id}', policy.reports, (signal) =>
        api.PATCH('/sbc/session/{id}', { params, body: report, signal }),
      );
    },

    /** `POST /sbc/ingest`: up to 1000 reports in one transaction. Never retried. */
    reportBatch(reports: IngestReport[]): Promise<IngestResponse> {
      return call('POST /sbc/ingest', false, (signal) => api.POST('/sbc/ingest', { body: { sessions: reports }, signal }));
    },

    /** `GET /sbc/customer/{id}`. */
    getCustomer(id: string): Promise<Customer> {
      return call('GET /sbc/customer/{id}', true, (signal) =>
        api.GET('/sbc/customer/{id}', { params: { path: { id } }, signal }),
      );
    },

    /** `PUT /sbc/customer/{id}`: creates or replaces the customer. */
    putCustomer(id: string, customer: CustomerInput): Promise<Customer> {
      return call('PUT /sbc/customer/{id}', true, (signal) =>
        api.PUT('/sbc/customer/{id}', { params: { path: { id } }, body: customer, signal }),
      );
    },

    /** `GET /sbc/whoami`: the token's level, customer, name, expiry and the operations it may call. */
    whoAmI(): Promise<WhoAmI> {
      return call('GET /sbc/whoami', true, (signal) => api.GET('/sbc/whoami', { signal }));
    },

    /** `GET /sbc/stats`: live calls now and the last `window` minutes (60 by default), in the caller's scope. */
    trafficStats(query: TrafficStatsQuery = {}): Promise<TrafficStats> {
      return call('GET /sbc/stats', true, (signal) => api.GET('/sbc/stats', { params: { query }, signal }));
    },

    /** `GET /sbc/customer`: one page of customers. */
    listCustomers(query: ListCustomersQuery = {}): Promise<CustomerList> {
      return call('GET /sbc/customer', true, (signal) => api.GET('/sbc/customer', { params: { query }, signal }));
    },
  };
  return client;
}

/**
 * The path parameters of a session operation. openapi-fetch percent-encodes the value once
 * with encodeURIComponent (`/`, `%`, `?`, `#`, spaces, non-ASCII, and `@` too). A Call-ID that
 * is empty or a dot segment cannot be put in a URL path at all: URL parsing would resolve it
 * to another path, so it is refused (the call rejects with a RangeError) rather than sent
 * somewhere else.
 */
function sessionParams(callId: string) {
  if (callId === '' || callId === '.' || callId === '..') {
    throw new RangeError(`Call-ID ${JSON.stringify(callId)} cannot be addressed in a URL path`);
  }
  return { path: { id: callId } };
}

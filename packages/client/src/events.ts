// The event stream as an async iterator: connects, parses, and after a drop reconnects with
// Last-Event-ID so that no event is lost or repeated.
// A stream the server ends because its token was revoked or expired is reconnected like any
// drop; the server then refuses the token (401), which is thrown, never retried.
import { SbcApiError, SbcNetworkError } from './errors.js';
import { apiError, networkError, withTimeout, type FetchResult } from './request.js';
import { retryableStatuses, retryDelayMs, sleep, type RetryPolicy } from './retry.js';
import { SseParser } from './sse.js';
import type { EventsQuery, SbcEvent } from './types.js';

export interface EventsOptions extends EventsQuery {
  /** Resume after this event id (the `id` of the last event you handled). */
  lastEventId?: string | number;
  /** Ends the iteration (the iterator then returns without error). */
  signal?: AbortSignal;
  /**
   * A stream that sends nothing for this long is taken as dropped and reconnected. The server
   * sends a heartbeat every 15 seconds. Default 45000 ms; 0 turns the check off.
   */
  heartbeatTimeoutMs?: number;
}

export interface EventStreamDeps {
  connect(
    query: EventsQuery,
    lastEventId: string | undefined,
    signal: AbortSignal,
  ): Promise<FetchResult<ReadableStream<Uint8Array> | null>>;
  timeoutMs: number;
  policy: RetryPolicy;
}

const what = 'GET /sbc/events';

export async function* eventStream(deps: EventStreamDeps, options: EventsOptions = {}): AsyncGenerator<SbcEvent, void, undefined> {
  const { lastEventId, signal, heartbeatTimeoutMs = 45_000, ...query } = options;
  let lastId = lastEventId === undefined ? undefined : Number(lastEventId);
  // Consecutive connections that failed or ended before delivering anything.
  let failures = 0;
  while (!signal?.aborted) {
    const connection = new AbortController();
    const stop = () => connection.abort();
    signal?.addEventListener('abort', stop, { once: true });
    let delivered = false;
    let failure: SbcApiError | SbcNetworkError | undefined;
    try {
      const body = await open(deps, query, lastId, connection.signal);
      const parser = new SseParser();
      for await (const text of readText(body, connection, heartbeatTimeoutMs)) {
        for (const message of parser.push(text)) {
          const event = JSON.parse(message.data) as SbcEvent;
          // Terminate commands are repeated by design until the SBC reports the call's end;
          // session events are delivered once: a replay overlapping what we saw is skipped.
          if (event.type !== 'terminate' && lastId !== undefined && event.id <= lastId) continue;
          lastId = Math.max(lastId ?? 0, event.id);
          delivered = true;
          yield event;
        }
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof SbcApiError && !retryableStatuses.has(error.status)) throw error;
      if (!(error instanceof SbcApiError) && !(error instanceof SbcNetworkError)) throw error;
      failure = error;
    } finally {
      signal?.removeEventListener('abort', stop);
      connection.abort();
    }
    if (signal?.aborted) return;
    failures = delivered ? 0 : failures + 1;
    if (failures > deps.policy.attempts) {
      throw failure ?? new SbcNetworkError(`${what}: the stream keeps closing without sending an event`);
    }
    const retryAfter = failure instanceof SbcApiError ? (failure.retryAfter ?? null) : null;
    await sleep(retryDelayMs(Math.max(0, failures - 1), retryAfter, deps.policy) ?? deps.policy.maxDelayMs, signal);
  }
}

async function open(
  deps: EventStreamDeps,
  query: EventsQuery,
  lastId: number | undefined,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  // The timeout covers the answer's headers; the stream itself is open-ended.
  const result = await withTimeout({ what, timeoutMs: deps.timeoutMs }, (timeout) =>
    deps.connect(query, lastId === undefined ? undefined : String(lastId), anySignal(signal, timeout)),
  );
  if (!result.response.ok) throw apiError(result.response, result.error);
  if (!result.data) throw new SbcNetworkError(`${what} answered without a body`);
  return result.data;
}

async function* readText(
  body: ReadableStream<Uint8Array>,
  connection: AbortController,
  heartbeatTimeoutMs: number,
): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let idle: ReturnType<typeof setTimeout> | undefined;
  const watch = () => {
    clearTimeout(idle);
    if (heartbeatTimeoutMs > 0) idle = setTimeout(() => connection.abort(), heartbeatTimeoutMs);
  };
  const cancel = () => void reader.cancel().catch(() => undefined);
  connection.signal.addEventListener('abort', cancel, { once: true });
  try {
    watch();
    for (;;) {
      const chunk = await reader.read().catch((error: unknown) => {
        throw networkError(what, error);
      });
      if (chunk.done) break;
      watch();
      yield decoder.decode(chunk.value, { stream: true });
    }
    if (connection.signal.aborted) throw new SbcNetworkError(`${what}: no data, not even a heartbeat, for ${heartbeatTimeoutMs} ms`);
  } finally {
    clearTimeout(idle);
    connection.signal.removeEventListener('abort', cancel);
    cancel();
  }
}

function anySignal(a: AbortSignal, b: AbortSignal | undefined): AbortSignal {
  if (!b) return a;
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (a.aborted || b.aborted) abort();
  a.addEventListener('abort', abort, { once: true });
  b.addEventListener('abort', abort, { once: true });
  return controller.signal;
}

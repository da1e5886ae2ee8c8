import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Event } from '@sbc/contract';
import type { Context } from 'koa';
import { scopeOf, type Principal } from '../auth.js';
import type { Subscriber } from '../events/hub.js';
import { canonicalHexId } from '../hex-ids.js';
import type { OperationInput } from '../operation.js';
import type { RouteDeps } from './deps.js';

const replayPageSize = 500;

type StreamQuery = OperationInput<'streamEvents'>['query'];

export function eventRoutes(deps: RouteDeps) {
  return {
    async streamEvents(ctx: Context, { query, header, principal }: OperationInput<'streamEvents'>) {
      const accepts = await eventFilter(deps, principal!, query);
      const lastEventId = header['Last-Event-ID'] === undefined ? undefined : Number(header['Last-Event-ID']);
      const stream = new PassThrough();
      ctx.status = 200;
      ctx.type = 'text/event-stream';
      ctx.set('Cache-Control', 'no-cache');
      ctx.set('X-Accel-Buffering', 'no');
      ctx.req.socket.setTimeout(0);
      ctx.req.socket.setNoDelay(true);
      ctx.body = stream;
      stream.write(': connected\n\n');
      // Koa sends the headers once this handler returns; the stream fills from here on.
      void new EventStream(deps, ctx, stream, accepts).start(principal!, lastEventId);
    },
  };
}

/** What a subscriber may see (its scope) and asked to see (its filters). */
async function eventFilter(deps: RouteDeps, principal: Principal, query: StreamQuery): Promise<(event: Event) => boolean> {
  const types = query.types;
  const typeOk = (event: Event) => types === undefined || types.includes(event.type);
  if (principal.level === 'SBC') {
    return (event) => event.type === 'terminate' && event.sbcServer === principal.sbcServer && typeOk(event);
  }
  const scope = scopeOf(principal);
  const visible = scope.all ? undefined : new Set(await deps.store.customersInScope(scope.resellerId));
  const number = query.number?.replace(/^ /, '+');
  const customer = query.customer === undefined ? undefined : canonicalHexId(query.customer);
  return (event) => {
    if (event.type === 'terminate' || !typeOk(event)) return false;
    const { sourceCustomerId: source, destinationCustomerId: destination, aNumber, bNumber } = event.session;
    if (visible && !(source !== undefined && visible.has(source)) && !(destination !== undefined && visible.has(destination))) return false;
    if (customer !== undefined && source !== customer && destination !== customer) return false;
    if (number !== undefined && !aNumber?.includes(number) && !bNumber?.includes(number)) return false;
    return true;
  };
}

/** One subscriber's stream: replay, then live events, heartbeats, and the slow-reader bound. */
class EventStream implements Subscriber {
  private lastSentId = 0;
  /** Live events that arrive while the replay is still running. */
  private pending: Event[] | undefined;
  private pendingBytes = 0;
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: RouteDeps,
    private readonly ctx: Context,
    private readonly stream: PassThrough,
    readonly accepts: (event: Event) => boolean,
  ) {
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), deps.heartbeatMs);
    this.unsubscribe = deps.hub.add(this);
    ctx.req.once('close', () => this.close());
    stream.once('error', () => this.close());
  }

  async start(principal: Principal, lastEventId: number | undefined): Promise<void> {
    this.pending = [];
    try {
      if (principal.level === 'SBC') {
        // Commands not yet answered by the session's end are sent again on every connection.
        for (const command of await this.deps.store.pendingTerminates(principal.sbcServer!)) this.emit(command);
      } else if (lastEventId !== undefined) {
        await this.replay(lastEventId);
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, 'event replay failed');
      this.close();
      return;
    }
    const waiting = this.pending;
    this.pending = undefined;
    for (const event of waiting) this.send(event);
  }

  private async replay(afterId: number): Promise<void> {
    let cursor = afterId;
    for (;;) {
      const page = await this.deps.store.eventsAfter(cursor, replayPageSize);
      for (const event of page) if (this.accepts(event)) this.emit(event);
      if (page.length < replayPageSize || this.closed) return;
      cursor = page.at(-1)!.id;
      if (this.stream.writableNeedDrain) await Promise.race([once(this.stream, 'drain'), once(this.stream, 'close')]);
    }
  }

  send(event: Event): void {
    if (!this.pending) return this.emit(event);
    // What waits for the replay to end counts against the same bound as what waits on the socket.
    this.pendingBytes += JSON.stringify(event).length;
    if (this.pendingBytes > this.deps.subscriberBufferLimit) return this.disconnect(this.pendingBytes);
    this.pending.push(event);
  }

  private emit(event: Event): void {
    // Replayed and live events may overlap at the seam; ids only go up.
    if (event.id <= this.lastSentId && event.type !== 'terminate') return;
    this.lastSentId = Math.max(this.lastSentId, event.id);
    this.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  private write(text: string): void {
    if (this.closed) return;
    const queued = this.stream.writableLength + this.stream.readableLength + this.ctx.res.writableLength;
    if (queued + text.length > this.deps.subscriberBufferLimit) return this.disconnect(queued);
    this.stream.write(text);
  }

  /** A subscriber too slow for its bound: it may reconnect with Last-Event-ID and miss nothing. */
  private disconnect(queued: number): void {
    this.deps.logger.warn({ queued }, 'event subscriber too slow: disconnected');
    this.ctx.req.socket.destroy();
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    this.stream.end();
  }
}

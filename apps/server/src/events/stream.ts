import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Event } from '@sbc/contract';
import type { Context } from 'koa';
import type { Authenticator, Principal } from '../auth.js';
import type { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { CustomerParents, SessionStore } from '../domain/session-store.js';
import type { EventFilter } from './filter.js';
import { frameOf } from './frame.js';
import type { EventHub, Subscriber } from './hub.js';

export interface EventStreamDeps {
  store: SessionStore;
  hub: EventHub;
  logger: Logger;
  metrics: Metrics;
  authenticator: Authenticator;
  /** The access levels of `GET /sbc/events`, which the token must keep. */
  accessLevels: readonly string[];
  heartbeatMs: number;
  /** Bytes of events that may wait for one slow subscriber before it is disconnected. */
  subscriberBufferLimit: number;
  /** Events a replay reads per turn of the event loop, whether or not it sends any of them. */
  replayPageSize: number;
}

export interface StreamCaller {
  principal: Principal;
  /** The token as presented: checked again every second while the stream is open. */
  secret: string;
  accepts: EventFilter;
}

/**
 * How often an open stream checks its token again. A token is trusted for a second after it is
 * read (auth.ts), so a stream ends within about two seconds of a revocation, and within a
 * second of its token's expiry.
 */
const credentialCheckMs = 1000;

/** One subscriber's stream: replay, then live events, heartbeats, token re-checks and the memory bounds. */
export class EventStream implements Subscriber {
  readonly body = new PassThrough();
  readonly tokenId: string;
  private lastSentId = 0;
  /**
   * The pending terminate commands read when the stream opened: the same command may also
   * arrive live, published after that read (another node's commit, or this one's a turn later).
   */
  private resentTerminates = new Set<number>();
  /** Live events that arrive while the replay (or the SBC's pending commands) is still being sent. */
  private pending: Event[] | undefined = [];
  private pendingBytes = 0;
  private closed = false;
  private timers: NodeJS.Timeout[] = [];
  private unsubscribe: () => void = () => undefined;

  constructor(
    private readonly deps: EventStreamDeps,
    private readonly ctx: Context,
    private readonly caller: StreamCaller,
  ) {
    this.tokenId = caller.principal.tokenId;
  }

  accepts(event: Event, parents: CustomerParents): boolean {
    return this.caller.accepts(event, parents);
  }

  /**
   * Joins the hub; throws 429 `too_many_streams` over a cap, before anything is sent. A stream
   * without Last-Event-ID starts after the newest event committed now: on PostgreSQL an event
   * committed before it opened can reach the hub after it joined (the feed reads behind the
   * commits), and it is not this stream's to send.
   */
  async subscribe(lastEventId: number | undefined): Promise<void> {
    if (lastEventId === undefined && this.caller.principal.level !== 'SBC') this.lastSentId = await this.deps.store.newestEventId();
    this.unsubscribe = this.deps.hub.add(this);
    this.ctx.req.once('close', () => this.close());
    this.body.once('error', () => this.close());
    this.body.write(': connected\n\n');
    this.timers.push(
      setInterval(() => this.write(': heartbeat\n\n'), this.deps.heartbeatMs),
      setInterval(() => void this.checkCredentials(), credentialCheckMs),
    );
  }

  async start(lastEventId: number | undefined): Promise<void> {
    try {
      const { principal } = this.caller;
      if (principal.level === 'SBC') {
        // Commands not yet answered by the session's end are sent again on every connection.
        for (const command of await this.deps.store.pendingTerminates(principal.sbcServer!)) {
          this.resentTerminates.add(command.id);
          this.emit(command);
        }
      } else if (lastEventId !== undefined) {
        await this.replay(lastEventId);
      }
    } catch (error) {
      this.deps.logger.error({ err: error }, 'event replay failed');
      this.close();
      return;
    }
    const waiting = this.pending ?? [];
    this.pending = undefined;
    for (const event of waiting) if (!(event.type === 'terminate' && this.resentTerminates.has(event.id))) this.emit(event);
    this.resentTerminates.clear();
  }

  /**
   * A page of events at a time with a turn of the event loop between pages, whatever the filter
   * lets through: a replay that finds little to send for a narrow scope must not hold up every
   * other request while it reads the whole retention.
   */
  private async replay(afterId: number): Promise<void> {
    const pageSize = this.deps.replayPageSize;
    let cursor = afterId;
    for (;;) {
      const page = await this.deps.store.eventsAfter(cursor, pageSize);
      const parents = await this.deps.store.customerTree();
      for (const event of page) if (this.accepts(event, parents)) this.emit(event);
      this.deps.hub.enforceBufferTotal();
      if (page.length < pageSize || this.closed) return;
      cursor = page.at(-1)!.id;
      if (this.body.writableNeedDrain) await Promise.race([once(this.body, 'drain'), once(this.body, 'close')]);
      await nextTurn();
      if (this.closed) return;
    }
  }

  send(events: readonly Event[], together: Buffer | undefined): void {
    if (this.pending) {
      for (const event of events) {
        // What waits for the replay to end counts against the same bound as what waits on the socket.
        this.pendingBytes += frameOf(event).length;
        if (this.pendingBytes > this.deps.subscriberBufferLimit) return this.disconnect('its events waiting for the replay passed the bound');
        this.pending.push(event);
      }
    } else if (together && events.every((event) => event.id > this.lastSentId)) {
      // None of them was sent already, so emit would send each: the same bytes in one write.
      for (const event of events) this.lastSentId = Math.max(this.lastSentId, event.id);
      this.write(together);
    } else {
      for (const event of events) this.emit(event);
    }
  }

  queuedBytes(): number {
    return this.body.writableLength + this.body.readableLength + this.ctx.res.writableLength + this.pendingBytes;
  }

  private emit(event: Event): void {
    // Replayed and live events may overlap at the seam; ids only go up.
    if (event.id <= this.lastSentId && event.type !== 'terminate') return;
    this.lastSentId = Math.max(this.lastSentId, event.id);
    this.write(frameOf(event));
  }

  private write(chunk: string | Buffer): void {
    if (this.closed) return;
    if (this.queuedBytes() + chunk.length > this.deps.subscriberBufferLimit) return this.disconnect('it stopped reading: its buffer passed the bound');
    this.body.write(chunk);
  }

  /**
   * A token revoked or expired since the stream opened, or whose customer lost the access,
   * ends it: a last comment gives the reason as the contract's Error body, and reconnecting gets
   * that same answer.
   */
  private async checkCredentials(): Promise<void> {
    let refusal: ApiError | undefined;
    try {
      refusal = await this.deps.authenticator.stillAllowed(this.caller.secret, this.deps.accessLevels);
    } catch (error) {
      // The store did not answer: keep the stream and ask again at the next check.
      this.deps.logger.warn({ err: error }, 'event stream: token check failed');
      return;
    }
    if (!refusal || this.closed) return;
    this.deps.logger.info({ reqId: this.ctx.state['requestId'], tokenId: this.tokenId, reason: refusal.token }, 'event stream closed: token no longer valid');
    this.deps.metrics.streamDisconnected('token_no_longer_valid');
    this.write(`: closed ${JSON.stringify(refusal.toBody(this.ctx.state['requestId'] as string))}\n\n`);
    this.close();
  }

  /** A subscriber holding too much memory: it may reconnect with Last-Event-ID and miss nothing. */
  disconnect(reason: string): void {
    if (this.closed) return;
    this.deps.logger.warn({ reqId: this.ctx.state['requestId'], queued: this.queuedBytes(), reason }, 'event subscriber too slow: disconnected');
    this.deps.metrics.streamDisconnected('slow_subscriber');
    this.ctx.req.socket.destroy();
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.unsubscribe();
    this.body.end();
  }
}

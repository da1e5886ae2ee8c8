import type { Event } from '@sbc/contract';
import { tooManyStreams } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { CustomerParents } from '../domain/session-store.js';
import { frameOf } from './frame.js';

/** One open event stream. */
export interface Subscriber {
  /** The token it was opened with: streams are counted per token. */
  readonly tokenId: string;
  accepts(event: Event, parents: CustomerParents): boolean;
  /**
   * The events of one commit that it accepts, in id order. `together`: all their messages in one
   * buffer, given when it accepts every event of the commit (shared by the streams that do).
   */
  send(events: readonly Event[], together: Buffer | undefined): void;
  /** Bytes of stream data held in memory for it: written but not yet handed to the socket. */
  queuedBytes(): number;
  /** Cuts a subscriber that holds too much memory; it may resume with Last-Event-ID. */
  disconnect(reason: string): void;
  close(): void;
}

export interface StreamLimits {
  /** Open streams per token (MAX_STREAMS_PER_TOKEN). */
  perToken: number;
  /** Open streams in all (MAX_STREAMS). */
  total: number;
  /** Bytes that the queued data of every stream together may take (STREAM_BUFFER_TOTAL). */
  bufferTotal: number;
}

/** A refused stream is told to try again after this long: a slot frees only when a client leaves. */
const streamRetryAfterSeconds = 10;
/**
 * (event, subscriber) pairs looked at per turn of the event loop (a stream's share of a commit is
 * never split): a thousand events for two thousand streams are delivered over many turns, with
 * requests answered in between.
 */
const deliveriesPerTurn = 4096;

/** Events of one commit, to go to the streams that were open when it was published. */
interface Delivery {
  events: readonly Event[];
  to: Subscriber[];
  /** The next stream to hand its events to. */
  next: number;
  /** The size of its events' messages (and of `together` once made), held until it is delivered. */
  bytes: number;
  /**
   * All its messages in one buffer, for the streams that take every event: one chunk queued per
   * stream instead of one per event (a stream with many events waiting held hundreds of small
   * objects for each, which outlived the young generation and swelled the heap). A copy, not
   * views of it as the events' own frames: a frame kept by a stream that takes few events must
   * not keep a whole commit's bytes in memory beyond what its bound counts.
   */
  together?: Buffer;
}

/**
 * Fans committed events out to the open streams of this server process, in slices across turns
 * of the event loop, and keeps the streams within their caps and their memory bound.
 */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly perToken = new Map<string, number>();
  private queue: Delivery[] = [];
  private queueBytes = 0;
  private draining = false;

  constructor(
    private readonly limits: StreamLimits,
    private readonly customerTree: () => Promise<CustomerParents>,
    private readonly metrics: Metrics,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Registers an open stream, or throws 429 `too_many_streams` when its token or the server is at its cap. */
  add(subscriber: Subscriber): () => void {
    const ofToken = this.perToken.get(subscriber.tokenId) ?? 0;
    if (ofToken >= this.limits.perToken) {
      this.metrics.streamRefused('per_token');
      throw tooManyStreams(streamRetryAfterSeconds, `This token already has ${ofToken} open event streams, the most allowed (MAX_STREAMS_PER_TOKEN); close one first`);
    }
    if (this.subscribers.size >= this.limits.total) {
      this.metrics.streamRefused('total');
      throw tooManyStreams(streamRetryAfterSeconds, `The server already serves ${this.subscribers.size} event streams, the most it allows (MAX_STREAMS)`);
    }
    this.subscribers.add(subscriber);
    this.perToken.set(subscriber.tokenId, ofToken + 1);
    return () => {
      if (!this.subscribers.delete(subscriber)) return;
      const left = (this.perToken.get(subscriber.tokenId) ?? 1) - 1;
      if (left > 0) this.perToken.set(subscriber.tokenId, left);
      else this.perToken.delete(subscriber.tokenId);
    };
  }

  /** Queues committed events for the streams open now; they are delivered from the next turn on. */
  publish(events: readonly Event[]): void {
    this.metrics.eventsPublished(events);
    if (events.length === 0 || this.subscribers.size === 0) return;
    const bytes = events.reduce((sum, event) => sum + frameOf(event).length, 0);
    this.queue.push({ events, to: [...this.subscribers], next: 0, bytes });
    this.queueBytes += bytes;
    this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    try {
      const parents = await this.customerTree();
      this.deliverSlice(parents);
    } catch {
      // A delivery that fails (the customer tree cannot be read) ends the streams waiting for
      // it: they resume with Last-Event-ID rather than silently miss events.
      for (const delivery of this.queue) for (const subscriber of delivery.to) subscriber.close();
      this.dropOrphanedDeliveries();
    }
    this.enforceBufferTotal();
    this.draining = false;
    if (this.queue.length > 0) this.scheduleDrain();
  }

  private deliverSlice(parents: CustomerParents): void {
    let budget = deliveriesPerTurn;
    while (budget > 0 && this.queue.length > 0) {
      const delivery = this.queue[0]!;
      while (budget > 0 && delivery.next < delivery.to.length) {
        const subscriber = delivery.to[delivery.next++]!;
        budget -= delivery.events.length;
        if (!this.subscribers.has(subscriber)) continue;
        const accepted = delivery.events.filter((event) => subscriber.accepts(event, parents));
        if (accepted.length === 0) continue;
        subscriber.send(accepted, accepted.length === delivery.events.length ? this.together(delivery) : undefined);
      }
      if (delivery.next === delivery.to.length) this.queueBytes -= this.queue.shift()!.bytes;
    }
  }

  /** A delivery's messages in one buffer, made for the first stream that takes them all; counted in the queued bytes as long as the events are. */
  private together(delivery: Delivery): Buffer {
    if (!delivery.together) {
      delivery.together = Buffer.concat(delivery.events.map(frameOf));
      delivery.bytes += delivery.together.length;
      this.queueBytes += delivery.together.length;
    }
    return delivery.together;
  }

  /** Forgets the deliveries none of whose streams is still open. */
  private dropOrphanedDeliveries(): void {
    this.queue = this.queue.filter((delivery) => delivery.to.some((subscriber) => this.subscribers.has(subscriber)));
    this.queueBytes = this.queue.reduce((sum, delivery) => sum + delivery.bytes, 0);
  }

  /**
   * Keeps the data queued for all streams together within its bound: over it, the streams with
   * the most data waiting (the slowest readers) are disconnected first. Events that no stream
   * has been handed yet count too: if they alone pass the bound, fan-out has fallen behind, and
   * the streams still waiting for the oldest of them, the furthest behind, are disconnected.
   */
  enforceBufferTotal(): void {
    const queued = [...this.subscribers].map((subscriber) => ({ subscriber, bytes: subscriber.queuedBytes() }));
    let total = this.queueBytes + queued.reduce((sum, q) => sum + q.bytes, 0);
    if (total <= this.limits.bufferTotal) return;
    const reason = `the streams' queued data passed STREAM_BUFFER_TOTAL (${this.limits.bufferTotal} bytes)`;
    queued.sort((a, b) => b.bytes - a.bytes);
    for (const { subscriber, bytes } of queued) {
      if (total <= this.limits.bufferTotal || bytes === 0) break;
      subscriber.disconnect(reason);
      total -= bytes;
    }
    if (this.queueBytes <= this.limits.bufferTotal) return;
    for (const subscriber of this.queue[0]!.to) if (this.subscribers.has(subscriber)) subscriber.disconnect(reason);
    this.dropOrphanedDeliveries();
  }

  closeAll(): void {
    this.queue.length = 0;
    this.queueBytes = 0;
    for (const subscriber of [...this.subscribers]) subscriber.close();
    this.subscribers.clear();
    this.perToken.clear();
  }
}

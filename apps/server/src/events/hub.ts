import type { Event } from '@sbc/contract';
import { tooManyStreams } from '../errors.js';
import type { CustomerParents } from '../store/session-store.js';

/** One open event stream. */
export interface Subscriber {
  /** The token it was opened with: streams are counted per token. */
  readonly tokenId: string;
  accepts(event: Event, parents: CustomerParents): boolean;
  send(event: Event): void;
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
 * (event, subscriber) pairs looked at per turn of the event loop: a thousand events for two
 * thousand streams are delivered over many turns, with requests answered in between.
 */
const deliveriesPerTurn = 4096;

/** Events of one commit, to go to the streams that were open when it was published. */
interface Delivery {
  events: readonly Event[];
  to: Subscriber[];
  /** The next (event, subscriber) pair, event by event: each stream gets its events in order. */
  next: number;
}

/**
 * Fans committed events out to the open streams of this server process, in slices across turns
 * of the event loop, and keeps the streams within their caps and their memory bound.
 */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly perToken = new Map<string, number>();
  private readonly queue: Delivery[] = [];
  private draining = false;

  constructor(
    private readonly limits: StreamLimits,
    private readonly customerTree: () => Promise<CustomerParents>,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Registers an open stream, or throws 429 `too_many_streams` when its token or the server is at its cap. */
  add(subscriber: Subscriber): () => void {
    const ofToken = this.perToken.get(subscriber.tokenId) ?? 0;
    if (ofToken >= this.limits.perToken) {
      throw tooManyStreams(streamRetryAfterSeconds, `This token already has ${ofToken} open event streams, the most allowed (MAX_STREAMS_PER_TOKEN); close one first`);
    }
    if (this.subscribers.size >= this.limits.total) {
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
    if (events.length === 0 || this.subscribers.size === 0) return;
    this.queue.push({ events, to: [...this.subscribers], next: 0 });
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
      // Without the customer tree nothing can be judged: the waiting streams end, and resume
      // with Last-Event-ID, rather than silently miss events.
      for (const delivery of this.queue.splice(0)) for (const subscriber of delivery.to) subscriber.close();
    }
    this.enforceBufferTotal();
    this.draining = false;
    if (this.queue.length > 0) this.scheduleDrain();
  }

  private deliverSlice(parents: CustomerParents): void {
    let budget = deliveriesPerTurn;
    while (budget > 0 && this.queue.length > 0) {
      const delivery = this.queue[0]!;
      const pairs = delivery.events.length * delivery.to.length;
      const end = Math.min(pairs, delivery.next + budget);
      for (let pair = delivery.next; pair < end; pair++) {
        const event = delivery.events[Math.floor(pair / delivery.to.length)]!;
        const subscriber = delivery.to[pair % delivery.to.length]!;
        if (this.subscribers.has(subscriber) && subscriber.accepts(event, parents)) subscriber.send(event);
      }
      budget -= end - delivery.next;
      delivery.next = end;
      if (end === pairs) this.queue.shift();
    }
  }

  /**
   * Keeps the data queued for all streams together within its bound: over it, the streams with
   * the most data waiting (the slowest readers) are disconnected first.
   */
  enforceBufferTotal(): void {
    const queued = [...this.subscribers].map((subscriber) => ({ subscriber, bytes: subscriber.queuedBytes() }));
    let total = queued.reduce((sum, q) => sum + q.bytes, 0);
    if (total <= this.limits.bufferTotal) return;
    queued.sort((a, b) => b.bytes - a.bytes);
    for (const { subscriber, bytes } of queued) {
      if (total <= this.limits.bufferTotal) break;
      subscriber.disconnect(`the streams' queued data passed STREAM_BUFFER_TOTAL (${this.limits.bufferTotal} bytes)`);
      total -= bytes;
    }
  }

  closeAll(): void {
    this.queue.length = 0;
    for (const subscriber of [...this.subscribers]) subscriber.close();
    this.subscribers.clear();
    this.perToken.clear();
  }
}

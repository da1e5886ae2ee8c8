import type { Event } from '@sbc/contract';

/** One open event stream. */
export interface Subscriber {
  accepts(event: Event): boolean;
  send(event: Event): void;
  close(): void;
}

/** Fans committed events out to the open streams of this server process. */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();

  get size(): number {
    return this.subscribers.size;
  }

  add(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  publish(events: readonly Event[]): void {
    for (const event of events) {
      for (const subscriber of this.subscribers) if (subscriber.accepts(event)) subscriber.send(event);
    }
  }

  closeAll(): void {
    for (const subscriber of [...this.subscribers]) subscriber.close();
    this.subscribers.clear();
  }
}

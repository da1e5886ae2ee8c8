import pg from 'pg';
import type { Event } from '@sbc/contract';
import type { EventSink } from '../domain/session-service.js';
import { connectionConfig, eventChannel, type EventFollower, type PostgresStore } from './postgres-store.js';

/** Events read per query: a feed far behind catches up in pages, publishing each as it comes. */
const pageSize = 500;
/** The feed reads at least this often, notification or not: a lost NOTIFY delays an event by at most this. */
const pollMs = 1000;
/** Waits between attempts to connect again, doubling from the first to the last. */
const firstRetryMs = 100;
const lastRetryMs = 5000;

/**
 * This node's view of every node's events: the one publisher to its event hub when the store is
 * PostgreSQL. It follows the events table by id (`id > cursor`, in pages, oldest first), woken by
 * a NOTIFY on its own LISTEN connection, by this node's own commits, and at least once a second;
 * it publishes each event once, in increasing id order. Event ids become visible in id order
 * (the event-write lock, PostgresTransaction.addEvent), so reading past the cursor skips nothing.
 *
 * The LISTEN connection is its own, never a pooled one (a pooler in transaction mode would drop
 * the LISTEN). When it breaks the feed says so (readiness answers 503), connects again with
 * backoff, and reads on from its cursor: nothing is lost, as nothing was published past it.
 */
export class PostgresEventFeed implements EventFollower {
  private cursor = 0;
  private listener: pg.Client | undefined;
  private down: string | undefined = 'the event feed has not started';
  private reading = false;
  private readAgain = false;
  private stopped = false;
  private retryMs = firstRetryMs;
  private reconnect: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: PostgresStore,
    private readonly sink: EventSink,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Starts after the newest event committed now: older ones are for replays (Last-Event-ID). */
  async start(): Promise<void> {
    this.cursor = await this.store.newestEventId();
    this.store.followWith(this);
    await this.listen();
    this.poll = setInterval(() => this.wake(), pollMs);
    this.poll.unref();
  }

  /** Why the feed cannot follow events right now, or undefined when it does. */
  problem(): string | undefined {
    return this.down;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(connectionConfig(this.store.url, 1));
    client.on('notification', () => this.wake());
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the LISTEN connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${eventChannel}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopped) {
      await client.end();
      return;
    }
    this.listener = client;
    this.down = undefined;
    this.retryMs = firstRetryMs;
    // What committed while nobody listened.
    this.wake();
  }

  private lost(client: pg.Client, error: unknown): void {
    // Each connection reports its loss once (an error is often followed by its end).
    client.removeAllListeners();
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    if (this.stopped || this.reconnect !== undefined || (this.listener !== undefined && this.listener !== client)) return;
    this.listener = undefined;
    this.down = `the event feed lost its LISTEN connection: ${error instanceof Error ? error.message : String(error)}`;
    this.onError(error);
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      void this.listen();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, lastRetryMs);
  }

  /** Reads what is past the cursor, now or right after the read under way. */
  wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    void this.readPastCursor().finally(() => {
      this.reading = false;
      if (this.readAgain) {
        this.readAgain = false;
        this.wake();
      }
    });
  }

  private async readPastCursor(): Promise<void> {
    try {
      for (;;) {
        const page: Event[] = await this.store.eventsAfter(this.cursor, pageSize);
        if (this.stopped || page.length === 0) return;
        this.cursor = page.at(-1)!.id;
        this.sink.publish(page);
        if (page.length < pageSize) return;
      }
    } catch (error) {
      // The next wake (at most a second away) reads again from the same cursor.
      this.onError(error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.reconnect);
    const client = this.listener;
    this.listener = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}

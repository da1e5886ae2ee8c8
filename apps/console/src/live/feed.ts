// Keeps a LiveCalls model up to date: the live calls as a list reads them, then every session
// event, applied once per animation frame. The stream is opened before the list is read, so no
// call that starts or ends meanwhile is missed; events that arrive before the list are applied
// after it, being newer.
import { SbcApiError, type SbcClient, type SbcEvent } from '@sbc/client';
import { FrameBatch, type FrameScheduler } from './frame-batch.js';
import { LiveCalls, type LiveCallsOptions } from './live-calls.js';

export type FeedState = { kind: 'loading' } | { kind: 'live' } | { kind: 'reconnecting'; error: unknown } | { kind: 'failed'; error: unknown };

export interface LiveFeedOptions extends Omit<LiveCallsOptions, 'now'> {
  schedule: FrameScheduler;
  /** The list or the stream failed for good: the API refused the request (a revoked token, say). */
  onFailure: (error: unknown) => void;
  /** How long to wait before following the stream again after it dropped past the client's own retries. */
  reconnectMs: number;
}

export class LiveFeed {
  readonly calls: LiveCalls;
  state: FeedState = { kind: 'loading' };
  private readonly listeners = new Set<() => void>();
  private readonly stop = new AbortController();
  private readonly batch: FrameBatch<SbcEvent>;
  private early: SbcEvent[] | undefined = [];
  private purgeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly client: SbcClient,
    private readonly options: LiveFeedOptions,
  ) {
    this.calls = new LiveCalls({ ...options, now: () => Date.now() });
    this.batch = new FrameBatch(options.schedule, (events) => {
      if (this.calls.applyAll(events)) this.changed();
    });
  }

  start(): void {
    void this.follow();
    void this.load();
  }

  close(): void {
    this.stop.abort();
    clearTimeout(this.purgeTimer);
    this.listeners.clear();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes the model outside the event flow (filters, sort, an end asked here) and tells the screen. */
  update(change: (calls: LiveCalls) => void): void {
    change(this.calls);
    this.changed();
  }

  private async load(): Promise<void> {
    try {
      const snapshot = [];
      for await (const call of this.client.listAllSessions({ live: true })) snapshot.push(call);
      if (this.stop.signal.aborted) return;
      this.calls.load(snapshot);
      this.calls.applyAll(this.early ?? []);
      this.early = undefined;
      this.state = { kind: 'live' };
      this.changed();
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Follows the stream for as long as the screen is open: a screen on a NOC wall must outlive a
   * server restart. After a drop it resumes from the last event seen, so nothing is missed.
   */
  private async follow(): Promise<void> {
    const types = ['started', 'answered', 'ended', 'terminationRequested'] as const;
    let lastEventId: number | undefined;
    while (!this.stop.signal.aborted) {
      try {
        for await (const event of this.client.events({ types: [...types], signal: this.stop.signal, ...(lastEventId === undefined ? {} : { lastEventId }) })) {
          lastEventId = event.id;
          if (this.early) this.early.push(event);
          else this.batch.push(event);
        }
        return;
      } catch (error) {
        if (error instanceof SbcApiError && error.status < 500 && error.status !== 429) return this.fail(error);
        if (this.stop.signal.aborted) return;
        this.state = { kind: 'reconnecting', error };
        this.changed();
        await new Promise((resolve) => setTimeout(resolve, this.options.reconnectMs));
        this.state = this.early ? { kind: 'loading' } : { kind: 'live' };
        this.changed();
      }
    }
  }

  private fail(error: unknown): void {
    if (this.stop.signal.aborted) return;
    this.state = { kind: 'failed', error };
    this.stop.abort();
    this.changed();
    this.options.onFailure(error);
  }

  private changed(): void {
    this.schedulePurge();
    for (const listener of this.listeners) listener();
  }

  private schedulePurge(): void {
    const due = this.calls.nextPurgeAt();
    if (due === undefined || this.purgeTimer !== undefined) return;
    this.purgeTimer = setTimeout(() => {
      this.purgeTimer = undefined;
      this.update((calls) => calls.purgeEnded());
    }, Math.max(0, due - Date.now()));
  }
}

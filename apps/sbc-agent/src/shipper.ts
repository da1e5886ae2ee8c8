// Delivers the outbox to `POST /sbc/ingest`: batches of at most `batchSize` reports, sent when
// the batch is full or its oldest report has waited `maxLatencyMs`. A failed delivery keeps the
// reports at the head of the outbox and is retried with exponential backoff, so an API outage
// only delays them; Kamailio never waits for any of this.
import type { IngestReport, IngestResponse } from '@sbc/client';
import type { Logger } from 'pino';
import type { Outbox, QueuedReport } from './outbox.js';

/** What the shipper needs from the API client (`@sbc/client`'s `reportBatch`). */
export interface BatchReporter {
  reportBatch(reports: IngestReport[]): Promise<IngestResponse>;
}

export interface ShipperOptions {
  batchSize: number;
  maxLatencyMs: number;
  /** First retry delay after a failed delivery; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Called for each batch the API accepted, with how long each of its reports took from its arrival (reports read back from disk at start excepted). */
  onDelivered?: (waitedSeconds: number[]) => void;
}

export interface DeliveryState {
  delivered: number;
  rejected: number;
  failedAttempts: number;
  lastError?: string;
  lastDeliveryAt?: string;
}

export class Shipper {
  readonly state: DeliveryState = { delivered: 0, rejected: 0, failedAttempts: 0 };
  private running?: Promise<void>;
  private stopping = false;
  private draining = false;
  /** Ends the current wait for a batch (a report was queued). */
  private wakeBatchWait?: () => void;
  /** Ends any current wait, retry backoff included (stopping). */
  private wakeAny?: () => void;

  constructor(
    private readonly outbox: Outbox,
    private readonly reporter: BatchReporter,
    private readonly log: Logger,
    private readonly options: ShipperOptions,
  ) {}

  start(): void {
    const unsubscribe = this.outbox.onPush(() => this.wakeBatchWait?.());
    this.running = this.loop().finally(unsubscribe);
  }

  /**
   * Delivers what is buffered without waiting for batches to fill, for at most `timeoutMs`, then
   * stops. Whatever is still undelivered stays on disk for the next start.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.draining = true;
    const deadline = setTimeout(() => this.halt(), timeoutMs);
    this.wakeAny?.();
    try {
      await this.running;
    } finally {
      clearTimeout(deadline);
    }
  }

  private halt(): void {
    this.stopping = true;
    this.wakeAny?.();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (this.draining && this.outbox.size === 0) return;
      const batch = await this.nextBatch();
      if (batch.length === 0) continue;
      if (await this.deliver(batch)) {
        failures = 0;
        continue;
      }
      failures++;
      const base = this.options.retryDelayMs ?? 250;
      await this.sleep(Math.min(base * 2 ** (failures - 1), this.options.maxRetryDelayMs ?? 10_000), false);
    }
  }

  /** Waits until a batch is due (full, old enough, or draining) and returns it. */
  private async nextBatch() {
    for (;;) {
      if (this.stopping) return [];
      const size = this.outbox.size;
      if (size > 0) {
        if (size >= this.options.batchSize || this.draining) return this.outbox.peek(this.options.batchSize);
        const oldest = this.outbox.peek(1)[0]!;
        const waited = Date.now() - oldest.queuedAt;
        if (waited >= this.options.maxLatencyMs) return this.outbox.peek(this.options.batchSize);
        await this.sleep(this.options.maxLatencyMs - waited, true);
      } else {
        if (this.draining) return [];
        await this.sleep(60_000, true);
      }
    }
  }

  /** One attempt; true when the batch left the outbox (accepted, or refused for good). */
  private async deliver(batch: QueuedReport[]): Promise<boolean> {
    const reports = batch.map((entry) => entry.report);
    try {
      const response = await this.reporter.reportBatch(reports);
      const now = Date.now();
      this.outbox.acknowledge(reports.length);
      this.options.onDelivered?.(batch.filter((entry) => entry.queuedAt > 0).map((entry) => (now - entry.queuedAt) / 1000));
      this.state.delivered += reports.length - response.rejected;
      this.state.rejected += response.rejected;
      this.state.lastDeliveryAt = new Date(now).toISOString();
      for (const result of response.results) {
        if (result.result === 'rejected') this.log.warn({ callId: result.callId, error: result.error }, 'the API rejected a report');
      }
      this.log.debug({ reports: reports.length, created: response.created, updated: response.updated }, 'batch delivered');
      return true;
    } catch (error) {
      this.state.failedAttempts++;
      this.state.lastError = error instanceof Error ? error.message : String(error);
      if (isRefusedForGood(error)) {
        // The batch itself is invalid: retrying it would block every later report forever.
        this.log.error({ err: error, reports: reports.length }, 'the API refused the batch as invalid; dropping it');
        this.outbox.acknowledge(reports.length);
        this.state.rejected += reports.length;
        return true;
      }
      this.log.warn({ err: error, reports: reports.length, buffered: this.outbox.size }, 'delivery failed; will retry');
      return false;
    }
  }

  private sleep(ms: number, wakeOnPush: boolean): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeAny = done;
      this.wakeBatchWait = wakeOnPush ? done : undefined;
    });
  }
}

/** 400, 413, 415 and 422 refuse the batch's content; auth, rate and server errors are retried. */
function isRefusedForGood(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return status === 400 || status === 413 || status === 415 || status === 422;
}

import type { Event } from '@sbc/contract';
import type { Metrics } from './metrics.js';
import type { ReportInput, ReportOutcome, Reporter, SessionStore } from './domain/session-store.js';

const maxReportsPerCommit = 2000;

interface Waiting {
  reports: ReportInput[];
  resolve(outcomes: ReportOutcome[]): void;
  reject(error: unknown): void;
}

/**
 * Group commit: the reports of every ingest request that arrives in the same turn of the event
 * loop are applied in one transaction, so that one disk flush acknowledges them all. Each
 * request still gets its own outcomes, and only after the flush (a 2xx means on disk).
 */
export class IngestQueue {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly store: SessionStore,
    private readonly now: () => Date,
    private readonly metrics: Metrics,
  ) {}

  submit(reports: ReportInput[], reporter: Reporter): Promise<ReportOutcome[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ reports: reports.map((r) => ({ ...r, reporter })), resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    // A bounded group: one transaction never holds the event loop for many batches at once.
    let count = 0;
    const size = this.waiting.findIndex((w) => (count += w.reports.length) > maxReportsPerCommit);
    const group = this.waiting.splice(0, size === -1 ? this.waiting.length : Math.max(size, 1));
    this.scheduled = this.waiting.length > 0;
    if (this.scheduled) setImmediate(() => void this.flush());
    let result: { outcomes: ReportOutcome[]; events: Event[] };
    const start = performance.now();
    try {
      result = await this.store.applyReports(group.flatMap((w) => w.reports), {}, this.now());
    } catch (error) {
      for (const w of group) w.reject(error);
      return;
    }
    this.metrics.groupCommitted(result.outcomes.length, (performance.now() - start) / 1000);
    this.metrics.reportsApplied(result.outcomes, result.events);
    let offset = 0;
    for (const w of group) {
      w.resolve(result.outcomes.slice(offset, offset + w.reports.length));
      offset += w.reports.length;
    }
  }
}

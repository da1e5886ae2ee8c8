// Received events' reports on their way into the outbox. They wait a few ms so that many share
// one write and flush to the disk; once flushed, the events' sequence numbers are handed on, so
// Kamailio is told it may drop its copies only of what is safe on disk.
import type { IngestReport } from '@sbc/client';
import type { Logger } from 'pino';
import type { Outbox } from './outbox.js';

/** A report to buffer (none when the event maps to nothing), and Kamailio's number for its event. */
export interface IntakeEntry {
  report?: IngestReport;
  seq?: number;
}

/**
 * How long received events wait to share one write and flush to the disk: a flush costs a few
 * ms, so this keeps them to 20 a second whatever the rate, for 50 ms more of copies in Kamailio.
 */
const flushEveryMs = 50;

export class Intake {
  private entries: (IntakeEntry & { receivedAt: number })[] = [];
  private timer?: NodeJS.Timeout;
  private wasFull = false;

  constructor(
    private readonly outbox: Outbox,
    /** Called after every flush with the numbers of the events now on disk (or dropped and counted). */
    private readonly flushed: (seqs: number[]) => void,
    private readonly log: Logger,
  ) {}

  take(entry: IntakeEntry): void {
    this.entries.push({ ...entry, receivedAt: Date.now() });
    this.timer ??= setTimeout(() => this.flush(), flushEveryMs);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.entries;
    this.entries = [];
    const reports = batch.flatMap((entry) => (entry.report ? [{ report: entry.report, queuedAt: entry.receivedAt }] : []));
    const full = this.outbox.append(reports) < reports.length;
    if (reports.length > 0 && full !== this.wasFull) {
      const counts = { buffered: this.outbox.size, dropped: this.outbox.droppedCount };
      if (full) this.log.error(counts, 'buffer full: reports are being dropped (logged again when there is room)');
      else this.log.info(counts, 'buffer has room again');
      this.wasFull = full;
    }
    // Dropped reports count as handled: the agent counted them, and Kamailio's copies would only
    // fill its memory.
    this.flushed(batch.flatMap((entry) => (entry.seq === undefined ? [] : [entry.seq])));
  }
}

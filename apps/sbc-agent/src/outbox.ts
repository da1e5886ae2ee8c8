// The bounded on-disk buffer of reports not yet accepted by the API.
//
// Reports are appended, one JSON line each, to a journal file before anything else happens to
// them, so a crash or restart of the agent loses none. Delivered reports are acknowledged by
// moving a cursor (a small file replaced atomically) past them; the journal is rewritten without
// the delivered lines once enough of it is delivered. A crash between two steps can only
// re-deliver a report, never lose one, and a replayed report changes nothing in the store.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IngestReport } from '@sbc/client';

interface Cursor {
  /** The journal file in use (its generation changes when it is rewritten). */
  journal: string;
  /** Lines of that journal already delivered. */
  delivered: number;
}

export interface QueuedReport {
  report: IngestReport;
  /** When it was queued (ms); 0 for reports read back from disk at start. */
  queuedAt: number;
}

const cursorFile = 'cursor.json';
/** Rewrite the journal once this many delivered lines sit at its head. */
const compactAfter = 5000;

export class Outbox {
  private readonly queue: QueuedReport[] = [];
  private head = 0;
  private cursor: Cursor;
  private dropped = 0;
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly dir: string,
    private readonly maxReports: number,
  ) {
    this.cursor = { journal: 'journal-1.jsonl', delivered: 0 };
  }

  /** Opens the buffer in `dir`, reading back what a previous run left undelivered. */
  static open(dir: string, maxReports: number): Outbox {
    mkdirSync(dir, { recursive: true });
    const outbox = new Outbox(dir, maxReports);
    outbox.load();
    return outbox;
  }

  /** Reports waiting for delivery. */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** Reports refused because the buffer was full, since start. */
  get droppedCount(): number {
    return this.dropped;
  }

  get full(): boolean {
    return this.size >= this.maxReports;
  }

  /** Queues a report durably. False (and counted) when the buffer is full. */
  push(report: IngestReport, now = Date.now()): boolean {
    if (this.full) {
      this.dropped++;
      return false;
    }
    appendFileSync(this.path(this.cursor.journal), `${JSON.stringify(report)}\n`);
    this.queue.push({ report, queuedAt: now });
    for (const listener of this.listeners) listener();
    return true;
  }

  /** The oldest `count` waiting reports, still queued. */
  peek(count: number): QueuedReport[] {
    return this.queue.slice(this.head, this.head + count);
  }

  /** The `count` oldest reports are delivered: forget them, on disk too. */
  acknowledge(count: number): void {
    const n = Math.min(count, this.size);
    if (n === 0) return;
    this.head += n;
    this.cursor = { ...this.cursor, delivered: this.cursor.delivered + n };
    if (this.size === 0 || this.head >= compactAfter) this.compact();
    else this.writeCursor();
  }

  /** Calls `listener` whenever a report is queued; returns the unsubscribe function. */
  onPush(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private load(): void {
    const cursorPath = this.path(cursorFile);
    if (existsSync(cursorPath)) this.cursor = JSON.parse(readFileSync(cursorPath, 'utf8')) as Cursor;
    const journalPath = this.path(this.cursor.journal);
    if (!existsSync(journalPath)) return;
    const lines = readFileSync(journalPath, 'utf8').split('\n');
    // The last element is '' after a complete line, or a line cut short by a crash: not a report.
    lines.pop();
    for (const line of lines.slice(this.cursor.delivered)) this.queue.push({ report: JSON.parse(line) as IngestReport, queuedAt: 0 });
    // Start the next run on a clean journal holding exactly the undelivered reports.
    this.compact();
  }

  /** Writes the undelivered reports to a new journal, then points the cursor at it. */
  private compact(): void {
    const rest = this.queue.slice(this.head);
    const generation = Number(/([0-9]+)/.exec(this.cursor.journal)?.[1] ?? '0') + 1;
    const journal = `journal-${generation}.jsonl`;
    writeFileSync(this.path(journal), rest.map((entry) => `${JSON.stringify(entry.report)}\n`).join(''));
    const previous = this.cursor.journal;
    this.cursor = { journal, delivered: 0 };
    this.writeCursor();
    rmSync(this.path(previous), { force: true });
    this.queue.splice(0, this.head);
    this.head = 0;
  }

  private writeCursor(): void {
    const tmp = this.path(`${cursorFile}.tmp`);
    writeFileSync(tmp, JSON.stringify(this.cursor));
    renameSync(tmp, this.path(cursorFile));
  }

  private path(name: string): string {
    return join(this.dir, name);
  }
}

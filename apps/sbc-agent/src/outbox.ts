// The bounded on-disk buffer of reports not yet accepted by the API.
//
// Reports are appended, one JSON line each, to a journal file and flushed to the disk (fsync)
// before anything else happens to them, so a crash, a restart or a power cut loses none; reports
// arriving together share one flush. Delivered reports are acknowledged by moving a cursor (a
// small file replaced atomically) past them; the journal is rewritten without the delivered
// lines once enough of it is delivered. A crash between two steps can only re-deliver a report,
// never lose one, and a replayed report changes nothing in the store. Files damaged anyway (a
// disk that lied about its flush, a hand edit) are read for every report still readable, and the
// damage is logged.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { IngestReport } from '@sbc/client';
import { syncDirectory, writeFileDurably } from './durable-file.js';

interface Cursor {
  /** The journal file in use (its generation changes when it is rewritten). */
  journal: string;
  /** Lines of that journal already delivered. */
  delivered: number;
}

export interface QueuedReport {
  report: IngestReport;
  /** When it reached the agent (ms): its batch and its delivery latency count from here; 0 for reports read back from disk at start. */
  queuedAt: number;
}

/** Where the outbox says what it found damaged at start. */
export type DamageReporter = (details: Record<string, unknown>, message: string) => void;

const cursorFile = 'cursor.json';
const journalName = /^journal-([0-9]+)\.jsonl$/;
/** Rewrite the journal once this many delivered lines sit at its head. */
const compactAfter = 5000;

export class Outbox {
  private readonly queue: QueuedReport[] = [];
  private head = 0;
  private cursor: Cursor = { journal: 'journal-1.jsonl', delivered: 0 };
  private journalFd?: number;
  private dropped = 0;
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly dir: string,
    private readonly maxReports: number,
  ) {}

  /** Opens the buffer in `dir`, reading back what a previous run left undelivered. */
  static open(dir: string, maxReports: number, reportDamage: DamageReporter = () => undefined): Outbox {
    mkdirSync(dir, { recursive: true });
    const outbox = new Outbox(dir, maxReports);
    outbox.load(reportDamage);
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
    return this.append([{ report, queuedAt: now }]) === 1;
  }

  /**
   * Queues reports durably, with one write and one flush to the disk for all of them, and returns
   * how many were accepted: those beyond the bound are refused and counted.
   */
  append(entries: QueuedReport[]): number {
    const room = Math.max(0, this.maxReports - this.size);
    const accepted = entries.slice(0, room);
    this.dropped += entries.length - accepted.length;
    if (accepted.length === 0) return 0;
    const fd = this.openJournal();
    writeSync(fd, accepted.map((entry) => `${JSON.stringify(entry.report)}\n`).join(''));
    fsyncSync(fd);
    for (const entry of accepted) this.queue.push(entry);
    for (const listener of this.listeners) listener();
    return accepted.length;
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
    // A cursor that loses its last move to a power cut only re-delivers reports the store
    // already has, so it skips the directory flush (it runs after every delivered batch).
    else writeFileDurably(this.path(cursorFile), JSON.stringify(this.cursor), { renameDurably: false });
  }

  /** Calls `listener` whenever reports are queued; returns the unsubscribe function. */
  onPush(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes the journal file (the buffer stays on disk for the next open). */
  close(): void {
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
  }

  private load(reportDamage: DamageReporter): void {
    this.cursor = this.readCursor(reportDamage);
    const journalPath = this.path(this.cursor.journal);
    if (existsSync(journalPath)) {
      const lines = readFileSync(journalPath, 'utf8').split('\n');
      // The last element is '' after a complete line; anything else is a line cut short.
      const tail = lines.pop();
      if (tail) reportDamage({ journal: this.cursor.journal, bytes: Buffer.byteLength(tail) }, 'the buffer journal ends in a line cut short; it is not a report');
      if (this.cursor.delivered > lines.length) {
        reportDamage({ journal: this.cursor.journal, delivered: this.cursor.delivered, lines: lines.length }, 'the buffer cursor points past the journal; reading it from its start');
        this.cursor.delivered = 0;
      }
      let damaged = 0;
      for (const line of lines.slice(this.cursor.delivered)) {
        const report = readReport(line);
        if (report) this.queue.push({ report, queuedAt: 0 });
        else damaged++;
      }
      if (damaged > 0) reportDamage({ journal: this.cursor.journal, damagedLines: damaged, kept: this.queue.length }, 'skipped unreadable lines of the buffer journal');
    }
    // Start the next run on a clean journal holding exactly the undelivered reports.
    this.compact();
  }

  /** The cursor on disk; when it is unreadable, the newest journal, read from its start. */
  private readCursor(reportDamage: DamageReporter): Cursor {
    const cursorPath = this.path(cursorFile);
    const newest = this.newestJournal();
    if (!existsSync(cursorPath)) return { journal: newest ?? 'journal-1.jsonl', delivered: 0 };
    const text = readFileSync(cursorPath, 'utf8');
    try {
      const cursor = JSON.parse(text) as Partial<Cursor>;
      if (typeof cursor.journal === 'string' && journalName.test(cursor.journal) && Number.isSafeInteger(cursor.delivered) && cursor.delivered! >= 0) {
        if (existsSync(this.path(cursor.journal)) || newest === undefined) return cursor as Cursor;
        reportDamage({ cursor: cursor.journal, journal: newest }, 'the buffer cursor names a missing journal; reading the newest one from its start');
        return { journal: newest, delivered: 0 };
      }
    } catch {
      // reported below
    }
    reportDamage({ cursor: text.slice(0, 200), journal: newest ?? null }, 'the buffer cursor is damaged; reading the newest journal from its start (reports may be delivered twice, which the store ignores)');
    return { journal: newest ?? 'journal-1.jsonl', delivered: 0 };
  }

  private newestJournal(): string | undefined {
    const generation = (name: string) => Number(journalName.exec(name)?.[1] ?? -1);
    return readdirSync(this.dir)
      .filter((name) => journalName.test(name))
      .sort((a, b) => generation(b) - generation(a))[0];
  }

  /** Writes the undelivered reports to a new journal, then points the cursor at it. */
  private compact(): void {
    const rest = this.queue.slice(this.head);
    const generation = Number(journalName.exec(this.cursor.journal)?.[1] ?? '0') + 1;
    const journal = `journal-${generation}.jsonl`;
    writeFileDurably(this.path(journal), rest.map((entry) => `${JSON.stringify(entry.report)}\n`).join(''));
    const previous = this.cursor.journal;
    this.cursor = { journal, delivered: 0 };
    writeFileDurably(this.path(cursorFile), JSON.stringify(this.cursor));
    this.close();
    rmSync(this.path(previous), { force: true });
    syncDirectory(this.dir);
    this.queue.splice(0, this.head);
    this.head = 0;
  }

  private openJournal(): number {
    this.journalFd ??= openSync(this.path(this.cursor.journal), 'a');
    return this.journalFd;
  }

  private path(name: string): string {
    return join(this.dir, name);
  }
}

/** A journal line back to its report; undefined for a damaged line. */
function readReport(line: string): IngestReport | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { callId?: unknown }).callId === 'string' ? (value as IngestReport) : undefined;
  } catch {
    return undefined;
  }
}

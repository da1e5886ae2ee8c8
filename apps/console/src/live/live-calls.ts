// The live calls the console knows of, kept up to date from the event stream, and the filtered,
// sorted view the table shows. Built for tens of thousands of calls and hundreds of events a
// second: an event moves one row in the sorted view (a binary search and one splice), and only a
// change of filter or sort orders everything again.
import type { SbcEvent, SessionSummary } from '@sbc/client';
import { comparator, matches, newestFirst, noFilter, rowOf, type LiveFilter, type LiveRow, type LiveSort, type RowContext } from './row.js';

export interface LiveCallsOptions extends RowContext {
  /** How long an ended call stays in the table, marked ended, before it leaves. */
  lingerMs: number;
  now(): number;
}

export class LiveCalls {
  private readonly rows = new Map<string, LiveRow>();
  /** Ended rows still shown, in the order they ended. */
  private readonly ended: LiveRow[] = [];
  private view: LiveRow[] = [];
  private filter: LiveFilter = noFilter;
  private sort: LiveSort = newestFirst;
  private order: (a: LiveRow, b: LiveRow) => number;
  private live = 0;
  /** Changes whenever what `rowsShown()` returns changes; a screen re-renders on a new version. */
  version = 0;

  constructor(private readonly options: LiveCallsOptions) {
    this.order = comparator(this.sort, options);
  }

  /** Calls not yet ended, whatever the filters. */
  get liveCount(): number {
    return this.live;
  }

  /** The rows that pass the filters, in the sort's order. Do not change the array. */
  rowsShown(): readonly LiveRow[] {
    return this.view;
  }

  get(callId: string): LiveRow | undefined {
    return this.rows.get(callId);
  }

  get currentFilter(): LiveFilter {
    return this.filter;
  }

  get currentSort(): LiveSort {
    return this.sort;
  }

  /** The live calls as a list read them (a snapshot), merged with what the events already said. */
  load(calls: readonly SessionSummary[]): void {
    for (const call of calls) {
      if (call.ended !== undefined) continue;
      const known = this.rows.get(call.callId);
      // An event that arrived while the list was read is newer than the list's copy.
      if (known === undefined) this.put(rowOf(call));
    }
    this.rebuild();
  }

  /** Applies a batch of events in order; returns whether anything shown (rows or the count) changed. */
  applyAll(events: readonly SbcEvent[]): boolean {
    const before = { version: this.version, live: this.live };
    for (const event of events) this.apply(event);
    return this.version !== before.version || this.live !== before.live;
  }

  apply(event: SbcEvent): void {
    if (event.type === 'terminate') return;
    const known = this.rows.get(event.callId);
    if (known?.endedAt !== undefined) return;
    if (event.type === 'ended' || event.session.ended !== undefined) {
      if (known === undefined) return;
      this.replace(known, rowOf(event.session, known.endRequested, this.options.now()));
      return;
    }
    const next = rowOf(event.session, known?.endRequested ?? false);
    if (known === undefined) this.put(next);
    else this.replace(known, next);
  }

  /**
   * This screen asked for the end: the row says so until the end arrives. `false` takes back
   * what this screen said (the request failed); an end the API reported stays shown.
   */
  markEndRequested(callId: string, requested = true): void {
    const known = this.rows.get(callId);
    if (known === undefined || known.endedAt !== undefined) return;
    const row = rowOf(known.call, requested);
    if (row.endRequested !== known.endRequested) this.replace(known, row);
  }

  /** Removes ended calls shown for longer than `lingerMs`. */
  purgeEnded(): void {
    const cutoff = this.options.now() - this.options.lingerMs;
    while (this.ended.length > 0 && this.ended[0]!.endedAt! <= cutoff) {
      const row = this.ended.shift()!;
      this.rows.delete(row.call.callId);
      this.unshow(row);
    }
  }

  /** When the next ended row is due to leave, if one is shown. */
  nextPurgeAt(): number | undefined {
    const first = this.ended[0];
    return first === undefined ? undefined : first.endedAt! + this.options.lingerMs;
  }

  setFilter(filter: LiveFilter): void {
    this.filter = filter;
    this.rebuild();
  }

  setSort(sort: LiveSort): void {
    this.sort = sort;
    this.order = comparator(sort, this.options);
    this.rebuild();
  }

  /** Orders everything again, e.g. after customer names (a sort and filter key) arrived. */
  rebuild(): void {
    const view: LiveRow[] = [];
    for (const row of this.rows.values()) if (matches(row, this.filter, this.options)) view.push(row);
    view.sort(this.order);
    this.view = view;
    this.version++;
  }

  private put(row: LiveRow): void {
    this.rows.set(row.call.callId, row);
    if (row.endedAt === undefined) this.live++;
    this.show(row);
  }

  private replace(old: LiveRow, row: LiveRow): void {
    this.unshow(old);
    this.rows.set(row.call.callId, row);
    if (old.endedAt === undefined && row.endedAt !== undefined) {
      this.live--;
      this.ended.push(row);
    }
    this.show(row);
  }

  private show(row: LiveRow): void {
    if (!matches(row, this.filter, this.options)) return;
    this.view.splice(this.indexFor(row), 0, row);
    this.version++;
  }

  private unshow(row: LiveRow): void {
    const at = this.indexFor(row);
    if (this.view[at] !== row) return;
    this.view.splice(at, 1);
    this.version++;
  }

  /** Where `row` is, or would go, in the sorted view. */
  private indexFor(row: LiveRow): number {
    let low = 0;
    let high = this.view.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.order(this.view[middle]!, row) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

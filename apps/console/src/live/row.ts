// One live call as the table shows it, and the filters and orders of the table. Rows are
// immutable: an update makes a new row, so a sorted view can still find the old one by its keys.
import type { SessionSummary } from '@sbc/client';

export interface LiveRow {
  readonly call: SessionSummary;
  /** `started`, in epoch ms (0 when unknown). */
  readonly startedMs: number;
  /** `answered`, in epoch ms; undefined while ringing. */
  readonly answeredMs: number | undefined;
  /** The customer the call belongs to: the caller's for outbound calls, the callee's for inbound ones. */
  readonly customerId: string | undefined;
  /** Asked to end (by the API's `terminationRequested`, or by this screen a moment before the event). */
  readonly endRequested: boolean;
  /** When this screen saw the call end (epoch ms); it stays shown, marked ended, for a moment. */
  readonly endedAt: number | undefined;
}

export function rowOf(call: SessionSummary, endRequestedHere = false, endedAt?: number): LiveRow {
  const answeredMs = call.answered === undefined ? undefined : Date.parse(call.answered);
  return {
    call,
    startedMs: call.started === undefined ? 0 : Date.parse(call.started),
    answeredMs,
    customerId: customerOf(call),
    endRequested: endRequestedHere || call.terminationRequested !== undefined,
    endedAt,
  };
}

function customerOf(call: SessionSummary): string | undefined {
  if (call.direction === 'I') return call.destinationCustomerId ?? call.sourceCustomerId;
  return call.sourceCustomerId ?? call.destinationCustomerId;
}

export type CallState = 'ringing' | 'answered' | 'ended';

export function stateOf(row: LiveRow): CallState {
  if (row.endedAt !== undefined) return 'ended';
  return row.answeredMs === undefined ? 'ringing' : 'answered';
}

/** Milliseconds the call has been ringing (not answered) or talking (answered), at `now`. */
export function elapsedMs(row: LiveRow, now: number): number {
  const since = row.answeredMs ?? row.startedMs;
  const until = row.endedAt ?? now;
  return since > 0 ? Math.max(0, until - since) : 0;
}

export interface LiveFilter {
  /** Digits (and a leading `+`) that the A- or B-number contains. */
  number: string;
  /** Text in the customer's id or name. */
  customer: string;
  direction: '' | 'I' | 'O';
  /** `yes`: B-number outside the home country code; `no`: inside it; empty: both. */
  international: '' | 'yes' | 'no';
}

export const noFilter: LiveFilter = { number: '', customer: '', direction: '', international: '' };

export type SortKey = 'started' | 'duration' | 'aNumber' | 'bNumber' | 'direction' | 'state' | 'customer' | 'sbcServer';

export interface LiveSort {
  key: SortKey;
  descending: boolean;
}

export const newestFirst: LiveSort = { key: 'started', descending: true };

/** What the filters and sort need besides the rows themselves. */
export interface RowContext {
  /** The country code (digits, no `+`) that `international` is judged against, as the server's HOME_COUNTRY_CODE. */
  homeCountryCode: string;
  customerName(id: string): string | undefined;
}

export function matches(row: LiveRow, filter: LiveFilter, context: RowContext): boolean {
  const { call } = row;
  if (filter.direction !== '' && call.direction !== filter.direction) return false;
  if (filter.number !== '') {
    const wanted = filter.number.trim();
    if (!(call.aNumber?.includes(wanted) ?? false) && !(call.bNumber?.includes(wanted) ?? false)) return false;
  }
  if (filter.international !== '') {
    if (call.bNumber === undefined) return false;
    const domestic = call.bNumber.startsWith(`+${context.homeCountryCode}`);
    if (domestic === (filter.international === 'yes')) return false;
  }
  if (filter.customer !== '') {
    const wanted = filter.customer.trim().toLowerCase();
    const ids = [call.sourceCustomerId, call.destinationCustomerId].filter((id): id is string => id !== undefined);
    if (!ids.some((id) => id.toLowerCase().includes(wanted) || (context.customerName(id)?.toLowerCase().includes(wanted) ?? false))) return false;
  }
  return true;
}

const stateRank: Record<CallState, number> = { ringing: 0, answered: 1, ended: 2 };

/**
 * A total order for the sort: the chosen key, then the Call-ID, so that every row has one place
 * and a binary search finds it. Every key is fixed for a given row (the duration's order is that
 * of the moment ringing or talking began), so the order holds while the clock runs.
 */
export function comparator(sort: LiveSort, context: RowContext): (a: LiveRow, b: LiveRow) => number {
  const key = sortValue(sort.key, context);
  const sign = sort.descending ? -1 : 1;
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    const byKey = ka < kb ? -1 : ka > kb ? 1 : 0;
    if (byKey !== 0) return sign * byKey;
    return a.call.callId < b.call.callId ? -1 : a.call.callId > b.call.callId ? 1 : 0;
  };
}

function sortValue(key: SortKey, context: RowContext): (row: LiveRow) => string | number {
  switch (key) {
    case 'started':
      return (row) => row.startedMs;
    // Longest first when descending: the earlier ringing or talking began, the longer it lasts.
    case 'duration':
      return (row) => -(row.answeredMs ?? row.startedMs);
    case 'aNumber':
      return (row) => row.call.aNumber ?? '';
    case 'bNumber':
      return (row) => row.call.bNumber ?? '';
    case 'direction':
      return (row) => row.call.direction ?? '';
    case 'state':
      return (row) => stateRank[stateOf(row)];
    case 'customer':
      return (row) => (row.customerId === undefined ? '' : (context.customerName(row.customerId) ?? row.customerId));
    case 'sbcServer':
      return (row) => String(row.call.sbcServer ?? '');
  }
}

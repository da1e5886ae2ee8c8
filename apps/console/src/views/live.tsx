import { useEffect, useRef, useState } from 'preact/hooks';
import { directionLabel, duration, localClock } from '../format.js';
import type { LiveFeed } from '../live/feed.js';
import { elapsedMs, stateOf, type LiveFilter, type LiveRow, type SortKey } from '../live/row.js';
import { describeProblem } from '../api.js';
import { callHref } from '../route.js';
import type { Workspace } from '../workspace.js';

const rowHeight = 36;
/** Rows drawn above and below the visible ones, so that a fast scroll shows no gap. */
const overscan = 8;

const columns: Array<{ key: SortKey; label: string; className: string }> = [
  { key: 'state', label: 'State', className: 'c-state' },
  { key: 'duration', label: 'Duration', className: 'c-duration' },
  { key: 'direction', label: 'Dir.', className: 'c-direction' },
  { key: 'aNumber', label: 'A-number', className: 'c-a' },
  { key: 'bNumber', label: 'B-number', className: 'c-b' },
  { key: 'customer', label: 'Customer', className: 'c-customer' },
  { key: 'sbcServer', label: 'SBC', className: 'c-sbc' },
  { key: 'started', label: 'Started', className: 'c-started' },
];

/** Re-renders the subscriber whenever the feed changes (at most once a frame). */
function useFeed(feed: LiveFeed): void {
  const [, setVersion] = useState(0);
  useEffect(() => feed.subscribe(() => setVersion((v) => v + 1)), [feed]);
}

/** The current time, moving on every second: what makes durations tick. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function LiveView({ workspace }: { workspace: Workspace }) {
  const { feed } = workspace;
  useFeed(feed);
  const calls = feed.calls;
  const filter = calls.currentFilter;
  const sort = calls.currentSort;
  const setFilter = (change: Partial<LiveFilter>) => feed.update((model) => model.setFilter({ ...filter, ...change }));
  const sortBy = (key: SortKey) =>
    feed.update((model) => model.setSort({ key, descending: sort.key === key ? !sort.descending : key === 'started' || key === 'duration' }));
  const shown = calls.rowsShown();

  return (
    <section class="live" aria-labelledby="live-title">
      <div class="toolbar">
        <h2 id="live-title">
          Live calls <output class="count" data-testid="live-count">{calls.liveCount.toLocaleString()}</output>
        </h2>
        {shown.length !== calls.liveCount && <span class="shown">{shown.length.toLocaleString()} shown</span>}
        {feed.state.kind === 'loading' && <span class="status">loading…</span>}
        {feed.state.kind === 'reconnecting' && (
          <span class="status problem-inline" role="status">
            Reconnecting to the event stream… ({describeProblem(feed.state.error).title})
          </span>
        )}
        {feed.state.kind === 'failed' && (
          <span class="status problem-inline" role="alert">
            {describeProblem(feed.state.error).title} {describeProblem(feed.state.error).detail}
          </span>
        )}
      </div>
      <form class="filters" onSubmit={(event) => event.preventDefault()} aria-label="Filter live calls">
        <label>
          Number
          <input type="search" inputMode="tel" value={filter.number} placeholder="+4570" onInput={(e) => setFilter({ number: e.currentTarget.value })} />
        </label>
        <label>
          Customer
          <input type="search" value={filter.customer} placeholder="name or id" onInput={(e) => setFilter({ customer: e.currentTarget.value })} />
        </label>
        <Choice label="Direction" value={filter.direction} options={directions} onChange={(direction) => setFilter({ direction })} />
        <Choice label="Destination" value={filter.international} options={destinations} onChange={(international) => setFilter({ international })} />
      </form>
      <LiveTable workspace={workspace} rows={shown} sortKey={sort.key} descending={sort.descending} onSort={sortBy} />
    </section>
  );
}

const directions: Array<[LiveFilter['direction'], string]> = [['', 'both'], ['I', 'inbound'], ['O', 'outbound']];
const destinations: Array<[LiveFilter['international'], string]> = [['', 'any'], ['yes', 'international'], ['no', 'domestic']];

function Choice<T extends string>({ label, value, options, onChange }: { label: string; value: T; options: Array<[T, string]>; onChange: (value: T) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.currentTarget.value as T)}>
        {options.map(([option, text]) => (
          <option key={option} value={option}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

interface LiveTableProps {
  workspace: Workspace;
  rows: readonly LiveRow[];
  sortKey: SortKey;
  descending: boolean;
  onSort: (key: SortKey) => void;
}

/** Only the rows in sight (and a few around) are in the page, however many calls are live. */
function LiveTable({ workspace, rows, sortKey, descending, onSort }: LiveTableProps) {
  const body = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const now = useNow();
  useEffect(() => {
    const element = body.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const visible = rows.slice(first, last);

  return (
    <div class="table" role="table" aria-label="Live calls" aria-rowcount={rows.length + 1}>
      <div class="row head" role="row" aria-rowindex={1}>
        {columns.map((column) => (
          <div
            key={column.key}
            class={`cell ${column.className}`}
            role="columnheader"
            aria-sort={sortKey === column.key ? (descending ? 'descending' : 'ascending') : 'none'}
          >
            <button type="button" class="sort" onClick={() => onSort(column.key)}>
              {column.label}
              <span aria-hidden="true">{sortKey === column.key ? (descending ? ' ▼' : ' ▲') : ''}</span>
            </button>
          </div>
        ))}
        <div class="cell c-actions" role="columnheader">
          <span class="visually-hidden">Actions</span>
        </div>
      </div>
      {/* Focusable, so that the arrow and page keys scroll through every row, not only those drawn. */}
      <div class="body" ref={body} tabIndex={0} onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)} data-testid="live-rows">
        <div style={{ height: `${rows.length * rowHeight}px`, position: 'relative' }}>
          {visible.map((row, i) => (
            <LiveCallRow key={row.call.callId} row={row} index={first + i} now={now} workspace={workspace} />
          ))}
        </div>
        {rows.length === 0 && <p class="empty">No live calls match.</p>}
      </div>
    </div>
  );
}

function LiveCallRow({ row, index, now, workspace }: { row: LiveRow; index: number; now: number; workspace: Workspace }) {
  const { call } = row;
  const state = stateOf(row);
  const customer = row.customerId === undefined ? '' : (workspace.customerName(row.customerId) ?? row.customerId);
  return (
    <div
      class={`row ${state}`}
      role="row"
      aria-rowindex={index + 2}
      style={{ transform: `translateY(${index * rowHeight}px)` }}
      data-call-id={call.callId}
      data-state={state}
    >
      <div class="cell c-state" role="cell">
        <span class={`badge ${state}`}>{state}</span>
        {row.endRequested && state !== 'ended' && <span class="badge end-requested">end requested</span>}
      </div>
      <div class="cell c-duration mono" role="cell">
        {duration(elapsedMs(row, now))}
      </div>
      <div class="cell c-direction" role="cell" title={directionLabel(call.direction)}>
        {directionLabel(call.direction)}
      </div>
      <div class="cell c-a mono" role="cell">
        {call.aNumber ?? ''}
      </div>
      <div class="cell c-b mono" role="cell">
        {call.bNumber ?? ''}
      </div>
      <div class="cell c-customer" role="cell" title={customer}>
        {customer}
      </div>
      <div class="cell c-sbc mono" role="cell">
        {String(call.sbcServer ?? '')}
      </div>
      <div class="cell c-started" role="cell">
        {call.started ? localClock(call.started) : ''}
      </div>
      <div class="cell c-actions" role="cell">
        <a href={callHref(call.callId)} aria-label={`Open call ${call.callId}`}>
          Open
        </a>
        {workspace.canEnd && state !== 'ended' && (
          <button type="button" class="danger small" disabled={row.endRequested} onClick={() => workspace.requestEnd(call)}>
            End
          </button>
        )}
      </div>
    </div>
  );
}

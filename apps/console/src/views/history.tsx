import type { ListSessionsQuery, SessionSummary } from '@sbc/client';
import { useState } from 'preact/hooks';
import { describeProblem, type Problem } from '../api.js';
import { directionLabel, duration, localTime } from '../format.js';
import { offsetsWithin } from '../history-range.js';
import { callHref } from '../route.js';
import { ProblemBox } from './problem-box.js';
import type { Workspace } from '../workspace.js';

const pageSize = 50;

interface Search {
  filters: Pick<ListSessionsQuery, 'number' | 'customer'>;
  /** The run of offsets that the time range covers. */
  start: number;
  end: number;
}

interface Page {
  search: Search;
  offset: number;
  sessions: SessionSummary[];
}

const timeOf = (value: string): number | undefined => (value === '' ? undefined : new Date(value).getTime());

export function HistoryView({ workspace }: { workspace: Workspace }) {
  const { client } = workspace;
  const [number, setNumber] = useState('');
  const [customer, setCustomer] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [page, setPage] = useState<Page>();
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);

  async function show(search: Search, offset: number) {
    const limit = Math.min(pageSize, search.end - offset);
    const sessions = limit > 0 ? (await client.listSessions({ ...search.filters, live: false, offset, limit })).sessions : [];
    setPage({ search, offset, sessions });
  }

  async function run(task: () => Promise<void>) {
    setBusy(true);
    setProblem(undefined);
    try {
      await task();
    } catch (error) {
      setProblem(describeProblem(error));
    } finally {
      setBusy(false);
    }
  }

  const search = () =>
    run(async () => {
      const filters = { ...(number.trim() ? { number: number.trim() } : {}), ...(customer.trim() ? { customer: customer.trim().toUpperCase() } : {}) };
      const { total } = await client.listSessions({ ...filters, live: false, limit: 1 });
      const startedAt = async (offset: number) => {
        const [session] = (await client.listSessions({ ...filters, live: false, offset, limit: 1 })).sessions;
        return session?.started === undefined ? -Infinity : Date.parse(session.started);
      };
      const range = await offsetsWithin(startedAt, total, timeOf(from), timeOf(to));
      await show({ filters, ...range }, range.start);
    });

  const total = page ? page.search.end - page.search.start : 0;
  const position = page ? page.offset - page.search.start : 0;
  return (
    <section class="history" aria-labelledby="history-title">
      <h2 id="history-title">Ended calls</h2>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          void search();
        }}
      >
        <label>
          Number
          <input type="search" inputMode="tel" value={number} placeholder="+4570" pattern="[+ ]?[0-9]{1,15}" onInput={(e) => setNumber(e.currentTarget.value)} />
        </label>
        <label>
          Customer id
          <input type="search" value={customer} placeholder="24 hex digits" pattern="[0-9A-Fa-f]{24}" onInput={(e) => setCustomer(e.currentTarget.value)} />
        </label>
        <label>
          Started from
          <input type="datetime-local" step="1" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          to
          <input type="datetime-local" step="1" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Search
        </button>
      </form>
      <p class="hint">
        Times are this browser's local time. The API lists calls newest first and has no time filter, so the console finds where the range begins and ends in
        that order (a few requests of one call each) and pages within it.
      </p>
      {problem && <ProblemBox problem={problem} />}
      {page && (
        <>
          <p class="status" data-testid="history-total">
            {total === 0 ? 'No ended calls match.' : `${(position + 1).toLocaleString()}–${(position + page.sessions.length).toLocaleString()} of ${total.toLocaleString()}`}
          </p>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">A-number</th>
                <th scope="col">B-number</th>
                <th scope="col" class="c-direction">Dir.</th>
                <th scope="col">Ring / talk</th>
                <th scope="col" class="c-customer">Customer</th>
                <th scope="col">Ended</th>
              </tr>
            </thead>
            <tbody>
              {page.sessions.map((session) => (
                <HistoryRow key={session.callId} session={session} workspace={workspace} />
              ))}
            </tbody>
          </table>
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={busy || page.offset <= page.search.start} onClick={() => void run(() => show(page.search, Math.max(page.search.start, page.offset - pageSize)))}>
              Newer
            </button>
            <button type="button" disabled={busy || page.offset + pageSize >= page.search.end} onClick={() => void run(() => show(page.search, page.offset + pageSize))}>
              Older
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

function HistoryRow({ session, workspace }: { session: SessionSummary; workspace: Workspace }) {
  const started = session.started ? Date.parse(session.started) : undefined;
  const answered = session.answered ? Date.parse(session.answered) : undefined;
  const ended = session.ended ? Date.parse(session.ended) : undefined;
  const customerId = session.direction === 'I' ? session.destinationCustomerId : session.sourceCustomerId;
  const ring = started !== undefined ? duration((answered ?? ended ?? started) - started) : '';
  const talk = answered !== undefined && ended !== undefined ? duration(ended - answered) : '–';
  return (
    <tr>
      <td>
        <a href={callHref(session.callId)}>{session.started ? localTime(session.started) : '(no start)'}</a>
      </td>
      <td class="mono">{session.aNumber ?? ''}</td>
      <td class="mono">{session.bNumber ?? ''}</td>
      <td class="c-direction">{directionLabel(session.direction)}</td>
      <td class="mono">
        {ring} / {talk}
      </td>
      <td class="c-customer">{customerId ? (workspace.customerName(customerId) ?? customerId) : ''}</td>
      <td>
        {session.endedReason !== undefined ? String(session.endedReason) : ''}
        {session.endedBy ? ` (${session.endedBy})` : ''}
      </td>
    </tr>
  );
}

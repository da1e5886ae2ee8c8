import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Customer, Event, Session } from '@sbc/contract';
import type { EventBody, ListScope, NewTokenRow, SessionRow, StartedInMinute, StoreBackend, TrafficCounts, TrafficWindow, WriteTransaction } from './backend.js';
import { BackgroundConnection } from './background-connection.js';
import { migrate } from './migrations.js';
import { columnsOf, liveCountsOf, sessionColumns, toCustomer, toToken, type CustomerRow, type LiveGroupRow, type SessionColumns, type TokenRow } from './rows.js';
import type { CustomerParents, SessionFilter, TokenRecord, UnansweredEndRequests } from '../domain/session-store.js';

/** A stored session as a write needs it: where it is, what it holds, and its columns as stored. */
interface StoredSession extends SessionColumns {
  id: number;
  data: string;
}

const storedSessionSql = `SELECT id, data, ${sessionColumns.join(', ')} FROM sessions`;
const storedSessionByCallIdSql = `${storedSessionSql} WHERE call_id = ?`;

// A write's statements are built once: their text was built anew for every report, and each
// statement's cache key hashed with it. Bound by position, as naming them costs a property read
// per parameter.
const insertSessionSql = `INSERT INTO sessions (call_id, data, created_at, ${sessionColumns.join(', ')})
  VALUES (${['call_id', 'data', 'created_at', ...sessionColumns].map(() => '?').join(', ')})`;

/** The UPDATE of a session's data and the columns a report changed, by which of sessionColumns changed (a bit each). */
const updateSessionSql = new Map<number, string>();
function updateSessionSqlOf(changed: number): string {
  let text = updateSessionSql.get(changed);
  if (text === undefined) {
    const set = ['data', ...sessionColumns.filter((_, i) => changed & (1 << i))].map((c) => `${c} = ?`);
    text = `UPDATE sessions SET ${set.join(', ')} WHERE id = ?`;
    updateSessionSql.set(changed, text);
  }
  return text;
}

/** The customers of a list's scope, given as a JSON array in @scope. */
const scopeIdsSql = '(SELECT value FROM json_each(@scope))';
// The unary + keeps the planner from starting at the scope: a list that names its index (live
// calls, list order) walks it; one that starts at the scope goes through scopedIds.
const inScope = `(+source_customer_id IN ${scopeIdsSql} OR +destination_customer_id IN ${scopeIdsSql})`;

/**
 * The sessions with a customer in @scope that meet `where`, read from the two customer indexes
 * alone (they hold every column a list filters on): the calls of the scope's source customers,
 * then those reached only through their destination customer. Each row gives `columns`.
 */
function scopedIds(where: string[], columns = 'id'): string {
  const also = where.map((condition) => ` AND ${condition}`).join('');
  return `SELECT ${columns} FROM sessions INDEXED BY sessions_source_customer WHERE source_customer_id IN ${scopeIdsSql}${also}
    UNION ALL SELECT ${columns} FROM sessions INDEXED BY sessions_destination_customer WHERE destination_customer_id IN ${scopeIdsSql}
      AND (source_customer_id IS NULL OR source_customer_id NOT IN ${scopeIdsSql})${also}`;
}

/**
 * The window's minutes, each with its start and the next one's (the last: after every time,
 * so that calls ahead of the clock count in it). An administrator's window is counted a minute
 * at a time, each a range of sessions_order (starts) or sessions_ended (ends): grouping a day's
 * million entries by a `substr` of the key would sort them all (3.5 times as long, measured on
 * the bench's data set).
 */
const windowMinutesSql = `WITH RECURSIVE minutes(i, start, next) AS (
    SELECT 0, @from, CASE WHEN @minutes = 1 THEN '~' ELSE strftime('%Y-%m-%dT%H:%M:00.000Z', @from, '+1 minute') END
    UNION ALL SELECT i + 1, next, CASE WHEN i + 2 = @minutes THEN '~' ELSE strftime('%Y-%m-%dT%H:%M:00.000Z', next, '+1 minute') END
      FROM minutes WHERE i + 1 < @minutes
  )`;

/** A minute of trafficStarted: its counts as a JSON array (one scalar subquery gives them all). */
interface MinuteRanges {
  minute: string;
  counts: string;
}

function startedInMinute({ minute, counts }: MinuteRanges): StartedInMinute {
  const [started, answered, failed, completed, talkMs] = JSON.parse(counts) as number[];
  return { minute, started: started!, answered: answered!, failed: failed!, completed: completed!, talkMs: talkMs! };
}

/**
 * The calls that started in the window (`calls`: each one's started_key, ended, talk_ms), by
 * minute. Answered: the ended calls with a talk time and the live calls answered (`liveAnswered`:
 * each one's started_key), as no index over every call holds the answer (see migration 12).
 */
function startedByMinuteSql(calls: string, liveAnswered: string): string {
  return `WITH live_answered AS MATERIALIZED (SELECT substr(started_key, 1, 16) AS minute, COUNT(*) AS n FROM (${liveAnswered}) GROUP BY minute)
    SELECT minute, COUNT(*) AS started, COUNT(talk_ms) + coalesce((SELECT n FROM live_answered WHERE live_answered.minute = calls.minute), 0) AS answered,
      COUNT(ended) - COUNT(talk_ms) AS failed, COUNT(talk_ms) AS completed, TOTAL(talk_ms) AS talkMs
    FROM (SELECT substr(started_key, 1, 16) AS minute, ended, talk_ms FROM (${calls})) AS calls GROUP BY minute ORDER BY minute`;
}

/** The live calls answered that started in a range of `started_key` (`range`), read from their rows: a few thousand at most. */
const liveAnsweredSql = (range: string) => `SELECT started_key FROM sessions INDEXED BY sessions_live WHERE live = 1 AND ${range} AND answered IS NOT NULL`;

/** One pass over the live calls of the scope, grouped four ways; customers outside the scope are never counted. */
function liveCountsSql(scoped: boolean): string {
  return `WITH live AS MATERIALIZED (
      SELECT sbc_server, direction, source_customer_id AS source, destination_customer_id AS destination, answered IS NOT NULL AS answered,
        json_extract(data, '$.sourcePeer') AS source_peer, json_extract(data, '$.destinationPeer') AS destination_peer
      FROM sessions INDEXED BY sessions_live WHERE live = 1 ${scoped ? `AND ${inScope}` : ''}
    ),
    customer_calls AS (
      SELECT source AS id FROM live WHERE source IS NOT NULL
      UNION ALL SELECT destination FROM live WHERE destination IS NOT NULL AND destination IS NOT source
    ),
    peer_calls AS (
      SELECT source_peer AS peer FROM live WHERE source_peer IS NOT NULL
      UNION ALL SELECT destination_peer FROM live WHERE destination_peer IS NOT NULL AND destination_peer IS NOT source_peer
    )
    SELECT 'sbc' AS kind, sbc_server AS key, COUNT(*) AS calls, SUM(answered) AS answered, NULL AS name FROM live GROUP BY sbc_server
    UNION ALL SELECT 'direction', direction, COUNT(*), NULL, NULL FROM live GROUP BY direction
    UNION ALL SELECT * FROM (
      SELECT 'customer', id, COUNT(*), NULL, (SELECT name FROM customers WHERE customers.id = customer_calls.id)
      FROM customer_calls ${scoped ? `WHERE id IN ${scopeIdsSql}` : ''} GROUP BY id ORDER BY 3 DESC, 2 LIMIT @top)
    UNION ALL SELECT * FROM (SELECT 'peer', peer, COUNT(*), NULL, NULL FROM peer_calls GROUP BY peer ORDER BY 3 DESC, 2 LIMIT @top)`;
}

/**
 * Deleting what outlived retention, in the order of the indexes that find it (ended sessions
 * by end; events by creation: ordered by id, the planner walks the whole table, and finds
 * nothing to delete only at its end).
 */
const backgroundSql = {
  deleteExpiredSessions: 'DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE ended IS NOT NULL AND ended < ? LIMIT ?)',
  deleteExpiredEvents: 'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < ? ORDER BY created_at, id LIMIT ?)',
  trafficLive: liveCountsSql(false),
  trafficLiveScoped: liveCountsSql(true),
  trafficStarted: `${windowMinutesSql} SELECT substr(start, 1, 16) AS minute, (
      SELECT json_array(COUNT(*), COUNT(talk_ms) + (SELECT COUNT(*) FROM (${liveAnsweredSql('started_key >= start AND started_key < next')})),
        COUNT(ended) - COUNT(talk_ms), COUNT(talk_ms), TOTAL(talk_ms))
      FROM sessions INDEXED BY sessions_order WHERE started_key >= start AND started_key < next) AS counts
    FROM minutes`,
  trafficStartedScoped: startedByMinuteSql(
    scopedIds(['started_key >= @from'], 'started_key, ended, talk_ms'),
    `${liveAnsweredSql('started_key >= @from')} AND ${inScope}`,
  ),
  trafficEnded: `${windowMinutesSql} SELECT substr(start, 1, 16) AS minute,
      (SELECT COUNT(*) FROM sessions INDEXED BY sessions_ended WHERE ended >= start AND ended < next) AS ended
    FROM minutes`,
  trafficEndedScoped: `SELECT substr(ended, 1, 16) AS minute, COUNT(*) AS ended FROM sessions INDEXED BY sessions_ended
    WHERE ended >= @from AND ${inScope} GROUP BY minute ORDER BY minute`,
};

/**
 * Where this connection checkpoints by itself: every 10,000 WAL pages (40 MiB) rather than 1,000,
 * as an ingest rewrites the same index pages over and over and a checkpoint copies each once
 * however often it changed. A file's checkpoints run on the background connection instead (see
 * checkpointInBackground), and this one's only bound the WAL: a checkpoint there cannot reset
 * the WAL while this connection keeps appending to it, one here can.
 */
const autocheckpointPages = 10_000;
const backgroundCheckpointIntervalMs = 1000;
const walBoundPages = 100_000;

/**
 * Rows a number search's page reads beyond twice the sessions it wants (each can match twice):
 * room for sessions that start at the same instant as the page's last.
 */
const tieAllowance = 16;

/** What SQL's `matching(id)` tests outside a number search's page: nothing. */
const emptyMatches: ReadonlySet<number> = new Set();

/** SQLite result codes that say the storage refuses writes, rather than that one write was wrong. */
const storageFailure = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|NOMEM)/;

type Sql = (text: string) => Database.Statement;

/** The embedded store: one SQLite file in WAL mode; this module holds all of its SQL. */
export class SqliteStore implements StoreBackend {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private parents: { version: number; map: Map<string, string | undefined> } | undefined;
  /** Set while writes fail for want of storage (disk full, read-only or failing file): readiness reports it. */
  private writeFailure: { since: Date; reason: string } | undefined;
  /**
   * The writes running and queued: they take turns (see exclusive). A read that arrives while a
   * transaction is open waits for it, so that no answer shows what is not committed.
   */
  private writes: Promise<unknown> = Promise.resolve();
  private readonly backgroundPath: string | undefined;
  /** See backgroundConnection. */
  private background: BackgroundConnection | undefined;
  /** The names of the jobs this process is running alone (see alone). */
  private readonly running = new Set<string>();
  /** Whether the background connection checkpoints, one at a time, and when the last one ended (see checkpointInBackground). */
  private checkpointsInBackground: boolean;
  private checkpointing = false;
  private checkpointed = Date.now();
  /** A file's WAL, flushed after commits (see flushWal); the flush running and the one queued after it. */
  private readonly walPath: string | undefined;
  private wal: FileHandle | undefined;
  private walFlush: Promise<void> | undefined;
  private nextWalFlush: Promise<void> | undefined;
  /** The ids SQL's `matching(id)` is true for, set only while a number search pages (withMatches). */
  private matches: ReadonlySet<number> = emptyMatches;

  constructor(path: string) {
    if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // First, so that even switching to WAL waits for another process rather than failing.
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('journal_mode = WAL');
    // A commit that acknowledges an ingest is on disk before the answer leaves: FULL flushes the
    // WAL inside each COMMIT; a file's commits are flushed by flushWal instead (NORMAL, set below).
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    // 16 MiB of page cache (the default is 2 MiB): list filters and number search touch many pages.
    // Not more: a page missing from it is a read from the OS page cache, and 32 MiB made search,
    // ingest and lookups on the 1M data set no faster while the process held about 11 MB more
    // (docs/benchmarks.md, "Seventh pass").
    this.db.pragma('cache_size = -16384');
    this.db.pragma(`wal_autocheckpoint = ${autocheckpointPages}`);
    // Statement journals in memory: an insert into sessions fires the numbers trigger, so SQLite
    // keeps each page the statement changes in a statement journal, by default a temporary file
    // (34 writes to it per new session, measured with strace on the 1M data set).
    this.db.pragma('temp_store = MEMORY');
    migrate(this.db);
    this.db.function('matching', { deterministic: false, directOnly: true }, (id) => (this.matches.has(id as number) ? 1 : 0));
    // A file has a second connection for the deletions of retention and the checkpoints; :memory: is this connection's alone.
    this.backgroundPath = path === ':memory:' || path.startsWith('file:') ? undefined : path;
    this.checkpointsInBackground = this.backgroundPath !== undefined;
    if (this.backgroundPath !== undefined) {
      this.db.pragma(`wal_autocheckpoint = ${walBoundPages}`);
      this.db.pragma('synchronous = NORMAL');
      this.walPath = `${this.backgroundPath}-wal`;
    }
  }

  /** Prepared once per SQL text; list queries vary only by which filters are present. */
  private readonly sql: Sql = (text) => {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  };

  sessionRow(callId: string): SessionRow | undefined | Promise<SessionRow | undefined> {
    if (this.db.inTransaction) return this.writes.then(() => this.committedSessionRow(callId));
    return this.committedSessionRow(callId);
  }

  sessionJson(callId: string): string | undefined | Promise<string | undefined> {
    if (this.db.inTransaction) return this.writes.then(() => this.committedSessionJson(callId));
    return this.committedSessionJson(callId);
  }

  private committedSessionJson(callId: string): string | undefined {
    return this.sql('SELECT data FROM sessions WHERE call_id = ?').pluck().get(callId) as string | undefined;
  }

  private committedSessionRow(callId: string): SessionRow | undefined {
    const row = this.sql('SELECT data, source_customer_id, destination_customer_id FROM sessions WHERE call_id = ?').raw().get(callId) as
      | [string, string | null, string | null]
      | undefined;
    return row && { json: row[0], sourceCustomerId: row[1], destinationCustomerId: row[2] };
  }

  /**
   * Each customer's parent reseller, kept in memory: every scoped request walks it. Read again
   * after this store changes customers, or after another process (`pnpm admin`) wrote to the
   * file, which `PRAGMA data_version` tells.
   */
  private customerParents(): Map<string, string | undefined> {
    const version = this.sql('PRAGMA data_version').pluck().get() as number;
    if (this.parents?.version !== version) this.parents = { version, map: readParents(this.sql) };
    return this.parents.map;
  }

  async listSessions(filter: SessionFilter, scope: ListScope): Promise<{ total: number; sessions: Session[] }> {
    if (this.db.inTransaction) await this.writes;
    const { where, params, number } = listConditions(filter, scope);
    // The scope's customers (a handful), so that the customer indexes can be searched for them.
    if (!scope.all) params['scope'] = JSON.stringify(scope.customers);
    const visible = scope.all ? where : [inScope, ...where];
    const clause = visible.length ? `WHERE ${visible.join(' AND ')}` : '';
    const order = 'ORDER BY started_key DESC, call_id ASC';
    const page: Record<string, unknown> = { ...params, offset: filter.offset, limit: filter.limit };
    const wanted = filter.offset + filter.limit;
    const count = (sql: string) => (this.sql(`SELECT COUNT(*) AS n FROM (${sql})`).get(params) as { n: number }).n;
    let total: number;
    let rows: string;
    if (!scope.all && filter.number !== undefined) {
      // A reseller's number search reads its own customers' index entries and nothing else, so
      // that what it costs says nothing about other tenants' numbers: counted, sorted and paged
      // on the index, and only the page's sessions read.
      const keys = scopedIds(where, 'id, started_key, call_id');
      total = count(keys);
      rows = `SELECT data FROM sessions WHERE id IN (SELECT id FROM (${keys}) ${order} LIMIT @limit OFFSET @offset) ${order}`;
    } else if (filter.live === true && number === undefined) {
      // Live calls are few next to ended ones: start from them whatever else is asked (the
      // planner cannot know that, and a direction index would make it scan half the table).
      total = count(`SELECT 1 FROM sessions INDEXED BY sessions_live ${clause}`);
      rows = `SELECT data FROM sessions INDEXED BY sessions_live ${clause} ${order} LIMIT @limit OFFSET @offset`;
    } else if (number !== undefined && scope.all && where.length === 1) {
      // A number search alone: the matching ids found once (through the matching numbers: the
      // costly part; a session whose A- and B-number both match comes twice), counted, and handed
      // to the page; for many matches the page walks the sessions in list order instead.
      const matches = new Set(this.sql(number.ids).pluck().all(params) as number[]);
      total = matches.size;
      if (total === 0) return { total, sessions: [] };
      if (this.walkInListOrder(total, wanted)) {
        // Tested against the matches as the walk meets each id: handing SQLite the ids as JSON
        // cost more (parsed and indexed whole) than the walk itself.
        return { total, sessions: this.withMatches(matches, () => this.sessionsOf(`SELECT data FROM sessions INDEXED BY sessions_order WHERE matching(id) ${order} LIMIT @limit OFFSET @offset`, page)) };
      }
      if (total <= wanted) {
        // Every match is on the page or before it: their rows are read and sorted.
        page['ids'] = JSON.stringify([...matches]);
        rows = `SELECT data FROM sessions WHERE id IN (SELECT value FROM json_each(@ids)) ${order} LIMIT @limit OFFSET @offset`;
      } else {
        // The newest matches, found on the number index entries, which hold started_key: only
        // their rows are read and sorted (a page of the table each), not every match's.
        page['ids'] = JSON.stringify(this.newestMatches(number, params, wanted));
        rows = `SELECT data FROM sessions WHERE id IN (SELECT value FROM json_each(@ids)) ${order} LIMIT @limit OFFSET @offset`;
      }
    } else if (!scope.all) {
      // A reseller's calls: counted on the customer indexes, which hold every filtered column.
      const ids = scopedIds(where);
      total = count(ids);
      rows = this.walkInListOrder(total, wanted)
        ? `SELECT data FROM sessions INDEXED BY sessions_order ${clause} ${order} LIMIT @limit OFFSET @offset`
        : `SELECT data FROM sessions WHERE id IN (${ids}) ${order} LIMIT @limit OFFSET @offset`;
    } else {
      total = count(`SELECT 1 FROM sessions ${clause}`);
      rows = `SELECT data FROM sessions ${clause} ${order} LIMIT @limit OFFSET @offset`;
    }
    if (total === 0) return { total, sessions: [] };
    return { total, sessions: this.sessionsOf(rows, page) };
  }

  private sessionsOf(rows: string, page: Record<string, unknown>): Session[] {
    const found = this.sql(rows).pluck().all(page) as string[];
    return found.map((data) => JSON.parse(data) as Session);
  }

  /** Runs `read` with SQL's `matching(id)` true for the ids in `matches` (better-sqlite3 is synchronous: nothing else sees them). */
  private withMatches<T>(matches: ReadonlySet<number>, read: () => T): T {
    this.matches = matches;
    try {
      return read();
    } finally {
      this.matches = emptyMatches;
    }
  }

  /**
   * The `wanted` newest distinct sessions of a number search's matches, and the matches that
   * start at the same instant as the last of them: the list orders sessions that start together
   * by Call-ID, so any of them may belong on the page. Read newest first from the number index
   * entries, in a bounded sort; read again with more rows in the rare case the first read ends
   * inside a run of ties or of sessions matched twice.
   */
  private newestMatches(number: NumberSearch, params: Record<string, unknown>, wanted: number): number[] {
    for (let rows = 2 * wanted + tieAllowance; ; rows *= 4) {
      const found = this.sql(number.newestFirst).raw().all({ ...params, rows }) as Array<[number, string]>;
      const newest = new Set<number>();
      let last: string | undefined;
      for (const [id, startedKey] of found) {
        if (newest.size >= wanted && startedKey !== last) return [...newest];
        newest.add(id);
        last = startedKey;
      }
      if (found.length < rows) return [...newest];
    }
  }

  /**
   * Walking the list-order index finds `wanted` of `matches` rows after about
   * wanted × rows / matches index entries; the other way sorts every match's number index entry
   * and reads `wanted` rows. Measured on a million sessions (the bench's searches), the walk wins
   * once matches² exceeds about wanted × rows.
   */
  private walkInListOrder(matches: number, wanted: number): boolean {
    const rows = (this.sql('SELECT MAX(id) AS n FROM sessions').get() as { n: number | null }).n ?? 0;
    return matches * matches > wanted * rows;
  }

  async transaction<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const tx = new SqliteTransaction(this.sql);
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(tx);
        this.db.exec('COMMIT');
        this.checkpointInBackground();
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      } finally {
        // This connection's own writes leave `data_version` as it was: the kept parents are read again.
        if (tx.changedCustomers) this.parents = undefined;
      }
    });
  }

  /**
   * One server per file (store/instance-lock.ts), so only this process's own runs can overlap;
   * `pnpm admin` runs no jobs.
   */
  async alone<T>(name: string, work: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
    if (this.running.has(name)) return { ran: false };
    this.running.add(name);
    try {
      return { ran: true, result: await work() };
    } finally {
      this.running.delete(name);
    }
  }

  async eventsAfter(afterId: number, limit: number): Promise<Event[]> {
    if (this.db.inTransaction) await this.writes;
    const rows = this.sql('SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Array<{ id: number; body: string }>;
    return rows.map((r) => ({ id: r.id, ...JSON.parse(r.body) }) as Event);
  }

  async newestEventId(): Promise<number> {
    if (this.db.inTransaction) await this.writes;
    return this.sql('SELECT COALESCE(MAX(id), 0) FROM events').pluck().get() as number;
  }

  async pendingTerminates(sbcServer: string): Promise<Event[]> {
    if (this.db.inTransaction) await this.writes;
    const rows = this.sql(
      'SELECT call_id, event_id, requested_at FROM terminate_commands WHERE sbc_server = ? ORDER BY event_id',
    ).all(sbcServer) as Array<{ call_id: string; event_id: number; requested_at: number }>;
    return rows.map((r) => ({
      id: r.event_id,
      type: 'terminate',
      callId: r.call_id,
      sbcServer,
      time: new Date(r.requested_at).toISOString(),
    }));
  }

  async unansweredEndRequests(requestedBefore: Date): Promise<UnansweredEndRequests[]> {
    if (this.db.inTransaction) await this.writes;
    const rows = this.sql(
      `SELECT sbc_server, COUNT(*) AS count, MIN(requested_at) AS oldest FROM terminate_commands
       WHERE requested_at < ? GROUP BY sbc_server ORDER BY sbc_server`,
    ).all(requestedBefore.getTime()) as Array<{ sbc_server: string; count: number; oldest: number }>;
    return rows.map((r) => ({ sbcServer: r.sbc_server, count: r.count, oldest: new Date(r.oldest) }));
  }

  async deleteExpired(before: Date, batchSize: number): Promise<{ deletedSessions: number; deletedEvents: number }> {
    const steps = [
      { statement: 'deleteExpiredSessions', params: [before.toISOString(), batchSize] },
      { statement: 'deleteExpiredEvents', params: [before.getTime(), batchSize] },
    ];
    // Not flushed: a deletion lost with the power is made again by the next run.
    return this.exclusive(async () => {
      // Two index seeks tell whether there is anything to delete: most runs find nothing.
      const due =
        this.sql('SELECT 1 FROM sessions WHERE ended IS NOT NULL AND ended < ? LIMIT 1').get(before.toISOString()) !== undefined ||
        this.sql('SELECT 1 FROM events WHERE created_at < ? LIMIT 1').get(before.getTime()) !== undefined;
      if (!due) return { deletedSessions: 0, deletedEvents: 0 };
      const background = this.backgroundConnection();
      const [deletedSessions = 0, deletedEvents = 0] = background ? await background.run(steps) : this.runHere(steps);
      return { deletedSessions, deletedEvents };
    }, false);
  }

  /**
   * After a commit, at most once a second and one at a time, the background connection copies the
   * WAL into the file. On this connection SQLite's automatic checkpoint runs inside the COMMIT that
   * crosses its threshold and holds every request while it writes and flushes up to 40 MiB: half
   * the time of committing a batch of 1000 reports (on the 1M data set, measured). Should the
   * background connection fail, this connection checkpoints again.
   */
  private checkpointInBackground(): void {
    if (!this.checkpointsInBackground || this.checkpointing || Date.now() - this.checkpointed < backgroundCheckpointIntervalMs) return;
    this.checkpointing = true;
    this.backgroundConnection()!
      .checkpoint()
      .catch(() => {
        this.checkpointsInBackground = false;
        if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${autocheckpointPages}`);
      })
      .finally(() => {
        this.checkpointing = false;
        this.checkpointed = Date.now();
      });
  }

  /** Opened when there is first something for it to do: a start, and a server that neither deletes nor counts, do without its thread. */
  private backgroundConnection(): BackgroundConnection | undefined {
    if (this.backgroundPath !== undefined) this.background ??= new BackgroundConnection(this.backgroundPath, backgroundSql);
    return this.background;
  }

  /** What the background connection would run, on this one (a database only this connection sees). */
  private runHere(steps: Array<{ statement: string; params: unknown[] }>): number[] {
    // Not flushed on its own: a deletion lost with the power is made again by the next run.
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.db.transaction(() => steps.map((step) => this.sql(backgroundSql[step.statement as keyof typeof backgroundSql]).run(...step.params).changes)).immediate();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  async countLiveSessions(): Promise<number> {
    if (this.db.inTransaction) await this.writes;
    return (this.sql('SELECT COUNT(*) AS n FROM sessions WHERE live = 1').get() as { n: number }).n;
  }

  /**
   * In one read transaction, on the background connection when there is one (a day's window is
   * a walk over up to a million index entries: there it holds no request up): the live calls on
   * sessions_live, the calls started since `from` on sessions_order (a reseller's on its
   * customers' indexes) and those ended since on sessions_ended. The windows are counted from
   * the indexes alone, which hold every column they need but the answer: the live calls'
   * answers are read from their rows, and their peers from their JSON.
   */
  async trafficCounts({ from, minutes }: TrafficWindow, top: number, scope: ListScope): Promise<TrafficCounts> {
    const params = { from, minutes, top, scope: scope.all ? '[]' : JSON.stringify(scope.customers) };
    const names = scope.all ? (['trafficLive', 'trafficStarted', 'trafficEnded'] as const) : (['trafficLiveScoped', 'trafficStartedScoped', 'trafficEndedScoped'] as const);
    const steps = names.map((statement) => ({ statement, params: [params] }));
    const background = this.backgroundConnection();
    if (!background) while (this.db.inTransaction) await this.writes;
    const [live = [], startedByMinute = [], endedByMinute = []] = background
      ? await background.read(steps)
      : this.db.transaction(() => steps.map((step) => this.sql(backgroundSql[step.statement]).all(...step.params))).deferred();
    return {
      live: liveCountsOf(live as LiveGroupRow[]),
      startedByMinute: scope.all ? (startedByMinute as MinuteRanges[]).map(startedInMinute) : (startedByMinute as StartedInMinute[]),
      endedByMinute: endedByMinute as TrafficCounts['endedByMinute'],
    };
  }

  /** This connection's own writes leave `data_version` as it was: the kept customer parents are read again. */
  private async changeCustomers<T>(write: () => T): Promise<T> {
    try {
      return await this.exclusive(write);
    } finally {
      this.parents = undefined;
    }
  }

  async getCustomer(id: string): Promise<Customer | undefined> {
    if (this.db.inTransaction) await this.writes;
    const row = this.sql('SELECT id, name, parent_reseller, features FROM customers WHERE id = ?').get(id) as CustomerRow | undefined;
    return row && toCustomer(row);
  }

  async listCustomers(offset: number, limit: number): Promise<{ total: number; customers: Customer[] }> {
    if (this.db.inTransaction) await this.writes;
    const { total } = this.sql('SELECT COUNT(*) AS total FROM customers').get() as { total: number };
    const rows = this.sql('SELECT id, name, parent_reseller, features FROM customers ORDER BY id LIMIT ? OFFSET ?').all(limit, offset) as CustomerRow[];
    return { total, customers: rows.map(toCustomer) };
  }

  async deleteCustomer(id: string): Promise<boolean> {
    return this.changeCustomers(() => this.sql('DELETE FROM customers WHERE id = ?').run(id).changes > 0);
  }

  async customerTree(): Promise<CustomerParents> {
    return this.customerParents();
  }

  async findTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    if (this.db.inTransaction) await this.writes;
    const row = this.sql('SELECT * FROM tokens WHERE hash = ?').get(hash) as TokenRow | undefined;
    return row && toToken(row);
  }

  async listTokens(): Promise<TokenRecord[]> {
    if (this.db.inTransaction) await this.writes;
    return (this.sql('SELECT * FROM tokens ORDER BY created_at, id').all() as TokenRow[]).map(toToken);
  }

  async revokeToken(id: string, hash: string, now: Date): Promise<boolean> {
    const revoke = this.sql('UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? OR hash = ?');
    return this.exclusive(() => revoke.run(now.getTime(), id, hash).changes > 0);
  }

  async ping(): Promise<void> {
    this.sql('SELECT 1').get();
    if (!this.writeFailure) return;
    // After a failed write the probe writes too: a server taken out of rotation for failing writes
    // would otherwise never get the write that shows they work again.
    const since = this.writeFailure.since;
    try {
      await this.checkWritable();
    } catch {
      throw new Error(`writes fail since ${since.toISOString()}: ${this.writeFailure?.reason ?? 'unknown'}`);
    }
  }

  async checkWritable(): Promise<void> {
    await this.exclusive(() =>
      this.db.transaction(() => this.db.pragma(`user_version = ${Number(this.db.pragma('user_version', { simple: true }))}`)).immediate(),
    );
  }

  /**
   * Runs one write at a time: a transaction spans awaits of the domain's work, and on the one
   * connection another write in between would join it. Keeps track of whether the storage takes
   * writes. Answers once the write is on disk (`flushed`); the next write does not wait for that.
   */
  private exclusive<T>(write: () => T | Promise<T>, flushed = true): Promise<T> {
    const run = this.writes.then(async () => {
      try {
        const result = await write();
        this.writeFailure = undefined;
        return result;
      } catch (error) {
        if (error instanceof Database.SqliteError && storageFailure.test(error.code)) {
          this.writeFailure = { since: this.writeFailure?.since ?? new Date(), reason: error.message };
        }
        throw error;
      }
    });
    this.writes = run.catch(() => undefined);
    return flushed ? run.then(async (result) => (await this.flushWal(), result)) : run;
  }

  /**
   * A file's commits reach the WAL unflushed (synchronous = NORMAL) and are flushed here, on
   * libuv's threads: the event loop and the next write go on while the disk works (a COMMIT that
   * flushes holds both for the whole fdatasync: about a third of an ingest's time, profiled).
   * Each caller waits for a flush begun after its commit, so an answer still leaves only once
   * what it acknowledges is on disk; the commits made while one flush runs share the next.
   */
  private flushWal(): Promise<void> {
    const path = this.walPath;
    if (path === undefined) return Promise.resolve();
    this.nextWalFlush ??= (this.walFlush ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        this.walFlush = this.nextWalFlush;
        this.nextWalFlush = undefined;
        this.wal ??= await open(path, 'r+');
        await this.wal.datasync();
      })
      .catch((error: unknown) => {
        this.writeFailure = { since: this.writeFailure?.since ?? new Date(), reason: error instanceof Error ? error.message : String(error) };
        throw error;
      });
    return this.nextWalFlush;
  }

  async close(): Promise<void> {
    // The background connection first: the last one to close folds the WAL into the file.
    await this.background?.close().catch(() => undefined);
    await this.wal?.close();
    if (this.db.open) this.db.close();
  }
}

/**
 * The WHERE conditions of a list (ANDed) and their parameters; `number` when a number is
 * searched through a number index (administrators: a reseller's search is a condition on its
 * own customers' index entries). A reseller's customer filter is part of its scope.
 */
function listConditions(filter: SessionFilter, scope: ListScope): { where: string[]; params: Record<string, unknown>; number?: NumberSearch } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  let matching: NumberSearch | undefined;
  if (filter.number !== undefined && !scope.all) {
    where.push('(instr(a_number, @number) > 0 OR instr(b_number, @number) > 0)');
    params['number'] = filter.number;
  } else if (filter.number !== undefined) {
    matching = numberSearch(filter.number);
    where.push(`id IN (${matching.ids})`);
    Object.assign(params, matching.params);
  }
  if (filter.customer !== undefined && scope.all) {
    where.push('(source_customer_id = @customer OR destination_customer_id = @customer)');
    params['customer'] = filter.customer;
  }
  if (filter.live !== undefined) where.push(filter.live ? 'live = 1' : 'live = 0');
  if (filter.direction !== undefined) {
    where.push('direction = @direction');
    params['direction'] = filter.direction;
  }
  if (filter.international !== undefined) {
    // Numbers starting with +CC sort between '+CC' and the next code up.
    const range = '(b_number >= @homeLow AND b_number < @homeHigh)';
    where.push(filter.international ? `NOT ${range}` : range);
    params['homeLow'] = `+${filter.homeCountryCode}`;
    params['homeHigh'] = nextPrefix(`+${filter.homeCountryCode}`);
  }
  return matching === undefined ? { where, params } : { where, params, number: matching };
}

/** The smallest text above every text that starts with `prefix`. */
function nextPrefix(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * A number search: `ids`, the ids of sessions whose A- or B-number contains the text;
 * `newestFirst`, the first @rows of them and their started_key, newest first, from number index
 * entries alone. A session whose two numbers match comes twice in both.
 */
interface NumberSearch {
  ids: string;
  newestFirst: string;
  params: Record<string, string>;
}

function numberSearch(text: string): NumberSearch {
  const { sessions, params } = numberMatches(text);
  return {
    ids: `SELECT id FROM (${sessions})`,
    newestFirst: `SELECT id, started_key FROM (${sessions}) ORDER BY started_key DESC LIMIT @rows`,
    params,
  };
}

/**
 * The sessions whose A- or B-number contains `text`, as a query of their `id` and `started_key`
 * (a session whose two numbers match comes twice). A leading `+` can only match at the start of
 * a number: a prefix range on number_sessions. Other text: the trigram index, or, below three
 * characters, a scan.
 */
function numberMatches(text: string): { sessions: string; params: Record<string, string> } {
  if (text.startsWith('+')) {
    return {
      sessions: 'SELECT session_id AS id, started_key FROM number_sessions WHERE number >= @numberLow AND number < @numberHigh',
      params: { numberLow: text, numberHigh: nextPrefix(text) },
    };
  }
  if (text.length >= 3) {
    // The distinct numbers that contain the text (trigrams), then their sessions (number_sessions).
    return {
      sessions: `WITH matching AS MATERIALIZED (SELECT number FROM numbers WHERE id IN (SELECT rowid FROM number_trigrams WHERE number_trigrams MATCH @match))
            SELECT session_id AS id, started_key FROM number_sessions WHERE number IN matching`,
      params: { match: `"${text}"` },
    };
  }
  return { sessions: 'SELECT id, started_key FROM sessions WHERE a_number LIKE @like OR b_number LIKE @like', params: { like: `%${text}%` } };
}

function readParents(sql: Sql): Map<string, string | undefined> {
  const rows = sql('SELECT id, parent_reseller FROM customers').raw().all() as Array<[string, string | null]>;
  return new Map(rows.map(([id, parent]) => [id, parent ?? undefined]));
}

/**
 * One write transaction's reads and writes. A session is read before it is written (the merge
 * needs it): the row read is kept, so that the write can insert without asking again, or update
 * only the columns that changed.
 */
class SqliteTransaction implements WriteTransaction {
  /** Rows read in this transaction by Call-ID; null: not stored. */
  private readonly read = new Map<string, StoredSession | null>();
  changedCustomers = false;

  constructor(private readonly sql: Sql) {}

  /** BEGIN IMMEDIATE already makes every write transaction on the file wait for the one before. */
  async lock(): Promise<void> {}

  async customerTree(): Promise<CustomerParents> {
    return readParents(this.sql);
  }

  async putCustomer(customer: Customer): Promise<boolean> {
    const existed = this.sql('SELECT 1 FROM customers WHERE id = ?').get(customer.id) !== undefined;
    this.sql(
      `INSERT INTO customers (id, name, parent_reseller, features) VALUES (@id, @name, @parent, @features)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_reseller = excluded.parent_reseller, features = excluded.features`,
    ).run({ id: customer.id, name: customer.name, parent: customer.parentReseller ?? null, features: JSON.stringify(customer.features ?? []) });
    this.changedCustomers = true;
    return !existed;
  }

  async countTokens(): Promise<number> {
    return (this.sql('SELECT COUNT(*) AS n FROM tokens').get() as { n: number }).n;
  }

  async insertToken(token: NewTokenRow): Promise<void> {
    this.sql(
      `INSERT INTO tokens (id, hash, level, customer_id, name, sbc_server, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(token.id, token.hash, token.level, token.customerId ?? null, token.name ?? null, token.sbcServer ?? null, token.createdAt.getTime(), token.expiresAt?.getTime() ?? null);
  }

  /** Each read is a lookup in this process's own page cache: nothing to gain from reading ahead. */
  async readAhead(): Promise<void> {}

  async session(callId: string): Promise<Session | undefined> {
    const row = this.sql(storedSessionByCallIdSql).get(callId) as StoredSession | undefined;
    this.read.set(callId, row ?? null);
    return row && (JSON.parse(row.data) as Session);
  }

  async liveSessionsStartedBefore(startedBefore: Date, limit: number): Promise<Session[]> {
    const rows = this.sql(
      `${storedSessionSql} WHERE live = 1
         AND ((started_key <> '' AND started_key < @iso) OR (started_key = '' AND created_at < @ms)) LIMIT @limit`,
    ).all({ iso: startedBefore.toISOString(), ms: startedBefore.getTime(), limit }) as StoredSession[];
    return rows.map((row) => {
      const session = JSON.parse(row.data) as Session;
      this.read.set(session.callId, row);
      return session;
    });
  }

  /**
   * An update sets only the columns that changed: SQLite rewrites the entries of every index
   * over a column an UPDATE sets, changed or not, and most reports (answer, end) change one or
   * two columns, if any.
   */
  async putSession(session: Session, now: Date): Promise<void> {
    const stored = this.read.has(session.callId) ? this.read.get(session.callId) : await this.storedRow(session.callId);
    // Written now: a later write of this call in the transaction reads it again.
    this.read.delete(session.callId);
    const columns = columnsOf(session);
    const data = JSON.stringify(session);
    if (!stored) {
      const values: unknown[] = [session.callId, data, now.getTime()];
      for (const c of sessionColumns) values.push(columns[c]);
      const { lastInsertRowid } = this.sql(insertSessionSql).run(values);
      // Each distinct number once, for substring search, and the session under each of its
      // numbers (migrations 10 and 13 say why not in a trigger).
      const numbers = { a: columns.a_number, b: columns.b_number, startedKey: columns.started_key, id: lastInsertRowid };
      this.sql('INSERT OR IGNORE INTO numbers (number) SELECT @a WHERE @a IS NOT NULL UNION ALL SELECT @b WHERE @b IS NOT NULL').run(numbers);
      this.sql(
        `INSERT OR IGNORE INTO number_sessions (number, started_key, session_id)
         SELECT @a, @startedKey, @id WHERE @a IS NOT NULL UNION ALL SELECT @b, @startedKey, @id WHERE @b IS NOT NULL`,
      ).run(numbers);
      return;
    }
    const values: unknown[] = [data];
    let changed = 0;
    sessionColumns.forEach((c, i) => {
      if (columns[c] === stored[c]) return;
      changed |= 1 << i;
      values.push(columns[c]);
    });
    values.push(stored.id);
    this.sql(updateSessionSqlOf(changed)).run(values);
  }

  private async storedRow(callId: string): Promise<StoredSession | undefined> {
    return this.sql(storedSessionByCallIdSql).get(callId) as StoredSession | undefined;
  }

  async addEvent(body: EventBody, now: Date): Promise<Event> {
    const { lastInsertRowid } = this.sql('INSERT INTO events (type, call_id, body, created_at) VALUES (?, ?, ?, ?)').run(
      body.type,
      body.callId,
      JSON.stringify(body),
      now.getTime(),
    );
    return { id: Number(lastInsertRowid), ...body };
  }

  async terminateRequestedAt(callId: string): Promise<Date | undefined> {
    const pending = this.sql('SELECT requested_at FROM terminate_commands WHERE call_id = ?').get(callId) as { requested_at: number } | undefined;
    return pending && new Date(pending.requested_at);
  }

  async putTerminate(callId: string, sbcServer: string, eventId: number, requestedAt: Date): Promise<void> {
    this.sql(
      `INSERT INTO terminate_commands (call_id, sbc_server, event_id, requested_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (call_id) DO UPDATE SET sbc_server = excluded.sbc_server, event_id = excluded.event_id`,
    ).run(callId, sbcServer, eventId, requestedAt.getTime());
  }

  async deleteTerminate(callId: string): Promise<void> {
    this.sql('DELETE FROM terminate_commands WHERE call_id = ?').run(callId);
  }
}

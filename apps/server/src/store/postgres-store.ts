import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Pool, PoolClient, PoolConfig, QueryResultRow } from 'pg';
import type { Customer, Event, Session } from '@sbc/contract';
import {
  StoreUnavailableError,
  type EndedInMinute,
  type EventBody,
  type ListScope,
  type LiveCounts,
  type NewTokenRow,
  type SessionRow,
  type StartedInMinute,
  type StoreBackend,
  type TrafficCounts,
  type TrafficWindow,
  type WriteTransaction,
} from './backend.js';
import { migratePostgres } from './postgres-migrations.js';
import { columnsOf, liveCountsOf, sessionColumns, toCustomer, toToken, type CustomerRow, type LiveGroupRow, type SessionColumns, type TokenRow } from './rows.js';
import type { CustomerParents, SessionFilter, TokenRecord, UnansweredEndRequests } from '../domain/session-store.js';

/** The PostgreSQL type of each session column written from an array parameter (the rest are text). */
const columnTypes: Partial<Record<keyof SessionColumns, string>> = { live: 'boolean', talk_ms: 'bigint' };

/**
 * How a node's connections (SBC_DB_POOL_SIZE) are shared: a third for write transactions, the
 * rest for reads. Transactions and reads have pools of their own: a transaction may read the
 * customer tree while it holds its connection, and with one pool, as many transactions as
 * connections would each wait for a connection that none gives back.
 */
export const defaultPoolSize = 12;
const writeShare = 1 / 3;
/** How long a request waits for a connection (new, or free in the pool) before the database counts as unavailable. */
const connectTimeoutMs = 5000;
/** The longest one statement runs: a request never hangs on a database that stopped answering. */
const statementTimeoutMs = 30_000;
/** How often a transaction that met a serialization failure or a deadlock is run again before the error goes to the caller. */
const transactionAttempts = 5;

/**
 * The key of the transaction-level advisory lock every event-writing transaction holds from its
 * first event to its commit (see PostgresTransaction.addEvent); with the schema's name as the
 * second key, so that stores in other schemas of the database (test servers) do not wait for it.
 */
const eventWriteLock = 0x5bc0_0002;
/**
 * The first key of the domain's named locks (WriteTransaction.lock, StoreBackend.alone); the
 * second is the hash of the schema and the name, so that stores in other schemas of the
 * database keep locks of their own.
 */
const namedLockClass = 0x5bc;
const namedLockKey = `hashtext(current_schema() || ':' || $2)`;
/** The channel that carries the newest event id of each commit that wrote events. */
export const eventChannel = 'sbc_events';

/**
 * SQLSTATEs after which the whole transaction is run again: serialization failure, deadlock,
 * and a session inserted by another transaction between this one's read and its insert (under
 * READ COMMITTED a concurrent insert of the same Call-ID ends as a unique violation).
 */
const retryable = new Set(['40001', '40P01']);
const sessionInsertRace = { code: '23505', constraint: 'sessions_call_id_key' };

/**
 * Errors that mean the database cannot be reached or dropped the connection (not that a
 * statement was wrong): the caller gets `database_unavailable` and may retry.
 */
function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code ?? '';
  return (
    /^(08|57P0[1-3]|53300)/.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection timeout|Query read timeout/i.test(error.message)
  );
}

/** The unavailability as the one error the server maps to 503, or the error as it is. */
function unavailableOr(error: unknown): unknown {
  return isUnavailable(error) ? new StoreUnavailableError((error as Error).message, { cause: error }) : error;
}

// bigint (ids, counts, times in ms) as numbers: every one stays far below 2^53.
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, Number);

/** The connection settings of every connection the store makes, LISTEN included. */
export function connectionConfig(url: string, max: number): PoolConfig {
  // node-postgres lets what the URL says win over the other settings: the URL's own `options`
  // (a search_path, say) come out of it and join ours.
  const parsed = new URL(url);
  const theirs = parsed.searchParams.get('options');
  parsed.searchParams.delete('options');
  return {
    connectionString: parsed.toString(),
    max,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    // The same bound on the client's side: a database that stopped answering without closing
    // the connection (a host gone from the network) does not hold a request either.
    query_timeout: statementTimeoutMs + 5000,
    // A transaction left open by a node that froze does not hold its locks (the event lock) for ever.
    idle_in_transaction_session_timeout: statementTimeoutMs,
    // A 2xx means committed: a commit waits for its WAL flush whatever the server's default.
    options: [theirs, '-c synchronous_commit=on'].filter(Boolean).join(' '),
    keepAlive: true,
    types,
  };
}

/** Builds numbered parameters ($1, $2, …) as conditions are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The node's event feed, as the store sees it: told of each commit that wrote events, asked about in readiness, stopped at close. */
export interface EventFollower {
  wake(): void;
  /** Why the feed cannot follow events right now, or undefined. */
  problem(): string | undefined;
  stop(): Promise<void>;
}

/** The store of several nodes: one PostgreSQL database; this module (with its migrations) holds all of its SQL. */
export class PostgresStore implements StoreBackend {
  private readonly reads: Pool;
  private readonly writes: Pool;
  private parents: { version: number; map: Map<string, string | undefined> } | undefined;
  private follower: EventFollower | undefined;

  private constructor(
    readonly url: string,
    poolSize: number,
  ) {
    const writeConnections = Math.max(1, Math.floor(poolSize * writeShare));
    this.reads = new pg.Pool(connectionConfig(url, Math.max(1, poolSize - writeConnections)));
    this.writes = new pg.Pool(connectionConfig(url, writeConnections));
    // An idle connection the server dropped (a restart) is an error of the pool, not of a request.
    this.reads.on('error', () => undefined);
    this.writes.on('error', () => undefined);
  }

  /** Connects and brings the schema to the latest version. */
  static async open(url: string, poolSize = defaultPoolSize): Promise<PostgresStore> {
    const store = new PostgresStore(url, poolSize);
    try {
      const client = await store.writes.connect();
      try {
        await migratePostgres(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** The node's event feed: woken by each commit here that wrote events (no need to wait for the NOTIFY). */
  followWith(follower: EventFollower): void {
    this.follower = follower;
  }

  /** `name` prepares the statement once per connection (no parse and plan per call): for the hot paths. */
  private async query<R extends QueryResultRow>(text: string, values: unknown[] = [], name?: string): Promise<R[]> {
    try {
      return (await this.reads.query<R>({ text, values, ...(name === undefined ? {} : { name }) })).rows;
    } catch (error) {
      throw unavailableOr(error);
    }
  }

  private async count(text: string, values: unknown[] = []): Promise<number> {
    const [row] = await this.query<{ n: number }>(text, values);
    return row?.n ?? 0;
  }

  /**
   * Runs `work` on one connection between BEGIN and COMMIT (READ COMMITTED; sessions are read
   * FOR UPDATE). A serialization failure, a deadlock or a Call-ID inserted meanwhile by another
   * node runs the whole work again, on a fresh transaction, up to a bound: the domain's work
   * keeps its state inside the closure, so a second run starts from what is committed then.
   */
  async transaction<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.onClient(async (client) => {
          await client.query('BEGIN');
          const tx = new PostgresTransaction(client);
          try {
            const result = await work(tx);
            await tx.flush();
            await client.query('COMMIT');
            if (tx.newestEventId !== undefined) this.follower?.wake();
            if (tx.changedCustomers) this.parents = undefined;
            return result;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        const race = code === sessionInsertRace.code && (error as { constraint?: string }).constraint === sessionInsertRace.constraint;
        if (attempt >= transactionAttempts || !(race || (code !== undefined && retryable.has(code)))) throw unavailableOr(error);
        // A little later each time, and not in step with the transaction it met.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    }
  }

  /**
   * A session-level advisory lock, tried on a connection of the run's own: the lock lasts while
   * `work` runs and goes with the connection if this node dies mid-run.
   */
  async alone<T>(name: string, work: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
    const client = new pg.Client(connectionConfig(this.url, 1));
    try {
      await client.connect();
      const { rows } = await client.query<{ taken: boolean }>(`SELECT pg_try_advisory_lock($1, ${namedLockKey}) AS taken`, [namedLockClass, name]);
      if (!rows[0]?.taken) return { ran: false };
      return { ran: true, result: await work() };
    } catch (error) {
      throw unavailableOr(error);
    } finally {
      // Ending the session releases the lock.
      await client.end().catch(() => undefined);
    }
  }

  /** A connection of the write pool for `use`; one that broke is discarded rather than given back. */
  private async onClient<T>(use: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.writes.connect();
    } catch (error) {
      throw unavailableOr(error);
    }
    try {
      const result = await use(client);
      client.release();
      return result;
    } catch (error) {
      client.release(isUnavailable(error) ? (error as Error) : undefined);
      throw error;
    }
  }

  async sessionRow(callId: string): Promise<SessionRow | undefined> {
    const [row] = await this.query<{ data: string; source_customer_id: string | null; destination_customer_id: string | null }>(
      'SELECT data, source_customer_id, destination_customer_id FROM sessions WHERE call_id = $1',
      [callId],
      'session-row',
    );
    return row && { json: row.data, sourceCustomerId: row.source_customer_id, destinationCustomerId: row.destination_customer_id };
  }

  async sessionJson(callId: string): Promise<string | undefined> {
    const [row] = await this.query<{ data: string }>('SELECT data FROM sessions WHERE call_id = $1', [callId], 'session-json');
    return row?.data;
  }

  async listSessions(filter: SessionFilter, scope: ListScope): Promise<{ total: number; sessions: Session[] }> {
    const params = new Params();
    const where = listConditions(filter, scope, params);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = await this.count(`SELECT COUNT(*) AS n FROM sessions ${clause}`, params.values);
    if (total === 0) return { total, sessions: [] };
    const rows = await this.query<{ data: string }>(
      `SELECT data FROM sessions ${clause} ORDER BY started_key DESC, call_id ASC LIMIT ${params.add(filter.limit)} OFFSET ${params.add(filter.offset)}`,
      params.values,
    );
    return { total, sessions: rows.map((r) => JSON.parse(r.data) as Session) };
  }

  async countLiveSessions(): Promise<number> {
    return this.count('SELECT COUNT(*) AS n FROM sessions WHERE live');
  }

  /**
   * The three counts of SQLite's trafficCounts, in one REPEATABLE READ snapshot: the live calls
   * on sessions_live (materialised once, grouped four ways), the calls started since `from` on
   * sessions_order (a reseller's on its two customer indexes, the calls of its source customers
   * and then those reached only as destination), and the calls ended since `from` on
   * sessions_ended. The indexes hold every column the windows need (index-only scans, as far as
   * the visibility map allows).
   */
  async trafficCounts({ from }: TrafficWindow, top: number, scope: ListScope): Promise<TrafficCounts> {
    const values = scope.all ? [from] : [from, scope.customers];
    const calls = scope.all
      ? 'SELECT started_key, ended, answered, talk_ms FROM sessions WHERE started_key >= $1'
      : `SELECT started_key, ended, answered, talk_ms FROM sessions WHERE source_customer_id = ANY($2) AND started_key >= $1
         UNION ALL SELECT started_key, ended, answered, talk_ms FROM sessions WHERE destination_customer_id = ANY($2) AND started_key >= $1
           AND (source_customer_id IS NULL OR NOT source_customer_id = ANY($2))`;
    const endedInScope = scope.all ? '' : 'AND (source_customer_id = ANY($2) OR destination_customer_id = ANY($2))';
    return this.snapshot(async (client) => {
      const started = await client.query<StartedInMinute>(
        `SELECT substr(started_key, 1, 16) AS minute, COUNT(*) AS started, COUNT(answered) AS answered,
           COUNT(ended) - COUNT(talk_ms) AS failed, COUNT(talk_ms) AS completed, COALESCE(SUM(talk_ms), 0)::float8 AS "talkMs"
         FROM (${calls}) calls GROUP BY 1 ORDER BY 1`,
        values,
      );
      const ended = await client.query<EndedInMinute>(
        `SELECT substr(ended, 1, 16) AS minute, COUNT(*) AS ended FROM sessions WHERE ended >= $1 ${endedInScope} GROUP BY 1 ORDER BY 1`,
        values,
      );
      return { live: await this.liveCounts(client, top, scope), startedByMinute: started.rows, endedByMinute: ended.rows };
    });
  }

  /** One pass over the live calls of the scope, grouped four ways; customers outside the scope are never counted. */
  private async liveCounts(client: PoolClient, top: number, scope: ListScope): Promise<LiveCounts> {
    const values: unknown[] = scope.all ? [top] : [top, scope.customers];
    const { rows } = await client.query<LiveGroupRow>(
      `WITH live AS MATERIALIZED (
         SELECT sbc_server, direction, source_customer_id AS source, destination_customer_id AS destination,
           answered IS NOT NULL AS answered, j ->> 'sourcePeer' AS source_peer, j ->> 'destinationPeer' AS destination_peer
         FROM sessions CROSS JOIN LATERAL (SELECT data::json AS j) parsed
         WHERE live ${scope.all ? '' : 'AND (source_customer_id = ANY($2) OR destination_customer_id = ANY($2))'}
       ),
       customer_calls AS (
         SELECT source AS id FROM live WHERE source IS NOT NULL
         UNION ALL SELECT destination FROM live WHERE destination IS NOT NULL AND destination IS DISTINCT FROM source
       ),
       peer_calls AS (
         SELECT source_peer AS peer FROM live WHERE source_peer IS NOT NULL
         UNION ALL SELECT destination_peer FROM live WHERE destination_peer IS NOT NULL AND destination_peer IS DISTINCT FROM source_peer
       )
       (SELECT 'sbc' AS kind, sbc_server AS key, COUNT(*) AS calls, COUNT(*) FILTER (WHERE answered) AS answered, NULL::text AS name FROM live GROUP BY sbc_server)
       UNION ALL (SELECT 'direction', direction, COUNT(*), NULL, NULL FROM live GROUP BY direction)
       UNION ALL (SELECT 'customer', id, COUNT(*), NULL, (SELECT name FROM customers WHERE customers.id = customer_calls.id)
         FROM customer_calls ${scope.all ? '' : 'WHERE id = ANY($2)'} GROUP BY id ORDER BY 3 DESC, 2 LIMIT $1)
       UNION ALL (SELECT 'peer', peer, COUNT(*), NULL, NULL FROM peer_calls GROUP BY peer ORDER BY 3 DESC, peer COLLATE "C" LIMIT $1)`,
      values,
    );
    return liveCountsOf(rows);
  }

  /** Reads on one connection of the read pool that all see the same committed state. */
  private async snapshot<T>(read: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.reads.connect();
    } catch (error) {
      throw unavailableOr(error);
    }
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await read(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      client.release(error as Error);
      throw unavailableOr(error);
    }
  }

  async deleteExpired(before: Date, batchSize: number): Promise<{ deletedSessions: number; deletedEvents: number }> {
    const sessions = await this.execute(
      `DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE ended IS NOT NULL AND ended < $1 LIMIT $2)`,
      [before.toISOString(), batchSize],
    );
    const events = await this.execute('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < $1 ORDER BY id LIMIT $2)', [
      before.getTime(),
      batchSize,
    ]);
    return { deletedSessions: sessions, deletedEvents: events };
  }

  /** One statement in a transaction of its own; the rows it changed. */
  private async execute(text: string, values: unknown[]): Promise<number> {
    try {
      return (await this.writes.query(text, values)).rowCount ?? 0;
    } catch (error) {
      throw unavailableOr(error);
    }
  }

  async eventsAfter(afterId: number, limit: number): Promise<Event[]> {
    const rows = await this.query<{ id: number; body: string }>('SELECT id, body FROM events WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit]);
    return rows.map((r) => ({ id: r.id, ...JSON.parse(r.body) }) as Event);
  }

  /** The newest event id committed, or 0: where a node's feed and each new stream start. */
  async newestEventId(): Promise<number> {
    return this.count('SELECT COALESCE(MAX(id), 0) AS n FROM events');
  }

  async pendingTerminates(sbcServer: string): Promise<Event[]> {
    const rows = await this.query<{ call_id: string; event_id: number; requested_at: number }>(
      'SELECT call_id, event_id, requested_at FROM terminate_commands WHERE sbc_server = $1 ORDER BY event_id',
      [sbcServer],
    );
    return rows.map((r) => ({ id: r.event_id, type: 'terminate', callId: r.call_id, sbcServer, time: new Date(r.requested_at).toISOString() }));
  }

  async unansweredEndRequests(requestedBefore: Date): Promise<UnansweredEndRequests[]> {
    const rows = await this.query<{ sbc_server: string; count: number; oldest: number }>(
      `SELECT sbc_server, COUNT(*) AS count, MIN(requested_at) AS oldest FROM terminate_commands
       WHERE requested_at < $1 GROUP BY sbc_server ORDER BY sbc_server COLLATE "C"`,
      [requestedBefore.getTime()],
    );
    return rows.map((r) => ({ sbcServer: r.sbc_server, count: r.count, oldest: new Date(r.oldest) }));
  }

  /** A customer write, in one transaction with the bump of the tree's version that tells every node to read it again. */
  private async changeCustomers<T>(write: (client: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await this.onClient(async (client) => {
        await client.query('BEGIN');
        try {
          const result = await write(client);
          await client.query('UPDATE customer_tree_version SET version = version + 1');
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      throw unavailableOr(error);
    } finally {
      this.parents = undefined;
    }
  }

  async getCustomer(id: string): Promise<Customer | undefined> {
    const [row] = await this.query<CustomerRow>('SELECT id, name, parent_reseller, features FROM customers WHERE id = $1', [id]);
    return row && toCustomer(row);
  }

  async listCustomers(offset: number, limit: number): Promise<{ total: number; customers: Customer[] }> {
    const total = await this.count('SELECT COUNT(*) AS n FROM customers');
    const rows = await this.query<CustomerRow>('SELECT id, name, parent_reseller, features FROM customers ORDER BY id LIMIT $1 OFFSET $2', [limit, offset]);
    return { total, customers: rows.map(toCustomer) };
  }

  async deleteCustomer(id: string): Promise<boolean> {
    return this.changeCustomers(async (client) => ((await client.query('DELETE FROM customers WHERE id = $1', [id])).rowCount ?? 0) > 0);
  }

  /**
   * Each customer's parent reseller, kept in memory: every scoped request and event delivery
   * walks it. Read again when the tree's version moved (a write through any node or `pnpm admin`).
   */
  async customerTree(): Promise<CustomerParents> {
    const version = await this.count('SELECT version AS n FROM customer_tree_version');
    if (this.parents?.version !== version) {
      const rows = await this.query<{ id: string; parent_reseller: string | null }>('SELECT id, parent_reseller FROM customers');
      this.parents = { version, map: new Map(rows.map((r) => [r.id, r.parent_reseller ?? undefined])) };
    }
    return this.parents.map;
  }

  async findTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const [row] = await this.query<TokenRow>('SELECT * FROM tokens WHERE hash = $1', [hash]);
    return row && toToken(row);
  }

  async listTokens(): Promise<TokenRecord[]> {
    return (await this.query<TokenRow>('SELECT * FROM tokens ORDER BY created_at, id')).map(toToken);
  }

  async revokeToken(id: string, hash: string, now: Date): Promise<boolean> {
    return (await this.execute('UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 OR hash = $3', [now.getTime(), id, hash])) > 0;
  }

  async ping(): Promise<void> {
    await this.checkWritable();
    const problem = this.follower?.problem();
    if (problem !== undefined) throw new Error(problem);
  }

  /** A standby (or a database set read-only) answers reads and refuses every write. */
  async checkWritable(): Promise<void> {
    const [row] = await this.query<{ read_only: string }>("SELECT current_setting('transaction_read_only') AS read_only");
    if (row?.read_only !== 'off') throw new Error('the database takes no writes (transaction_read_only is on: a standby?)');
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.follower?.stop();
      await Promise.all([this.reads.end(), this.writes.end()]);
    })();
    return this.closing;
  }
}

/**
 * The WHERE conditions of a list (ANDed), the same rules as SQLite's: a reseller sees the
 * sessions with a source or destination customer in its scope; a number is a substring of the
 * A- or B-number, a leading `+` (an administrator's search) a prefix range on the number indexes.
 */
function listConditions(filter: SessionFilter, scope: ListScope, params: Params): string[] {
  const where: string[] = [];
  if (!scope.all) {
    const customers = params.add(scope.customers);
    where.push(`(source_customer_id = ANY(${customers}) OR destination_customer_id = ANY(${customers}))`);
  }
  const number = filter.number;
  if (number !== undefined && !scope.all) {
    // A reseller's search: strpos, which no number index serves, so that the plan starts from
    // the scope's customer indexes and reads its own calls and no other tenant's numbers.
    const text = params.add(number);
    where.push(`(strpos(a_number, ${text}) > 0 OR strpos(b_number, ${text}) > 0)`);
  } else if (number !== undefined && number.startsWith('+')) {
    const low = params.add(number);
    const high = params.add(nextPrefix(number));
    where.push(`((a_number >= ${low} AND a_number < ${high}) OR (b_number >= ${low} AND b_number < ${high}))`);
  } else if (number !== undefined) {
    // The contract allows only digits (after a leading +): nothing in them is a LIKE wildcard.
    // From 3 characters the trigram index finds the matches; 1 or 2 have no trigram, and the
    // planner reads every session's numbers (a scan, as on SQLite, in time linear in the rows).
    const pattern = params.add(`%${number}%`);
    where.push(`(a_number LIKE ${pattern} OR b_number LIKE ${pattern})`);
  }
  if (filter.customer !== undefined && scope.all) {
    const customer = params.add(filter.customer);
    where.push(`(source_customer_id = ${customer} OR destination_customer_id = ${customer})`);
  }
  if (filter.live !== undefined) where.push(filter.live ? 'live' : 'NOT live');
  if (filter.direction !== undefined) where.push(`direction = ${params.add(filter.direction)}`);
  if (filter.international !== undefined) {
    // Numbers starting with +CC sort between '+CC' and the next code up.
    const range = `(b_number >= ${params.add(`+${filter.homeCountryCode}`)} AND b_number < ${params.add(nextPrefix(`+${filter.homeCountryCode}`))})`;
    where.push(filter.international ? `NOT ${range}` : range);
  }
  return where;
}

/** The smallest text above every text that starts with `prefix`. */
function nextPrefix(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** What a transaction will write at its end for a session: its JSON and list columns. */
interface PendingSession {
  data: string;
  columns: SessionColumns;
  /** The row exists (read and locked here): an UPDATE; else an INSERT. */
  stored: boolean;
}

type PendingTerminate = { delete: true } | { delete: false; sbcServer: string; eventId: number; requestedAt: number };

/**
 * One write transaction's reads and writes on its connection. A session read here is locked
 * (FOR UPDATE) until commit: two nodes merging reports of one call take turns, and the second
 * merges into what the first committed.
 *
 * Writes wait in memory and go at the end (flush), a statement per table for the whole batch:
 * a batch of a thousand reports is a handful of round trips, not three thousand. Reads in the
 * transaction see them (a later report of the same call merges into the earlier one).
 */
class PostgresTransaction implements WriteTransaction {
  /** Sessions read and locked here, as stored (undefined: none stored), by Call-ID. */
  private readonly read = new Map<string, string | undefined>();
  private readonly sessions = new Map<string, PendingSession>();
  /** The events to insert, column by column: id, type, call_id, body, created_at. */
  private readonly events: unknown[][] = [[], [], [], [], []];
  private readonly terminates = new Map<string, PendingTerminate>();
  /** When the sessions this transaction inserts were stored. */
  private createdAt = 0;
  /** The newest event this transaction wrote, once it wrote one. */
  newestEventId: number | undefined;
  /** Whether it wrote a customer (and moved the tree's version, which tells every node to read the tree again). */
  changedCustomers = false;

  constructor(private readonly client: PoolClient) {}

  private async rows<R extends QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return (await this.client.query<R>(text, values)).rows;
  }

  /** Locks the stored sessions of these calls in one read, in Call-ID order (two batches lock in the same order: no deadlock between them). */
  async readAhead(callIds: string[]): Promise<void> {
    const wanted = [...new Set(callIds)].filter((id) => !this.read.has(id) && !this.sessions.has(id));
    if (wanted.length === 0) return;
    const rows = await this.rows<{ call_id: string; data: string }>(
      'SELECT call_id, data FROM sessions WHERE call_id = ANY($1) ORDER BY call_id FOR UPDATE',
      [wanted],
    );
    for (const id of wanted) this.read.set(id, undefined);
    for (const row of rows) this.read.set(row.call_id, row.data);
  }

  async session(callId: string): Promise<Session | undefined> {
    const pending = this.sessions.get(callId);
    if (pending) return JSON.parse(pending.data) as Session;
    if (!this.read.has(callId)) await this.readAhead([callId]);
    const data = this.read.get(callId);
    return data === undefined ? undefined : (JSON.parse(data) as Session);
  }

  /**
   * SKIP LOCKED: two nodes running the stale-call job at once each end a different part of the
   * stale calls, and none twice (the other's are locked until it commits, then no longer live).
   */
  async liveSessionsStartedBefore(startedBefore: Date, limit: number): Promise<Session[]> {
    const rows = await this.rows<{ call_id: string; data: string }>(
      `SELECT call_id, data FROM sessions WHERE live
         AND ((started_key <> '' AND started_key < $1) OR (started_key = '' AND created_at < $2))
       LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [startedBefore.toISOString(), startedBefore.getTime(), limit],
    );
    return rows
      .filter((row) => !this.sessions.has(row.call_id))
      .map((row) => {
        this.read.set(row.call_id, row.data);
        return JSON.parse(row.data) as Session;
      });
  }

  async putSession(session: Session, now: Date): Promise<void> {
    if (!this.read.has(session.callId) && !this.sessions.has(session.callId)) await this.readAhead([session.callId]);
    const stored = this.sessions.get(session.callId)?.stored ?? this.read.get(session.callId) !== undefined;
    this.createdAt = now.getTime();
    this.sessions.set(session.callId, { data: JSON.stringify(session), columns: columnsOf(session), stored });
  }

  /**
   * Event ids come from an identity, and PostgreSQL hands them out at insert but makes them
   * visible at commit: were two transactions to write events at once, the one with the lower
   * ids could commit second, and a feed that had already read past the higher ids ("id >
   * cursor") would never see the lower ones. So every event-writing transaction takes one
   * advisory lock before its first event id and holds it until it commits or rolls back: ids
   * are handed out and become visible strictly in order, and `id > cursor` misses nothing.
   * What it costs: from their first event to their commit, event-writing transactions run one
   * at a time across every node. So the sessions put so far are written before the lock (the
   * domain puts a batch's sessions before its first event): under it remain the events, the
   * terminate commands and the commit; reading, locking and writing the sessions run in parallel.
   *
   * Under the lock no other transaction takes ids, so this one takes the next id once and
   * counts on from it; the flush moves the sequence past the last id it used.
   */
  async addEvent(body: EventBody, now: Date): Promise<Event> {
    let id: number;
    if (this.newestEventId === undefined) {
      await this.writeSessions();
      const [row] = await this.rows<{ id: number }>(
        `SELECT nextval(pg_get_serial_sequence('events', 'id')) AS id
         FROM (SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))) AS locked`,
        [eventWriteLock],
      );
      id = row!.id;
    } else {
      id = this.newestEventId + 1;
    }
    this.newestEventId = id;
    const row = [id, body.type, body.callId, JSON.stringify(body), now.getTime()];
    row.forEach((value, column) => this.events[column]!.push(value));
    return { id, ...body };
  }

  async terminateRequestedAt(callId: string): Promise<Date | undefined> {
    const pending = this.terminates.get(callId);
    if (pending) return pending.delete ? undefined : new Date(pending.requestedAt);
    const [stored] = await this.rows<{ requested_at: number }>('SELECT requested_at FROM terminate_commands WHERE call_id = $1', [callId]);
    return stored && new Date(stored.requested_at);
  }

  async putTerminate(callId: string, sbcServer: string, eventId: number, requestedAt: Date): Promise<void> {
    // A command replaced keeps when it was first requested, as the stored row does.
    const earlier = await this.terminateRequestedAt(callId);
    this.terminates.set(callId, { delete: false, sbcServer, eventId, requestedAt: (earlier ?? requestedAt).getTime() });
  }

  async deleteTerminate(callId: string): Promise<void> {
    this.terminates.set(callId, { delete: true });
  }

  /** Writes what waits, a statement per kind of row: sessions, events, terminate commands. */
  async flush(): Promise<void> {
    await this.writeSessions();
    if (this.newestEventId !== undefined) {
      // The NOTIFY is delivered at commit, to every node's feed: only the newest id (a payload
      // is bounded to 8000 bytes; the feed reads the events themselves).
      await this.client.query(
        `WITH written AS (
           INSERT INTO events (id, type, call_id, body, created_at) OVERRIDING SYSTEM VALUE
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[]))
         SELECT setval(pg_get_serial_sequence('events', 'id'), $6), pg_notify($7, $6::text)`,
        [...this.events, this.newestEventId, eventChannel],
      );
    }
    const terminates = [...this.terminates.entries()];
    const deleted = terminates.filter(([, t]) => t.delete).map(([id]) => id);
    if (deleted.length > 0) await this.client.query('DELETE FROM terminate_commands WHERE call_id = ANY($1)', [deleted]);
    const put = terminates.flatMap(([id, t]) => (t.delete ? [] : [{ id, ...t }]));
    if (put.length > 0) {
      await this.client.query(
        `INSERT INTO terminate_commands (call_id, sbc_server, event_id, requested_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
         ON CONFLICT (call_id) DO UPDATE SET sbc_server = excluded.sbc_server, event_id = excluded.event_id`,
        [put.map((t) => t.id), put.map((t) => t.sbcServer), put.map((t) => t.eventId), put.map((t) => t.requestedAt)],
      );
    }
  }

  /** Writes the sessions put since the last write; they stay readable here as stored ones. */
  private async writeSessions(): Promise<void> {
    const sessionColumnsOf = (pending: PendingSession[]) => sessionColumns.map((c) => pending.map((p) => p.columns[c]));
    const unnestSessions = `unnest($1::text[], $2::text[], ${sessionColumns.map((c, i) => `$${i + 3}::${columnTypes[c] ?? 'text'}[]`).join(', ')})`;
    const all = [...this.sessions.entries()];
    const updates = all.filter(([, p]) => p.stored);
    if (updates.length > 0) {
      await this.client.query(
        `UPDATE sessions s SET data = u.data, ${sessionColumns.map((c) => `${c} = u.${c}`).join(', ')}
         FROM ${unnestSessions} AS u(call_id, data, ${sessionColumns.join(', ')})
         WHERE s.call_id = u.call_id COLLATE "C"`,
        [updates.map(([id]) => id), updates.map(([, p]) => p.data), ...sessionColumnsOf(updates.map(([, p]) => p))],
      );
    }
    const inserts = all.filter(([, p]) => !p.stored);
    if (inserts.length > 0) {
      // A Call-ID that another transaction inserted meanwhile fails here (unique violation):
      // the whole transaction runs again, and merges into that session.
      await this.client.query(
        `INSERT INTO sessions (call_id, data, ${sessionColumns.join(', ')}, created_at)
         SELECT *, $${sessionColumns.length + 3}::bigint FROM ${unnestSessions}`,
        [inserts.map(([id]) => id), inserts.map(([, p]) => p.data), ...sessionColumnsOf(inserts.map(([, p]) => p)), this.createdAt],
      );
    }
    for (const [id, pending] of all) this.read.set(id, pending.data);
    this.sessions.clear();
  }

  /** Held to commit or rollback; what this transaction reads after it includes what the previous holder committed (READ COMMITTED). */
  async lock(name: string): Promise<void> {
    await this.client.query(`SELECT pg_advisory_xact_lock($1, ${namedLockKey})`, [namedLockClass, name]);
  }

  async customerTree(): Promise<CustomerParents> {
    const rows = await this.rows<{ id: string; parent_reseller: string | null }>('SELECT id, parent_reseller FROM customers', []);
    return new Map(rows.map((r) => [r.id, r.parent_reseller ?? undefined]));
  }

  async putCustomer(customer: Customer): Promise<boolean> {
    const [row] = await this.rows<{ created: boolean }>(
      `INSERT INTO customers (id, name, parent_reseller, features) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_reseller = excluded.parent_reseller, features = excluded.features
       RETURNING (xmax = 0) AS created`,
      [customer.id, customer.name, customer.parentReseller ?? null, JSON.stringify(customer.features ?? [])],
    );
    if (!this.changedCustomers) await this.client.query('UPDATE customer_tree_version SET version = version + 1');
    this.changedCustomers = true;
    return row!.created;
  }

  async countTokens(): Promise<number> {
    const [row] = await this.rows<{ n: number }>('SELECT COUNT(*) AS n FROM tokens', []);
    return row!.n;
  }

  async insertToken(token: NewTokenRow): Promise<void> {
    await this.client.query(
      `INSERT INTO tokens (id, hash, level, customer_id, name, sbc_server, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [token.id, token.hash, token.level, token.customerId ?? null, token.name ?? null, token.sbcServer ?? null, token.createdAt.getTime(), token.expiresAt?.getTime() ?? null],
    );
  }
}

/**
 * A new empty schema in the database of `baseUrl`, and the URL of a store inside it (the schema
 * first on the search_path, `public` after it for pg_trgm): how test suites give each server a
 * database of its own on one PostgreSQL. `drop` removes the schema and everything in it.
 */
export async function temporarySchema(baseUrl: string, prefix: string): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = `${prefix}${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client(connectionConfig(baseUrl, 1));
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  // The name is ours (a prefix and hex digits): safe to write into the statement.
  await admin(`CREATE SCHEMA ${schema}`);
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema},public`);
  return { url: url.toString(), schema, drop: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

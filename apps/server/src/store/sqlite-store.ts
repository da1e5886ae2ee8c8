import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Customer, Event, Session, SessionEvent, TerminateCommand } from '@sbc/contract';
import { hashToken, scopeIncludes } from '../auth.js';
import { mergeReport, normalizeSession, summarize } from '../sessions.js';
import { migrate } from './migrations.js';
import type {
  AccessLevel,
  CustomerParents,
  EndRequest,
  Maintenance,
  ReportInput,
  ReportOutcome,
  Reporter,
  Scope,
  SessionFilter,
  SessionStore,
  TokenInput,
  TokenRecord,
  UnansweredEndRequests,
} from './session-store.js';

interface SessionRow {
  data: string;
  source_customer_id: string | null;
  destination_customer_id: string | null;
}

/** The columns that lists filter and sort on, derived from the session JSON held in `data`. */
interface SessionColumns {
  started_key: string;
  ended: string | null;
  live: number;
  direction: string | null;
  a_number: string | null;
  b_number: string | null;
  source_customer_id: string | null;
  destination_customer_id: string | null;
  sbc_server: string | null;
}

const sessionColumns = [
  'started_key',
  'ended',
  'live',
  'direction',
  'a_number',
  'b_number',
  'source_customer_id',
  'destination_customer_id',
  'sbc_server',
] as const satisfies ReadonlyArray<keyof SessionColumns>;

/** A stored session as a write needs it: where it is, what it holds, and its columns as stored. */
interface StoredSession extends SessionColumns {
  id: number;
  data: string;
}

const storedSessionSql = `SELECT id, data, ${sessionColumns.join(', ')} FROM sessions`;

interface TokenRow {
  id: string;
  level: AccessLevel;
  customer_id: string | null;
  name: string | null;
  sbc_server: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

interface CustomerRow {
  id: string;
  name: string;
  parent_reseller: string | null;
  features: string;
}

const scopeCte = `WITH RECURSIVE scope(id) AS (
  SELECT @reseller UNION SELECT c.id FROM customers c JOIN scope s ON c.parent_reseller = s.id)`;
/** The customers of a list's scope, given as a JSON array in @scope. */
const scopeIdsSql = '(SELECT value FROM json_each(@scope))';
// The unary + keeps the planner from starting at the scope: a list filtered further starts at
// its number or customer, one filtered by the scope alone goes through scopedIds.
const inScope = `(+source_customer_id IN ${scopeIdsSql} OR +destination_customer_id IN ${scopeIdsSql})`;

/**
 * The ids of sessions with a customer in @scope that meet `where`, read from the two customer
 * indexes alone (they hold every column a list filters on): the calls of the
 * scope's source customers, then those reached only through their destination customer.
 */
function scopedIds(where: string[]): string {
  const also = where.map((condition) => ` AND ${condition}`).join('');
  return `SELECT id FROM sessions INDEXED BY sessions_source_customer WHERE source_customer_id IN ${scopeIdsSql}${also}
    UNION ALL SELECT id FROM sessions INDEXED BY sessions_destination_customer WHERE destination_customer_id IN ${scopeIdsSql}
      AND (source_customer_id IS NULL OR source_customer_id NOT IN ${scopeIdsSql})${also}`;
}

/** SQLite result codes that say the storage refuses writes, rather than that one write was wrong. */
const storageFailure = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|NOMEM)/;

/** The embedded store: one SQLite file in WAL mode; this module holds all of the server's SQL. */
export class SqliteSessionStore implements SessionStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private parents: { version: number; map: Map<string, string | undefined> } | undefined;
  /** Set while writes fail for want of storage (disk full, read-only or failing file): readiness reports it. */
  private writeFailure: { since: Date; reason: string } | undefined;

  constructor(path: string) {
    if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    // First, so that even switching to WAL waits for another process rather than failing.
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit that acknowledges an ingest is on disk before the answer leaves.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    // 32 MiB of page cache (the default is 2 MiB): list filters and number search touch many pages.
    this.db.pragma('cache_size = -32768');
    // Checkpoint every 10,000 WAL pages (40 MiB) rather than 1,000: an ingest rewrites the same
    // index pages over and over, and a checkpoint copies each once however often it changed.
    this.db.pragma('wal_autocheckpoint = 10000');
    migrate(this.db);
  }

  /** Prepared once per SQL text; list queries vary only by which filters are present. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  async getSession(callId: string, scope: Scope): Promise<Session | undefined> {
    const json = await this.getSessionJson(callId, scope);
    return json === undefined ? undefined : (JSON.parse(json) as Session);
  }

  async getSessionJson(callId: string, scope: Scope): Promise<string | undefined> {
    const row = this.sessionRow(callId);
    return row && this.rowInScope(row, scope) ? row.data : undefined;
  }

  private sessionRow(callId: string): SessionRow | undefined {
    return this.sql(
      'SELECT data, source_customer_id, destination_customer_id FROM sessions WHERE call_id = ?',
    ).get(callId) as SessionRow | undefined;
  }

  private rowInScope(row: SessionRow, scope: Scope): boolean {
    return scope.all || scopeIncludes(scope, this.customerParents(), row.source_customer_id, row.destination_customer_id);
  }

  /**
   * Each customer's parent reseller, kept in memory: every scoped request walks it. Read again
   * after this store changes customers, or after another process (`pnpm admin`) wrote to the
   * file, which `PRAGMA data_version` tells.
   */
  private customerParents(): Map<string, string | undefined> {
    const version = this.sql('PRAGMA data_version').pluck().get() as number;
    if (this.parents?.version !== version) {
      const rows = this.sql('SELECT id, parent_reseller FROM customers').raw().all() as Array<[string, string | null]>;
      this.parents = { version, map: new Map(rows.map(([id, parent]) => [id, parent ?? undefined])) };
    }
    return this.parents.map;
  }

  async listSessions(filter: SessionFilter, scope: Scope): Promise<{ total: number; sessions: Session[] }> {
    const { where, params, numberIds } = listConditions(filter, scope);
    // The scope's customers first (a handful), so that the customer indexes can be searched for them.
    if (!scope.all) params['scope'] = JSON.stringify(await this.customersInScope(scope.resellerId));
    const visible = scope.all ? where : [inScope, ...where];
    const clause = visible.length ? `WHERE ${visible.join(' AND ')}` : '';
    const order = 'ORDER BY started_key DESC, call_id ASC LIMIT @limit OFFSET @offset';
    const page = { ...params, offset: filter.offset, limit: filter.limit };
    const wanted = filter.offset + filter.limit;
    const count = (sql: string) => (this.sql(`SELECT COUNT(*) AS n FROM (${sql})`).get(params) as { n: number }).n;
    let total: number;
    let rows: string;
    if (filter.live === true && numberIds === undefined) {
      // Live calls are few next to ended ones: start from them whatever else is asked (the
      // planner cannot know that, and a direction index would make it scan half the table).
      total = count(`SELECT 1 FROM sessions INDEXED BY sessions_live ${clause}`);
      rows = `SELECT data FROM sessions INDEXED BY sessions_live ${clause} ${order}`;
    } else if (numberIds !== undefined && scope.all && where.length === 1) {
      // A number search alone: count the matching ids, and for many matches walk the sessions
      // in list order rather than fetch and sort every match.
      total = count(numberIds);
      const index = this.walkInListOrder(total, wanted) ? 'INDEXED BY sessions_order' : '';
      rows = `SELECT data FROM sessions ${index} ${clause} ${order}`;
    } else if (!scope.all && filter.customer === undefined) {
      // A reseller's calls: counted on the customer indexes, which hold every filtered column
      // (a searched number's ids are looked up in a set, not read from the table row by row).
      const ids = scopedIds(where);
      total = count(ids);
      rows = this.walkInListOrder(total, wanted)
        ? `SELECT data FROM sessions INDEXED BY sessions_order ${clause} ${order}`
        : `SELECT data FROM sessions WHERE id IN (${ids}) ${order}`;
    } else {
      total = count(`SELECT 1 FROM sessions ${clause}`);
      rows = `SELECT data FROM sessions ${clause} ${order}`;
    }
    if (total === 0) return { total, sessions: [] };
    const found = this.sql(rows).all(page) as Array<{ data: string }>;
    return { total, sessions: found.map((r) => JSON.parse(r.data) as Session) };
  }

  /**
   * Walking the list-order index finds `wanted` of `matches` rows after about
   * wanted × rows / matches index entries (cheap, in order); the planner's way fetches every
   * match and sorts (a table lookup each). Measured on a million sessions, the walk wins once
   * matches² exceeds about wanted × rows / 30.
   */
  private walkInListOrder(matches: number, wanted: number): boolean {
    const rows = (this.sql('SELECT MAX(id) AS n FROM sessions').get() as { n: number | null }).n ?? 0;
    return matches * matches * 30 > wanted * rows;
  }

  async applyReports(reports: ReportInput[], reporter: Reporter, now: Date): Promise<{ outcomes: ReportOutcome[]; events: Event[] }> {
    const apply = this.db.transaction(() => {
      const outcomes: ReportOutcome[] = [];
      const events: Event[] = [];
      for (const { callId, report, reporter: own } of reports) {
        const row = this.sql(`${storedSessionSql} WHERE call_id = ?`).get(callId) as StoredSession | undefined;
        const existing = row ? (JSON.parse(row.data) as Session) : undefined;
        const merged = mergeReport(existing, callId, report, { reporterSbc: (own ?? reporter).sbcServer });
        if (!merged.ok) {
          outcomes.push({ result: 'rejected', status: merged.status, field: merged.field, description: merged.description });
          continue;
        }
        if (!merged.changed) {
          outcomes.push({ result: 'unchanged', session: merged.session });
          continue;
        }
        this.writeSession(merged.session, now, row);
        for (const milestone of merged.reached) {
          events.push(this.addSessionEvent(milestone, merged.session, merged.session[milestone]!, now));
        }
        if (merged.reached.includes('ended')) this.sql('DELETE FROM terminate_commands WHERE call_id = ?').run(callId);
        else if (existing && merged.session.sbcServer !== existing.sbcServer) {
          const command = this.followOwner(merged.session, now);
          if (command) events.push(command);
        }
        outcomes.push({ result: existing ? 'updated' : 'created', session: merged.session });
      }
      return { outcomes, events };
    });
    return this.write(apply);
  }

  /**
   * Inserts a new session, or updates a stored one. An update sets only the columns that
   * changed: SQLite rewrites the entries of every index over a column an UPDATE sets, changed
   * or not, and most reports (answer, end) change one or two columns, if any.
   */
  private writeSession(session: Session, now: Date, stored?: StoredSession): void {
    const columns = columnsOf(session);
    const data = JSON.stringify(session);
    if (stored === undefined) {
      this.sql(
        `INSERT INTO sessions (call_id, data, created_at, ${sessionColumns.join(', ')})
         VALUES (@callId, @data, @now, ${sessionColumns.map((c) => `@${c}`).join(', ')})`,
      ).run({ callId: session.callId, data, now: now.getTime(), ...columns });
      return;
    }
    const changed = sessionColumns.filter((c) => columns[c] !== stored[c]);
    const values: Record<string, unknown> = { id: stored.id, data };
    for (const c of changed) values[c] = columns[c];
    this.sql(`UPDATE sessions SET ${['data', ...changed].map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`).run(values);
  }

  private addEvent(body: Omit<SessionEvent, 'id'> | Omit<TerminateCommand, 'id'>, now: Date): Event {
    const json = JSON.stringify(body);
    const { lastInsertRowid } = this.sql('INSERT INTO events (type, call_id, body, created_at) VALUES (?, ?, ?, ?)').run(
      body.type,
      body.callId,
      json,
      now.getTime(),
    );
    return { id: Number(lastInsertRowid), ...body } as Event;
  }

  private addSessionEvent(type: 'started' | 'answered' | 'ended' | 'terminationRequested', session: Session, time: string, now: Date): Event {
    return this.addEvent({ type, callId: session.callId, time, session: summarize(session) }, now);
  }

  async requestEnd(callId: string, scope: Scope, now: Date): Promise<EndRequest> {
    const request = this.db.transaction((): EndRequest => {
      const row = this.sql(`${storedSessionSql} WHERE call_id = ?`).get(callId) as StoredSession | undefined;
      if (!row || !this.rowInScope(row, scope)) return { found: false };
      const stored = JSON.parse(row.data) as Session;
      if (stored.ended !== undefined) return { found: true, outcome: 'alreadyEnded', session: stored, events: [] };
      if (stored.terminationRequested !== undefined) return { found: true, outcome: 'alreadyRequested', session: stored, events: [] };
      const time = now.toISOString();
      const session = normalizeSession({ ...stored, terminationRequested: time });
      this.writeSession(session, now, row);
      const events = [this.addSessionEvent('terminationRequested', session, time, now)];
      if (session.sbcServer !== undefined) events.push(this.issueTerminate(callId, session.sbcServer, now, now));
      return { found: true, outcome: 'requested', session, events };
    });
    return this.write(request);
  }

  /**
   * Stores the terminate command of a call for one SBC node, replacing any earlier one: a
   * session has at most one pending command, and only its owner gets it.
   */
  private issueTerminate(callId: string, sbcServer: TerminateCommand['sbcServer'], requestedAt: Date, now: Date): Event {
    const command = this.addEvent({ type: 'terminate', callId, sbcServer, time: requestedAt.toISOString() }, now);
    this.sql(
      `INSERT INTO terminate_commands (call_id, sbc_server, event_id, requested_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (call_id) DO UPDATE SET sbc_server = excluded.sbc_server, event_id = excluded.event_id`,
    ).run(callId, sbcServer, command.id, requestedAt.getTime());
    return command;
  }

  /**
   * A session moved to another SBC node (an administrator's report) takes its pending terminate
   * command along: issued anew to the new owner, and no longer sent to the old one, whose end
   * report would now be refused.
   */
  private followOwner(session: Session, now: Date): Event | undefined {
    const pending = this.sql('SELECT requested_at FROM terminate_commands WHERE call_id = ?').get(session.callId) as
      | { requested_at: number }
      | undefined;
    if (pending === undefined || session.sbcServer === undefined) return undefined;
    return this.issueTerminate(session.callId, session.sbcServer, new Date(pending.requested_at), now);
  }

  async eventsAfter(afterId: number, limit: number): Promise<Event[]> {
    const rows = this.sql('SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Array<{ id: number; body: string }>;
    return rows.map((r) => ({ id: r.id, ...JSON.parse(r.body) }) as Event);
  }

  async pendingTerminates(sbcServer: string): Promise<Event[]> {
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
    const rows = this.sql(
      `SELECT sbc_server, COUNT(*) AS count, MIN(requested_at) AS oldest FROM terminate_commands
       WHERE requested_at < ? GROUP BY sbc_server ORDER BY sbc_server`,
    ).all(requestedBefore.getTime()) as Array<{ sbc_server: string; count: number; oldest: number }>;
    return rows.map((r) => ({ sbcServer: r.sbc_server, count: r.count, oldest: new Date(r.oldest) }));
  }

  async maintain(now: Date, retentionHours: number, maxCallHours: number, batchSize: number): Promise<Maintenance> {
    const endedStale = this.endStaleCalls(now, new Date(now.getTime() - maxCallHours * 3_600_000), batchSize);
    const retainedFrom = new Date(now.getTime() - retentionHours * 3_600_000);
    const deletedSessions = this.sql(
      `DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions WHERE ended IS NOT NULL AND ended < ? LIMIT ?)`,
    ).run(retainedFrom.toISOString(), batchSize).changes;
    const deletedEvents = this.sql(
      'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < ? ORDER BY id LIMIT ?)',
    ).run(retainedFrom.getTime(), batchSize).changes;
    return { deletedSessions, deletedEvents, endedStale };
  }

  private endStaleCalls(now: Date, startedBefore: Date, batchSize: number): Event[] {
    const end = this.db.transaction(() => {
      const rows = this.sql(
        `${storedSessionSql} WHERE live = 1
           AND ((started_key <> '' AND started_key < @iso) OR (started_key = '' AND created_at < @ms)) LIMIT @limit`,
      ).all({ iso: startedBefore.toISOString(), ms: startedBefore.getTime(), limit: batchSize }) as StoredSession[];
      return rows.map((row) => {
        const stale = JSON.parse(row.data) as Session;
        const ended = latest(now.toISOString(), stale.started, stale.answered);
        const session = { ...stale, ended, endedReason: stale.endedReason ?? 'TIMEOUT', endedBy: stale.endedBy ?? 'S' } as Session;
        this.writeSession(session, now, row);
        this.sql('DELETE FROM terminate_commands WHERE call_id = ?').run(session.callId);
        return this.addSessionEvent('ended', session, ended, now);
      });
    });
    return this.write(end);
  }

  async countLiveSessions(): Promise<number> {
    return (this.sql('SELECT COUNT(*) AS n FROM sessions WHERE live = 1').get() as { n: number }).n;
  }

  async putCustomer(customer: Customer): Promise<{ created: boolean }> {
    this.parents = undefined;
    return this.write(this.db.transaction(() => ({ created: this.upsertCustomer(customer) })));
  }

  /** True when the customer is new. */
  private upsertCustomer(customer: Customer): boolean {
    const existed = this.sql('SELECT 1 FROM customers WHERE id = ?').get(customer.id) !== undefined;
    this.sql(
      `INSERT INTO customers (id, name, parent_reseller, features) VALUES (@id, @name, @parent, @features)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_reseller = excluded.parent_reseller, features = excluded.features`,
    ).run({ id: customer.id, name: customer.name, parent: customer.parentReseller ?? null, features: JSON.stringify(customer.features ?? []) });
    return !existed;
  }

  async getCustomer(id: string): Promise<Customer | undefined> {
    const row = this.sql('SELECT id, name, parent_reseller, features FROM customers WHERE id = ?').get(id) as CustomerRow | undefined;
    return row && toCustomer(row);
  }

  async listCustomers(offset: number, limit: number): Promise<{ total: number; customers: Customer[] }> {
    const { total } = this.sql('SELECT COUNT(*) AS total FROM customers').get() as { total: number };
    const rows = this.sql('SELECT id, name, parent_reseller, features FROM customers ORDER BY id LIMIT ? OFFSET ?').all(limit, offset) as CustomerRow[];
    return { total, customers: rows.map(toCustomer) };
  }

  async deleteCustomer(id: string): Promise<boolean> {
    this.parents = undefined;
    return this.sql('DELETE FROM customers WHERE id = ?').run(id).changes > 0;
  }

  async customerTree(): Promise<CustomerParents> {
    return this.customerParents();
  }

  async customersInScope(resellerId: string): Promise<string[]> {
    const rows = this.sql(`${scopeCte} SELECT id FROM scope`).all({ reseller: resellerId }) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  async checkParent(id: string, parentReseller: string | undefined): Promise<string | undefined> {
    if (parentReseller === undefined) return undefined;
    if (this.sql('SELECT 1 FROM customers WHERE id = ?').get(parentReseller) === undefined) {
      return `parentReseller ${parentReseller} is not a known customer`;
    }
    const cycle = this.sql(
      `WITH RECURSIVE up(id) AS (SELECT @parent UNION SELECT c.parent_reseller FROM customers c JOIN up ON c.id = up.id
         WHERE c.parent_reseller IS NOT NULL)
       SELECT 1 FROM up WHERE id = @id LIMIT 1`,
    ).get({ parent: parentReseller, id });
    return cycle === undefined ? undefined : `parentReseller ${parentReseller} would make ${id} its own reseller`;
  }

  /** Imports customers in one transaction, in any order (a parent may come after its children). */
  async importCustomers(customers: Customer[]): Promise<{ created: number; replaced: number }> {
    this.parents = undefined;
    const created = this.write(this.db.transaction(() => customers.filter((c) => this.upsertCustomer(c)).length));
    return { created, replaced: customers.length - created };
  }

  async createToken(input: TokenInput, now: Date = new Date()): Promise<{ token: string; id: string }> {
    const token = `sbc_${randomBytes(32).toString('base64url')}`;
    const id = `tok_${randomBytes(8).toString('hex')}`;
    this.sql(
      `INSERT INTO tokens (id, hash, level, customer_id, name, sbc_server, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, hashToken(token), input.level, input.customerId ?? null, input.name ?? null, input.sbcServer ?? null, now.getTime(), input.expiresAt?.getTime() ?? null);
    return { token, id };
  }

  async findToken(secret: string): Promise<TokenRecord | undefined> {
    const row = this.sql('SELECT * FROM tokens WHERE hash = ?').get(hashToken(secret)) as TokenRow | undefined;
    return row && toToken(row);
  }

  async listTokens(): Promise<TokenRecord[]> {
    return (this.sql('SELECT * FROM tokens ORDER BY created_at, id').all() as TokenRow[]).map(toToken);
  }

  async revokeToken(idOrSecret: string, now: Date = new Date()): Promise<boolean> {
    const { changes } = this.sql('UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? OR hash = ?').run(
      now.getTime(),
      idOrSecret,
      hashToken(idOrSecret),
    );
    return changes > 0;
  }

  async countTokens(): Promise<number> {
    return (this.sql('SELECT COUNT(*) AS n FROM tokens').get() as { n: number }).n;
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
    this.write(this.db.transaction(() => this.db.pragma(`user_version = ${Number(this.db.pragma('user_version', { simple: true }))}`)));
  }

  /** Runs a write transaction, and keeps track of whether the storage takes writes. */
  private write<T>(transaction: Database.Transaction<() => T>): T {
    try {
      const result = transaction.immediate();
      this.writeFailure = undefined;
      return result;
    } catch (error) {
      if (error instanceof Database.SqliteError && storageFailure.test(error.code)) {
        this.writeFailure = { since: this.writeFailure?.since ?? new Date(), reason: error.message };
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** The WHERE conditions of a list (ANDed) and their parameters; `numberIds` when a number is searched. */
function listConditions(filter: SessionFilter, scope: Scope): { where: string[]; params: Record<string, unknown>; numberIds?: string } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  let numberIds: string | undefined;
  if (filter.number !== undefined) {
    const matching = numberSearch(filter.number.replace(/^ /, '+'));
    numberIds = matching.ids;
    where.push(`id IN (${matching.ids})`);
    Object.assign(params, matching.params);
  }
  if (filter.customer !== undefined) {
    where.push('(source_customer_id = @customer OR destination_customer_id = @customer)');
    // A customer outside the scope matches nothing, even on calls the reseller may see.
    if (!scope.all) where.push(`@customer IN ${scopeIdsSql}`);
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
  return numberIds === undefined ? { where, params } : { where, params, numberIds };
}

/** The smallest text above every text that starts with `prefix`. */
function nextPrefix(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * The ids of sessions whose A- or B-number contains `text`. A leading `+` can only match at the
 * start of a number: a prefix range on the number indexes. Other text: the trigram index, or,
 * below three characters, a scan.
 */
function numberSearch(text: string): { ids: string; params: Record<string, string> } {
  if (text.startsWith('+')) {
    return {
      ids: `SELECT id FROM sessions WHERE a_number >= @numberLow AND a_number < @numberHigh
            UNION SELECT id FROM sessions WHERE b_number >= @numberLow AND b_number < @numberHigh`,
      params: { numberLow: text, numberHigh: nextPrefix(text) },
    };
  }
  if (text.length >= 3) return { ids: 'SELECT rowid FROM session_numbers WHERE session_numbers MATCH @match', params: { match: `"${text}"` } };
  return { ids: 'SELECT id FROM sessions WHERE a_number LIKE @like OR b_number LIKE @like', params: { like: `%${text}%` } };
}

function columnsOf(session: Session): SessionColumns {
  return {
    started_key: session.started ?? '',
    ended: session.ended ?? null,
    live: session.ended === undefined ? 1 : 0,
    direction: session.direction ?? null,
    a_number: session.aNumber ?? null,
    b_number: session.bNumber ?? null,
    source_customer_id: session.sourceCustomerId ?? null,
    destination_customer_id: session.destinationCustomerId ?? null,
    // The contract types an IP address as a oneOf of string formats; it is a string.
    sbc_server: (session.sbcServer as string | undefined) ?? null,
  };
}

function latest(...times: Array<string | undefined>): string {
  return times.filter((t): t is string => t !== undefined).sort().at(-1)!;
}

function toCustomer(row: CustomerRow): Customer {
  const features = JSON.parse(row.features) as Customer['features'];
  return row.parent_reseller === null
    ? { id: row.id, name: row.name, features }
    : { id: row.id, name: row.name, parentReseller: row.parent_reseller, features };
}

function toToken(row: TokenRow): TokenRecord {
  const token: TokenRecord = { id: row.id, level: row.level, createdAt: new Date(row.created_at) };
  if (row.customer_id !== null) token.customerId = row.customer_id;
  if (row.name !== null) token.name = row.name;
  if (row.sbc_server !== null) token.sbcServer = row.sbc_server;
  if (row.expires_at !== null) token.expiresAt = new Date(row.expires_at);
  if (row.revoked_at !== null) token.revokedAt = new Date(row.revoked_at);
  return token;
}

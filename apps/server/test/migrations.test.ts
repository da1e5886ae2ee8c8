import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Session } from '@sbc/contract';
import { describe, expect, it } from 'vitest';
import { latestVersion, migrate } from '../src/store/migrations.js';
import { openStore } from '../src/store/open-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { ListScope } from '../src/store/backend.js';
import type { SessionFilter } from '../src/domain/session-store.js';

describe('schema migrations', () => {
  it('bring an empty database to the latest version, once', () => {
    const db = new Database(':memory:');
    migrate(db);
    migrate(db);
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(versions).toEqual(Array.from({ length: latestVersion }, (_, i) => i + 1));
  });

  it('refuse a database newer than the code', () => {
    const db = new Database(':memory:');
    migrate(db);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(latestVersion + 1, 'future', 'now');
    expect(() => migrate(db)).toThrow(/newer than this server/);
  });

  it('leave the list query plans on their indexes', () => {
    const db = new Database(':memory:');
    migrate(db);
    const plan = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => (r as { detail: string }).detail).join(' | ');
    expect(plan("SELECT data FROM sessions WHERE call_id = 'x'")).toContain('USING INDEX sqlite_autoindex_sessions_1');
    expect(plan('SELECT data FROM sessions WHERE live = 1 ORDER BY started_key DESC, call_id LIMIT 100')).toContain('USING INDEX sessions_live');
    expect(plan('SELECT data FROM sessions ORDER BY started_key DESC, call_id LIMIT 100')).toContain('sessions_order');
    expect(plan("SELECT data FROM sessions WHERE source_customer_id = 'a' OR destination_customer_id = 'a'")).toMatch(/sessions_source_customer.*sessions_destination_customer/);
    expect(plan("SELECT id FROM sessions WHERE ended IS NOT NULL AND ended < 'x' LIMIT 10")).toContain('sessions_ended');
    expect(plan('SELECT id FROM events WHERE created_at < 5 ORDER BY created_at, id LIMIT 10')).toContain('COVERING INDEX events_created');
    expect(plan("SELECT session_id FROM number_sessions WHERE number >= '+4570' AND number < '+4571'")).toContain('SEARCH number_sessions USING PRIMARY KEY');
    const filters = "live = 0 AND direction = 'O' AND (b_number >= '+45' AND b_number < '+46')";
    expect(plan(`SELECT COUNT(*) FROM sessions WHERE ${filters}`)).toContain('COVERING INDEX sessions_order');
    expect(plan(`SELECT data FROM sessions WHERE ${filters} ORDER BY started_key DESC, call_id LIMIT 50`)).toBe('SCAN sessions USING INDEX sessions_order');
  });

  it("count a reseller's filtered calls from the customer indexes alone, without reading a session", () => {
    const db = new Database(':memory:');
    migrate(db);
    const plan = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => (r as { detail: string }).detail).join(' | ');
    const filters = "direction = 'O' AND live = 0 AND NOT (b_number >= '+45' AND b_number < '+46')";
    expect(plan(`SELECT COUNT(*) FROM sessions INDEXED BY sessions_source_customer WHERE source_customer_id IN ('a', 'b') AND ${filters}`)).toContain(
      'COVERING INDEX sessions_source_customer',
    );
    expect(
      plan(
        `SELECT COUNT(*) FROM sessions INDEXED BY sessions_destination_customer WHERE destination_customer_id IN ('a', 'b')
           AND (source_customer_id IS NULL OR source_customer_id NOT IN ('a', 'b')) AND ${filters}`,
      ),
    ).toContain('COVERING INDEX sessions_destination_customer');
  });
});

describe('migration 5', () => {
  it('moves a requested end of a version 4 database into the session, as terminationRequested', () => {
    const db = new Database(':memory:');
    // A version 4 database: the time only in termination_requested_at, as version 4 stored it.
    migrate(db, 4);
    const insert = db.prepare(
      `INSERT INTO sessions (call_id, data, started_key, live, termination_requested_at, created_at) VALUES (?, ?, '', 1, ?, 0)`,
    );
    insert.run('asked@x', JSON.stringify({ callId: 'asked@x' }), Date.parse('2030-01-01T12:00:01.234Z'));
    insert.run('quiet@x', JSON.stringify({ callId: 'quiet@x' }), null);
    migrate(db);
    const data = (id: string) => JSON.parse(db.prepare('SELECT data FROM sessions WHERE call_id = ?').pluck().get(id) as string);
    expect(data('asked@x')).toEqual({ callId: 'asked@x', terminationRequested: '2030-01-01T12:00:01.234Z' });
    expect(data('quiet@x')).toEqual({ callId: 'quiet@x' });
  });
});

describe('migration 8', () => {
  const insertSession = (db: Database.Database, callId: string, aNumber: string | null, bNumber: string | null) =>
    db
      .prepare(`INSERT INTO sessions (call_id, data, started_key, live, a_number, b_number, created_at) VALUES (?, '{}', '', 1, ?, ?, 0)`)
      .run(callId, aNumber, bNumber);
  const numbers = (db: Database.Database) => db.prepare('SELECT number FROM numbers ORDER BY number').pluck().all();
  const containing = (db: Database.Database, text: string) =>
    db.prepare('SELECT number FROM numbers WHERE id IN (SELECT rowid FROM number_trigrams WHERE number_trigrams MATCH ?) ORDER BY number').pluck().all(`"${text}"`);

  it("indexes each distinct number of a version 7 database's sessions once, for substring search", () => {
    const db = new Database(':memory:');
    migrate(db, 7);
    insertSession(db, 'one@x', '+4570301234', '+4512345678');
    insertSession(db, 'two@x', '+4570301234', '+4699999999');
    insertSession(db, 'three@x', 'anonymous', null);
    migrate(db);
    expect(numbers(db)).toEqual(['+4512345678', '+4570301234', '+4699999999', 'anonymous']);
    expect(containing(db, '0301')).toEqual(['+4570301234']);
  });

  it('indexes a new number as its first session is stored, and drops it with the last session that holds it', () => {
    const db = new Database(':memory:');
    migrate(db, 9);
    insertSession(db, 'one@x', '+4570301234', '+4512345678');
    insertSession(db, 'two@x', '+4570301234', null);
    expect(containing(db, '7030')).toEqual(['+4570301234']);
    db.prepare("DELETE FROM sessions WHERE call_id = 'one@x'").run();
    expect(numbers(db)).toEqual(['+4570301234']);
    expect(containing(db, '2345')).toEqual([]);
    db.prepare("UPDATE sessions SET a_number = '+4511112222' WHERE call_id = 'two@x'").run();
    expect(numbers(db)).toEqual(['+4511112222']);
    expect(containing(db, '1111')).toEqual(['+4511112222']);
  });
});

describe('migration 10', () => {
  const filter = { offset: 0, limit: 10, homeCountryCode: '45' };
  const callIds = (page: { sessions: Session[] }) => page.sessions.map((s) => s.callId).sort();

  it("keeps a version 9 database's numbers, and still drops a number with the last session that holds it", () => {
    const db = new Database(':memory:');
    migrate(db, 9);
    const insert = db.prepare(`INSERT INTO sessions (call_id, data, started_key, live, a_number, b_number, created_at) VALUES (?, '{}', '', 1, ?, ?, 0)`);
    insert.run('one@x', '+4570301234', '+4512345678');
    insert.run('two@x', '+4570301234', null);
    migrate(db);
    db.prepare("DELETE FROM sessions WHERE call_id = 'one@x'").run();
    expect(db.prepare('SELECT number FROM numbers ORDER BY number').pluck().all()).toEqual(['+4570301234']);
  });

  it("makes a new session's numbers searchable as the store inserts it, each number once", async () => {
    const store = new SqliteStore(':memory:');
    const now = new Date();
    await store.transaction(async (tx) => {
      await tx.putSession({ callId: 'one@x', sbcServer: '10.0.0.1', aNumber: '+4570301234', bNumber: '+4512345678' }, now);
      await tx.putSession({ callId: 'two@x', sbcServer: '10.0.0.1', aNumber: '+4512345678', bNumber: '+4570301234' }, now);
      await tx.putSession({ callId: 'three@x', sbcServer: '10.0.0.1', aNumber: 'anonymous' }, now);
    });
    expect(callIds(await store.listSessions({ ...filter, number: '7030' }, { all: true }))).toEqual(['one@x', 'two@x']);
    expect(callIds(await store.listSessions({ ...filter, number: 'nonym' }, { all: true }))).toEqual(['three@x']);
    await store.close();
  });
});

describe('migration 9', () => {
  it("gives the sessions of a version 8 database their answer and talk time as columns, from the session's JSON", () => {
    const db = new Database(':memory:');
    migrate(db, 8);
    const insert = db.prepare(`INSERT INTO sessions (call_id, data, started_key, ended, live, created_at) VALUES (?, ?, '', ?, ?, 0)`);
    const talked = { callId: 'talked@x', answered: '2026-01-15T12:00:05.000Z', ended: '2026-01-15T12:01:05.500Z' };
    const talking = { callId: 'talking@x', answered: '2026-01-15T12:00:05.000Z' };
    const failed = { callId: 'failed@x', ended: '2026-01-15T12:00:09.000Z' };
    insert.run(talked.callId, JSON.stringify(talked), talked.ended, 0);
    insert.run(talking.callId, JSON.stringify(talking), null, 1);
    insert.run(failed.callId, JSON.stringify(failed), failed.ended, 0);
    migrate(db);
    expect(db.prepare('SELECT call_id, answered, talk_ms FROM sessions ORDER BY call_id').all()).toEqual([
      { call_id: 'failed@x', answered: null, talk_ms: null },
      { call_id: 'talked@x', answered: '2026-01-15T12:00:05.000Z', talk_ms: 60_500 },
      { call_id: 'talking@x', answered: '2026-01-15T12:00:05.000Z', talk_ms: null },
    ]);
  });

  it("counts a window's calls from the indexes alone, an administrator's and a reseller's", () => {
    const db = new Database(':memory:');
    migrate(db);
    const plan = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => (r as { detail: string }).detail).join(' | ');
    const counts = 'COUNT(*), COUNT(ended), COUNT(talk_ms), TOTAL(talk_ms)';
    expect(plan(`SELECT ${counts} FROM sessions INDEXED BY sessions_order WHERE started_key >= 'x'`)).toContain('COVERING INDEX sessions_order');
    expect(plan(`SELECT ${counts} FROM sessions INDEXED BY sessions_source_customer WHERE source_customer_id IN ('a') AND started_key >= 'x'`)).toContain(
      'COVERING INDEX sessions_source_customer',
    );
    expect(
      plan(
        `SELECT ${counts} FROM sessions INDEXED BY sessions_destination_customer WHERE destination_customer_id IN ('a')
           AND (source_customer_id IS NULL OR source_customer_id NOT IN ('a')) AND started_key >= 'x'`,
      ),
    ).toContain('COVERING INDEX sessions_destination_customer');
    expect(
      plan("SELECT COUNT(*) FROM sessions INDEXED BY sessions_ended WHERE ended >= 'x' AND (+source_customer_id IN ('a') OR +destination_customer_id IN ('a'))"),
    ).toContain('COVERING INDEX sessions_ended');
  });
});

describe('migration 12', () => {
  it('leaves the answer out of every index, so that an answer rewrites only its row', () => {
    const db = new Database(':memory:');
    migrate(db);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions'").pluck().all() as string[];
    const holding = indexes.filter((index) => db.prepare('SELECT name FROM pragma_index_xinfo(?)').pluck().all(index).includes('answered'));
    expect(holding).toEqual([]);
  });

  it("counts a window's live answered calls on sessions_live", () => {
    const db = new Database(':memory:');
    migrate(db);
    const plan = (sql: string) => db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => (r as { detail: string }).detail).join(' | ');
    expect(plan("SELECT COUNT(*) FROM sessions INDEXED BY sessions_live WHERE live = 1 AND started_key >= 'x' AND started_key < 'y' AND answered IS NOT NULL")).toContain(
      'INDEX sessions_live (started_key>? AND started_key<?)',
    );
  });
});

describe('migration 13', () => {
  // As a version 12 store inserts a session: its row, and its numbers.
  const insertSession = (db: Database.Database, callId: string, startedKey: string, aNumber: string | null, bNumber: string | null) => {
    db.prepare(`INSERT INTO sessions (call_id, data, started_key, live, a_number, b_number, created_at) VALUES (?, '{}', ?, 1, ?, ?, 0)`).run(
      callId,
      startedKey,
      aNumber,
      bNumber,
    );
    db.prepare('INSERT OR IGNORE INTO numbers (number) SELECT @a WHERE @a IS NOT NULL UNION ALL SELECT @b WHERE @b IS NOT NULL').run({ a: aNumber, b: bNumber });
  };
  const entries = (db: Database.Database) =>
    db.prepare('SELECT n.number, n.started_key, s.call_id FROM number_sessions n JOIN sessions s ON s.id = n.session_id ORDER BY 1, 2, 3').raw().all();
  const numbers = (db: Database.Database) => db.prepare('SELECT number FROM numbers ORDER BY number').pluck().all();

  it("files each session of a version 12 database under its A-number and its B-number, with its start", () => {
    const db = new Database(':memory:');
    migrate(db, 12);
    insertSession(db, 'one@x', '2026-01-15T12:00:00.000Z', '+4570301234', '+4512345678');
    insertSession(db, 'two@x', '2026-01-15T12:00:01.000Z', '+4570301234', null);
    insertSession(db, 'self@x', '2026-01-15T12:00:02.000Z', '+4599999999', '+4599999999');
    migrate(db);
    expect(entries(db)).toEqual([
      ['+4512345678', '2026-01-15T12:00:00.000Z', 'one@x'],
      ['+4570301234', '2026-01-15T12:00:00.000Z', 'one@x'],
      ['+4570301234', '2026-01-15T12:00:01.000Z', 'two@x'],
      ['+4599999999', '2026-01-15T12:00:02.000Z', 'self@x'],
    ]);
  });

  it("moves a session's entries when its numbers or its start change", () => {
    const db = new Database(':memory:');
    migrate(db, 12);
    insertSession(db, 'one@x', '', '+4570301234', '+4512345678');
    migrate(db);
    db.prepare("UPDATE sessions SET a_number = '+4511112222', started_key = '2026-01-15T12:00:00.000Z' WHERE call_id = 'one@x'").run();
    expect(entries(db)).toEqual([
      ['+4511112222', '2026-01-15T12:00:00.000Z', 'one@x'],
      ['+4512345678', '2026-01-15T12:00:00.000Z', 'one@x'],
    ]);
    expect(numbers(db)).toEqual(['+4511112222', '+4512345678']);
  });

  it('drops a deleted session\'s entries, and a number with the last session that holds it in either role', () => {
    const db = new Database(':memory:');
    migrate(db, 12);
    insertSession(db, 'one@x', '', '+4570301234', '+4512345678');
    insertSession(db, 'two@x', '', '+4512345678', null);
    migrate(db);
    db.prepare("DELETE FROM sessions WHERE call_id = 'one@x'").run();
    expect(entries(db)).toEqual([['+4512345678', '', 'two@x']]);
    expect(numbers(db)).toEqual(['+4512345678']);
  });

  it("files a new session under its numbers as the store inserts it", async () => {
    const store = new SqliteStore(':memory:');
    await store.transaction(async (tx) => {
      await tx.putSession({ callId: 'one@x', sbcServer: '10.0.0.1', started: '2026-01-15T12:00:00.000Z', aNumber: '+4570301234', bNumber: '+4512345678' }, new Date());
      await tx.putSession({ callId: 'two@x', sbcServer: '10.0.0.1', aNumber: 'anonymous' }, new Date());
    });
    const page = await store.listSessions({ offset: 0, limit: 10, homeCountryCode: '45', number: '+4512' }, { all: true });
    expect(page.sessions.map((s) => s.callId)).toEqual(['one@x']);
    await store.close();
  });
});

describe('migration 14', () => {
  const indexes = (db: Database.Database) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions' ORDER BY name").pluck().all();

  it('leaves no index that only a filter reads, and only the live calls in sessions_live: a new session is written under two fewer keys, an end under one fewer', () => {
    const db = new Database(':memory:');
    migrate(db, 13);
    expect(indexes(db)).toContain('sessions_b_number');
    expect(indexes(db)).toContain('sessions_direction');
    migrate(db);
    expect(indexes(db)).not.toContain('sessions_b_number');
    expect(indexes(db)).not.toContain('sessions_direction');
    expect(db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').pluck().all('sessions_order')).toEqual([
      'started_key',
      'call_id',
      'ended',
      'talk_ms',
      'live',
      'direction',
      'b_number',
    ]);
    expect(db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').pluck().all('sessions_live')).toEqual(['started_key', 'call_id']);
    expect(db.prepare('SELECT partial FROM pragma_index_list(?) WHERE name = ?').pluck().get('sessions', 'sessions_live')).toBe(1);
  });

  it("keeps a version 13 database's sessions, found by every filter of an administrator's list", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbc-migration-14-'));
    const path = join(dir, 'sessions.db');
    const db = new Database(path);
    migrate(db, 13);
    const insert = db.prepare(
      `INSERT INTO sessions (call_id, data, started_key, ended, live, direction, b_number, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0)`,
    );
    const call = (callId: string, started: string, ended: string | null, direction: string, bNumber: string) =>
      insert.run(callId, JSON.stringify({ callId, started, ...(ended ? { ended } : {}), direction, bNumber }), started, ended, ended ? 0 : 1, direction, bNumber);
    call('home-out@x', '2026-01-15T12:00:00.000Z', '2026-01-15T12:01:00.000Z', 'O', '+4512345678');
    call('abroad-out@x', '2026-01-15T12:00:01.000Z', '2026-01-15T12:01:00.000Z', 'O', '+4699999999');
    call('abroad-in@x', '2026-01-15T12:00:02.000Z', null, 'I', '+4412345678');
    db.close();
    const store = new SqliteStore(path);
    try {
      const list = async (filter: Partial<SessionFilter>) => {
        const page = await store.listSessions({ offset: 0, limit: 10, homeCountryCode: '45', ...filter }, { all: true });
        return { total: page.total, callIds: page.sessions.map((s) => s.callId) };
      };
      expect(await list({ international: true })).toEqual({ total: 2, callIds: ['abroad-in@x', 'abroad-out@x'] });
      expect(await list({ international: false })).toEqual({ total: 1, callIds: ['home-out@x'] });
      expect(await list({ direction: 'O', live: false, international: true })).toEqual({ total: 1, callIds: ['abroad-out@x'] });
      expect(await list({ direction: 'I' })).toEqual({ total: 1, callIds: ['abroad-in@x'] });
      expect(await list({ live: true })).toEqual({ total: 1, callIds: ['abroad-in@x'] });
      expect(await list({ live: false })).toEqual({ total: 2, callIds: ['abroad-out@x', 'home-out@x'] });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migration 15', () => {
  const keyOrder = (db: Database.Database, index: string) =>
    (db.prepare('SELECT name, desc FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno').all(index) as Array<{ name: string; desc: number }>)
      .slice(0, 4)
      .map(({ name, desc }) => `${name}${desc ? ' DESC' : ''}`);

  it('keeps started_key ascending and call_id descending in the list-order, live and customer indexes', () => {
    const db = new Database(':memory:');
    migrate(db);
    expect(keyOrder(db, 'sessions_order').slice(0, 2)).toEqual(['started_key', 'call_id DESC']);
    expect(keyOrder(db, 'sessions_live')).toEqual(['started_key', 'call_id DESC']);
    expect(keyOrder(db, 'sessions_source_customer').slice(0, 3)).toEqual(['source_customer_id', 'started_key', 'call_id DESC']);
    expect(keyOrder(db, 'sessions_destination_customer').slice(0, 3)).toEqual(['destination_customer_id', 'started_key', 'call_id DESC']);
  });

  it('fills the pages of the list-order and customer indexes as new calls arrive, rather than leaving them half empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbc-migration-15-'));
    const path = join(dir, 'sessions.db');
    const store = await openStore(path);
    try {
      // Calls arriving in time order, over 20 customers, as an SBC reports them.
      const start = Date.parse('2026-01-15T12:00:00.000Z');
      for (let batch = 0; batch < 30; batch++) {
        const reports = Array.from({ length: 200 }, (_, i) => {
          const n = batch * 200 + i;
          const callId = `${(n * 7919).toString(36)}-call@example.net`;
          const report = { sbcServer: '10.0.0.1', aNumber: `+4570${String(n).padStart(6, '0')}`, started: new Date(start + n * 50).toISOString(), sourceCustomerId: `customer-${n % 20}` };
          return { callId, report };
        });
        await store.applyReports(reports, {}, new Date(start));
      }
      const db = new Database(path, { readonly: true });
      const fill = (index: string) =>
        (db.prepare("SELECT 1.0 * SUM(pgsize - unused) / SUM(pgsize) AS fill FROM dbstat WHERE name = ? AND pagetype = 'leaf'").get(index) as { fill: number }).fill;
      try {
        expect(fill('sessions_order')).toBeGreaterThan(0.8);
        expect(fill('sessions_source_customer')).toBeGreaterThan(0.75);
      } finally {
        db.close();
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists a version 14 database's calls as before: newest first, and calls that start together by Call-ID", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbc-migration-15-'));
    const path = join(dir, 'sessions.db');
    const db = new Database(path);
    migrate(db, 14);
    const insert = db.prepare(
      'INSERT INTO sessions (call_id, data, started_key, ended, live, direction, source_customer_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0)',
    );
    const call = (callId: string, started: string, live: boolean) =>
      insert.run(callId, JSON.stringify({ callId, started, direction: 'O', sourceCustomerId: 'c1' }), started, live ? null : started, live ? 1 : 0, 'O', 'c1');
    call('b@x', '2026-01-15T12:00:00.000Z', true);
    call('a@x', '2026-01-15T12:00:00.000Z', true);
    call('c@x', '2026-01-15T12:00:00.000Z', false);
    call('d@x', '2026-01-15T12:00:01.000Z', true);
    call('e@x', '2026-01-15T11:59:59.000Z', false);
    db.prepare("INSERT INTO customers (id, name, features) VALUES ('c1', 'One', '[]')").run();
    db.close();
    const store = new SqliteStore(path);
    try {
      const list = async (filter: Partial<SessionFilter>, scope: ListScope = { all: true }) =>
        (await store.listSessions({ offset: 0, limit: 10, homeCountryCode: '45', ...filter }, scope)).sessions.map((s) => s.callId);
      expect(await list({})).toEqual(['d@x', 'a@x', 'b@x', 'c@x', 'e@x']);
      expect(await list({ live: true })).toEqual(['d@x', 'a@x', 'b@x']);
      expect(await list({ direction: 'O' })).toEqual(['d@x', 'a@x', 'b@x', 'c@x', 'e@x']);
      expect(await list({}, { all: false, customers: ['c1'] })).toEqual(['d@x', 'a@x', 'b@x', 'c@x', 'e@x']);
      expect(await list({ live: false }, { all: false, customers: ['c1'] })).toEqual(['c@x', 'e@x']);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

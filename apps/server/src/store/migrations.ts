import type Database from 'better-sqlite3';

/**
 * Versioned, forward-only schema changes. A database is brought to the latest version at start;
 * a database newer than this code is refused rather than guessed at. Never edit a shipped step:
 * add the next one.
 */
const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'customers, tokens, sessions with their list indexes, number search, events, terminate commands',
    sql: `
      CREATE TABLE customers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        parent_reseller TEXT REFERENCES customers(id) DEFERRABLE INITIALLY DEFERRED,
        features TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX customers_parent ON customers(parent_reseller);

      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        level TEXT NOT NULL,
        customer_id TEXT,
        name TEXT,
        sbc_server TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER
      );

      -- data is the merged session as JSON (what GET returns); the other columns exist to filter and sort.
      CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL UNIQUE,
        data TEXT NOT NULL,
        started_key TEXT NOT NULL,
        ended TEXT,
        live INTEGER NOT NULL,
        direction TEXT,
        a_number TEXT,
        b_number TEXT,
        source_customer_id TEXT,
        destination_customer_id TEXT,
        sbc_server TEXT,
        termination_requested_at INTEGER,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_order ON sessions(started_key DESC, call_id);
      CREATE INDEX sessions_live ON sessions(live, started_key DESC, call_id);
      CREATE INDEX sessions_direction ON sessions(direction, started_key DESC, call_id);
      CREATE INDEX sessions_source_customer ON sessions(source_customer_id, started_key DESC, call_id);
      CREATE INDEX sessions_destination_customer ON sessions(destination_customer_id, started_key DESC, call_id);
      CREATE INDEX sessions_b_number ON sessions(b_number);
      CREATE INDEX sessions_ended ON sessions(ended) WHERE ended IS NOT NULL;
      CREATE INDEX sessions_live_created ON sessions(created_at) WHERE live = 1;

      -- Substring search on numbers without a full scan: trigrams of the A- and B-number.
      CREATE VIRTUAL TABLE session_numbers USING fts5(
        a_number, b_number, content = 'sessions', content_rowid = 'id', tokenize = 'trigram'
      );
      CREATE TRIGGER sessions_numbers_insert AFTER INSERT ON sessions BEGIN
        INSERT INTO session_numbers(rowid, a_number, b_number) VALUES (new.id, new.a_number, new.b_number);
      END;
      CREATE TRIGGER sessions_numbers_delete AFTER DELETE ON sessions BEGIN
        INSERT INTO session_numbers(session_numbers, rowid, a_number, b_number)
          VALUES ('delete', old.id, old.a_number, old.b_number);
      END;
      CREATE TRIGGER sessions_numbers_update AFTER UPDATE OF a_number, b_number ON sessions
        WHEN old.a_number IS NOT new.a_number OR old.b_number IS NOT new.b_number BEGIN
        INSERT INTO session_numbers(session_numbers, rowid, a_number, b_number)
          VALUES ('delete', old.id, old.a_number, old.b_number);
        INSERT INTO session_numbers(rowid, a_number, b_number) VALUES (new.id, new.a_number, new.b_number);
      END;

      -- AUTOINCREMENT: event ids never go back, even after the newest events are deleted.
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        type TEXT NOT NULL,
        call_id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX events_created ON events(created_at);

      CREATE TABLE terminate_commands (
        call_id TEXT PRIMARY KEY,
        sbc_server TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        requested_at INTEGER NOT NULL
      );
      CREATE INDEX terminate_commands_sbc ON terminate_commands(sbc_server, event_id);
    `,
  },
  {
    version: 2,
    name: 'drop sessions_live_created: sessions_live already finds stale calls, and every index slows ingest',
    sql: 'DROP INDEX sessions_live_created;',
  },
  {
    version: 3,
    name: 'sessions_a_number: a number search with a leading + is a prefix range on both number indexes',
    sql: 'CREATE INDEX sessions_a_number ON sessions(a_number);',
  },
  {
    version: 4,
    name: 'customer indexes cover the list filters and the other side (a reseller counts its calls without reading them), and only sessions with that customer',
    sql: `
      DROP INDEX sessions_source_customer;
      DROP INDEX sessions_destination_customer;
      CREATE INDEX sessions_source_customer
        ON sessions(source_customer_id, started_key DESC, call_id, destination_customer_id, direction, live, b_number)
        WHERE source_customer_id IS NOT NULL;
      CREATE INDEX sessions_destination_customer
        ON sessions(destination_customer_id, started_key DESC, call_id, source_customer_id, direction, live, b_number)
        WHERE destination_customer_id IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'a requested end is part of the session (terminationRequested in data); termination_requested_at is no longer read',
    // The column stays: dropping it would rewrite every session at start.
    sql: `
      UPDATE sessions
        SET data = json_set(data, '$.terminationRequested',
          strftime('%Y-%m-%dT%H:%M:%fZ', termination_requested_at / 1000.0, 'unixepoch'))
        WHERE termination_requested_at IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: "customer indexes hold a_number too: a reseller's number search reads its own customers' entries and no session of another tenant",
    sql: `
      DROP INDEX sessions_source_customer;
      DROP INDEX sessions_destination_customer;
      CREATE INDEX sessions_source_customer
        ON sessions(source_customer_id, started_key DESC, call_id, destination_customer_id, direction, live, b_number, a_number)
        WHERE source_customer_id IS NOT NULL;
      CREATE INDEX sessions_destination_customer
        ON sessions(destination_customer_id, started_key DESC, call_id, source_customer_id, direction, live, b_number, a_number)
        WHERE destination_customer_id IS NOT NULL;
    `,
  },
  {
    version: 7,
    name: 'hex ids in upper case: customers, their parents, tokens, sessions and event summaries; customers that differed only in case merged',
    // Of customers whose ids differ only in case, the one already in upper case is kept, else the
    // first created; the others are kept aside in customers_merged_by_case (nothing is lost), and
    // their children, tokens and sessions then name the kept one.
    sql: `
      CREATE TABLE customers_merged_by_case (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        parent_reseller TEXT,
        features TEXT NOT NULL,
        kept_id TEXT NOT NULL,
        merged_at TEXT NOT NULL
      );
      INSERT INTO customers_merged_by_case (id, name, parent_reseller, features, kept_id, merged_at)
        SELECT c.id, c.name, c.parent_reseller, c.features, upper(c.id), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM customers c
        WHERE c.rowid <> (SELECT k.rowid FROM customers k WHERE upper(k.id) = upper(c.id) ORDER BY k.id = upper(k.id) DESC, k.rowid LIMIT 1);
      DELETE FROM customers WHERE id IN (SELECT id FROM customers_merged_by_case);
      UPDATE customers SET id = upper(id) WHERE id <> upper(id);
      UPDATE customers SET parent_reseller = upper(parent_reseller) WHERE parent_reseller <> upper(parent_reseller);
      UPDATE customers SET parent_reseller = NULL WHERE parent_reseller = id;
      UPDATE tokens SET customer_id = upper(customer_id) WHERE customer_id <> upper(customer_id);

      UPDATE sessions SET source_customer_id = upper(source_customer_id), data = json_set(data, '$.sourceCustomerId', upper(source_customer_id))
        WHERE source_customer_id <> upper(source_customer_id);
      UPDATE sessions SET destination_customer_id = upper(destination_customer_id),
          data = json_set(data, '$.destinationCustomerId', upper(destination_customer_id))
        WHERE destination_customer_id <> upper(destination_customer_id);
      UPDATE sessions SET data = json_set(data, '$.sourceVoiceAccountId', upper(json_extract(data, '$.sourceVoiceAccountId')))
        WHERE json_extract(data, '$.sourceVoiceAccountId') <> upper(json_extract(data, '$.sourceVoiceAccountId'));
      UPDATE sessions SET data = json_set(data, '$.sourceRatePlanId', upper(json_extract(data, '$.sourceRatePlanId')))
        WHERE json_extract(data, '$.sourceRatePlanId') <> upper(json_extract(data, '$.sourceRatePlanId'));

      UPDATE events SET body = json_set(body, '$.session.sourceCustomerId', upper(json_extract(body, '$.session.sourceCustomerId')))
        WHERE json_extract(body, '$.session.sourceCustomerId') <> upper(json_extract(body, '$.session.sourceCustomerId'));
      UPDATE events SET body = json_set(body, '$.session.destinationCustomerId', upper(json_extract(body, '$.session.destinationCustomerId')))
        WHERE json_extract(body, '$.session.destinationCustomerId') <> upper(json_extract(body, '$.session.destinationCustomerId'));
    `,
  },
  {
    version: 8,
    name: 'number search indexes each distinct number once (numbers, number_trigrams) instead of every session\'s two numbers',
    // Numbers recur (a customer base calls and is called again and again): the trigram index
    // shrinks by that factor, a new session writes it only for a number never seen before, and a
    // substring search finds the few matching numbers, then their sessions on the number indexes.
    // A number goes when the last session that holds it goes.
    sql: `
      DROP TRIGGER sessions_numbers_insert;
      DROP TRIGGER sessions_numbers_delete;
      DROP TRIGGER sessions_numbers_update;
      DROP TABLE session_numbers;

      CREATE TABLE numbers (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL UNIQUE
      );
      CREATE VIRTUAL TABLE number_trigrams USING fts5(number, content = 'numbers', content_rowid = 'id', tokenize = 'trigram');
      CREATE TRIGGER numbers_trigrams_insert AFTER INSERT ON numbers BEGIN
        INSERT INTO number_trigrams(rowid, number) VALUES (new.id, new.number);
      END;
      CREATE TRIGGER numbers_trigrams_delete AFTER DELETE ON numbers BEGIN
        INSERT INTO number_trigrams(number_trigrams, rowid, number) VALUES ('delete', old.id, old.number);
      END;
      INSERT INTO numbers (number)
        SELECT a_number FROM sessions WHERE a_number IS NOT NULL UNION SELECT b_number FROM sessions WHERE b_number IS NOT NULL;

      CREATE TRIGGER sessions_numbers_insert AFTER INSERT ON sessions BEGIN
        INSERT OR IGNORE INTO numbers (number)
          SELECT new.a_number WHERE new.a_number IS NOT NULL UNION ALL SELECT new.b_number WHERE new.b_number IS NOT NULL;
      END;
      CREATE TRIGGER sessions_numbers_update AFTER UPDATE OF a_number, b_number ON sessions
        WHEN old.a_number IS NOT new.a_number OR old.b_number IS NOT new.b_number BEGIN
        INSERT OR IGNORE INTO numbers (number)
          SELECT new.a_number WHERE new.a_number IS NOT NULL UNION ALL SELECT new.b_number WHERE new.b_number IS NOT NULL;
        DELETE FROM numbers WHERE number IN (old.a_number, old.b_number)
          AND NOT EXISTS (SELECT 1 FROM sessions WHERE a_number = numbers.number)
          AND NOT EXISTS (SELECT 1 FROM sessions WHERE b_number = numbers.number);
      END;
      CREATE TRIGGER sessions_numbers_delete AFTER DELETE ON sessions BEGIN
        DELETE FROM numbers WHERE number IN (old.a_number, old.b_number)
          AND NOT EXISTS (SELECT 1 FROM sessions WHERE a_number = numbers.number)
          AND NOT EXISTS (SELECT 1 FROM sessions WHERE b_number = numbers.number);
      END;
    `,
  },
  {
    version: 9,
    name: 'answered and talk_ms columns, in the indexes that traffic statistics walk: a window is counted from indexes alone',
    // Trailing columns of indexes that every end already rewrites (ended, live are in them): an
    // answer now rewrites them too, and a new call writes no index it did not write before.
    sql: `
      ALTER TABLE sessions ADD COLUMN answered TEXT;
      ALTER TABLE sessions ADD COLUMN talk_ms INTEGER;
      UPDATE sessions SET answered = json_extract(data, '$.answered'),
          talk_ms = CAST(round((julianday(ended) - julianday(json_extract(data, '$.answered'))) * 86400000) AS INTEGER)
        WHERE json_extract(data, '$.answered') IS NOT NULL;

      DROP INDEX sessions_order;
      DROP INDEX sessions_source_customer;
      DROP INDEX sessions_destination_customer;
      DROP INDEX sessions_ended;
      CREATE INDEX sessions_order ON sessions(started_key DESC, call_id, ended, answered, talk_ms);
      CREATE INDEX sessions_source_customer
        ON sessions(source_customer_id, started_key DESC, call_id, destination_customer_id, direction, live, b_number, a_number, ended, answered, talk_ms)
        WHERE source_customer_id IS NOT NULL;
      CREATE INDEX sessions_destination_customer
        ON sessions(destination_customer_id, started_key DESC, call_id, source_customer_id, direction, live, b_number, a_number, ended, answered, talk_ms)
        WHERE destination_customer_id IS NOT NULL;
      CREATE INDEX sessions_ended ON sessions(ended, source_customer_id, destination_customer_id) WHERE ended IS NOT NULL;
    `,
  },
  {
    version: 10,
    name: "a new session's numbers are added to numbers by the store's insert (store/sqlite-store.ts), not by a trigger",
    // A trigger makes SQLite keep a statement journal of every page the insert changes (the
    // session's row and its nine index entries); the same INSERT OR IGNORE run as a statement of
    // its own journals only the numbers' pages: reading and inserting a new session on the 1M data
    // set went from 74 to 64 µs. Deletions and changes of numbers keep their triggers (retention
    // deletes in SQL).
    sql: 'DROP TRIGGER sessions_numbers_insert;',
  },
  {
    version: 11,
    name: 'number indexes hold started_key: a number search finds its newest matches from index entries and reads only their rows',
    // Without it, a match set too small to walk the list order for (a thousand sessions) read
    // every match's row to sort them: a page of the table each.
    sql: `
      DROP INDEX sessions_a_number;
      DROP INDEX sessions_b_number;
      CREATE INDEX sessions_a_number ON sessions(a_number, started_key);
      CREATE INDEX sessions_b_number ON sessions(b_number, started_key);
    `,
  },
  {
    version: 12,
    name: 'the list-order and customer indexes no longer hold answered: an answer rewrites no index entry, only its row',
    // Traffic statistics count an answered call as an ended one with a talk time (talk_ms) or a
    // live one answered, read from the live calls' rows (store/sqlite-store.ts). With answered in
    // them, each answer moved the call's entries in sessions_order and a customer index; the
    // customer index pages that a batch of 1000 reports writes went from 874 to 625 (of 2,755).
    sql: `
      DROP INDEX sessions_order;
      DROP INDEX sessions_source_customer;
      DROP INDEX sessions_destination_customer;
      CREATE INDEX sessions_order ON sessions(started_key DESC, call_id, ended, talk_ms);
      CREATE INDEX sessions_source_customer
        ON sessions(source_customer_id, started_key DESC, call_id, destination_customer_id, direction, live, b_number, a_number, ended, talk_ms)
        WHERE source_customer_id IS NOT NULL;
      CREATE INDEX sessions_destination_customer
        ON sessions(destination_customer_id, started_key DESC, call_id, source_customer_id, direction, live, b_number, a_number, ended, talk_ms)
        WHERE destination_customer_id IS NOT NULL;
    `,
  },
  {
    version: 13,
    name: "number_sessions: one index from a number to its sessions in either role, in place of sessions_a_number",
    // A substring search that matches thousands of numbers sought each of them in sessions_a_number
    // and again in sessions_b_number: two random index pages a number, read cold on a freshly
    // started server. Here one seek finds a number's sessions in both roles. sessions_b_number stays
    // for the international filter (a range on B-numbers). New sessions are added by the store's
    // insert (store/sqlite-store.ts), as their numbers are (migration 10); changes and deletions
    // by the triggers, which now also keep number_sessions.
    sql: `
      CREATE TABLE number_sessions (
        number TEXT NOT NULL,
        started_key TEXT NOT NULL,
        session_id INTEGER NOT NULL,
        PRIMARY KEY (number, started_key, session_id)
      ) WITHOUT ROWID;
      INSERT INTO number_sessions (number, started_key, session_id)
        SELECT a_number, started_key, id FROM sessions WHERE a_number IS NOT NULL
        UNION SELECT b_number, started_key, id FROM sessions WHERE b_number IS NOT NULL
        ORDER BY 1, 2, 3;
      DROP INDEX sessions_a_number;

      DROP TRIGGER sessions_numbers_update;
      DROP TRIGGER sessions_numbers_delete;
      CREATE TRIGGER sessions_numbers_update AFTER UPDATE OF a_number, b_number, started_key ON sessions
        WHEN old.a_number IS NOT new.a_number OR old.b_number IS NOT new.b_number OR old.started_key IS NOT new.started_key BEGIN
        DELETE FROM number_sessions WHERE number IN (old.a_number, old.b_number) AND started_key = old.started_key AND session_id = old.id;
        INSERT OR IGNORE INTO numbers (number)
          SELECT new.a_number WHERE new.a_number IS NOT NULL UNION ALL SELECT new.b_number WHERE new.b_number IS NOT NULL;
        INSERT OR IGNORE INTO number_sessions (number, started_key, session_id)
          SELECT new.a_number, new.started_key, new.id WHERE new.a_number IS NOT NULL
          UNION ALL SELECT new.b_number, new.started_key, new.id WHERE new.b_number IS NOT NULL;
        DELETE FROM numbers WHERE number IN (old.a_number, old.b_number)
          AND NOT EXISTS (SELECT 1 FROM number_sessions WHERE number_sessions.number = numbers.number);
      END;
      CREATE TRIGGER sessions_numbers_delete AFTER DELETE ON sessions BEGIN
        DELETE FROM number_sessions WHERE number IN (old.a_number, old.b_number) AND started_key = old.started_key AND session_id = old.id;
        DELETE FROM numbers WHERE number IN (old.a_number, old.b_number)
          AND NOT EXISTS (SELECT 1 FROM number_sessions WHERE number_sessions.number = numbers.number);
      END;
    `,
  },
  {
    version: 14,
    name: 'sessions_order holds live, direction and b_number, and the list filters are read from it; sessions_live holds only the live calls; sessions_direction and sessions_b_number go',
    // sessions_b_number served only the international filter, and each new session wrote it at a
    // random place (its B-number): a page of WAL per new session in a commit. sessions_order is
    // the list's own order and is written where the newest calls are; an end rewrites its entry
    // already (ended is in it), and live changes only with an end. A filtered list now walks it
    // and counts on it without reading a row, as a customer's list does on its customer index.
    // What sessions_live is read for is the live calls alone (a few thousand): an end now only
    // takes the call out of it, where it moved the call to the million ended ones.
    sql: `
      DROP INDEX sessions_b_number;
      DROP INDEX sessions_direction;
      DROP INDEX sessions_order;
      DROP INDEX sessions_live;
      CREATE INDEX sessions_order ON sessions(started_key DESC, call_id, ended, talk_ms, live, direction, b_number);
      CREATE INDEX sessions_live ON sessions(started_key DESC, call_id) WHERE live = 1;
    `,
  },
  {
    version: 15,
    name: 'the list-order, live and customer indexes keep started_key ascending (call_id descending): a new call is added at the end of its range, not at its start',
    // The list reads them backwards, which is the same order (newest first, then Call-ID). Built
    // descending, every new call went in at the first entry of its range, and a page that fills
    // there is split into two half-full ones that nothing is added to again: on the 1M data set,
    // built by the store, sessions_order's leaves were 51 % full and the customer indexes' 53 %
    // (dbstat). Added at the end, a page fills before the next one starts (89 % for a customer
    // index in a test of 300,000 calls over 190 customers, against 55 % descending).
    sql: `
      DROP INDEX sessions_order;
      DROP INDEX sessions_live;
      DROP INDEX sessions_source_customer;
      DROP INDEX sessions_destination_customer;
      CREATE INDEX sessions_order ON sessions(started_key, call_id DESC, ended, talk_ms, live, direction, b_number);
      CREATE INDEX sessions_live ON sessions(started_key, call_id DESC) WHERE live = 1;
      CREATE INDEX sessions_source_customer
        ON sessions(source_customer_id, started_key, call_id DESC, destination_customer_id, direction, live, b_number, a_number, ended, talk_ms)
        WHERE source_customer_id IS NOT NULL;
      CREATE INDEX sessions_destination_customer
        ON sessions(destination_customer_id, started_key, call_id DESC, source_customer_id, direction, live, b_number, a_number, ended, talk_ms)
        WHERE destination_customer_id IS NOT NULL;
    `,
  },
];

export const latestVersion = migrations.at(-1)?.version ?? 0;

/** Brings the database to `target` (the latest unless a test stops at an earlier step). */
export function migrate(db: Database.Database, target = latestVersion): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const version = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  // One write transaction for the lot: a server and `pnpm admin` starting together on a new
  // file take turns, and the second finds the work done.
  db.transaction(() => {
    const current = (version.get() as number | null) ?? 0;
    if (current > latestVersion) {
      throw new Error(`The database is at schema version ${current}, newer than this server (${latestVersion}); use a newer server`);
    }
    for (const step of migrations) {
      if (step.version <= current || step.version > target) continue;
      db.exec(step.sql);
      record.run(step.version, step.name, new Date().toISOString());
    }
  }).immediate();
}

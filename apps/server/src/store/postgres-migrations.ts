import type { PoolClient } from 'pg';

/**
 * Versioned, forward-only schema changes of the PostgreSQL store, like SQLite's (migrations.ts):
 * a database is brought to the latest version at start, and one newer than this code is refused.
 * Never edit a shipped step: add the next one.
 *
 * Text that is sorted or compared is `COLLATE "C"`: byte order, as SQLite compares, so that lists
 * come out in the same order and the `international` range means the same on both stores.
 */
const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'customers, tokens, sessions with their list indexes, trigram number search, events, terminate commands',
    sql: `
      CREATE TABLE customers (
        id text COLLATE "C" PRIMARY KEY,
        name text NOT NULL,
        parent_reseller text COLLATE "C" REFERENCES customers(id) DEFERRABLE INITIALLY DEFERRED,
        features text NOT NULL DEFAULT '[]'
      );
      CREATE INDEX customers_parent ON customers(parent_reseller);
      -- Bumped by every customer write: a node reads the tree again only when it moved.
      CREATE TABLE customer_tree_version (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        version bigint NOT NULL
      );
      INSERT INTO customer_tree_version (version) VALUES (0);

      CREATE TABLE tokens (
        id text COLLATE "C" PRIMARY KEY,
        hash text NOT NULL UNIQUE,
        level text NOT NULL,
        customer_id text,
        name text,
        sbc_server text,
        created_at bigint NOT NULL,
        expires_at bigint,
        revoked_at bigint
      );

      -- data is the merged session as JSON text, byte for byte what GET returns (jsonb would
      -- reorder its keys); the other columns exist to filter and sort.
      CREATE TABLE sessions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        call_id text COLLATE "C" NOT NULL UNIQUE,
        data text NOT NULL,
        started_key text COLLATE "C" NOT NULL,
        ended text COLLATE "C",
        live boolean NOT NULL,
        direction text COLLATE "C",
        a_number text COLLATE "C",
        b_number text COLLATE "C",
        source_customer_id text COLLATE "C",
        destination_customer_id text COLLATE "C",
        sbc_server text,
        created_at bigint NOT NULL
      );
      CREATE INDEX sessions_order ON sessions(started_key DESC, call_id);
      CREATE INDEX sessions_live ON sessions(started_key DESC, call_id) WHERE live;
      CREATE INDEX sessions_direction ON sessions(direction, started_key DESC, call_id);
      CREATE INDEX sessions_source_customer ON sessions(source_customer_id, started_key DESC, call_id)
        WHERE source_customer_id IS NOT NULL;
      CREATE INDEX sessions_destination_customer ON sessions(destination_customer_id, started_key DESC, call_id)
        WHERE destination_customer_id IS NOT NULL;
      -- A leading + is a prefix: a byte-order range on these.
      CREATE INDEX sessions_a_number ON sessions(a_number);
      CREATE INDEX sessions_b_number ON sessions(b_number);
      -- Any other text of 3 or more digits: the trigrams of both numbers (LIKE '%…%' uses them).
      CREATE INDEX sessions_numbers_trigram ON sessions USING gin (a_number gin_trgm_ops, b_number gin_trgm_ops);
      CREATE INDEX sessions_ended ON sessions(ended) WHERE ended IS NOT NULL;

      -- An identity never goes back, even after the newest events are deleted.
      CREATE TABLE events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        type text NOT NULL,
        call_id text NOT NULL,
        body text NOT NULL,
        created_at bigint NOT NULL
      );
      CREATE INDEX events_created ON events(created_at);

      CREATE TABLE terminate_commands (
        call_id text COLLATE "C" PRIMARY KEY,
        sbc_server text NOT NULL,
        event_id bigint NOT NULL,
        requested_at bigint NOT NULL
      );
      CREATE INDEX terminate_commands_sbc ON terminate_commands(sbc_server, event_id);
    `,
  },
  {
    version: 2,
    name: 'answered and talk_ms columns, included in the indexes that traffic statistics scan: a window is counted from indexes alone',
    sql: `
      ALTER TABLE sessions ADD COLUMN answered text COLLATE "C", ADD COLUMN talk_ms bigint;
      UPDATE sessions SET answered = data::json ->> 'answered',
          talk_ms = round(EXTRACT(EPOCH FROM ended::timestamptz - (data::json ->> 'answered')::timestamptz) * 1000)
        WHERE data::json ->> 'answered' IS NOT NULL;

      DROP INDEX sessions_order;
      DROP INDEX sessions_source_customer;
      DROP INDEX sessions_destination_customer;
      DROP INDEX sessions_ended;
      CREATE INDEX sessions_order ON sessions(started_key DESC, call_id) INCLUDE (ended, answered, talk_ms);
      CREATE INDEX sessions_source_customer ON sessions(source_customer_id, started_key DESC, call_id)
        INCLUDE (ended, answered, talk_ms) WHERE source_customer_id IS NOT NULL;
      CREATE INDEX sessions_destination_customer ON sessions(destination_customer_id, started_key DESC, call_id)
        INCLUDE (source_customer_id, ended, answered, talk_ms) WHERE destination_customer_id IS NOT NULL;
      CREATE INDEX sessions_ended ON sessions(ended) INCLUDE (source_customer_id, destination_customer_id) WHERE ended IS NOT NULL;
    `,
  },
];

export const latestPostgresVersion = migrations.at(-1)?.version ?? 0;

/**
 * The keys of the transaction-level advisory locks that migrations run under: nodes starting
 * together on one schema take turns, and the second finds the work done. Stores in other schemas
 * of the database (test servers) do not wait for each other; creating the extension, which is
 * database-wide, takes a lock of its own.
 */
const migrationLock = 0x5bc0_0001;
const extensionLock = 0x5bc0_0003;

/** Brings the schema on the connection's search_path to `target` (the latest unless a test stops earlier). */
export async function migratePostgres(client: PoolClient, target = latestPostgresVersion): Promise<void> {
  await client.query('BEGIN');
  try {
    // Checked first: creating an extension needs a privilege that using one does not.
    const trigram = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'");
    if (trigram.rowCount === 0) {
      await client.query('SELECT pg_advisory_xact_lock($1)', [extensionLock]);
      // In public, beside the other extensions: every schema of the database uses the one copy.
      await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public');
    }
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [migrationLock]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)');
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    if (current > latestPostgresVersion) {
      throw new Error(`The database is at schema version ${current}, newer than this server (${latestPostgresVersion}); use a newer server`);
    }
    for (const step of migrations) {
      if (step.version <= current || step.version > target) continue;
      await client.query(step.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [step.version, step.name, new Date().toISOString()]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

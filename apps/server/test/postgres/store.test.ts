// What is PostgreSQL's own: migrations under the advisory lock, event ids that commit out of
// order, transactions run again after a deadlock, two nodes on one schema. Runs in the
// `postgres` project only (vitest.config.ts).
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Event } from '@sbc/contract';
import { temporarySchema } from '../../src/index.js';
import type { EventBody } from '../../src/store/backend.js';
import { PostgresEventFeed } from '../../src/store/postgres-event-feed.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { latestPostgresVersion } from '../../src/store/postgres-migrations.js';
import { SessionService } from '../../src/domain/session-service.js';
import { startTestServer, testPostgresUrl, testSchemaPrefix, tokenFor } from '../helpers.js';
import { EventStreamClient } from '../sse.js';

const baseUrl = testPostgresUrl!;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A schema of its own, dropped after the test; its URL. */
async function freshSchema(): Promise<string> {
  const schema = await temporarySchema(baseUrl, testSchemaPrefix);
  cleanup.push(() => schema.drop());
  return schema.url;
}

async function openNode(url: string): Promise<PostgresStore> {
  const store = await PostgresStore.open(url);
  cleanup.push(() => store.close());
  return store;
}

async function sql<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options') ?? undefined;
  parsed.searchParams.delete('options');
  const client = new pg.Client({ connectionString: parsed.toString(), ...(options ? { options } : {}) });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const started = (callId: string): EventBody => ({
  type: 'started',
  callId,
  time: '2026-01-01T10:00:00.000Z',
  session: { callId, started: '2026-01-01T10:00:00.000Z' },
});

/** Resolves after `ms`; for letting a transaction that is not blocked commit first. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (at most 3 s: the feed reads at least once a second) until `check` holds. */
async function eventually(check: () => boolean): Promise<void> {
  for (let waited = 0; !check() && waited < 3000; waited += 20) await pause(20);
}

describe('PostgreSQL migrations', () => {
  it('two nodes starting together on an empty schema migrate it once, under the advisory lock', async () => {
    const url = await freshSchema();
    await Promise.all([openNode(url), openNode(url), openNode(url)]);
    const applied = await sql<{ version: number }>(url, 'SELECT version FROM schema_migrations ORDER BY version');
    expect(applied.map((r) => r.version)).toEqual(Array.from({ length: latestPostgresVersion }, (_, i) => i + 1));
  });

  it('refuses a schema newer than the server', async () => {
    const url = await freshSchema();
    await (await openNode(url)).close();
    await sql(url, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 'now')");
    await expect(PostgresStore.open(url)).rejects.toThrow(`The database is at schema version 99, newer than this server (${latestPostgresVersion}); use a newer server`);
  });
});

describe('PostgreSQL events across nodes', () => {
  it('an event whose lower id commits after a higher one still reaches the feed and a subscriber, in order, once', async () => {
    const url = await freshSchema();
    const server = await startTestServer({ dbPath: url });
    cleanup.push(() => server.close());
    const stream = await EventStreamClient.open(server, await tokenFor(server, 'ADMIN'));
    cleanup.push(async () => stream.close());
    const fed: Event[] = [];
    const node = await openNode(url);
    const feed = new PostgresEventFeed(node, { publish: (events) => fed.push(...events) });
    await feed.start();

    // Node A takes an event id and holds its transaction open; node B writes an event after it.
    let commitFirst!: () => void;
    const held = new Promise<void>((resolve) => (commitFirst = resolve));
    let taken!: () => void;
    const idTaken = new Promise<void>((resolve) => (taken = resolve));
    const first = node.transaction(async (tx) => {
      const event = await tx.addEvent(started('first'), new Date());
      taken();
      await held;
      return event;
    });
    await idTaken;
    const second = node.transaction((tx) => tx.addEvent(started('second'), new Date()));
    // Without the event-write lock the second commits here, and the feeds read past its id.
    await Promise.race([second, pause(300)]);
    commitFirst();
    const ids = [(await first).id, (await second).id];

    expect(ids[0]).toBeLessThan(ids[1]!);
    await eventually(() => fed.length >= 2 && stream.messages.length >= 2);
    expect(fed.map((e) => e.id)).toEqual(ids);
    expect(stream.events().map((e) => e.id)).toEqual(ids);
    await pause(1100);
    expect(fed.map((e) => e.id)).toEqual(ids);
    expect(stream.events().map((e) => e.id)).toEqual(ids);
  }, 15_000);
});

describe('PostgreSQL transactions', () => {
  it('run again after a deadlock: both callers get their result, neither sees the error', async () => {
    const url = await freshSchema();
    const node = await openNode(url);
    const service = new SessionService(node);
    await service.applyReports(
      ['x', 'y'].map((callId) => ({ callId, report: { sbcServer: '10.0.0.1', started: '2026-01-01T10:00:00.000Z' } })),
      {},
      new Date(),
    );
    let runs = 0;
    let arrived = 0;
    let bothHoldOne!: () => void;
    const barrier = new Promise<void>((resolve) => (bothHoldOne = resolve));
    // Each locks one session, waits until the other holds the other one, then asks for it.
    const crossing = (mine: string, theirs: string) =>
      node.transaction(async (tx) => {
        runs++;
        await tx.session(mine);
        if (++arrived === 2) bothHoldOne();
        await barrier;
        await tx.session(theirs);
        return mine;
      });
    await expect(Promise.all([crossing('x', 'y'), crossing('y', 'x')])).resolves.toEqual(['x', 'y']);
    // One of the two was chosen as the deadlock's victim and ran again (on a loaded machine the
    // retry may itself wait out the survivor's lock and be chosen once more).
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  it('two nodes merging the first reports of one call both succeed, and the session holds both', async () => {
    const url = await freshSchema();
    const [a, b] = [new SessionService(await openNode(url)), new SessionService(await openNode(url))];
    const now = new Date();
    const results = await Promise.all([
      a.applyReports([{ callId: 'race', report: { sbcServer: '10.0.0.1', started: '2026-01-01T10:00:00.000Z' } }], {}, now),
      b.applyReports([{ callId: 'race', report: { sbcServer: '10.0.0.1', answered: '2026-01-01T10:00:05.000Z' } }], {}, now),
    ]);
    expect(results.flatMap((r) => r.outcomes.map((o) => o.result)).sort()).toEqual(['created', 'updated']);
    expect(await a.getSession('race', { all: true })).toMatchObject({ started: '2026-01-01T10:00:00.000Z', answered: '2026-01-01T10:00:05.000Z' });
  });

  it('two nodes running the stale-call job at once end each stale call once', async () => {
    const url = await freshSchema();
    const [a, b] = [new SessionService(await openNode(url)), new SessionService(await openNode(url))];
    const calls = Array.from({ length: 40 }, (_, i) => ({ callId: `stale-${i}`, report: { sbcServer: '10.0.0.1', started: '2026-01-01T10:00:00.000Z' } }));
    await a.applyReports(calls, {}, new Date('2026-01-01T10:00:00.000Z'));
    const now = new Date('2026-01-02T10:00:00.000Z');
    const [ranA, ranB] = await Promise.all([a.maintain(now, 1000, 12, 500), b.maintain(now, 1000, 12, 500)]);
    const ended = [...ranA.endedStale, ...ranB.endedStale].map((e) => e.callId).sort();
    expect(ended).toEqual(calls.map((c) => c.callId).sort());
    const events = await a.eventsAfter(0, 1000);
    expect(events.filter((e) => e.type === 'ended')).toHaveLength(40);
  });
});

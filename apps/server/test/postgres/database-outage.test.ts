// A PostgreSQL that goes away under a running server: answers in the gap are a documented 503,
// never a hang or a crash, and the server (its event feed included) recovers by itself. The
// outage is a proxy the test cuts, or the server's connections terminated as a restart ends
// them: PostgreSQL itself, which other work shares, keeps running.
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { temporarySchema, type RunningServer } from '../../src/index.js';
import { bearer, call, json, sessionPath, startTestServer, testPostgresUrl, testSchemaPrefix, tokenFor } from '../helpers.js';
import { EventStreamClient } from '../sse.js';

const baseUrl = new URL(testPostgresUrl!);
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A TCP proxy to PostgreSQL that the test can cut (every connection dropped, new ones refused) and restore. */
class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  port = 0;

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(baseUrl.port || 5432), baseUrl.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

async function serverBehind(proxy: CuttableProxy): Promise<{ server: RunningServer; admin: string }> {
  const schema = await temporarySchema(baseUrl.toString(), testSchemaPrefix);
  cleanup.push(() => schema.drop());
  const url = new URL(schema.url);
  url.port = String(proxy.port);
  const server = await startTestServer({ dbPath: url.toString() });
  cleanup.push(() => server.close());
  return { server, admin: await tokenFor(server, 'ADMIN') };
}

const report = (token: string, body: Record<string, unknown>) => json(token, { sbcServer: '10.0.0.1', ...body });

/** Asks until the server is ready again (at most 15 s: the feed's backoff tops out at 5 s). */
async function readyAgain(server: RunningServer): Promise<number> {
  let status = 0;
  for (let waited = 0; waited < 15_000; waited += 100) {
    status = (await call(server, 'getReadiness', '/readyz')).status;
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return status;
}

describe('PostgreSQL unreachable under a running server', () => {
  it('answers 503 database_unavailable with Retry-After while the database cannot be reached, and readiness 503', async () => {
    const proxy = new CuttableProxy();
    await proxy.open();
    cleanup.push(() => proxy.cut());
    const { server, admin } = await serverBehind(proxy);
    await call(server, 'reportSession', sessionPath('gap'), report(admin, { started: '2026-01-01T10:00:00.000Z' }));

    await proxy.cut();
    const lookup = await call(server, 'getSession', sessionPath('gap'), { headers: bearer(admin) });
    expect(lookup.status).toBe(503);
    expect(lookup.body).toMatchObject({ status: 503, message: 'database_unavailable' });
    expect(lookup.headers.get('retry-after')).toBe('1');
    const write = await call(server, 'reportSession', sessionPath('gap'), report(admin, { answered: '2026-01-01T10:00:05.000Z' }));
    expect(write.status).toBe(503);
    expect((await call(server, 'getReadiness', '/readyz')).status).toBe(503);
  });

  it('serves again by itself once the database is back, and its streams get the events committed after', async () => {
    const proxy = new CuttableProxy();
    await proxy.open();
    cleanup.push(() => proxy.cut());
    const { server, admin } = await serverBehind(proxy);
    const stream = await EventStreamClient.open(server, admin);
    cleanup.push(async () => stream.close());

    await proxy.cut();
    expect((await call(server, 'getReadiness', '/readyz')).status).toBe(503);
    await proxy.open();

    expect(await readyAgain(server)).toBe(200);
    expect((await call(server, 'reportSession', sessionPath('after'), report(admin, { started: '2026-01-01T10:00:00.000Z' }))).status).toBe(201);
    expect((await stream.waitFor(1)).map((e) => [e.type, e.callId])).toEqual([['started', 'after']]);
  });

  it('recovers when every connection of the server is terminated, as a restart of PostgreSQL ends them', async () => {
    const schema = await temporarySchema(baseUrl.toString(), testSchemaPrefix);
    cleanup.push(() => schema.drop());
    const url = new URL(schema.url);
    url.searchParams.set('application_name', schema.schema);
    const server = await startTestServer({ dbPath: url.toString() });
    cleanup.push(() => server.close());
    const admin = await tokenFor(server, 'ADMIN');
    const stream = await EventStreamClient.open(server, admin);
    cleanup.push(async () => stream.close());
    await call(server, 'reportSession', sessionPath('before'), report(admin, { started: '2026-01-01T10:00:00.000Z' }));
    await stream.waitFor(1);

    const killer = new pg.Client({ connectionString: baseUrl.toString() });
    await killer.connect();
    const { rows } = await killer.query<{ pid: number }>('SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE application_name = $1', [schema.schema]);
    await killer.end();
    // The pools' connections and the feed's LISTEN connection.
    expect(rows.length).toBeGreaterThanOrEqual(2);

    // In the gap an answer is the lookup or the documented 503, never a hang or a 500.
    const lookup = await call(server, 'getSession', sessionPath('before'), { headers: bearer(admin) });
    expect([200, 503]).toContain(lookup.status);
    expect(await readyAgain(server)).toBe(200);
    await call(server, 'reportSession', sessionPath('before'), report(admin, { answered: '2026-01-01T10:00:05.000Z' }));
    expect((await stream.waitFor(2)).map((e) => [e.type, e.callId])).toEqual([
      ['started', 'before'],
      ['answered', 'before'],
    ]);
  });
});

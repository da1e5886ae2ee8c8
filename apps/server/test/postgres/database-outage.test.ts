// A PostgreSQL that goes away under a running server: answers in the gap are a documented 503,
// never a hang or a crash, and the server (its event feed included) recovers by itself. The
// outage is a proxy the test cuts, or the server's connections terminated as a restart ends
// them: PostgreSQL itself, which other work shares, keeps running.
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { temporarySchema, type RunningServer } from '../../src/index.js';
import { bearer, call, json, sessionPath, startTestServer, testPostgresUrl, testSchemaPrefix, tokenFor, type Answer } from '../helpers.js';
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

/** Asks readiness until it answers `status` (at most 15 s: the feed's backoff tops out at 5 s); the last answer. */
async function readinessUntil(server: RunningServer, status: number): Promise<Answer<{ message?: string; description?: string; status?: string }>> {
  let answer = await call(server, 'getReadiness', '/readyz');
  for (let waited = 0; answer.status !== status && waited < 15_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    answer = await call(server, 'getReadiness', '/readyz');
  }
  return answer;
}

/** A server whose connections carry an application_name of their own, so that the test can end them. */
async function namedServer(): Promise<{ server: RunningServer; name: string }> {
  const schema = await temporarySchema(baseUrl.toString(), testSchemaPrefix);
  cleanup.push(() => schema.drop());
  const url = new URL(schema.url);
  url.searchParams.set('application_name', schema.schema);
  const server = await startTestServer({ dbPath: url.toString() });
  cleanup.push(() => server.close());
  return { server, name: schema.schema };
}

/** Ends the server's connections (those matching `where` too, if given), as a restart of PostgreSQL does; how many. */
async function terminate(name: string, where = 'true'): Promise<number> {
  const killer = new pg.Client({ connectionString: baseUrl.toString() });
  await killer.connect();
  try {
    const { rows } = await killer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND ${where}`, [name]);
    return rows.length;
  } finally {
    await killer.end();
  }
}

describe('PostgreSQL unreachable under a running server', { timeout: 20_000 }, () => {
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

    expect((await readinessUntil(server, 200)).status).toBe(200);
    expect((await call(server, 'reportSession', sessionPath('after'), report(admin, { started: '2026-01-01T10:00:00.000Z' }))).status).toBe(201);
    expect((await stream.waitFor(1)).map((e) => [e.type, e.callId])).toEqual([['started', 'after']]);
  });

  it("answers readiness 503 while the node's event feed has lost its LISTEN connection, and 200 once it listens again", async () => {
    const { server, name } = await namedServer();
    await terminate(name, "query = 'LISTEN sbc_events'");
    const problem = await readinessUntil(server, 503);
    expect(problem.body).toMatchObject({ message: 'not_ready' });
    expect(problem.body.description).toMatch(/event feed lost its LISTEN connection/);
    expect((await readinessUntil(server, 200)).status).toBe(200);
  });

  it('recovers when every connection of the server is terminated, as a restart of PostgreSQL ends them', async () => {
    const { server, name } = await namedServer();
    const admin = await tokenFor(server, 'ADMIN');
    const stream = await EventStreamClient.open(server, admin);
    cleanup.push(async () => stream.close());
    await call(server, 'reportSession', sessionPath('before'), report(admin, { started: '2026-01-01T10:00:00.000Z' }));
    await stream.waitFor(1);

    // The pools' connections and the feed's LISTEN connection.
    expect(await terminate(name)).toBeGreaterThanOrEqual(2);

    // In the gap an answer is the lookup or the documented 503, never a hang or a 500.
    const lookup = await call(server, 'getSession', sessionPath('before'), { headers: bearer(admin) });
    expect([200, 503]).toContain(lookup.status);
    expect((await readinessUntil(server, 200)).status).toBe(200);
    await call(server, 'reportSession', sessionPath('before'), report(admin, { answered: '2026-01-01T10:00:05.000Z' }));
    expect((await stream.waitFor(2)).map((e) => [e.type, e.callId])).toEqual([
      ['started', 'before'],
      ['answered', 'before'],
    ]);
  });
});

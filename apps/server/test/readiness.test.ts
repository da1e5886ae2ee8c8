import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { call, json, startTestServer, tokenFor } from './helpers.js';

let server: RunningServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await tokenFor(server, 'ADMIN');
});
afterAll(() => server.close());

/** The storage stops taking writes (as on a full disk): SQLite refuses every write of the server's connection. */
function refuseWrites(refuse: boolean): void {
  (server.store as unknown as { backend: { db: Database.Database } }).backend.db.pragma(`query_only = ${refuse ? 1 : 0}`);
}

const ingest = (callId: string) => call(server, 'ingestSessions', '/sbc/ingest', json(admin, { sessions: [{ callId, sbcServer: '10.0.0.1' }] }, 'POST'));

describe('readiness follows whether the database takes writes', () => {
  it('answers 503 not_ready, saying why and since when, while writes fail', async () => {
    refuseWrites(true);
    try {
      expect((await ingest('full-disk@x')).status).toBe(500);
      const answer = await call(server, 'getReadiness', '/readyz');
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ message: 'not_ready' });
      expect(answer.body.description).toMatch(/^Database unavailable: writes fail since \d{4}-\d\d-\d\dT[0-9:.]+Z: attempt to write a readonly database$/);
    } finally {
      refuseWrites(false);
    }
  });

  it('answers ready again once writes work, without waiting for a request to write', async () => {
    refuseWrites(true);
    expect((await ingest('full-disk-2@x')).status).toBe(500);
    refuseWrites(false);
    expect((await call(server, 'getReadiness', '/readyz')).body).toEqual({ status: 'ready' });
    expect((await ingest('full-disk-2@x')).status).toBe(200);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StartError, type RunningServer } from '../src/index.js';
import { bearer, call, startTestServer } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sbc-single-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one server per database file', () => {
  let first: RunningServer;
  let db: string;
  beforeAll(async () => {
    db = join(dir, 'sessions.db');
    first = await startTestServer({ dbPath: db });
  });
  afterAll(() => first.close());

  it('refuses a second server on the same file with one line naming the file and what to do', async () => {
    const second = startTestServer({ dbPath: db });
    await expect(second).rejects.toThrowError(StartError);
    await expect(second).rejects.toThrowError(
      `Another server is running on SBC_DB=${db} (it holds ${db}.lock); stop it, or give this server another SBC_DB`,
    );
  });

  it('lets the admin command line write beside the running server', async () => {
    const admin = await openStore(db);
    const { token } = await admin.createToken({ level: 'ADMIN' });
    await admin.close();
    const answer = await call(first, 'listSessions', '/sbc/session', { headers: bearer(token) });
    expect(answer.status).toBe(200);
  });

  it('serves another database file beside it', async () => {
    const other = await startTestServer({ dbPath: join(dir, 'other.db') });
    await other.close();
  });
});

describe('the lock ends with the server', () => {
  it('lets a server start on a file whose previous server has stopped', async () => {
    const db = join(dir, 'again.db');
    await (await startTestServer({ dbPath: db })).close();
    const again = await startTestServer({ dbPath: db });
    await again.close();
  });

  it('is released when a start fails after taking it', async () => {
    const db = join(dir, 'failed.db');
    await expect(startTestServer({ dbPath: db, host: '192.0.2.1' })).rejects.toThrowError(StartError);
    await (await startTestServer({ dbPath: db })).close();
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartError, openStore } from '../src/index.js';
import { startTestServer } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sbc-start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The StartError a start is refused with. */
async function refusal(options: Parameters<typeof startTestServer>[0]): Promise<StartError> {
  const error = await startTestServer(options).then(
    async (server) => {
      await server.close();
      throw new Error('the server started');
    },
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(StartError);
  expect((error as Error).message).not.toContain('\n');
  return error as StartError;
}

describe('a start refused for a reason a person must fix is one line: what, where, what to do', () => {
  it('names the port in use and says to free it or set PORT', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const error = await refusal({ port, dbPath: join(dir, 'port.db') });
      expect(error.message).toBe(`Cannot listen on 127.0.0.1:${port}: the port is in use by another process; stop it, or set PORT to a free port`);
    } finally {
      taken.close();
    }
  });

  it('names a HOST that does not resolve', async () => {
    const error = await refusal({ host: 'nowhere.invalid' });
    expect(error.message).toMatch(/^Cannot listen on nowhere\.invalid:0: the host name nowhere\.invalid does not resolve; set HOST to an address of this machine/);
  });

  it('names a HOST that is not an address of this machine', async () => {
    const error = await refusal({ host: '192.0.2.1' });
    expect(error.message).toMatch(/^Cannot listen on 192\.0\.2\.1:0: 192\.0\.2\.1 is not an address of this machine; set HOST/);
  });

  it('names an SBC_DB whose directory is a regular file', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'not a directory');
    const error = await refusal({ dbPath: join(file, 'sessions.db') });
    expect(error.message).toBe(`Cannot create the directory of SBC_DB=${join(file, 'sessions.db')}: a part of ${file} is a file, not a directory; set SBC_DB to a path inside a directory`);
  });

  it('names an SBC_DB that is not a database', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'These are my notes, not a database. '.repeat(200));
    const error = await refusal({ dbPath: file });
    expect(error.message).toBe(`Cannot open SBC_DB=${file}: the file is not an SQLite database; set SBC_DB to the server's database, or to a new file`);
  });

  it('refuses a database that opens but does not take writes', async () => {
    const file = join(dir, 'read-only.db');
    await (await openStore(file)).close();
    // A file-format write version above 2 makes SQLite open the file read-only, for every user
    // (file permissions would not stop root). Byte 18 of the header.
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from([3]), 0, 1, 18);
    await handle.close();
    const error = await refusal({ dbPath: file });
    expect(error.message).toBe(
      `Cannot open SBC_DB=${file} for writing (attempt to write a readonly database): the server's user must be able to write the file and its directory ${dir}`,
    );
  });

  it('names a database of a newer schema and says to use a newer server', async () => {
    const file = join(dir, 'newer.db');
    await (await openStore(file)).close();
    const db = new Database(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', '2030-01-01')").run();
    db.close();
    const error = await refusal({ dbPath: file });
    expect(error.message).toMatch(new RegExp(`^Cannot open SBC_DB=${file}: The database is at schema version 999, newer than this server \\(\\d+\\); use a newer server$`));
  });
});

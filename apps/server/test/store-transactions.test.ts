import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { WriteTransaction } from '../src/store/backend.js';
import { SqliteStore } from '../src/store/sqlite-store.js';

/** What `read` answers while a write transaction that did `write` is open; the write is then rolled back. */
async function readWhileWriting<T>(store: SqliteStore, write: (tx: WriteTransaction) => Promise<void>, read: () => T): Promise<Awaited<T>> {
  let rollBack!: () => void;
  const failing = store.transaction(async (tx) => {
    await write(tx);
    await new Promise<void>((resolve) => (rollBack = resolve));
    throw new Error('rolled back');
  });
  await new Promise((resolve) => setImmediate(resolve));
  const answer = read();
  rollBack();
  await expect(failing).rejects.toThrow('rolled back');
  return await answer;
}

describe('the SQLite store while a write transaction is open', () => {
  it('answers a read with what is committed, never with the open transaction’s rows', async () => {
    const store = new SqliteStore(':memory:');
    const read = await readWhileWriting(store, (tx) => tx.putSession({ callId: 'open@x', sbcServer: '10.0.0.1' }, new Date()), () => store.sessionRow('open@x'));
    expect(read).toBeUndefined();
    await store.close();
  });

  it('answers a read of the JSON alone with what is committed too', async () => {
    const store = new SqliteStore(':memory:');
    await store.transaction((tx) => tx.putSession({ callId: 'kept@x', sbcServer: '10.0.0.1' }, new Date()));
    const read = await readWhileWriting(store, (tx) => tx.putSession({ callId: 'kept@x', sbcServer: '10.0.0.2' }, new Date()), () => store.sessionJson('kept@x'));
    expect(JSON.parse(read!)).toMatchObject({ callId: 'kept@x', sbcServer: '10.0.0.1' });
    await store.close();
  });
});

describe('the SQLite store on a file', () => {
  it('copies its commits from the WAL into the file on the background connection, after the commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbc-checkpoint-'));
    const path = join(dir, 'sbc.db');
    const store = new SqliteStore(path);
    const write = (callId: string) => store.transaction((tx) => tx.putSession({ callId, sbcServer: '10.0.0.1' }, new Date()));
    try {
      await write('first@x');
      const size = statSync(path).size;
      vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 2000);
      await write('second@x');
      expect(statSync(path).size).toBe(size);
      await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(size));
    } finally {
      vi.restoreAllMocks();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

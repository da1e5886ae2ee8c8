import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '../src/store/sqlite-store.js';

describe('the SQLite store while a write transaction is open', () => {
  it('answers a read with what is committed, never with the open transaction’s rows', async () => {
    const store = new SqliteStore(':memory:');
    let rollBack!: () => void;
    const failing = store.transaction(async (tx) => {
      await tx.putSession({ callId: 'open@x', sbcServer: '10.0.0.1' }, new Date());
      await new Promise<void>((resolve) => (rollBack = resolve));
      throw new Error('rolled back');
    });
    await new Promise((resolve) => setImmediate(resolve));
    const read = store.sessionRow('open@x');
    rollBack();
    await expect(failing).rejects.toThrow('rolled back');
    expect(await read).toBeUndefined();
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

import { describe, expect, it } from 'vitest';
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

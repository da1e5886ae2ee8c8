import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** The WAL flushes the store asks for, each finished by the test. */
const flushes: Array<() => void> = [];
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      return Object.assign(handle, { datasync: () => new Promise<void>((resolve) => flushes.push(() => void handle.sync().then(resolve))) });
    },
  };
});
const { SqliteStore } = await import('../src/store/sqlite-store.js');

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a write to the SQLite store on a file', () => {
  it('is answered only once the WAL holding its commit is flushed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbc-durable-'));
    dirs.push(dir);
    const store = new SqliteStore(join(dir, 'sbc.db'));
    let answered = false;
    const write = store.transaction((tx) => tx.putSession({ callId: 'a@x', sbcServer: '10.0.0.1' }, new Date())).then(() => (answered = true));
    await vi.waitFor(() => expect(flushes).toHaveLength(1));
    expect(answered).toBe(false);
    flushes.shift()!();
    await write;
    expect(answered).toBe(true);
    await store.close();
  });

  it('lets the next write commit while the flush of the one before runs, and flushes both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbc-durable-'));
    dirs.push(dir);
    const store = new SqliteStore(join(dir, 'sbc.db'));
    const first = store.transaction((tx) => tx.putSession({ callId: 'a@x', sbcServer: '10.0.0.1' }, new Date()));
    await vi.waitFor(() => expect(flushes).toHaveLength(1));
    const second = store.transaction((tx) => tx.putSession({ callId: 'b@x', sbcServer: '10.0.0.1' }, new Date()));
    await vi.waitFor(async () => expect(await store.sessionRow('b@x')).toBeDefined());
    flushes.shift()!();
    await first;
    await vi.waitFor(() => expect(flushes).toHaveLength(1));
    flushes.shift()!();
    await second;
    await store.close();
  });
});

import { defineConfig } from 'vitest/config';
import { storeProjects } from '../../vitest.stores.js';

/** Tests of SQLite itself: its file's migrations, the instance lock, its query plans and its transactions. */
const sqliteOnly = [
  'test/migrations.test.ts',
  'test/single-instance.test.ts',
  'test/store-transactions.test.ts',
  'test/search-scope.test.ts',
  'test/readiness.test.ts',
];

export default defineConfig({
  test: {
    // better-sqlite3 is a native addon: one process per test file, not worker threads.
    pool: 'forks',
    // Every test talks to a real server, and `pnpm test` runs the SQLite and PostgreSQL projects side
    // by side on 2 cores: 5 s is too tight for a batch of 5000 reports there. A guard against hangs,
    // not a speed check (speed lives in pnpm bench).
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: storeProjects({ include: ['test/**/*.test.ts'], sqliteOnly, postgresOnly: ['test/postgres/**'] }),
  },
});

import { defineConfig } from 'vitest/config';
import { storeProjects } from '../../vitest.stores.js';

export default defineConfig({
  test: {
    // The files that start no server (the spec's own checks, the client's against recorded answers) run once, on SQLite.
    projects: storeProjects({
      include: ['test/**/*.test.ts'],
      sqliteOnly: ['test/breaking/**', 'test/generate/**', 'test/spec/**', 'test/client/**', 'test/commands/**'],
    }),
    // The server under test uses better-sqlite3, a native addon: forks, not threads.
    pool: 'forks',
    // The files mostly wait on their servers: two at a time finish sooner even on 2 cores (101 s -> 79 s measured).
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    // Each test talks to a real server; under a full `pnpm test` on 2 cores, 5 s is too tight.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});

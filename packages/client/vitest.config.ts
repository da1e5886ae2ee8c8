import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The integration tests start the real server, which loads better-sqlite3 (a native addon).
    pool: 'forks',
    // The machine is shared with other builds: give the server-backed tests room.
    testTimeout: 20_000,
  },
});

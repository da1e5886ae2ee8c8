import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The server under test uses better-sqlite3, a native addon: forks, not threads.
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});

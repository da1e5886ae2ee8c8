import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    // `pnpm e2e --load RATE SECONDS` runs the load stage instead of the suite.
    include: process.env['E2E_LOAD_RATE'] ? ['capacity.load.ts'] : ['*.e2e.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from 'vitest/config';

// `pnpm test:browser`: the built console in Debian's Chromium against the real server. Not part
// of `pnpm test`, which must pass on a machine without Chromium.
export default defineConfig({
  test: { include: ['browser-test/**/*.browser.test.ts'], testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false },
});

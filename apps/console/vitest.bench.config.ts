import { defineConfig } from 'vitest/config';

// `pnpm --filter @sbc/console bench`: the console under 20,000 live calls and 200 events/s.
export default defineConfig({ test: { include: ['browser-test/**/*.bench.ts'], testTimeout: 240_000, hookTimeout: 120_000 } });

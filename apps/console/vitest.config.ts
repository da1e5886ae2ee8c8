import { defineConfig } from 'vitest/config';

// `pnpm test`: the console's own logic, in Node; the browser tests have their own config.
export default defineConfig({ test: { include: ['test/**/*.test.ts'] } });

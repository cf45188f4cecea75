import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Browser and multi-process tests start servers; keep files in separate workers but not too many at once on 2 cores.
    maxWorkers: 2,
  },
});

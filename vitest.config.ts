import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Deadlines for hangs, not for speed: a test that takes 30 s on an idle machine takes 60 s with
    // every core busy (npm run test:loaded), and its verdict must not change. Tests that run longer
    // on purpose (live boots, crash loops) set their own, larger timeouts.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Tests attach loop devices and run mkfs: two workers match the machine's two cores.
    maxWorkers: 2,
    reporters: ['verbose'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests attach loop devices and run mkfs: two workers match the machine's two cores.
    maxWorkers: 2,
    reporters: ['verbose'],
  },
});

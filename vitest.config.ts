import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engine/**/*.test.ts', 'lib/**/*.test.ts', 'app/**/*.test.ts', 'bin/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});

import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { '@': path.resolve(import.meta.dirname) },
  },
  test: {
    include: ['engine/**/*.test.ts', 'lib/**/*.test.ts', 'app/**/*.test.ts', 'bin/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    // next-auth imports `next/server` without an extension, which plain Node ESM cannot resolve.
    server: { deps: { inline: ['next-auth'] } },
  },
});

import { defineConfig } from 'vitest/config';

// The bench's own unit tests (pure helpers); not part of the root unit/e2e projects.
export default defineConfig({ test: { root: import.meta.dirname, include: ['src/**/*.test.ts'] } });

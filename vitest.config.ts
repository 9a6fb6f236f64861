import { defineConfig } from 'vitest/config';

// Unit tests import workspace packages from source (the "source" export condition);
// e2e tests drive the built apps as separate processes.
export default defineConfig({
  test: {
    projects: [
      {
        resolve: { conditions: ['source'] },
        ssr: { resolve: { conditions: ['source'] } },
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'apps/*/src/**/*.test.ts',
            'bench/src/**/*.test.ts',
            'deploy/test/manifests.test.ts',
          ],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { conditions: ['source'] },
        ssr: { resolve: { conditions: ['source'] } },
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts', 'deploy/test/image-runtime.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

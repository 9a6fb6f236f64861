import { defineConfig } from 'vitest/config';

// Unit tests import workspace packages from source (the "source" export condition);
// e2e tests drive the built apps as separate processes. Files of both projects run in parallel
// (vitest's fileParallelism is a root-only option): every e2e file starts its own etcd, apps
// and mock servers on free ports, so they do not share state.
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
        },
      },
    ],
  },
});

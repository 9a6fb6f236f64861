import { defineConfig } from 'vitest/config';

// Inner config: run only by ns-run.sh inside the private mount+network namespace (docs.test.ts
// starts it). The suites bind 127.0.0.1:443/9080/9180, so they run one file at a time.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['e2e/docs/suites/*.docs.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});

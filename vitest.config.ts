import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic, beside the code) and `integration` (real dockerd, real SQLite, real
// users; under testing/). Integration files share one private dockerd started by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'daemon/**/*.test.ts',
            'commands/**/*.test.ts',
            'testing/harness/**/*.test.ts',
            'testing/chaos/invariants.test.ts',
            'testing/chaos/smaps.test.ts',
          ],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'testing/integration/**/*.test.ts',
            'testing/e2e/**/*.test.ts',
            'testing/systemd/**/*.test.ts',
            'testing/chaos/chaos-*.test.ts',
          ],
          globalSetup: ['testing/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

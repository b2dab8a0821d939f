import { defineConfig } from 'vitest/config';
import { unitProject } from './vitest.unit.config.js';

export default defineConfig({
  test: {
    projects: [
      { test: unitProject },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          // One local control plane is shared; files run one at a time so their namespaces and
          // timings do not interfere on a 2-core machine.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});

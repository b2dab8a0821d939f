// The unit project alone: what StrykerJS runs (stryker.config.mjs). vitest.config.ts lists it beside
// the e2e project, whose global setup starts the local cluster, which a mutation run must not do.
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

export const unitProject = { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } satisfies TestProjectInlineConfiguration['test'];

export default defineConfig({ test: unitProject });

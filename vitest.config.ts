import { defineConfig } from 'vitest/config';

// Slow suites (those that boot a real kernel) are named *.slow.test.ts: that suffix is the tag
// `npm run test:quick` leaves out. `npm test` runs everything, as CI does.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // GitHub's workflow parser imports its JSON schema without an import attribute, which Node 20
    // refuses; bundled through Vite it loads (test/ci/nightly-workflow.test.ts).
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
